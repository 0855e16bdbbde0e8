//! A signing RPC client, as the official SDKs sign: V1 (HMAC-SHA1, parameters in the query)
//! or ACS3-HMAC-SHA256 (action and version in headers). Used by the `ecsnet` CLI and tests.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::wire::sign;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    V1,
    Acs3,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
}

/// An error answer as the server gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("{}: {} (HTTP {}, RequestId {})", .0.code, .0.message, .0.status, .0.request_id)]
    Api(ApiFailure),
    #[error("cannot reach the endpoint: {0}")]
    Transport(String),
}

#[derive(Clone)]
pub struct ApiClient {
    base: String,
    host: String,
    credentials: Credentials,
    signing: Signing,
    http: reqwest::Client,
}

fn now_iso() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", sign::percent_encode(k), sign::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn parse(status: u16, body: &[u8]) -> Result<Value, CallError> {
    serde_json::from_slice(body).map_err(|_| {
        let text = String::from_utf8_lossy(body);
        CallError::Transport(format!("HTTP {status}, not JSON: {text}"))
    })
}

fn failure(status: u16, body: &Value) -> CallError {
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
    CallError::Api(ApiFailure {
        status,
        code: field("Code"),
        message: field("Message"),
        request_id: field("RequestId"),
    })
}

impl ApiClient {
    /// `endpoint` is `host:port` or `http://host:port`.
    pub fn new(endpoint: &str, credentials: Credentials, signing: Signing) -> Self {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        ApiClient {
            base: format!("http://{host}"),
            host,
            credentials,
            signing,
            http: reqwest::Client::new(),
        }
    }

    /// Calls `action` of the API `version` and returns the JSON answer.
    pub async fn call(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Result<Value, CallError> {
        let (status, body) = self.send(action, version, params).await?;
        let body = parse(status, &body)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(failure(status, &body))
    }

    /// Calls `action` and only checks that it succeeded: a load generator's call, which does
    /// not spend its time parsing answers (an error answer is still read).
    pub async fn call_unread(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Result<(), CallError> {
        let (status, body) = self.send(action, version, params).await?;
        if (200..300).contains(&status) {
            return Ok(());
        }
        Err(failure(status, &parse(status, &body)?))
    }

    async fn send(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Result<(u16, Bytes), CallError> {
        let request = match self.signing {
            Signing::V1 => self.v1_request(action, version, params),
            Signing::Acs3 => self.acs3_request(action, version, params),
        };
        let response = request
            .send()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        Ok((status, body))
    }

    fn v1_request(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let mut all: Vec<(String, String)> = [
            ("Action", action.to_string()),
            ("Version", version.to_string()),
            ("Format", "JSON".to_string()),
            ("AccessKeyId", self.credentials.access_key_id.clone()),
            ("SignatureMethod", "HMAC-SHA1".to_string()),
            ("SignatureVersion", "1.0".to_string()),
            ("SignatureNonce", nonce()),
            ("Timestamp", now_iso()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(params.iter().cloned())
        .collect();
        let string_to_sign = sign::v1_string_to_sign("POST", &all);
        let signature = sign::v1_signature(&self.credentials.access_key_secret, &string_to_sign);
        all.push(("Signature".into(), signature));
        self.http
            .post(format!("{}/?{}", self.base, encode_query(&all)))
    }

    fn acs3_request(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", self.host.clone()),
            ("x-acs-action", action.to_string()),
            ("x-acs-version", version.to_string()),
            ("x-acs-date", now_iso()),
            ("x-acs-signature-nonce", nonce()),
            ("x-acs-content-sha256", sign::sha256_hex(b"")),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(&value).expect("header values are ASCII"),
            );
        }
        let signed: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
        let canonical = sign::acs3_canonical_request("POST", "/", params, &headers, &signed, b"")
            .expect("every signed header is present");
        let signature = sign::acs3_signature(
            &self.credentials.access_key_secret,
            &sign::acs3_string_to_sign(&canonical),
        );
        let mut sorted = signed;
        sorted.sort();
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
            self.credentials.access_key_id,
            sorted.join(";"),
        );
        self.http
            .post(format!("{}/?{}", self.base, encode_query(params)))
            .headers(headers)
            .header("authorization", authorization)
    }
}
