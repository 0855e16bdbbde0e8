//! The pure domain: resources, their states, and the seed's rules as functions returning
//! `Result<_, DomainError>`. No I/O, no async, no serde. Every other layer asks this one
//! whether an operation is allowed.

pub mod catalog;
mod error;
pub mod idempotency;
pub mod ids;
pub mod names;
pub mod net;
pub mod permissions;
pub mod rules;
pub mod tags;
pub mod transitions;

pub use error::{DomainError, Owner, ResourceKind};

/// The two kinds of security group. The API calls them `normal` and `enterprise`; the console
/// calls them basic and advanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    Basic,
    Advanced,
}

impl GroupKind {
    pub fn api_name(self) -> &'static str {
        match self {
            GroupKind::Basic => "normal",
            GroupKind::Advanced => "enterprise",
        }
    }

    pub fn from_api_name(s: &str) -> Option<Self> {
        match s {
            "normal" => Some(GroupKind::Basic),
            "enterprise" => Some(GroupKind::Advanced),
            _ => None,
        }
    }

    /// Members of a basic group reach each other by default; advanced groups isolate them.
    pub fn default_inner_access_policy(self) -> &'static str {
        match self {
            GroupKind::Basic => "Accept",
            GroupKind::Advanced => "Drop",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub region_id: String,
    pub vpc_id: String,
    pub name: String,
    pub description: String,
    pub kind: GroupKind,
    pub inner_access_policy: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EniType {
    Primary,
    Secondary,
}

impl EniType {
    pub fn api_name(self) -> &'static str {
        match self {
            EniType::Primary => "Primary",
            EniType::Secondary => "Secondary",
        }
    }

    pub fn from_api_name(s: &str) -> Option<Self> {
        match s {
            "Primary" => Some(EniType::Primary),
            "Secondary" => Some(EniType::Secondary),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EniStatus {
    Available,
    Attaching,
    InUse,
    Detaching,
    Deleting,
}

impl EniStatus {
    pub const ALL: [EniStatus; 5] = [
        EniStatus::Available,
        EniStatus::Attaching,
        EniStatus::InUse,
        EniStatus::Detaching,
        EniStatus::Deleting,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            EniStatus::Available => "Available",
            EniStatus::Attaching => "Attaching",
            EniStatus::InUse => "InUse",
            EniStatus::Detaching => "Detaching",
            EniStatus::Deleting => "Deleting",
        }
    }

    pub fn from_api_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.api_name() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateIp {
    pub address: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eni {
    pub id: String,
    pub region_id: String,
    pub zone_id: String,
    pub vpc_id: String,
    pub vswitch_id: String,
    pub name: String,
    pub description: String,
    pub eni_type: EniType,
    pub status: EniStatus,
    pub instance_id: Option<String>,
    pub mac_address: String,
    /// Primary address first, then secondary addresses in allocation order.
    pub private_ips: Vec<PrivateIp>,
    /// In the order the groups were given.
    pub security_group_ids: Vec<String>,
    pub delete_on_release: bool,
    pub source_dest_check: bool,
    pub queue_number: u32,
    pub created_at: i64,
}

impl Eni {
    pub fn primary_ip(&self) -> &str {
        self.private_ips
            .iter()
            .find(|ip| ip.primary)
            .map(|ip| ip.address.as_str())
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    Pending,
    Starting,
    Running,
    Stopping,
    Stopped,
}

impl InstanceStatus {
    pub const ALL: [InstanceStatus; 5] = [
        InstanceStatus::Pending,
        InstanceStatus::Starting,
        InstanceStatus::Running,
        InstanceStatus::Stopping,
        InstanceStatus::Stopped,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            InstanceStatus::Pending => "Pending",
            InstanceStatus::Starting => "Starting",
            InstanceStatus::Running => "Running",
            InstanceStatus::Stopping => "Stopping",
            InstanceStatus::Stopped => "Stopped",
        }
    }

    pub fn from_api_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.api_name() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub region_id: String,
    pub zone_id: String,
    pub vpc_id: String,
    pub vswitch_id: String,
    pub name: String,
    pub description: String,
    pub host_name: String,
    pub instance_type: String,
    pub image_id: String,
    pub status: InstanceStatus,
    pub created_at: i64,
    pub started_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    pub region_id: String,
    pub name: String,
    pub description: String,
    pub cidr_block: String,
    pub status: String,
    pub vrouter_id: String,
    pub route_table_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VSwitch {
    pub id: String,
    pub region_id: String,
    pub vpc_id: String,
    pub zone_id: String,
    pub name: String,
    pub description: String,
    pub cidr_block: String,
    pub status: String,
    pub created_at: i64,
}

/// Configurable quotas (ecs-api.md §3.8). Defaults follow the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub groups_per_instance: usize,
    pub groups_per_eni: usize,
    pub basic_group_capacity: u64,
    pub advanced_group_capacity: u64,
    pub security_groups_per_region: u64,
    pub enis_per_region: u64,
    pub vpcs_per_region: u64,
    pub vswitches_per_vpc: u64,
    /// Rules per security group, inbound and outbound together.
    pub rules_per_group: u64,
    /// Rules per basic security group that name another group.
    pub group_rules_per_group: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            groups_per_instance: 5,
            groups_per_eni: 5,
            basic_group_capacity: 2_000,
            advanced_group_capacity: 65_536,
            security_groups_per_region: 100,
            enis_per_region: 100,
            vpcs_per_region: 10,
            vswitches_per_vpc: 150,
            rules_per_group: 200,
            group_rules_per_group: 20,
        }
    }
}
