//! Asynchronous states. An operation that starts a transition (attach, detach, delete an ENI;
//! launch, create, start, stop an instance) either completes it within the call (no delay
//! configured) or puts the resource in its transitional state and records, with its own
//! event and in the same transaction, a transition due at `Ctx::settles_at`. The settler
//! (`crate::settler`) later ends each due transition with `settle`, an operation of its own.

use super::{Ctx, OpResult};
use crate::model::catalog::Catalog;
use crate::model::rules;
use crate::model::transitions::{EniTransition, InstanceTransition, Transition};
use crate::model::{Eni, Instance, InstanceStatus, Limits};
use crate::store::{PendingTransition, Tx};

/// Records the operation's event and, when transitions are deferred, the transitions it
/// started (resource id and transition), all due at `ctx.settles_at`.
pub(crate) fn record_started(
    tx: &dyn Tx,
    ctx: &Ctx,
    event_ids: Vec<String>,
    started: &[(&str, Transition)],
) -> OpResult<()> {
    let seq = ctx.record_event(tx, event_ids)?;
    if let Some(due) = ctx.settles_at {
        for (resource_id, transition) in started {
            tx.insert_transition(resource_id, *transition, due, seq)?;
        }
    }
    Ok(())
}

/// Puts an ENI through `transition`: to its end at once, or into its transitional state.
pub(crate) fn move_eni(
    tx: &dyn Tx,
    ctx: &Ctx,
    mut eni: Eni,
    transition: EniTransition,
    event_ids: Vec<String>,
) -> OpResult<()> {
    if ctx.settles_at.is_none() {
        // This call completes the transition; one an earlier delayed call left ends with it.
        tx.delete_transition(&eni.id)?;
        end_eni(tx, eni, transition)?;
        return ctx.record(tx, event_ids);
    }
    eni.status = transition.during();
    tx.update_eni(&eni)?;
    let started = [(eni.id.as_str(), Transition::Eni(transition))];
    record_started(tx, ctx, event_ids, &started)
}

fn end_eni(tx: &dyn Tx, mut eni: Eni, transition: EniTransition) -> OpResult<()> {
    match transition.end() {
        None => tx.delete_eni(&eni.id)?,
        Some(status) => {
            eni.status = status;
            if transition == EniTransition::Detach {
                eni.instance_id = None;
            }
            tx.update_eni(&eni)?;
        }
    }
    Ok(())
}

/// The status a new instance starts in and when it started running.
pub(crate) fn new_instance_status(
    ctx: &Ctx,
    transition: InstanceTransition,
) -> (InstanceStatus, Option<i64>) {
    match ctx.settles_at {
        None => {
            let status = transition.end();
            let running = status == InstanceStatus::Running;
            (status, running.then_some(ctx.now))
        }
        Some(_) => (transition.during(), None),
    }
}

/// Puts an instance through `transition`: to its end at once, or into its transitional state.
pub(crate) fn move_instance(
    tx: &dyn Tx,
    ctx: &Ctx,
    mut instance: Instance,
    transition: InstanceTransition,
) -> OpResult<()> {
    let event_ids = vec![instance.id.clone()];
    if ctx.settles_at.is_none() {
        tx.delete_transition(&instance.id)?;
        end_instance(tx, ctx, instance, transition)?;
        return ctx.record(tx, event_ids);
    }
    instance.status = transition.during();
    tx.update_instance(&instance)?;
    let started = [(instance.id.as_str(), Transition::Instance(transition))];
    record_started(tx, ctx, event_ids, &started)
}

fn end_instance(
    tx: &dyn Tx,
    ctx: &Ctx,
    mut instance: Instance,
    transition: InstanceTransition,
) -> OpResult<()> {
    instance.status = transition.end();
    if instance.status == InstanceStatus::Running {
        instance.started_at = Some(ctx.now);
    }
    tx.update_instance(&instance)?;
    Ok(())
}

/// The context a settlement runs in: the account and region of the call that started the
/// transition, its RequestId (which ties the two events together), and the settler's time.
pub fn settle_ctx(
    pending: &PendingTransition,
    now_ms: i64,
    catalog: &Catalog,
    limits: &Limits,
) -> Ctx {
    Ctx {
        account_id: pending.account_id.clone(),
        access_key_id: None,
        request_id: pending.request_id.clone(),
        action: pending.transition.settle_action(),
        region_id: pending.region_id.clone(),
        now: now_ms.div_euclid(1000),
        settles_at: None,
        catalog: catalog.clone(),
        limits: limits.clone(),
    }
}

/// What `settle` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The resource reached the end of its transition; an event records it.
    Ended,
    /// The resource had moved on (released, detached back, …): the transition is dropped.
    Stale,
    /// The transition is no longer the one read (a retry restarted it) or not yet due.
    Skipped,
}

/// Ends the transition `pending` (as the settler read it) if it is still the resource's and is
/// due at `now_ms`. One operation: the resource's final state and its own event.
pub fn settle(
    tx: &dyn Tx,
    ctx: &Ctx,
    pending: &PendingTransition,
    now_ms: i64,
) -> OpResult<Settled> {
    let id = pending.resource_id.as_str();
    match tx.transition(id)? {
        Some(current) if current.event_seq == pending.event_seq && current.due_at <= now_ms => {}
        _ => return Ok(Settled::Skipped),
    }
    tx.delete_transition(id)?;
    let mut event_ids = vec![id.to_string()];
    match pending.transition {
        Transition::Eni(transition) => {
            let eni = tx.eni(&ctx.account_id, &ctx.region_id, id)?;
            let Some(eni) = eni.filter(|e| rules::eni_transition_holds(e, transition)) else {
                return Ok(Settled::Stale);
            };
            event_ids.extend(eni.instance_id.clone());
            end_eni(tx, eni, transition)?;
        }
        Transition::Instance(transition) => {
            let instance = tx.instance(&ctx.account_id, Some(&ctx.region_id), id)?;
            let Some(instance) =
                instance.filter(|i| rules::instance_transition_holds(i, transition))
            else {
                return Ok(Settled::Stale);
            };
            end_instance(tx, ctx, instance, transition)?;
        }
    }
    ctx.record(tx, event_ids)?;
    Ok(Settled::Ended)
}
