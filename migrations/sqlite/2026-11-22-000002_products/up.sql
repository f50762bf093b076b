-- The tutorials' `Product` (name CharField(200), description TextField(blank=True),
-- price DecimalField(max_digits=10, decimal_places=2), created_at auto_now_add). SQLite
-- flavour: keep in lockstep with migrations/postgres/2026-11-22-000002_products.
--
-- SQLite has no exact decimal type: a DECIMAL column has NUMERIC affinity, which stores 9.99 as
-- an IEEE double (what Django does on SQLite, and why its comparisons there are only as exact as
-- floats). The price is stored instead as a whole number of cents in a 64-bit INTEGER, which is
-- exact and compares exactly: 9.99 is 999. The CHECK keeps the column to integers (a REAL or TEXT
-- value would otherwise be accepted by SQLite's flexible typing) within NUMERIC(10,2)'s range,
-- so both databases hold the same set of values. Names are limited to 200 characters as
-- VARCHAR(200) does on PostgreSQL (SQLite ignores the declared length; length() counts
-- characters).

-- `INTEGER PRIMARY KEY` (exactly) makes the column the rowid: 64-bit, read as BigInt.
-- AUTOINCREMENT keeps ids of deleted products from being handed out again, as PostgreSQL does.
CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name VARCHAR(200) NOT NULL CHECK (length(name) <= 200),
    description TEXT NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL
        CHECK (typeof(price_cents) = 'integer' AND price_cents BETWEEN -9999999999 AND 9999999999),
    created_at TIMESTAMP NOT NULL
);
-- The list is ordered by id (the rowid); min_price/max_price are range scans.
CREATE INDEX products_price_cents_idx ON products (price_cents);
