//! The properties the fuzz targets check (`fuzz/`, run by `fuzz/run.sh`), kept in the crate
//! so that the same code runs under libFuzzer and in the stable corpus replay
//! (`tests/fuzz_corpus.rs`). Each function takes arbitrary bytes and panics when a property
//! breaks; a panic is a finding.
//!
//! Input formats (the corpus in `fuzz/corpus/<target>/` is seeded from captured SDK requests):
//! - `request_decoder`: a raw HTTP/1.1 request (`METHOD /?query HTTP/1.1`, headers, a blank
//!   line, the body), parsed leniently.
//! - `signature`: the first line is the AccessKey secret, the rest a raw HTTP request.
//! - `acs3_authorization`: the value of an `Authorization` header.
//! - `encoders`: bytes read as instructions that build a JSON object (`value_from_bytes`).

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::auth::{self, SignedParts};
use super::encode::{self, Format};
use super::limits::WireLimits;
use super::params::{Params, PROTOCOL_PARAMETERS};
use super::sign::{self, decode_pairs, percent_encode};
use crate::doc::{Doc, Fields, Shared};
use crate::errors::Code;
use crate::store::AccessKey;

/// Decoded (name, value) pairs in their order on the wire.
pub type Pairs = Vec<(String, String)>;

/// A request as it arrives on the wire, read leniently: lines that are not headers are
/// skipped, a missing request line means `GET /`.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn parse(data: &[u8]) -> RawRequest {
        let split = [&b"\r\n\r\n"[..], &b"\n\n"[..]]
            .iter()
            .filter_map(|sep| find(data, sep).map(|at| (at, sep.len())))
            .min();
        let (head, body) = match split {
            Some((at, len)) => (&data[..at], data[at + len..].to_vec()),
            None => (data, Vec::new()),
        };
        let head = String::from_utf8_lossy(head);
        let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
        let mut request_line = lines.next().unwrap_or("").split_whitespace();
        let method = request_line.next().unwrap_or("GET").to_string();
        let target = request_line.next().unwrap_or("/").to_string();
        let mut headers = HeaderMap::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.trim().as_bytes()),
                HeaderValue::from_str(value.trim()),
            ) else {
                continue;
            };
            headers.append(name, value);
        }
        RawRequest {
            method,
            target,
            headers,
            body,
        }
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The decoded query and form-body pairs, as the server reads them.
    pub fn pairs(&self) -> (Pairs, Pairs) {
        let is_form = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        let body = if is_form {
            decode_pairs(&String::from_utf8_lossy(&self.body))
        } else {
            Vec::new()
        };
        (decode_pairs(self.query()), body)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every name that could be a list prefix of `name`: the parts before each dot.
fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(move |(at, _)| &name[..at])
}

/// The request decoder: query and form pairs, the limits, and typed access to the merged
/// parameters (scalars, flattened lists, lists of structs, JSON-array strings).
pub fn request_decoder(data: &[u8]) {
    let request = RawRequest::parse(data);
    let (query, body) = request.pairs();
    for pairs in [&query, &body] {
        assert_eq!(
            &decode_pairs(&encode_pairs(pairs)),
            pairs,
            "percent-encoding the decoded pairs and decoding them again changes them"
        );
    }
    let limits = WireLimits {
        max_parameters: 64,
        max_list_items: 100,
        ..WireLimits::default()
    };
    if let Err(e) = limits.check_parameters(&query, &body) {
        assert!(
            matches!(e.code, Code::TooManyParameters | Code::InvalidParameter),
            "{e}"
        );
    }
    let params = Params::merge(&query, &body);
    let _ = Format::from_param(params.get("Format"));
    for (name, _) in query.iter().chain(&body) {
        let first = query
            .iter()
            .chain(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        assert_eq!(
            params.raw(name),
            first,
            "the first occurrence of {name:?} wins"
        );
        let _ = params.bool(name);
        let _ = params.int(name);
        if let Ok(Some(n)) = params.int_in(name, -5, 5) {
            assert!((-5..=5).contains(&n));
        }
        if let Ok(items) = params.json_list(name, 10) {
            assert!(items.len() <= 10);
        }
        for prefix in prefixes(name) {
            let dotted = format!("{prefix}.");
            if let Ok(items) = params.list(prefix, 10) {
                let candidates: Vec<&str> = params_named(&query, &body, &dotted);
                assert!(items.len() <= candidates.len());
                assert!(items
                    .iter()
                    .all(|item| !item.is_empty() && candidates.contains(&item.as_str())));
            }
            if let Ok(indexes) = params.indexes(prefix) {
                assert!(indexes.windows(2).all(|w| w[0] < w[1]));
                assert!(!indexes.contains(&0));
            }
            let _ = params.has_list(prefix);
        }
    }
    assert!(params
        .call_pairs()
        .all(|(k, _)| !PROTOCOL_PARAMETERS.contains(&k)));
}

fn params_named<'p>(
    query: &'p [(String, String)],
    body: &'p [(String, String)],
    dotted: &str,
) -> Vec<&'p str> {
    query
        .iter()
        .chain(body)
        .filter(|(k, _)| k.starts_with(dotted))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Both signature schemes: whatever `claim` accepts, `verify` judges without panicking; the
/// same request signed correctly with the secret verifies, and fails with any other secret.
pub fn signature(data: &[u8]) {
    let (secret, rest) = match find(data, b"\n") {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let secret = String::from_utf8_lossy(secret)
        .trim_end_matches('\r')
        .to_string();
    let request = RawRequest::parse(rest);
    let (query, body_params) = request.pairs();
    let key = AccessKey {
        id: "fuzz".into(),
        secret: secret.clone(),
        account_id: "1000000000000001".into(),
        enabled: true,
    };
    let parts = SignedParts {
        method: &request.method,
        query: &query,
        body_params: &body_params,
        headers: &request.headers,
        body: &request.body,
    };
    let claim = match auth::claim(&parts) {
        Ok(claim) => claim,
        Err(e) => {
            assert!(
                matches!(
                    e.code,
                    Code::MissingParameter
                        | Code::IncompleteSignature
                        | Code::InvalidTimeStampFormat
                ),
                "claim refused with {e}"
            );
            return;
        }
    };
    if let Err(e) = auth::verify(&parts, &claim, &key) {
        assert!(
            matches!(
                e.code,
                Code::SignatureDoesNotMatch | Code::IncompleteSignature
            ),
            "verify refused with {e}"
        );
    }
    let Some((query, body_params, headers)) = resign(&request, query, body_params, &secret) else {
        return;
    };
    let parts = SignedParts {
        method: &request.method,
        query: &query,
        body_params: &body_params,
        headers: &headers,
        body: &request.body,
    };
    let claim = auth::claim(&parts).expect("a re-signed request still parses");
    auth::verify(&parts, &claim, &key).expect("a correctly signed request verifies");
    let other = AccessKey {
        secret: format!("{secret}x"),
        ..key
    };
    assert_eq!(
        auth::verify(&parts, &claim, &other).unwrap_err().code,
        Code::SignatureDoesNotMatch,
        "a signature made with another secret is refused"
    );
}

type Resigned = (Pairs, Pairs, HeaderMap);

/// The request with its signature replaced by the correct one for `secret`; `None` when no
/// client could sign it (ACS3 signing its own Authorization header, a signed header absent).
fn resign(
    request: &RawRequest,
    mut query: Vec<(String, String)>,
    mut body_params: Vec<(String, String)>,
    secret: &str,
) -> Option<Resigned> {
    let mut headers = request.headers.clone();
    if let Some(value) = headers.get("authorization") {
        let auth = sign::parse_acs3_authorization(value.to_str().ok()?)?;
        if auth.signed_headers.iter().any(|h| h == "authorization") {
            return None;
        }
        let canonical = sign::acs3_canonical_request(
            &request.method,
            "/",
            &query,
            &headers,
            &auth.signed_headers,
            &request.body,
        )
        .ok()?;
        let signature = sign::acs3_signature(secret, &sign::acs3_string_to_sign(&canonical));
        let value = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
            auth.access_key_id,
            auth.signed_headers.join(";")
        );
        headers.insert("authorization", HeaderValue::from_str(&value).ok()?);
    } else {
        let signed: Vec<(String, String)> = query
            .iter()
            .chain(&body_params)
            .filter(|(k, _)| k != "Signature")
            .cloned()
            .collect();
        let signature =
            sign::v1_signature(secret, &sign::v1_string_to_sign(&request.method, &signed));
        for (k, v) in query.iter_mut().chain(body_params.iter_mut()) {
            if k == "Signature" {
                *v = signature.clone();
            }
        }
    }
    Some((query, body_params, headers))
}

/// The ACS3 `Authorization` parser: what it accepts is complete, and writing it back in the
/// SDKs' form parses to the same value.
pub fn acs3_authorization(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Some(auth) = sign::parse_acs3_authorization(&text) else {
        return;
    };
    assert!(!auth.access_key_id.is_empty() && !auth.signature.is_empty());
    assert!(auth
        .signed_headers
        .iter()
        .all(|h| !h.is_empty() && *h == h.to_ascii_lowercase()));
    let rebuilt = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
        auth.access_key_id,
        auth.signed_headers.join(";"),
        auth.signature
    );
    assert_eq!(
        sign::parse_acs3_authorization(&rebuilt).as_ref(),
        Some(&auth),
        "{rebuilt:?} parses differently from {text:?}"
    );
}

/// Reads fuzz bytes as a recipe for a JSON value.
struct Recipe<'a> {
    data: &'a [u8],
    at: usize,
}

impl Recipe<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn done(&self) -> bool {
        self.at >= self.data.len()
    }

    fn text(&mut self) -> String {
        let len = usize::from(self.byte() % 24);
        let start = self.at.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.at = start + len;
        String::from_utf8_lossy(&self.data[start..end]).into_owned()
    }

    /// An element name, as handlers write them: a letter, then letters and digits.
    fn name(&mut self) -> String {
        const FIRST: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        const REST: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let len = 1 + usize::from(self.byte() % 6);
        let mut name = String::with_capacity(len);
        name.push(FIRST[usize::from(self.byte()) % FIRST.len()] as char);
        for _ in 1..len {
            name.push(REST[usize::from(self.byte()) % REST.len()] as char);
        }
        name
    }

    fn number(&mut self) -> i64 {
        let mut bytes = [0u8; 8];
        for b in &mut bytes {
            *b = self.byte();
        }
        i64::from_le_bytes(bytes)
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.byte() % 8 {
            0 => Value::Null,
            1 => Value::Bool(self.byte() % 2 == 1),
            2 => Value::from(self.number()),
            3 => Value::from(self.number() as u64),
            4 | 5 => Value::String(self.text()),
            6 if depth < 4 => {
                let len = self.byte() % 4;
                Value::Array((0..len).map(|_| self.value(depth + 1)).collect())
            }
            7 if depth < 4 => Value::Object(self.object(depth + 1, 4)),
            _ => Value::String(self.text()),
        }
    }

    fn object(&mut self, depth: u32, max_len: u8) -> Map<String, Value> {
        let len = self.byte() % (max_len + 1);
        let mut map = Map::new();
        for _ in 0..len {
            let key = self.name();
            let value = self.value(depth);
            map.insert(key, value);
        }
        map
    }
}

/// The body a handler could hand the encoder, built from fuzz bytes.
pub fn value_from_bytes(data: &[u8]) -> Map<String, Value> {
    let mut recipe = Recipe { data, at: 0 };
    let mut body = recipe.object(0, 8);
    while !recipe.done() && body.len() < 64 {
        let key = recipe.name();
        let value = recipe.value(0);
        body.insert(key, value);
    }
    body
}

/// The scalar leaves of a body in document order, as the XML encoder writes their text.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| leaves(v, out)),
        Value::Null => {}
        Value::String(s) => out.push(encode::xml_text(s)),
        other => out.push(other.to_string()),
    }
}

/// Characters an XML 1.0 document may contain.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The encoders: the JSON answer parses back to the body with RequestId first; the XML answer
/// is a well-formed document whose texts are the body's scalars.
pub fn encoders(data: &[u8]) {
    let body = value_from_bytes(data);
    let request_id = "5A2B4C6D-0000-4000-8000-000000000000";

    let fields = |body: &Map<String, Value>| match Doc::from(Value::Object(body.clone())) {
        Doc::Obj(fields) => fields,
        _ => unreachable!("an object converts to an object"),
    };
    let json = encode::render(Format::Json, "FuzzResponse", request_id, fields(&body));
    let parsed: Map<String, Value> = serde_json::from_str(&json).expect("the JSON answer parses");
    // The answer's own RequestId leads and replaces any the body carried.
    let mut expected = Map::new();
    expected.insert("RequestId".into(), Value::String(request_id.into()));
    expected.extend(body.clone().into_iter().filter(|(k, _)| k != "RequestId"));
    assert_eq!(parsed, expected);
    assert_eq!(parsed.keys().next().map(String::as_str), Some("RequestId"));

    let xml = encode::render(Format::Xml, "FuzzResponse", request_id, fields(&body));
    if let Some(bad) = xml.chars().find(|&c| !xml_char(c)) {
        panic!("the XML answer holds {bad:?}, which XML 1.0 forbids: {xml:?}");
    }
    let mut expected_texts = Vec::new();
    leaves(&Value::Object(expected), &mut expected_texts);
    expected_texts.retain(|t| !t.is_empty());
    let texts = xml_texts(&xml).unwrap_or_else(|e| panic!("{e}: {xml:?}"));
    assert_eq!(texts, expected_texts, "{xml:?}");

    // Objects rendered once and shared (the ENI answer cache) write as the objects they hold.
    let shared = |body: &Map<String, Value>| match shared_inside(fields(body).into()) {
        Doc::Obj(fields) => fields,
        _ => unreachable!("an object stays an object"),
    };
    for (format, plain) in [(Format::Json, &json), (Format::Xml, &xml)] {
        let answer = encode::render(format, "FuzzResponse", request_id, shared(&body));
        assert_eq!(&answer, plain, "{format:?} with shared objects");
    }
}

/// `doc` with every object below the top as a `Doc::Shared`.
fn shared_inside(doc: Doc) -> Doc {
    let share = |doc: Doc| match shared_inside(doc) {
        Doc::Obj(fields) => Doc::Shared(std::sync::Arc::new(Shared::new(&fields))),
        other => other,
    };
    match doc {
        Doc::Obj(fields) => {
            let mut out = Fields::new();
            for (key, value) in fields.iter() {
                out.insert(key.to_string(), share(value.clone()));
            }
            Doc::Obj(out)
        }
        Doc::List(items) => Doc::List(items.into_iter().map(share).collect()),
        other => other,
    }
}

/// The non-empty texts of a document, unescaped, checking that it is well formed: one root,
/// every element closed in order.
fn xml_texts(xml: &str) -> Result<Vec<String>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut texts = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader.read_event().map_err(|e| format!("not XML: {e}"))?;
        match event {
            Event::Decl(_) => {}
            Event::Start(start) => {
                if open.is_empty() {
                    roots += 1;
                }
                open.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
            }
            Event::End(end) => {
                let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                if open.pop().as_deref() != Some(name.as_str()) {
                    return Err(format!("</{name}> closes the wrong element"));
                }
                if !text.is_empty() {
                    texts.push(std::mem::take(&mut text));
                }
            }
            Event::Text(t) => {
                let unescaped = t.unescape().map_err(|e| format!("bad escape: {e}"))?;
                text.push_str(&unescaped);
            }
            Event::Eof => break,
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    if !open.is_empty() || roots != 1 {
        return Err(format!("{roots} roots, {open:?} left open"));
    }
    Ok(texts)
}
