//! Probes for a load balancer or an orchestrator: `/healthz` (the process serves; no database)
//! and `/readyz` (the database answers within a second). Neither is authenticated (they skip
//! the auth middleware), throttled or written to the request log: a probe every second would
//! drown it.

use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_actix::render;
use latchkey_domain::error_chain;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub(crate) const HEALTHZ: &str = "/healthz";
pub(crate) const READYZ: &str = "/readyz";
/// The paths that skip authentication and the request log.
pub(crate) const PROBE_PATHS: [&str; 2] = [HEALTHZ, READYZ];

/// How long the database gets to answer a readiness probe, checkout included.
const READY_WITHIN: Duration = Duration::from_secs(1);

/// Whether a database check is under way, and whether the last one failed. A check that
/// outlives its second keeps running on the blocking pool (a hung connection can take minutes
/// to fail); while it does, probes answer 503 at once instead of starting more, so the probes
/// themselves never drain the pool.
#[derive(Default)]
pub(crate) struct Readiness {
    checking: AtomicBool,
    failing: AtomicBool,
}

#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz", summary = "Liveness",
    responses((status = 200, description = "The process serves (the database is not asked).", body = crate::openapi::Status)))]
pub async fn healthz() -> HttpResponse {
    render::ok(&json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz", summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "The database answered within a second.", body = crate::openapi::Status),
        (status = 503, description = "It did not.", body = crate::openapi::Unavailable),
    ))]
pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let readiness = &services.readiness;
    if readiness.checking.swap(true, Ordering::AcqRel) {
        return unavailable();
    }
    let database = services.database.clone();
    let services_done = services.clone();
    let ping = web::block(move || {
        let answered = database.ping(READY_WITHIN);
        services_done.readiness.checking.store(false, Ordering::Release);
        answered
    });
    let failure = match tokio::time::timeout(READY_WITHIN, ping).await {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(err))) => Some(error_chain(&err)),
        Ok(Err(err)) => {
            // The job never ran: nothing else will clear the flag.
            readiness.checking.store(false, Ordering::Release);
            Some(err.to_string())
        }
        Err(_) => Some(format!("no answer within {} s", READY_WITHIN.as_secs())),
    };
    // Logged when readiness changes, not once per probe.
    let was_failing = readiness.failing.swap(failure.is_some(), Ordering::AcqRel);
    match failure {
        None => {
            if was_failing {
                log::info!("ready again: the database answers");
            }
            render::ok(&json!({"status": "ok"}))
        }
        Some(cause) => {
            if !was_failing {
                log::warn!("not ready: the database: {cause}");
            }
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    render::json(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"status": "unavailable", "detail": "The database is not answering."}),
    )
}
