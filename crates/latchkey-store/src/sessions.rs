//! Sessions: the domain's `SessionStore` over `sessions`, and the users' token cutoff.

use crate::database::{Database, TxError};
use crate::error::map_diesel_error;
use crate::notify::{AuthEvent, notify};
use crate::schema::{sessions, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use latchkey_domain::{Session, SessionStore, StoreError, TokenCutoff, UserId};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
struct SessionRow {
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
    fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::insert_into(sessions::table)
            .values(SessionRow::from(session))
            .execute(&mut conn)
            .map(drop)
            .map_err(map_diesel_error)
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
        let mut conn = self.conn()?;
        let updated =
            diesel::update(sessions::table.filter(sessions::tag.eq(tag)).filter(sessions::revoked_at.is_null()))
                .set(sessions::revoked_at.eq(Some(at)))
                .execute(&mut conn)
                .map_err(map_diesel_error)?;
        if updated > 0 {
            notify(&mut conn, &AuthEvent::Session(tag.to_owned())).map_err(map_diesel_error)?;
        }
        Ok(updated > 0)
    }

    fn cut_off(&self, user_id: UserId, cutoff: TokenCutoff) -> Result<u64, StoreError> {
        self.write(
            |conn| {
                let updated = diesel::update(users::table.find(user_id.0))
                    .set((
                        users::tokens_cutoff_at.eq(Some(cutoff.at)),
                        users::tokens_cutoff_reason.eq(Some(cutoff.reason.as_str())),
                    ))
                    .execute(conn)?;
                if updated == 0 {
                    return Err(TxError::Store(StoreError::NotFound));
                }
                let ended = diesel::update(
                    sessions::table.filter(sessions::user_id.eq(user_id.0)).filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(Some(cutoff.at)))
                .execute(conn)?;
                // Inside the transaction: sent when it commits.
                notify(conn, &AuthEvent::User(user_id))?;
                Ok(ended as u64)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }
}
