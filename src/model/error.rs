use thiserror::Error;

use super::permissions::{AddressField, Direction, Protocol};

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

    // Time.
    #[error("the instance is being created")]
    InstanceBeingCreated,

    // Security group rules.
    #[error("the parameter {field} must be TCP, UDP, ICMP, ICMPv6, GRE or ALL")]
    RuleProtocol { field: String },
    #[error("the rule has no PortRange")]
    RulePortRangeMissing,
    #[error("the parameter {field} is not two integers separated by a slash")]
    RulePortRangeFormat { field: String },
    #[error("the port range is outside 1 to 65535 or starts after it ends")]
    RulePortRangeValue,
    #[error("the port range {port_range} does not suit the protocol {protocol}")]
    RuleProtocolPortMismatch {
        protocol: &'static str,
        port_range: String,
    },
    #[error("the parameter {field} is not a valid port range")]
    RuleSourcePortRange { field: String },
    #[error("the parameter {field} is not a valid address or CIDR block")]
    RuleAddress {
        field: String,
        address: AddressField,
    },
    #[error("{at} gives both an IPv4 and an IPv6 address on one side")]
    RuleBothFamilies { at: String, source_side: bool },
    #[error("a rule cannot mix IPv4 and IPv6 addresses")]
    RuleMixedFamilies,
    #[error("the protocol {} does not suit the address family", protocol.api_name())]
    RuleProtocolFamily { protocol: Protocol },
    #[error("the {direction} rule in {at} names no peer")]
    RulePeerMissing { direction: Direction, at: String },
    #[error("the parameter {field} is neither accept nor drop")]
    RulePolicy { field: String },
    #[error("the priority is not an integer")]
    RulePriorityMalformed,
    #[error("the parameter {field} is outside 1 to 100")]
    RulePriorityRange { field: String },
    #[error("the NIC type {0} does not exist")]
    RuleNicType(String),
    #[error("an {direction} rule naming a security group must be intranet")]
    RulePeerNeedsIntranet { direction: Direction },
    #[error("the security group {group_id} named by the {direction} rule does not exist")]
    PeerGroupNotFound {
        direction: Direction,
        group_id: String,
    },
    #[error("the security group {group_id} named by the {direction} rule is in another VPC")]
    PeerGroupVpcMismatch {
        direction: Direction,
        group_id: String,
    },
    #[error("an {direction} rule cannot name its own security group")]
    PeerGroupIsSelf { direction: Direction },
    #[error("the advanced security group {group_id} cannot be named by a rule")]
    PeerGroupAdvanced { group_id: String },
    #[error("the rules of the advanced security group {group_id} cannot name security groups")]
    AdvancedGroupReference { group_id: String },
    #[error("a security group has at most {limit} rules naming security groups")]
    GroupRuleLimit { limit: u64 },
    #[error("a security group has at most {limit} rules")]
    RuleLimit { limit: u64 },
    #[error("the same rule is given twice")]
    DuplicatePermissions,
    #[error("the rule id {0} is given twice")]
    RuleIdRepeated(String),
    #[error("the rule {0} does not exist in the security group in this direction")]
    RuleNotFound(String),
    #[error("no rule of the security group matches")]
    NoMatchingRule,
    #[error("the kind of a rule's source or destination cannot change")]
    RulePeerKindChange,
    #[error("the rule would be the same as the rule {rule_id}")]
    RuleDuplicate { rule_id: String },
    #[error("the NIC type of a rule cannot change")]
    RuleNicTypeChange,
    #[error("the prefix list {0} does not exist")]
    PrefixListNotFound(String),
    #[error("the port range list {0} does not exist")]
    PortRangeListNotFound(String),
    #[error("the inner access policy must be Accept or Drop")]
    InnerAccessPolicyInvalid,
    #[error("the inner access policy of an advanced security group cannot change")]
    InnerAccessPolicyFixed,
    #[error("rules of other security groups name the security group {0}")]
    GroupReferenced(String),

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

    // Tags and idempotency.
    #[error("the tag key {key:?} is not valid: {reason}")]
    InvalidTagKey { key: String, reason: &'static str },
    #[error("the value of the tag {key:?} is not valid: {reason}")]
    InvalidTagValue { key: String, reason: &'static str },
    #[error("the tag key {0:?} is given more than once")]
    DuplicateTagKey(String),
    #[error("a resource can carry at most {limit} tags")]
    TooManyTags { limit: usize },
    #[error("the ClientToken must be 1 to 64 ASCII characters")]
    InvalidClientToken,
    #[error("the ClientToken was used by an earlier request with different parameters")]
    IdempotentParameterMismatch,
}
