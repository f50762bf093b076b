//! Probes for a load balancer or an orchestrator: `/healthz` (the process serves; no database)
//! and `/readyz` (the database answers within a second). Not authenticated, not throttled, and
//! left out of the request log: a probe every second would drown it.

use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_actix::render;
use latchkey_domain::error_chain;
use serde_json::json;
use std::time::Duration;

/// The paths the request log leaves out.
pub(crate) const PROBE_PATHS: [&str; 2] = ["/healthz", "/readyz"];

/// How long the database gets to answer a readiness probe, checkout included.
const READY_WITHIN: Duration = Duration::from_secs(1);

pub async fn healthz() -> HttpResponse {
    render::ok(&json!({"status": "ok"}))
}

pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let database = services.database.clone();
    let ping = web::block(move || database.ping(READY_WITHIN));
    let failure = match tokio::time::timeout(READY_WITHIN, ping).await {
        Ok(Ok(Ok(()))) => return render::ok(&json!({"status": "ok"})),
        Ok(Ok(Err(err))) => error_chain(&err),
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {} s", READY_WITHIN.as_secs()),
    };
    log::warn!("not ready: the database: {failure}");
    render::json(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"status": "unavailable", "detail": "The database did not answer within 1 second."}),
    )
}
