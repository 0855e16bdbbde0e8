use thiserror::Error;

/// What kind of resource an id named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Region,
    Zone,
    Vpc,
    VSwitch,
    SecurityGroup,
    Instance,
    Eni,
    InstanceType,
    Image,
}

/// Whose group membership a rule is about: an instance (through its primary ENI) or an ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Instance,
    Eni,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Owner::Instance => "instance",
            Owner::Eni => "network interface",
        })
    }
}

/// A broken rule, in domain terms. Which Alibaba code and HTTP status each one becomes depends
/// on the action that broke it; that mapping is the single error table in `crate::errors`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("the {0:?} {1} does not exist")]
    NotFound(ResourceKind, String),

    // Rules a and b: one resource never mixes basic and advanced groups.
    #[error("a resource cannot be in basic and advanced security groups at the same time")]
    MixedGroupKinds { owner: Owner },
    // Rule c.
    #[error("the network interface and the instance must be in security groups of the same type")]
    AttachKindMismatch,
    // Rule d.
    #[error("the {owner} must stay in at least one security group")]
    LastGroup { owner: Owner },
    #[error("the {owner} is not in the security group {group_id}")]
    NotMember { owner: Owner, group_id: String },
    #[error("the {owner} is already in the security group {group_id}")]
    AlreadyMember { owner: Owner, group_id: String },
    // Rule e.
    #[error("the {owner} and the security group {group_id} are not in the same VPC")]
    VpcMismatch { owner: Owner, group_id: String },
    // Rule f.
    #[error("the {owner} would be in more than {limit} security groups")]
    TooManyGroups { owner: Owner, limit: usize },
    #[error("the network interface and the instance are in different VPCs")]
    PlacementVpcMismatch,
    #[error("the security group ids repeat")]
    RepeatedGroupIds,
    // Rule g.
    #[error("the security group {group_id} is full")]
    GroupFull { group_id: String, advanced: bool },
    #[error("the instance type {instance_type} does not support advanced security groups")]
    AdvancedGroupUnsupported { instance_type: String },
    // Rule h.
    #[error("the primary network interface cannot be detached")]
    DetachPrimary,
    #[error("the queue number of a primary network interface cannot be modified")]
    PrimaryQueueNumber,
    #[error("the queue number can be modified only while the network interface is Available or its instance is Stopped")]
    QueueNumberState,
    #[error("only the name and description of a primary network interface can be modified")]
    PrimaryOnlyNameAndDescription,
    #[error("the network interface {0} is a primary network interface")]
    PrimaryEniNotAllowed(String),
    // Rule i.
    #[error("the instance is {status}, which does not allow this operation")]
    InstanceState { status: &'static str },
    #[error("the network interface is {status}, which does not allow this operation")]
    EniState { status: &'static str },
    #[error("the network interface {eni_id} is not attached to the instance {instance_id}")]
    EniNotAttachedTo { eni_id: String, instance_id: String },
    #[error("the instance already has the most network interfaces its type allows ({limit})")]
    EniPerInstanceLimit { limit: u32 },
    #[error(
        "the network interface has more private addresses than the instance type allows ({limit})"
    )]
    IpCountExceeded { limit: u32 },
    #[error("the network interface and the instance are in different zones")]
    ZoneMismatch,
    #[error("the vSwitch is not in the zone {zone_id}")]
    VSwitchZoneMismatch { zone_id: String },
    // Rule j: format rules for names and descriptions.
    #[error("the parameter {field} is not valid: {reason}")]
    InvalidName { field: &'static str, reason: String },
    #[error("the parameter {field} is not valid: {reason}")]
    InvalidDescription { field: &'static str, reason: String },

    #[error("the security group {0} still has members")]
    GroupInUse(String),
    #[error("the quota of {what} is reached ({limit})")]
    QuotaExceeded { what: &'static str, limit: u64 },

    // Addresses.
    #[error("the CIDR block {0} is not valid")]
    InvalidCidr(String),
    #[error("the CIDR block {0} is not inside the VPC's CIDR block")]
    CidrOutsideVpc(String),
    #[error("the CIDR block {0} overlaps another vSwitch")]
    CidrOverlap(String),
    #[error("the mask length of {0} is not allowed")]
    CidrMaskLength(String),
    #[error("the private IP address {0} is malformed")]
    IpMalformed(String),
    #[error("the private IP address {0} is not in the vSwitch's CIDR block")]
    IpOutsideVSwitch(String),
    #[error("the private IP address {0} is already in use")]
    IpInUse(String),
    #[error("the vSwitch has no free private IP address")]
    IpExhausted,
    #[error("{0} is not a secondary private IP address of the network interface")]
    NotSecondaryAddress(String),
}
