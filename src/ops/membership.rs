//! JoinSecurityGroup and LeaveSecurityGroup, in both forms: an instance (its primary ENI
//! moves with it; secondary ENIs never do) or a secondary ENI.

use super::enis::{load_eni, load_instance};
use super::{check_capacities, load_group, load_groups, Ctx, OpResult};
use crate::model::rules;
use crate::model::{Eni, EniStatus, EniType, Owner, SecurityGroup};
use crate::store::{StoreFault, Tx};

/// Whose membership changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Instance(String),
    Eni(String),
}

/// The ENI whose group list changes and the owner it stands for.
struct Target {
    eni: Eni,
    owner: Owner,
    /// For an instance: its type, and whether that type may be in advanced groups.
    instance_type: Option<(String, bool)>,
}

fn target(tx: &dyn Tx, ctx: &Ctx, member: &Member) -> OpResult<Target> {
    match member {
        Member::Instance(id) => {
            let instance = load_instance(tx, ctx, id)?;
            rules::check_instance_settled(&instance)?;
            let primary = tx
                .enis_of_instance(&instance.id)?
                .into_iter()
                .find(|e| e.eni_type == EniType::Primary)
                .ok_or_else(|| StoreFault(format!("instance {id} has no primary ENI")))?;
            let supports = ctx
                .catalog
                .instance_type(&instance.instance_type)
                .is_none_or(|t| t.supports_advanced_groups);
            Ok(Target {
                eni: primary,
                owner: Owner::Instance,
                instance_type: Some((instance.instance_type, supports)),
            })
        }
        Member::Eni(id) => {
            let eni = load_eni(tx, ctx, id)?;
            rules::check_secondary(&eni)?;
            rules::check_eni_status(&eni, &[EniStatus::Available, EniStatus::InUse])?;
            Ok(Target {
                eni,
                owner: Owner::Eni,
                instance_type: None,
            })
        }
    }
}

fn limit_for(ctx: &Ctx, owner: Owner) -> usize {
    match owner {
        Owner::Instance => ctx.limits.groups_per_instance,
        Owner::Eni => ctx.limits.groups_per_eni,
    }
}

pub fn join(tx: &dyn Tx, ctx: &Ctx, member: &Member, group_id: &str) -> OpResult<()> {
    let group = load_group(tx, ctx, group_id)?;
    let Target {
        mut eni,
        owner,
        instance_type,
    } = target(tx, ctx, member)?;
    let current = load_groups(tx, ctx, &eni.security_group_ids)?;
    let current_refs: Vec<&SecurityGroup> = current.iter().collect();
    // Before the mixed-kind check: an instance whose type cannot use advanced groups is only
    // ever in basic ones, so that check would always answer first and hide this one.
    if let Some((type_id, supports)) = instance_type {
        rules::check_type_supports_kind(&type_id, supports, group.kind)?;
    }
    rules::check_join(
        owner,
        &eni.vpc_id,
        &current_refs,
        &group,
        limit_for(ctx, owner),
    )?;
    check_capacities(tx, ctx, &[&group], 1)?;
    eni.security_group_ids.push(group.id.clone());
    tx.update_eni(&eni)?;
    ctx.record(tx, vec![member_id(member), group.id])?;
    Ok(())
}

pub fn leave(tx: &dyn Tx, ctx: &Ctx, member: &Member, group_id: &str) -> OpResult<()> {
    let group = load_group(tx, ctx, group_id)?;
    let Target { mut eni, owner, .. } = target(tx, ctx, member)?;
    eni.security_group_ids = rules::check_leave(owner, &eni.security_group_ids, &group.id)?;
    tx.update_eni(&eni)?;
    ctx.record(tx, vec![member_id(member), group.id])?;
    Ok(())
}

fn member_id(member: &Member) -> String {
    match member {
        Member::Instance(id) | Member::Eni(id) => id.clone(),
    }
}
