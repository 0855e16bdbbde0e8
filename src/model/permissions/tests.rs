//! One table per rule of `permissions`. Each row names a case, computes a result and gives the
//! expected one; `table` reports every mismatching row together. Tables are kept one row per
//! line (`rustfmt::skip`) so they read as tables.

use std::fmt::{Debug, Display};

use super::*;
use crate::model::DomainError as D;
use crate::model::GroupKind::{Advanced, Basic};

const VPC: &str = "vpc-home";
const IN: Direction = Direction::Ingress;
const OUT: Direction = Direction::Egress;

#[track_caller]
fn table<N: Display, T: PartialEq + Debug>(rows: &[(N, T, T)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(case, got, want)| format!("{case}:\n   got {got:?}\n  want {want:?}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// A flat-form permission with these parameters.
fn raw(fields: &[(&str, &str)]) -> RawPermission {
    raw_at("", fields)
}

/// A permission given at `at` (`Permissions.3`) with these parameters (short names).
fn raw_at(at: &str, fields: &[(&str, &str)]) -> RawPermission {
    let prefix = if at.is_empty() {
        String::new()
    } else {
        format!("{at}.")
    };
    RawPermission::read(at, |name| {
        fields
            .iter()
            .find(|(k, _)| format!("{prefix}{k}") == name)
            .map(|(_, v)| v.to_string())
    })
}

/// An inbound TCP 22 rule from 10.0.0.0/8 with `extra` parameters added or replaced.
fn ssh(extra: &[(&str, &str)]) -> RawPermission {
    let mut fields = vec![
        ("IpProtocol", "tcp"),
        ("PortRange", "22/22"),
        ("SourceCidrIp", "10.0.0.0/8"),
    ];
    for (k, v) in extra {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    raw(&fields)
}

fn spec(direction: Direction) -> RuleSpec {
    RuleSpec {
        direction,
        protocol: Protocol::Tcp,
        port_range: "22/22".into(),
        source_port_range: String::new(),
        source_cidr_ip: String::new(),
        ipv6_source_cidr_ip: String::new(),
        source_group_id: String::new(),
        source_group_owner_account: String::new(),
        source_prefix_list_id: String::new(),
        dest_cidr_ip: String::new(),
        ipv6_dest_cidr_ip: String::new(),
        dest_group_id: String::new(),
        dest_group_owner_account: String::new(),
        dest_prefix_list_id: String::new(),
        policy: Policy::Accept,
        priority: 1,
        nic_type: NicType::Intranet,
    }
}

fn ssh_spec() -> RuleSpec {
    RuleSpec {
        source_cidr_ip: "10.0.0.0/8".into(),
        ..spec(IN)
    }
}

fn ok(spec: RuleSpec) -> Result<Permission, DomainError> {
    Ok(Permission {
        spec,
        description: String::new(),
    })
}

fn rule(id: &str, spec: RuleSpec) -> Rule {
    Rule {
        id: id.to_string(),
        group_id: "sg-home".to_string(),
        spec,
        description: String::new(),
        created_at: 0,
    }
}

fn group(id: &str, vpc: &str, kind: GroupKind) -> SecurityGroup {
    SecurityGroup {
        id: id.to_string(),
        region_id: "cn-hangzhou".to_string(),
        vpc_id: vpc.to_string(),
        name: id.to_string(),
        description: String::new(),
        kind,
        inner_access_policy: kind.default_inner_access_policy().to_string(),
        created_at: 0,
    }
}

fn field(name: &str) -> String {
    name.to_string()
}

#[test]
fn protocols_parse_in_any_case_and_answer_canonically() {
    #[rustfmt::skip]
    table(&[
        ("tcp", Protocol::parse("tcp").map(Protocol::api_name), Some("TCP")),
        ("Udp", Protocol::parse("Udp").map(Protocol::api_name), Some("UDP")),
        ("icmp", Protocol::parse("icmp").map(Protocol::api_name), Some("ICMP")),
        ("icmpv6", Protocol::parse("icmpv6").map(Protocol::api_name), Some("ICMPv6")),
        ("ICMPV6", Protocol::parse("ICMPV6").map(Protocol::api_name), Some("ICMPv6")),
        ("gre", Protocol::parse("gre").map(Protocol::api_name), Some("GRE")),
        ("all", Protocol::parse("all").map(Protocol::api_name), Some("ALL")),
        ("a number", Protocol::parse("6").map(Protocol::api_name), None),
        ("sctp", Protocol::parse("sctp").map(Protocol::api_name), None),
    ]);
    #[rustfmt::skip]
    table(&[
        ("accept", Policy::parse("accept").map(Policy::api_name), Some("Accept")),
        ("DROP", Policy::parse("DROP").map(Policy::api_name), Some("Drop")),
        ("deny", Policy::parse("deny").map(Policy::api_name), None),
        ("intranet", NicType::parse("intranet").map(NicType::api_name), Some("intranet")),
        ("Internet", NicType::parse("Internet").map(NicType::api_name), Some("internet")),
        ("public", NicType::parse("public").map(NicType::api_name), None),
        ("direction ingress", Direction::from_api_name("ingress").map(Direction::api_name), Some("ingress")),
        ("direction egress", Direction::from_api_name("egress").map(Direction::api_name), Some("egress")),
        ("direction all is no direction", Direction::from_api_name("all").map(Direction::api_name), None),
    ]);
}

#[test]
fn port_ranges_table() {
    let port = |protocol: &str, range: &str| {
        check_permission(&ssh(&[("IpProtocol", protocol), ("PortRange", range)]), IN)
            .map(|p| p.spec.port_range)
    };
    let format = || {
        Err(D::RulePortRangeFormat {
            field: field("PortRange"),
        })
    };
    let mismatch = |protocol: &'static str, range: &str| {
        Err(D::RuleProtocolPortMismatch {
            protocol,
            port_range: range.to_string(),
        })
    };
    #[rustfmt::skip]
    table(&[
        ("one TCP port", port("tcp", "22/22"), Ok("22/22".to_string())),
        ("a UDP range", port("udp", "1/65535"), Ok("1/65535".to_string())),
        ("kept as given", port("tcp", "080/80"), Ok("080/80".to_string())),
        ("ICMP covers every port", port("icmp", "-1/-1"), Ok("-1/-1".to_string())),
        ("GRE covers every port", port("gre", "-1/-1"), Ok("-1/-1".to_string())),
        ("ALL covers every port", port("all", "-1/-1"), Ok("-1/-1".to_string())),
        ("no slash", port("tcp", "22"), format()),
        ("a dash", port("tcp", "22-23"), format()),
        ("words", port("tcp", "a/b"), format()),
        ("an empty end", port("tcp", "22/"), format()),
        ("spaces", port("tcp", " 22/22"), format()),
        ("port zero", port("tcp", "0/22"), Err(D::RulePortRangeValue)),
        ("above 65535", port("udp", "1/65536"), Err(D::RulePortRangeValue)),
        ("backwards", port("tcp", "23/22"), Err(D::RulePortRangeValue)),
        ("huge", port("tcp", "1/99999999999999999999"), Err(D::RulePortRangeValue)),
        ("negative, not every port", port("tcp", "-2/22"), Err(D::RulePortRangeValue)),
        ("TCP every port", port("tcp", "-1/-1"), mismatch("TCP", "-1/-1")),
        ("ICMP with ports", port("icmp", "80/80"), mismatch("ICMP", "80/80")),
        ("ALL with the full range", port("all", "1/65535"), mismatch("ALL", "1/65535")),
    ]);
    let missing = check_permission(
        &raw(&[("IpProtocol", "tcp"), ("SourceCidrIp", "10.0.0.0/8")]),
        IN,
    );
    let list = check_permission(
        &raw(&[
            ("IpProtocol", "tcp"),
            ("PortRangeListId", "prl-1"),
            ("SourceCidrIp", "10.0.0.0/8"),
        ]),
        IN,
    );
    let source_ports = check_permission(&ssh(&[("SourcePortRange", "1/0")]), IN);
    let good_source_ports = check_permission(&ssh(&[("SourcePortRange", "1024/65535")]), IN);
    #[rustfmt::skip]
    table(&[
        ("no PortRange", missing, Err(D::RulePortRangeMissing)),
        ("a port range list instead", list, Err(D::PortRangeListNotFound("prl-1".into()))),
        ("bad SourcePortRange", source_ports, Err(D::RuleSourcePortRange { field: field("SourcePortRange") })),
        ("good SourcePortRange", good_source_ports, ok(RuleSpec { source_port_range: "1024/65535".into(), ..ssh_spec() })),
    ]);
}

#[test]
fn check_permission_values_table() {
    let check = |extra: &[(&str, &str)]| check_permission(&ssh(extra), IN);
    #[rustfmt::skip]
    table(&[
        ("defaults: accept, priority 1, intranet", check(&[]), ok(ssh_spec())),
        ("policy in any case", check(&[("Policy", "DROP")]), ok(RuleSpec { policy: Policy::Drop, ..ssh_spec() })),
        ("priority 100", check(&[("Priority", "100")]), ok(RuleSpec { priority: 100, ..ssh_spec() })),
        ("internet becomes intranet in a VPC", check(&[("NicType", "internet")]), ok(ssh_spec())),
        ("no protocol", check_permission(&raw(&[("PortRange", "22/22"), ("SourceCidrIp", "10.0.0.0/8")]), IN), Err(D::RuleProtocol { field: field("IpProtocol") })),
        ("unknown protocol", check(&[("IpProtocol", "sctp")]), Err(D::RuleProtocol { field: field("IpProtocol") })),
        ("unknown policy", check(&[("Policy", "deny")]), Err(D::RulePolicy { field: field("Policy") })),
        ("priority 0", check(&[("Priority", "0")]), Err(D::RulePriorityRange { field: field("Priority") })),
        ("priority 101", check(&[("Priority", "101")]), Err(D::RulePriorityRange { field: field("Priority") })),
        ("priority 300 overflows a byte", check(&[("Priority", "300")]), Err(D::RulePriorityRange { field: field("Priority") })),
        ("priority not a number", check(&[("Priority", "high")]), Err(D::RulePriorityMalformed)),
        ("unknown NIC type", check(&[("NicType", "public")]), Err(D::RuleNicType("public".into()))),
    ]);
    let long = "d".repeat(DESCRIPTION_MAX);
    let too_long = "d".repeat(DESCRIPTION_MAX + 1);
    let described = check(&[("Description", &long)]).map(|p| p.description.chars().count());
    #[rustfmt::skip]
    table(&[
        ("512 characters", described, Ok(DESCRIPTION_MAX)),
        ("513 characters", check(&[("Description", &too_long)]).map(|p| p.description.len()), Err(D::InvalidDescription { field: "Description", reason: "it must be 1 to 512 characters long".into() })),
    ]);
}

#[test]
fn errors_name_the_parameter_as_given() {
    let at = |fields: &[(&str, &str)]| check_permission(&raw_at("Permissions.3", fields), IN);
    #[rustfmt::skip]
    table(&[
        ("protocol", at(&[("IpProtocol", "x")]), Err(D::RuleProtocol { field: field("Permissions.3.IpProtocol") })),
        ("port range", at(&[("IpProtocol", "tcp"), ("PortRange", "x")]), Err(D::RulePortRangeFormat { field: field("Permissions.3.PortRange") })),
        ("address", at(&[("IpProtocol", "tcp"), ("PortRange", "1/2"), ("SourceCidrIp", "x")]), Err(D::RuleAddress { field: field("Permissions.3.SourceCidrIp"), address: AddressField::SourceCidrIp })),
        ("no source", at(&[("IpProtocol", "tcp"), ("PortRange", "1/2")]), Err(D::RulePeerMissing { direction: IN, at: "Permissions.3".into() })),
        ("flat form", check_permission(&raw(&[("IpProtocol", "tcp"), ("PortRange", "1/2")]), IN), Err(D::RulePeerMissing { direction: IN, at: "the request".into() })),
    ]);
}

#[test]
fn addresses_table() {
    let inbound = |fields: &[(&str, &str)]| {
        let mut all = vec![("IpProtocol", "tcp"), ("PortRange", "22/22")];
        all.extend_from_slice(fields);
        check_permission(&raw(&all), IN).map(|p| p.spec)
    };
    let bad = |name: &str, address| {
        Err(D::RuleAddress {
            field: field(name),
            address,
        })
    };
    #[rustfmt::skip]
    table(&[
        ("an IPv4 block", inbound(&[("SourceCidrIp", "0.0.0.0/0")]), Ok(RuleSpec { source_cidr_ip: "0.0.0.0/0".into(), ..spec(IN) })),
        ("an IPv4 address, kept as given", inbound(&[("SourceCidrIp", "192.168.1.7")]), Ok(RuleSpec { source_cidr_ip: "192.168.1.7".into(), ..spec(IN) })),
        ("an IPv6 block, compressed", inbound(&[("Ipv6SourceCidrIp", "2001:0DB8:0:0::/64")]), Ok(RuleSpec { ipv6_source_cidr_ip: "2001:db8::/64".into(), ..spec(IN) })),
        ("an IPv6 address, compressed", inbound(&[("Ipv6SourceCidrIp", "2001:0db8:85a3:0000:0000:8a2e:0370:7334")]), Ok(RuleSpec { ipv6_source_cidr_ip: "2001:db8:85a3::8a2e:370:7334".into(), ..spec(IN) })),
        ("a quintuple rule", inbound(&[("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "192.168.0.0/24")]), Ok(RuleSpec { source_cidr_ip: "10.0.0.0/8".into(), dest_cidr_ip: "192.168.0.0/24".into(), ..spec(IN) })),
        ("mask 33", inbound(&[("SourceCidrIp", "10.0.0.0/33")]), bad("SourceCidrIp", AddressField::SourceCidrIp)),
        ("not an address", inbound(&[("SourceCidrIp", "anywhere")]), bad("SourceCidrIp", AddressField::SourceCidrIp)),
        ("IPv6 in the IPv4 field", inbound(&[("SourceCidrIp", "::/0")]), bad("SourceCidrIp", AddressField::SourceCidrIp)),
        ("IPv4 in the IPv6 field", inbound(&[("Ipv6SourceCidrIp", "10.0.0.0/8")]), bad("Ipv6SourceCidrIp", AddressField::Ipv6SourceCidrIp)),
        ("a bad destination", inbound(&[("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "300.0.0.0/8")]), bad("DestCidrIp", AddressField::DestCidrIp)),
        ("a bad IPv6 destination", inbound(&[("Ipv6SourceCidrIp", "::/0"), ("Ipv6DestCidrIp", "fe80::/200")]), bad("Ipv6DestCidrIp", AddressField::Ipv6DestCidrIp)),
        ("both source families", inbound(&[("SourceCidrIp", "10.0.0.0/8"), ("Ipv6SourceCidrIp", "::/0")]), Err(D::RuleBothFamilies { at: "the request".into(), source_side: true })),
        ("both destination families", inbound(&[("SourceCidrIp", "10.0.0.0/8"), ("DestCidrIp", "10.0.0.0/8"), ("Ipv6DestCidrIp", "::/0")]), Err(D::RuleBothFamilies { at: "the request".into(), source_side: false })),
        ("IPv4 source, IPv6 destination", inbound(&[("SourceCidrIp", "10.0.0.0/8"), ("Ipv6DestCidrIp", "::/0")]), Err(D::RuleMixedFamilies)),
    ]);
    let icmp = |fields: &[(&str, &str)]| {
        let mut all = vec![("PortRange", "-1/-1")];
        all.extend_from_slice(fields);
        check_permission(&raw(&all), IN).map(|p| p.spec.protocol)
    };
    #[rustfmt::skip]
    table(&[
        ("ICMP from IPv4", icmp(&[("IpProtocol", "icmp"), ("SourceCidrIp", "0.0.0.0/0")]), Ok(Protocol::Icmp)),
        ("ICMPv6 from IPv6", icmp(&[("IpProtocol", "icmpv6"), ("Ipv6SourceCidrIp", "::/0")]), Ok(Protocol::IcmpV6)),
        ("ICMPv6 from a group", icmp(&[("IpProtocol", "icmpv6"), ("SourceGroupId", "sg-1")]), Ok(Protocol::IcmpV6)),
        ("ICMP from IPv6", icmp(&[("IpProtocol", "icmp"), ("Ipv6SourceCidrIp", "::/0")]), Err(D::RuleProtocolFamily { protocol: Protocol::Icmp })),
        ("ICMPv6 from IPv4", icmp(&[("IpProtocol", "icmpv6"), ("SourceCidrIp", "0.0.0.0/0")]), Err(D::RuleProtocolFamily { protocol: Protocol::IcmpV6 })),
    ]);
}

#[test]
fn the_far_side_table() {
    let check = |direction, fields: &[(&str, &str)]| {
        let mut all = vec![("IpProtocol", "tcp"), ("PortRange", "22/22")];
        all.extend_from_slice(fields);
        check_permission(&raw(&all), direction).map(|p| p.spec)
    };
    #[rustfmt::skip]
    table(&[
        ("a source group", check(IN, &[("SourceGroupId", "sg-peer"), ("SourceGroupOwnerAccount", "1234")]), Ok(RuleSpec { source_group_id: "sg-peer".into(), source_group_owner_account: "1234".into(), ..spec(IN) })),
        ("an address wins over a group", check(IN, &[("SourceCidrIp", "10.0.0.0/8"), ("SourceGroupId", "sg-peer"), ("SourceGroupOwnerAccount", "1234")]), Ok(RuleSpec { source_cidr_ip: "10.0.0.0/8".into(), ..spec(IN) })),
        ("an address wins over a prefix list", check(IN, &[("SourceCidrIp", "10.0.0.0/8"), ("SourcePrefixListId", "pl-1")]), Ok(RuleSpec { source_cidr_ip: "10.0.0.0/8".into(), ..spec(IN) })),
        ("a group wins over a prefix list", check(IN, &[("SourceGroupId", "sg-peer"), ("SourcePrefixListId", "pl-1")]), Ok(RuleSpec { source_group_id: "sg-peer".into(), ..spec(IN) })),
        ("only a prefix list", check(IN, &[("SourcePrefixListId", "pl-1")]), Err(D::PrefixListNotFound("pl-1".into()))),
        ("a group with intranet", check(IN, &[("SourceGroupId", "sg-peer"), ("NicType", "intranet")]), Ok(RuleSpec { source_group_id: "sg-peer".into(), ..spec(IN) })),
        ("a group with internet", check(IN, &[("SourceGroupId", "sg-peer"), ("NicType", "internet")]), Err(D::RulePeerNeedsIntranet { direction: IN })),
        ("no source", check(IN, &[("DestCidrIp", "10.0.0.0/8")]), Err(D::RulePeerMissing { direction: IN, at: "the request".into() })),
        ("a destination block", check(OUT, &[("DestCidrIp", "10.0.0.0/8")]), Ok(RuleSpec { dest_cidr_ip: "10.0.0.0/8".into(), ..spec(OUT) })),
        ("a destination group", check(OUT, &[("DestGroupId", "sg-peer")]), Ok(RuleSpec { dest_group_id: "sg-peer".into(), ..spec(OUT) })),
        ("an outbound quintuple rule", check(OUT, &[("DestCidrIp", "10.0.0.0/8"), ("SourceCidrIp", "192.168.0.5")]), Ok(RuleSpec { dest_cidr_ip: "10.0.0.0/8".into(), source_cidr_ip: "192.168.0.5".into(), ..spec(OUT) })),
        ("a source group on an outbound rule is not a destination", check(OUT, &[("SourceGroupId", "sg-peer")]), Err(D::RulePeerMissing { direction: OUT, at: "the request".into() })),
        ("a destination group with internet", check(OUT, &[("DestGroupId", "sg-peer"), ("NicType", "internet")]), Err(D::RulePeerNeedsIntranet { direction: OUT })),
        ("only a destination prefix list", check(OUT, &[("DestPrefixListId", "pl-2")]), Err(D::PrefixListNotFound("pl-2".into()))),
    ]);
}

#[test]
fn check_peer_group_table() {
    let home = group("sg-home", VPC, Basic);
    let other = group("sg-other", VPC, Basic);
    let away = group("sg-away", "vpc-away", Basic);
    let advanced = group("sg-adv", VPC, Advanced);
    let check = |g: &SecurityGroup, direction, peer_id: &str, peer: Option<&SecurityGroup>| {
        check_peer_group(g, direction, peer_id, peer)
    };
    #[rustfmt::skip]
    table(&[
        ("a basic group of the same VPC", check(&home, IN, "sg-other", Some(&other)), Ok(())),
        ("outbound too", check(&home, OUT, "sg-other", Some(&other)), Ok(())),
        ("itself", check(&home, IN, "sg-home", Some(&home)), Err(D::PeerGroupIsSelf { direction: IN })),
        ("itself, outbound", check(&home, OUT, "sg-home", Some(&home)), Err(D::PeerGroupIsSelf { direction: OUT })),
        ("an unknown group", check(&home, IN, "sg-none", None), Err(D::PeerGroupNotFound { direction: IN, group_id: "sg-none".into() })),
        ("an advanced group", check(&home, IN, "sg-adv", Some(&advanced)), Err(D::PeerGroupAdvanced { group_id: "sg-adv".into() })),
        ("another VPC", check(&home, OUT, "sg-away", Some(&away)), Err(D::PeerGroupVpcMismatch { direction: OUT, group_id: "sg-away".into() })),
        // An advanced group's rules name no group at all, found or not.
        ("from an advanced group", check(&advanced, IN, "sg-other", Some(&other)), Err(D::AdvancedGroupReference { group_id: "sg-adv".into() })),
        ("from an advanced group, unknown peer", check(&advanced, IN, "sg-none", None), Err(D::AdvancedGroupReference { group_id: "sg-adv".into() })),
    ]);
}

#[test]
fn identical_rules_table() {
    let existing = vec![rule("sgr-1", ssh_spec())];
    let p = |spec: RuleSpec, description: &str| Permission {
        spec,
        description: description.to_string(),
    };
    let fresh = |permissions: &[Permission]| {
        new_rules(&existing, permissions)
            .map(|v| v.into_iter().map(|p| p.spec.clone()).collect::<Vec<_>>())
    };
    let http = RuleSpec {
        port_range: "80/80".into(),
        ..ssh_spec()
    };
    #[rustfmt::skip]
    table(&[
        ("a rule the group has adds nothing", fresh(&[p(ssh_spec(), "")]), Ok(vec![])),
        ("its description does not make it new", fresh(&[p(ssh_spec(), "other words")]), Ok(vec![])),
        ("a new rule", fresh(&[p(http.clone(), "")]), Ok(vec![http.clone()])),
        ("a new and an old one", fresh(&[p(ssh_spec(), ""), p(http.clone(), "")]), Ok(vec![http.clone()])),
        ("another priority is another rule", fresh(&[p(RuleSpec { priority: 2, ..ssh_spec() }, "")]), Ok(vec![RuleSpec { priority: 2, ..ssh_spec() }])),
        ("another policy is another rule", fresh(&[p(RuleSpec { policy: Policy::Drop, ..ssh_spec() }, "")]), Ok(vec![RuleSpec { policy: Policy::Drop, ..ssh_spec() }])),
        ("the same rule twice in one call", fresh(&[p(http.clone(), "a"), p(http.clone(), "b")]), Err(D::DuplicatePermissions)),
    ]);
    #[rustfmt::skip]
    table(&[
        ("matching finds the same rule", matching(&existing, &ssh_spec()).map(|r| r.id.as_str()), Some("sgr-1")),
        ("the other direction is another rule", matching(&existing, &RuleSpec { direction: OUT, ..ssh_spec() }).map(|r| r.id.as_str()), None),
        ("another port is another rule", matching(&existing, &http).map(|r| r.id.as_str()), None),
    ]);
}

#[test]
fn check_capacity_table() {
    let limits = Limits {
        rules_per_group: 3,
        group_rules_per_group: 1,
        ..Limits::default()
    };
    let cidr = |port: &str| RuleSpec {
        port_range: port.into(),
        ..ssh_spec()
    };
    let by_group = |port: &str| RuleSpec {
        port_range: port.into(),
        source_group_id: "sg-peer".into(),
        ..spec(IN)
    };
    let egress = RuleSpec {
        dest_cidr_ip: "0.0.0.0/0".into(),
        ..spec(OUT)
    };
    let two = vec![rule("sgr-1", cidr("1/1")), rule("sgr-2", egress.clone())];
    let with_group = vec![rule("sgr-1", by_group("1/1"))];
    #[rustfmt::skip]
    table(&[
        ("up to the limit", check_capacity(&two, [&cidr("2/2")], &limits), Ok(())),
        ("inbound and outbound count together", check_capacity(&two, [&cidr("2/2"), &cidr("3/3")], &limits), Err(D::RuleLimit { limit: 3 })),
        ("one group rule", check_capacity(&[], [&by_group("1/1")], &limits), Ok(())),
        ("a second group rule", check_capacity(&with_group, [&by_group("2/2")], &limits), Err(D::GroupRuleLimit { limit: 1 })),
        ("an outbound group rule counts too", check_capacity(&with_group, [&RuleSpec { dest_group_id: "sg-peer".into(), ..spec(OUT) }], &limits), Err(D::GroupRuleLimit { limit: 1 })),
        ("address rules beside a group rule", check_capacity(&with_group, [&cidr("2/2")], &limits), Ok(())),
        ("nothing to add", check_capacity(&two, [], &limits), Ok(())),
    ]);
    let defaults = Limits::default();
    assert_eq!(
        (defaults.rules_per_group, defaults.group_rules_per_group),
        (200, 20)
    );
}

#[test]
fn rules_by_id_table() {
    let egress = RuleSpec {
        dest_cidr_ip: "0.0.0.0/0".into(),
        ..spec(OUT)
    };
    let existing = vec![rule("sgr-in", ssh_spec()), rule("sgr-out", egress)];
    let ids = |direction, ids: &[&str]| {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        rules_by_id(&existing, direction, &ids)
            .map(|rules| rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
    };
    #[rustfmt::skip]
    table(&[
        ("an inbound rule", ids(IN, &["sgr-in"]), Ok(vec!["sgr-in".to_string()])),
        ("an outbound rule", ids(OUT, &["sgr-out"]), Ok(vec!["sgr-out".to_string()])),
        ("an outbound rule named inbound", ids(IN, &["sgr-out"]), Err(D::RuleNotFound("sgr-out".into()))),
        ("an unknown rule", ids(IN, &["sgr-in", "sgr-none"]), Err(D::RuleNotFound("sgr-none".into()))),
        ("a rule twice", ids(IN, &["sgr-in", "sgr-in"]), Err(D::RuleIdRepeated("sgr-in".into()))),
    ]);
}

#[test]
fn modified_table() {
    let cidr_rule = rule("sgr-1", ssh_spec());
    let group_rule = rule(
        "sgr-2",
        RuleSpec {
            source_group_id: "sg-peer".into(),
            ..spec(IN)
        },
    );
    let v6_rule = rule(
        "sgr-3",
        RuleSpec {
            ipv6_source_cidr_ip: "::/0".into(),
            ..spec(IN)
        },
    );
    let change = |r: &Rule, fields: &[(&str, &str)]| modified(r, &raw(fields));
    let described = |spec: RuleSpec, description: &str| {
        Ok(Permission {
            spec,
            description: description.into(),
        })
    };
    #[rustfmt::skip]
    table(&[
        ("nothing given keeps the rule", change(&cidr_rule, &[]), ok(ssh_spec())),
        ("the description", change(&cidr_rule, &[("Description", "bastion")]), described(ssh_spec(), "bastion")),
        ("ports, policy and priority", change(&cidr_rule, &[("PortRange", "2222/2222"), ("Policy", "drop"), ("Priority", "7")]), ok(RuleSpec { port_range: "2222/2222".into(), policy: Policy::Drop, priority: 7, ..ssh_spec() })),
        ("another IPv4 block", change(&cidr_rule, &[("SourceCidrIp", "172.16.0.0/12")]), ok(RuleSpec { source_cidr_ip: "172.16.0.0/12".into(), ..ssh_spec() })),
        ("the protocol, with fitting ports", change(&cidr_rule, &[("IpProtocol", "all"), ("PortRange", "-1/-1")]), ok(RuleSpec { protocol: Protocol::All, port_range: "-1/-1".into(), ..ssh_spec() })),
        ("another group", change(&group_rule, &[("SourceGroupId", "sg-else")]), ok(RuleSpec { source_group_id: "sg-else".into(), ..spec(IN) })),
        ("the same NIC type", change(&cidr_rule, &[("NicType", "intranet")]), ok(ssh_spec())),
        ("IPv4 to a group", change(&cidr_rule, &[("SourceGroupId", "sg-peer")]), Err(D::RulePeerKindChange)),
        ("IPv4 to IPv6", change(&cidr_rule, &[("Ipv6SourceCidrIp", "::/0")]), Err(D::RulePeerKindChange)),
        ("IPv6 to IPv4", change(&v6_rule, &[("SourceCidrIp", "0.0.0.0/0")]), Err(D::RulePeerKindChange)),
        ("a group to a prefix list", change(&group_rule, &[("SourcePrefixListId", "pl-1")]), Err(D::RulePeerKindChange)),
        ("the NIC type", change(&cidr_rule, &[("NicType", "internet")]), Err(D::RuleNicTypeChange)),
        ("an unknown NIC type", change(&cidr_rule, &[("NicType", "x")]), Err(D::RuleNicType("x".into()))),
        ("ALL keeps TCP's ports", change(&cidr_rule, &[("IpProtocol", "all")]), Err(D::RuleProtocolPortMismatch { protocol: "ALL", port_range: "22/22".into() })),
        ("a bad new block", change(&cidr_rule, &[("SourceCidrIp", "10.0.0.0/40")]), Err(D::RuleAddress { field: field("SourceCidrIp"), address: AddressField::SourceCidrIp })),
    ]);
    let existing = vec![cidr_rule.clone(), group_rule.clone()];
    #[rustfmt::skip]
    table(&[
        ("unlike the others", check_not_duplicate(&existing, "sgr-1", &RuleSpec { priority: 9, ..ssh_spec() }), Ok(())),
        ("unchanged is not a duplicate of itself", check_not_duplicate(&existing, "sgr-1", &ssh_spec()), Ok(())),
        ("the same as another rule", check_not_duplicate(&existing, "sgr-2", &ssh_spec()), Err(D::RuleDuplicate { rule_id: "sgr-1".into() })),
    ]);
}

#[test]
fn inner_access_policy_table() {
    let (basic, advanced) = (group("sg-b", VPC, Basic), group("sg-a", VPC, Advanced));
    #[rustfmt::skip]
    table(&[
        ("Accept", parse_inner_access_policy(Some("Accept")), Ok("Accept")),
        ("drop in any case", parse_inner_access_policy(Some("dRoP")), Ok("Drop")),
        ("neither", parse_inner_access_policy(Some("Allow")), Err(D::InnerAccessPolicyInvalid)),
        ("absent", parse_inner_access_policy(None), Err(D::InnerAccessPolicyInvalid)),
    ]);
    #[rustfmt::skip]
    table(&[
        ("a basic group may change", check_inner_access_policy_change(&basic), Ok(())),
        ("an advanced group always isolates", check_inner_access_policy_change(&advanced), Err(D::InnerAccessPolicyFixed)),
        ("an unnamed group may be deleted", check_not_referenced("sg-b", 0), Ok(())),
        ("a named group may not", check_not_referenced("sg-b", 2), Err(D::GroupReferenced("sg-b".into()))),
    ]);
}
