use crate::common::sqlite;
use crate::suite;

#[test]
fn user_store_round_trips() {
    suite::users(&sqlite(2), "");
}
