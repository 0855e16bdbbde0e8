//! Tags on instances, ENIs and security groups: TagResources, UntagResources,
//! ListTagResources, the tags a creating call sets, and tags for Describe answers.

use super::{Ctx, OpResult};
use crate::model::tags::{self, Tag, TagResourceType};
use crate::model::DomainError;
use crate::store::{Page, TagRow, TagRowFilter, Tx};

/// Fails unless the caller has a resource of `resource_type` with `id` in the context's region.
fn check_exists(tx: &dyn Tx, ctx: &Ctx, resource_type: TagResourceType, id: &str) -> OpResult<()> {
    let (account, region) = (ctx.account_id.as_str(), ctx.region_id.as_str());
    let exists = match resource_type {
        TagResourceType::Instance => tx.instance(account, Some(region), id)?.is_some(),
        TagResourceType::Eni => tx.eni(account, region, id)?.is_some(),
        TagResourceType::SecurityGroup => tx.group(account, region, id)?.is_some(),
    };
    if exists {
        Ok(())
    } else {
        Err(DomainError::NotFound(resource_type.kind(), id.to_string()).into())
    }
}

/// TagResources: sets `new` on every resource (a key a resource already has takes the new
/// value). All or nothing: one missing resource or one resource over the limit refuses all.
pub fn tag(
    tx: &dyn Tx,
    ctx: &Ctx,
    resource_type: TagResourceType,
    ids: &[String],
    new: Vec<Tag>,
) -> OpResult<()> {
    let new = tags::check_new(new)?;
    for id in ids {
        check_exists(tx, ctx, resource_type, id)?;
        // The merge only checks the limit: writing `new` over the old tags gives its result.
        tags::merge(&tx.tags_of(id)?, &new)?;
        tx.put_tags(&ctx.account_id, &ctx.region_id, resource_type, id, &new)?;
    }
    ctx.record(tx, ids.to_vec())?;
    Ok(())
}

/// UntagResources: removes the named keys (every key when `keys` is None) from every
/// resource. Keys a resource does not have are ignored.
pub fn untag(
    tx: &dyn Tx,
    ctx: &Ctx,
    resource_type: TagResourceType,
    ids: &[String],
    keys: Option<&[String]>,
) -> OpResult<()> {
    for id in ids {
        check_exists(tx, ctx, resource_type, id)?;
        tx.remove_tags(id, keys)?;
    }
    ctx.record(tx, ids.to_vec())?;
    Ok(())
}

/// A creating call with `Tag.N`: the tags are checked before anything is created, then set on
/// every resource `create` made (`ids_of` names them). Returns what `create` returned and the
/// tags as the resources now carry them.
pub fn create_tagged<T>(
    tx: &dyn Tx,
    ctx: &Ctx,
    resource_type: TagResourceType,
    new: Vec<Tag>,
    create: impl FnOnce(&dyn Tx, &Ctx) -> OpResult<T>,
    ids_of: impl FnOnce(&T) -> Vec<String>,
) -> OpResult<(T, Vec<Tag>)> {
    let new = tags::check_new(new)?;
    let created = create(tx, ctx)?;
    for id in ids_of(&created) {
        tx.put_tags(&ctx.account_id, &ctx.region_id, resource_type, &id, &new)?;
    }
    Ok((created, new))
}

/// A page of resources with each one's tags, for a Describe answer.
pub fn with_tags<T>(
    tx: &dyn Tx,
    page: Page<T>,
    id_of: impl Fn(&T) -> &str,
) -> OpResult<Page<(T, Vec<Tag>)>> {
    let ids: Vec<&str> = page.items.iter().map(&id_of).collect();
    let mut tags = tx.tags_of_each(&ids)?.into_iter();
    Ok(page.map(|item| (item, tags.next().unwrap_or_default())))
}

/// One page of ListTagResources: up to `limit` rows after `after`, and where the next page
/// starts when more rows follow.
pub struct TagRowPage {
    pub rows: Vec<TagRow>,
    pub next: Option<(String, String)>,
}

pub fn list(
    tx: &dyn Tx,
    account: &str,
    region: &str,
    filter: &TagRowFilter,
    after: Option<(&str, &str)>,
    limit: u64,
) -> OpResult<TagRowPage> {
    let mut rows = tx.tag_rows(account, region, filter, after, limit + 1)?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|row| (row.resource_id.clone(), row.tag.key.clone()))
    } else {
        None
    };
    Ok(TagRowPage { rows, next })
}
