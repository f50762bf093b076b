//! The products table, through the store's pool: every call blocks (run it on a blocking pool
//! in async code).

use super::model::{NewProduct, Product, ProductChanges, ProductFilter};
use super::queries;
use chrono::{NaiveDateTime, Timelike, Utc};
use latchkey_domain::StoreError;
use latchkey_store::{Database, map_diesel_error};

/// The products repository over the server's [`Database`].
#[derive(Clone)]
pub struct Products {
    database: Database,
}

impl Products {
    pub fn new(database: Database) -> Self {
        Self { database }
    }
}

/// Now, naive UTC, cut to microseconds: what both databases keep, so the product returned on
/// creation equals the one read back later.
fn now_micros() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.nanosecond() / 1_000 * 1_000;
    now.with_nanosecond(micros).unwrap_or(now)
}

impl Products {
    /// The products `filter` selects, ordered by id.
    pub fn list(&self, filter: &ProductFilter) -> Result<Vec<Product>, StoreError> {
        let mut conn = self.database.conn()?;
        queries::list(&mut conn, filter).map_err(map_diesel_error)
    }

    pub fn get(&self, id: i64) -> Result<Option<Product>, StoreError> {
        let mut conn = self.database.conn()?;
        queries::get(&mut conn, id).map_err(map_diesel_error)
    }

    /// Whether some product has exactly this name (the seed's idempotency check).
    pub fn exists_with_name(&self, name: &str) -> Result<bool, StoreError> {
        let mut conn = self.database.conn()?;
        queries::exists_with_name(&mut conn, name).map_err(map_diesel_error)
    }

    /// Inserts a product created now and returns it as stored.
    pub fn create(&self, product: &NewProduct) -> Result<Product, StoreError> {
        let created_at = now_micros();
        self.database.write_retrying(|conn| queries::insert(conn, product, created_at))
    }

    /// Applies `changes` to product `id` and returns it as stored; `None` when there is no such
    /// product.
    pub fn update(&self, id: i64, changes: &ProductChanges) -> Result<Option<Product>, StoreError> {
        self.database.write_retrying(|conn| queries::update(conn, id, changes))
    }

    /// Deletes product `id`; whether there was one.
    pub fn delete(&self, id: i64) -> Result<bool, StoreError> {
        self.database.write_retrying(|conn| queries::delete(conn, id))
    }
}
