//! Instances: RunInstances, CreateInstance, DescribeInstances, StartInstance, StopInstance,
//! DeleteInstance.

use crate::doc::Fields;
use crate::obj;

use super::paging::{self, Limits};
use super::tags::{new_tags, tag_filter};
use super::{empty, render, Answer, Call, MissingRegion};
use crate::errors::{ApiError, Code};
use crate::model::tags::TagResourceType;
use crate::model::InstanceStatus;
use crate::ops::instances::{self, Launch, LaunchEni, ModifyInstance};
use crate::ops::tags::{create_tagged, with_tags};
use crate::store::InstanceFilter;

const INSTANCE_PAGES: Limits = Limits {
    default_size: 10,
    max_size: 100,
    max_results: Some((10, 100)),
};

/// The parameters RunInstances and CreateInstance share.
fn launch(
    call: &Call,
    vswitch_id: String,
    security_group_ids: Vec<String>,
    amount: u32,
    start: bool,
) -> Result<Launch, ApiError> {
    Ok(Launch {
        zone_id: call.params.string("ZoneId"),
        vswitch_id,
        security_group_ids,
        instance_type: call.params.required("InstanceType")?.to_string(),
        image_id: call.params.required("ImageId")?.to_string(),
        name: call.params.string("InstanceName"),
        description: call.params.string("Description"),
        host_name: call.params.string("HostName"),
        private_ip: call.params.string("PrivateIpAddress"),
        amount,
        start,
        secondary_enis: Vec::new(),
    })
}

/// Launches `req` with the call's `Tag.N` on every instance, idempotently by ClientToken;
/// `answer` renders the ids of the new instances.
async fn launch_tagged(
    call: &Call,
    region: &str,
    req: Launch,
    answer: fn(Vec<String>) -> Fields,
) -> Answer {
    let tags = new_tags(&call.params)?;
    call.write_idempotent(
        region,
        move |tx, ctx| {
            create_tagged(
                tx,
                ctx,
                TagResourceType::Instance,
                tags,
                |tx, ctx| instances::launch(tx, ctx, req),
                Vec::clone,
            )
        },
        move |(ids, _)| answer(ids),
    )
    .await
}

fn nic_error(message: &str) -> ApiError {
    ApiError::with(Code::InvalidParamNetworkInterface, message)
}

/// One group given as `<prefix>SecurityGroupId` or several as `<prefix>SecurityGroupIds.N`.
fn groups_at(call: &Call, prefix: &str) -> Result<Vec<String>, ApiError> {
    let single = call.params.string(&format!("{prefix}SecurityGroupId"));
    let many = call.params.list(&format!("{prefix}SecurityGroupIds"), 16)?;
    match (single, many.is_empty()) {
        (Some(_), false) => Err(ApiError::with(
            Code::SingleIdAndMultiIdConflict,
            "SecurityGroupId and SecurityGroupIds cannot be specified together.",
        )),
        (Some(one), true) => Ok(vec![one]),
        (None, _) => Ok(many),
    }
}

/// The `NetworkInterface.N` of RunInstances: at most one Primary (which then configures the
/// primary ENI instead of the top-level VSwitchId and groups) and Secondary ones.
struct Nics {
    primary: Option<(String, Vec<String>, Option<String>)>,
    secondary: Vec<LaunchEni>,
}

fn network_interfaces(call: &Call) -> Result<Nics, ApiError> {
    let mut nics = Nics {
        primary: None,
        secondary: Vec::new(),
    };
    for n in 1..=8 {
        let prefix = format!("NetworkInterface.{n}.");
        if !call.params.has_list(&format!("NetworkInterface.{n}")) {
            continue;
        }
        let field = |name: &str| call.params.string(&format!("{prefix}{name}"));
        if field("NetworkInterfaceId").is_some() {
            return Err(nic_error("Attaching an existing network interface at launch is not supported; attach it with AttachNetworkInterface."));
        }
        let groups = groups_at(call, &prefix)?;
        match field("InstanceType").as_deref().unwrap_or("Secondary") {
            "Primary" => {
                if nics.primary.is_some() {
                    return Err(nic_error(
                        "Only one NetworkInterface.N can be the primary network interface.",
                    ));
                }
                let vswitch = field("VSwitchId")
                    .ok_or_else(|| ApiError::missing(&format!("{prefix}VSwitchId")))?;
                if groups.is_empty() {
                    return Err(ApiError::missing(&format!("{prefix}SecurityGroupId")));
                }
                nics.primary = Some((vswitch, groups, field("PrimaryIpAddress")));
            }
            "Secondary" => nics.secondary.push(LaunchEni {
                vswitch_id: field("VSwitchId"),
                security_group_ids: groups,
                name: field("NetworkInterfaceName"),
                description: field("Description"),
                primary_ip: field("PrimaryIpAddress"),
                delete_on_release: call
                    .params
                    .bool(&format!("{prefix}DeleteOnRelease"))?
                    .unwrap_or(true),
            }),
            _ => return Err(ApiError::invalid(&format!("{prefix}InstanceType"))),
        }
    }
    Ok(nics)
}

pub async fn run(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let amount = call.params.int_in("Amount", 1, 100)?.unwrap_or(1) as u32;
    let nics = network_interfaces(&call)?;
    let top_groups = groups_at(&call, "")?;
    let top_vswitch = call.params.string("VSwitchId");
    let mut req = match nics.primary {
        Some((vswitch, groups, primary_ip)) => {
            if top_vswitch.is_some() || !top_groups.is_empty() {
                return Err(nic_error("VSwitchId and SecurityGroupId cannot be given both at the top level and in a primary NetworkInterface.N."));
            }
            let mut req = launch(&call, vswitch, groups, amount, true)?;
            req.private_ip = req.private_ip.or(primary_ip);
            req
        }
        None => {
            let vswitch = top_vswitch.ok_or_else(|| ApiError::missing("VSwitchId"))?;
            if top_groups.is_empty() {
                return Err(ApiError::missing("SecurityGroupId"));
            }
            launch(&call, vswitch, top_groups, amount, true)?
        }
    };
    req.secondary_enis = nics.secondary;
    launch_tagged(&call, &region, req, |ids| {
        obj! { "InstanceIdSets" => render::wrap("InstanceIdSet", ids) }
    })
    .await
}

pub async fn create(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let vswitch = call.params.required("VSwitchId")?.to_string();
    let group = call.params.required("SecurityGroupId")?.to_string();
    let req = launch(&call, vswitch, vec![group], 1, false)?;
    launch_tagged(
        &call,
        &region,
        req,
        |ids| obj! { "InstanceId" => ids.first().cloned().unwrap_or_default() },
    )
    .await
}

pub async fn describe(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let paging = paging::parse(&call.params, &INSTANCE_PAGES)?;
    let status = call
        .params
        .get("Status")
        .map(|s| {
            InstanceStatus::from_api_name(s)
                .ok_or_else(|| ApiError::of(Code::InvalidStatusNotFound))
        })
        .transpose()?;
    let filter = InstanceFilter {
        ids: call.params.json_list("InstanceIds", 100)?,
        security_group_id: call.params.string("SecurityGroupId"),
        vpc_id: call.params.string("VpcId"),
        vswitch_id: call.params.string("VSwitchId"),
        zone_id: call.params.string("ZoneId"),
        instance_type: call.params.string("InstanceType"),
        image_id: call.params.string("ImageId"),
        name: call.params.string("InstanceName"),
        status,
        private_ips: call.params.json_list("PrivateIpAddresses", 100)?,
        tags: tag_filter(&call)?,
    };
    let (account, request) = (call.account_id.clone(), paging.request);
    let page = call
        .read(move |tx| {
            let page = instances::describe(tx, &account, &region, &filter, request)?;
            with_tags(tx, page, |(i, _)| &i.id)
        })
        .await?;
    let mut out = paging.fields(&page, true);
    let catalog = &call.app.catalog;
    let items = page
        .items
        .iter()
        .map(|((i, enis), tags)| render::instance(i, enis, catalog, tags));
    out.insert("Instances", render::wrap("Instance", items));
    Ok(out)
}

/// Start/Stop/Delete take no RegionId: the instance is found in whichever region it is.
fn instance_region(call: &Call) -> Result<String, ApiError> {
    match call.params.get("RegionId") {
        Some(region) => call.known_region(region),
        None => Ok(String::new()),
    }
}

pub async fn start(call: Call) -> Answer {
    let id = call.params.required("InstanceId")?.to_string();
    let region = instance_region(&call)?;
    call.write(&region, move |tx, ctx| {
        instances::set_running(tx, ctx, &id, true)
    })
    .await?;
    empty()
}

pub async fn stop(call: Call) -> Answer {
    let id = call.params.required("InstanceId")?.to_string();
    let region = instance_region(&call)?;
    call.write(&region, move |tx, ctx| {
        instances::set_running(tx, ctx, &id, false)
    })
    .await?;
    empty()
}

pub async fn delete(call: Call) -> Answer {
    let id = call.params.required("InstanceId")?.to_string();
    let force = call.params.bool("Force")?.unwrap_or(false);
    let region = instance_region(&call)?;
    call.write(&region, move |tx, ctx| {
        let scope = (!ctx.region_id.is_empty()).then(|| ctx.region_id.clone());
        instances::delete(tx, ctx, scope.as_deref(), &id, force)
    })
    .await?;
    empty()
}

pub async fn modify_attribute(call: Call) -> Answer {
    let id = call.params.required("InstanceId")?.to_string();
    let region = instance_region(&call)?;
    let groups = call.params.list("SecurityGroupIds", 100)?;
    let req = ModifyInstance {
        name: call.params.string("InstanceName"),
        description: call.params.string("Description"),
        host_name: call.params.string("HostName"),
        security_group_ids: (!groups.is_empty()).then_some(groups),
    };
    call.write(&region, move |tx, ctx| {
        let scope = (!ctx.region_id.is_empty()).then(|| ctx.region_id.clone());
        instances::modify_attribute(tx, ctx, scope.as_deref(), &id, req)
    })
    .await?;
    empty()
}

pub async fn delete_many(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let ids = call.params.list("InstanceId", 100)?;
    if ids.is_empty() {
        return Err(ApiError::missing("InstanceId.1"));
    }
    let force = call.params.bool("Force")?.unwrap_or(false);
    call.write(&region, move |tx, ctx| {
        instances::delete_many(tx, ctx, &ids, force)
    })
    .await?;
    empty()
}
