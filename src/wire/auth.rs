//! Who is calling: signature verification (V1 and ACS3), the timestamp window and the
//! SignatureNonce replay guard. Verification is split from the clock and nonce checks so the
//! captured SDK vectors can be replayed against the very code the server runs.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use super::sign;
use crate::errors::{ApiError, Code};
use crate::store::AccessKey;

/// The parts of a request that signatures cover.
pub struct SignedParts<'a> {
    pub method: &'a str,
    pub query: &'a [(String, String)],
    pub body_params: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What the caller claims, before the signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub access_key_id: String,
    pub nonce: String,
    pub time: DateTime<Utc>,
    scheme: Scheme,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scheme {
    V1 { signature: String },
    Acs3 { auth: sign::Acs3Authorization },
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn param<'p>(parts: &'p SignedParts, name: &str) -> Option<&'p str> {
    parts
        .query
        .iter()
        .chain(parts.body_params.iter())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn parse_time(value: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::of(Code::InvalidTimeStampFormat))
}

fn incomplete(detail: &str) -> ApiError {
    ApiError::with(Code::IncompleteSignature, detail)
}

/// Reads the credentials of either scheme: an `Authorization: ACS3-…` header, or V1's
/// `Signature` parameter.
pub fn claim(parts: &SignedParts) -> Result<Claim, ApiError> {
    if let Some(value) = header(parts.headers, "authorization") {
        if value.starts_with("ACS3-") {
            let auth = sign::parse_acs3_authorization(value)
                .ok_or_else(|| incomplete("The Authorization header is malformed."))?;
            let date = header(parts.headers, "x-acs-date")
                .ok_or_else(|| ApiError::missing("x-acs-date"))?;
            let nonce = header(parts.headers, "x-acs-signature-nonce")
                .ok_or_else(|| ApiError::missing("x-acs-signature-nonce"))?;
            // Everything that decides what the request does must be signed.
            let unsigned = parts
                .headers
                .keys()
                .map(|k| k.as_str())
                .filter(|k| *k == "host" || k.starts_with("x-acs-"))
                .find(|k| !auth.signed_headers.iter().any(|s| s == k));
            if let Some(name) = unsigned {
                return Err(incomplete(&format!("The header {name} must be signed.")));
            }
            return Ok(Claim {
                access_key_id: auth.access_key_id.clone(),
                nonce: nonce.to_string(),
                time: parse_time(date)?,
                scheme: Scheme::Acs3 { auth },
            });
        }
        return Err(incomplete(
            "The Authorization header is not ACS3-HMAC-SHA256.",
        ));
    }
    let Some(signature) = param(parts, "Signature") else {
        return Err(ApiError::missing("Signature"));
    };
    let access_key_id = param(parts, "AccessKeyId")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("AccessKeyId"))?;
    match param(parts, "SignatureMethod") {
        Some("HMAC-SHA1") => {}
        Some(_) => return Err(incomplete("SignatureMethod must be HMAC-SHA1.")),
        None => return Err(ApiError::missing("SignatureMethod")),
    }
    match param(parts, "SignatureVersion") {
        Some("1.0") => {}
        Some(_) => return Err(incomplete("SignatureVersion must be 1.0.")),
        None => return Err(ApiError::missing("SignatureVersion")),
    }
    let nonce = param(parts, "SignatureNonce")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("SignatureNonce"))?;
    let timestamp = param(parts, "Timestamp")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("Timestamp"))?;
    Ok(Claim {
        access_key_id: access_key_id.to_string(),
        nonce: nonce.to_string(),
        time: parse_time(timestamp)?,
        scheme: Scheme::V1 {
            signature: signature.to_string(),
        },
    })
}

/// Recomputes the claim's signature with the key's secret.
pub fn verify(parts: &SignedParts, claim: &Claim, key: &AccessKey) -> Result<(), ApiError> {
    let (string_to_sign, expected, given) = match &claim.scheme {
        Scheme::V1 { signature } => {
            let signed: Vec<(String, String)> = parts
                .query
                .iter()
                .chain(parts.body_params.iter())
                .filter(|(k, _)| k != "Signature")
                .cloned()
                .collect();
            let sts = sign::v1_string_to_sign(parts.method, &signed);
            let expected = sign::v1_signature(&key.secret, &sts);
            (sts, expected, signature.as_str())
        }
        Scheme::Acs3 { auth } => {
            let canonical = sign::acs3_canonical_request(
                parts.method,
                "/",
                parts.query,
                parts.headers,
                &auth.signed_headers,
                parts.body,
            )
            .map_err(|name| incomplete(&format!("The signed header {name} is missing.")))?;
            let sts = sign::acs3_string_to_sign(&canonical);
            let expected = sign::acs3_signature(&key.secret, &sts);
            (sts, expected, auth.signature.as_str())
        }
    };
    if sign::signatures_equal(&expected, given) {
        Ok(())
    } else {
        Err(ApiError::with(Code::SignatureDoesNotMatch, string_to_sign))
    }
}

/// The replay guard: each (key, nonce) once within the window.
pub struct NonceGuard {
    window_secs: i64,
    /// Two independently keyed hashers: a nonce is remembered as a 128-bit fingerprint.
    hashers: [RandomState; 2],
    seen: Mutex<Seen>,
}

/// How finely the guard groups nonces by when it may forget them.
const FORGET_BUCKET_SECS: i64 = 60;

/// Nonces still remembered, as fingerprints of (AccessKeyId, nonce): 16 bytes each, whatever
/// their length, in buckets ordered by the minute after which no request carrying them can
/// pass the timestamp window any more. Forgetting drops whole buckets.
#[derive(Default)]
struct Seen {
    buckets: VecDeque<(i64, HashSet<[u64; 2]>)>,
}

impl NonceGuard {
    pub fn new(window_secs: i64) -> Self {
        NonceGuard {
            window_secs,
            hashers: [RandomState::new(), RandomState::new()],
            seen: Mutex::new(Seen::default()),
        }
    }

    /// The request time must lie within the window around `now`.
    pub fn check_time(&self, claim: &Claim, now: DateTime<Utc>) -> Result<(), ApiError> {
        if (now - claim.time).num_seconds().abs() > self.window_secs {
            return Err(ApiError::of(Code::InvalidTimeStampExpired));
        }
        Ok(())
    }

    /// Records the nonce where every server sharing `store` sees it: in the PostgreSQL store's
    /// `nonces` table, or in this process for the SQLite store (which one server owns).
    pub async fn check_nonce_in(
        &self,
        store: &crate::store::Store,
        claim: &Claim,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let Some(shared) = store.shared() else {
            return self.check_nonce(claim, now);
        };
        let now = now.timestamp();
        let key = format!("{}\n{}", claim.access_key_id, claim.nonce);
        let expires_at = now + 2 * self.window_secs;
        match shared.claim_nonce(key, now, expires_at).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ApiError::of(Code::SignatureNonceUsed)),
            Err(fault) => {
                tracing::error!(error = %fault, "the nonce guard failed");
                Err(ApiError::internal())
            }
        }
    }

    /// Records the nonce; a second use is refused for as long as the request's timestamp
    /// passes the window (a replay cannot change the timestamp: it is signed).
    pub fn check_nonce(&self, claim: &Claim, now: DateTime<Utc>) -> Result<(), ApiError> {
        let now = now.timestamp();
        let key = (&claim.access_key_id, &claim.nonce);
        let print = [self.hashers[0].hash_one(key), self.hashers[1].hash_one(key)];
        // The first bucket boundary after the last second this timestamp passes the window.
        let last_valid = claim.time.timestamp() + self.window_secs;
        let forget_at = (last_valid.div_euclid(FORGET_BUCKET_SECS) + 1) * FORGET_BUCKET_SECS;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        while seen.buckets.front().is_some_and(|(at, _)| *at <= now) {
            seen.buckets.pop_front();
        }
        if seen
            .buckets
            .iter()
            .any(|(_, prints)| prints.contains(&print))
        {
            return Err(ApiError::of(Code::SignatureNonceUsed));
        }
        if forget_at > now {
            match seen.buckets.binary_search_by_key(&forget_at, |(at, _)| *at) {
                Ok(at) => {
                    seen.buckets[at].1.insert(print);
                }
                Err(at) => seen.buckets.insert(at, (forget_at, HashSet::from([print]))),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
