//! Refresh-token bookkeeping: the domain's `RefreshTokenStore` over `outstanding_tokens` and
//! `blacklisted_tokens`.
//!
//! Who wins a race to blacklist a token is decided by the database, by the UNIQUE on
//! `blacklisted_tokens.token_id`, never by reading first and writing after: of any number of
//! concurrent blacklistings or rotations of one token exactly one inserts the row, and the
//! others get a unique violation, roll back and answer `AlreadyBlacklisted`.

use crate::connection::AnyConnection;
use crate::database::{Database, TxError};
use crate::error::{is_unique_violation, map_diesel_error};
use crate::schema::{blacklisted_tokens, outstanding_tokens};
use crate::users::user_exists;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use latchkey_domain::{BlacklistOutcome, OutstandingToken, RefreshTokenStore, StoreError};

#[derive(Insertable)]
#[diesel(table_name = outstanding_tokens)]
struct NewOutstandingRow<'a> {
    user_id: Option<i64>,
    jti: &'a str,
    created_at: Option<NaiveDateTime>,
    expires_at: NaiveDateTime,
    parent_jti: Option<&'a str>,
}

impl<'a> NewOutstandingRow<'a> {
    fn new(token: &'a OutstandingToken, user_id: Option<i64>) -> Self {
        Self {
            user_id,
            jti: &token.jti,
            created_at: token.created_at,
            expires_at: token.expires_at,
            parent_jti: token.parent_jti.as_deref(),
        }
    }
}

/// The id of `token`'s outstanding row, inserting the row when the token was never recorded
/// (minted elsewhere with the same key, or crafted). Its user is kept only if it exists: a
/// crafted token may name anyone, and the foreign key would refuse an unknown user. The check
/// runs inside the caller's transaction, next to the insert.
fn ensure_outstanding(conn: &mut AnyConnection, token: &OutstandingToken) -> Result<i64, TxError> {
    let existing = outstanding_tokens::table
        .filter(outstanding_tokens::jti.eq(&token.jti))
        .select(outstanding_tokens::id)
        .first::<i64>(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let user_id = match token.user_id {
        Some(user) if user_exists(conn, user.0)? => Some(user.0),
        _ => None,
    };
    diesel::insert_into(outstanding_tokens::table)
        .values(NewOutstandingRow::new(token, user_id))
        .returning(outstanding_tokens::id)
        .get_result(conn)
        .map_err(|err| {
            // Another transaction recorded the same jti between our read and our insert. On
            // PostgreSQL this transaction is now aborted; a new attempt finds the row.
            if is_unique_violation(&err) { TxError::OutstandingRace } else { TxError::Db(err) }
        })
}

/// Inserts the blacklist row; a unique violation means another request blacklisted the token
/// first (and, on PostgreSQL, has aborted this transaction, which must now roll back).
fn insert_blacklisted(conn: &mut AnyConnection, token_id: i64) -> Result<(), TxError> {
    diesel::insert_into(blacklisted_tokens::table)
        .values((
            blacklisted_tokens::token_id.eq(token_id),
            blacklisted_tokens::blacklisted_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)
        .map(drop)
        .map_err(|err| if is_unique_violation(&err) { TxError::AlreadyBlacklisted } else { TxError::Db(err) })
}

pub(crate) fn blacklisted_at(conn: &mut AnyConnection, jti: &str) -> QueryResult<Option<NaiveDateTime>> {
    blacklisted_tokens::table
        .inner_join(outstanding_tokens::table)
        .filter(outstanding_tokens::jti.eq(jti))
        .select(blacklisted_tokens::blacklisted_at)
        .first(conn)
        .optional()
}

/// The outcome of a blacklisting or rotation transaction. `AlreadyBlacklisted` rolled back
/// everything, and so does an outstanding-jti race that persisted through every attempt (the
/// only transaction that can keep winning it is one blacklisting the same token).
fn outcome(result: Result<BlacklistOutcome, TxError>) -> Result<BlacklistOutcome, StoreError> {
    match result {
        Ok(outcome) => Ok(outcome),
        Err(TxError::AlreadyBlacklisted | TxError::OutstandingRace) => Ok(BlacklistOutcome::AlreadyBlacklisted),
        Err(other) => Err(other.into_store()),
    }
}

fn is_outstanding_race(err: &TxError) -> bool {
    matches!(err, TxError::OutstandingRace)
}

impl RefreshTokenStore for Database {
    /// A jti recorded before is `Conflict`; a user id that names no user is `NotFound`.
    fn record_outstanding(&self, token: &OutstandingToken) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::insert_into(outstanding_tokens::table)
            .values(NewOutstandingRow::new(token, token.user_id.map(|u| u.0)))
            .execute(&mut conn)
            .map(drop)
            .map_err(map_diesel_error)
    }

    fn blacklisted_at(&self, jti: &str) -> Result<Option<NaiveDateTime>, StoreError> {
        let mut conn = self.conn()?;
        blacklisted_at(&mut conn, jti).map_err(map_diesel_error)
    }

    fn blacklist(&self, token: &OutstandingToken) -> Result<BlacklistOutcome, StoreError> {
        outcome(self.write(
            |conn| {
                let token_id = ensure_outstanding(conn, token)?;
                insert_blacklisted(conn, token_id)?;
                Ok(BlacklistOutcome::Blacklisted)
            },
            is_outstanding_race,
        ))
    }

    fn rotate(
        &self,
        old: &OutstandingToken,
        new: &OutstandingToken,
        blacklist_old: bool,
    ) -> Result<BlacklistOutcome, StoreError> {
        outcome(self.write(
            |conn| {
                if blacklist_old {
                    let token_id = ensure_outstanding(conn, old)?;
                    insert_blacklisted(conn, token_id)?;
                } else if blacklisted_at(conn, &old.jti)?.is_some() {
                    // Without blacklisting there is no row to race for; a token blacklisted
                    // by then is refused, one blacklisted a moment later is not (as simplejwt).
                    return Err(TxError::AlreadyBlacklisted);
                }
                // A reused jti for the new token is a real conflict, not a lost race.
                diesel::insert_into(outstanding_tokens::table)
                    .values(NewOutstandingRow::new(new, new.user_id.map(|u| u.0)))
                    .execute(conn)?;
                Ok(BlacklistOutcome::Blacklisted)
            },
            is_outstanding_race,
        ))
    }

    /// Deletes what expired at or before `now`, blacklist entries first (the cascade would do it
    /// too, but this does not depend on SQLite's `foreign_keys` pragma). Returns how many
    /// outstanding tokens went.
    fn flush_expired(&self, now: NaiveDateTime) -> Result<u64, StoreError> {
        self.write(
            |conn| {
                let expired = outstanding_tokens::table
                    .filter(outstanding_tokens::expires_at.le(now))
                    .select(outstanding_tokens::id);
                diesel::delete(blacklisted_tokens::table.filter(blacklisted_tokens::token_id.eq_any(expired)))
                    .execute(conn)?;
                let deleted = diesel::delete(outstanding_tokens::table.filter(outstanding_tokens::expires_at.le(now)))
                    .execute(conn)?;
                Ok(deleted as u64)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }
}
