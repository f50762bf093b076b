//! simplejwt's four views: obtain a pair, refresh, verify, blacklist. They have no
//! authentication classes, and their 401s carry simplejwt's own `Bearer realm="api"`.

use super::credentials::{Credentials, Password};
use crate::error::{ApiError, FieldErrors};
use crate::render;
use crate::request::Body;
use crate::request::fields::CharField;
use crate::services::Services;
use actix_web::{HttpResponse, web};
use latchkey_engine::AuthError;
use latchkey_jwt::JwtError;
use serde_json::{Map, Value, json};
use std::sync::Arc;

use latchkey_jwt::{CHALLENGE, NO_ACTIVE_ACCOUNT_FOR_TOKEN};

fn unauthorized(body: AuthError) -> ApiError {
    ApiError::Unauthorized { body, challenge: Some(CHALLENGE.to_owned()) }
}

fn jwt_error(err: JwtError) -> ApiError {
    match err {
        JwtError::Token(reason) => unauthorized(AuthError::new(reason.to_string(), Some("token_not_valid"))),
        JwtError::NoActiveAccount => unauthorized(AuthError::new(NO_ACTIVE_ACCOUNT_FOR_TOKEN, None)),
        JwtError::Store(err) => err.into(),
        other => ApiError::internal(other),
    }
}

/// Reads one required string field, as simplejwt's serializers declare them.
fn single_field(data: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    let mut errors = FieldErrors::new();
    let value = CharField::new(name).read(data, &mut errors);
    errors.into_result()?;
    value.ok_or_else(|| ApiError::internal("validated field missing"))
}

pub async fn obtain(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = Credentials::read(&body.into_object()?, Password::Trimmed)?;
    let Some(user) = services.authenticate(username, password).await? else {
        return Err(unauthorized(AuthError::new("No active account found with the given credentials", None)));
    };
    let jwt = Arc::clone(&services.jwt);
    let pair = services.blocking(move || jwt.obtain_pair(&user)).await?.map_err(jwt_error)?;
    Ok(render::ok(&json!({"refresh": pair.refresh, "access": pair.access})))
}

pub async fn refresh(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "refresh")?;
    let jwt = Arc::clone(&services.jwt);
    let users = Arc::clone(services.users());
    let refreshed = services.blocking(move || jwt.refresh(&token, users.as_ref())).await?.map_err(jwt_error)?;
    let mut out = Map::new();
    out.insert("access".into(), Value::String(refreshed.access));
    if let Some(refresh) = refreshed.refresh {
        out.insert("refresh".into(), Value::String(refresh));
    }
    Ok(render::ok(&out))
}

pub async fn verify(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "token")?;
    let jwt = Arc::clone(&services.jwt);
    services.blocking(move || jwt.verify(&token)).await?.map_err(jwt_error)?;
    Ok(render::ok(&json!({})))
}

pub async fn blacklist(services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let token = single_field(&body.into_object()?, "refresh")?;
    let jwt = Arc::clone(&services.jwt);
    services.blocking(move || jwt.blacklist(&token)).await?.map_err(jwt_error)?;
    Ok(render::ok(&json!({})))
}
