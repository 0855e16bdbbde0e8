//! The answer tree handlers build and the wire writes as JSON or XML: PascalCase keys, every
//! list wrapped (`{"SecurityGroupIds": {"SecurityGroupId": [..]}}`).
//!
//! Not `serde_json::Value`: its objects hash and allocate every key, which made building and
//! dropping a page of ENIs cost more than reading it from the store. Keys here are static
//! strings, objects are vectors in insertion order, and lookups scan (objects are small).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'static, str>),
    List(Vec<Doc>),
    Obj(Fields),
    /// An object rendered once and shared by many answers.
    Shared(Arc<Shared>),
}

/// An object rendered once and shared by many answers (an ENI of `actions::cache`), kept as
/// its JSON text, which answers copy; its XML is written from it once an XML answer needs it.
#[derive(Debug)]
pub struct Shared {
    json: Box<RawValue>,
    xml: OnceLock<String>,
}

impl Shared {
    pub fn new(fields: &Fields) -> Self {
        Shared {
            // Fields only have string keys and values serde_json can always write.
            json: serde_json::value::to_raw_value(fields).expect("fields serialize to JSON"),
            xml: OnceLock::new(),
        }
    }

    pub fn json(&self) -> &str {
        self.json.get()
    }

    /// The object's fields again (read back from its JSON).
    pub fn fields(&self) -> Fields {
        match serde_json::from_str::<Value>(self.json.get()).map(Doc::from) {
            Ok(Doc::Obj(fields)) => fields,
            _ => Fields::new(),
        }
    }

    /// The object's XML elements, written by `write` the first time they are asked for.
    pub fn xml(&self, write: impl FnOnce(&Fields) -> String) -> &str {
        self.xml.get_or_init(|| write(&self.fields()))
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

/// An object's fields, in the order they were added.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields(Vec<(Cow<'static, str>, Doc)>);

impl Fields {
    pub fn new() -> Self {
        Fields(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Self {
        Fields(Vec::with_capacity(n))
    }

    /// Appends a field (builders, whose keys are distinct).
    pub fn push(&mut self, key: &'static str, value: impl Into<Doc>) {
        self.0.push((Cow::Borrowed(key), value.into()));
    }

    /// Sets `key`, replacing the value in place when it is already there.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Doc>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((key, value)),
        }
    }

    /// Puts `key` first (RequestId leads every answer).
    pub fn insert_first(&mut self, key: &'static str, value: impl Into<Doc>) {
        self.remove(key);
        self.0.insert(0, (Cow::Borrowed(key), value.into()));
    }

    pub fn get(&self, key: &str) -> Option<&Doc> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn remove(&mut self, key: &str) -> Option<Doc> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    pub fn extend(&mut self, other: Fields) {
        for (key, value) in other.0 {
            self.insert(key, value);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Doc)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON text of this object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An object literal: `obj! { "Key" => value, ... }`, each value anything `Into<Doc>`.
#[macro_export]
macro_rules! obj {
    ($($key:literal => $value:expr),* $(,)?) => {{
        let mut fields = $crate::doc::Fields::with_capacity([$($key),*].len());
        $( fields.push($key, $value); )*
        fields
    }};
}

/// A wrapped list, `{inner: [items]}`: how the API answers every list.
pub fn wrap(inner: &'static str, items: impl IntoIterator<Item = impl Into<Doc>>) -> Fields {
    let mut fields = Fields::with_capacity(1);
    fields.push(
        inner,
        Doc::List(items.into_iter().map(Into::into).collect()),
    );
    fields
}

impl Doc {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<Fields> for Doc {
    fn from(fields: Fields) -> Self {
        Doc::Obj(fields)
    }
}

impl From<Vec<Doc>> for Doc {
    fn from(items: Vec<Doc>) -> Self {
        Doc::List(items)
    }
}

impl From<String> for Doc {
    fn from(s: String) -> Self {
        Doc::Str(Cow::Owned(s))
    }
}

impl From<&String> for Doc {
    fn from(s: &String) -> Self {
        Doc::Str(Cow::Owned(s.clone()))
    }
}

impl From<&str> for Doc {
    fn from(s: &str) -> Self {
        Doc::Str(Cow::Owned(s.to_string()))
    }
}

impl From<bool> for Doc {
    fn from(b: bool) -> Self {
        Doc::Bool(b)
    }
}

impl From<f64> for Doc {
    fn from(f: f64) -> Self {
        Doc::Float(f)
    }
}

macro_rules! integers {
    ($variant:ident as $wide:ty: $($t:ty),*) => {$(
        impl From<$t> for Doc {
            fn from(n: $t) -> Self {
                Doc::$variant(n as $wide)
            }
        }
    )*};
}
integers!(Int as i64: i32, i64);
integers!(UInt as u64: u8, u16, u32, u64, usize);

impl<T: Into<Doc>> From<Option<T>> for Doc {
    fn from(value: Option<T>) -> Self {
        value.map_or(Doc::Null, Into::into)
    }
}

/// Records and fixed tables kept as JSON come back as trees (a ClientToken's recorded answer).
impl From<Value> for Doc {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Doc::Int(i),
                (None, Some(u)) => Doc::UInt(u),
                (None, None) => Doc::Float(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => s.into(),
            Value::Array(items) => Doc::List(items.into_iter().map(Doc::from).collect()),
            Value::Object(map) => Doc::Obj(Fields(
                map.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Doc::from(v)))
                    .collect(),
            )),
        }
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => serializer.serialize_unit(),
            Doc::Bool(b) => serializer.serialize_bool(*b),
            Doc::Int(n) => serializer.serialize_i64(*n),
            Doc::UInt(n) => serializer.serialize_u64(*n),
            Doc::Float(f) => serializer.serialize_f64(*f),
            Doc::Str(s) => serializer.serialize_str(s),
            Doc::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Obj(fields) => fields.serialize(serializer),
            Doc::Shared(shared) => shared.json.serialize(serializer),
        }
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_ref(), value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_keep_insertion_order_and_replace_in_place() {
        let mut fields = obj! { "B" => 1u32, "A" => "x" };
        fields.insert("B", true);
        fields.insert_first("RequestId", "R");
        assert_eq!(fields.to_json(), r#"{"RequestId":"R","B":true,"A":"x"}"#);
        assert_eq!(fields.remove("A"), Some(Doc::from("x")));
        assert_eq!(fields.get("A"), None);
        assert_eq!(fields.get("B"), Some(&Doc::Bool(true)));
    }

    #[test]
    fn json_values_convert_losslessly() {
        let value = json!({"A": [1, -2, 2.5, u64::MAX, null, "s", {"B": false}], "C": {}});
        let doc = Doc::from(value.clone());
        assert_eq!(serde_json::to_value(&doc).unwrap(), value);
    }

    #[test]
    fn shared_objects_write_their_json_and_read_back_their_fields() {
        let inner = obj! { "Id" => "eni-1", "Ips" => wrap("Ip", ["10.0.0.1"]), "N" => 2i64 };
        let shared = Arc::new(Shared::new(&inner));
        assert_eq!(shared.fields(), inner);
        let page =
            obj! { "Items" => wrap("Item", [Doc::Shared(shared.clone()), inner.clone().into()]) };
        let json = r#"{"Id":"eni-1","Ips":{"Ip":["10.0.0.1"]},"N":2}"#;
        assert_eq!(
            page.to_json(),
            format!(r#"{{"Items":{{"Item":[{json},{json}]}}}}"#)
        );
        let mut written = 0;
        for _ in 0..2 {
            shared.xml(|fields| {
                written += 1;
                format!("{}", fields.len())
            });
        }
        assert_eq!((shared.xml(|_| unreachable!()), written), ("3", 1));
    }

    #[test]
    fn wrapped_lists_and_absent_options() {
        let none: Option<String> = None;
        let fields = obj! {
            "Ids" => wrap("Id", ["a", "b"]),
            "Missing" => none,
        };
        assert_eq!(
            fields.to_json(),
            r#"{"Ids":{"Id":["a","b"]},"Missing":null}"#
        );
    }
}
