//! The asynchronous states (ecs-api.md §3.6, §3.7): the calls that start a transition, the
//! state a resource shows while it lasts, and the state it settles into.

use super::{EniStatus, InstanceStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EniTransition {
    /// AttachNetworkInterface: Attaching → InUse.
    Attach,
    /// DetachNetworkInterface: Detaching → Available.
    Detach,
    /// DeleteNetworkInterface: Deleting → gone.
    Delete,
}

impl EniTransition {
    pub const ALL: [EniTransition; 3] = [
        EniTransition::Attach,
        EniTransition::Detach,
        EniTransition::Delete,
    ];

    /// What the ENI shows while the transition lasts.
    pub fn during(self) -> EniStatus {
        match self {
            EniTransition::Attach => EniStatus::Attaching,
            EniTransition::Detach => EniStatus::Detaching,
            EniTransition::Delete => EniStatus::Deleting,
        }
    }

    /// What it settles into; `None` when the ENI is gone.
    pub fn end(self) -> Option<EniStatus> {
        match self {
            EniTransition::Attach => Some(EniStatus::InUse),
            EniTransition::Detach => Some(EniStatus::Available),
            EniTransition::Delete => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceTransition {
    /// RunInstances: Pending → Running.
    Launch,
    /// CreateInstance: Pending → Stopped.
    Create,
    /// StartInstance: Starting → Running.
    Start,
    /// StopInstance: Stopping → Stopped.
    Stop,
}

impl InstanceTransition {
    pub const ALL: [InstanceTransition; 4] = [
        InstanceTransition::Launch,
        InstanceTransition::Create,
        InstanceTransition::Start,
        InstanceTransition::Stop,
    ];

    pub fn during(self) -> InstanceStatus {
        match self {
            InstanceTransition::Launch | InstanceTransition::Create => InstanceStatus::Pending,
            InstanceTransition::Start => InstanceStatus::Starting,
            InstanceTransition::Stop => InstanceStatus::Stopping,
        }
    }

    pub fn end(self) -> InstanceStatus {
        match self {
            InstanceTransition::Launch | InstanceTransition::Start => InstanceStatus::Running,
            InstanceTransition::Create | InstanceTransition::Stop => InstanceStatus::Stopped,
        }
    }
}

/// A transition of either kind of resource, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Eni(EniTransition),
    Instance(InstanceTransition),
}

impl Transition {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Transition::Eni(EniTransition::Attach) => "AttachEni",
            Transition::Eni(EniTransition::Detach) => "DetachEni",
            Transition::Eni(EniTransition::Delete) => "DeleteEni",
            Transition::Instance(InstanceTransition::Launch) => "LaunchInstance",
            Transition::Instance(InstanceTransition::Create) => "CreateInstance",
            Transition::Instance(InstanceTransition::Start) => "StartInstance",
            Transition::Instance(InstanceTransition::Stop) => "StopInstance",
        }
    }

    pub fn from_name(name: &str) -> Option<Transition> {
        let enis = EniTransition::ALL.map(Transition::Eni);
        let instances = InstanceTransition::ALL.map(Transition::Instance);
        enis.into_iter().chain(instances).find(|t| t.name() == name)
    }

    /// The action of the event a settlement appends.
    pub fn settle_action(self) -> &'static str {
        match self {
            Transition::Eni(EniTransition::Attach) => "Settle.AttachEni",
            Transition::Eni(EniTransition::Detach) => "Settle.DetachEni",
            Transition::Eni(EniTransition::Delete) => "Settle.DeleteEni",
            Transition::Instance(InstanceTransition::Launch) => "Settle.LaunchInstance",
            Transition::Instance(InstanceTransition::Create) => "Settle.CreateInstance",
            Transition::Instance(InstanceTransition::Start) => "Settle.StartInstance",
            Transition::Instance(InstanceTransition::Stop) => "Settle.StopInstance",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_differ() {
        let all: Vec<Transition> = EniTransition::ALL
            .map(Transition::Eni)
            .into_iter()
            .chain(InstanceTransition::ALL.map(Transition::Instance))
            .collect();
        for t in &all {
            assert_eq!(Transition::from_name(t.name()), Some(*t));
            assert_eq!(t.settle_action(), format!("Settle.{}", t.name()));
        }
        let mut names: Vec<_> = all.iter().map(|t| t.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert_eq!(Transition::from_name("Reboot"), None);
    }

    #[test]
    fn the_state_machines_of_the_spec() {
        use EniStatus::*;
        use InstanceStatus::*;
        let enis: Vec<_> = EniTransition::ALL
            .iter()
            .map(|t| (t.during(), t.end()))
            .collect();
        assert_eq!(
            enis,
            [
                (Attaching, Some(InUse)),
                (Detaching, Some(Available)),
                (Deleting, None)
            ]
        );
        let instances: Vec<_> = InstanceTransition::ALL
            .iter()
            .map(|t| (t.during(), t.end()))
            .collect();
        assert_eq!(
            instances,
            [
                (Pending, Running),
                (Pending, Stopped),
                (Starting, Running),
                (Stopping, Stopped)
            ]
        );
    }
}
