//! DRF's `obtain_auth_token`: the user's opaque key for a username and password.

use crate::auth::MaybeAuthenticated;
use crate::error::{ApiError, FieldErrors};
use crate::render;
use crate::request::Body;
use crate::request::fields::CharField;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde_json::json;
use std::sync::Arc;

pub async fn obtain(
    _: MaybeAuthenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let data = body.into_object()?;
    let mut errors = FieldErrors::new();
    let username = CharField::new("username").read(&data, &mut errors);
    // AuthTokenSerializer keeps the password exactly as sent.
    let password = CharField::new("password").trim_whitespace(false).read(&data, &mut errors);
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let Some(user) = services.authenticate(username, password).await? else {
        return Err(ApiError::Validation(FieldErrors::non_field("Unable to log in with provided credentials.")));
    };
    let opaque = Arc::clone(&services.opaque);
    let key = services.blocking(move || opaque.key_for_user(user.id)).await?.map_err(ApiError::internal)?;
    Ok(render::ok(&json!({"token": key})))
}
