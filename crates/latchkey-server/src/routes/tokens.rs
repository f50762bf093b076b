//! simplejwt's four views: obtain a pair, refresh, verify, blacklist. They have no
//! authentication classes, and their 401s carry simplejwt's own `Bearer realm="api"`.

use super::client::session_client;
use super::credentials::{Credentials, Password};
use crate::services::Services;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_actix::ApiError;
use latchkey_actix::Body;
use latchkey_actix::render;
use latchkey_domain::VerifiedLogin;
use latchkey_drf::CharField;
use latchkey_drf::FieldErrors;
use latchkey_engine::AuthError;
use latchkey_jwt::Claims;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Reads one required string field, as simplejwt's serializers declare them.
fn single_field(data: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    let mut errors = FieldErrors::new();
    let value = CharField::new(name).read(data, &mut errors);
    errors.into_result()?;
    value.ok_or_else(|| ApiError::internal("validated field missing"))
}

/// Starts a session, with where the login came from.
#[utoipa::path(post, path = "/api/token/", tag = "simplejwt", operation_id = "token_obtain_pair", summary = "Obtain a token pair (log in)",
    request_body = crate::openapi::TokenObtain,
    responses(
        (status = 200, description = "A new session's refresh token and an access token.", body = crate::openapi::TokenPair),
        (status = 401, description = "`No active account found with the given credentials`", body = crate::openapi::AuthFailure,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"`"))),
    ))]
pub async fn obtain(req: HttpRequest, services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = Credentials::read(&body.into_object()?, Password::Trimmed)?;
    let Some(user) = services.authenticate(username, password).await? else {
        return Err(ApiError::token_view(AuthError::new("No active account found with the given credentials", None)));
    };
    let jwt = Arc::clone(&services.jwt);
    let client = session_client(&req, services.num_proxies);
    let pair = services
        .blocking(move || {
            let login = VerifiedLogin { password_hash: &user.password_hash };
            jwt.obtain_pair_for(user.id, Some(login), &Claims::new(), &client)
        })
        .await??;
    Ok(render::ok(&json!({"refresh": pair.refresh, "access": pair.access})))
}

#[utoipa::path(post, path = "/api/token/refresh/", tag = "simplejwt", operation_id = "token_refresh", summary = "Refresh: a new access token",
    request_body = crate::openapi::RefreshToken,
    responses(
        (status = 200, description = "A new access token (and, with rotation, a new refresh token).", body = crate::openapi::Refreshed),
        (status = 401, description = "The token is invalid, expired, blacklisted, or its user is gone or inactive.", body = crate::openapi::AuthFailure,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"`"))),
    ))]
pub async fn refresh(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "refresh")?;
    let jwt = Arc::clone(&services.jwt);
    let users = Arc::clone(services.users());
    let refreshed = services.blocking(move || jwt.refresh(&token, users.as_ref())).await?;
    let outcome = if refreshed.is_ok() { "ok" } else { "refused" };
    metrics::counter!("latchkey_refreshes_total", "outcome" => outcome).increment(1);
    let refreshed = refreshed?;
    let mut out = Map::new();
    out.insert("access".into(), Value::String(refreshed.access));
    if let Some(refresh) = refreshed.refresh {
        out.insert("refresh".into(), Value::String(refresh));
    }
    Ok(render::ok(&out))
}

#[utoipa::path(post, path = "/api/token/verify/", tag = "simplejwt", operation_id = "token_verify", summary = "Verify a token",
    request_body = crate::openapi::VerifyToken,
    responses(
        (status = 200, description = "The token is valid and live.", body = crate::openapi::Empty),
        (status = 401, description = "The token is invalid, expired or revoked.", body = crate::openapi::AuthFailure,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"`"))),
    ))]
pub async fn verify(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "token")?;
    let jwt = Arc::clone(&services.jwt);
    let users = Arc::clone(services.users());
    services.blocking(move || jwt.verify_live(&token, users.as_ref())).await??;
    Ok(render::ok(&json!({})))
}

#[utoipa::path(post, path = "/api/token/blacklist/", tag = "simplejwt", operation_id = "token_blacklist", summary = "Blacklist a refresh token",
    request_body = crate::openapi::RefreshToken,
    responses(
        (status = 200, description = "The refresh token is blacklisted.", body = crate::openapi::Empty),
        (status = 401, description = "The token is invalid, expired or already blacklisted.", body = crate::openapi::AuthFailure,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"`"))),
    ))]
pub async fn blacklist(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "refresh")?;
    let jwt = Arc::clone(&services.jwt);
    services.blocking(move || jwt.blacklist(&token)).await??;
    Ok(render::ok(&json!({})))
}
