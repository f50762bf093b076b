use crate::common::sqlite;
use crate::suite;

#[test]
fn opaque_key_store() {
    suite::keys(&sqlite(2), "");
}
