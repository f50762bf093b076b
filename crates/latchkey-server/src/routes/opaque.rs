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
