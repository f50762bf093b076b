//! The domain's `LockoutStore` over `login_failures`: one row per submitted name, counted under
//! its row lock so that every instance on the database adds to the same count.

use crate::database::Database;
use crate::error::map_diesel_error;
use crate::match_backend;
use crate::schema::login_failures;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use latchkey_domain::{LockoutPolicy, LockoutStore, LoginAttempt, LoginFailures, StoreError};

#[derive(Queryable, Selectable)]
#[diesel(table_name = login_failures)]
struct FailureRow {
    failures: i32,
    last_failure_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
}

impl From<FailureRow> for LoginFailures {
    fn from(row: FailureRow) -> Self {
        LoginFailures {
            failures: u32::try_from(row.failures).unwrap_or(0),
            last_failure_at: row.last_failure_at,
            locked_until: row.locked_until,
        }
    }
}

/// Rows quiet since `cutoff`: no failure since, and no lock lasting past it.
macro_rules! quiet_since {
    ($cutoff:expr) => {
        login_failures::last_failure_at
            .lt($cutoff)
            .and(login_failures::locked_until.is_null().or(login_failures::locked_until.lt($cutoff)))
    };
}

impl LockoutStore for Database {
    fn login_failures(&self, subject: &str) -> Result<Option<LoginFailures>, StoreError> {
        let mut conn = self.conn()?;
        login_failures::table
            .filter(login_failures::subject.eq(subject))
            .select(FailureRow::as_select())
            .first::<FailureRow>(&mut *conn)
            .optional()
            .map(|row| row.map(LoginFailures::from))
            .map_err(map_diesel_error)
    }

    fn count_login_attempt(
        &self,
        subject: &str,
        now: NaiveDateTime,
        policy: &LockoutPolicy,
    ) -> Result<LoginAttempt, StoreError> {
        let cutoff = LockoutPolicy::forget_before(now);
        let this = login_failures::table.filter(login_failures::subject.eq(subject));
        self.write_retrying(|conn| {
            diesel::delete(this.filter(quiet_since!(cutoff))).execute(conn)?;
            // The row exists from here on, so the update below takes its row lock: concurrent
            // attempts (on any instance) queue on it, and each one sees the count and the lock
            // the one before it left. SQLite's write transaction serialises them anyway.
            match_backend!(conn, |c| diesel::insert_into(login_failures::table)
                .values((
                    login_failures::subject.eq(subject),
                    login_failures::failures.eq(0),
                    login_failures::last_failure_at.eq(now),
                ))
                .on_conflict(login_failures::subject)
                .do_nothing()
                .execute(c))?;
            let unlocked = login_failures::locked_until.is_null().or(login_failures::locked_until.le(now));
            let counted: Option<(i32, NaiveDateTime, Option<NaiveDateTime>)> =
                match_backend!(conn, |c| diesel::update(this.filter(unlocked))
                    .set((
                        login_failures::failures.eq(login_failures::failures + 1),
                        login_failures::last_failure_at.eq(now),
                    ))
                    .returning((
                        login_failures::failures,
                        login_failures::last_failure_at,
                        login_failures::locked_until
                    ))
                    .get_result(c)
                    .optional())?;
            let Some((failures, last_failure_at, locked_until)) = counted else {
                let row = this.select(FailureRow::as_select()).first::<FailureRow>(conn)?;
                return Ok(LoginAttempt::Locked(row.into()));
            };
            let mut record = LoginFailures::from(FailureRow { failures, last_failure_at, locked_until });
            if let Some(until) = policy.lock_until(now, record.failures) {
                diesel::update(this).set(login_failures::locked_until.eq(until)).execute(conn)?;
                record.locked_until = Some(until);
            }
            Ok(LoginAttempt::Admitted(record))
        })
    }

    fn clear_login_failures(&self, subject: &str) -> Result<bool, StoreError> {
        let deleted = self.write_retrying(|conn| {
            diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject))).execute(conn)
        })?;
        Ok(deleted > 0)
    }

    fn forget_login_failures(&self, cutoff: NaiveDateTime) -> Result<u64, StoreError> {
        let deleted = self
            .write_retrying(|conn| diesel::delete(login_failures::table.filter(quiet_since!(cutoff))).execute(conn))?;
        Ok(deleted as u64)
    }
}
