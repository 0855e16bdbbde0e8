//! The catalog: regions, zones, instance types, images.

use super::render::wrap;
use super::{Answer, Call, MissingRegion};
use crate::doc::{Doc, Fields};
use crate::model::catalog::{IMAGES, INSTANCE_TYPES};
use crate::obj;

pub async fn describe_regions(call: Call) -> Answer {
    let regions = call.app.catalog.regions.iter().map(|r| {
        obj! {
            "RegionId" => &r.region_id,
            "LocalName" => &r.local_name,
            "RegionEndpoint" => format!("ecs.{}.aliyuncs.com", r.region_id),
            "Status" => "available",
        }
    });
    Ok(obj! { "Regions" => wrap("Region", regions) })
}

pub async fn describe_zones(call: Call) -> Answer {
    let region_id = call.region(MissingRegion::Generic)?;
    let region = call
        .app
        .catalog
        .region(&region_id)
        .expect("call.region checked the region");
    let type_ids = || INSTANCE_TYPES.iter().map(|t| t.id);
    let none = || Vec::<Doc>::new();
    let zones = region.zones.iter().map(|z| {
        let resources = obj! {
            "IoOptimized" => true,
            "NetworkTypes" => wrap("supportedNetworkCategory", ["vpc"]),
            "InstanceTypes" => wrap("supportedInstanceType", type_ids()),
            "InstanceTypeFamilies" => wrap("supportedInstanceTypeFamily", none()),
            "InstanceGenerations" => wrap("supportedInstanceGeneration", none()),
            "SystemDiskCategories" => wrap("supportedSystemDiskCategory", ["cloud_essd"]),
            "DataDiskCategories" => wrap("supportedDataDiskCategory", ["cloud_essd"]),
        };
        obj! {
            "ZoneId" => &z.zone_id,
            "LocalName" => &z.local_name,
            "ZoneType" => "AvailabilityZone",
            "AvailableResourceCreation" => wrap("ResourceTypes", ["VSwitch", "Instance", "IoOptimized"]),
            "AvailableInstanceTypes" => wrap("InstanceTypes", type_ids()),
            "AvailableDiskCategories" => wrap("DiskCategories", ["cloud_essd"]),
            "AvailableVolumeCategories" => wrap("VolumeCategories", none()),
            "AvailableDedicatedHostTypes" => wrap("DedicatedHostType", none()),
            "DedicatedHostGenerations" => wrap("DedicatedHostGeneration", none()),
            "AvailableResources" => wrap("ResourcesInfo", [resources]),
        }
    });
    Ok(obj! { "Zones" => wrap("Zone", zones) })
}

pub async fn describe_instance_types(call: Call) -> Answer {
    let wanted = call.params.list("InstanceTypes", 100)?;
    let family = call.params.get("InstanceTypeFamily");
    let types = INSTANCE_TYPES
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.id))
        .filter(|t| family.is_none_or(|f| f == t.family))
        .map(|t| {
            obj! {
                "InstanceTypeId" => t.id,
                "InstanceTypeFamily" => t.family,
                "CpuCoreCount" => t.cpu,
                "MemorySize" => t.memory_gib,
                "EniQuantity" => t.eni_quantity,
                "EniPrivateIpAddressQuantity" => t.private_ips_per_eni,
                "EniIpv6AddressQuantity" => t.ipv6_per_eni,
                "EniTotalQuantity" => t.eni_quantity,
                "PrimaryEniQueueNumber" => 1,
                "SecondaryEniQueueNumber" => 1,
            }
        });
    Ok(obj! { "InstanceTypes" => wrap("InstanceType", types), "NextToken" => "" })
}

pub async fn describe_images(call: Call) -> Answer {
    call.region(MissingRegion::Generic)?;
    let wanted: Vec<&str> = call
        .params
        .get("ImageId")
        .map(|ids| ids.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let images: Vec<Fields> = IMAGES
        .iter()
        .filter(|i| wanted.is_empty() || wanted.contains(&i.id))
        .map(|i| {
            obj! {
                "ImageId" => i.id,
                "ImageName" => i.name,
                "ImageOwnerAlias" => "system",
                "OSType" => i.os_type,
                "OSName" => i.os_name,
                "OSNameEn" => i.os_name,
                "Platform" => i.platform,
                "Architecture" => i.architecture,
                "Size" => i.size_gib,
                "Status" => "Available",
                "IsSupportIoOptimized" => true,
                "CreationTime" => "2024-08-19T00:00:00Z",
                "DiskDeviceMappings" => wrap("DiskDeviceMapping", Vec::<Doc>::new()),
                "Tags" => wrap("Tag", Vec::<Doc>::new()),
            }
        })
        .collect();
    let total = images.len();
    Ok(obj! {
        "RegionId" => call.params.get("RegionId").unwrap_or_default(),
        "TotalCount" => total,
        "PageNumber" => 1,
        "PageSize" => total.max(10),
        "Images" => wrap("Image", images),
    })
}
