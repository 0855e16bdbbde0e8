//! VPCs and vSwitches (the VPC API calls the ENI and instance calls depend on).

use super::{Ctx, OpResult};
use crate::model::{names, net, DomainError, ResourceKind, VSwitch, Vpc};
use crate::store::{Page, PageRequest, Tx, VSwitchFilter, VpcFilter};

#[derive(Clone)]
pub struct NewVpc {
    pub cidr_block: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The block a VPC gets when CreateVpc names none.
const DEFAULT_VPC_CIDR: &str = "172.16.0.0/12";

pub fn create_vpc(tx: &dyn Tx, ctx: &Ctx, req: NewVpc) -> OpResult<Vpc> {
    let cidr = req.cidr_block.as_deref().unwrap_or(DEFAULT_VPC_CIDR);
    net::check_vpc_cidr(cidr)?;
    if let Some(name) = &req.name {
        names::check_label("VpcName", name, 128)?;
    }
    if let Some(description) = &req.description {
        names::check_label("Description", description, 256)?;
    }
    let count = tx.count_vpcs(&ctx.account_id, &ctx.region_id)?;
    if count >= ctx.limits.vpcs_per_region {
        return Err(DomainError::QuotaExceeded {
            what: "VPCs",
            limit: ctx.limits.vpcs_per_region,
        }
        .into());
    }
    let vpc = Vpc {
        id: ctx.new_id("vpc"),
        region_id: ctx.region_id.clone(),
        name: req.name.unwrap_or_default(),
        description: req.description.unwrap_or_default(),
        cidr_block: cidr.to_string(),
        // Creation is immediate here; the real service passes through Pending.
        status: "Available".into(),
        vrouter_id: ctx.new_id("vrt"),
        route_table_id: ctx.new_id("vtb"),
        created_at: ctx.now,
    };
    tx.insert_vpc(&ctx.account_id, &vpc)?;
    ctx.record(tx, vec![vpc.id.clone()])?;
    Ok(vpc)
}

#[derive(Clone)]
pub struct NewVSwitch {
    pub vpc_id: String,
    pub zone_id: String,
    pub cidr_block: String,
    pub name: Option<String>,
    pub description: Option<String>,
}

pub fn create_vswitch(tx: &dyn Tx, ctx: &Ctx, req: NewVSwitch) -> OpResult<VSwitch> {
    let vpc = tx
        .vpc(&ctx.account_id, &ctx.region_id, &req.vpc_id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::Vpc, req.vpc_id.clone()))?;
    if ctx.catalog.zone(&ctx.region_id, &req.zone_id).is_none() {
        return Err(DomainError::NotFound(ResourceKind::Zone, req.zone_id.clone()).into());
    }
    if let Some(name) = &req.name {
        names::check_label("VSwitchName", name, 128)?;
    }
    if let Some(description) = &req.description {
        names::check_label("Description", description, 256)?;
    }
    let siblings = tx.vswitch_cidrs_of_vpc(&vpc.id)?;
    net::check_vswitch_cidr(
        &req.cidr_block,
        &vpc.cidr_block,
        siblings.iter().map(String::as_str),
    )?;
    if siblings.len() as u64 >= ctx.limits.vswitches_per_vpc {
        return Err(DomainError::QuotaExceeded {
            what: "vSwitches",
            limit: ctx.limits.vswitches_per_vpc,
        }
        .into());
    }
    let vswitch = VSwitch {
        id: ctx.new_id("vsw"),
        region_id: ctx.region_id.clone(),
        vpc_id: vpc.id,
        zone_id: req.zone_id,
        name: req.name.unwrap_or_default(),
        description: req.description.unwrap_or_default(),
        cidr_block: req.cidr_block,
        status: "Available".into(),
        created_at: ctx.now,
    };
    tx.insert_vswitch(&ctx.account_id, &vswitch)?;
    ctx.record(tx, vec![vswitch.id.clone()])?;
    Ok(vswitch)
}

/// A VPC as DescribeVpcs shows it: with its vSwitches.
pub fn describe_vpcs(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &VpcFilter,
    page: PageRequest,
) -> OpResult<Page<(Vpc, Vec<String>)>> {
    let vpcs = tx.vpcs(account, region, filter, page)?;
    vpcs.try_map(|vpc| {
        let vswitches = tx.vswitch_ids_of_vpc(&vpc.id)?;
        Ok((vpc, vswitches))
    })
}

/// A vSwitch with the number of addresses still free in it.
pub fn describe_vswitches(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &VSwitchFilter,
    page: PageRequest,
) -> OpResult<Page<(VSwitch, u64)>> {
    let vswitches = tx.vswitches(account, region, filter, page)?;
    vswitches.try_map(|v| {
        let used = tx.used_ip_count(&v.id)?;
        let free = net::assignable_count(&v.cidr_block).saturating_sub(used);
        Ok((v, free))
    })
}
