//! Security groups themselves (their membership is in `membership`).

use super::{load_group, Ctx, OpResult};
use crate::model::permissions::{self, RuleCounts};
use crate::model::{names, DomainError, GroupKind, ResourceKind, SecurityGroup};
use crate::store::{GroupFilter, Page, PageRequest, Tx};

#[derive(Clone)]
pub struct NewGroup {
    pub vpc_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: GroupKind,
}

pub fn create(tx: &dyn Tx, ctx: &Ctx, req: NewGroup) -> OpResult<SecurityGroup> {
    if let Some(name) = &req.name {
        names::check_name("SecurityGroupName", name)?;
    }
    if let Some(description) = &req.description {
        names::check_description("Description", description, 256)?;
    }
    let vpc = tx
        .vpc(&ctx.account_id, &ctx.region_id, &req.vpc_id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::Vpc, req.vpc_id.clone()))?;
    let count = tx.count_groups(&ctx.account_id, &ctx.region_id)?;
    if count >= ctx.limits.security_groups_per_region {
        return Err(DomainError::QuotaExceeded {
            what: "security groups",
            limit: ctx.limits.security_groups_per_region,
        }
        .into());
    }
    let group = SecurityGroup {
        id: ctx.new_id("sg"),
        region_id: ctx.region_id.clone(),
        vpc_id: vpc.id,
        name: req.name.unwrap_or_default(),
        description: req.description.unwrap_or_default(),
        kind: req.kind,
        inner_access_policy: req.kind.default_inner_access_policy().to_string(),
        created_at: ctx.now,
    };
    tx.insert_group(&ctx.account_id, &group)?;
    ctx.record(tx, vec![group.id.clone()])?;
    Ok(group)
}

pub fn modify(
    tx: &dyn Tx,
    ctx: &Ctx,
    id: &str,
    name: Option<String>,
    description: Option<String>,
) -> OpResult<()> {
    let mut group = load_group(tx, ctx, id)?;
    if let Some(name) = name {
        names::check_name("SecurityGroupName", &name)?;
        group.name = name;
    }
    if let Some(description) = description {
        names::check_description("Description", &description, 256)?;
        group.description = description;
    }
    tx.update_group(&group)?;
    ctx.record(tx, vec![group.id])?;
    Ok(())
}

pub fn delete(tx: &dyn Tx, ctx: &Ctx, id: &str) -> OpResult<()> {
    let group = load_group(tx, ctx, id)?;
    if tx.member_count(&group.id)? > 0 {
        return Err(DomainError::GroupInUse(group.id).into());
    }
    permissions::check_not_referenced(&group.id, tx.referencing_rule_count(&group.id)?)?;
    tx.delete_group(&group.id)?;
    ctx.record(tx, vec![group.id])?;
    Ok(())
}

/// What DescribeSecurityGroups counts of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupUsage {
    /// Instances through primary ENIs, plus secondary ENIs.
    pub members: u64,
    pub rules: RuleCounts,
}

/// Groups with their member and rule counts.
pub fn describe(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &GroupFilter,
    page: PageRequest,
) -> OpResult<Page<(SecurityGroup, GroupUsage)>> {
    let groups = tx.groups(account, region, filter, page)?;
    groups.try_map(|g| {
        let usage = GroupUsage {
            members: tx.member_count(&g.id)?,
            rules: tx.rule_counts(&g.id)?,
        };
        Ok((g, usage))
    })
}
