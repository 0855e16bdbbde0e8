//! The merged request parameters (query first, then form body) and typed access to them,
//! including Alibaba's flattened lists (`X.1`, `X.2`, …) and JSON-array strings.

use std::collections::HashMap;

use crate::errors::{ApiError, Code};

/// The protocol's own parameters (V1 signing, format, credentials): they differ between
/// retries of one call and are not part of what the call asks for.
pub const PROTOCOL_PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
];

#[derive(Debug, Clone, Default)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Merges query and form-body pairs. On a name given twice the query's value wins (the
    /// real service does not document it; ecs-api.md §6.21).
    pub fn merge(query: &[(String, String)], body: &[(String, String)]) -> Self {
        let mut map = HashMap::with_capacity(query.len() + body.len());
        // The first occurrence wins, and the query is read before the body.
        for (k, v) in query.iter().chain(body.iter()) {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Params { map }
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::merge(&pairs, &[])
    }

    /// The raw value, even when empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// A non-empty value; an empty parameter counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing(name))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(name)),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| v.trim().parse::<i64>().map_err(|_| ApiError::invalid(name)))
            .transpose()
    }

    /// An integer that must lie in `min..=max`.
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.int(name)? {
            Some(n) if !(min..=max).contains(&n) => Err(ApiError::invalid(name)),
            other => Ok(other),
        }
    }

    /// A flattened list `prefix.1`, `prefix.2`, … in index order; empty values are skipped.
    pub fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, ApiError> {
        let mut indexed: Vec<(usize, &str)> = Vec::new();
        let dotted = format!("{prefix}.");
        for (k, v) in &self.map {
            let Some(index) = k.strip_prefix(&dotted) else {
                continue;
            };
            // `Tag.1.Key` belongs to a list of structs, not to this list.
            let Ok(n) = index.parse::<usize>() else {
                continue;
            };
            if n == 0 || n > max {
                return Err(ApiError::invalid(k));
            }
            if !v.is_empty() {
                indexed.push((n, v));
            }
        }
        indexed.sort();
        Ok(indexed.into_iter().map(|(_, v)| v.to_string()).collect())
    }

    pub fn has_list(&self, prefix: &str) -> bool {
        let dotted = format!("{prefix}.");
        self.map.keys().any(|k| k.starts_with(&dotted))
    }

    /// A JSON-array string parameter such as `InstanceIds=["i-a","i-b"]`.
    pub fn json_list(&self, name: &str, max: usize) -> Result<Vec<String>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(Vec::new());
        };
        let items: Vec<String> = serde_json::from_str(v).map_err(|_| ApiError::invalid(name))?;
        if items.len() > max {
            return Err(ApiError::invalid(name));
        }
        Ok(items)
    }

    /// Whether any parameter other than those listed is present (used to tell a primary-ENI
    /// change of name/description from one that touches more).
    pub fn any_of(&self, names: &[&str]) -> bool {
        names
            .iter()
            .any(|n| self.get(n).is_some() || self.has_list(n))
    }

    /// Both of two mutually exclusive forms given.
    pub fn exclusive(&self, a: &str, b: &str, message: &str) -> Result<(), ApiError> {
        if (self.get(a).is_some() || self.has_list(a))
            && (self.get(b).is_some() || self.has_list(b))
        {
            return Err(ApiError::with(Code::InvalidParameterConflict, message));
        }
        Ok(())
    }

    /// The call's own parameters (all but `PROTOCOL_PARAMETERS`), in no particular order.
    pub fn call_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map
            .iter()
            .filter(|(k, _)| !PROTOCOL_PARAMETERS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The indexes N of a flattened list of structs (`Tag.N.Key`, `Tag.N.Value`), ascending.
    pub fn indexes(&self, prefix: &str) -> Result<Vec<usize>, ApiError> {
        let dotted = format!("{prefix}.");
        let mut indexes = Vec::new();
        for k in self.map.keys() {
            let Some((index, _field)) = k.strip_prefix(&dotted).and_then(|r| r.split_once('.'))
            else {
                continue;
            };
            match index.parse::<usize>() {
                Ok(0) => return Err(ApiError::invalid(k)),
                Ok(n) => indexes.push(n),
                Err(_) => {}
            }
        }
        indexes.sort_unstable();
        indexes.dedup();
        Ok(indexes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wins_over_body_and_first_occurrence_wins() {
        let q = vec![
            ("A".to_string(), "q".to_string()),
            ("A".to_string(), "q2".to_string()),
        ];
        let b = vec![
            ("A".to_string(), "b".to_string()),
            ("B".to_string(), "b".to_string()),
        ];
        let p = Params::merge(&q, &b);
        assert_eq!(p.get("A"), Some("q"));
        assert_eq!(p.get("B"), Some("b"));
    }

    #[test]
    fn flattened_lists_come_back_in_index_order() {
        let p = Params::from_pairs(&[
            ("SecurityGroupId.2", "sg-b"),
            ("SecurityGroupId.10", "sg-c"),
            ("SecurityGroupId.1", "sg-a"),
            ("Tag.1.Key", "k"),
        ]);
        assert_eq!(
            p.list("SecurityGroupId", 100).unwrap(),
            ["sg-a", "sg-b", "sg-c"]
        );
        assert!(p.list("Tag", 20).unwrap().is_empty());
        assert!(p.list("SecurityGroupId", 5).is_err());
    }

    #[test]
    fn booleans_in_any_case() {
        let p = Params::from_pairs(&[("A", "True"), ("B", "FALSE"), ("C", "yes")]);
        assert_eq!(p.bool("A").unwrap(), Some(true));
        assert_eq!(p.bool("B").unwrap(), Some(false));
        assert_eq!(p.bool("C").unwrap_err().code, Code::InvalidParameter);
        assert_eq!(p.bool("D").unwrap(), None);
    }

    #[test]
    fn struct_list_indexes() {
        let p = Params::from_pairs(&[
            ("Tag.3.Key", "c"),
            ("Tag.1.Key", "a"),
            ("Tag.1.Value", "x"),
            ("Tag.12.Value", "v"),
            ("Tag.x.Key", "ignored"),
            ("TagKey.1", "not a struct"),
        ]);
        assert_eq!(p.indexes("Tag").unwrap(), [1, 3, 12]);
        assert!(Params::from_pairs(&[("Tag.0.Key", "k")])
            .indexes("Tag")
            .is_err());
    }

    #[test]
    fn call_pairs_leave_out_the_protocol() {
        let p = Params::from_pairs(&[
            ("Action", "CreateVpc"),
            ("SignatureNonce", "n"),
            ("Timestamp", "t"),
            ("RegionId", "cn-hangzhou"),
        ]);
        assert_eq!(
            p.call_pairs().collect::<Vec<_>>(),
            [("RegionId", "cn-hangzhou")]
        );
    }

    #[test]
    fn json_lists() {
        let p = Params::from_pairs(&[("InstanceIds", r#"["i-a","i-b"]"#), ("Bad", "i-a")]);
        assert_eq!(p.json_list("InstanceIds", 100).unwrap(), ["i-a", "i-b"]);
        assert!(p.json_list("Bad", 100).is_err());
    }
}
