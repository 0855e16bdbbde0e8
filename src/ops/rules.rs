//! Security group rules: Authorize, Revoke and Modify in both directions, the group's inner
//! access policy, and the rules as DescribeSecurityGroupAttribute lists them.

use std::collections::HashMap;

use super::{load_group, Ctx, OpResult};
use crate::model::permissions::{self, Direction, Permission, RawPermission, Rule, RuleSpec};
use crate::model::{DomainError, ResourceKind, SecurityGroup};
use crate::store::{Page, PageRequest, Tx};

/// Which rules a Revoke call removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// `SecurityGroupRuleId.N`: each must be a rule of the group in the call's direction.
    Ids(Vec<String>),
    /// `Permissions.N` or the flat form: the rules they describe, where the group has them.
    Permissions(Vec<RawPermission>),
}

/// A group and a page of its rules, with the names of the groups the rules name.
#[derive(Debug, Clone)]
pub struct GroupRules {
    pub group: SecurityGroup,
    pub rules: Page<Rule>,
    pub group_names: HashMap<String, String>,
}

fn check_all(raw: &[RawPermission], direction: Direction) -> OpResult<Vec<Permission>> {
    raw.iter()
        .map(|p| permissions::check_permission(p, direction).map_err(Into::into))
        .collect()
}

/// The group a rule names on its far side must be one it may name.
fn check_peer(tx: &dyn Tx, ctx: &Ctx, group: &SecurityGroup, spec: &RuleSpec) -> OpResult<()> {
    let Some(peer_id) = spec.peer_group() else {
        return Ok(());
    };
    let peer = tx.group(&ctx.account_id, &ctx.region_id, peer_id)?;
    permissions::check_peer_group(group, spec.direction, peer_id, peer.as_ref())?;
    Ok(())
}

pub fn authorize(
    tx: &dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    raw: &[RawPermission],
) -> OpResult<()> {
    let wanted = check_all(raw, direction)?;
    let group = load_group(tx, ctx, group_id)?;
    for p in &wanted {
        check_peer(tx, ctx, &group, &p.spec)?;
    }
    let existing = tx.rules_of_group(&group.id)?;
    let fresh = permissions::new_rules(&existing, &wanted)?;
    permissions::check_capacity(&existing, fresh.iter().map(|p| &p.spec), &ctx.limits)?;
    let mut ids = vec![group.id.clone()];
    for p in fresh {
        let rule = Rule {
            id: ctx.new_id("sgr"),
            group_id: group.id.clone(),
            spec: p.spec.clone(),
            description: p.description.clone(),
            created_at: ctx.now,
        };
        tx.insert_rule(&rule)?;
        ids.push(rule.id);
    }
    ctx.record(tx, ids)
}

pub fn revoke(
    tx: &dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    revocation: &Revocation,
) -> OpResult<()> {
    let named = match revocation {
        Revocation::Permissions(raw) => check_all(raw, direction)?,
        Revocation::Ids(_) => Vec::new(),
    };
    let group = load_group(tx, ctx, group_id)?;
    let existing = tx.rules_of_group(&group.id)?;
    let doomed: Vec<&Rule> = match revocation {
        Revocation::Ids(ids) => permissions::rules_by_id(&existing, direction, ids)?,
        Revocation::Permissions(_) => {
            permissions::check_distinct(&named)?;
            for p in &named {
                check_peer(tx, ctx, &group, &p.spec)?;
            }
            // A permission the group has no rule for removes nothing (ecs-api.md §4.16).
            named
                .iter()
                .filter_map(|p| permissions::matching(&existing, &p.spec))
                .collect()
        }
    };
    let mut ids = vec![group.id.clone()];
    for rule in doomed {
        tx.delete_rule(&rule.id)?;
        ids.push(rule.id.clone());
    }
    ctx.record(tx, ids)
}

/// Modify*Rule. With a rule id, the values given replace the rule's; without one, the values
/// name a rule of the group and only its description changes.
pub fn modify(
    tx: &dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    direction: Direction,
    rule_id: Option<&str>,
    change: &RawPermission,
) -> OpResult<()> {
    let group = load_group(tx, ctx, group_id)?;
    let existing = tx.rules_of_group(&group.id)?;
    let updated = match rule_id {
        Some(id) => {
            let rule = permissions::rule_by_id(&existing, direction, id)?;
            let permission = permissions::modified(rule, change)?;
            check_peer(tx, ctx, &group, &permission.spec)?;
            permissions::check_not_duplicate(&existing, &rule.id, &permission.spec)?;
            Rule {
                spec: permission.spec,
                description: permission.description,
                ..rule.clone()
            }
        }
        None => {
            let permission = permissions::check_permission(change, direction)?;
            check_peer(tx, ctx, &group, &permission.spec)?;
            let rule = permissions::matching(&existing, &permission.spec)
                .ok_or(DomainError::NoMatchingRule)?;
            Rule {
                description: change
                    .description
                    .clone()
                    .unwrap_or_else(|| rule.description.clone()),
                ..rule.clone()
            }
        }
    };
    tx.update_rule(&updated)?;
    ctx.record(tx, vec![group.id, updated.id])
}

/// ModifySecurityGroupPolicy: whether members of a basic group reach each other.
pub fn set_inner_access_policy(
    tx: &dyn Tx,
    ctx: &Ctx,
    group_id: &str,
    value: Option<&str>,
) -> OpResult<()> {
    let policy = permissions::parse_inner_access_policy(value)?;
    let mut group = load_group(tx, ctx, group_id)?;
    permissions::check_inner_access_policy_change(&group)?;
    group.inner_access_policy = policy.to_string();
    tx.update_group(&group)?;
    ctx.record(tx, vec![group.id])
}

/// DescribeSecurityGroupAttribute: the group and a page of its rules.
pub fn describe(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    group_id: &str,
    direction: Option<Direction>,
    page: PageRequest,
) -> OpResult<GroupRules> {
    let group = tx
        .group(account, region, group_id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::SecurityGroup, group_id.to_string()))?;
    let rules = tx.rules(&group.id, direction, page)?;
    let mut group_names = HashMap::new();
    for peer in rules.items.iter().filter_map(|r| r.spec.peer_group()) {
        if !group_names.contains_key(peer) {
            // A named group cannot be deleted, so it is always found.
            let name = tx
                .group(account, region, peer)?
                .map(|g| g.name)
                .unwrap_or_default();
            group_names.insert(peer.to_string(), name);
        }
    }
    Ok(GroupRules {
        group,
        rules,
        group_names,
    })
}
