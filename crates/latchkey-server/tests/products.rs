//! The products repository on a fresh database of each backend (from `latchkey-test-db`).

use chrono::Timelike;
use diesel::RunQueryDsl;
use latchkey_server::products::{MAX_PRICE_CENTS, NewProduct, Price, Product, ProductChanges, ProductFilter, Products};
use latchkey_store::{Backend, Database, PoolOptions};
use latchkey_test_db::TestDatabase;
use std::ops::Bound::{self, Excluded, Included, Unbounded};
use std::time::Duration;

fn cents(c: i64) -> Price {
    Price::from_cents(c).expect("in range")
}

fn new(name: &str, description: &str, price_cents: i64) -> NewProduct {
    NewProduct { name: name.into(), description: description.into(), price: cents(price_cents) }
}

fn names(db: &Products, filter: &ProductFilter) -> Vec<String> {
    db.list(filter).expect("list").into_iter().map(|p| p.name).collect()
}

fn by_name(name: &str) -> ProductFilter {
    ProductFilter { name: Some(name.into()), ..ProductFilter::default() }
}

fn by_price(min_cents: Bound<i64>, max_cents: Bound<i64>) -> ProductFilter {
    ProductFilter { name: None, min_cents, max_cents }
}

/// Everything, run once per backend.
fn exercise(database: &Database) {
    let db = &Products::new(database.clone());
    assert!(db.list(&ProductFilter::default()).expect("empty list").is_empty());

    // Create, read back, round trip of prices at and around the edges.
    let widget = db.create(&new("Widget", "A small widget", 999)).expect("create");
    assert_eq!(
        (widget.name.as_str(), widget.description.as_str(), widget.price),
        ("Widget", "A small widget", cents(999))
    );
    assert_eq!(widget.created_at.nanosecond() % 1_000, 0, "microsecond precision");
    assert_eq!(db.get(widget.id).expect("get"), Some(widget.clone()));
    let others = [
        new("Gadget", "", 2450),
        new("cheap_one", "", 1),
        new("Free 100%", "", 0),
        new("Refund", "", -100),
        new("Most", "", MAX_PRICE_CENTS),
        new("Least", "", -MAX_PRICE_CENTS),
        new(r"back\slash", "", 500),
        new("Élan", "", 501),
    ];
    let mut all = vec![widget.clone()];
    for product in &others {
        let created = db.create(product).expect("create");
        assert_eq!((&created.name, created.price), (&product.name, product.price));
        assert!(created.id > all.last().map_or(0, |p| p.id), "ids increase");
        all.push(created);
    }
    assert_eq!(db.list(&ProductFilter::default()).expect("list"), all, "ordered by id, as created");

    // Price bounds: inclusive, exclusive, saturated.
    let everything = names(db, &ProductFilter::default());
    assert_eq!(names(db, &by_price(Included(999), Included(2450))), ["Widget", "Gadget"]);
    assert_eq!(names(db, &by_price(Excluded(999), Unbounded)), ["Gadget", "Most"]);
    assert_eq!(names(db, &by_price(Unbounded, Excluded(0))), ["Refund", "Least"]);
    assert_eq!(names(db, &by_price(Included(0), Included(0))), ["Free 100%"]);
    assert_eq!(names(db, &by_price(Included(1000), Included(999))), Vec::<String>::new());
    assert_eq!(names(db, &by_price(Excluded(i64::MAX), Unbounded)), Vec::<String>::new());
    assert_eq!(names(db, &by_price(Unbounded, Excluded(i64::MIN))), Vec::<String>::new());
    assert_eq!(names(db, &by_price(Included(i64::MIN), Included(i64::MAX))), everything);
    assert_eq!(names(db, &by_price(Included(MAX_PRICE_CENTS), Unbounded)), ["Most"]);
    assert_eq!(names(db, &by_price(Unbounded, Included(-MAX_PRICE_CENTS))), ["Least"]);

    // Name: case-insensitive substring, wildcards literal.
    assert_eq!(names(db, &by_name("GAD")), ["Gadget"]);
    assert_eq!(names(db, &by_name("idg")), ["Widget"]);
    assert_eq!(names(db, &by_name("%")), ["Free 100%"]);
    assert_eq!(names(db, &by_name("_")), ["cheap_one"]);
    assert_eq!(names(db, &by_name("p_o")), ["cheap_one"]);
    assert_eq!(names(db, &by_name("w%t")), Vec::<String>::new());
    assert_eq!(names(db, &by_name(r"\")), [r"back\slash"]);
    assert_eq!(names(db, &by_name(r"k\s")), [r"back\slash"]);
    assert_eq!(names(db, &by_name("")), everything);
    assert_eq!(
        names(db, &by_name("élan")),
        if database.backend() == Backend::Postgres { vec!["Élan"] } else { vec![] }
    );
    assert_eq!(names(db, &by_name("lan")), ["Élan"]);
    // Combined.
    let combined = ProductFilter { name: Some("e".into()), min_cents: Included(0), max_cents: Included(1000) };
    assert_eq!(names(db, &combined), ["Widget", "cheap_one", "Free 100%"]);

    // Updates: partial, none, unknown id.
    let changed = db
        .update(widget.id, &ProductChanges { price: Some(cents(750)), ..ProductChanges::default() })
        .expect("update")
        .expect("exists");
    assert_eq!(changed, Product { price: cents(750), ..widget.clone() });
    let renamed = db
        .update(
            widget.id,
            &ProductChanges { name: Some("Widget 2".into()), description: Some(String::new()), price: None },
        )
        .expect("update")
        .expect("exists");
    assert_eq!(renamed, Product { name: "Widget 2".into(), description: String::new(), ..changed.clone() });
    assert_eq!(db.update(widget.id, &ProductChanges::default()).expect("no-op"), Some(renamed.clone()));
    assert_eq!(db.get(widget.id).expect("get"), Some(renamed));
    assert_eq!(db.update(987_654_321, &ProductChanges::default()).expect("update"), None);

    // Names.
    assert!(db.exists_with_name("Gadget").expect("exists"));
    assert!(!db.exists_with_name("gadget").expect("exists"), "exact, case-sensitive");

    // Deletes.
    assert!(db.delete(widget.id).expect("delete"));
    assert!(!db.delete(widget.id).expect("delete again"));
    assert_eq!(db.get(widget.id).expect("get"), None);
    assert_eq!(db.get(i64::MAX).expect("get"), None);
    assert_eq!(db.get(i64::MIN).expect("get"), None);
    // A deleted id is not handed out again.
    let next = db.create(&new("After", "", 1)).expect("create");
    assert!(next.id > all.last().map_or(0, |p| p.id));
}

/// A migrated database on `backend` and a pool on it; the database goes with the pair.
fn database(backend: Backend, max_size: u32) -> (Database, TestDatabase) {
    let test_db = TestDatabase::new(backend);
    let pool = test_db.connect(PoolOptions::new(max_size, Duration::from_secs(10)));
    (pool, test_db)
}

#[test]
fn products_on_sqlite() {
    exercise(&database(Backend::Sqlite, 2).0);
}

#[test]
fn products_on_postgres() {
    exercise(&database(Backend::Postgres, 2).0);
}

#[test]
fn sqlite_keeps_prices_integral_and_in_range() {
    let (db, _test_db) = database(Backend::Sqlite, 1);
    let mut conn = db.conn().expect("conn");
    for value in ["9.99", "'999'", "10000000000", "-10000000000"] {
        let sql = format!(
            "INSERT INTO products (name, description, price_cents, created_at) VALUES ('x', '', {value}, '2026-01-01 00:00:00')"
        );
        let result = diesel::sql_query(sql).execute(&mut *conn);
        // '999' (text) is converted to the integer 999 by the column's affinity: accepted.
        assert_eq!(result.is_ok(), value == "'999'", "{value}: {result:?}");
    }
}

/// NUMERIC(10,2) refuses what the SQLite CHECK refuses.
#[test]
fn postgres_keeps_prices_in_range() {
    let (db, _test_db) = database(Backend::Postgres, 1);
    let mut conn = db.conn().expect("conn");
    let overflow = diesel::sql_query(
        "INSERT INTO products (name, description, price, created_at) VALUES ('x', '', 100000000, now())",
    )
    .execute(&mut *conn);
    assert!(overflow.is_err());
}
