//! Opaque keys: the domain's `OpaqueKeyStore` over `opaque_keys` (salt and digest only) and
//! `imported_keys` (digest only).

use crate::connection::AnyConnection;
use crate::database::{Database, TxError};
use crate::error::{is_unique_violation, map_diesel_error};
use crate::notify::{AuthEvent, notify};
use crate::schema::{imported_keys, opaque_keys, users};
use crate::users::UserRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use latchkey_domain::{ImportedKeyRecord, OpaqueKeyRecord, OpaqueKeyStore, StoreError, User, UserId};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = opaque_keys)]
struct KeyRow {
    user_id: i64,
    salt: String,
    digest: String,
    created: NaiveDateTime,
}

impl From<KeyRow> for OpaqueKeyRecord {
    fn from(row: KeyRow) -> Self {
        OpaqueKeyRecord { user_id: UserId(row.user_id), salt: row.salt, digest: row.digest, created: row.created }
    }
}

impl From<&OpaqueKeyRecord> for KeyRow {
    fn from(record: &OpaqueKeyRecord) -> Self {
        KeyRow {
            user_id: record.user_id.0,
            salt: record.salt.clone(),
            digest: record.digest.clone(),
            created: record.created,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_keys)]
pub(crate) struct ImportedKeyRow {
    pub(crate) user_id: i64,
    pub(crate) digest: String,
    pub(crate) created: NaiveDateTime,
}

impl From<ImportedKeyRow> for ImportedKeyRecord {
    fn from(row: ImportedKeyRow) -> Self {
        ImportedKeyRecord { user_id: UserId(row.user_id), digest: row.digest, created: row.created }
    }
}

fn key_for_user(conn: &mut AnyConnection, user_id: UserId) -> QueryResult<Option<OpaqueKeyRecord>> {
    opaque_keys::table
        .find(user_id.0)
        .select(KeyRow::as_select())
        .first::<KeyRow>(conn)
        .optional()
        .map(|row| row.map(OpaqueKeyRecord::from))
}

impl Database {
    /// Removes the user's key; whether there was one. Their next request with it fails.
    pub fn delete_key_for_user(&self, user_id: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        diesel::delete(opaque_keys::table.find(user_id.0))
            .execute(&mut conn)
            .map(|deleted| deleted > 0)
            .map_err(map_diesel_error)
    }

    /// Every stored key record, by user id (what a database dump would show: no keys).
    pub fn key_records(&self) -> Result<Vec<OpaqueKeyRecord>, StoreError> {
        let mut conn = self.conn()?;
        opaque_keys::table
            .order(opaque_keys::user_id)
            .select(KeyRow::as_select())
            .load::<KeyRow>(&mut conn)
            .map(|rows| rows.into_iter().map(OpaqueKeyRecord::from).collect())
            .map_err(map_diesel_error)
    }

    /// Every imported key record, by user id (digests only, like the derived ones).
    pub fn imported_key_records(&self) -> Result<Vec<ImportedKeyRecord>, StoreError> {
        let mut conn = self.conn()?;
        imported_keys::table
            .order(imported_keys::user_id)
            .select(ImportedKeyRow::as_select())
            .load::<ImportedKeyRow>(&mut conn)
            .map(|rows| rows.into_iter().map(ImportedKeyRecord::from).collect())
            .map_err(map_diesel_error)
    }
}

impl OpaqueKeyStore for Database {
    fn key_for_user(&self, user_id: UserId) -> Result<Option<OpaqueKeyRecord>, StoreError> {
        let mut conn = self.conn()?;
        key_for_user(&mut conn, user_id).map_err(map_diesel_error)
    }

    fn find_key_by_digest(&self, digest: &str) -> Result<Option<(OpaqueKeyRecord, User)>, StoreError> {
        let mut conn = self.conn()?;
        opaque_keys::table
            .inner_join(users::table)
            .filter(opaque_keys::digest.eq(digest))
            .select((KeyRow::as_select(), UserRow::as_select()))
            .first::<(KeyRow, UserRow)>(&mut conn)
            .optional()
            .map(|found| found.map(|(key, user)| (key.into(), user.into())))
            .map_err(map_diesel_error)
    }

    /// Update, else insert: the multi-backend has no upsert. An unknown user is `NotFound` (the
    /// foreign key refuses the insert); a digest another user has is `Conflict`.
    fn put_key(&self, record: &OpaqueKeyRecord) -> Result<(), StoreError> {
        let row = KeyRow::from(record);
        self.write(
            |conn| {
                let updated = diesel::update(opaque_keys::table.find(row.user_id)).set(&row).execute(conn)?;
                if updated == 0 {
                    diesel::insert_into(opaque_keys::table).values(&row).execute(conn)?;
                }
                notify(conn, &AuthEvent::User(record.user_id))?;
                Ok(())
            },
            // Two first puts for one user on PostgreSQL: both update nothing, one insert loses on
            // the primary key. Tried again, the loser updates. A digest clash fails every time.
            |err| matches!(err, TxError::Db(e) if is_unique_violation(e)),
        )
        .map_err(TxError::into_store)
    }

    /// Inserts and lets the primary key refuse a second record; the record in force is then
    /// read back. No transaction: on PostgreSQL the failed insert would abort it.
    fn insert_key_if_absent(&self, record: &OpaqueKeyRecord) -> Result<OpaqueKeyRecord, StoreError> {
        let mut conn = self.conn()?;
        match diesel::insert_into(opaque_keys::table).values(KeyRow::from(record)).execute(&mut conn) {
            Ok(_) => Ok(record.clone()),
            Err(err) if is_unique_violation(&err) => {
                match key_for_user(&mut conn, record.user_id) {
                    Ok(Some(existing)) => Ok(existing),
                    // No record for this user, so the clash was on the digest: a real conflict.
                    Ok(None) => Err(map_diesel_error(err)),
                    Err(read) => Err(map_diesel_error(read)),
                }
            }
            Err(err) => Err(map_diesel_error(err)),
        }
    }

    fn find_imported_key_by_digest(&self, digest: &str) -> Result<Option<(ImportedKeyRecord, User)>, StoreError> {
        let mut conn = self.conn()?;
        imported_keys::table
            .inner_join(users::table)
            .filter(imported_keys::digest.eq(digest))
            .select((ImportedKeyRow::as_select(), UserRow::as_select()))
            .first::<(ImportedKeyRow, UserRow)>(&mut conn)
            .optional()
            .map(|found| found.map(|(key, user)| (key.into(), user.into())))
            .map_err(map_diesel_error)
    }

    fn delete_imported_key(&self, user_id: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let deleted =
            diesel::delete(imported_keys::table.find(user_id.0)).execute(&mut conn).map_err(map_diesel_error)?;
        if deleted > 0 {
            notify(&mut conn, &AuthEvent::User(user_id)).map_err(map_diesel_error)?;
        }
        Ok(deleted > 0)
    }
}
