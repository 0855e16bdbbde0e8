//! Tags: which resources carry them, the format rules for keys and values, the per-resource
//! limit, and what a tag filter means. The console shows the `*_RULE` texts under its fields.

use super::{DomainError, ResourceKind};

/// At most this many tags on one resource (`Tag.N`, N = 1–20).
pub const TAGS_PER_RESOURCE: usize = 20;

pub const KEY_RULE: &str = "1 to 128 characters. Cannot start with aliyun or acs:, and cannot contain http:// or https://.";
pub const VALUE_RULE: &str = "0 to 128 characters.";

const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The kinds of resource the tag calls accept (`ResourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagResourceType {
    Instance,
    Eni,
    SecurityGroup,
}

impl TagResourceType {
    pub const ALL: [TagResourceType; 3] = [
        TagResourceType::Instance,
        TagResourceType::Eni,
        TagResourceType::SecurityGroup,
    ];

    pub fn api_name(self) -> &'static str {
        match self {
            TagResourceType::Instance => "instance",
            TagResourceType::Eni => "eni",
            TagResourceType::SecurityGroup => "securitygroup",
        }
    }

    /// Case-insensitive, as clients spell these in either case.
    pub fn from_api_name(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.api_name().eq_ignore_ascii_case(s))
    }

    pub fn kind(self) -> ResourceKind {
        match self {
            TagResourceType::Instance => ResourceKind::Instance,
            TagResourceType::Eni => ResourceKind::Eni,
            TagResourceType::SecurityGroup => ResourceKind::SecurityGroup,
        }
    }
}

fn contains_url_scheme(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.contains("http://") || lower.contains("https://")
}

/// A key to set: 1–128 characters, not in the provider's reserved `aliyun`/`acs:` namespaces,
/// never a URL.
pub fn check_key(key: &str) -> Result<(), DomainError> {
    let invalid = |reason| {
        Err(DomainError::InvalidTagKey {
            key: key.to_string(),
            reason,
        })
    };
    let len = key.chars().count();
    if len == 0 {
        return invalid("it is empty");
    }
    if len > MAX_LEN {
        return invalid("it is longer than 128 characters");
    }
    if key.starts_with("aliyun") || key.starts_with("acs:") {
        return invalid("it starts with aliyun or acs:");
    }
    if contains_url_scheme(key) {
        return invalid("it contains http:// or https://");
    }
    Ok(())
}

/// A value to set: up to 128 characters, empty allowed.
pub fn check_value(key: &str, value: &str) -> Result<(), DomainError> {
    if value.chars().count() > MAX_LEN {
        return Err(DomainError::InvalidTagValue {
            key: key.to_string(),
            reason: "it is longer than 128 characters",
        });
    }
    Ok(())
}

/// The tags one request sets: each valid, no key twice, at most the per-resource limit.
/// Returned in key order, the order every answer lists tags in.
pub fn check_new(tags: Vec<Tag>) -> Result<Vec<Tag>, DomainError> {
    for tag in &tags {
        check_key(&tag.key)?;
        check_value(&tag.key, &tag.value)?;
    }
    let mut tags = tags;
    tags.sort();
    if let Some(pair) = tags.windows(2).find(|pair| pair[0].key == pair[1].key) {
        return Err(DomainError::DuplicateTagKey(pair[0].key.clone()));
    }
    check_count(tags.len())?;
    Ok(tags)
}

fn check_count(count: usize) -> Result<(), DomainError> {
    if count > TAGS_PER_RESOURCE {
        return Err(DomainError::TooManyTags {
            limit: TAGS_PER_RESOURCE,
        });
    }
    Ok(())
}

/// A resource's tags after `adding` (already checked with `check_new`) is applied over
/// `existing`: a key it already has takes the new value. At most the per-resource limit.
pub fn merge(existing: &[Tag], adding: &[Tag]) -> Result<Vec<Tag>, DomainError> {
    let mut merged: Vec<Tag> = existing
        .iter()
        .filter(|old| !adding.iter().any(|new| new.key == old.key))
        .cloned()
        .chain(adding.iter().cloned())
        .collect();
    merged.sort();
    check_count(merged.len())?;
    Ok(merged)
}

/// One condition of a tag filter. A resource passes a filter when, for every condition, it
/// carries `key` with `value` (any value when `value` is None). The store applies filters in
/// its queries, so Describe calls page over the matching resources only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    pub key: String,
    pub value: Option<String>,
}

/// A tag filter: every condition names a key (any key may be searched for, reserved ones
/// included), and no key twice (a resource has one value per key).
pub fn check_filter(filter: &[TagMatch]) -> Result<(), DomainError> {
    for (n, condition) in filter.iter().enumerate() {
        let len = condition.key.chars().count();
        if len == 0 || len > MAX_LEN {
            return Err(DomainError::InvalidTagKey {
                key: condition.key.clone(),
                reason: "a tag filter needs a key of 1 to 128 characters",
            });
        }
        if filter[..n].iter().any(|c| c.key == condition.key) {
            return Err(DomainError::DuplicateTagKey(condition.key.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs.iter().map(|(k, v)| Tag::new(*k, *v)).collect()
    }

    fn code(result: Result<Vec<Tag>, DomainError>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(DomainError::InvalidTagKey { .. }) => "key",
            Err(DomainError::InvalidTagValue { .. }) => "value",
            Err(DomainError::DuplicateTagKey(_)) => "duplicate",
            Err(DomainError::TooManyTags { .. }) => "too many",
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_follow_the_documented_format() {
        let long = "k".repeat(128);
        let too_long = "k".repeat(129);
        let long_value = "é".repeat(128);
        let too_long_value = "é".repeat(129);
        let cases: &[(&str, &str, &str)] = &[
            ("env", "prod", "ok"),
            ("env", "", "ok"),
            ("名字", "值", "ok"),
            (&long, "v", "ok"),
            ("k", &long_value, "ok"),
            ("", "v", "key"),
            (&too_long, "v", "key"),
            ("aliyun", "v", "key"),
            ("aliyunOwner", "v", "key"),
            ("acs:ecs", "v", "key"),
            ("my-aliyun", "v", "ok"),
            ("ACS:ecs", "v", "ok"),
            ("see http://x", "v", "key"),
            ("HTTPS://x", "v", "key"),
            ("k", "http://x", "ok"),
            ("k", &too_long_value, "value"),
        ];
        for (key, value, want) in cases {
            assert_eq!(
                code(check_new(tags(&[(key, value)]))),
                *want,
                "{key:?}={value:?}"
            );
        }
    }

    #[test]
    fn a_request_names_each_key_once_and_at_most_twenty() {
        assert_eq!(
            code(check_new(tags(&[("a", "1"), ("a", "2")]))),
            "duplicate"
        );
        assert_eq!(code(check_new(tags(&[("a", "1"), ("A", "2")]))), "ok");
        let twenty: Vec<Tag> = (0..20).map(|n| Tag::new(format!("k{n}"), "")).collect();
        assert_eq!(code(check_new(twenty.clone())), "ok");
        let mut twenty_one = twenty;
        twenty_one.push(Tag::new("k20", ""));
        assert_eq!(code(check_new(twenty_one)), "too many");
    }

    #[test]
    fn new_tags_come_back_in_key_order() {
        let checked = check_new(tags(&[("b", "2"), ("a", "1")])).unwrap();
        assert_eq!(checked, tags(&[("a", "1"), ("b", "2")]));
    }

    #[test]
    fn merging_overwrites_values_and_counts_the_result() {
        let existing = tags(&[("a", "1"), ("b", "2")]);
        let merged = merge(&existing, &tags(&[("b", "3"), ("c", "4")])).unwrap();
        assert_eq!(merged, tags(&[("a", "1"), ("b", "3"), ("c", "4")]));

        let full: Vec<Tag> = (0..20).map(|n| Tag::new(format!("k{n:02}"), "")).collect();
        // Overwriting keeps the count; one more key is over the limit.
        assert_eq!(merge(&full, &tags(&[("k00", "new")])).unwrap().len(), 20);
        assert_eq!(
            merge(&full, &tags(&[("k20", "")])),
            Err(DomainError::TooManyTags { limit: 20 })
        );
    }

    #[test]
    fn filters_need_keys_named_once() {
        let m = |key: &str, value: Option<&str>| TagMatch {
            key: key.to_string(),
            value: value.map(str::to_string),
        };
        let cases: Vec<(Vec<TagMatch>, bool)> = vec![
            (vec![], true),
            (vec![m("env", Some("prod")), m("team", None)], true),
            // Reserved keys may be searched for, even if they cannot be set.
            (vec![m("acs:ecs", None)], true),
            (vec![m("", Some("prod"))], false),
            (vec![m(&"k".repeat(129), None)], false),
            (vec![m("env", Some("a")), m("env", Some("b"))], false),
        ];
        for (filter, ok) in cases {
            assert_eq!(check_filter(&filter).is_ok(), ok, "{filter:?}");
        }
    }

    #[test]
    fn resource_types_by_api_name() {
        for t in TagResourceType::ALL {
            assert_eq!(TagResourceType::from_api_name(t.api_name()), Some(t));
        }
        assert_eq!(
            TagResourceType::from_api_name("SecurityGroup"),
            Some(TagResourceType::SecurityGroup)
        );
        assert_eq!(TagResourceType::from_api_name("disk"), None);
    }
}
