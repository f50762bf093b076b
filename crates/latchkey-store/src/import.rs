//! Bringing users and their credentials over from another system, in Django's shape: rows read
//! from `auth_user`, `authtoken_token` and simplejwt's `token_blacklist_*` tables (the reading is
//! `latchkey-django`'s), written here all or nothing in one transaction.
//!
//! The rules, so that running an import twice, or after Latchkey has been in use, is safe:
//! - a user is matched by id. The same id with the same username and `date_joined` is the same
//!   user, already here: kept as Latchkey has it (a re-hashed password, a newer `last_login`),
//!   never overwritten, except that a deactivation in Django is carried over. An id that names
//!   another user, or a username that another id has, is a conflict, and nothing is written;
//! - a DRF key comes with its user, only for users this import inserts: a user already here
//!   keeps the keys Latchkey holds, so a re-run never brings back a key that was reset here. A
//!   revocation in Django is carried over: an imported key that Django no longer has for that
//!   user (a DRF logout, `drf_create_token -r`) is deleted;
//! - outstanding refresh tokens grant nothing by themselves (a refresh token is good by its
//!   signature), so every one that has not expired is taken, whoever its user; the expired ones
//!   are left out, so a flushed token never comes back. A blacklist entry is taken whenever its
//!   token is here and not blacklisted yet: revoking more is always safe;
//! - on PostgreSQL the users' identity sequence is moved past the highest id, so users created
//!   afterwards never collide with imported ones (SQLite's AUTOINCREMENT does this itself), and
//!   the `users` table is locked against writes for the length of the import, so a registration
//!   racing it waits instead of taking an id or a username the import checked as free.

use crate::connection::{AnyConnection, Backend, write_transaction};
use crate::database::Database;
use crate::error::map_diesel_error;
use crate::match_backend;
use crate::schema::{blacklisted_tokens, imported_keys, opaque_keys, outstanding_tokens, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use latchkey_domain::StoreError;
use std::collections::{HashMap, HashSet};
use std::fmt;
use thiserror::Error;

/// Rows per statement: SQLite allows 32,766 bound parameters, and a user row has 11.
const CHUNK: usize = 500;

/// A user as Django stores it (`auth_user`), id and encoded password hash included.
#[derive(Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct ImportUser {
    pub id: i64,
    pub username: String,
    pub email: String,
    /// The encoded hash as Django wrote it (`pbkdf2_sha256$…`, `!…` when unusable).
    pub password: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
    pub first_name: String,
    pub last_name: String,
}

impl fmt::Debug for ImportUser {
    // The hash is a credential an attacker can brute-force offline: never in Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("date_joined", &self.date_joined)
            .finish_non_exhaustive()
    }
}

/// A DRF key (`authtoken_token`), by the digest it is looked up by: the key itself never gets
/// this far.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_keys)]
pub struct ImportKey {
    pub user_id: i64,
    /// `hex(SHA-256(key))`, as `latchkey_opaque::key_digest` computes it.
    pub digest: String,
    pub created: NaiveDateTime,
}

/// simplejwt's `OutstandingToken`, by jti (the token text is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = outstanding_tokens, treat_none_as_default_value = false)]
pub struct ImportOutstanding {
    pub jti: String,
    pub user_id: Option<i64>,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

/// simplejwt's `BlacklistedToken`, naming its token by jti.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBlacklisted {
    pub jti: String,
    pub blacklisted_at: NaiveDateTime,
}

/// Everything one import writes.
#[derive(Debug, Clone, Default)]
pub struct ImportSet {
    pub users: Vec<ImportUser>,
    pub keys: Vec<ImportKey>,
    pub outstanding: Vec<ImportOutstanding>,
    pub blacklisted: Vec<ImportBlacklisted>,
}

impl ImportSet {
    pub fn rows(&self) -> u64 {
        (self.users.len() + self.keys.len() + self.outstanding.len() + self.blacklisted.len()) as u64
    }
}

/// Whether to keep what the import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    Apply,
    /// Everything is written and checked as for real, then rolled back: the report says
    /// exactly what `Apply` would do, conflicts included.
    DryRun,
}

/// What happened to one table's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Rows given.
    pub read: u64,
    /// Rows written.
    pub imported: u64,
    /// Rows already here (from an earlier import).
    pub present: u64,
    /// Rows left out by the rules above (credentials of a user already here).
    pub skipped: u64,
}

/// The outcome of [`Database::import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub mode: ImportMode,
    pub users: TableCounts,
    /// Of `users.present`: users Latchkey changed since they were imported (kept as they are).
    pub users_changed_since: u64,
    /// Of `users.present`: users deactivated in Django since, deactivated here too.
    pub users_deactivated: u64,
    pub keys: TableCounts,
    /// Imported keys of users already here that Django no longer has: deleted.
    pub keys_revoked: u64,
    pub outstanding: TableCounts,
    pub blacklisted: TableCounts,
}

impl ImportReport {
    /// Whether the import wrote (or, dry, would write) anything.
    pub fn changes_anything(&self) -> bool {
        [self.users, self.keys, self.outstanding, self.blacklisted].iter().any(|t| t.imported > 0)
            || self.users_deactivated > 0
            || self.keys_revoked > 0
    }
}

/// Why an import wrote nothing.
#[derive(Debug, Error)]
pub enum ImportError {
    /// A row names something Latchkey holds as something else. `table` is Django's table name.
    #[error("{table} row {row}: {reason}; nothing was imported")]
    Conflict { table: &'static str, row: String, reason: String },
    #[error("the import failed; nothing was imported")]
    Store(#[source] StoreError),
}

/// Told how far an import has got, for a progress bar.
pub trait ImportProgress {
    /// `rows` more rows of `table` were handled.
    fn advance(&self, table: &'static str, rows: u64);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ImportProgress for NoProgress {
    fn advance(&self, _: &'static str, _: u64) {}
}

/// Why the transaction body stopped: a real failure, or the dry run's deliberate rollback.
enum Stop {
    Db(DieselError),
    Conflict { table: &'static str, row: String, reason: String },
    DryRun(Box<ImportReport>),
}

impl From<DieselError> for Stop {
    fn from(err: DieselError) -> Self {
        Stop::Db(err)
    }
}

fn conflict(table: &'static str, row: String, reason: String) -> Stop {
    Stop::Conflict { table, row, reason }
}

impl Database {
    /// Writes `set` in one transaction, by the rules in the [module docs](self): all of it, or
    /// nothing when a row conflicts or the database fails.
    pub fn import(
        &self,
        set: &ImportSet,
        mode: ImportMode,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, ImportError> {
        let mut conn = self.conn().map_err(ImportError::Store)?;
        let outcome = write_transaction(&mut conn, |conn| {
            let report = import_in(conn, set, mode, progress)?;
            match mode {
                ImportMode::Apply => Ok(report),
                ImportMode::DryRun => Err(Stop::DryRun(Box::new(report))),
            }
        });
        match outcome {
            Ok(report) => Ok(report),
            Err(Stop::DryRun(report)) => Ok(*report),
            Err(Stop::Conflict { table, row, reason }) => Err(ImportError::Conflict { table, row, reason }),
            Err(Stop::Db(err)) => Err(ImportError::Store(map_diesel_error(err))),
        }
    }
}

// Every row is checked against what was here before the import writes anything, then
// everything is written. Besides being simpler to reason about, this keeps PostgreSQL's
// lookups on indexes: a table filled inside the transaction still has the statistics of an
// empty one, and lookups interleaved with the inserts were planned as sequential scans of the
// growing table (measured: 2.4 s for 10,000 users, most of it in those scans).
fn import_in(
    conn: &mut AnyConnection,
    set: &ImportSet,
    mode: ImportMode,
    progress: &dyn ImportProgress,
) -> Result<ImportReport, Stop> {
    if conn.backend() == Backend::Postgres {
        diesel::sql_query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
    }
    let users = check_users(conn, &set.users)?;
    let inserted: HashSet<i64> = users.new.iter().map(|u| u.id).collect();
    let keys = check_keys(conn, &set.keys, &inserted)?;
    let revoked = revoked_keys(conn, &set.keys, &users.present_ids)?;
    let now = chrono::Utc::now().naive_utc();
    let outstanding = check_outstanding(conn, &set.outstanding, now)?;
    let new_jtis: HashSet<&str> = outstanding.new.iter().map(|t| t.jti.as_str()).collect();
    let blacklisted = check_blacklisted(conn, &set.blacklisted, &new_jtis)?;

    insert_chunks(conn, AUTH_USER, &users.new, progress, |c, rows| {
        match_backend!(c, |c| diesel::insert_into(users::table).values(rows).execute(c))
    })?;
    for chunk in users.deactivate.chunks(CHUNK) {
        diesel::update(users::table.filter(users::id.eq_any(chunk))).set(users::is_active.eq(false)).execute(conn)?;
    }
    // Running servers forget what they cached of these users when this commits.
    for &id in users.deactivate.iter().chain(&revoked) {
        crate::notify::notify(conn, &crate::notify::AuthEvent::User(latchkey_domain::UserId(id)))?;
    }
    insert_chunks(conn, AUTHTOKEN_TOKEN, &keys.new, progress, |c, rows| {
        match_backend!(c, |c| diesel::insert_into(imported_keys::table).values(rows).execute(c))
    })?;
    for chunk in revoked.chunks(CHUNK) {
        diesel::delete(imported_keys::table.filter(imported_keys::user_id.eq_any(chunk))).execute(conn)?;
    }
    let mut token_ids = blacklisted.existing_ids;
    for chunk in outstanding.new.chunks(CHUNK) {
        let ids: Vec<(String, i64)> = match_backend!(conn, |c| diesel::insert_into(outstanding_tokens::table)
            .values(chunk)
            .returning((outstanding_tokens::jti, outstanding_tokens::id))
            .get_results(c))?;
        token_ids.extend(ids);
        progress.advance(OUTSTANDING, chunk.len() as u64);
    }
    let entries: Vec<NewBlacklistedRow> = blacklisted
        .new
        .iter()
        .filter_map(|b| {
            token_ids.get(&b.jti).map(|&token_id| NewBlacklistedRow { token_id, blacklisted_at: b.blacklisted_at })
        })
        .collect();
    insert_chunks(conn, BLACKLISTED, &entries, progress, |c, rows| {
        match_backend!(c, |c| diesel::insert_into(blacklisted_tokens::table).values(rows).execute(c))
    })?;

    if !users.new.is_empty() && mode == ImportMode::Apply && conn.backend() == Backend::Postgres {
        move_users_sequence(conn)?;
    }
    let counts = |read: usize, present: u64, skipped: u64, new: usize| TableCounts {
        read: read as u64,
        imported: new as u64,
        present,
        skipped,
    };
    Ok(ImportReport {
        mode,
        users: counts(set.users.len(), users.present, 0, users.new.len()),
        users_changed_since: users.changed_since,
        users_deactivated: users.deactivate.len() as u64,
        keys: counts(set.keys.len(), keys.present, keys.skipped, keys.new.len()),
        keys_revoked: revoked.len() as u64,
        outstanding: counts(set.outstanding.len(), outstanding.present, outstanding.skipped, outstanding.new.len()),
        blacklisted: counts(set.blacklisted.len(), blacklisted.present, blacklisted.skipped, entries.len()),
    })
}

const AUTH_USER: &str = "auth_user";
const AUTHTOKEN_TOKEN: &str = "authtoken_token";
const OUTSTANDING: &str = "token_blacklist_outstandingtoken";
const BLACKLISTED: &str = "token_blacklist_blacklistedtoken";

/// Rows of one table to write, and what was found already here.
struct Checked<T> {
    new: Vec<T>,
    present: u64,
    skipped: u64,
}

impl<T> Default for Checked<T> {
    fn default() -> Self {
        Self { new: Vec::new(), present: 0, skipped: 0 }
    }
}

fn insert_chunks<T>(
    conn: &mut AnyConnection,
    table: &'static str,
    rows: &[T],
    progress: &dyn ImportProgress,
    mut insert: impl FnMut(&mut AnyConnection, &[T]) -> QueryResult<usize>,
) -> Result<(), Stop> {
    for chunk in rows.chunks(CHUNK) {
        insert(conn, chunk)?;
        progress.advance(table, chunk.len() as u64);
    }
    Ok(())
}

struct CheckedUsers {
    new: Vec<ImportUser>,
    present: u64,
    present_ids: Vec<i64>,
    /// Of `present`: users whose rows here differ from the import.
    changed_since: u64,
    /// Of `present`: active here, inactive in Django.
    deactivate: Vec<i64>,
}

fn check_users(conn: &mut AnyConnection, rows: &[ImportUser]) -> Result<CheckedUsers, Stop> {
    let mut checked =
        CheckedUsers { new: Vec::new(), present: 0, present_ids: Vec::new(), changed_since: 0, deactivate: Vec::new() };
    for chunk in rows.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|u| u.id).collect();
        let names: Vec<&str> = chunk.iter().map(|u| u.username.as_str()).collect();
        let existing: Vec<ImportUser> = users::table
            .filter(users::id.eq_any(&ids).or(users::username.eq_any(&names)))
            .select(ImportUser::as_select())
            .load(conn)?;
        let by_id: HashMap<i64, &ImportUser> = existing.iter().map(|u| (u.id, u)).collect();
        let by_name: HashMap<&str, i64> = existing.iter().map(|u| (u.username.as_str(), u.id)).collect();
        for user in chunk {
            let row = || format!("id={} (username {:?})", user.id, user.username);
            if let Some(here) = by_id.get(&user.id) {
                if here.username != user.username || here.date_joined != user.date_joined {
                    let reason = format!(
                        "Latchkey's user {} is {:?}, joined {}, not this user",
                        here.id, here.username, here.date_joined
                    );
                    return Err(conflict(AUTH_USER, row(), reason));
                }
                checked.present += 1;
                checked.present_ids.push(user.id);
                if *here != user {
                    checked.changed_since += 1;
                }
                if here.is_active && !user.is_active {
                    checked.deactivate.push(user.id);
                }
            } else if let Some(other) = by_name.get(user.username.as_str()) {
                return Err(conflict(AUTH_USER, row(), format!("Latchkey has this username as user {other}")));
            } else {
                checked.new.push(user.clone());
            }
        }
    }
    Ok(checked)
}

fn check_keys(
    conn: &mut AnyConnection,
    rows: &[ImportKey],
    inserted_users: &HashSet<i64>,
) -> Result<Checked<ImportKey>, Stop> {
    let mut checked = Checked::default();
    for chunk in rows.chunks(CHUNK) {
        let user_ids: Vec<i64> = chunk.iter().map(|k| k.user_id).collect();
        let held: HashMap<i64, String> = imported_keys::table
            .filter(imported_keys::user_id.eq_any(&user_ids))
            .select((imported_keys::user_id, imported_keys::digest))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        let mut new = Vec::new();
        for key in chunk {
            if held.get(&key.user_id) == Some(&key.digest) {
                checked.present += 1;
            } else if inserted_users.contains(&key.user_id) {
                new.push(key);
            } else {
                // A user already here keeps the keys Latchkey has (a reset key stays reset).
                checked.skipped += 1;
            }
        }
        let digests: Vec<&str> = new.iter().map(|k| k.digest.as_str()).collect();
        // A user inserted by this import has no key yet, so any digest found belongs to
        // somebody else. Neither the key nor its digest goes into the message.
        let imported_clash: Option<(i64, String)> = imported_keys::table
            .filter(imported_keys::digest.eq_any(&digests))
            .select((imported_keys::user_id, imported_keys::digest))
            .first(conn)
            .optional()?;
        let derived_clash: Option<(i64, String)> = opaque_keys::table
            .filter(opaque_keys::digest.eq_any(&digests))
            .select((opaque_keys::user_id, opaque_keys::digest))
            .first(conn)
            .optional()?;
        if let Some((holder, digest)) = imported_clash.or(derived_clash) {
            let clashing = new.iter().find(|k| k.digest == digest).map_or(holder, |k| k.user_id);
            return Err(conflict(
                AUTHTOKEN_TOKEN,
                format!("of user_id={clashing}"),
                format!("Latchkey's user {holder} already has a key with the same digest"),
            ));
        }
        checked.new.extend(new.into_iter().cloned());
    }
    Ok(checked)
}

/// Users already here whose imported key Django no longer has: revoked there since the key was
/// imported.
fn revoked_keys(conn: &mut AnyConnection, django_keys: &[ImportKey], present: &[i64]) -> Result<Vec<i64>, Stop> {
    let in_django: HashMap<i64, &str> = django_keys.iter().map(|k| (k.user_id, k.digest.as_str())).collect();
    let mut revoked = Vec::new();
    for chunk in present.chunks(CHUNK) {
        let held: Vec<(i64, String)> = imported_keys::table
            .filter(imported_keys::user_id.eq_any(chunk))
            .select((imported_keys::user_id, imported_keys::digest))
            .load(conn)?;
        revoked.extend(
            held.into_iter()
                .filter(|(user, digest)| in_django.get(user) != Some(&digest.as_str()))
                .map(|(user, _)| user),
        );
    }
    Ok(revoked)
}

fn check_outstanding(
    conn: &mut AnyConnection,
    rows: &[ImportOutstanding],
    now: NaiveDateTime,
) -> Result<Checked<ImportOutstanding>, Stop> {
    let mut checked = Checked::default();
    for chunk in rows.chunks(CHUNK) {
        let jtis: Vec<&str> = chunk.iter().map(|t| t.jti.as_str()).collect();
        let existing: HashMap<String, Option<i64>> = outstanding_tokens::table
            .filter(outstanding_tokens::jti.eq_any(&jtis))
            .select((outstanding_tokens::jti, outstanding_tokens::user_id))
            .load::<(String, Option<i64>)>(conn)?
            .into_iter()
            .collect();
        for token in chunk {
            match existing.get(&token.jti) {
                // Django sets the user to NULL when it deletes the user: still the same token.
                Some(holder) if *holder == token.user_id || token.user_id.is_none() => checked.present += 1,
                Some(holder) => {
                    let holder = holder.map_or_else(|| "no user".to_owned(), |id| format!("user {id}"));
                    return Err(conflict(
                        OUTSTANDING,
                        format!("jti={}", token.jti),
                        format!("Latchkey has this jti for {holder}"),
                    ));
                }
                // Useless once expired, and `flush-expired-tokens` may have removed it here.
                None if token.expires_at <= now => checked.skipped += 1,
                None => checked.new.push(token.clone()),
            }
        }
    }
    Ok(checked)
}

#[derive(Insertable)]
#[diesel(table_name = blacklisted_tokens)]
struct NewBlacklistedRow {
    token_id: i64,
    blacklisted_at: NaiveDateTime,
}

struct CheckedBlacklist<'a> {
    new: Vec<&'a ImportBlacklisted>,
    /// Outstanding ids, by jti, of the tokens here already that `new` entries blacklist.
    existing_ids: HashMap<String, i64>,
    present: u64,
    skipped: u64,
}

fn check_blacklisted<'a>(
    conn: &mut AnyConnection,
    rows: &'a [ImportBlacklisted],
    new_jtis: &HashSet<&str>,
) -> Result<CheckedBlacklist<'a>, Stop> {
    let mut checked = CheckedBlacklist { new: Vec::new(), existing_ids: HashMap::new(), present: 0, skipped: 0 };
    let mut taken = HashSet::new();
    for chunk in rows.chunks(CHUNK) {
        let jtis: Vec<&str> = chunk.iter().map(|t| t.jti.as_str()).collect();
        let tokens: HashMap<String, i64> = outstanding_tokens::table
            .filter(outstanding_tokens::jti.eq_any(&jtis))
            .select((outstanding_tokens::jti, outstanding_tokens::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let ids: Vec<i64> = tokens.values().copied().collect();
        let already: HashSet<i64> = blacklisted_tokens::table
            .filter(blacklisted_tokens::token_id.eq_any(&ids))
            .select(blacklisted_tokens::token_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        for entry in chunk {
            if !taken.insert(entry.jti.as_str()) {
                checked.present += 1;
            } else if let Some(&id) = tokens.get(&entry.jti) {
                if already.contains(&id) {
                    checked.present += 1;
                } else {
                    checked.existing_ids.insert(entry.jti.clone(), id);
                    checked.new.push(entry);
                }
            } else if new_jtis.contains(entry.jti.as_str()) {
                checked.new.push(entry);
            } else {
                // Its outstanding token expired (and was left out, or flushed here).
                checked.skipped += 1;
            }
        }
    }
    Ok(checked)
}

/// Moves `users.id`'s identity sequence to the highest id, never backwards (a deleted user's
/// higher id must not be handed out again). Sequences are not transactional: if the import
/// then rolls back, ids are skipped, never reused.
fn move_users_sequence(conn: &mut AnyConnection) -> Result<(), Stop> {
    diesel::sql_query(
        "SELECT setval(seq, GREATEST((SELECT COALESCE(MAX(id), 1) FROM users), \
         COALESCE(pg_sequence_last_value(seq::regclass), 1))) \
         FROM pg_get_serial_sequence('users', 'id') AS seq",
    )
    .execute(conn)?;
    Ok(())
}
