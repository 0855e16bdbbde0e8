//! Elastic network interfaces: CreateNetworkInterface, DescribeNetworkInterfaces,
//! DescribeNetworkInterfaceAttribute, Attach/Detach/DeleteNetworkInterface and the seed's
//! ModifyNetworkInterfaceAttribute.

use std::sync::Arc;

use super::paging::{self, Limits};
use super::tags::{new_tags, tag_filter};
use super::{empty, render, Answer, Call, MissingRegion};
use crate::doc::{Doc, Fields, Shared};
use crate::errors::ApiError;
use crate::model::tags::{Tag, TagResourceType};
use crate::model::{DomainError, Eni, EniStatus, EniType, ResourceKind};
use crate::obj;
use crate::ops::enis::{self, ModifyEni, NewEni};
use crate::ops::tags::create_tagged;
use crate::ops::OpError;
use crate::store::{EniFilter, EniRevision, Page, PageRequest, StoreFault};

const ENI_PAGES: Limits = Limits {
    default_size: 10,
    max_size: 1000,
    max_results: Some((10, 500)),
};

/// ModifyNetworkInterfaceAttribute options other than name, description, groups and queue
/// number. They are accepted for secondary ENIs but not modelled; a primary ENI refuses them
/// (rule h).
const UNMODELLED_OPTIONS: &[&str] = &[
    "RxQueueSize",
    "TxQueueSize",
    "NetworkInterfaceTrafficConfig",
    "ConnectionTrackingConfiguration",
    "EnhancedNetwork",
];

pub async fn create(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    call.params.exclusive(
        "SecurityGroupId",
        "SecurityGroupIds",
        "SecurityGroupId and SecurityGroupIds cannot be specified together.",
    )?;
    call.params.exclusive(
        "PrivateIpAddress",
        "SecondaryPrivateIpAddressCount",
        "PrivateIpAddress and SecondaryPrivateIpAddressCount cannot be specified together.",
    )?;
    let mut groups = call.params.list("SecurityGroupIds", 100)?;
    groups.extend(call.params.string("SecurityGroupId"));
    if groups.is_empty() {
        return Err(ApiError::missing("SecurityGroupId"));
    }
    match call.params.get("InstanceType") {
        None | Some("Secondary") => {}
        Some(_) => return Err(ApiError::invalid("InstanceType")),
    }
    let req = NewEni {
        vswitch_id: call.params.required("VSwitchId")?.to_string(),
        security_group_ids: groups,
        primary_ip: call.params.string("PrimaryIpAddress"),
        secondary_ips: call.params.list("PrivateIpAddress", 10)?,
        secondary_ip_count: call
            .params
            .int_in("SecondaryPrivateIpAddressCount", 1, 49)?
            .unwrap_or(0) as u32,
        name: call.params.string("NetworkInterfaceName"),
        description: call.params.string("Description"),
        delete_on_release: call.params.bool("DeleteOnRelease")?.unwrap_or(false),
        source_dest_check: call.params.bool("SourceDestCheck")?.unwrap_or(false),
        queue_number: queue_number(&call)?.unwrap_or(1),
    };
    let tags = new_tags(&call.params)?;
    let owner = call.account_id.clone();
    call.write_idempotent(
        &region,
        move |tx, ctx| {
            create_tagged(
                tx,
                ctx,
                TagResourceType::Eni,
                tags,
                |tx, ctx| enis::create(tx, ctx, req),
                |eni| vec![eni.id.clone()],
            )
        },
        move |(eni, tags)| created(&eni, &owner, &tags),
    )
    .await
}

/// CreateNetworkInterface's answer: the new ENI's fields that the call documents.
fn created(eni: &Eni, owner: &str, tags: &[Tag]) -> Fields {
    let mut full = render::eni(eni, owner, tags);
    let mut out = Fields::with_capacity(21);
    for key in [
        "NetworkInterfaceId",
        "Status",
        "Type",
        "NetworkInterfaceName",
        "Description",
        "VpcId",
        "VSwitchId",
        "ZoneId",
        "PrivateIpAddress",
        "MacAddress",
        "OwnerId",
        "ResourceGroupId",
        "ServiceManaged",
        "SourceDestCheck",
        "SecurityGroupIds",
        "PrivateIpSets",
        "Ipv6Sets",
        "Ipv4PrefixSets",
        "Ipv6PrefixSets",
        "Tags",
    ] {
        out.push(key, full.remove(key));
    }
    out.push("ServiceID", 0);
    out
}

pub async fn describe(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let paging = paging::parse(&call.params, &ENI_PAGES)?;
    let eni_type = call
        .params
        .get("Type")
        .map(|t| EniType::from_api_name(t).ok_or_else(|| ApiError::invalid("Type")))
        .transpose()?;
    let status = call
        .params
        .get("Status")
        .map(|s| EniStatus::from_api_name(s).ok_or_else(|| ApiError::invalid("Status")))
        .transpose()?;
    let filter = EniFilter {
        ids: call.params.list("NetworkInterfaceId", 100)?,
        instance_id: call.params.string("InstanceId"),
        vpc_id: call.params.string("VpcId"),
        vswitch_id: call.params.string("VSwitchId"),
        primary_ip: call.params.string("PrimaryIpAddress"),
        private_ips: call.params.list("PrivateIpAddress", 100)?,
        security_group_id: call.params.string("SecurityGroupId"),
        name: call.params.string("NetworkInterfaceName"),
        eni_type,
        status,
        tags: tag_filter(&call)?,
    };
    let page = if matches_nothing(&call)? {
        Page::default()
    } else {
        let (app, account, request) = (
            Arc::clone(&call.app),
            call.account_id.clone(),
            paging.request,
        );
        // Noted before the read begins, so a restore it overlaps cannot pass for its own.
        let generation = app.eni_answers.generation();
        call.read(move |tx| {
            let cache = &app.eni_answers;
            let mut cached = Vec::new();
            let mut known = |e: &EniRevision| {
                let answer = cache.get(generation, &e.id, e.revision);
                let hit = answer.is_some();
                cached.extend(answer);
                hit
            };
            let page = enis::describe(tx, &account, &region, &filter, request, &mut known)?;
            let mut cached = cached.into_iter();
            page.try_map(|(e, read)| match read {
                None => cached
                    .next()
                    .ok_or_else(|| StoreFault("a cached ENI answer went missing".into()).into()),
                Some((eni, tags)) => {
                    let answer = Arc::new(Shared::new(&render::eni(&eni, &account, &tags)));
                    cache.insert(generation, &e.id, e.revision, Arc::clone(&answer));
                    Ok::<_, OpError>(answer)
                }
            })
        })
        .await?
    };
    let mut out = paging.fields(&page, true);
    if let PageRequest::After { .. } = paging.request {
        out.remove("MaxResults");
    }
    out.push(
        "NetworkInterfaceSets",
        render::wrap(
            "NetworkInterfaceSet",
            page.items.into_iter().map(Doc::Shared),
        ),
    );
    Ok(out)
}

pub async fn describe_attribute(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let id = call.params.required("NetworkInterfaceId")?.to_string();
    let account = call.account_id.clone();
    let (eni, tags) = call
        .read(move |tx| {
            let eni = tx
                .eni(&account, &region, &id)?
                .ok_or_else(|| OpError::from(DomainError::NotFound(ResourceKind::Eni, id)))?;
            let tags = tx.tags_of(&eni.id)?;
            Ok((eni, tags))
        })
        .await?;
    let mut out = render::eni(&eni, &call.account_id, &tags);
    out.push(
        "NetworkInterfaceTrafficConfig",
        obj! {
            "NetworkInterfaceTrafficMode" => "Standard",
            "QueueNumber" => eni.queue_number,
            "QueuePairNumber" => 0,
        },
    );
    if call.params.get("Attribute") == Some("connectionTrackingConfiguration") {
        out.push(
            "ConnectionTrackingConfiguration",
            obj! {
                "TcpEstablishedTimeout" => 910,
                "TcpClosedAndTimeWaitTimeout" => 3,
                "UdpTimeout" => 30,
            },
        );
    }
    Ok(out)
}

/// Filters on attributes no ENI here has (IPv6 addresses, a resource group, being
/// service-managed) match nothing.
fn matches_nothing(call: &Call) -> Result<bool, ApiError> {
    Ok(!call.params.list("Ipv6Address", 100)?.is_empty()
        || call.params.get("ResourceGroupId").is_some()
        || call.params.bool("ServiceManaged")? == Some(true))
}

/// `QueueNumber`, 1 to 2048.
fn queue_number(call: &Call) -> Result<Option<u32>, ApiError> {
    Ok(call
        .params
        .int_in("QueueNumber", 1, 2048)?
        .map(|n| n as u32))
}

fn eni_and_instance(call: &Call) -> Result<(String, String, String), ApiError> {
    Ok((
        call.region(MissingRegion::Generic)?,
        call.params.required("NetworkInterfaceId")?.to_string(),
        call.params.required("InstanceId")?.to_string(),
    ))
}

pub async fn attach(call: Call) -> Answer {
    let (region, eni, instance) = eni_and_instance(&call)?;
    call.write(&region, move |tx, ctx| {
        enis::attach(tx, ctx, &eni, &instance)
    })
    .await?;
    empty()
}

pub async fn detach(call: Call) -> Answer {
    let (region, eni, instance) = eni_and_instance(&call)?;
    call.write(&region, move |tx, ctx| {
        enis::detach(tx, ctx, &eni, &instance)
    })
    .await?;
    empty()
}

pub async fn delete(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let eni = call.params.required("NetworkInterfaceId")?.to_string();
    call.write(&region, move |tx, ctx| enis::delete(tx, ctx, &eni))
        .await?;
    empty()
}

pub async fn modify(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let eni = call.params.required("NetworkInterfaceId")?.to_string();
    let groups = call.params.list("SecurityGroupId", 100)?;
    let req = ModifyEni {
        name: call.params.string("NetworkInterfaceName"),
        description: call.params.string("Description"),
        security_group_ids: (!groups.is_empty()).then_some(groups),
        delete_on_release: call.params.bool("DeleteOnRelease")?,
        source_dest_check: call.params.bool("SourceDestCheck")?,
        queue_number: queue_number(&call)?,
        other_options: call.params.any_of(UNMODELLED_OPTIONS),
    };
    call.write(&region, move |tx, ctx| enis::modify(tx, ctx, &eni, req))
        .await?;
    empty()
}
