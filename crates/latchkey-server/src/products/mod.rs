//! Products, the protected resource of the tutorials (and the worked example of
//! docs/protect-your-route.md): the `Product` model (name, description, price, created_at), listed by
//! id and filtered by name and price.
//!
//! **Money is exact.** A [`Price`] is a whole number of cents in an `i64`; nothing between the
//! caller and the database is a float. PostgreSQL keeps Django's `NUMERIC(10,2)` column;
//! SQLite, which has no exact decimal type (a `DECIMAL` column there stores doubles), keeps
//! `price_cents INTEGER`. Diesel's `MultiBackend` needs one SQL type per column, so these
//! queries are written per backend (see `queries`): PostgreSQL converts at the column
//! (`CAST(price * 100 AS BIGINT)` to read, `CAST($n AS NUMERIC) * 0.01` to write and compare,
//! both exact), SQLite reads and writes the integer as it is.
//!
//! **Filters compare exactly.** A price filter is a bound on cents ([`ProductFilter`]): the
//! caller turns `min_price ≥ x` into `cents ≥ ⌈100·x⌉` and `max_price ≤ x` into
//! `cents ≤ ⌊100·x⌋`, computed from the decimal text, never through a float.
//!
//! **Name filter** (django-filter's `icontains`): a case-insensitive substring in which `%`,
//! `_` and `\` match themselves. SQLite runs exactly Django's SQL for it,
//! `name LIKE '%…%' ESCAPE '\'` with the wildcards escaped, so its case folding is SQLite's:
//! ASCII letters only (`É` does not match `é`), as on Django's own SQLite backend. PostgreSQL
//! runs `strpos(UPPER(name), UPPER($1)) > 0`, which is what Django's
//! `UPPER(name) LIKE UPPER(…)` means, folding every letter the database's locale knows.
//!
//! Everything blocks: call it from a blocking pool in async code.

mod model;
mod queries;
pub(crate) mod routes;
mod store;
#[cfg(test)]
mod tests;

pub use model::{MAX_PRICE_CENTS, NewProduct, Price, PriceError, Product, ProductChanges, ProductFilter};
pub use store::Products;
