//! Persistence behind one trait, `Tx`: every operation runs against a `&dyn Tx` inside one
//! transaction. `Store` owns the SQLite database: one writer thread that commits operations
//! in groups (a SAVEPOINT per operation, one COMMIT per batch) and a pool of reader threads.
//! A write is answered only after its batch's COMMIT returned, with `synchronous=FULL`.
//! `postgres.rs` is the same `Tx` on PostgreSQL, for several servers on one database; `Store`
//! (`backend.rs`) is the handle over either.

mod backend;
mod postgres;
mod sqlite;

use std::path::Path;

pub use backend::{Store, SNAPSHOTS_NEED_SQLITE};
pub use postgres::PgStore;

use crate::model::tags::{Tag, TagMatch, TagResourceType};
use crate::model::transitions::Transition;
use crate::model::{
    Eni, EniStatus, EniType, Instance, InstanceStatus, SecurityGroup, VSwitch, Vpc,
};

/// A fault of the store itself (I/O, corruption, a violated constraint that the domain layer
/// should have prevented). Answered as InternalError; the operation left nothing behind.
#[derive(Debug, Clone, thiserror::Error)]
#[error("store fault: {0}")]
pub struct StoreFault(pub String);

pub type R<T> = Result<T, StoreFault>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    pub account_id: String,
    pub enabled: bool,
}

/// One appended line of the event log: who did what, to which resources, in which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: i64,
    pub account_id: String,
    /// The AccessKey that signed the call; `None` for the settler's own events.
    pub access_key_id: Option<String>,
    pub region_id: String,
    pub action: String,
    pub resource_ids: Vec<String>,
    pub request_id: String,
}

/// An asynchronous transition waiting for the settler, with what the event that started it
/// says: whose, where, and in which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTransition {
    pub resource_id: String,
    pub transition: Transition,
    /// Milliseconds since the Unix epoch.
    pub due_at: i64,
    pub event_seq: i64,
    pub account_id: String,
    pub region_id: String,
    pub request_id: String,
}

/// Which page of a list to read. Lists are ordered by creation (a per-table sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    /// PageNumber/PageSize: skip `offset`, take `limit`, and count the total.
    Numbered { offset: u64, limit: u64 },
    /// NextToken/MaxResults: take `limit` items created after the sequence `after`.
    After { after: i64, limit: u64 },
}

/// Where an ENI's answer stands: the store raises `revision` with every change to what
/// DescribeNetworkInterfaces shows of it (its row, addresses, groups and tags), so an answer
/// rendered at one revision holds until the next (`actions::cache`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniRevision {
    pub id: String,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The total number of matches (numbered pages only).
    pub total: Option<u64>,
    /// The sequence to continue after, when more items follow (token pages only).
    pub next_after: Option<i64>,
}

impl<T> Page<T> {
    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_after: self.next_after,
        }
    }

    /// The same page with each item turned into another (e.g. joined with related data).
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self
                .items
                .into_iter()
                .map(f)
                .collect::<Result<Vec<U>, E>>()?,
            total: self.total,
            next_after: self.next_after,
        })
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            total: Some(0),
            next_after: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VpcFilter {
    pub ids: Vec<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VSwitchFilter {
    pub ids: Vec<String>,
    pub vpc_id: Option<String>,
    pub zone_id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFilter {
    pub ids: Vec<String>,
    pub vpc_id: Option<String>,
    pub kind: Option<crate::model::GroupKind>,
    pub name: Option<String>,
    /// Groups carrying every one of these tags.
    pub tags: Vec<TagMatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceFilter {
    pub ids: Vec<String>,
    pub security_group_id: Option<String>,
    pub vpc_id: Option<String>,
    pub vswitch_id: Option<String>,
    pub zone_id: Option<String>,
    pub instance_type: Option<String>,
    pub image_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<InstanceStatus>,
    pub private_ips: Vec<String>,
    /// Instances carrying every one of these tags.
    pub tags: Vec<TagMatch>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EniFilter {
    pub ids: Vec<String>,
    pub instance_id: Option<String>,
    pub vpc_id: Option<String>,
    pub vswitch_id: Option<String>,
    pub primary_ip: Option<String>,
    pub private_ips: Vec<String>,
    /// Matches secondary ENIs only, as the real API does.
    pub security_group_id: Option<String>,
    pub name: Option<String>,
    pub eni_type: Option<EniType>,
    pub status: Option<EniStatus>,
    /// ENIs carrying every one of these tags.
    pub tags: Vec<TagMatch>,
}

/// Which tags ListTagResources reads: those of `resource_type` resources in the region, of the
/// listed resources (all when empty) that carry every tag of `having`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRowFilter {
    pub resource_type: TagResourceType,
    pub resource_ids: Vec<String>,
    pub having: Vec<TagMatch>,
}

/// One tag of one resource, as ListTagResources lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRow {
    pub resource_id: String,
    pub resource_type: TagResourceType,
    pub tag: Tag,
}

/// The answer a creating call gave for a ClientToken, and the fingerprint of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTokenRecord {
    pub token: String,
    pub fingerprint: String,
    /// The rendered answer, as the actions layer stored it.
    pub answer: String,
    pub created_at: i64,
}

/// Everything an operation may read or write. Methods scoped by `account` never see another
/// account's rows. Ids are globally unique, so writes by id need no scope.
pub trait Tx {
    fn access_key(&self, id: &str) -> R<Option<AccessKey>>;
    fn insert_account(&self, account_id: &str, key: &AccessKey, now: i64) -> R<()>;
    /// Enables or disables a key; false when no key has this id.
    fn set_access_key_enabled(&self, id: &str, enabled: bool) -> R<bool>;
    fn account_count(&self) -> R<u64>;
    /// The first account, created when the store was: the one allowed to administer it.
    fn root_account(&self) -> R<Option<String>>;

    fn insert_vpc(&self, account: &str, vpc: &Vpc) -> R<()>;
    fn vpc(&self, account: &str, region: &str, id: &str) -> R<Option<Vpc>>;
    fn vpcs(
        &self,
        account: &str,
        region: &str,
        filter: &VpcFilter,
        page: PageRequest,
    ) -> R<Page<Vpc>>;
    fn count_vpcs(&self, account: &str, region: &str) -> R<u64>;
    fn vswitch_ids_of_vpc(&self, vpc_id: &str) -> R<Vec<String>>;

    fn insert_vswitch(&self, account: &str, vswitch: &VSwitch) -> R<()>;
    fn vswitch(&self, account: &str, region: &str, id: &str) -> R<Option<VSwitch>>;
    fn vswitches(
        &self,
        account: &str,
        region: &str,
        filter: &VSwitchFilter,
        page: PageRequest,
    ) -> R<Page<VSwitch>>;
    fn vswitch_cidrs_of_vpc(&self, vpc_id: &str) -> R<Vec<String>>;
    fn used_ip_count(&self, vswitch_id: &str) -> R<u64>;

    fn insert_group(&self, account: &str, group: &SecurityGroup) -> R<()>;
    fn group(&self, account: &str, region: &str, id: &str) -> R<Option<SecurityGroup>>;
    fn update_group(&self, group: &SecurityGroup) -> R<()>;
    fn delete_group(&self, id: &str) -> R<()>;
    fn groups(
        &self,
        account: &str,
        region: &str,
        filter: &GroupFilter,
        page: PageRequest,
    ) -> R<Page<SecurityGroup>>;
    fn count_groups(&self, account: &str, region: &str) -> R<u64>;
    /// Members of a group: ENIs, primary ones standing for their instances.
    fn member_count(&self, group_id: &str) -> R<u64>;

    // Security group rules.
    fn insert_rule(&self, rule: &crate::model::permissions::Rule) -> R<()>;
    /// A group's rules in creation order.
    fn rules_of_group(&self, group_id: &str) -> R<Vec<crate::model::permissions::Rule>>;
    /// A page of a group's rules in creation order, in one direction or both.
    fn rules(
        &self,
        group_id: &str,
        direction: Option<crate::model::permissions::Direction>,
        page: PageRequest,
    ) -> R<Page<crate::model::permissions::Rule>>;
    /// Writes a rule's values and description (its id, group and direction are fixed).
    fn update_rule(&self, rule: &crate::model::permissions::Rule) -> R<()>;
    fn delete_rule(&self, id: &str) -> R<()>;
    fn rule_counts(&self, group_id: &str) -> R<crate::model::permissions::RuleCounts>;
    /// How many rules of other groups name this group as their source or destination.
    fn referencing_rule_count(&self, group_id: &str) -> R<u64>;

    fn insert_instance(&self, account: &str, instance: &Instance) -> R<()>;
    /// `region` is None for the calls that take no RegionId (StartInstance, …).
    fn instance(&self, account: &str, region: Option<&str>, id: &str) -> R<Option<Instance>>;
    fn update_instance(&self, instance: &Instance) -> R<()>;
    fn delete_instance(&self, id: &str) -> R<()>;
    fn instances(
        &self,
        account: &str,
        region: &str,
        filter: &InstanceFilter,
        page: PageRequest,
    ) -> R<Page<Instance>>;

    /// Inserts the ENI with its addresses and groups.
    fn insert_eni(&self, account: &str, eni: &Eni) -> R<()>;
    fn eni(&self, account: &str, region: &str, id: &str) -> R<Option<Eni>>;
    /// Writes the ENI's own fields and its group list (addresses are fixed at creation).
    fn update_eni(&self, eni: &Eni) -> R<()>;
    fn delete_eni(&self, id: &str) -> R<()>;
    /// A page of the ENIs matching `filter`, each with its revision and, unless `known` says
    /// the caller has it at that revision, in full (with its addresses and groups).
    fn enis(
        &self,
        account: &str,
        region: &str,
        filter: &EniFilter,
        page: PageRequest,
        known: &mut dyn FnMut(&EniRevision) -> bool,
    ) -> R<Page<(EniRevision, Option<Eni>)>>;
    /// The ENIs attached to an instance, the primary one first.
    fn enis_of_instance(&self, instance_id: &str) -> R<Vec<Eni>>;
    fn count_enis(&self, account: &str, region: &str) -> R<u64>;

    /// Adds a secondary private address to an ENI.
    fn add_private_ip(&self, eni: &Eni, address: &str) -> R<()>;
    fn remove_private_ip(&self, vswitch_id: &str, ip: u32) -> R<()>;
    fn ip_taken(&self, vswitch_id: &str, ip: u32) -> R<bool>;
    /// The lowest free address of the vSwitch in `first..=last`. The search starts at the
    /// vSwitch's hint (every assignable address below it is taken; freeing an address lowers
    /// it) rather than walking every taken address from the first, and leaves the hint at
    /// what it found.
    fn free_ip(&self, vswitch_id: &str, first: u32, last: u32) -> R<Option<u32>> {
        let start = self
            .allocation_hint(vswitch_id)?
            .map_or(first, |hint| hint.clamp(first, last));
        let found = if !self.ip_taken(vswitch_id, start)? {
            Some(start)
        } else {
            self.free_ip_after_taken(vswitch_id, start, last)?
        };
        if let Some(address) = found {
            self.set_allocation_hint(vswitch_id, address)?;
        }
        Ok(found)
    }
    /// The vSwitch's allocation hint, if it has one.
    fn allocation_hint(&self, vswitch_id: &str) -> R<Option<u32>>;
    fn set_allocation_hint(&self, vswitch_id: &str, address: u32) -> R<()>;
    /// The first address after a taken one in `start..last` that is itself free.
    fn free_ip_after_taken(&self, vswitch_id: &str, start: u32, last: u32) -> R<Option<u32>>;

    // Tags and ClientToken records.
    /// A resource's tags, in key order.
    fn tags_of(&self, resource_id: &str) -> R<Vec<Tag>> {
        Ok(self.tags_of_each(&[resource_id])?.pop().unwrap_or_default())
    }
    /// The tags of each of `resource_ids` (distinct), in key order: one query on PostgreSQL
    /// (round trips dominate), one indexed query per id on SQLite (cheaper than an IN list).
    fn tags_of_each(&self, resource_ids: &[&str]) -> R<Vec<Vec<Tag>>>;
    /// Sets the tags on a resource; a key it already has takes the new value.
    fn put_tags(
        &self,
        account: &str,
        region: &str,
        resource_type: TagResourceType,
        resource_id: &str,
        tags: &[Tag],
    ) -> R<()>;
    /// Removes the named keys from a resource (every key when `keys` is None).
    fn remove_tags(&self, resource_id: &str, keys: Option<&[String]>) -> R<()>;
    /// Up to `limit` tag rows ordered by resource id and key, after the (resource id, key)
    /// `after` when given.
    fn tag_rows(
        &self,
        account: &str,
        region: &str,
        filter: &TagRowFilter,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> R<Vec<TagRow>>;
    fn client_token(
        &self,
        account: &str,
        action: &str,
        token: &str,
    ) -> R<Option<ClientTokenRecord>>;
    fn insert_client_token(&self, account: &str, action: &str, record: &ClientTokenRecord)
        -> R<()>;

    /// Appends the event and returns its sequence number.
    fn append_event(&self, event: &Event) -> R<i64>;

    /// Starts the transition of a resource (replacing an earlier one: a retried call restarts
    /// it), due at `due_at` (milliseconds), recorded by the event `event_seq`.
    fn insert_transition(
        &self,
        resource_id: &str,
        transition: Transition,
        due_at: i64,
        event_seq: i64,
    ) -> R<()>;
    fn transition(&self, resource_id: &str) -> R<Option<PendingTransition>>;
    fn delete_transition(&self, resource_id: &str) -> R<()>;
    /// Up to `limit` transitions due at `now` (milliseconds), earliest first.
    fn due_transitions(&self, now: i64, limit: u64) -> R<Vec<PendingTransition>>;
    /// When the earliest transition is due.
    fn next_transition_due(&self) -> R<Option<i64>>;
}

/// Creates `dir` and any missing parents for the store's files (which hold AccessKey
/// secrets): what it creates is owner-only (0700); a directory that exists is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

pub fn database_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("ecsnet.db")
}

/// Opens (creating and migrating if needed) the store under `data_dir`.
pub fn open(data_dir: &Path, readers: usize) -> Result<Store, StoreFault> {
    Store::open(&database_path(data_dir), readers)
}

/// A page of `Tx::enis` with the addresses and groups of the ENIs it read in full filled in by
/// `load_parts` (a backend's loader, which keeps the order of what it is given).
pub(crate) fn with_eni_parts(
    page: Page<(EniRevision, Option<Eni>)>,
    load_parts: impl FnOnce(Vec<Eni>) -> R<Vec<Eni>>,
) -> R<Page<(EniRevision, Option<Eni>)>> {
    let mut read = Vec::new();
    let page = page.map(|(revision, eni)| {
        let full = eni.is_some();
        read.extend(eni);
        (revision, full)
    });
    let mut loaded = load_parts(read)?.into_iter();
    Ok(page.map(|(revision, full)| (revision, full.then(|| loaded.next()).flatten())))
}

/// A token page from up to `limit + 1` rows `(seq, item)` in key order: the first `limit`, and
/// where the next page starts when a row follows them.
pub(crate) fn page_after<T>(mut rows: Vec<(i64, T)>, limit: u64) -> Page<T> {
    let next_after = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|(seq, _)| *seq)
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        total: None,
        next_after,
    }
}

/// Rows of `(owner id, item)` sorted into one list per id of `ids` (distinct), each in the
/// rows' order: how one query's answer for a whole page is handed back item by item.
pub(crate) fn group_by_owner<T>(ids: &[&str], rows: Vec<(String, T)>) -> Vec<Vec<T>> {
    let index: std::collections::HashMap<&str, usize> =
        ids.iter().enumerate().map(|(n, id)| (*id, n)).collect();
    let mut grouped: Vec<Vec<T>> = ids.iter().map(|_| Vec::new()).collect();
    for (owner, item) in rows {
        if let Some(&n) = index.get(owner.as_str()) {
            grouped[n].push(item);
        }
    }
    grouped
}
