//! DRF's `obtain_auth_token`: the user's opaque key for a username and password.

use super::credentials::{Credentials, Password};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use latchkey_actix::ApiError;
use latchkey_actix::Body;
use latchkey_actix::MaybeAuthenticated;
use latchkey_actix::render;
use latchkey_drf::FieldErrors;
use serde_json::json;
use std::sync::Arc;

#[utoipa::path(post, path = "/auth/token/", tag = "authtoken", operation_id = "obtain_auth_token", summary = "Obtain the user's opaque key (DRF's obtain_auth_token)", security((), ("Bearer" = []), ("Token" = [])),
    request_body = crate::openapi::AuthTokenObtain,
    responses(
        (status = 200, description = "The user's key (the same one until it is reset).", body = crate::openapi::OpaqueKey),
        (status = 400, description = "Missing fields, or `non_field_errors`: `Unable to log in with provided credentials.`", body = crate::openapi::BadRequest),
    ))]
pub async fn obtain(
    _: MaybeAuthenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = Credentials::read(&body.into_object()?, Password::AsSent)?;
    let Some(user) = services.authenticate(username, password).await? else {
        return Err(ApiError::from(FieldErrors::non_field("Unable to log in with provided credentials.")));
    };
    let opaque = Arc::clone(&services.opaque);
    let key = services.blocking(move || opaque.key_for_user(user.id)).await??;
    Ok(render::ok(&json!({"token": key})))
}
