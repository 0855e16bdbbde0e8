//! Authentication as the server runs it: `claim` then `verify` on requests rebuilt from the
//! captured SDK vectors (the clock and nonce checks of `NonceGuard` are left out, since the
//! vectors are historical), then requests broken one way at a time, then `NonceGuard` alone.

use axum::http::{HeaderName, HeaderValue};
use chrono::TimeDelta;
use serde_json::Value;

use super::*;
use crate::app::REPLAY_WINDOW_SECS;

const VECTORS: &str = include_str!("../../../../shared/spec/signature-vectors.json");

const V1_QUERY: &str = "python:core JoinSecurityGroup";
const V1_FORM: &str = "node:popcore ModifyNetworkInterfaceAttribute";
const ACS3_PY: &str = "python:tea ModifyNetworkInterfaceAttribute";
const ACS3_NODE: &str = "node:tea CreateSecurityGroup";

/// A request as the server's handler sees it, owning what `SignedParts` borrows.
#[derive(Clone)]
struct Request {
    method: String,
    query: Vec<(String, String)>,
    body_params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Request {
    fn parts(&self) -> SignedParts<'_> {
        SignedParts {
            method: &self.method,
            query: &self.query,
            body_params: &self.body_params,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// Sets a parameter where it travels (query first, as the server reads it).
    fn set_param(&mut self, name: &str, value: &str) {
        let slot = self
            .query
            .iter_mut()
            .chain(self.body_params.iter_mut())
            .find(|(k, _)| k == name)
            .unwrap_or_else(|| panic!("no parameter {name}"));
        slot.1 = value.to_string();
    }

    fn remove_param(&mut self, name: &str) {
        self.query.retain(|(k, _)| k != name);
        self.body_params.retain(|(k, _)| k != name);
    }

    fn set_header(&mut self, name: &'static str, value: &str) {
        self.headers
            .insert(name, HeaderValue::from_str(value).unwrap());
    }

    fn remove_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    /// Rewrites the ACS3 Authorization with `edit` applied to its text.
    fn edit_authorization(&mut self, edit: impl FnOnce(&str) -> String) {
        let old = self.headers["authorization"].to_str().unwrap().to_string();
        self.set_header("authorization", &edit(&old));
    }
}

struct Vector {
    name: String,
    request: Request,
    key: AccessKey,
    string_to_sign: String,
}

fn text<'v>(v: &'v Value, field: &str) -> &'v str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {field}"))
}

/// Rebuilds the request the way `wire::server::handle` does: decoded query pairs, form-body
/// pairs when the body is `application/x-www-form-urlencoded`, and the headers as a HeaderMap.
fn vectors() -> Vec<Vector> {
    let doc: Value = serde_json::from_str(VECTORS).expect("signature-vectors.json parses");
    doc["vectors"]
        .as_array()
        .expect("a vectors array")
        .iter()
        .map(|v| {
            let mut headers = HeaderMap::new();
            for pair in v["headers"].as_array().unwrap() {
                let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
                headers.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            let body = text(v, "body");
            let form = headers
                .get("content-type")
                .and_then(|ct| ct.to_str().ok())
                .is_some_and(|ct| {
                    ct.to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded")
                });
            let raw_query = text(v, "raw_path").split_once('?').map_or("", |(_, q)| q);
            Vector {
                name: text(v, "name").to_string(),
                request: Request {
                    method: text(v, "method").to_string(),
                    query: sign::decode_pairs(raw_query),
                    body_params: if form {
                        sign::decode_pairs(body)
                    } else {
                        Vec::new()
                    },
                    headers,
                    body: body.as_bytes().to_vec(),
                },
                key: AccessKey {
                    id: text(v, "access_key_id").to_string(),
                    secret: text(v, "secret").to_string(),
                    account_id: "1234567890123456".to_string(),
                    enabled: true,
                },
                string_to_sign: text(v, "string_to_sign").to_string(),
            }
        })
        .collect()
}

fn vector(name: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// The server's authentication minus `NonceGuard`.
fn authenticate(request: &Request, key: &AccessKey) -> Result<Claim, ApiError> {
    let parts = request.parts();
    let claim = claim(&parts)?;
    verify(&parts, &claim, key)?;
    Ok(claim)
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn every_captured_vector_verifies() {
    let all = vectors();
    assert_eq!(all.len(), 9, "the vector file changed; review these tests");
    let failures: Vec<String> = all
        .iter()
        .filter_map(|v| match authenticate(&v.request, &v.key) {
            Ok(claim) if claim.access_key_id == v.key.id => None,
            Ok(claim) => Some(format!("{}: claimed key {}", v.name, claim.access_key_id)),
            Err(err) => Some(format!("{}: {err}", v.name)),
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn claims_read_nonce_and_time_of_either_scheme() {
    #[rustfmt::skip]
    let rows = [
        (V1_QUERY, "5a43bb3936e7143321f3e4febe61cf1a", "2026-11-25T16:43:27Z"),
        (V1_FORM, "715304a855d38f040965a5dd05928805", "2026-11-25T16:43:28Z"),
        (ACS3_PY, "cd105a182cde3328e7f2ce32b8c511a3", "2026-11-25T16:43:27Z"),
        (ACS3_NODE, "2678027f2cd2d144360d4b0761ea2f9c256bade086cfe5353032f409eaab2b08", "2026-11-25T16:43:33Z"),
    ];
    for (name, nonce, time) in rows {
        let claim = claim(&vector(name).request.parts()).unwrap();
        assert_eq!(
            (claim.nonce.as_str(), claim.time),
            (nonce, utc(time)),
            "{name}"
        );
    }
}

#[test]
fn a_wrong_secret_is_a_mismatch_that_shows_the_string_to_sign() {
    for v in vectors() {
        let key = AccessKey {
            secret: "not-the-secret".to_string(),
            ..v.key.clone()
        };
        let err = authenticate(&v.request, &key).unwrap_err();
        assert_eq!(err.code, Code::SignatureDoesNotMatch, "{}", v.name);
        assert_eq!(err.code.status(), 400);
        // aliyun-python-sdk-core compares `message.split(':')[1]` with its own string to sign.
        assert_eq!(
            err.message.split(':').nth(1),
            Some(v.string_to_sign.as_str()),
            "{}: {}",
            v.name,
            err.message
        );
    }
}

/// How a case breaks a vector's request.
type Mutation = fn(&mut Request);

/// Runs each row on a fresh copy of its vector's request: the answer must be the row's code,
/// with a message that contains the row's fragment. Reports every wrong row at once.
#[track_caller]
fn refused(rows: &[(&str, &str, Mutation, Code, &str)]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|&(case, name, mutate, want, fragment)| {
            let v = vector(name);
            let mut request = v.request.clone();
            mutate(&mut request);
            match authenticate(&request, &v.key) {
                Err(err) if err.code == want && err.message.contains(fragment) => None,
                Err(err) => Some(format!(
                    "{case} ({name}): got {err}, want {want:?} with {fragment:?}"
                )),
                Ok(_) => Some(format!("{case} ({name}): accepted, want {want:?}")),
            }
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tampered_requests_do_not_match() {
    use Code::SignatureDoesNotMatch as Mismatch;
    #[rustfmt::skip]
    let rows: &[(&str, &str, Mutation, Code, &str)] = &[
        ("a query parameter changed", V1_QUERY, |r| r.set_param("SecurityGroupId", "sg-bp1evil"), Mismatch, ":POST&%2F&"),
        ("a body parameter changed", V1_FORM, |r| r.set_param("NetworkInterfaceName", "evil"), Mismatch, ":POST&%2F&"),
        ("a parameter added", V1_QUERY, |r| r.query.push(("DryRun".into(), "true".into())), Mismatch, "DryRun"),
        ("a parameter dropped", V1_QUERY, |r| r.remove_param("InstanceId"), Mismatch, ":POST&"),
        ("another method", V1_QUERY, |r| r.method = "GET".into(), Mismatch, ":GET&%2F&"),
        ("an ACS3 query parameter changed", ACS3_PY, |r| r.set_param("RegionId", "cn-beijing"), Mismatch, ":ACS3-HMAC-SHA256\n"),
        ("an ACS3 signed header changed", ACS3_NODE, |r| r.set_header("x-acs-action", "DeleteSecurityGroup"), Mismatch, ":ACS3-HMAC-SHA256\n"),
        ("an ACS3 body added", ACS3_NODE, |r| r.body = b"VpcId=vpc-evil".to_vec(), Mismatch, ":ACS3-HMAC-SHA256\n"),
        ("an ACS3 signature changed", ACS3_NODE, |r| r.edit_authorization(|a| a.replace("Signature=28f6", "Signature=28f7")), Mismatch, ":ACS3-HMAC-SHA256\n"),
    ];
    refused(rows);
}

#[test]
fn malformed_requests_are_refused() {
    use Code::{IncompleteSignature, InvalidTimeStampFormat, MissingParameter};
    #[rustfmt::skip]
    let rows: &[(&str, &str, Mutation, Code, &str)] = &[
        ("no Signature", V1_QUERY, |r| r.remove_param("Signature"), MissingParameter, "\"Signature\""),
        ("no Signature in the body", V1_FORM, |r| r.remove_param("Signature"), MissingParameter, "\"Signature\""),
        ("no AccessKeyId", V1_QUERY, |r| r.remove_param("AccessKeyId"), MissingParameter, "\"AccessKeyId\""),
        ("an empty AccessKeyId", V1_FORM, |r| r.set_param("AccessKeyId", ""), MissingParameter, "\"AccessKeyId\""),
        ("no SignatureNonce", V1_QUERY, |r| r.remove_param("SignatureNonce"), MissingParameter, "\"SignatureNonce\""),
        ("no Timestamp", V1_FORM, |r| r.remove_param("Timestamp"), MissingParameter, "\"Timestamp\""),
        ("no SignatureMethod", V1_QUERY, |r| r.remove_param("SignatureMethod"), MissingParameter, "\"SignatureMethod\""),
        ("no SignatureVersion", V1_QUERY, |r| r.remove_param("SignatureVersion"), MissingParameter, "\"SignatureVersion\""),
        ("SignatureMethod HMAC-SHA256", V1_QUERY, |r| r.set_param("SignatureMethod", "HMAC-SHA256"), IncompleteSignature, "HMAC-SHA1"),
        ("SignatureVersion 2.0", V1_QUERY, |r| r.set_param("SignatureVersion", "2.0"), IncompleteSignature, "1.0"),
        ("Timestamp with a space", V1_QUERY, |r| r.set_param("Timestamp", "2026-11-25 16:43:27"), InvalidTimeStampFormat, "not well formatted"),
        ("Timestamp without a zone", V1_FORM, |r| r.set_param("Timestamp", "2026-11-25T16:43:28"), InvalidTimeStampFormat, "not well formatted"),
        ("Timestamp in seconds", V1_QUERY, |r| r.set_param("Timestamp", "1795624407"), InvalidTimeStampFormat, "not well formatted"),
        ("x-acs-date malformed", ACS3_NODE, |r| r.set_header("x-acs-date", "Wed, 25 Nov 2026 16:43:33 GMT"), InvalidTimeStampFormat, "not well formatted"),
        ("no x-acs-date", ACS3_NODE, |r| r.remove_header("x-acs-date"), MissingParameter, "\"x-acs-date\""),
        ("no x-acs-signature-nonce", ACS3_PY, |r| r.remove_header("x-acs-signature-nonce"), MissingParameter, "\"x-acs-signature-nonce\""),
        ("another Authorization scheme", ACS3_PY, |r| r.set_header("authorization", "Bearer abc"), IncompleteSignature, "not ACS3-HMAC-SHA256"),
        ("a malformed ACS3 Authorization", ACS3_PY, |r| r.edit_authorization(|a| a.replace(",Signature=", ",Sig=")), IncompleteSignature, "malformed"),
        // Everything that decides what the request does must be signed.
        ("an x-acs-* header sent unsigned", ACS3_NODE, |r| r.set_header("x-acs-security-token", "token"), IncompleteSignature, "x-acs-security-token"),
        ("x-acs-action left out of SignedHeaders", ACS3_NODE, |r| r.edit_authorization(|a| a.replace("x-acs-action;", "")), IncompleteSignature, "x-acs-action"),
        ("host left out of SignedHeaders", ACS3_PY, |r| r.edit_authorization(|a| a.replace(";host;", ";")), IncompleteSignature, "host"),
        ("a signed header not sent", ACS3_PY, |r| r.remove_header("user-agent"), IncompleteSignature, "user-agent"),
    ];
    refused(rows);
}

fn claim_at(access_key_id: &str, nonce: &str, time: DateTime<Utc>) -> Claim {
    Claim {
        access_key_id: access_key_id.to_string(),
        nonce: nonce.to_string(),
        time,
        scheme: Scheme::V1 {
            signature: String::new(),
        },
    }
}

#[test]
fn the_request_time_must_be_within_the_window() {
    let guard = NonceGuard::new(REPLAY_WINDOW_SECS);
    let sent = utc("2026-11-25T16:43:27Z");
    let claim = claim_at("LTAI5tTestAccessKeyId", "n-1", sent);
    let minutes = TimeDelta::minutes;
    let expired = Err(ApiError::of(Code::InvalidTimeStampExpired));
    #[rustfmt::skip]
    let rows = [
        ("on time", guard.check_time(&claim, sent), Ok(())),
        ("14 minutes late", guard.check_time(&claim, sent + minutes(14)), Ok(())),
        ("14 minutes early", guard.check_time(&claim, sent - minutes(14)), Ok(())),
        ("exactly 15 minutes late", guard.check_time(&claim, sent + minutes(15)), Ok(())),
        ("15 minutes and a second late", guard.check_time(&claim, sent + minutes(15) + TimeDelta::seconds(1)), expired.clone()),
        ("16 minutes late", guard.check_time(&claim, sent + minutes(16)), expired.clone()),
        ("16 minutes early", guard.check_time(&claim, sent - minutes(16)), expired.clone()),
        ("a day late", guard.check_time(&claim, sent + TimeDelta::days(1)), expired),
    ];
    for (case, got, want) in rows {
        assert_eq!(got, want, "{case}");
    }
}

#[test]
fn a_nonce_is_used_once_per_key_within_the_window() {
    let guard = NonceGuard::new(REPLAY_WINDOW_SECS);
    let now = utc("2026-11-25T16:43:27Z");
    let window = TimeDelta::seconds(REPLAY_WINDOW_SECS);
    let used = Err(ApiError::of(Code::SignatureNonceUsed));
    let (a, b) = ("LTAI5tKeyA", "LTAI5tKeyB");
    // Rows run in order against one guard.
    #[rustfmt::skip]
    let rows = [
        ("first use", guard.check_nonce(&claim_at(a, "n-1", now), now), Ok(())),
        ("reused", guard.check_nonce(&claim_at(a, "n-1", now), now), used.clone()),
        ("reused a minute later", guard.check_nonce(&claim_at(a, "n-1", now), now + TimeDelta::minutes(1)), used.clone()),
        ("another nonce, same key", guard.check_nonce(&claim_at(a, "n-2", now), now), Ok(())),
        ("same nonce, another key", guard.check_nonce(&claim_at(b, "n-1", now), now), Ok(())),
        ("that one reused too", guard.check_nonce(&claim_at(b, "n-1", now), now), used.clone()),
        // Remembered while its timestamp passes check_time (to the next whole minute after).
        ("reused as its timestamp leaves the window", guard.check_nonce(&claim_at(a, "n-1", now), now + window), used.clone()),
        ("a future timestamp is remembered longer", guard.check_nonce(&claim_at(a, "n-3", now + window), now), Ok(())),
        ("forgotten once its timestamp is out", guard.check_nonce(&claim_at(a, "n-1", now), now + window + TimeDelta::minutes(1)), Ok(())),
        ("the future one is not", guard.check_nonce(&claim_at(a, "n-3", now + window), now + window + TimeDelta::minutes(1)), used),
    ];
    for (case, got, want) in rows {
        assert_eq!(got, want, "{case}");
    }
}
