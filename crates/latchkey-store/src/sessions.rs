//! Sessions: the domain's `SessionStore` over `sessions`, and the users' token cutoff.

use crate::connection::AnyConnection;
use crate::database::{Database, TxError};
use crate::error::map_diesel_error;
use crate::notify::{AuthEvent, notify};
use crate::schema::{sessions, users};
use chrono::NaiveDateTime;
use chrono::{Timelike, Utc};
use diesel::prelude::*;
use latchkey_domain::{CutoffReason, Session, SessionStore, StoreError, TokenCutoff, UserId, VerifiedLogin};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub(crate) struct SessionRow {
    tag: String,
    user_id: i64,
    created_at: NaiveDateTime,
    last_used_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    user_agent: Option<String>,
    ip: Option<String>,
    revoked_at: Option<NaiveDateTime>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            tag: row.tag,
            user_id: UserId(row.user_id),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            user_agent: row.user_agent,
            ip: row.ip,
            revoked_at: row.revoked_at,
        }
    }
}

impl From<&Session> for SessionRow {
    fn from(s: &Session) -> Self {
        SessionRow {
            tag: s.tag.clone(),
            user_id: s.user_id.0,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent.clone(),
            ip: s.ip.clone(),
            revoked_at: s.revoked_at,
        }
    }
}

impl SessionStore for Database {
    fn start_session(&self, session: &Session, login: Option<VerifiedLogin<'_>>) -> Result<Session, StoreError> {
        self.write(
            |conn| {
                let Some(password) = lock_user(conn, session.user_id, Lock::Share)? else {
                    return Err(TxError::Store(StoreError::NotFound));
                };
                if login.is_some_and(|login| login.password_hash != password) {
                    return Err(TxError::Store(StoreError::Conflict("users.password".into())));
                }
                // The clock is read under the lock: a cutoff that took the row before is older.
                let now = now_micros();
                let started = Session { created_at: now, last_used_at: now, ..session.clone() };
                diesel::insert_into(sessions::table).values(SessionRow::from(&started)).execute(conn)?;
                Ok(started)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }

    fn find_session(&self, tag: &str) -> Result<Option<Session>, StoreError> {
        let mut conn = self.conn()?;
        sessions::table
            .filter(sessions::tag.eq(tag))
            .select(SessionRow::as_select())
            .first::<SessionRow>(&mut conn)
            .optional()
            .map(|row| row.map(Session::from))
            .map_err(map_diesel_error)
    }

    fn live_sessions(&self, user_id: UserId, now: NaiveDateTime) -> Result<Vec<Session>, StoreError> {
        let mut conn = self.conn()?;
        sessions::table
            .filter(sessions::user_id.eq(user_id.0))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .order((sessions::created_at.desc(), sessions::id.desc()))
            .select(SessionRow::as_select())
            .load::<SessionRow>(&mut conn)
            .map(|rows| rows.into_iter().map(Session::from).collect())
            .map_err(map_diesel_error)
    }

    fn touch_session(&self, tag: &str, at: NaiveDateTime, expires_at: NaiveDateTime) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::update(sessions::table.filter(sessions::tag.eq(tag)))
            .set(sessions::last_used_at.eq(at))
            .execute(&mut conn)
            .map_err(map_diesel_error)?;
        // Only ever later: concurrent refreshes may land in any order.
        diesel::update(sessions::table.filter(sessions::tag.eq(tag)).filter(sessions::expires_at.lt(expires_at)))
            .set(sessions::expires_at.eq(expires_at))
            .execute(&mut conn)
            .map(drop)
            .map_err(map_diesel_error)
    }

    fn revoke_session(&self, tag: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
        self.write(
            |conn| {
                let updated = diesel::update(
                    sessions::table.filter(sessions::tag.eq(tag)).filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(Some(at)))
                .execute(conn)?;
                if updated > 0 {
                    notify(conn, &AuthEvent::Session(tag.to_owned()))?;
                }
                Ok(updated > 0)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }

    fn cut_off(&self, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, StoreError> {
        self.write(|conn| cut_off_in(conn, user_id, reason), |_| false).map_err(TxError::into_store)
    }

    fn change_password(&self, user_id: UserId, password_hash: &str) -> Result<TokenCutoff, StoreError> {
        self.write(
            |conn| {
                let cutoff = cut_off_in(conn, user_id, CutoffReason::PasswordChanged)?;
                diesel::update(users::table.find(user_id.0)).set(users::password.eq(password_hash)).execute(conn)?;
                Ok(cutoff)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }
}

/// Now, to the microsecond: what PostgreSQL keeps of a timestamp, so that the times returned
/// are the times stored, and a session start and a cutoff never compare differently once read
/// back.
fn now_micros() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    /// Logins: they may run together, not while a cutoff is being written.
    Share,
    /// Cutoffs and password changes.
    Update,
}

/// The user's password hash, with the user's row locked for the rest of the transaction on
/// PostgreSQL (SQLite's `BEGIN IMMEDIATE` holds the whole database already). `None` for an
/// unknown user.
fn lock_user(conn: &mut AnyConnection, user_id: UserId, lock: Lock) -> QueryResult<Option<String>> {
    let query = users::table.find(user_id.0).select(users::password);
    match conn {
        AnyConnection::Postgresql(pg) if lock == Lock::Share => query.for_share().first(pg).optional(),
        AnyConnection::Postgresql(pg) => query.for_update().first(pg).optional(),
        AnyConnection::Sqlite(lite) => query.first(lite).optional(),
    }
}

/// Sets the cutoff to now, read under the user's lock, and ends every session of the user.
fn cut_off_in(conn: &mut AnyConnection, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, TxError> {
    if lock_user(conn, user_id, Lock::Update)?.is_none() {
        return Err(TxError::Store(StoreError::NotFound));
    }
    let cutoff = TokenCutoff { at: now_micros(), reason };
    diesel::update(users::table.find(user_id.0))
        .set((users::tokens_cutoff_at.eq(Some(cutoff.at)), users::tokens_cutoff_reason.eq(Some(reason.as_str()))))
        .execute(conn)?;
    diesel::update(sessions::table.filter(sessions::user_id.eq(user_id.0)).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(Some(cutoff.at)))
        .execute(conn)?;
    // Inside the transaction: sent when it commits.
    notify(conn, &AuthEvent::User(user_id))?;
    Ok(cutoff)
}
