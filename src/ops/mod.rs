//! Operations: the only code that changes state. Each runs in ONE transaction (`Store::write`):
//! load → check the domain rules → write → append an event. A failed operation leaves no
//! trace. The API and the console reach state only through these functions.

pub mod accounts;
pub mod addresses;
pub mod enis;
pub mod groups;
pub mod idempotency;
pub mod instances;
pub mod membership;
pub mod rules;
pub mod tags;
pub mod transitions;
pub mod vpcs;

use crate::model::catalog::Catalog;
use crate::model::{net, DomainError, Limits, ResourceKind, SecurityGroup, VSwitch};
use crate::store::{Event, StoreFault, Tx};

/// Who is acting, in which request and region, and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account_id: String,
    /// The AccessKey that signed the call; `None` when the server acts on its own (settling).
    pub access_key_id: Option<String>,
    pub request_id: String,
    pub action: &'static str,
    pub region_id: String,
    pub now: i64,
    /// When a transition this operation starts settles (milliseconds since the epoch); `None`
    /// when transitions complete within the call (no transition delay is configured).
    pub settles_at: Option<i64>,
    pub catalog: Catalog,
    pub limits: Limits,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreFault),
    /// A `DryRun=true` request passed every check; its writes are rolled back.
    #[error("the request passed every check (DryRun)")]
    DryRunPassed,
}

pub type OpResult<T> = Result<T, OpError>;

impl Ctx {
    /// The region's id code, which starts the body of every id made in it.
    pub fn id_code(&self) -> &str {
        self.catalog
            .region(&self.region_id)
            .map(|r| r.id_code.as_str())
            .unwrap_or("xx")
    }

    /// The same caller acting in the region of a resource named without a RegionId.
    pub fn in_region(&self, region_id: &str) -> Ctx {
        Ctx {
            region_id: region_id.to_string(),
            ..self.clone()
        }
    }

    pub fn new_id(&self, prefix: &str) -> String {
        crate::model::ids::new_id(prefix, self.id_code())
    }

    /// Appends this operation's line to the event log (inside the operation's transaction).
    pub fn record(&self, tx: &dyn Tx, resource_ids: Vec<String>) -> OpResult<()> {
        self.record_event(tx, resource_ids)?;
        Ok(())
    }

    /// `record`, answering the event's sequence number (the transitions it starts point at it).
    pub fn record_event(&self, tx: &dyn Tx, resource_ids: Vec<String>) -> OpResult<i64> {
        let seq = tx.append_event(&Event {
            at: self.now,
            account_id: self.account_id.clone(),
            access_key_id: self.access_key_id.clone(),
            region_id: self.region_id.clone(),
            action: self.action.to_string(),
            resource_ids,
            request_id: self.request_id.clone(),
        })?;
        Ok(seq)
    }
}

fn not_found(kind: ResourceKind, id: &str) -> DomainError {
    DomainError::NotFound(kind, id.to_string())
}

pub(crate) fn load_group(tx: &dyn Tx, ctx: &Ctx, id: &str) -> OpResult<SecurityGroup> {
    tx.group(&ctx.account_id, &ctx.region_id, id)?
        .ok_or_else(|| not_found(ResourceKind::SecurityGroup, id).into())
}

pub(crate) fn load_groups(tx: &dyn Tx, ctx: &Ctx, ids: &[String]) -> OpResult<Vec<SecurityGroup>> {
    ids.iter().map(|id| load_group(tx, ctx, id)).collect()
}

pub(crate) fn load_vswitch(tx: &dyn Tx, ctx: &Ctx, id: &str) -> OpResult<VSwitch> {
    tx.vswitch(&ctx.account_id, &ctx.region_id, id)?
        .ok_or_else(|| not_found(ResourceKind::VSwitch, id).into())
}

/// Capacity (rule g) of every group in `groups` that `joining` new members would enter.
pub(crate) fn check_capacities(
    tx: &dyn Tx,
    ctx: &Ctx,
    groups: &[&SecurityGroup],
    joining: u64,
) -> OpResult<()> {
    for group in groups {
        let members = tx.member_count(&group.id)?;
        crate::model::rules::check_capacity(
            group,
            members + joining.saturating_sub(1),
            &ctx.limits,
        )?;
    }
    Ok(())
}

/// A private address in the vSwitch: the requested one if it is free, else the lowest free.
pub(crate) fn allocate_ip(
    tx: &dyn Tx,
    vswitch: &VSwitch,
    requested: Option<&str>,
) -> OpResult<String> {
    match requested {
        Some(address) => {
            let n = net::check_requested_ip(address, &vswitch.cidr_block)?;
            if tx.ip_taken(&vswitch.id, n)? {
                return Err(DomainError::IpInUse(address.to_string()).into());
            }
            Ok(net::ip_to_string(n))
        }
        None => {
            let (first, last) = net::assignable_range(&vswitch.cidr_block);
            let n = tx
                .free_ip(&vswitch.id, first, last)?
                .ok_or(DomainError::IpExhausted)?;
            Ok(net::ip_to_string(n))
        }
    }
}
