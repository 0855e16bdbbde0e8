//! Operations endpoints beside the API: `/healthz` (ready only when the store is open and
//! migrated to this build's schema) and `/metrics` (Prometheus text format, `crate::metrics`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;

pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// 200 `ok` when a read through the store succeeds and finds this build's schema; 503 with
/// the reason otherwise.
async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.store.check_ready().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: not ready");
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")).into_response()
        }
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.render(
        app.store.batch_sizes(),
        &app.data_dir,
        app.eni_answers.stats(),
    );
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response()
}
