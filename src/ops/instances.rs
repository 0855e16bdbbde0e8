//! Instances: launching (with their primary ENI), the lifecycle, and release.

use super::{allocate_ip, check_capacities, load_groups, load_vswitch, transitions, Ctx, OpResult};
use crate::model::rules::{self, Lifecycle};
use crate::model::transitions::{InstanceTransition, Transition};
use crate::model::{
    ids, names, net, DomainError, Eni, EniStatus, EniType, GroupKind, Instance, Owner, PrivateIp,
    ResourceKind, VSwitch,
};
use crate::store::{InstanceFilter, Page, PageRequest, Tx};

#[derive(Clone)]
pub struct Launch {
    pub zone_id: Option<String>,
    pub vswitch_id: String,
    pub security_group_ids: Vec<String>,
    pub instance_type: String,
    pub image_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub host_name: Option<String>,
    pub private_ip: Option<String>,
    pub amount: u32,
    /// RunInstances starts what it creates; CreateInstance leaves it Stopped.
    pub start: bool,
    /// Secondary ENIs created and attached with each instance (RunInstances `NetworkInterface.N`).
    pub secondary_enis: Vec<LaunchEni>,
}

/// A secondary ENI launched with its instance. Left out, the vSwitch and groups are the
/// instance's.
#[derive(Clone)]
pub struct LaunchEni {
    pub vswitch_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub primary_ip: Option<String>,
    pub delete_on_release: bool,
}

/// A launch ENI checked against the instance's placement and groups.
struct PlannedEni<'a> {
    spec: &'a LaunchEni,
    vswitch: VSwitch,
    security_group_ids: Vec<String>,
}

/// Rules b, c, e and f for the secondary ENIs of a launch, before anything is written.
fn plan_secondary_enis<'a>(
    tx: &dyn Tx,
    ctx: &Ctx,
    req: &'a Launch,
    vswitch: &VSwitch,
    kind: GroupKind,
    eni_quantity: u32,
) -> OpResult<Vec<PlannedEni<'a>>> {
    if 1 + req.secondary_enis.len() as u32 > eni_quantity {
        return Err(DomainError::EniPerInstanceLimit {
            limit: eni_quantity,
        }
        .into());
    }
    let mut planned = Vec::with_capacity(req.secondary_enis.len());
    for spec in &req.secondary_enis {
        if let Some(name) = &spec.name {
            names::check_name("NetworkInterfaceName", name)?;
        }
        if let Some(description) = &spec.description {
            names::check_description("Description", description, 256)?;
        }
        let eni_vswitch = match &spec.vswitch_id {
            Some(id) => load_vswitch(tx, ctx, id)?,
            None => vswitch.clone(),
        };
        if eni_vswitch.vpc_id != vswitch.vpc_id {
            return Err(DomainError::PlacementVpcMismatch.into());
        }
        if eni_vswitch.zone_id != vswitch.zone_id {
            return Err(DomainError::ZoneMismatch.into());
        }
        let ids = if spec.security_group_ids.is_empty() {
            req.security_group_ids.clone()
        } else {
            spec.security_group_ids.clone()
        };
        let groups = load_groups(tx, ctx, &ids)?;
        let refs: Vec<_> = groups.iter().collect();
        rules::check_group_set(
            Owner::Eni,
            &eni_vswitch.vpc_id,
            &refs,
            ctx.limits.groups_per_eni,
            Some(kind),
        )?;
        check_capacities(tx, ctx, &refs, u64::from(req.amount))?;
        planned.push(PlannedEni {
            spec,
            vswitch: eni_vswitch,
            security_group_ids: ids,
        });
    }
    let wanted = u64::from(req.amount) * planned.len() as u64;
    if !planned.is_empty()
        && tx.count_enis(&ctx.account_id, &ctx.region_id)? + wanted > ctx.limits.enis_per_region
    {
        return Err(DomainError::QuotaExceeded {
            what: "ENIs",
            limit: ctx.limits.enis_per_region,
        }
        .into());
    }
    Ok(planned)
}

/// Creates `amount` instances, each with a primary ENI in the given groups (all or nothing).
pub fn launch(tx: &dyn Tx, ctx: &Ctx, req: Launch) -> OpResult<Vec<String>> {
    let itype = ctx
        .catalog
        .instance_type(&req.instance_type)
        .ok_or_else(|| {
            DomainError::NotFound(ResourceKind::InstanceType, req.instance_type.clone())
        })?;
    if ctx.catalog.image(&req.image_id).is_none() {
        return Err(DomainError::NotFound(ResourceKind::Image, req.image_id.clone()).into());
    }
    if let Some(zone) = &req.zone_id {
        if ctx.catalog.zone(&ctx.region_id, zone).is_none() {
            return Err(DomainError::NotFound(ResourceKind::Zone, zone.clone()).into());
        }
    }
    if let Some(name) = &req.name {
        names::check_name("InstanceName", name)?;
    }
    if let Some(description) = &req.description {
        names::check_description("Description", description, 256)?;
    }
    let vswitch = load_vswitch(tx, ctx, &req.vswitch_id)?;
    if let Some(zone) = &req.zone_id {
        if *zone != vswitch.zone_id {
            return Err(DomainError::VSwitchZoneMismatch {
                zone_id: zone.clone(),
            }
            .into());
        }
    }
    let groups = load_groups(tx, ctx, &req.security_group_ids)?;
    let group_refs: Vec<_> = groups.iter().collect();
    let kind = rules::check_group_set(
        Owner::Instance,
        &vswitch.vpc_id,
        &group_refs,
        ctx.limits.groups_per_instance,
        None,
    )?;
    rules::check_type_supports_kind(itype.id, itype.supports_advanced_groups, kind)?;
    check_capacities(tx, ctx, &group_refs, u64::from(req.amount))?;
    let secondary = plan_secondary_enis(tx, ctx, &req, &vswitch, kind, itype.eni_quantity)?;

    let first_ip = req
        .private_ip
        .as_deref()
        .map(|ip| net::check_requested_ip(ip, &vswitch.cidr_block))
        .transpose()?;
    let transition = if req.start {
        InstanceTransition::Launch
    } else {
        InstanceTransition::Create
    };
    let (status, started_at) = transitions::new_instance_status(ctx, transition);
    let mut created = Vec::with_capacity(req.amount as usize);
    for n in 0..req.amount {
        let id = ctx.new_id("i");
        // With Amount > 1 a given PrivateIpAddress is the first of consecutive addresses.
        let requested = first_ip.map(|ip| net::ip_to_string(ip + n));
        let address = allocate_ip(tx, &vswitch, requested.as_deref())?;
        let instance = Instance {
            id: id.clone(),
            region_id: ctx.region_id.clone(),
            zone_id: vswitch.zone_id.clone(),
            vpc_id: vswitch.vpc_id.clone(),
            vswitch_id: vswitch.id.clone(),
            name: req.name.clone().unwrap_or_else(|| id.clone()),
            description: req.description.clone().unwrap_or_default(),
            host_name: req
                .host_name
                .clone()
                .unwrap_or_else(|| format!("iZ{}Z", &id[2..])),
            instance_type: itype.id.to_string(),
            image_id: req.image_id.clone(),
            status,
            created_at: ctx.now,
            started_at,
        };
        tx.insert_instance(&ctx.account_id, &instance)?;
        let primary = Eni {
            id: ctx.new_id("eni"),
            region_id: ctx.region_id.clone(),
            zone_id: vswitch.zone_id.clone(),
            vpc_id: vswitch.vpc_id.clone(),
            vswitch_id: vswitch.id.clone(),
            name: String::new(),
            description: String::new(),
            eni_type: EniType::Primary,
            status: EniStatus::InUse,
            instance_id: Some(id.clone()),
            mac_address: ids::new_mac(),
            private_ips: vec![PrivateIp {
                address,
                primary: true,
            }],
            security_group_ids: req.security_group_ids.clone(),
            delete_on_release: true,
            source_dest_check: false,
            queue_number: 1,
            created_at: ctx.now,
        };
        tx.insert_eni(&ctx.account_id, &primary)?;
        for plan in &secondary {
            let address = allocate_ip(tx, &plan.vswitch, plan.spec.primary_ip.as_deref())?;
            let eni = Eni {
                id: ctx.new_id("eni"),
                vswitch_id: plan.vswitch.id.clone(),
                name: plan.spec.name.clone().unwrap_or_default(),
                description: plan.spec.description.clone().unwrap_or_default(),
                eni_type: EniType::Secondary,
                mac_address: ids::new_mac(),
                private_ips: vec![PrivateIp {
                    address,
                    primary: true,
                }],
                security_group_ids: plan.security_group_ids.clone(),
                delete_on_release: plan.spec.delete_on_release,
                ..primary.clone()
            };
            tx.insert_eni(&ctx.account_id, &eni)?;
        }
        created.push(id);
    }
    let started: Vec<_> = created
        .iter()
        .map(|id| (id.as_str(), Transition::Instance(transition)))
        .collect();
    transitions::record_started(tx, ctx, created.clone(), &started)?;
    Ok(created)
}

fn load_instance(tx: &dyn Tx, ctx: &Ctx, region: Option<&str>, id: &str) -> OpResult<Instance> {
    tx.instance(&ctx.account_id, region, id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::Instance, id.to_string()).into())
}

/// StartInstance and StopInstance: Starting → Running, Stopping → Stopped.
pub fn set_running(tx: &dyn Tx, ctx: &Ctx, id: &str, running: bool) -> OpResult<()> {
    let instance = load_instance(tx, ctx, None, id)?;
    let ctx = &ctx.in_region(&instance.region_id);
    let (call, transition) = if running {
        (Lifecycle::Start, InstanceTransition::Start)
    } else {
        (Lifecycle::Stop, InstanceTransition::Stop)
    };
    rules::check_lifecycle(&instance, call)?;
    transitions::move_instance(tx, ctx, instance, transition)
}

/// Releases an instance: its primary ENI goes with it; secondary ENIs marked DeleteOnRelease
/// are deleted, the others detached back to Available. The instance leaves all its groups.
pub fn delete(tx: &dyn Tx, ctx: &Ctx, region: Option<&str>, id: &str, force: bool) -> OpResult<()> {
    let instance = load_instance(tx, ctx, region, id)?;
    let ctx = &ctx.in_region(&instance.region_id);
    rules::check_lifecycle(&instance, Lifecycle::Delete { force })?;
    let mut released = vec![instance.id.clone()];
    // A transition still running on the instance or its ENIs ends with the release.
    tx.delete_transition(&instance.id)?;
    for mut eni in tx.enis_of_instance(&instance.id)? {
        tx.delete_transition(&eni.id)?;
        if eni.eni_type == EniType::Primary || eni.delete_on_release {
            tx.delete_eni(&eni.id)?;
            released.push(eni.id);
        } else {
            eni.status = EniStatus::Available;
            eni.instance_id = None;
            tx.update_eni(&eni)?;
        }
    }
    tx.delete_instance(&instance.id)?;
    ctx.record(tx, released)?;
    Ok(())
}

/// Instances with their ENIs (primary first).
pub fn describe(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &InstanceFilter,
    page: PageRequest,
) -> OpResult<Page<(Instance, Vec<Eni>)>> {
    let instances = tx.instances(account, region, filter, page)?;
    instances.try_map(|i| {
        let enis = tx.enis_of_instance(&i.id)?;
        Ok((i, enis))
    })
}

#[derive(Clone)]
pub struct ModifyInstance {
    pub name: Option<String>,
    pub description: Option<String>,
    pub host_name: Option<String>,
    /// The instance's whole new set of groups.
    pub security_group_ids: Option<Vec<String>>,
}

/// ModifyInstanceAttribute: names, and with `SecurityGroupIds.N` the instance's whole set of
/// groups in one call — the only way to move an instance between basic and advanced groups.
pub fn modify_attribute(
    tx: &dyn Tx,
    ctx: &Ctx,
    region: Option<&str>,
    id: &str,
    req: ModifyInstance,
) -> OpResult<()> {
    if let Some(name) = &req.name {
        names::check_name("InstanceName", name)?;
    }
    if let Some(description) = &req.description {
        names::check_description("Description", description, 256)?;
    }
    let mut instance = load_instance(tx, ctx, region, id)?;
    let ctx = &ctx.in_region(&instance.region_id);
    if let Some(ids) = req.security_group_ids {
        rules::check_instance_settled(&instance)?;
        let groups = load_groups(tx, ctx, &ids)?;
        let refs: Vec<_> = groups.iter().collect();
        let kind = rules::check_group_set(
            Owner::Instance,
            &instance.vpc_id,
            &refs,
            ctx.limits.groups_per_instance,
            None,
        )?;
        if let Some(itype) = ctx.catalog.instance_type(&instance.instance_type) {
            rules::check_type_supports_kind(itype.id, itype.supports_advanced_groups, kind)?;
        }
        let mut enis = tx.enis_of_instance(&instance.id)?.into_iter();
        let mut primary = enis
            .next()
            .filter(|e| e.eni_type == EniType::Primary)
            .ok_or_else(|| crate::store::StoreFault(format!("instance {id} has no primary ENI")))?;
        // Rule c holds for as long as an ENI is attached: its kind must be the new one.
        for secondary in enis {
            let eni_kind =
                super::enis::group_kind(tx, ctx, Owner::Eni, &secondary.security_group_ids)?;
            if eni_kind != kind {
                return Err(DomainError::AttachKindMismatch.into());
            }
        }
        let joining: Vec<_> = refs
            .iter()
            .copied()
            .filter(|g| !primary.security_group_ids.contains(&g.id))
            .collect();
        check_capacities(tx, ctx, &joining, 1)?;
        primary.security_group_ids = ids;
        tx.update_eni(&primary)?;
    }
    if let Some(name) = req.name {
        instance.name = name;
    }
    if let Some(description) = req.description {
        instance.description = description;
    }
    if let Some(host_name) = req.host_name {
        instance.host_name = host_name;
    }
    tx.update_instance(&instance)?;
    ctx.record(tx, vec![instance.id])?;
    Ok(())
}

/// DeleteInstances: all of them or none.
pub fn delete_many(tx: &dyn Tx, ctx: &Ctx, ids: &[String], force: bool) -> OpResult<()> {
    for id in ids {
        delete(tx, ctx, Some(&ctx.region_id), id, force)?;
    }
    Ok(())
}
