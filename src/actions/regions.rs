//! The catalog: regions, zones, instance types, images.

use serde_json::{json, Value};

use super::render::wrap;
use super::{object, Answer, Call, MissingRegion};
use crate::model::catalog::{IMAGES, INSTANCE_TYPES};

pub async fn describe_regions(call: Call) -> Answer {
    let regions: Vec<Value> = call
        .app
        .catalog
        .regions
        .iter()
        .map(|r| {
            json!({
                "RegionId": r.region_id,
                "LocalName": r.local_name,
                "RegionEndpoint": format!("ecs.{}.aliyuncs.com", r.region_id),
                "Status": "available",
            })
        })
        .collect();
    object(json!({ "Regions": wrap("Region", regions) }))
}

pub async fn describe_zones(call: Call) -> Answer {
    let region_id = call.region(MissingRegion::Generic)?;
    let region = call
        .app
        .catalog
        .region(&region_id)
        .expect("call.region checked the region");
    let type_ids: Vec<Value> = INSTANCE_TYPES.iter().map(|t| json!(t.id)).collect();
    let zones: Vec<Value> = region
        .zones
        .iter()
        .map(|z| {
            json!({
                "ZoneId": z.zone_id,
                "LocalName": z.local_name,
                "ZoneType": "AvailabilityZone",
                "AvailableResourceCreation": wrap("ResourceTypes", vec![json!("VSwitch"), json!("Instance"), json!("IoOptimized")]),
                "AvailableInstanceTypes": wrap("InstanceTypes", type_ids.clone()),
                "AvailableDiskCategories": wrap("DiskCategories", vec![json!("cloud_essd")]),
                "AvailableVolumeCategories": wrap("VolumeCategories", vec![]),
                "AvailableDedicatedHostTypes": wrap("DedicatedHostType", vec![]),
                "DedicatedHostGenerations": wrap("DedicatedHostGeneration", vec![]),
                "AvailableResources": wrap("ResourcesInfo", vec![json!({
                    "IoOptimized": true,
                    "NetworkTypes": wrap("supportedNetworkCategory", vec![json!("vpc")]),
                    "InstanceTypes": wrap("supportedInstanceType", type_ids.clone()),
                    "InstanceTypeFamilies": wrap("supportedInstanceTypeFamily", vec![]),
                    "InstanceGenerations": wrap("supportedInstanceGeneration", vec![]),
                    "SystemDiskCategories": wrap("supportedSystemDiskCategory", vec![json!("cloud_essd")]),
                    "DataDiskCategories": wrap("supportedDataDiskCategory", vec![json!("cloud_essd")]),
                })]),
            })
        })
        .collect();
    object(json!({ "Zones": wrap("Zone", zones) }))
}

pub async fn describe_instance_types(call: Call) -> Answer {
    let wanted = call.params.list("InstanceTypes", 100)?;
    let family = call.params.get("InstanceTypeFamily");
    let types: Vec<Value> = INSTANCE_TYPES
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.id))
        .filter(|t| family.is_none_or(|f| f == t.family))
        .map(|t| {
            json!({
                "InstanceTypeId": t.id,
                "InstanceTypeFamily": t.family,
                "CpuCoreCount": t.cpu,
                "MemorySize": t.memory_gib,
                "EniQuantity": t.eni_quantity,
                "EniPrivateIpAddressQuantity": t.private_ips_per_eni,
                "EniIpv6AddressQuantity": t.ipv6_per_eni,
                "EniTotalQuantity": t.eni_quantity,
                "PrimaryEniQueueNumber": 1,
                "SecondaryEniQueueNumber": 1,
            })
        })
        .collect();
    object(json!({ "InstanceTypes": wrap("InstanceType", types), "NextToken": "" }))
}

pub async fn describe_images(call: Call) -> Answer {
    call.region(MissingRegion::Generic)?;
    let wanted: Vec<&str> = call
        .params
        .get("ImageId")
        .map(|ids| ids.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let images: Vec<Value> = IMAGES
        .iter()
        .filter(|i| wanted.is_empty() || wanted.contains(&i.id))
        .map(|i| {
            json!({
                "ImageId": i.id,
                "ImageName": i.name,
                "ImageOwnerAlias": "system",
                "OSType": i.os_type,
                "OSName": i.os_name,
                "OSNameEn": i.os_name,
                "Platform": i.platform,
                "Architecture": i.architecture,
                "Size": i.size_gib,
                "Status": "Available",
                "IsSupportIoOptimized": true,
                "CreationTime": "2024-08-19T00:00:00Z",
                "DiskDeviceMappings": wrap("DiskDeviceMapping", vec![]),
                "Tags": wrap("Tag", vec![]),
            })
        })
        .collect();
    let total = images.len();
    object(json!({
        "RegionId": call.params.get("RegionId").unwrap_or_default(),
        "TotalCount": total,
        "PageNumber": 1,
        "PageSize": total.max(10),
        "Images": wrap("Image", images),
    }))
}
