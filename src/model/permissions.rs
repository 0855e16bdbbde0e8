//! Security group rules (ecs-api.md §3.5, §4.15, §4.16): the values a rule may take, how one
//! permission of a request becomes a rule, when two rules are the same rule, and the limits on
//! a group's rules. Operations load the groups a rule names and call these checks.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::{DomainError, GroupKind, Limits, SecurityGroup};

/// Inbound (`ingress`) or outbound (`egress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn api_name(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    pub fn from_api_name(s: &str) -> Option<Self> {
        match s {
            "ingress" => Some(Direction::Ingress),
            "egress" => Some(Direction::Egress),
            _ => None,
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Ingress => "inbound",
            Direction::Egress => "outbound",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    IcmpV6,
    Gre,
    All,
}

impl Protocol {
    pub const ALL: [Protocol; 6] = [
        Protocol::Tcp,
        Protocol::Udp,
        Protocol::Icmp,
        Protocol::IcmpV6,
        Protocol::Gre,
        Protocol::All,
    ];

    /// The spelling the API answers with, whatever the request's case.
    pub fn api_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Icmp => "ICMP",
            Protocol::IcmpV6 => "ICMPv6",
            Protocol::Gre => "GRE",
            Protocol::All => "ALL",
        }
    }

    /// Any case: `tcp`, `Tcp`, `icmpV6`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.api_name().eq_ignore_ascii_case(s))
    }

    /// Only TCP and UDP rules name ports; the others cover every port (`-1/-1`).
    fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }

    /// The address family an ICMP flavour is bound to.
    fn family(self) -> Option<Family> {
        match self {
            Protocol::Icmp => Some(Family::V4),
            Protocol::IcmpV6 => Some(Family::V6),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    Accept,
    Drop,
}

impl Policy {
    /// The API takes `accept`/`drop` and answers `Accept`/`Drop`.
    pub fn api_name(self) -> &'static str {
        match self {
            Policy::Accept => "Accept",
            Policy::Drop => "Drop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Policy::Accept, Policy::Drop]
            .into_iter()
            .find(|p| p.api_name().eq_ignore_ascii_case(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NicType {
    Intranet,
    Internet,
}

impl NicType {
    pub fn api_name(self) -> &'static str {
        match self {
            NicType::Intranet => "intranet",
            NicType::Internet => "internet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [NicType::Intranet, NicType::Internet]
            .into_iter()
            .find(|n| n.api_name().eq_ignore_ascii_case(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// The four address parameters of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    SourceCidrIp,
    Ipv6SourceCidrIp,
    DestCidrIp,
    Ipv6DestCidrIp,
}

impl AddressField {
    pub fn api_name(self) -> &'static str {
        match self {
            AddressField::SourceCidrIp => "SourceCidrIp",
            AddressField::Ipv6SourceCidrIp => "Ipv6SourceCidrIp",
            AddressField::DestCidrIp => "DestCidrIp",
            AddressField::Ipv6DestCidrIp => "Ipv6DestCidrIp",
        }
    }

    fn family(self) -> Family {
        match self {
            AddressField::SourceCidrIp | AddressField::DestCidrIp => Family::V4,
            AddressField::Ipv6SourceCidrIp | AddressField::Ipv6DestCidrIp => Family::V6,
        }
    }
}

/// What a rule is, apart from its id, group, description and creation time. Two rules with
/// equal specs are the same rule. Empty strings are unset fields, as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleSpec {
    pub direction: Direction,
    pub protocol: Protocol,
    pub port_range: String,
    pub source_port_range: String,
    pub source_cidr_ip: String,
    pub ipv6_source_cidr_ip: String,
    pub source_group_id: String,
    pub source_group_owner_account: String,
    pub source_prefix_list_id: String,
    pub dest_cidr_ip: String,
    pub ipv6_dest_cidr_ip: String,
    pub dest_group_id: String,
    pub dest_group_owner_account: String,
    pub dest_prefix_list_id: String,
    pub policy: Policy,
    pub priority: u8,
    pub nic_type: NicType,
}

/// The kind of party a rule names on its far side (source of an inbound rule, destination of
/// an outbound one): the API calls it the authorization object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeerKind {
    Ipv4,
    Ipv6,
    Group,
    PrefixList,
}

impl RuleSpec {
    /// The group the rule names as its source (inbound) or destination (outbound).
    pub fn peer_group(&self) -> Option<&str> {
        let id = match self.direction {
            Direction::Ingress => &self.source_group_id,
            Direction::Egress => &self.dest_group_id,
        };
        (!id.is_empty()).then_some(id.as_str())
    }

    fn peer_kind(&self) -> PeerKind {
        let (v4, v6, group) = match self.direction {
            Direction::Ingress => (
                &self.source_cidr_ip,
                &self.ipv6_source_cidr_ip,
                &self.source_group_id,
            ),
            Direction::Egress => (
                &self.dest_cidr_ip,
                &self.ipv6_dest_cidr_ip,
                &self.dest_group_id,
            ),
        };
        if !v4.is_empty() {
            PeerKind::Ipv4
        } else if !v6.is_empty() {
            PeerKind::Ipv6
        } else if !group.is_empty() {
            PeerKind::Group
        } else {
            PeerKind::PrefixList
        }
    }
}

/// A rule of a security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub group_id: String,
    pub spec: RuleSpec,
    pub description: String,
    pub created_at: i64,
}

/// A checked permission: the rule it stands for and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub spec: RuleSpec,
    pub description: String,
}

/// How many rules a group has, and how many of them name another group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCounts {
    pub rules: u64,
    pub group_rules: u64,
}

/// One permission as a request gives it: each value as sent (None when absent or empty), and
/// where it was given (`Permissions.2`, or empty for the flat form) so that errors name the
/// parameter the client sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPermission {
    pub at: String,
    pub ip_protocol: Option<String>,
    pub port_range: Option<String>,
    pub port_range_list_id: Option<String>,
    pub source_port_range: Option<String>,
    pub source_cidr_ip: Option<String>,
    pub ipv6_source_cidr_ip: Option<String>,
    pub source_group_id: Option<String>,
    pub source_group_owner_account: Option<String>,
    pub source_prefix_list_id: Option<String>,
    pub dest_cidr_ip: Option<String>,
    pub ipv6_dest_cidr_ip: Option<String>,
    pub dest_group_id: Option<String>,
    pub dest_group_owner_account: Option<String>,
    pub dest_prefix_list_id: Option<String>,
    pub policy: Option<String>,
    pub priority: Option<String>,
    pub nic_type: Option<String>,
    pub description: Option<String>,
}

impl RawPermission {
    /// The parameters of one permission, as the API spells them.
    pub const PARAMETERS: [&'static str; 18] = [
        "IpProtocol",
        "PortRange",
        "PortRangeListId",
        "SourcePortRange",
        "SourceCidrIp",
        "Ipv6SourceCidrIp",
        "SourceGroupId",
        "SourceGroupOwnerAccount",
        "SourcePrefixListId",
        "DestCidrIp",
        "Ipv6DestCidrIp",
        "DestGroupId",
        "DestGroupOwnerAccount",
        "DestPrefixListId",
        "Policy",
        "Priority",
        "NicType",
        "Description",
    ];

    /// Reads a permission given at `at` (`Permissions.2`, or empty for the flat form);
    /// `lookup` answers a full parameter name with its non-empty value.
    pub fn read(at: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> RawPermission {
        let mut get = |name: &str| lookup(&qualified(at, name));
        RawPermission {
            at: at.to_string(),
            ip_protocol: get("IpProtocol"),
            port_range: get("PortRange"),
            port_range_list_id: get("PortRangeListId"),
            source_port_range: get("SourcePortRange"),
            source_cidr_ip: get("SourceCidrIp"),
            ipv6_source_cidr_ip: get("Ipv6SourceCidrIp"),
            source_group_id: get("SourceGroupId"),
            source_group_owner_account: get("SourceGroupOwnerAccount"),
            source_prefix_list_id: get("SourcePrefixListId"),
            dest_cidr_ip: get("DestCidrIp"),
            ipv6_dest_cidr_ip: get("Ipv6DestCidrIp"),
            dest_group_id: get("DestGroupId"),
            dest_group_owner_account: get("DestGroupOwnerAccount"),
            dest_prefix_list_id: get("DestPrefixListId"),
            policy: get("Policy"),
            priority: get("Priority"),
            nic_type: get("NicType"),
            description: get("Description"),
        }
    }

    fn field(&self, name: &str) -> String {
        qualified(&self.at, name)
    }

    fn location(&self) -> String {
        if self.at.is_empty() {
            "the request".to_string()
        } else {
            self.at.clone()
        }
    }

    /// The same permission as a request naming every value of `rule` would give it.
    fn of_rule(rule: &Rule, at: &str) -> RawPermission {
        let s = &rule.spec;
        let set = |v: &str| (!v.is_empty()).then(|| v.to_string());
        RawPermission {
            at: at.to_string(),
            ip_protocol: Some(s.protocol.api_name().to_string()),
            port_range: set(&s.port_range),
            port_range_list_id: None,
            source_port_range: set(&s.source_port_range),
            source_cidr_ip: set(&s.source_cidr_ip),
            ipv6_source_cidr_ip: set(&s.ipv6_source_cidr_ip),
            source_group_id: set(&s.source_group_id),
            source_group_owner_account: set(&s.source_group_owner_account),
            source_prefix_list_id: set(&s.source_prefix_list_id),
            dest_cidr_ip: set(&s.dest_cidr_ip),
            ipv6_dest_cidr_ip: set(&s.ipv6_dest_cidr_ip),
            dest_group_id: set(&s.dest_group_id),
            dest_group_owner_account: set(&s.dest_group_owner_account),
            dest_prefix_list_id: set(&s.dest_prefix_list_id),
            policy: Some(s.policy.api_name().to_string()),
            priority: Some(s.priority.to_string()),
            nic_type: Some(s.nic_type.api_name().to_string()),
            description: set(&rule.description),
        }
    }

    /// The kinds of far-side party this permission names, in the order the API prefers them.
    fn peer_kinds(&self, direction: Direction) -> Vec<PeerKind> {
        let (v4, v6, group, prefix_list) = match direction {
            Direction::Ingress => (
                &self.source_cidr_ip,
                &self.ipv6_source_cidr_ip,
                &self.source_group_id,
                &self.source_prefix_list_id,
            ),
            Direction::Egress => (
                &self.dest_cidr_ip,
                &self.ipv6_dest_cidr_ip,
                &self.dest_group_id,
                &self.dest_prefix_list_id,
            ),
        };
        [
            (v4, PeerKind::Ipv4),
            (v6, PeerKind::Ipv6),
            (group, PeerKind::Group),
            (prefix_list, PeerKind::PrefixList),
        ]
        .into_iter()
        .filter(|(value, _)| value.is_some())
        .map(|(_, kind)| kind)
        .collect()
    }
}

fn qualified(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// The longest rule description, in characters.
pub const DESCRIPTION_MAX: usize = 512;

enum PortProblem {
    /// Not two integers separated by a slash.
    Format,
    /// Outside 1–65535, or the start after the end.
    Value,
    /// `-1/-1` for TCP/UDP, or anything else for the other protocols.
    Mismatch,
}

fn port_problem(protocol: Protocol, range: &str) -> Option<PortProblem> {
    let integer = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let Some((start, end)) = range.split_once('/') else {
        return Some(PortProblem::Format);
    };
    if !integer(start) || !integer(end) {
        return Some(PortProblem::Format);
    }
    // Too many digits for an i64 is out of range, not malformed.
    let (Ok(start), Ok(end)) = (start.parse::<i64>(), end.parse::<i64>()) else {
        return Some(PortProblem::Value);
    };
    let every_port = (start, end) == (-1, -1);
    if protocol.has_ports() {
        if every_port {
            Some(PortProblem::Mismatch)
        } else if !(1..=65535).contains(&start) || !(start..=65535).contains(&end) {
            Some(PortProblem::Value)
        } else {
            None
        }
    } else if every_port {
        None
    } else {
        Some(PortProblem::Mismatch)
    }
}

/// A validated address: IPv4 values are kept exactly as given; IPv6 values are written in
/// their compressed form, which is how the API answers them.
fn address(
    raw: &RawPermission,
    field: AddressField,
    value: &Option<String>,
) -> Result<Option<String>, DomainError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let normalised = match field.family() {
        Family::V4 => (value.parse::<Ipv4Net>().is_ok() || value.parse::<Ipv4Addr>().is_ok())
            .then(|| value.clone()),
        Family::V6 => value
            .parse::<Ipv6Net>()
            .map(|net| format!("{}/{}", net.addr(), net.prefix_len()))
            .or_else(|_| value.parse::<Ipv6Addr>().map(|a| a.to_string()))
            .ok(),
    };
    normalised
        .map(Some)
        .ok_or_else(|| DomainError::RuleAddress {
            field: raw.field(field.api_name()),
            address: field,
        })
}

/// One side's IPv4 and IPv6 address, of which a rule may set one.
fn side(
    raw: &RawPermission,
    (v4_field, v4): (AddressField, &Option<String>),
    (v6_field, v6): (AddressField, &Option<String>),
    source_side: bool,
) -> Result<(Option<String>, Option<String>), DomainError> {
    if v4.is_some() && v6.is_some() {
        return Err(DomainError::RuleBothFamilies {
            at: raw.location(),
            source_side,
        });
    }
    Ok((address(raw, v4_field, v4)?, address(raw, v6_field, v6)?))
}

/// Turns one permission of a request into the rule it stands for, checking every value in
/// the order the API reports them. Rules of VPC groups are always `intranet`; a group-only
/// peer refuses `internet` explicitly.
pub fn check_permission(
    raw: &RawPermission,
    direction: Direction,
) -> Result<Permission, DomainError> {
    let protocol = raw
        .ip_protocol
        .as_deref()
        .and_then(Protocol::parse)
        .ok_or_else(|| DomainError::RuleProtocol {
            field: raw.field("IpProtocol"),
        })?;
    let port_range = match (&raw.port_range, &raw.port_range_list_id) {
        (Some(range), _) => {
            match port_problem(protocol, range) {
                None => {}
                Some(PortProblem::Format) => {
                    return Err(DomainError::RulePortRangeFormat {
                        field: raw.field("PortRange"),
                    })
                }
                Some(PortProblem::Value) => return Err(DomainError::RulePortRangeValue),
                Some(PortProblem::Mismatch) => {
                    return Err(DomainError::RuleProtocolPortMismatch {
                        protocol: protocol.api_name(),
                        port_range: range.clone(),
                    })
                }
            }
            range.clone()
        }
        // A port range list stands in for PortRange, but there are none to name.
        (None, Some(list)) => return Err(DomainError::PortRangeListNotFound(list.clone())),
        (None, None) => return Err(DomainError::RulePortRangeMissing),
    };
    let source_port_range = match &raw.source_port_range {
        Some(range) if port_problem(protocol, range).is_some() => {
            return Err(DomainError::RuleSourcePortRange {
                field: raw.field("SourcePortRange"),
            })
        }
        other => other.clone().unwrap_or_default(),
    };
    let policy = match &raw.policy {
        None => Policy::Accept,
        Some(p) => Policy::parse(p).ok_or_else(|| DomainError::RulePolicy {
            field: raw.field("Policy"),
        })?,
    };
    let priority = match &raw.priority {
        None => 1,
        Some(p) => {
            let n: i64 = p.parse().map_err(|_| DomainError::RulePriorityMalformed)?;
            u8::try_from(n)
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| DomainError::RulePriorityRange {
                    field: raw.field("Priority"),
                })?
        }
    };
    let nic_type = raw
        .nic_type
        .as_deref()
        .map(|n| NicType::parse(n).ok_or_else(|| DomainError::RuleNicType(n.to_string())))
        .transpose()?;
    let description = raw.description.clone().unwrap_or_default();
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(DomainError::InvalidDescription {
            field: "Description",
            reason: format!("it must be 1 to {DESCRIPTION_MAX} characters long"),
        });
    }

    let (source_v4, source_v6) = side(
        raw,
        (AddressField::SourceCidrIp, &raw.source_cidr_ip),
        (AddressField::Ipv6SourceCidrIp, &raw.ipv6_source_cidr_ip),
        true,
    )?;
    let (dest_v4, dest_v6) = side(
        raw,
        (AddressField::DestCidrIp, &raw.dest_cidr_ip),
        (AddressField::Ipv6DestCidrIp, &raw.ipv6_dest_cidr_ip),
        false,
    )?;
    let mut spec = RuleSpec {
        direction,
        protocol,
        port_range,
        source_port_range,
        source_cidr_ip: source_v4.clone().unwrap_or_default(),
        ipv6_source_cidr_ip: source_v6.clone().unwrap_or_default(),
        source_group_id: String::new(),
        source_group_owner_account: String::new(),
        source_prefix_list_id: String::new(),
        dest_cidr_ip: dest_v4.clone().unwrap_or_default(),
        ipv6_dest_cidr_ip: dest_v6.clone().unwrap_or_default(),
        dest_group_id: String::new(),
        dest_group_owner_account: String::new(),
        dest_prefix_list_id: String::new(),
        policy,
        priority,
        nic_type: NicType::Intranet,
    };
    // The far side: an address wins over a group, and either over a prefix list.
    let (has_address, group, owner, prefix_list) = match direction {
        Direction::Ingress => (
            source_v4.is_some() || source_v6.is_some(),
            &raw.source_group_id,
            &raw.source_group_owner_account,
            &raw.source_prefix_list_id,
        ),
        Direction::Egress => (
            dest_v4.is_some() || dest_v6.is_some(),
            &raw.dest_group_id,
            &raw.dest_group_owner_account,
            &raw.dest_prefix_list_id,
        ),
    };
    if !has_address {
        match (group, prefix_list) {
            (Some(group), _) => {
                if nic_type == Some(NicType::Internet) {
                    return Err(DomainError::RulePeerNeedsIntranet { direction });
                }
                let owner = owner.clone().unwrap_or_default();
                match direction {
                    Direction::Ingress => {
                        spec.source_group_id = group.clone();
                        spec.source_group_owner_account = owner;
                    }
                    Direction::Egress => {
                        spec.dest_group_id = group.clone();
                        spec.dest_group_owner_account = owner;
                    }
                }
            }
            (None, Some(list)) => return Err(DomainError::PrefixListNotFound(list.clone())),
            (None, None) => {
                return Err(DomainError::RulePeerMissing {
                    direction,
                    at: raw.location(),
                })
            }
        }
    }
    let v4 = source_v4.is_some() || dest_v4.is_some();
    let v6 = source_v6.is_some() || dest_v6.is_some();
    if v4 && v6 {
        return Err(DomainError::RuleMixedFamilies);
    }
    match protocol.family() {
        Some(Family::V4) if v6 => return Err(DomainError::RuleProtocolFamily { protocol }),
        Some(Family::V6) if v4 => return Err(DomainError::RuleProtocolFamily { protocol }),
        _ => {}
    }
    Ok(Permission { spec, description })
}

/// A rule of `group` may name `peer_id` (found as `peer`) only if the group is basic, the
/// peer is another basic group of the same VPC.
pub fn check_peer_group(
    group: &SecurityGroup,
    direction: Direction,
    peer_id: &str,
    peer: Option<&SecurityGroup>,
) -> Result<(), DomainError> {
    if group.kind == GroupKind::Advanced {
        return Err(DomainError::AdvancedGroupReference {
            group_id: group.id.clone(),
        });
    }
    if peer_id == group.id {
        return Err(DomainError::PeerGroupIsSelf { direction });
    }
    let peer = peer.ok_or_else(|| DomainError::PeerGroupNotFound {
        direction,
        group_id: peer_id.to_string(),
    })?;
    if peer.kind == GroupKind::Advanced {
        return Err(DomainError::PeerGroupAdvanced {
            group_id: peer.id.clone(),
        });
    }
    if peer.vpc_id != group.vpc_id {
        return Err(DomainError::PeerGroupVpcMismatch {
            direction,
            group_id: peer.id.clone(),
        });
    }
    Ok(())
}

/// The permissions of one Authorize call that the group does not have yet. The same rule
/// given twice in one call is refused; a rule the group already has is skipped (the call
/// succeeds and adds nothing for it).
pub fn new_rules<'a>(
    existing: &[Rule],
    permissions: &'a [Permission],
) -> Result<Vec<&'a Permission>, DomainError> {
    check_distinct(permissions)?;
    Ok(permissions
        .iter()
        .filter(|p| matching(existing, &p.spec).is_none())
        .collect())
}

/// The same rule named twice in one request.
pub fn check_distinct(permissions: &[Permission]) -> Result<(), DomainError> {
    let mut seen = HashSet::new();
    if permissions.iter().all(|p| seen.insert(&p.spec)) {
        Ok(())
    } else {
        Err(DomainError::DuplicatePermissions)
    }
}

/// The rule of `existing` that is the same rule as `spec`.
pub fn matching<'a>(existing: &'a [Rule], spec: &RuleSpec) -> Option<&'a Rule> {
    existing.iter().find(|r| r.spec == *spec)
}

/// Whether a group with `existing` rules may take `adding` more: at most
/// `rules_per_group` in both directions together, of which at most `group_rules_per_group`
/// name another group.
pub fn check_capacity<'a>(
    existing: &[Rule],
    adding: impl IntoIterator<Item = &'a RuleSpec>,
    limits: &Limits,
) -> Result<(), DomainError> {
    let adding: Vec<&RuleSpec> = adding.into_iter().collect();
    if (existing.len() + adding.len()) as u64 > limits.rules_per_group {
        return Err(DomainError::RuleLimit {
            limit: limits.rules_per_group,
        });
    }
    let group_rules = existing
        .iter()
        .map(|r| &r.spec)
        .chain(adding.iter().copied())
        .filter(|s| s.peer_group().is_some())
        .count();
    if group_rules as u64 > limits.group_rules_per_group {
        return Err(DomainError::GroupRuleLimit {
            limit: limits.group_rules_per_group,
        });
    }
    Ok(())
}

/// The rules a Revoke call names by id: each once, each a rule of the group in `direction`.
pub fn rules_by_id<'a>(
    existing: &'a [Rule],
    direction: Direction,
    ids: &[String],
) -> Result<Vec<&'a Rule>, DomainError> {
    let mut seen = HashSet::new();
    ids.iter()
        .map(|id| {
            if !seen.insert(id) {
                return Err(DomainError::RuleIdRepeated(id.clone()));
            }
            rule_by_id(existing, direction, id)
        })
        .collect()
}

/// A rule of the group in `direction` by id (the other direction's rules are not found).
pub fn rule_by_id<'a>(
    existing: &'a [Rule],
    direction: Direction,
    id: &str,
) -> Result<&'a Rule, DomainError> {
    existing
        .iter()
        .find(|r| r.id == id && r.spec.direction == direction)
        .ok_or_else(|| DomainError::RuleNotFound(id.to_string()))
}

/// A rule changed by a Modify call naming it by id: the values given replace the rule's, the
/// others stay (an empty value leaves its field as it is). The far side keeps its kind (an
/// address stays an address of the same family, a group a group) and the NIC type cannot
/// change.
pub fn modified(rule: &Rule, change: &RawPermission) -> Result<Permission, DomainError> {
    let direction = rule.spec.direction;
    if let Some(nic_type) = &change.nic_type {
        let nic_type =
            NicType::parse(nic_type).ok_or_else(|| DomainError::RuleNicType(nic_type.clone()))?;
        if nic_type != rule.spec.nic_type {
            return Err(DomainError::RuleNicTypeChange);
        }
    }
    let kind = rule.spec.peer_kind();
    if change.peer_kinds(direction).iter().any(|k| *k != kind) {
        return Err(DomainError::RulePeerKindChange);
    }
    let current = RawPermission::of_rule(rule, &change.at);
    let or = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let merged = RawPermission {
        at: change.at.clone(),
        ip_protocol: or(&change.ip_protocol, &current.ip_protocol),
        port_range: or(&change.port_range, &current.port_range),
        port_range_list_id: change.port_range_list_id.clone(),
        source_port_range: or(&change.source_port_range, &current.source_port_range),
        source_cidr_ip: or(&change.source_cidr_ip, &current.source_cidr_ip),
        ipv6_source_cidr_ip: or(&change.ipv6_source_cidr_ip, &current.ipv6_source_cidr_ip),
        source_group_id: or(&change.source_group_id, &current.source_group_id),
        source_group_owner_account: or(
            &change.source_group_owner_account,
            &current.source_group_owner_account,
        ),
        source_prefix_list_id: or(
            &change.source_prefix_list_id,
            &current.source_prefix_list_id,
        ),
        dest_cidr_ip: or(&change.dest_cidr_ip, &current.dest_cidr_ip),
        ipv6_dest_cidr_ip: or(&change.ipv6_dest_cidr_ip, &current.ipv6_dest_cidr_ip),
        dest_group_id: or(&change.dest_group_id, &current.dest_group_id),
        dest_group_owner_account: or(
            &change.dest_group_owner_account,
            &current.dest_group_owner_account,
        ),
        dest_prefix_list_id: or(&change.dest_prefix_list_id, &current.dest_prefix_list_id),
        policy: or(&change.policy, &current.policy),
        priority: or(&change.priority, &current.priority),
        nic_type: current.nic_type,
        description: or(&change.description, &current.description),
    };
    check_permission(&merged, direction)
}

/// A modified rule may not become another rule the group already has.
pub fn check_not_duplicate(
    existing: &[Rule],
    rule_id: &str,
    spec: &RuleSpec,
) -> Result<(), DomainError> {
    match existing.iter().find(|r| r.id != rule_id && r.spec == *spec) {
        Some(other) => Err(DomainError::RuleDuplicate {
            rule_id: other.id.clone(),
        }),
        None => Ok(()),
    }
}

/// ModifySecurityGroupPolicy's value, in any case: `Accept` or `Drop`.
pub fn parse_inner_access_policy(value: Option<&str>) -> Result<&'static str, DomainError> {
    value
        .and_then(Policy::parse)
        .map(Policy::api_name)
        .ok_or(DomainError::InnerAccessPolicyInvalid)
}

/// Only a basic group's inner access policy can change; advanced groups always isolate.
pub fn check_inner_access_policy_change(group: &SecurityGroup) -> Result<(), DomainError> {
    match group.kind {
        GroupKind::Basic => Ok(()),
        GroupKind::Advanced => Err(DomainError::InnerAccessPolicyFixed),
    }
}

/// A group that rules of other groups name cannot be deleted.
pub fn check_not_referenced(group_id: &str, referencing_rules: u64) -> Result<(), DomainError> {
    if referencing_rules > 0 {
        return Err(DomainError::GroupReferenced(group_id.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
