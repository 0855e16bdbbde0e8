//! Security groups: CreateSecurityGroup, DescribeSecurityGroups, ModifySecurityGroupAttribute,
//! DeleteSecurityGroup, and the seed's JoinSecurityGroup / LeaveSecurityGroup.

use crate::obj;

use super::paging::{self, Limits};
use super::tags::{new_tags, tag_filter};
use super::{empty, render, Answer, Call, MissingRegion};
use crate::errors::{ApiError, Code};
use crate::model::tags::TagResourceType;
use crate::model::{DomainError, GroupKind, ResourceKind};
use crate::ops::groups::{self, NewGroup};
use crate::ops::membership::{self, Member};
use crate::ops::tags::{create_tagged, with_tags};
use crate::ops::OpError;
use crate::store::GroupFilter;

const GROUP_PAGES: Limits = Limits {
    default_size: 10,
    max_size: 50,
    max_results: Some((1, 100)),
};

pub async fn create(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let kind = match call.params.get("SecurityGroupType") {
        None => GroupKind::Basic,
        Some(t) => {
            GroupKind::from_api_name(t).ok_or_else(|| ApiError::of(Code::InvalidParamsGroupType))?
        }
    };
    let vpc_id = match call.params.get("VpcId") {
        Some(v) => v.to_string(),
        None if kind == GroupKind::Advanced => {
            return Err(ApiError::of(Code::InvalidParamsVpcIdGroupType))
        }
        None => return Err(ApiError::of(Code::InvalidVpcIdRequired)),
    };
    let req = NewGroup {
        vpc_id,
        name: call.params.string("SecurityGroupName"),
        description: call.params.string("Description"),
        kind,
    };
    let tags = new_tags(&call.params)?;
    call.write_idempotent(
        &region,
        move |tx, ctx| {
            create_tagged(
                tx,
                ctx,
                TagResourceType::SecurityGroup,
                tags,
                |tx, ctx| groups::create(tx, ctx, req),
                |group| vec![group.id.clone()],
            )
        },
        |(group, _)| obj! { "SecurityGroupId" => group.id },
    )
    .await
}

pub async fn describe(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let paging = paging::parse(&call.params, &GROUP_PAGES)?;
    let mut ids = call.params.json_list("SecurityGroupIds", 100)?;
    ids.extend(call.params.string("SecurityGroupId"));
    let kind = call
        .params
        .get("SecurityGroupType")
        .map(|t| {
            GroupKind::from_api_name(t)
                .ok_or_else(|| ApiError::of(Code::InvalidParameterSecurityGroupType))
        })
        .transpose()?;
    let filter = GroupFilter {
        ids,
        vpc_id: call.params.string("VpcId"),
        kind,
        name: call.params.string("SecurityGroupName"),
        tags: tag_filter(&call)?,
    };
    let (account, request, filter_region) =
        (call.account_id.clone(), paging.request, region.clone());
    let page = call
        .read(move |tx| {
            let page = groups::describe(tx, &account, &filter_region, &filter, request)?;
            with_tags(tx, page, |(g, _)| &g.id)
        })
        .await?;
    let mut out = paging.fields(&page, true);
    out.insert("RegionId", region);
    let limits = &call.app.limits;
    let items = page.items.iter().map(|((g, usage), tags)| {
        let capacity = match g.kind {
            GroupKind::Basic => limits.basic_group_capacity,
            GroupKind::Advanced => limits.advanced_group_capacity,
        };
        render::group(g, usage.members, capacity, usage.rules, tags)
    });
    out.insert("SecurityGroups", render::wrap("SecurityGroup", items));
    Ok(out)
}

pub async fn modify(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let id = call.params.required("SecurityGroupId")?.to_string();
    let name = call.params.string("SecurityGroupName");
    let description = call.params.string("Description");
    call.write(&region, move |tx, ctx| {
        groups::modify(tx, ctx, &id, name, description)
    })
    .await?;
    empty()
}

pub async fn delete(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let id = call.params.required("SecurityGroupId")?.to_string();
    call.write(&region, move |tx, ctx| groups::delete(tx, ctx, &id))
        .await?;
    empty()
}

/// The member a Join/Leave call names, and the region it acts in. RegionId may be left out
/// in the instance form: the instance's own region is used.
async fn member_and_region(call: &Call) -> Result<(Member, String), ApiError> {
    let instance = call.params.string("InstanceId");
    let eni = call.params.string("NetworkInterfaceId");
    match (instance, eni) {
        (Some(_), Some(_)) => Err(ApiError::with(
            Code::EniIdAndInstanceIdConflict,
            "InstanceId and NetworkInterfaceId cannot be specified together.",
        )),
        (None, None) => Err(ApiError::missing("InstanceId")),
        (None, Some(eni)) => Ok((Member::Eni(eni), call.region(MissingRegion::Specific)?)),
        (Some(instance), None) => {
            let region = match call.params.get("RegionId") {
                Some(region) => call.known_region(region)?,
                None => {
                    let (account, id) = (call.account_id.clone(), instance.clone());
                    call.read(move |tx| {
                        tx.instance(&account, None, &id)?
                            .map(|i| i.region_id)
                            .ok_or_else(|| {
                                OpError::from(DomainError::NotFound(ResourceKind::Instance, id))
                            })
                    })
                    .await?
                }
            };
            Ok((Member::Instance(instance), region))
        }
    }
}

pub async fn join(call: Call) -> Answer {
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let (member, region) = member_and_region(&call).await?;
    call.write(&region, move |tx, ctx| {
        membership::join(tx, ctx, &member, &group_id)
    })
    .await?;
    empty()
}

pub async fn leave(call: Call) -> Answer {
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let (member, region) = member_and_region(&call).await?;
    call.write(&region, move |tx, ctx| {
        membership::leave(tx, ctx, &member, &group_id)
    })
    .await?;
    empty()
}
