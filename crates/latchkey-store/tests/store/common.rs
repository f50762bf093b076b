use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};
use latchkey_domain::{NewUser, OutstandingToken, User, UserId, UserStore};
use latchkey_store::{Backend, Database, PoolOptions};
use latchkey_test_db::TestDatabase;
use std::time::Duration;

/// A pool on a fresh test database; both go when dropped.
pub struct TestDb {
    pub db: Database,
    // Kept for its Drop, which comes after the pool's: the database (on SQLite, the directory
    // with the database, -wal and -shm files) goes with the test.
    _test_db: TestDatabase,
}

impl std::ops::Deref for TestDb {
    type Target = Database;
    fn deref(&self) -> &Database {
        &self.db
    }
}

fn open(test_db: TestDatabase, max_size: u32) -> TestDb {
    // Longer than the 5 s default: the PostgreSQL tests share one server with other test binaries.
    let db = test_db.connect(PoolOptions::new(max_size, Duration::from_secs(10)));
    TestDb { db, _test_db: test_db }
}

/// A migrated database on `backend` behind a pool of `max_size`.
pub fn database(backend: Backend, max_size: u32) -> TestDb {
    open(TestDatabase::new(backend), max_size)
}

/// The same without the migrations.
pub fn unmigrated(backend: Backend, max_size: u32) -> TestDb {
    open(TestDatabase::empty(backend), max_size)
}

pub fn sqlite(max_size: u32) -> TestDb {
    database(Backend::Sqlite, max_size)
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
    OutstandingToken { jti: jti.to_owned(), user_id: user, created_at: Some(now()), expires_at, parent_jti: None }
}

pub fn in_a_day() -> NaiveDateTime {
    now() + chrono::Duration::days(1)
}
