//! Tags: TagResources, UntagResources, ListTagResources, and the `Tag.N.Key`/`Tag.N.Value`
//! parameters the creating calls and the Describe filters share.

use crate::doc::Fields;
use crate::obj;

use super::{empty, render, Answer, Call, MissingRegion};
use crate::errors::{self, ApiError, Code};
use crate::model::tags::{self as rules, Tag, TagMatch, TagResourceType, TAGS_PER_RESOURCE};
use crate::ops::tags;
use crate::store::TagRowFilter;
use crate::wire::params::Params;

/// Most resources one tag call names (`ResourceId.N`, N = 1–50).
const MAX_RESOURCE_IDS: usize = 50;

/// Tag rows on one ListTagResources page (the call takes no page size).
const TAG_ROWS_PER_PAGE: u64 = 50;

/// `Tag.N.Key` (or the deprecated `Tag.N.key`) and `Tag.N.Value` (`Tag.N.value`), by index.
/// A tag given without a key has an empty one, which every rule refuses.
fn tag_params(params: &Params) -> Result<Vec<(usize, String, Option<String>)>, ApiError> {
    let field = |n: usize, name: &str, alias: &str| {
        params
            .raw(&format!("Tag.{n}.{name}"))
            .or_else(|| params.raw(&format!("Tag.{n}.{alias}")))
    };
    Ok(params
        .indexes("Tag")?
        .into_iter()
        .map(|n| {
            let key = field(n, "Key", "key").unwrap_or_default().to_string();
            (n, key, field(n, "Value", "value").map(str::to_string))
        })
        .collect())
}

/// The tags a call sets (creating calls, TagResources): an absent value is an empty one.
pub(super) fn new_tags(params: &Params) -> Result<Vec<Tag>, ApiError> {
    Ok(tag_params(params)?
        .into_iter()
        .map(|(_, key, value)| Tag::new(key, value.unwrap_or_default()))
        .collect())
}

/// `Tag.N` as a filter: a resource matches when it has every key, with the value when one
/// is given (an empty value counts as none). `over_limit` answers an N above 20.
fn filter_with(
    call: &Call,
    over_limit: impl Fn(usize) -> ApiError,
) -> Result<Vec<TagMatch>, ApiError> {
    let mut filter = Vec::new();
    for (n, key, value) in tag_params(&call.params)? {
        if n > TAGS_PER_RESOURCE {
            return Err(over_limit(n));
        }
        let value = value.filter(|v| !v.is_empty());
        filter.push(TagMatch { key, value });
    }
    rules::check_filter(&filter).map_err(|e| errors::from_domain(call.action, e))?;
    Ok(filter)
}

/// The `Tag.N` filter of the Describe calls (N = 1–20).
pub(super) fn tag_filter(call: &Call) -> Result<Vec<TagMatch>, ApiError> {
    filter_with(call, |n| ApiError::invalid(&format!("Tag.{n}.Key")))
}

fn resource_type(call: &Call) -> Result<TagResourceType, ApiError> {
    let name = call.params.required("ResourceType")?;
    TagResourceType::from_api_name(name)
        .ok_or_else(|| ApiError::of(Code::InvalidResourceTypeNotFound))
}

/// `ResourceId.N`, each id once, in the order given.
fn resource_ids(call: &Call) -> Result<Vec<String>, ApiError> {
    let mut ids = call.params.list("ResourceId", usize::MAX)?;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.len() > MAX_RESOURCE_IDS {
        return Err(ApiError::of(Code::NumberExceedResourceIds));
    }
    Ok(ids)
}

fn required_resource_ids(call: &Call) -> Result<Vec<String>, ApiError> {
    let ids = resource_ids(call)?;
    if ids.is_empty() {
        return Err(ApiError::missing("ResourceId.1"));
    }
    Ok(ids)
}

pub async fn tag(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let resource_type = resource_type(&call)?;
    let ids = required_resource_ids(&call)?;
    let new = new_tags(&call.params)?;
    if new.is_empty() {
        return Err(ApiError::missing("Tag.1.Key"));
    }
    if new.len() > TAGS_PER_RESOURCE {
        return Err(ApiError::of(Code::NumberExceedTags));
    }
    call.write(&region, move |tx, ctx| {
        tags::tag(tx, ctx, resource_type, &ids, new)
    })
    .await?;
    empty()
}

pub async fn untag(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let resource_type = resource_type(&call)?;
    let ids = required_resource_ids(&call)?;
    let keys = call.params.list("TagKey", usize::MAX)?;
    if keys.len() > TAGS_PER_RESOURCE {
        return Err(ApiError::of(Code::NumberExceedTags));
    }
    // `All` counts only when no TagKey.N is given.
    let keys = match (keys.is_empty(), call.params.bool("All")?.unwrap_or(false)) {
        (false, _) => Some(keys),
        (true, true) => None,
        (true, false) => return Err(ApiError::missing("TagKey.1")),
    };
    call.write(&region, move |tx, ctx| {
        tags::untag(tx, ctx, resource_type, &ids, keys.as_deref())
    })
    .await?;
    empty()
}

/// ListTagResources' NextToken: where the next page starts (a resource id and a key), in hex.
fn encode_token((resource_id, key): &(String, String)) -> String {
    hex::encode(format!("{resource_id}/{key}"))
}

fn decode_token(token: &str) -> Result<(String, String), ApiError> {
    let invalid = || ApiError::of(Code::InvalidNextToken);
    let text =
        String::from_utf8(hex::decode(token).map_err(|_| invalid())?).map_err(|_| invalid())?;
    // Resource ids never contain `/`; keys may.
    let (resource_id, key) = text.split_once('/').ok_or_else(invalid)?;
    Ok((resource_id.to_string(), key.to_string()))
}

pub async fn list(call: Call) -> Answer {
    let region = call.region(MissingRegion::Generic)?;
    let filter = TagRowFilter {
        resource_type: resource_type(&call)?,
        resource_ids: resource_ids(&call)?,
        having: filter_with(&call, |_| ApiError::of(Code::NumberExceedTags))?,
    };
    let after = call.params.get("NextToken").map(decode_token).transpose()?;
    let account = call.account_id.clone();
    let page = call
        .read(move |tx| {
            let after = after.as_ref().map(|(id, key)| (id.as_str(), key.as_str()));
            tags::list(tx, &account, &region, &filter, after, TAG_ROWS_PER_PAGE)
        })
        .await?;
    let rows = page.rows.iter().map(|row| {
        obj! {
            "ResourceId" => &row.resource_id,
            "ResourceType" => row.resource_type.api_name(),
            "TagKey" => &row.tag.key,
            "TagValue" => &row.tag.value,
        }
    });
    let mut out = Fields::new();
    out.insert("TagResources", render::wrap("TagResource", rows));
    // Only a page with more after it carries a NextToken: clients loop while it is present.
    if let Some(next) = &page.next {
        out.insert("NextToken", encode_token(next));
    }
    Ok(out)
}
