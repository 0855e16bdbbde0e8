//! Elastic network interfaces: create, attach, detach, delete, modify.

use super::{allocate_ip, check_capacities, load_groups, load_vswitch, transitions, Ctx, OpResult};
use crate::model::rules;
use crate::model::tags::Tag;
use crate::model::transitions::EniTransition;
use crate::model::{
    ids, names, DomainError, Eni, EniStatus, EniType, GroupKind, Instance, Owner, PrivateIp,
    ResourceKind, SecurityGroup,
};
use crate::store::{EniFilter, EniRevision, Page, PageRequest, Tx};

#[derive(Clone)]
pub struct NewEni {
    pub vswitch_id: String,
    pub security_group_ids: Vec<String>,
    pub primary_ip: Option<String>,
    pub secondary_ips: Vec<String>,
    pub secondary_ip_count: u32,
    pub name: Option<String>,
    pub description: Option<String>,
    pub delete_on_release: bool,
    pub source_dest_check: bool,
    pub queue_number: u32,
}

pub fn create(tx: &dyn Tx, ctx: &Ctx, req: NewEni) -> OpResult<Eni> {
    if let Some(name) = &req.name {
        names::check_name("NetworkInterfaceName", name)?;
    }
    if let Some(description) = &req.description {
        names::check_description("Description", description, 256)?;
    }
    let vswitch = load_vswitch(tx, ctx, &req.vswitch_id)?;
    let groups = load_groups(tx, ctx, &req.security_group_ids)?;
    let group_refs: Vec<_> = groups.iter().collect();
    rules::check_group_set(
        Owner::Eni,
        &vswitch.vpc_id,
        &group_refs,
        ctx.limits.groups_per_eni,
        None,
    )?;
    check_capacities(tx, ctx, &group_refs, 1)?;
    if tx.count_enis(&ctx.account_id, &ctx.region_id)? >= ctx.limits.enis_per_region {
        return Err(DomainError::QuotaExceeded {
            what: "ENIs",
            limit: ctx.limits.enis_per_region,
        }
        .into());
    }
    let mut eni = Eni {
        id: ctx.new_id("eni"),
        region_id: ctx.region_id.clone(),
        zone_id: vswitch.zone_id.clone(),
        vpc_id: vswitch.vpc_id.clone(),
        vswitch_id: vswitch.id.clone(),
        name: req.name.unwrap_or_default(),
        description: req.description.unwrap_or_default(),
        eni_type: EniType::Secondary,
        status: EniStatus::Available,
        instance_id: None,
        mac_address: ids::new_mac(),
        private_ips: Vec::new(),
        security_group_ids: req.security_group_ids,
        delete_on_release: req.delete_on_release,
        source_dest_check: req.source_dest_check,
        queue_number: req.queue_number,
        created_at: ctx.now,
    };
    // Addresses are taken one by one and inserted with the ENI, so each allocation sees the
    // ones before it: the ENI row goes in first with its primary address.
    let primary = allocate_ip(tx, &vswitch, req.primary_ip.as_deref())?;
    eni.private_ips.push(PrivateIp {
        address: primary,
        primary: true,
    });
    tx.insert_eni(&ctx.account_id, &eni)?;
    let requested = req.secondary_ips.iter().map(|ip| Some(ip.as_str()));
    let counted = (0..req.secondary_ip_count).map(|_| None);
    let mut secondary = Vec::new();
    for wanted in requested.chain(counted) {
        let address = allocate_ip(tx, &vswitch, wanted)?;
        tx.add_private_ip(&eni, &address)?;
        secondary.push(PrivateIp {
            address,
            primary: false,
        });
    }
    eni.private_ips.extend(secondary);
    ctx.record(tx, vec![eni.id.clone()])?;
    Ok(eni)
}

pub(crate) fn load_eni(tx: &dyn Tx, ctx: &Ctx, id: &str) -> OpResult<Eni> {
    tx.eni(&ctx.account_id, &ctx.region_id, id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::Eni, id.to_string()).into())
}

pub(crate) fn load_instance(tx: &dyn Tx, ctx: &Ctx, id: &str) -> OpResult<Instance> {
    tx.instance(&ctx.account_id, Some(&ctx.region_id), id)?
        .ok_or_else(|| DomainError::NotFound(ResourceKind::Instance, id.to_string()).into())
}

/// The kind of an instance's groups (its primary ENI's), with the ENIs it has.
fn instance_kind(tx: &dyn Tx, ctx: &Ctx, instance: &Instance) -> OpResult<(GroupKind, Vec<Eni>)> {
    let enis = tx.enis_of_instance(&instance.id)?;
    let primary = enis
        .iter()
        .find(|e| e.eni_type == EniType::Primary)
        .ok_or_else(|| {
            crate::store::StoreFault(format!("instance {} has no primary ENI", instance.id))
        })?;
    let kind = group_kind(tx, ctx, Owner::Instance, &primary.security_group_ids)?;
    Ok((kind, enis))
}

pub(crate) fn group_kind(
    tx: &dyn Tx,
    ctx: &Ctx,
    owner: Owner,
    ids: &[String],
) -> OpResult<GroupKind> {
    let groups = load_groups(tx, ctx, ids)?;
    let refs: Vec<&SecurityGroup> = groups.iter().collect();
    rules::kind_of(owner, &refs)?.ok_or_else(|| DomainError::LastGroup { owner }.into())
}

pub fn attach(tx: &dyn Tx, ctx: &Ctx, eni_id: &str, instance_id: &str) -> OpResult<()> {
    let mut eni = load_eni(tx, ctx, eni_id)?;
    let instance = load_instance(tx, ctx, instance_id)?;
    let itype = ctx
        .catalog
        .instance_type(&instance.instance_type)
        .ok_or_else(|| {
            DomainError::NotFound(ResourceKind::InstanceType, instance.instance_type.clone())
        })?;
    let eni_kind = group_kind(tx, ctx, Owner::Eni, &eni.security_group_ids)?;
    let (kind, attached) = instance_kind(tx, ctx, &instance)?;
    rules::check_attach(
        &eni,
        &instance,
        eni_kind,
        kind,
        attached.len() as u32,
        itype.eni_quantity,
    )?;
    rules::check_private_ip_count(eni.private_ips.len(), itype.private_ips_per_eni)?;
    eni.instance_id = Some(instance.id.clone());
    let event_ids = vec![eni.id.clone(), instance.id];
    transitions::move_eni(tx, ctx, eni, EniTransition::Attach, event_ids)
}

pub fn detach(tx: &dyn Tx, ctx: &Ctx, eni_id: &str, instance_id: &str) -> OpResult<()> {
    let eni = load_eni(tx, ctx, eni_id)?;
    let instance = load_instance(tx, ctx, instance_id)?;
    rules::check_detach(&eni, &instance)?;
    let event_ids = vec![eni.id.clone(), instance.id];
    transitions::move_eni(tx, ctx, eni, EniTransition::Detach, event_ids)
}

pub fn delete(tx: &dyn Tx, ctx: &Ctx, eni_id: &str) -> OpResult<()> {
    let eni = load_eni(tx, ctx, eni_id)?;
    rules::check_delete_eni(&eni)?;
    let event_ids = vec![eni.id.clone()];
    transitions::move_eni(tx, ctx, eni, EniTransition::Delete, event_ids)
}

#[derive(Clone)]
pub struct ModifyEni {
    pub name: Option<String>,
    pub description: Option<String>,
    /// The whole new set of groups (secondary ENIs only).
    pub security_group_ids: Option<Vec<String>>,
    pub delete_on_release: Option<bool>,
    pub source_dest_check: Option<bool>,
    pub queue_number: Option<u32>,
    /// Other options the request set (traffic mode, queue sizes, …): refused on a primary ENI.
    pub other_options: bool,
}

pub fn modify(tx: &dyn Tx, ctx: &Ctx, eni_id: &str, req: ModifyEni) -> OpResult<()> {
    if let Some(name) = &req.name {
        names::check_name("NetworkInterfaceName", name)?;
    }
    if let Some(description) = &req.description {
        names::check_description("Description", description, 255)?;
    }
    let mut eni = load_eni(tx, ctx, eni_id)?;
    if let Some(queue_number) = req.queue_number {
        let attached_to = match &eni.instance_id {
            Some(instance_id) => Some(load_instance(tx, ctx, instance_id)?.status),
            None => None,
        };
        rules::check_queue_number_change(&eni, attached_to)?;
        eni.queue_number = queue_number;
    }
    rules::check_eni_settled(&eni)?;
    let changes_more = req.security_group_ids.is_some()
        || req.delete_on_release.is_some()
        || req.source_dest_check.is_some()
        || req.other_options;
    rules::check_modify_eni(&eni, changes_more)?;
    if let Some(ids) = req.security_group_ids {
        let groups = load_groups(tx, ctx, &ids)?;
        let refs: Vec<&SecurityGroup> = groups.iter().collect();
        let attached_to = match &eni.instance_id {
            Some(instance_id) => {
                let instance = load_instance(tx, ctx, instance_id)?;
                Some(instance_kind(tx, ctx, &instance)?.0)
            }
            None => None,
        };
        rules::check_group_set(
            Owner::Eni,
            &eni.vpc_id,
            &refs,
            ctx.limits.groups_per_eni,
            attached_to,
        )?;
        let joining: Vec<&SecurityGroup> = refs
            .iter()
            .copied()
            .filter(|g| !eni.security_group_ids.contains(&g.id))
            .collect();
        check_capacities(tx, ctx, &joining, 1)?;
        eni.security_group_ids = ids;
    }
    if let Some(name) = req.name {
        eni.name = name;
    }
    if let Some(description) = req.description {
        eni.description = description;
    }
    if let Some(v) = req.delete_on_release {
        eni.delete_on_release = v;
    }
    if let Some(v) = req.source_dest_check {
        eni.source_dest_check = v;
    }
    tx.update_eni(&eni)?;
    ctx.record(tx, vec![eni.id])?;
    Ok(())
}

/// An ENI of a DescribeNetworkInterfaces page: its revision, and unless the caller knew it at
/// that revision, the ENI in full with its tags.
pub type Listed = (EniRevision, Option<(Eni, Vec<Tag>)>);

/// A page of the ENIs matching `filter`, each with its revision and, unless `known` says the
/// caller has it at that revision, in full with its tags.
pub fn describe(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &EniFilter,
    page: PageRequest,
    known: &mut dyn FnMut(&EniRevision) -> bool,
) -> OpResult<Page<Listed>> {
    let page = tx.enis(account, region, filter, page, known)?;
    let read: Vec<&str> = page
        .items
        .iter()
        .filter_map(|(_, eni)| eni.as_ref())
        .map(|e| e.id.as_str())
        .collect();
    let mut tags = tx.tags_of_each(&read)?.into_iter();
    Ok(page.map(|(revision, eni)| {
        let tagged = eni.map(|eni| (eni, tags.next().unwrap_or_default()));
        (revision, tagged)
    }))
}
