//! Security group rules: AuthorizeSecurityGroup(Egress), RevokeSecurityGroup(Egress),
//! ModifySecurityGroup(Egress)Rule, DescribeSecurityGroupAttribute and
//! ModifySecurityGroupPolicy.

use std::collections::HashMap;

use crate::doc::Fields;
use crate::obj;

use super::{empty, paging, render, Answer, Call, MissingRegion};
use crate::errors::{ApiError, Code};
use crate::model::permissions::{Direction, NicType, RawPermission, Rule};
use crate::ops::rules::{self, Revocation};
use crate::store::PageRequest;
use crate::wire::params::Params;

/// `Permissions.N` and `SecurityGroupRuleId.N` run from 1 to 100.
const MAX_LISTED: usize = 100;

/// DescribeSecurityGroupAttribute's `MaxResults`: clamped to 10–1000, 500 when absent.
const RULE_PAGE_MIN: u64 = 10;
const RULE_PAGE_MAX: u64 = 1000;
const RULE_PAGE_DEFAULT: u64 = 500;

fn forms_mixed() -> ApiError {
    ApiError::of(Code::InvalidParamPermissions)
}

/// Whether any deprecated flat rule parameter (`IpProtocol`, `SourceCidrIp`, …) is given.
fn has_flat_form(params: &Params) -> bool {
    RawPermission::PARAMETERS
        .iter()
        .any(|name| params.get(name).is_some())
}

/// The permissions of an Authorize or Revoke call: `Permissions.N.*`, or the deprecated flat
/// parameters, never both.
fn permissions(params: &Params) -> Result<Vec<RawPermission>, ApiError> {
    if !params.has_list("Permissions") {
        return Ok(vec![RawPermission::read("", |name| params.string(name))]);
    }
    if has_flat_form(params) {
        return Err(forms_mixed());
    }
    let listed: Vec<RawPermission> = (1..=MAX_LISTED)
        .map(|n| format!("Permissions.{n}"))
        .filter(|at| params.has_list(at))
        .map(|at| RawPermission::read(&at, |name| params.string(name)))
        .collect();
    if listed.is_empty() {
        // Only indexes outside 1–100 were given.
        return Err(ApiError::invalid("Permissions"));
    }
    Ok(listed)
}

/// What a Revoke call removes: rules by `SecurityGroupRuleId.N`, or by their values.
fn revocation(params: &Params) -> Result<Revocation, ApiError> {
    if !params.has_list("SecurityGroupRuleId") {
        return permissions(params).map(Revocation::Permissions);
    }
    if params.has_list("Permissions") || has_flat_form(params) {
        return Err(forms_mixed());
    }
    let ids = params.list("SecurityGroupRuleId", MAX_LISTED)?;
    if ids.is_empty() {
        return Err(ApiError::of(Code::InvalidParamSecurityGroupRuleId));
    }
    Ok(Revocation::Ids(ids))
}

async fn authorize_in(call: Call, direction: Direction) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let raw = permissions(&call.params)?;
    // Takes a ClientToken like the creating calls (ecs-api.md §2.3).
    call.write_idempotent(
        &region,
        move |tx, ctx| rules::authorize(tx, ctx, &group_id, direction, &raw),
        |()| Fields::new(),
    )
    .await
}

pub async fn authorize(call: Call) -> Answer {
    authorize_in(call, Direction::Ingress).await
}

pub async fn authorize_egress(call: Call) -> Answer {
    authorize_in(call, Direction::Egress).await
}

async fn revoke_in(call: Call, direction: Direction) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let what = revocation(&call.params)?;
    call.write_idempotent(
        &region,
        move |tx, ctx| rules::revoke(tx, ctx, &group_id, direction, &what),
        |()| Fields::new(),
    )
    .await
}

pub async fn revoke(call: Call) -> Answer {
    revoke_in(call, Direction::Ingress).await
}

pub async fn revoke_egress(call: Call) -> Answer {
    revoke_in(call, Direction::Egress).await
}

async fn modify_in(call: Call, direction: Direction) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let rule_id = call.params.string("SecurityGroupRuleId");
    let change = RawPermission::read("", |name| call.params.string(name));
    call.write(&region, move |tx, ctx| {
        rules::modify(tx, ctx, &group_id, direction, rule_id.as_deref(), &change)
    })
    .await?;
    empty()
}

pub async fn modify_rule(call: Call) -> Answer {
    modify_in(call, Direction::Ingress).await
}

pub async fn modify_egress_rule(call: Call) -> Answer {
    modify_in(call, Direction::Egress).await
}

pub async fn modify_policy(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let policy = call.params.string("InnerAccessPolicy");
    call.write(&region, move |tx, ctx| {
        rules::set_inner_access_policy(tx, ctx, &group_id, policy.as_deref())
    })
    .await?;
    empty()
}

pub async fn describe_attribute(call: Call) -> Answer {
    let region = call.region(MissingRegion::Specific)?;
    let group_id = call.params.required("SecurityGroupId")?.to_string();
    let direction = match call.params.get("Direction") {
        None | Some("all") => None,
        Some(d) => {
            Some(Direction::from_api_name(d).ok_or_else(|| ApiError::of(Code::InvalidDirection))?)
        }
    };
    // Rules of VPC groups are all intranet, and both values list them (the API turns
    // `internet` into `intranet` for VPC groups); only other values are refused.
    if let Some(nic_type) = call.params.get("NicType") {
        NicType::parse(nic_type)
            .ok_or_else(|| ApiError::of(Code::InvalidNicTypeValueNotSupported))?;
    }
    let limit = call
        .params
        .int("MaxResults")?
        .map(|n| (n.max(0) as u64).clamp(RULE_PAGE_MIN, RULE_PAGE_MAX))
        .unwrap_or(RULE_PAGE_DEFAULT);
    let after = call
        .params
        .get("NextToken")
        .map(paging::decode_token)
        .transpose()?
        .unwrap_or(0);
    let (account, read_region) = (call.account_id.clone(), region.clone());
    let found = call
        .read(move |tx| {
            rules::describe(
                tx,
                &account,
                &read_region,
                &group_id,
                direction,
                PageRequest::After { after, limit },
            )
        })
        .await?;
    let group = &found.group;
    let items = found
        .rules
        .items
        .iter()
        .map(|rule| permission(rule, &found.group_names));
    let mut out = Fields::new();
    out.insert("RegionId", region);
    out.insert("SecurityGroupId", group.id.clone());
    out.insert("SecurityGroupName", group.name.clone());
    out.insert("Description", group.description.clone());
    out.insert("VpcId", group.vpc_id.clone());
    out.insert("InnerAccessPolicy", group.inner_access_policy.clone());
    let next = found.rules.next_after.map(paging::encode_token);
    out.insert("NextToken", next.unwrap_or_default());
    out.insert("Permissions", render::wrap("Permission", items));
    Ok(out)
}

/// One rule in the shape of `Permissions.Permission[]`: every field present, unset ones empty.
fn permission(rule: &Rule, group_names: &HashMap<String, String>) -> Fields {
    let s = &rule.spec;
    let name = |id: &str| group_names.get(id).cloned().unwrap_or_default();
    obj! {
        "SecurityGroupRuleId" => &rule.id,
        "Direction" => s.direction.api_name(),
        "IpProtocol" => s.protocol.api_name(),
        "PortRange" => &s.port_range,
        "SourcePortRange" => &s.source_port_range,
        "SourceCidrIp" => &s.source_cidr_ip,
        "Ipv6SourceCidrIp" => &s.ipv6_source_cidr_ip,
        "SourceGroupId" => &s.source_group_id,
        "SourceGroupName" => name(&s.source_group_id),
        "SourceGroupOwnerAccount" => &s.source_group_owner_account,
        "SourcePrefixListId" => &s.source_prefix_list_id,
        "SourcePrefixListName" => "",
        "DestCidrIp" => &s.dest_cidr_ip,
        "Ipv6DestCidrIp" => &s.ipv6_dest_cidr_ip,
        "DestGroupId" => &s.dest_group_id,
        "DestGroupName" => name(&s.dest_group_id),
        "DestGroupOwnerAccount" => &s.dest_group_owner_account,
        "DestPrefixListId" => &s.dest_prefix_list_id,
        "DestPrefixListName" => "",
        "PortRangeListId" => "",
        "PortRangeListName" => "",
        "Policy" => s.policy.api_name(),
        "Priority" => s.priority,
        "NicType" => s.nic_type.api_name(),
        "Description" => &rule.description,
        "CreateTime" => render::time_seconds(rule.created_at),
    }
}
