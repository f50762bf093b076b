//! The account views of the tutorials: who am I, and sign up.

use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_actix::ApiError;
use latchkey_actix::Body;
use latchkey_actix::render;
use latchkey_actix::{Authenticated, MaybeAuthenticated};
use latchkey_domain::AccountError;
use latchkey_domain::accounts::AccountFlags;
use latchkey_domain::user::{USERNAME_INVALID, USERNAME_MAX_LENGTH, is_valid_username, normalize_username};
use latchkey_drf::FieldErrors;
use latchkey_drf::{CharField, EmailField};
use serde_json::json;
use std::sync::Arc;

const USERNAME_TAKEN: &str = "A user with that username already exists.";

#[utoipa::path(get, path = "/api/profile/", tag = "accounts", operation_id = "profile", summary = "Who am I", security(("Bearer" = []), ("Token" = [])),
    responses((status = 200, description = "`Hello, <username>`.", body = crate::openapi::Message)))]
/// `GET /api/profile/` (and HEAD).
// actix answers HEAD with GET's headers and no body, as DRF does.
pub async fn profile(user: Authenticated) -> HttpResponse {
    render::ok(&json!({"message": format!("Hello, {}", user.0.username)}))
}

#[utoipa::path(post, path = "/api/register/", tag = "accounts", operation_id = "register", summary = "Sign up", security((), ("Bearer" = []), ("Token" = [])),
    request_body = crate::openapi::Register,
    responses((status = 201, description = "The new user; sign in with `POST /api/token/`.", body = crate::openapi::RegisteredUser)))]
/// `POST /api/register/`: DRF's `RegisterSerializer` over Django's user model.
pub async fn register(
    _: MaybeAuthenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let data = body.into_object()?;
    let mut errors = FieldErrors::new();
    // The model field's validators (characters, uniqueness) come before the serializer's
    // length and character-set checks, and all of them are reported (DRF's order).
    let username_field = CharField::new("username").max_length(USERNAME_MAX_LENGTH);
    let mut username = None;
    if let Some(name) = username_field.read_unvalidated(&data, &mut errors) {
        // Normalised before the checks, so that a look-alike of a taken name is taken too
        // (Django normalises only on save, and answers that case with a 500).
        let name = normalize_username(&name);
        let mut messages = Vec::new();
        if !is_valid_username(&name) {
            messages.push(USERNAME_INVALID.to_owned());
        }
        // A name with a NUL is refused anyway (not a username character, and DRF's null
        // character check), and PostgreSQL refuses NUL in text: it is never looked up (Django
        // looks it up and answers 500).
        if !name.contains('\0') {
            let users = Arc::clone(services.users());
            let wanted = name.clone();
            if services.blocking(move || users.find_user_by_username(&wanted)).await??.is_some() {
                messages.push(USERNAME_TAKEN.to_owned());
            }
        }
        username = username_field.validate(name, messages, &mut errors);
    }
    let email = EmailField::new("email").optional().allow_blank().read(&data, &mut errors);
    let password = CharField::new("password").min_length(8).read(&data, &mut errors);
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let email = email.unwrap_or_default();

    // bcrypt on the hashing pool, the insert and the hooks on the blocking pool: storage work
    // never waits behind the lower-priority hashing threads.
    let hasher = Arc::clone(services.accounts.hasher());
    let password_hash = services.hashing.run(move || hasher.hash(&password)).await?.map_err(ApiError::internal)?;
    let accounts = services.accounts.clone();
    let created = services
        .blocking(move || accounts.create_user_with_hash(&username, &email, password_hash, AccountFlags::default()))
        .await?;
    let user = match created {
        Ok(user) => user,
        // Two sign-ups raced for one name: the unique constraint decided.
        Err(AccountError::UsernameTaken) => {
            return Err(ApiError::from(FieldErrors::single("username", USERNAME_TAKEN)));
        }
        Err(AccountError::Store(err)) => return Err(err.into()),
        Err(other) => return Err(ApiError::internal(other)),
    };
    services.forget_failed_logins(user.username.clone()).await?;
    Ok(render::json(StatusCode::CREATED, &json!({"id": user.id.0, "username": user.username, "email": user.email})))
}
