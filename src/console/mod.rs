//! The web console at `/console/`: pages compiled into the binary, a session signed in with
//! an AccessKey pair, and one endpoint that runs any ECS/VPC action for the session's account
//! through the same handlers as the API (`actions::find` → handler), so the console holds no
//! business rule of its own. Even its as-you-type checks are `DryRun=true` calls.

mod session;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::actions::{self, Api, Call};
use crate::app::App;
use crate::errors::{ApiError, Code};
use crate::model::names;
use crate::ops::accounts;
use crate::wire::encode::Format;
use crate::wire::params::Params;
use session::{Session, Sessions, COOKIE, LIFETIME_MS};

struct Console {
    app: Arc<App>,
    sessions: Sessions,
}

/// The console's routes, to be merged into the server's router before its API fallback.
pub fn router<S: Clone + Send + Sync + 'static>(app: Arc<App>) -> Router<S> {
    let console = Arc::new(Console {
        app,
        sessions: Sessions::default(),
    });
    Router::new()
        .route("/console", get(to_index))
        .route("/console/", get(index))
        .route("/console/assets/{file}", get(asset))
        .route("/console/api/rules", get(rules))
        .route(
            "/console/api/session",
            get(current).post(sign_in).delete(sign_out),
        )
        .route("/console/api/call/{action}", post(call))
        .route("/console/{*rest}", get(not_found).post(not_found))
        .layer(axum::middleware::map_response(protect))
        .with_state(console)
}

/// What every console answer carries: no framing by other sites, no MIME sniffing, scripts
/// and styles only from the console itself.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The compiled-in front end: (file name, content type, text).
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", JS, include_str!("assets/app.js")),
    ("api.js", JS, include_str!("assets/api.js")),
    ("ui.js", JS, include_str!("assets/ui.js")),
    ("groups.js", JS, include_str!("assets/groups.js")),
    ("enis.js", JS, include_str!("assets/enis.js")),
    ("instances.js", JS, include_str!("assets/instances.js")),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("assets/favicon.svg"),
    ),
];
const JS: &str = "text/javascript; charset=utf-8";

async fn to_index() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, "/console/")],
    )
        .into_response()
}

async fn index() -> Response {
    let html = include_str!("assets/index.html");
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, text)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *text,
        )
            .into_response(),
        None => Refused::NotFound.answer(&new_request_id()),
    }
}

async fn not_found() -> Response {
    Refused::NotFound.answer(&new_request_id())
}

/// The format rules the server checks, shown under the fields they govern.
async fn rules() -> Response {
    json_answer(
        StatusCode::OK,
        json!({
            "Name": names::NAME_RULE,
            "Description": names::DESCRIPTION_RULE,
            "EniModifyDescription": names::ENI_MODIFY_DESCRIPTION_RULE,
        }),
    )
}

/// The console's own refusals (the API's are `ApiError`s, passed through unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    SignInRequired,
    SignInFailed,
    CrossOrigin,
    InvalidCsrfToken,
    InvalidBody,
    NotFound,
}

impl Refused {
    fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Refused::SignInRequired => (
                StatusCode::UNAUTHORIZED,
                "Console.SignInRequired",
                "You are not signed in, or your session has ended. Sign in again with your AccessKey pair.",
            ),
            Refused::SignInFailed => (
                StatusCode::UNAUTHORIZED,
                "Console.SignInFailed",
                "The AccessKey ID and AccessKey Secret do not match an enabled key. Check both and try again.",
            ),
            Refused::CrossOrigin => (
                StatusCode::FORBIDDEN,
                "Console.CrossOriginRefused",
                "The request did not come from this console's own pages.",
            ),
            Refused::InvalidCsrfToken => (
                StatusCode::FORBIDDEN,
                "Console.InvalidCsrfToken",
                "The request does not carry this session's CSRF token. Reload the page and try again.",
            ),
            Refused::InvalidBody => (
                StatusCode::BAD_REQUEST,
                "Console.InvalidBody",
                "The request body must be a JSON object whose values are strings, numbers or booleans.",
            ),
            Refused::NotFound => (
                StatusCode::NOT_FOUND,
                "Console.NotFound",
                "There is no such console page or file.",
            ),
        }
    }

    fn answer(self, request_id: &str) -> Response {
        let (status, code, message) = self.parts();
        error_answer(status, request_id, code, message)
    }
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

fn json_answer(status: StatusCode, body: impl serde::Serialize) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, Format::Json.content_type()),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::to_string(&body).unwrap_or_default(),
    )
        .into_response()
}

fn error_answer(status: StatusCode, request_id: &str, code: &str, message: &str) -> Response {
    json_answer(
        status,
        json!({ "RequestId": request_id, "Code": code, "Message": message }),
    )
}

fn api_error(request_id: &str, error: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_answer(status, request_id, error.code.code(), &error.message)
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// A browser says where a request comes from (`Sec-Fetch-Site`, `Origin`); when it does, the
/// request must come from the console's own origin. Clients that say nothing still need the
/// session's CSRF token for every write.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if text("sec-fetch-site").is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    match (text("origin"), text("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
        (Some(_), None) => false,
    }
}

fn session_body(session: &Session) -> Value {
    json!({
        "AccountId": session.account_id,
        "AccessKeyId": session.access_key_id,
        "CsrfToken": session.csrf_token,
        "ExpiresAt": session.expires_at_ms,
    })
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

impl Console {
    fn now_ms(&self) -> i64 {
        self.app.clock.now_millis()
    }

    fn session(&self, headers: &HeaderMap) -> Result<(String, Session), Refused> {
        let token = cookie_token(headers).ok_or(Refused::SignInRequired)?;
        let session = self
            .sessions
            .touch(&token, self.now_ms())
            .ok_or(Refused::SignInRequired)?;
        Ok((token, session))
    }

    /// A write needs a live session, the console's own origin and the session's CSRF token.
    fn writer(&self, headers: &HeaderMap) -> Result<(String, Session), Refused> {
        if !same_origin(headers) {
            return Err(Refused::CrossOrigin);
        }
        let (token, session) = self.session(headers)?;
        let presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !accounts::same_bytes(presented, &session.csrf_token) {
            return Err(Refused::InvalidCsrfToken);
        }
        Ok((token, session))
    }
}

async fn current(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    match console.session(&headers) {
        Ok((_, session)) => json_answer(StatusCode::OK, session_body(&session)),
        Err(refused) => refused.answer(&new_request_id()),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
}

/// Signs in with `{"AccessKeyId", "AccessKeySecret"}`. A JSON body cannot be sent by another
/// site's form, and the origin check refuses other sites' scripts: no one can sign a victim
/// into an account of theirs.
async fn sign_in(State(console): State<Arc<Console>>, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = new_request_id();
    if !same_origin(&headers) {
        return Refused::CrossOrigin.answer(&request_id);
    }
    let pair = is_json(&headers)
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten();
    let field = |name| {
        pair.as_ref()
            .and_then(|p| p[name].as_str())
            .unwrap_or("")
            .to_string()
    };
    let (key_id, secret) = (field("AccessKeyId"), field("AccessKeySecret"));
    if pair.is_none() {
        return Refused::InvalidBody.answer(&request_id);
    }
    let account = if key_id.is_empty() {
        Ok(None)
    } else if console.app.accept_any_access_key {
        accounts::dev_account(&console.app.store, &key_id)
            .await
            .map(Some)
    } else {
        accounts::account_for_secret(&console.app.store, &key_id, &secret)
            .await
            .map_err(|fault| {
                tracing::error!(error = %fault, "console sign-in lookup failed");
                ApiError::internal()
            })
    };
    match account {
        Ok(Some(account_id)) => {
            let (token, session) = console.sessions.start(account_id, key_id, console.now_ms());
            tracing::info!(request_id = %request_id, account = %session.account_id, "console sign-in");
            let mut response = json_answer(StatusCode::OK, session_body(&session));
            set_cookie(
                &mut response,
                &format!(
                    "{COOKIE}={token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}",
                    LIFETIME_MS / 1000
                ),
            );
            response
        }
        Ok(None) => Refused::SignInFailed.answer(&request_id),
        Err(error) => api_error(&request_id, &error),
    }
}

async fn sign_out(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    let request_id = new_request_id();
    match console.writer(&headers) {
        Ok((token, _)) => {
            console.sessions.end(&token);
            let mut response = json_answer(StatusCode::OK, json!({ "RequestId": request_id }));
            set_cookie(
                &mut response,
                &format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"),
            );
            response
        }
        Err(refused) => refused.answer(&request_id),
    }
}

/// The JSON object of a call's parameters as the API's string pairs.
fn params_of(body: &[u8]) -> Option<Params> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let pairs = object
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(s) => Some((name, s)),
            Value::Number(n) => Some((name, n.to_string())),
            Value::Bool(b) => Some((name, b.to_string())),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Params::merge(&pairs, &[]))
}

/// Runs one ECS or VPC action for the session's account, exactly as the API would: the same
/// fault injection, throttle and handler; the answer is the API's JSON.
async fn call(
    State(console): State<Arc<Console>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = new_request_id();
    let session = match console.writer(&headers) {
        Ok((_, session)) => session,
        Err(refused) => return refused.answer(&request_id),
    };
    // The console administers no store: reset and snapshots stay API-only.
    let Some(def) = actions::find(&action).filter(|a| a.api != Api::Admin) else {
        return api_error(&request_id, &ApiError::of(Code::InvalidActionNotFound));
    };
    let Some(params) = params_of(&body) else {
        return Refused::InvalidBody.answer(&request_id);
    };
    let app = &console.app;
    if app.faults.as_ref().is_some_and(|f| f.strikes()) {
        return api_error(&request_id, &ApiError::of(Code::ServiceUnavailable));
    }
    if let Some(throttle) = &app.throttle {
        if let Err(wait_ms) = throttle.admit(&session.account_id, def.name) {
            let mut response = api_error(&request_id, &ApiError::of(Code::ThrottlingUser));
            response
                .headers_mut()
                .insert("x-acs-retry-after", HeaderValue::from(wait_ms));
            return response;
        }
    }
    let outcome = (def.handler)(Call {
        app: Arc::clone(app),
        action: def.name,
        account_id: session.account_id,
        access_key_id: session.access_key_id,
        request_id: request_id.clone(),
        params,
    })
    .await;
    let response = match outcome {
        Ok(answer) => {
            let mut body = answer;
            body.insert_first("RequestId", request_id.clone());
            json_answer(StatusCode::OK, body)
        }
        Err(error) => api_error(&request_id, &error),
    };
    tracing::info!(
        request_id = %request_id,
        action = def.name,
        status = response.status().as_u16(),
        "console call"
    );
    response
}
