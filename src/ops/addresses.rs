//! Secondary private addresses of an ENI: AssignPrivateIpAddresses, UnassignPrivateIpAddresses.

use super::enis::{load_eni, load_instance};
use super::{allocate_ip, load_vswitch, Ctx, OpResult};
use crate::model::rules;
use crate::model::{net, DomainError, Eni, EniStatus};
use crate::store::Tx;

/// Addresses an ENI may carry when no instance type says otherwise (1 primary + 49, the most
/// CreateNetworkInterface hands out).
const UNATTACHED_ADDRESS_LIMIT: u32 = 50;

/// The ENI in a state that allows address changes: Available or InUse, and when attached, on a
/// Running or Stopped instance. Returns the address limit that applies to it.
fn changeable(tx: &dyn Tx, ctx: &Ctx, eni: &Eni) -> OpResult<u32> {
    rules::check_eni_status(eni, &[EniStatus::Available, EniStatus::InUse])?;
    match &eni.instance_id {
        None => Ok(UNATTACHED_ADDRESS_LIMIT),
        Some(instance_id) => {
            let instance = load_instance(tx, ctx, instance_id)?;
            rules::check_instance_settled(&instance)?;
            Ok(ctx
                .catalog
                .instance_type(&instance.instance_type)
                .map_or(UNATTACHED_ADDRESS_LIMIT, |t| t.private_ips_per_eni))
        }
    }
}

/// Adds the requested addresses, or `count` free ones, to the ENI. Returns what was assigned.
pub fn assign(
    tx: &dyn Tx,
    ctx: &Ctx,
    eni_id: &str,
    requested: Vec<String>,
    count: u32,
) -> OpResult<Vec<String>> {
    let eni = load_eni(tx, ctx, eni_id)?;
    let limit = changeable(tx, ctx, &eni)?;
    let adding = requested.len() + count as usize;
    rules::check_private_ip_count(eni.private_ips.len() + adding, limit)?;
    let vswitch = load_vswitch(tx, ctx, &eni.vswitch_id)?;
    let wanted = requested
        .iter()
        .map(|ip| Some(ip.as_str()))
        .chain((0..count).map(|_| None));
    let mut assigned = Vec::with_capacity(adding);
    for address in wanted {
        let address = allocate_ip(tx, &vswitch, address)?;
        tx.add_private_ip(&eni, &address)?;
        assigned.push(address);
    }
    ctx.record(tx, vec![eni.id])?;
    Ok(assigned)
}

/// Removes secondary addresses from the ENI; its primary address never goes.
pub fn unassign(tx: &dyn Tx, ctx: &Ctx, eni_id: &str, addresses: &[String]) -> OpResult<()> {
    let eni = load_eni(tx, ctx, eni_id)?;
    changeable(tx, ctx, &eni)?;
    for address in addresses {
        let secondary = eni
            .private_ips
            .iter()
            .any(|ip| !ip.primary && ip.address == *address);
        if !secondary {
            return Err(DomainError::NotSecondaryAddress(address.clone()).into());
        }
        let n = net::ip_to_u32(address).ok_or_else(|| DomainError::IpMalformed(address.clone()))?;
        tx.remove_private_ip(&eni.vswitch_id, n)?;
    }
    ctx.record(tx, vec![eni.id])?;
    Ok(())
}
