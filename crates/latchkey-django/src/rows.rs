//! The queries over Django's tables, in each database's SQL.
//!
//! Django's column types differ by backend: on PostgreSQL `auth_user.id` is `integer` and times
//! are `timestamp with time zone`, which Diesel's multi-backend cannot read; on SQLite times are
//! text in UTC (with `USE_TZ = True`, Django's default since 4.0). The PostgreSQL queries cast
//! ids to `bigint` and times to UTC `timestamp`, so one row type reads both.

use crate::{DjangoData, DjangoError, TableState};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};
use latchkey_store::import::{ImportBlacklisted, ImportKey, ImportOutstanding, ImportSet, ImportUser};
use latchkey_store::{AnyConnection, match_backend};

const AUTH_USER: &str = "auth_user";
const AUTHTOKEN_TOKEN: &str = "authtoken_token";
const OUTSTANDING: &str = "token_blacklist_outstandingtoken";
const BLACKLISTED: &str = "token_blacklist_blacklistedtoken";

/// The tables an import reads, in the order it writes them.
pub const AUTH_TABLES: [&str; 4] = [AUTH_USER, AUTHTOKEN_TOKEN, OUTSTANDING, BLACKLISTED];

/// Django auth tables Latchkey has no place for yet: counted, reported, not imported.
pub const LEFT_BEHIND_TABLES: [&str; 5] =
    ["auth_group", "auth_user_groups", "auth_user_user_permissions", "auth_group_permissions", "django_session"];

#[derive(QueryableByName)]
struct UserRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    password: String,
    #[diesel(sql_type = Bool)]
    is_active: bool,
    #[diesel(sql_type = Bool)]
    is_staff: bool,
    #[diesel(sql_type = Bool)]
    is_superuser: bool,
    #[diesel(sql_type = Timestamp)]
    date_joined: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    last_login: Option<NaiveDateTime>,
    #[diesel(sql_type = Text)]
    first_name: String,
    #[diesel(sql_type = Text)]
    last_name: String,
}

#[derive(QueryableByName)]
struct TokenRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Timestamp)]
    created: NaiveDateTime,
}

#[derive(QueryableByName)]
struct OutstandingRow {
    #[diesel(sql_type = Text)]
    jti: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    user_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    created_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Timestamp)]
    expires_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct BlacklistedRow {
    #[diesel(sql_type = Text)]
    jti: String,
    #[diesel(sql_type = Timestamp)]
    blacklisted_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The same query for both databases, with `{t(col)}` replaced by a UTC `timestamp` on
/// PostgreSQL and the bare column on SQLite.
struct Sql {
    sqlite: String,
    postgres: String,
}

impl Sql {
    fn new(template: &str) -> Sql {
        let mut sqlite = String::new();
        let mut postgres = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("{t(") {
            let Some(len) = rest[start..].find(")}") else { break };
            let column = &rest[start + 3..start + len];
            sqlite.push_str(&rest[..start]);
            postgres.push_str(&rest[..start]);
            sqlite.push_str(column);
            postgres.push_str(&format!("({column} AT TIME ZONE 'UTC')"));
            rest = &rest[start + len + 2..];
        }
        sqlite.push_str(rest);
        postgres.push_str(rest);
        // Django's integer columns are `integer` on PostgreSQL, `bigint` wanted.
        let postgres = postgres.replace("{id}", "::bigint");
        let sqlite = sqlite.replace("{id}", "");
        Sql { sqlite, postgres }
    }

    fn load<U>(&self, conn: &mut AnyConnection) -> QueryResult<Vec<U>>
    where
        U: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
    {
        match conn {
            AnyConnection::Postgresql(c) => diesel::sql_query(&self.postgres).load(c),
            AnyConnection::Sqlite(c) => diesel::sql_query(&self.sqlite).load(c),
        }
    }
}

fn table_exists(conn: &mut AnyConnection, table: &str) -> QueryResult<bool> {
    // `table` is one of this module's constants, never input.
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            format!("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = '{table}' AND schemaname = current_schema()")
        }
        AnyConnection::Sqlite(_) => {
            format!("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
        }
    };
    let counts: Vec<Count> = match_backend!(conn, |c| diesel::sql_query(&sql).load(c))?;
    Ok(counts.first().is_some_and(|c| c.n > 0))
}

fn count_rows(conn: &mut AnyConnection, table: &'static str) -> QueryResult<Option<u64>> {
    if !table_exists(conn, table)? {
        return Ok(None);
    }
    let sql = format!(
        "SELECT COUNT(*){} AS n FROM {table}",
        if matches!(conn, AnyConnection::Postgresql(_)) { "::bigint" } else { "" }
    );
    let counts: Vec<Count> = match_backend!(conn, |c| diesel::sql_query(&sql).load(c))?;
    Ok(counts.first().map(|c| c.n.max(0) as u64))
}

pub(crate) fn read_all(conn: &mut AnyConnection, url: &str) -> Result<DjangoData, DjangoError> {
    let failed =
        |table: &'static str| move |source: DieselError| DjangoError::Read { table, url: url.to_owned(), source };
    if !table_exists(conn, AUTH_USER).map_err(failed(AUTH_USER))? {
        return Err(DjangoError::NotDjango { url: url.to_owned() });
    }
    let users: Vec<UserRow> = Sql::new(
        "SELECT id{id} AS id, username, email, password, is_active, is_staff, is_superuser, \
         {t(date_joined)} AS date_joined, {t(last_login)} AS last_login, first_name, last_name \
         FROM auth_user ORDER BY id",
    )
    .load(conn)
    .map_err(failed(AUTH_USER))?;
    let mut read = vec![TableState { name: AUTH_USER, rows: Some(users.len() as u64) }];

    let keys: Vec<ImportKey> = if table_exists(conn, AUTHTOKEN_TOKEN).map_err(failed(AUTHTOKEN_TOKEN))? {
        let rows: Vec<TokenRow> = Sql::new(
            "SELECT key, user_id{id} AS user_id, {t(created)} AS created FROM authtoken_token ORDER BY user_id",
        )
        .load(conn)
        .map_err(failed(AUTHTOKEN_TOKEN))?;
        read.push(TableState { name: AUTHTOKEN_TOKEN, rows: Some(rows.len() as u64) });
        // The key is dropped here; only its digest goes on.
        rows.into_iter()
            .map(|row| ImportKey {
                user_id: row.user_id,
                digest: latchkey_opaque::key_digest(&row.key),
                created: row.created,
            })
            .collect()
    } else {
        read.push(TableState { name: AUTHTOKEN_TOKEN, rows: None });
        Vec::new()
    };

    let (outstanding, blacklisted) = if table_exists(conn, OUTSTANDING).map_err(failed(OUTSTANDING))? {
        let outstanding: Vec<OutstandingRow> = Sql::new(
            "SELECT jti, user_id{id} AS user_id, {t(created_at)} AS created_at, {t(expires_at)} AS expires_at \
             FROM token_blacklist_outstandingtoken ORDER BY id",
        )
        .load(conn)
        .map_err(failed(OUTSTANDING))?;
        read.push(TableState { name: OUTSTANDING, rows: Some(outstanding.len() as u64) });
        let blacklisted: Vec<BlacklistedRow> = if table_exists(conn, BLACKLISTED).map_err(failed(BLACKLISTED))? {
            let rows = Sql::new(
                "SELECT o.jti AS jti, {t(b.blacklisted_at)} AS blacklisted_at \
                 FROM token_blacklist_blacklistedtoken b \
                 JOIN token_blacklist_outstandingtoken o ON o.id = b.token_id ORDER BY b.id",
            )
            .load(conn)
            .map_err(failed(BLACKLISTED))?;
            read.push(TableState { name: BLACKLISTED, rows: Some(rows.len() as u64) });
            rows
        } else {
            read.push(TableState { name: BLACKLISTED, rows: None });
            Vec::new()
        };
        (outstanding, blacklisted)
    } else {
        read.push(TableState { name: OUTSTANDING, rows: None });
        read.push(TableState { name: BLACKLISTED, rows: None });
        (Vec::new(), Vec::new())
    };

    let mut left_behind = Vec::new();
    for table in LEFT_BEHIND_TABLES {
        left_behind.push(TableState { name: table, rows: count_rows(conn, table).map_err(failed(table))? });
    }

    let set = ImportSet {
        users: users
            .into_iter()
            .map(|u| ImportUser {
                id: u.id,
                username: u.username,
                email: u.email,
                password: u.password,
                is_active: u.is_active,
                is_staff: u.is_staff,
                is_superuser: u.is_superuser,
                date_joined: u.date_joined,
                last_login: u.last_login,
                first_name: u.first_name,
                last_name: u.last_name,
            })
            .collect(),
        keys,
        outstanding: outstanding
            .into_iter()
            .map(|t| ImportOutstanding {
                jti: t.jti,
                user_id: t.user_id,
                created_at: t.created_at,
                expires_at: t.expires_at,
            })
            .collect(),
        blacklisted: blacklisted
            .into_iter()
            .map(|b| ImportBlacklisted { jti: b.jti, blacklisted_at: b.blacklisted_at })
            .collect(),
    };
    Ok(DjangoData { set, read, left_behind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_become_utc_timestamps_and_ids_bigints_on_postgres_only() {
        let sql = Sql::new("SELECT id{id} AS id, {t(b.created)} AS created FROM t");
        assert_eq!(sql.sqlite, "SELECT id AS id, b.created AS created FROM t");
        assert_eq!(sql.postgres, "SELECT id::bigint AS id, (b.created AT TIME ZONE 'UTC') AS created FROM t");
    }
}
