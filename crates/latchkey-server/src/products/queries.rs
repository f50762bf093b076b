//! The product SQL, once per backend. PostgreSQL's `price` is `NUMERIC(10,2)`, converted to and
//! from cents in SQL; SQLite's `price_cents` is the cents. Both read into [`ProductRow`].

use super::model::{NewProduct, Price, Product, ProductChanges, ProductFilter};
use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use latchkey_store::AnyConnection;
use std::ops::Bound;

/// A product as both backends' `SELECT`s and `RETURNING`s name the columns.
#[derive(QueryableByName)]
struct ProductRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = BigInt)]
    price_cents: i64,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
}

impl From<ProductRow> for Product {
    fn from(row: ProductRow) -> Self {
        Product {
            id: row.id,
            name: row.name,
            description: row.description,
            // Both schemas keep the column within range (NUMERIC(10,2), a CHECK on SQLite).
            price: Price(row.price_cents),
            created_at: row.created_at,
        }
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

const PG_COLUMNS: &str = "id, name, description, CAST(price * 100 AS BIGINT) AS price_cents, created_at";
const SQLITE_COLUMNS: &str = "id, name, description, price_cents, created_at";

/// The comparison operator for a lower (`min`) or upper bound, with its value; `None` when
/// the bound does not restrict.
fn comparison(bound: Bound<i64>, lower: bool) -> Option<(&'static str, i64)> {
    match (bound, lower) {
        (Bound::Unbounded, _) => None,
        (Bound::Included(cents), true) => Some((">=", cents)),
        (Bound::Excluded(cents), true) => Some((">", cents)),
        (Bound::Included(cents), false) => Some(("<=", cents)),
        (Bound::Excluded(cents), false) => Some(("<", cents)),
    }
}

/// Django's `icontains` pattern for SQLite: `%value%` with `\`, `%` and `_` escaped by `\`
/// (used with `ESCAPE '\'`), as `DatabaseOperations.prep_for_like_query` does it.
fn like_contains(value: &str) -> String {
    let mut pattern = String::with_capacity(value.len() + 2);
    pattern.push('%');
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(super) fn list(conn: &mut AnyConnection, filter: &ProductFilter) -> QueryResult<Vec<Product>> {
    let min = comparison(filter.min_cents, true);
    let max = comparison(filter.max_cents, false);
    let rows: Vec<ProductRow> = match conn {
        AnyConnection::Postgresql(pg) => {
            let mut sql = format!("SELECT {PG_COLUMNS} FROM products WHERE TRUE");
            let mut n = 0;
            let mut next = || {
                n += 1;
                n
            };
            if filter.name.is_some() {
                sql += &format!(" AND strpos(UPPER(name), UPPER(${})) > 0", next());
            }
            // Compared at the column (exact NUMERIC arithmetic), so the price index serves.
            for (op, _) in [min, max].into_iter().flatten() {
                sql += &format!(" AND price {op} CAST(${} AS NUMERIC) * 0.01", next());
            }
            sql += " ORDER BY id";
            let mut query = sql_query(sql).into_boxed::<Pg>();
            if let Some(name) = &filter.name {
                query = query.bind::<Text, _>(name.clone());
            }
            for (_, cents) in [min, max].into_iter().flatten() {
                query = query.bind::<BigInt, _>(cents);
            }
            query.load(pg)?
        }
        AnyConnection::Sqlite(lite) => {
            let mut sql = format!("SELECT {SQLITE_COLUMNS} FROM products WHERE 1");
            if filter.name.is_some() {
                sql += r" AND name LIKE ? ESCAPE '\'";
            }
            for (op, _) in [min, max].into_iter().flatten() {
                sql += &format!(" AND price_cents {op} ?");
            }
            sql += " ORDER BY id";
            let mut query = sql_query(sql).into_boxed::<Sqlite>();
            if let Some(name) = &filter.name {
                query = query.bind::<Text, _>(like_contains(name));
            }
            for (_, cents) in [min, max].into_iter().flatten() {
                query = query.bind::<BigInt, _>(cents);
            }
            query.load(lite)?
        }
    };
    Ok(rows.into_iter().map(Product::from).collect())
}

pub(super) fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Product>> {
    let row: Option<ProductRow> = match conn {
        AnyConnection::Postgresql(pg) => sql_query(format!("SELECT {PG_COLUMNS} FROM products WHERE id = $1"))
            .bind::<BigInt, _>(id)
            .get_result(pg)
            .optional()?,
        AnyConnection::Sqlite(lite) => sql_query(format!("SELECT {SQLITE_COLUMNS} FROM products WHERE id = ?"))
            .bind::<BigInt, _>(id)
            .get_result(lite)
            .optional()?,
    };
    Ok(row.map(Product::from))
}

pub(super) fn exists_with_name(conn: &mut AnyConnection, name: &str) -> QueryResult<bool> {
    let found: Found = match conn {
        AnyConnection::Postgresql(pg) => sql_query("SELECT EXISTS (SELECT 1 FROM products WHERE name = $1) AS found")
            .bind::<Text, _>(name)
            .get_result(pg)?,
        AnyConnection::Sqlite(lite) => sql_query("SELECT EXISTS (SELECT 1 FROM products WHERE name = ?) AS found")
            .bind::<Text, _>(name)
            .get_result(lite)?,
    };
    Ok(found.found)
}

pub(super) fn insert(
    conn: &mut AnyConnection,
    product: &NewProduct,
    created_at: NaiveDateTime,
) -> QueryResult<Product> {
    let row: ProductRow = match conn {
        AnyConnection::Postgresql(pg) => sql_query(format!(
            "INSERT INTO products (name, description, price, created_at) \
             VALUES ($1, $2, CAST($3 AS NUMERIC) * 0.01, $4) RETURNING {PG_COLUMNS}"
        ))
        .bind::<Text, _>(&product.name)
        .bind::<Text, _>(&product.description)
        .bind::<BigInt, _>(product.price.cents())
        .bind::<Timestamp, _>(created_at)
        .get_result(pg)?,
        AnyConnection::Sqlite(lite) => sql_query(format!(
            "INSERT INTO products (name, description, price_cents, created_at) \
             VALUES (?, ?, ?, ?) RETURNING {SQLITE_COLUMNS}"
        ))
        .bind::<Text, _>(&product.name)
        .bind::<Text, _>(&product.description)
        .bind::<BigInt, _>(product.price.cents())
        .bind::<Timestamp, _>(created_at)
        .get_result(lite)?,
    };
    Ok(row.into())
}

pub(super) fn update(conn: &mut AnyConnection, id: i64, changes: &ProductChanges) -> QueryResult<Option<Product>> {
    let cents = changes.price.map(Price::cents);
    let row: Option<ProductRow> = match conn {
        AnyConnection::Postgresql(pg) => sql_query(format!(
            "UPDATE products SET name = COALESCE($1, name), description = COALESCE($2, description), \
             price = COALESCE(CAST($3 AS NUMERIC) * 0.01, price) WHERE id = $4 RETURNING {PG_COLUMNS}"
        ))
        .bind::<Nullable<Text>, _>(changes.name.as_deref())
        .bind::<Nullable<Text>, _>(changes.description.as_deref())
        .bind::<Nullable<BigInt>, _>(cents)
        .bind::<BigInt, _>(id)
        .get_result(pg)
        .optional()?,
        AnyConnection::Sqlite(lite) => sql_query(format!(
            "UPDATE products SET name = COALESCE(?, name), description = COALESCE(?, description), \
             price_cents = COALESCE(?, price_cents) WHERE id = ? RETURNING {SQLITE_COLUMNS}"
        ))
        .bind::<Nullable<Text>, _>(changes.name.as_deref())
        .bind::<Nullable<Text>, _>(changes.description.as_deref())
        .bind::<Nullable<BigInt>, _>(cents)
        .bind::<BigInt, _>(id)
        .get_result(lite)
        .optional()?,
    };
    Ok(row.map(Product::from))
}

pub(super) fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<bool> {
    let deleted = match conn {
        AnyConnection::Postgresql(pg) => {
            sql_query("DELETE FROM products WHERE id = $1").bind::<BigInt, _>(id).execute(pg)?
        }
        AnyConnection::Sqlite(lite) => {
            sql_query("DELETE FROM products WHERE id = ?").bind::<BigInt, _>(id).execute(lite)?
        }
    };
    Ok(deleted > 0)
}

#[cfg(test)]
mod unit {
    use super::like_contains;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("gad"), "%gad%");
        assert_eq!(like_contains(r"50% off_\x"), r"%50\% off\_\\x%");
    }
}
