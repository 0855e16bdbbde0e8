//! The seed's rules (ecs-api.md §5, a–j), each written once. Operations load what a rule needs,
//! call it inside the transaction that writes, and write only when it passes.

use std::collections::HashSet;

use super::transitions::{EniTransition, InstanceTransition};
use super::{
    DomainError, Eni, EniStatus, EniType, GroupKind, Instance, InstanceStatus, Limits, Owner,
    SecurityGroup,
};

/// The kind shared by a set of groups, or `MixedGroupKinds` (rules a and b).
pub fn kind_of(owner: Owner, groups: &[&SecurityGroup]) -> Result<Option<GroupKind>, DomainError> {
    let mut kinds = groups.iter().map(|g| g.kind);
    let first = kinds.next();
    if kinds.any(|k| Some(k) != first) {
        return Err(DomainError::MixedGroupKinds { owner });
    }
    Ok(first)
}

/// A whole new set of groups for a resource (creation, or a secondary ENI's replacement set).
/// `attached_to` is the kind of the instance an ENI is attached to, which the set must keep
/// (rule c holds for as long as the attachment lasts).
pub fn check_group_set(
    owner: Owner,
    resource_vpc: &str,
    groups: &[&SecurityGroup],
    limit: usize,
    attached_to: Option<GroupKind>,
) -> Result<GroupKind, DomainError> {
    let mut seen = HashSet::new();
    if !groups.iter().all(|g| seen.insert(g.id.as_str())) {
        return Err(DomainError::RepeatedGroupIds);
    }
    if groups.len() > limit {
        return Err(DomainError::TooManyGroups { owner, limit });
    }
    if let Some(g) = groups.iter().find(|g| g.vpc_id != resource_vpc) {
        return Err(DomainError::VpcMismatch {
            owner,
            group_id: g.id.clone(),
        });
    }
    let kind = kind_of(owner, groups)?.ok_or(DomainError::LastGroup { owner })?;
    if attached_to.is_some_and(|instance_kind| instance_kind != kind) {
        return Err(DomainError::AttachKindMismatch);
    }
    Ok(kind)
}

/// Joining one more group (JoinSecurityGroup), checked in the documented order:
/// already a member → same VPC → same kind → per-resource limit.
pub fn check_join(
    owner: Owner,
    resource_vpc: &str,
    current: &[&SecurityGroup],
    target: &SecurityGroup,
    limit: usize,
) -> Result<(), DomainError> {
    if current.iter().any(|g| g.id == target.id) {
        return Err(DomainError::AlreadyMember {
            owner,
            group_id: target.id.clone(),
        });
    }
    if target.vpc_id != resource_vpc {
        return Err(DomainError::VpcMismatch {
            owner,
            group_id: target.id.clone(),
        });
    }
    if current.iter().any(|g| g.kind != target.kind) {
        return Err(DomainError::MixedGroupKinds { owner });
    }
    if current.len() + 1 > limit {
        return Err(DomainError::TooManyGroups { owner, limit });
    }
    Ok(())
}

/// Leaving a group (LeaveSecurityGroup): it must be one of the resource's groups, and not
/// its last one (rule d). Returns the groups that remain.
pub fn check_leave(
    owner: Owner,
    current: &[String],
    group_id: &str,
) -> Result<Vec<String>, DomainError> {
    if !current.iter().any(|g| g == group_id) {
        return Err(DomainError::NotMember {
            owner,
            group_id: group_id.to_string(),
        });
    }
    if current.len() == 1 {
        return Err(DomainError::LastGroup { owner });
    }
    Ok(current.iter().filter(|g| *g != group_id).cloned().collect())
}

/// Rule g: a basic group holds at most `basic_group_capacity` instances and ENIs, an advanced
/// group `advanced_group_capacity` ENIs. `members` counts the group's members before the change.
pub fn check_capacity(
    group: &SecurityGroup,
    members: u64,
    limits: &Limits,
) -> Result<(), DomainError> {
    let capacity = match group.kind {
        GroupKind::Basic => limits.basic_group_capacity,
        GroupKind::Advanced => limits.advanced_group_capacity,
    };
    if members >= capacity {
        return Err(DomainError::GroupFull {
            group_id: group.id.clone(),
            advanced: group.kind == GroupKind::Advanced,
        });
    }
    Ok(())
}

/// Some older instance types cannot be in advanced groups.
pub fn check_type_supports_kind(
    instance_type: &str,
    supports_advanced: bool,
    kind: GroupKind,
) -> Result<(), DomainError> {
    if kind == GroupKind::Advanced && !supports_advanced {
        return Err(DomainError::AdvancedGroupUnsupported {
            instance_type: instance_type.to_string(),
        });
    }
    Ok(())
}

/// Rule i: group membership, attach and detach need a settled instance (Running or Stopped);
/// one still being created (Pending) is told apart, as the API does.
pub fn check_instance_settled(instance: &Instance) -> Result<(), DomainError> {
    match instance.status {
        InstanceStatus::Running | InstanceStatus::Stopped => Ok(()),
        InstanceStatus::Pending => Err(DomainError::InstanceBeingCreated),
        other => Err(DomainError::InstanceState {
            status: other.api_name(),
        }),
    }
}

pub fn check_eni_status(eni: &Eni, allowed: &[EniStatus]) -> Result<(), DomainError> {
    if allowed.contains(&eni.status) {
        Ok(())
    } else {
        Err(DomainError::EniState {
            status: eni.status.api_name(),
        })
    }
}

/// Rule i: an ENI in an asynchronous state (Attaching, Detaching, Deleting) refuses changes
/// until the transition settles.
pub fn check_eni_settled(eni: &Eni) -> Result<(), DomainError> {
    check_eni_status(eni, &[EniStatus::Available, EniStatus::InUse])
}

/// A transition settles only while its ENI still shows the state the transition put it in;
/// one that moved on (released with its instance, detached back to Available) left it stale.
pub fn eni_transition_holds(eni: &Eni, transition: EniTransition) -> bool {
    eni.status == transition.during()
}

/// The same for an instance (a Pending or Starting instance may be force-released, …).
pub fn instance_transition_holds(instance: &Instance, transition: InstanceTransition) -> bool {
    instance.status == transition.during()
}

/// Rule h: calls that act on secondary ENIs only.
pub fn check_secondary(eni: &Eni) -> Result<(), DomainError> {
    match eni.eni_type {
        EniType::Secondary => Ok(()),
        EniType::Primary => Err(DomainError::PrimaryEniNotAllowed(eni.id.clone())),
    }
}

/// Everything AttachNetworkInterface requires (rules c, h, i, and the placement rules).
/// `eni_kind`/`instance_kind` are the kinds of their groups; `attached` counts the ENIs the
/// instance already has, primary included; `eni_quantity` is its type's limit.
pub fn check_attach(
    eni: &Eni,
    instance: &Instance,
    eni_kind: GroupKind,
    instance_kind: GroupKind,
    attached: u32,
    eni_quantity: u32,
) -> Result<(), DomainError> {
    check_secondary(eni)?;
    check_eni_status(eni, &[EniStatus::Available])?;
    check_instance_settled(instance)?;
    if eni.vpc_id != instance.vpc_id {
        return Err(DomainError::PlacementVpcMismatch);
    }
    if eni.zone_id != instance.zone_id {
        return Err(DomainError::ZoneMismatch);
    }
    if eni_kind != instance_kind {
        return Err(DomainError::AttachKindMismatch);
    }
    if attached >= eni_quantity {
        return Err(DomainError::EniPerInstanceLimit {
            limit: eni_quantity,
        });
    }
    Ok(())
}

/// An ENI brings its addresses along: the instance type caps how many one ENI may carry.
pub fn check_private_ip_count(addresses: usize, per_eni: u32) -> Result<(), DomainError> {
    if addresses > per_eni as usize {
        return Err(DomainError::IpCountExceeded { limit: per_eni });
    }
    Ok(())
}

/// DetachNetworkInterface: never the primary ENI; only from the instance it is attached to;
/// from InUse, or again from a stuck Detaching.
pub fn check_detach(eni: &Eni, instance: &Instance) -> Result<(), DomainError> {
    if eni.eni_type == EniType::Primary {
        return Err(DomainError::DetachPrimary);
    }
    if eni.instance_id.as_deref() != Some(instance.id.as_str()) {
        return Err(DomainError::EniNotAttachedTo {
            eni_id: eni.id.clone(),
            instance_id: instance.id.clone(),
        });
    }
    check_eni_status(eni, &[EniStatus::InUse, EniStatus::Detaching])?;
    check_instance_settled(instance)
}

/// DeleteNetworkInterface: a secondary ENI that is Available (or stuck in Deleting).
pub fn check_delete_eni(eni: &Eni) -> Result<(), DomainError> {
    check_secondary(eni)?;
    check_eni_status(eni, &[EniStatus::Available, EniStatus::Deleting])
}

/// ModifyNetworkInterfaceAttribute on a primary ENI may change only its name and description.
pub fn check_modify_eni(
    eni: &Eni,
    changes_more_than_name_and_description: bool,
) -> Result<(), DomainError> {
    if eni.eni_type == EniType::Primary && changes_more_than_name_and_description {
        return Err(DomainError::PrimaryOnlyNameAndDescription);
    }
    Ok(())
}

/// Rule h and i for queue numbers: never on a primary ENI; only while the ENI is Available or
/// attached to a Stopped instance (`attached_to` is the status of its instance).
pub fn check_queue_number_change(
    eni: &Eni,
    attached_to: Option<InstanceStatus>,
) -> Result<(), DomainError> {
    if eni.eni_type == EniType::Primary {
        return Err(DomainError::PrimaryQueueNumber);
    }
    match (eni.status, attached_to) {
        (EniStatus::Available, _) | (EniStatus::InUse, Some(InstanceStatus::Stopped)) => Ok(()),
        _ => Err(DomainError::QueueNumberState),
    }
}

/// What an instance lifecycle call may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Start,
    Stop,
    Delete { force: bool },
}

pub fn check_lifecycle(instance: &Instance, call: Lifecycle) -> Result<(), DomainError> {
    use InstanceStatus::*;
    let allowed = match call {
        Lifecycle::Start => instance.status == Stopped,
        Lifecycle::Stop => instance.status == Running,
        Lifecycle::Delete { force: false } => instance.status == Stopped,
        Lifecycle::Delete { force: true } => {
            matches!(
                instance.status,
                Stopped | Running | Pending | Starting | Stopping
            )
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::InstanceState {
            status: instance.status.api_name(),
        })
    }
}

#[cfg(test)]
mod tests;
