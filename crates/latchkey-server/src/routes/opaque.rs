//! DRF's `obtain_auth_token`: the user's opaque key for a username and password.

use super::credentials::{Credentials, Password};
use crate::auth::MaybeAuthenticated;
use crate::error::{ApiError, FieldErrors};
use crate::render;
use crate::request::Body;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde_json::json;
use std::sync::Arc;

pub async fn obtain(
    _: MaybeAuthenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = Credentials::read(&body.into_object()?, Password::AsSent)?;
    let Some(user) = services.authenticate(username, password).await? else {
        return Err(ApiError::Validation(FieldErrors::non_field("Unable to log in with provided credentials.")));
    };
    let opaque = Arc::clone(&services.opaque);
    let key = services.blocking(move || opaque.key_for_user(user.id)).await?.map_err(|err| match err {
        latchkey_opaque::OpaqueError::Store(err) => ApiError::from(err),
        other => ApiError::internal(other),
    })?;
    Ok(render::ok(&json!({"token": key})))
}
