//! The reads of a refresh in one query: the domain's `RefreshReadStore`.

use crate::database::Database;
use crate::error::map_diesel_error;
use crate::schema::{blacklisted_tokens, outstanding_tokens, sessions, users};
use crate::sessions::SessionRow;
use crate::tokens::blacklisted_at;
use crate::users::UserRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use latchkey_domain::{RefreshReadStore, RefreshReads, Session, StoreError, User, UserId};

impl RefreshReadStore for Database {
    /// The user's row, its session joined on (tag and owner), and the blacklist entry as a
    /// subquery: one round trip, one snapshot. A token naming no user (or one deleted since)
    /// takes a second query for the blacklist alone.
    fn refresh_reads(&self, jti: &str, user_id: Option<UserId>, tag: Option<&str>) -> Result<RefreshReads, StoreError> {
        let mut conn = self.conn()?;
        if let Some(id) = user_id {
            let blacklisted = blacklisted_tokens::table
                .inner_join(outstanding_tokens::table)
                .filter(outstanding_tokens::jti.eq(jti))
                .select(blacklisted_tokens::blacklisted_at)
                .single_value();
            let found: Option<(UserRow, Option<SessionRow>, Option<NaiveDateTime>)> = users::table
                .left_join(sessions::table.on(sessions::user_id.eq(users::id).and(sessions::tag.nullable().eq(tag))))
                .filter(users::id.eq(id.0))
                .select((UserRow::as_select(), Option::<SessionRow>::as_select(), blacklisted))
                .first(&mut conn)
                .optional()
                .map_err(map_diesel_error)?;
            if let Some((user, session, blacklisted_at)) = found {
                return Ok(RefreshReads {
                    blacklisted_at,
                    user: Some(User::from(user)),
                    session: session.map(Session::from),
                });
            }
        }
        let blacklisted_at = blacklisted_at(&mut conn, jti).map_err(map_diesel_error)?;
        Ok(RefreshReads { blacklisted_at, user: None, session: None })
    }
}
