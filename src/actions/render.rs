//! Domain values in the wire shape: PascalCase fields, every list wrapped, every container
//! present even when empty, numbers as numbers.

use chrono::{DateTime, Utc};

pub use crate::doc::wrap;
use crate::doc::{Doc, Fields};
use crate::obj;

use crate::model::catalog::Catalog;
use crate::model::permissions::RuleCounts;
use crate::model::tags::Tag;
use crate::model::{Eni, Instance, SecurityGroup, VSwitch, Vpc};

/// ENI, group, VPC and vSwitch times carry seconds.
pub fn time_seconds(at: i64) -> String {
    DateTime::<Utc>::from_timestamp(at, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Instance times carry minutes only.
pub fn time_minutes(at: i64) -> String {
    DateTime::<Utc>::from_timestamp(at, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%MZ")
        .to_string()
}

/// ECS tags: `Tags.Tag[]{TagKey, TagValue}` (the VPC API spells them `Key`/`Value`).
pub fn tags(tags: &[Tag]) -> Fields {
    wrap(
        "Tag",
        tags.iter()
            .map(|t| obj! { "TagKey" => &t.key, "TagValue" => &t.value }),
    )
}

fn none() -> Vec<Doc> {
    Vec::new()
}

fn private_ip_sets(eni: &Eni) -> Fields {
    wrap(
        "PrivateIpSet",
        eni.private_ips.iter().map(|ip| {
            obj! {
                "PrivateIpAddress" => &ip.address,
                "Primary" => ip.primary,
                "AssociatedPublicIp" => Fields::new(),
            }
        }),
    )
}

pub fn eni(eni: &Eni, owner_id: &str, tags: &[Tag]) -> Fields {
    let attachment = match &eni.instance_id {
        Some(instance) => obj! {
            "InstanceId" => instance,
            "DeviceIndex" => 0,
            "NetworkCardIndex" => 0,
            "TrunkNetworkInterfaceId" => "",
        },
        None => Fields::new(),
    };
    obj! {
        "NetworkInterfaceId" => &eni.id,
        "NetworkInterfaceName" => &eni.name,
        "Description" => &eni.description,
        "Type" => eni.eni_type.api_name(),
        "Status" => eni.status.api_name(),
        "InstanceId" => eni.instance_id.clone().unwrap_or_default(),
        "VpcId" => &eni.vpc_id,
        "VSwitchId" => &eni.vswitch_id,
        "ZoneId" => &eni.zone_id,
        "PrivateIpAddress" => eni.primary_ip(),
        "MacAddress" => &eni.mac_address,
        "SecurityGroupIds" => wrap("SecurityGroupId", &eni.security_group_ids),
        "PrivateIpSets" => private_ip_sets(eni),
        "Ipv6Sets" => wrap("Ipv6Set", none()),
        "Ipv4PrefixSets" => wrap("Ipv4PrefixSet", none()),
        "Ipv6PrefixSets" => wrap("Ipv6PrefixSet", none()),
        "Tags" => self::tags(tags),
        "AssociatedPublicIp" => Fields::new(),
        "Attachment" => attachment,
        "OwnerId" => owner_id,
        "ResourceGroupId" => "",
        "ServiceManaged" => false,
        "DeleteOnRelease" => eni.delete_on_release,
        "SourceDestCheck" => eni.source_dest_check,
        "NetworkInterfaceTrafficMode" => "Standard",
        "QueueNumber" => eni.queue_number,
        "CreationTime" => time_seconds(eni.created_at),
    }
}

pub fn group(
    group: &SecurityGroup,
    members: u64,
    capacity: u64,
    rules: RuleCounts,
    tags: &[Tag],
) -> Fields {
    obj! {
        "SecurityGroupId" => &group.id,
        "SecurityGroupName" => &group.name,
        "Description" => &group.description,
        "SecurityGroupType" => group.kind.api_name(),
        "VpcId" => &group.vpc_id,
        "CreationTime" => time_seconds(group.created_at),
        "EcsCount" => members,
        "AvailableInstanceAmount" => capacity.saturating_sub(members),
        "ResourceGroupId" => "",
        "ServiceManaged" => false,
        "RuleCount" => rules.rules,
        "GroupToGroupRuleCount" => rules.group_rules,
        "Tags" => self::tags(tags),
    }
}

pub fn instance(instance: &Instance, enis: &[Eni], catalog: &Catalog, tags: &[Tag]) -> Fields {
    let primary = enis.first();
    let groups = primary
        .map(|e| e.security_group_ids.as_slice())
        .unwrap_or_default();
    let primary_ip = primary
        .map(|e| e.primary_ip().to_string())
        .unwrap_or_default();
    let itype = catalog.instance_type(&instance.instance_type);
    let image = catalog.image(&instance.image_id);
    let interfaces = enis.iter().map(|e| {
        let addresses = e.private_ips.iter().map(|ip| {
            obj! {
                "PrivateIpAddress" => &ip.address,
                "Primary" => ip.primary,
                "PrivateDnsName" => "",
            }
        });
        obj! {
            "NetworkInterfaceId" => &e.id,
            "Type" => e.eni_type.api_name(),
            "MacAddress" => &e.mac_address,
            "PrimaryIpAddress" => e.primary_ip(),
            "PrivateIpSets" => wrap("PrivateIpSet", addresses),
            "Ipv6Sets" => wrap("Ipv6Set", none()),
            "Ipv4PrefixSets" => wrap("Ipv4PrefixSet", none()),
            "Ipv6PrefixSets" => wrap("Ipv6PrefixSet", none()),
        }
    });
    obj! {
        "InstanceId" => &instance.id,
        "InstanceName" => &instance.name,
        "Description" => &instance.description,
        "RegionId" => &instance.region_id,
        "ZoneId" => &instance.zone_id,
        "InstanceType" => &instance.instance_type,
        "InstanceTypeFamily" => itype.map(|t| t.family).unwrap_or_default(),
        "Cpu" => itype.map(|t| t.cpu).unwrap_or(0),
        "Memory" => itype.map(|t| (t.memory_gib * 1024.0) as u64).unwrap_or(0),
        "ImageId" => &instance.image_id,
        "OSType" => image.map(|i| i.os_type).unwrap_or_default(),
        "OSName" => image.map(|i| i.os_name).unwrap_or_default(),
        "Status" => instance.status.api_name(),
        "InstanceNetworkType" => "vpc",
        "HostName" => &instance.host_name,
        "CreationTime" => time_minutes(instance.created_at),
        "StartTime" => instance.started_at.map(time_minutes).unwrap_or_default(),
        "ExpiredTime" => "2099-12-31T15:59Z",
        "InstanceChargeType" => "PostPaid",
        "InternetChargeType" => "PayByTraffic",
        "SecurityGroupIds" => wrap("SecurityGroupId", groups),
        "VpcAttributes" => obj! {
            "VpcId" => &instance.vpc_id,
            "VSwitchId" => &instance.vswitch_id,
            "PrivateIpAddress" => wrap("IpAddress", [primary_ip]),
            "NatIpAddress" => "",
        },
        "NetworkInterfaces" => wrap("NetworkInterface", interfaces),
        "PublicIpAddress" => wrap("IpAddress", none()),
        "InnerIpAddress" => wrap("IpAddress", none()),
        "EipAddress" => obj! {
            "AllocationId" => "",
            "IpAddress" => "",
            "Bandwidth" => 0,
            "InternetChargeType" => "",
            "IsSupportUnassociate" => false,
        },
        "OperationLocks" => wrap("LockReason", none()),
        "Tags" => self::tags(tags),
        "DeletionProtection" => false,
        "ResourceGroupId" => "",
    }
}

pub fn vpc(vpc: &Vpc, vswitch_ids: &[String]) -> Fields {
    obj! {
        "VpcId" => &vpc.id,
        "VpcName" => &vpc.name,
        "Description" => &vpc.description,
        "RegionId" => &vpc.region_id,
        "CidrBlock" => &vpc.cidr_block,
        "Status" => &vpc.status,
        "CreationTime" => time_seconds(vpc.created_at),
        "IsDefault" => false,
        "VRouterId" => &vpc.vrouter_id,
        "VSwitchIds" => wrap("VSwitchId", vswitch_ids),
        "RouterTableIds" => wrap("RouterTableIds", [&vpc.route_table_id]),
        "UserCidrs" => wrap("UserCidr", none()),
        "SecondaryCidrBlocks" => wrap("SecondaryCidrBlock", none()),
        "NatGatewayIds" => wrap("NatGatewayIds", none()),
        "ResourceGroupId" => "",
        "Tags" => wrap("Tag", none()),
        "EnabledIpv6" => false,
        "Ipv6CidrBlock" => "",
    }
}

pub fn vswitch(vswitch: &VSwitch, available_ips: u64) -> Fields {
    obj! {
        "VSwitchId" => &vswitch.id,
        "VSwitchName" => &vswitch.name,
        "Description" => &vswitch.description,
        "VpcId" => &vswitch.vpc_id,
        "ZoneId" => &vswitch.zone_id,
        "CidrBlock" => &vswitch.cidr_block,
        "Status" => &vswitch.status,
        "AvailableIpAddressCount" => available_ips,
        "CreationTime" => time_seconds(vswitch.created_at),
        "IsDefault" => false,
        "ResourceGroupId" => "",
        "NetworkAclId" => "",
        "ShareType" => "",
        "EnabledIpv6" => false,
        "Ipv6CidrBlock" => "",
        "Tags" => wrap("Tag", none()),
    }
}
