//! Ending credentials: logout, logout everywhere, password change, and the sessions a user can
//! list and end. A session is the token family one login starts (`latchkey_domain::Session`).

use super::client::session_client;
use crate::services::Services;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, Timelike, Utc};
use latchkey_actix::{ApiError, Authenticated, Body, render};
use latchkey_domain::{CutoffReason, Session, UserId, VerifiedLogin, is_session_tag, session_tag};
use latchkey_drf::{CharField, FieldErrors};
use latchkey_engine::Principal;
use latchkey_jwt::Claims;
use serde_json::{Value, json};
use std::sync::Arc;

/// Django's `PasswordChangeForm` message.
const OLD_PASSWORD_WRONG: &str = "Your old password was entered incorrectly. Please enter it again.";

/// `POST /api/token/logout/`: ends the caller's session: the one of the Bearer token, or of a
/// `refresh` token in the body (which must be the caller's). With `Authorization: Token`, the
/// caller's opaque key is reset instead (DRF keys have no sessions).
#[utoipa::path(post, path = "/api/token/logout/", tag = "sessions", operation_id = "logout", summary = "Log out this session", security(("Bearer" = []), ("Token" = [])),
    request_body = Option<crate::openapi::Logout>,
    responses(
        (status = 204, description = "The session ended (with `Token`, the key was reset)."),
        (status = 400, description = "A `refresh` that is not the caller's, or not a string.", body = crate::openapi::BadRequest),
        (status = 401, description = "No valid credentials, or a `refresh` token that is not valid.", body = crate::openapi::AuthFailure,
            headers(("WWW-Authenticate" = String))),
    ))]
pub async fn logout(
    Authenticated(caller): Authenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let data = body.into_object()?;
    let mut tags = Vec::new();
    if let Some(token) = optional_string(&data, "refresh")? {
        let jwt = Arc::clone(&services.jwt);
        let checked = token.clone();
        let claims: Claims = services.blocking(move || jwt.refresh_claims(&checked)).await??;
        if claims.user_id().id() != Some(caller.user_id) {
            return Err(FieldErrors::single("refresh", "This token does not belong to you.").into());
        }
        tags.extend(claims.jti().and_then(session_tag).map(str::to_owned));
        // Blacklisted too: a token of no session (imported, or minted elsewhere) ends as well.
        let jwt = Arc::clone(&services.jwt);
        match services.blocking(move || jwt.blacklist(&token)).await? {
            Ok(()) | Err(latchkey_jwt::JwtError::Token(latchkey_jwt::TokenError::Blacklisted)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    if caller.scheme == "jwt" {
        tags.extend(caller.credential_id.as_deref().and_then(session_tag).map(str::to_owned));
    }
    let sessions = Arc::clone(&services.sessions);
    let opaque = Arc::clone(&services.opaque);
    let resets_key = caller.scheme == "token";
    let user_id = caller.user_id;
    services
        .blocking(move || -> Result<(), ApiError> {
            let now = Utc::now().naive_utc();
            for tag in &tags {
                // Only the caller's own: a tag of someone else's session is not theirs to end.
                if sessions.find_session(tag)?.is_some_and(|s| s.user_id == user_id) {
                    sessions.revoke_session(tag, now)?;
                }
            }
            if resets_key {
                opaque.reset(user_id)?;
            }
            Ok(())
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/token/logout-all/`: every session of the user ended, every token issued before
/// now refused, the opaque key reset.
#[utoipa::path(post, path = "/api/token/logout-all/", tag = "sessions", operation_id = "logout_all", summary = "Log out everywhere", security(("Bearer" = []), ("Token" = [])),
    responses((status = 204, description = "Every session and key of the user ended.")))]
pub async fn logout_all(
    Authenticated(caller): Authenticated,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    end_everything(&services, caller.user_id, CutoffReason::LogoutAll).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Cuts the user's tokens off (ending every session with them) and resets their opaque key.
async fn end_everything(services: &Services, user_id: UserId, reason: CutoffReason) -> Result<(), ApiError> {
    let sessions = Arc::clone(&services.sessions);
    let opaque = Arc::clone(&services.opaque);
    services
        .blocking(move || -> Result<(), ApiError> {
            sessions.cut_off(user_id, reason)?;
            opaque.reset(user_id)?;
            Ok(())
        })
        .await?
}

/// `POST /api/password/change/` with `old_password` and `new_password`: the new password, every
/// earlier credential of the user ended, and a new session: 200 `{"refresh", "access"}`.
#[utoipa::path(post, path = "/api/password/change/", tag = "accounts", operation_id = "change_password", summary = "Change the password", security(("Bearer" = []), ("Token" = [])),
    request_body = crate::openapi::PasswordChange,
    responses(
        (status = 200, description = "Every earlier credential ended; a new session.", body = crate::openapi::TokenPair),
        (status = 400, description = "Field errors; `old_password` wrong.", body = crate::openapi::BadRequest),
    ))]
pub async fn change_password(
    req: HttpRequest,
    Authenticated(caller): Authenticated,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    let data = body.into_object()?;
    let mut errors = FieldErrors::new();
    let old = CharField::new("old_password").read(&data, &mut errors);
    // As registration validates a password.
    let new = CharField::new("new_password").min_length(8).read(&data, &mut errors);
    errors.into_result()?;
    let (Some(old), Some(new)) = (old, new) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    // Guessing the current password here counts as guessing it at a login: same lockout.
    let attempt = services.login_attempt(&caller.username).await?;
    let users = Arc::clone(services.users());
    let user_id = caller.user_id;
    let user = services.blocking(move || users.find_user_by_id(user_id)).await??.ok_or_else(not_found)?;
    let hasher = Arc::clone(services.accounts.hasher());
    let stored = user.password_hash.clone();
    let checked = services.hashing.run(move || hasher.verify(&old, &stored).then(|| hasher.hash(&new))).await?;
    services.login_checked(attempt, checked.is_some()).await?;
    let new_hash = checked
        .ok_or_else(|| ApiError::from(FieldErrors::single("old_password", OLD_PASSWORD_WRONG)))?
        .map_err(ApiError::internal)?;
    // The hash and the cutoff in one transaction: no token from before survives, and no login
    // that checked the old password starts a session after it.
    let sessions = Arc::clone(&services.sessions);
    let opaque = Arc::clone(&services.opaque);
    let stored = new_hash.clone();
    services
        .blocking(move || -> Result<(), ApiError> {
            sessions.change_password(user_id, &stored)?;
            opaque.reset(user_id)?;
            Ok(())
        })
        .await??;
    let jwt = Arc::clone(&services.jwt);
    let client = session_client(&req, services.num_proxies);
    let pair = services
        .blocking(move || {
            let login = VerifiedLogin { password_hash: &new_hash };
            jwt.obtain_pair_for(user_id, Some(login), &Claims::new(), &client)
        })
        .await??;
    Ok(render::ok(&json!({"refresh": pair.refresh, "access": pair.access})))
}

/// `GET /api/sessions/`: the caller's live sessions, newest first.
#[utoipa::path(get, path = "/api/sessions/", tag = "sessions", operation_id = "sessions_list", summary = "The caller's live sessions", security(("Bearer" = []), ("Token" = [])),
    responses((status = 200, description = "The caller's live sessions, newest first.", body = Vec<crate::openapi::Session>)))]
pub async fn list(
    Authenticated(caller): Authenticated,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let sessions = Arc::clone(&services.sessions);
    let user_id = caller.user_id;
    let live = services.blocking(move || sessions.live_sessions(user_id, Utc::now().naive_utc())).await??;
    let current = current_tag(&caller);
    let body: Vec<Value> = live.iter().map(|s| session_json(s, current)).collect();
    Ok(render::ok(&body))
}

/// `DELETE /api/sessions/<id>/`: ends one of the caller's sessions; another user's, an unknown
/// or an ended one is 404.
#[utoipa::path(delete, path = "/api/sessions/{id}/", tag = "sessions", operation_id = "sessions_delete", summary = "End one of the caller's sessions", security(("Bearer" = []), ("Token" = [])),
    params(("id" = String, Path, description = "A session's `id`.")),
    responses(
        (status = 204, description = "The session ended."),
        (status = 404, description = "Not one of the caller's live sessions.", body = crate::openapi::Detail),
    ))]
pub async fn delete(
    Authenticated(caller): Authenticated,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tag = path.into_inner();
    // Only a tag can name a session; anything else (a NUL byte, which PostgreSQL refuses in
    // text) is unknown without asking the database.
    if !is_session_tag(&tag) {
        return Err(not_found());
    }
    let sessions = Arc::clone(&services.sessions);
    let user_id = caller.user_id;
    let ended = services
        .blocking(move || -> Result<bool, ApiError> {
            let now = Utc::now().naive_utc();
            match sessions.find_session(&tag)? {
                Some(session) if session.user_id == user_id && session.is_live(now) => {
                    Ok(sessions.revoke_session(&tag, now)?)
                }
                _ => Ok(false),
            }
        })
        .await??;
    if !ended {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

fn not_found() -> ApiError {
    ApiError::NotFound("Not found.")
}

fn current_tag(caller: &Principal) -> Option<&str> {
    if caller.scheme != "jwt" {
        return None;
    }
    caller.credential_id.as_deref().and_then(session_tag)
}

fn session_json(session: &Session, current: Option<&str>) -> Value {
    json!({
        "id": session.tag,
        "created": drf_datetime(session.created_at),
        "last_used": drf_datetime(session.last_used_at),
        "expires": drf_datetime(session.expires_at),
        "user_agent": session.user_agent,
        "ip": session.ip,
        "current": current == Some(session.tag.as_str()),
    })
}

/// DRF's `DateTimeField` output for a UTC time: `isoformat()` with `Z`, microseconds only when
/// there are any (as Python prints them).
fn drf_datetime(at: NaiveDateTime) -> String {
    if at.nanosecond() / 1000 == 0 {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// A string field that may be absent; present, it must be a string.
fn optional_string(data: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    if !data.contains_key(name) {
        return Ok(None);
    }
    let mut errors = FieldErrors::new();
    let value = CharField::new(name).read(data, &mut errors);
    errors.into_result()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn datetimes_as_drf_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let whole = day.and_hms_opt(23, 6, 32).expect("time");
        assert_eq!(drf_datetime(whole), "2026-12-01T23:06:32Z");
        let micro = day.and_hms_micro_opt(23, 6, 32, 1234).expect("time");
        assert_eq!(drf_datetime(micro), "2026-12-01T23:06:32.001234Z");
    }
}
