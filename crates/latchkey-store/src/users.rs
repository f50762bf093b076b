//! Users: the domain's `UserStore`, plus the counts and updates the server and xtask use.

use crate::connection::AnyConnection;
use crate::database::{Database, TxError};
use crate::error::map_diesel_error;
use crate::notify::{AuthEvent, notify};
use crate::schema::users;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use latchkey_domain::{CutoffReason, NewUser, StoreError, TokenCutoff, User, UserId, UserStore};

/// A `users` row as read.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    email: String,
    password: String,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    date_joined: NaiveDateTime,
    last_login: Option<NaiveDateTime>,
    tokens_cutoff_at: Option<NaiveDateTime>,
    tokens_cutoff_reason: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: UserId(row.id),
            username: row.username,
            email: row.email,
            password_hash: row.password,
            is_active: row.is_active,
            is_staff: row.is_staff,
            is_superuser: row.is_superuser,
            date_joined: row.date_joined,
            last_login: row.last_login,
            // An unknown reason (written by a newer version) still cuts off, as a logout-all.
            tokens_cutoff: row.tokens_cutoff_at.map(|at| TokenCutoff {
                at,
                reason: row
                    .tokens_cutoff_reason
                    .as_deref()
                    .and_then(CutoffReason::parse)
                    .unwrap_or(CutoffReason::LogoutAll),
            }),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    username: &'a str,
    email: &'a str,
    password: &'a str,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    date_joined: NaiveDateTime,
}

/// Whether a user with this id exists (used inside transactions, hence the bare connection).
pub(crate) fn user_exists(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)
}

/// `Ok(())` when an update touched a row, `NotFound` when there was none to touch.
fn expect_one(updated: usize) -> Result<(), StoreError> {
    if updated == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

impl Database {
    /// Runs `update` and, when it changed a row, tells other instances (`notify`) in the same
    /// transaction, so the notification goes out exactly when the change is committed.
    fn update_user(
        &self,
        id: UserId,
        update: impl Fn(&mut AnyConnection) -> QueryResult<usize>,
    ) -> Result<usize, StoreError> {
        self.write(
            |conn| {
                let updated = update(conn)?;
                if updated > 0 {
                    notify(conn, &AuthEvent::User(id))?;
                }
                Ok(updated)
            },
            |_| false,
        )
        .map_err(TxError::into_store)
    }

    pub fn count_users(&self) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        users::table.count().get_result(&mut conn).map_err(map_diesel_error)
    }

    /// Records a successful login (Django's `update_last_login`). `NotFound` for an unknown id.
    pub fn set_last_login(&self, id: UserId, at: NaiveDateTime) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let updated = diesel::update(users::table.find(id.0))
            .set(users::last_login.eq(Some(at)))
            .execute(&mut conn)
            .map_err(map_diesel_error)?;
        expect_one(updated)
    }
}

impl UserStore for Database {
    fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        let mut conn = self.conn()?;
        let row = NewUserRow {
            username: &user.username,
            email: &user.email,
            password: &user.password_hash,
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: user.date_joined,
        };
        // The UNIQUE on username decides between two concurrent registrations: the loser gets
        // a unique violation, which is `Conflict`.
        diesel::insert_into(users::table)
            .values(&row)
            // Plain columns: `as_returning()` is a `MultiBackend` fragment, which the per-backend
            // RETURNING clause cannot render (a compile error).
            .returning((
                users::id,
                users::username,
                users::email,
                users::password,
                users::is_active,
                users::is_staff,
                users::is_superuser,
                users::date_joined,
                users::last_login,
                users::tokens_cutoff_at,
                users::tokens_cutoff_reason,
            ))
            .get_result::<UserRow>(&mut conn)
            .map(User::from)
            .map_err(map_diesel_error)
    }

    fn find_user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn()?;
        users::table
            .filter(users::username.eq(username))
            .select(UserRow::as_select())
            .first::<UserRow>(&mut conn)
            .optional()
            .map(|row| row.map(User::from))
            .map_err(map_diesel_error)
    }

    fn find_user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn()?;
        users::table
            .find(id.0)
            .select(UserRow::as_select())
            .first::<UserRow>(&mut conn)
            .optional()
            .map(|row| row.map(User::from))
            .map_err(map_diesel_error)
    }

    fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        self.update_user(id, |conn| {
            diesel::update(users::table.find(id.0)).set(users::password.eq(password_hash)).execute(conn)
        })
        .and_then(expect_one)
    }

    fn replace_password_hash(&self, id: UserId, expected: &str, new: &str) -> Result<bool, StoreError> {
        // One statement: the database compares and writes atomically.
        self.update_user(id, |conn| {
            diesel::update(users::table.find(id.0).filter(users::password.eq(expected)))
                .set(users::password.eq(new))
                .execute(conn)
        })
        .map(|updated| updated == 1)
    }

    fn set_active(&self, id: UserId, active: bool) -> Result<(), StoreError> {
        self.update_user(id, |conn| {
            diesel::update(users::table.find(id.0)).set(users::is_active.eq(active)).execute(conn)
        })
        .and_then(expect_one)
    }
}
