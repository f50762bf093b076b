use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};
use latchkey_domain::{NewUser, OutstandingToken, User, UserId, UserStore};
use latchkey_store::{Database, PoolOptions};
use tempfile::TempDir;

/// A migrated SQLite database in its own directory, removed on drop.
pub struct SqliteDb {
    pub db: Database,
    // Kept for its Drop: the directory (database, -wal and -shm files) goes with the test.
    _dir: TempDir,
}

impl std::ops::Deref for SqliteDb {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

pub fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("latchkey.sqlite3").display())
}

pub fn unmigrated_sqlite(max_size: u32) -> SqliteDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db =
        Database::connect(&sqlite_url(&dir), PoolOptions { max_size, ..PoolOptions::default() }).expect("open SQLite");
    SqliteDb { db, _dir: dir }
}

pub fn sqlite(max_size: u32) -> SqliteDb {
    let db = unmigrated_sqlite(max_size);
    db.run_migrations().expect("migrations");
    db
}

/// Now, to the microsecond: PostgreSQL keeps no more, so values round-trip on both backends.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000).expect("valid nanoseconds")
}

pub fn at(year: i32, month: u32, day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("valid date")
}

pub fn new_user(username: &str) -> NewUser {
    NewUser {
        date_joined: now(),
        ..NewUser::new(
            username,
            format!("{username}@example.com"),
            "bcrypt_sha256$$2b$04$notarealhashnotarealhashnotarealhashnotarealhas",
        )
    }
}

pub fn create_user(db: &Database, username: &str) -> User {
    db.create_user(new_user(username)).expect("create user")
}

pub fn token(jti: &str, user: Option<UserId>, expires_at: NaiveDateTime) -> OutstandingToken {
    OutstandingToken { jti: jti.to_owned(), user_id: user, created_at: Some(now()), expires_at }
}

pub fn in_a_day() -> NaiveDateTime {
    now() + chrono::Duration::days(1)
}
