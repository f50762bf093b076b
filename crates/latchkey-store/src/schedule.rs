//! Periodic work shared by every instance on one database: a run is claimed by a conditional
//! write, so however many instances try, one runs it per interval.

use crate::database::Database;
use crate::match_backend;
use crate::schema::scheduled_tasks;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use latchkey_domain::StoreError;

/// How far ahead of this instance's clock a recorded start may be before it counts as a clock
/// error rather than another instance's claim made a moment ago.
const FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

impl Database {
    /// Claims the run of `task` at `now` if none started within `interval` before it: `true`
    /// for exactly one of any number of concurrent callers, once per interval. The first
    /// claim ever succeeds, and so does one after a start recorded more than five minutes in
    /// the future (a clock that was ahead, then corrected), so a bad clock cannot stop the task
    /// for long. (Less than that is a concurrent claim whose clock read came a moment later.)
    pub fn claim_scheduled_run(&self, task: &str, now: NaiveDateTime, interval: TimeDelta) -> Result<bool, StoreError> {
        let due = now.checked_sub_signed(interval).unwrap_or(NaiveDateTime::MIN);
        let future = now.checked_add_signed(FUTURE_TOLERANCE).unwrap_or(NaiveDateTime::MAX);
        let claimed = self.write_retrying(|conn| {
            let inserted = match_backend!(conn, |c| diesel::insert_into(scheduled_tasks::table)
                .values((
                    scheduled_tasks::name.eq(task),
                    scheduled_tasks::last_started_at.eq(now),
                    scheduled_tasks::runs.eq(1),
                ))
                .on_conflict(scheduled_tasks::name)
                .do_nothing()
                .execute(c))?;
            if inserted == 1 {
                return Ok(true);
            }
            let updated = diesel::update(
                scheduled_tasks::table
                    .filter(scheduled_tasks::name.eq(task))
                    .filter(scheduled_tasks::last_started_at.le(due).or(scheduled_tasks::last_started_at.gt(future))),
            )
            .set((scheduled_tasks::last_started_at.eq(now), scheduled_tasks::runs.eq(scheduled_tasks::runs + 1)))
            .execute(conn)?;
            Ok(updated == 1)
        })?;
        Ok(claimed)
    }

    /// How many times `task` has run (0 if never), and when it last started.
    pub fn scheduled_runs(&self, task: &str) -> Result<(i64, Option<NaiveDateTime>), StoreError> {
        let mut conn = self.conn()?;
        let row: Option<(i64, NaiveDateTime)> = scheduled_tasks::table
            .filter(scheduled_tasks::name.eq(task))
            .select((scheduled_tasks::runs, scheduled_tasks::last_started_at))
            .first(&mut *conn)
            .optional()
            .map_err(crate::error::map_diesel_error)?;
        Ok(row.map_or((0, None), |(runs, at)| (runs, Some(at))))
    }
}
