//! The HTTP front: one handler for every RPC call on `/`.

use std::sync::Arc;
use std::time::Instant;

use crate::doc::Fields;
use crate::obj;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::Utc;

use super::auth::{self, SignedParts};
use super::encode::{self, Format};
use super::params::Params;
use super::sign::decode_pairs;
use crate::actions::{self, Call};
use crate::app::App;
use crate::errors::{ApiError, Code};
use crate::metrics::SUCCESS_CODE;
use crate::ops;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(crate::console::router(Arc::clone(&app)))
        .merge(super::health::router())
        .fallback(handle)
        .with_state(app)
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

async fn handle(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let query = decode_pairs(uri.query().unwrap_or(""));
    let (body, body_params, within_limits) = match read_body(&app, &headers, body).await {
        Ok(body) => {
            let body_params = if is_form(&headers) {
                decode_pairs(&String::from_utf8_lossy(&body))
            } else {
                Vec::new()
            };
            let checked = app.wire_limits.check_parameters(&query, &body_params);
            (body, body_params, checked)
        }
        Err(error) => (Bytes::new(), Vec::new(), Err(error)),
    };
    let params = Params::merge(&query, &body_params);
    let format = Format::from_param(params.get("Format"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("ecs.aliyuncs.com")
        .to_string();
    let parts = SignedParts {
        method: method.as_str(),
        query: &query,
        body_params: &body_params,
        headers: &headers,
        body: &body,
    };
    let action_name = params
        .string("Action")
        .or_else(|| header_str(&headers, "x-acs-action"));
    let outcome = match within_limits {
        Ok(()) => {
            dispatch(
                &app,
                &method,
                uri.path(),
                &parts,
                params,
                &request_id,
                action_name.as_deref(),
            )
            .await
        }
        Err(error) => Err(error.into()),
    };
    let action = action_name.as_deref().unwrap_or("-");
    let code = match &outcome {
        Ok(_) => SUCCESS_CODE,
        Err(refusal) => refusal.error.code.code(),
    };
    let response = match outcome {
        Ok(body) => answer(
            StatusCode::OK,
            format,
            &format!("{action}Response"),
            &request_id,
            body,
        ),
        Err(Refusal {
            error,
            retry_after_ms,
        }) => {
            let status = error.code.status();
            let body = error_body(&error, &host, &request_id);
            let mut response = answer(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                format,
                "Error",
                &request_id,
                body,
            );
            // Python Tea turns an error with this header into a ThrottlingException whose
            // retry delay is the value, in milliseconds.
            if let Some(ms) = retry_after_ms {
                response
                    .headers_mut()
                    .insert("x-acs-retry-after", HeaderValue::from(ms));
            }
            response
        }
    };
    tracing::info!(
        request_id = %request_id,
        action,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    // Only served action names become labels, so a client cannot grow the metrics.
    let action_label = actions::find(action).map_or("Unknown", |a| a.name);
    app.metrics.record_request(
        action_label,
        code,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The body, within the size limit and the body timeout. A declared length beyond the limit
/// is refused before anything is read.
async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    let limits = &app.wire_limits;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    limits.check_content_length(declared)?;
    let limited = Limited::new(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(limits.body_too_large())
        }
        Ok(Err(e)) => Err(ApiError::with(Code::IncompleteBody, e.to_string())),
        Err(_) => Err(ApiError::with(
            Code::IncompleteBody,
            format!(
                "it did not arrive within {} seconds",
                limits.body_timeout.as_secs_f64()
            ),
        )),
    }
}

/// The error envelope for a refusal made outside the handler (a connection beyond the cap).
pub(crate) fn error_response(error: &ApiError, format: Format, host: &str) -> Response {
    let request_id = new_request_id();
    let status =
        StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = error_body(error, host, &request_id);
    answer(status, format, "Error", &request_id, body)
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// An error answer; a throttled call also says when it would be admitted.
struct Refusal {
    error: ApiError,
    retry_after_ms: Option<u64>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal {
            error,
            retry_after_ms: None,
        }
    }
}

async fn dispatch(
    app: &Arc<App>,
    method: &Method,
    path: &str,
    parts: &SignedParts<'_>,
    params: Params,
    request_id: &str,
    action_name: Option<&str>,
) -> Result<Fields, Refusal> {
    if method != Method::GET && method != Method::POST {
        return Err(ApiError::of(Code::UnsupportedHttpMethod).into());
    }
    let action_name = action_name.ok_or_else(|| ApiError::missing("Action"))?;
    let action = actions::find(action_name)
        .filter(|_| path == "/")
        .ok_or_else(|| ApiError::of(Code::InvalidActionNotFound))?;
    let version = params
        .string("Version")
        .or_else(|| header_str(parts.headers, "x-acs-version"))
        .ok_or_else(|| ApiError::missing("Version"))?;
    if version != action.api.version() {
        return Err(ApiError::of(Code::InvalidVersion).into());
    }
    // Before authentication, which may write (a dev-mode account) and spends the nonce.
    if app.faults.as_ref().is_some_and(|f| f.strikes()) {
        return Err(ApiError::of(Code::ServiceUnavailable).into());
    }
    let (account_id, access_key_id) = authenticate(app, parts).await?;
    if let Some(throttle) = &app.throttle {
        throttle
            .admit(&account_id, action.name)
            .map_err(|wait_ms| Refusal {
                error: ApiError::of(Code::ThrottlingUser),
                retry_after_ms: Some(wait_ms),
            })?;
    }
    let call = Call {
        app: Arc::clone(app),
        action: action.name,
        account_id,
        access_key_id,
        request_id: request_id.to_string(),
        params,
    };
    Ok((action.handler)(call).await?)
}

/// The caller's account and AccessKey id.
async fn authenticate(
    app: &Arc<App>,
    parts: &SignedParts<'_>,
) -> Result<(String, String), ApiError> {
    let claim = auth::claim(parts)?;
    let now = Utc::now();
    if app.accept_any_access_key {
        let key_id = claim.access_key_id.clone();
        let account_id = ops::accounts::dev_account(&app.store, &key_id).await?;
        return Ok((account_id, key_id));
    }
    app.nonces.check_time(&claim, now)?;
    let key_id = claim.access_key_id.clone();
    let key = app
        .store
        .read(move |tx| tx.access_key(&key_id))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "access key lookup failed");
            ApiError::internal()
        })?
        .ok_or_else(|| ApiError::of(Code::InvalidAccessKeyIdNotFound))?;
    if !key.enabled {
        return Err(ApiError::of(Code::InvalidAccessKeyIdInactive));
    }
    auth::verify(parts, &claim, &key)?;
    app.nonces.check_nonce_in(&app.store, &claim, now).await?;
    Ok((key.account_id, key.id))
}

fn error_body(err: &ApiError, host: &str, request_id: &str) -> Fields {
    let code = err.code.code();
    obj! {
        "HostId" => host,
        "Code" => code,
        "Message" => &err.message,
        "Recommend" => format!(
            "https://api.aliyun.com/troubleshoot?q={code}&product=Ecs&requestId={request_id}"
        ),
    }
}

fn answer(
    status: StatusCode,
    format: Format,
    root: &str,
    request_id: &str,
    body: Fields,
) -> Response {
    let text = encode::render(format, root, request_id, body);
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}
