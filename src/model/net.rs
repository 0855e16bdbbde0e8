//! IPv4 CIDR rules for VPCs and vSwitches, and which addresses of a vSwitch can be handed out.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::DomainError;

/// Ranges no VPC may use (ecs-api.md §3.4).
const RESERVED: [&str; 4] = [
    "100.64.0.0/10",
    "224.0.0.0/4",
    "127.0.0.0/8",
    "169.254.0.0/16",
];

fn parse_network(cidr: &str) -> Result<Ipv4Net, DomainError> {
    let net: Ipv4Net = cidr
        .trim()
        .parse()
        .map_err(|_| DomainError::InvalidCidr(cidr.to_string()))?;
    // A CIDR block names a network: host bits must be zero.
    if net.network() != net.addr() {
        return Err(DomainError::InvalidCidr(cidr.to_string()));
    }
    let overlaps_reserved = RESERVED.iter().any(|r| {
        let r: Ipv4Net = r.parse().expect("reserved ranges are valid");
        r.contains(&net) || net.contains(&r)
    });
    if overlaps_reserved {
        return Err(DomainError::InvalidCidr(cidr.to_string()));
    }
    Ok(net)
}

/// A VPC's block: a network with a mask of 8 to 28 bits outside the reserved ranges.
pub fn check_vpc_cidr(cidr: &str) -> Result<Ipv4Net, DomainError> {
    let net = parse_network(cidr)?;
    if !(8..=28).contains(&net.prefix_len()) {
        return Err(DomainError::CidrMaskLength(cidr.to_string()));
    }
    Ok(net)
}

/// A vSwitch's block: mask 16 to 29, inside its VPC's block, overlapping no sibling.
pub fn check_vswitch_cidr<'a>(
    cidr: &str,
    vpc_cidr: &str,
    siblings: impl IntoIterator<Item = &'a str>,
) -> Result<Ipv4Net, DomainError> {
    let net = parse_network(cidr)?;
    if !(16..=29).contains(&net.prefix_len()) {
        return Err(DomainError::CidrMaskLength(cidr.to_string()));
    }
    let vpc: Ipv4Net = vpc_cidr
        .parse()
        .map_err(|_| DomainError::InvalidCidr(vpc_cidr.to_string()))?;
    if !vpc.contains(&net) {
        return Err(DomainError::CidrOutsideVpc(cidr.to_string()));
    }
    for sibling in siblings {
        if let Ok(other) = sibling.parse::<Ipv4Net>() {
            if other.contains(&net) || net.contains(&other) {
                return Err(DomainError::CidrOverlap(cidr.to_string()));
            }
        }
    }
    Ok(net)
}

/// The addresses of a vSwitch that can be assigned: the first address and the last three are
/// reserved by the platform. Returned as an inclusive range of u32.
pub fn assignable_range(vswitch_cidr: &str) -> (u32, u32) {
    let net: Ipv4Net = vswitch_cidr.parse().expect("stored CIDR blocks are valid");
    let first = u32::from(net.network()) + 1;
    let last = u32::from(net.broadcast()) - 3;
    (first, last)
}

pub fn assignable_count(vswitch_cidr: &str) -> u64 {
    let (first, last) = assignable_range(vswitch_cidr);
    u64::from(last - first) + 1
}

/// Checks a requested private address: well-formed and assignable in the vSwitch.
pub fn check_requested_ip(address: &str, vswitch_cidr: &str) -> Result<u32, DomainError> {
    let ip: Ipv4Addr = address
        .trim()
        .parse()
        .map_err(|_| DomainError::IpMalformed(address.to_string()))?;
    let n = u32::from(ip);
    let (first, last) = assignable_range(vswitch_cidr);
    if !(first..=last).contains(&n) {
        return Err(DomainError::IpOutsideVSwitch(address.to_string()));
    }
    Ok(n)
}

pub fn ip_to_string(n: u32) -> String {
    Ipv4Addr::from(n).to_string()
}

pub fn ip_to_u32(address: &str) -> Option<u32> {
    address.parse::<Ipv4Addr>().ok().map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpc_blocks() {
        assert!(check_vpc_cidr("172.16.0.0/12").is_ok());
        assert!(check_vpc_cidr("192.168.0.0/16").is_ok());
        assert!(check_vpc_cidr("10.0.0.0/8").is_ok());
        assert_eq!(
            check_vpc_cidr("10.0.0.1/16"),
            Err(DomainError::InvalidCidr("10.0.0.1/16".into()))
        );
        assert!(matches!(
            check_vpc_cidr("nonsense"),
            Err(DomainError::InvalidCidr(_))
        ));
        assert!(matches!(
            check_vpc_cidr("100.64.0.0/16"),
            Err(DomainError::InvalidCidr(_))
        ));
        assert!(matches!(
            check_vpc_cidr("127.0.0.0/16"),
            Err(DomainError::InvalidCidr(_))
        ));
        assert!(matches!(
            check_vpc_cidr("192.168.0.0/29"),
            Err(DomainError::CidrMaskLength(_))
        ));
    }

    #[test]
    fn vswitch_blocks() {
        let vpc = "192.168.0.0/16";
        assert!(check_vswitch_cidr("192.168.1.0/24", vpc, []).is_ok());
        assert!(matches!(
            check_vswitch_cidr("10.0.0.0/24", vpc, []),
            Err(DomainError::CidrOutsideVpc(_))
        ));
        assert!(matches!(
            check_vswitch_cidr("192.168.1.0/25", vpc, ["192.168.1.0/24"]),
            Err(DomainError::CidrOverlap(_))
        ));
        assert!(matches!(
            check_vswitch_cidr("192.168.1.0/30", vpc, []),
            Err(DomainError::CidrMaskLength(_))
        ));
    }

    #[test]
    fn first_and_last_three_addresses_are_reserved() {
        let (first, last) = assignable_range("192.168.1.0/24");
        assert_eq!(ip_to_string(first), "192.168.1.1");
        assert_eq!(ip_to_string(last), "192.168.1.252");
        assert_eq!(assignable_count("192.168.1.0/24"), 252);
        assert!(check_requested_ip("192.168.1.252", "192.168.1.0/24").is_ok());
        assert!(matches!(
            check_requested_ip("192.168.1.253", "192.168.1.0/24"),
            Err(DomainError::IpOutsideVSwitch(_))
        ));
        assert!(matches!(
            check_requested_ip("192.168.1.x", "192.168.1.0/24"),
            Err(DomainError::IpMalformed(_))
        ));
    }
}
