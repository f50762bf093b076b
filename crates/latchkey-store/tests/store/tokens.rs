use crate::common::sqlite;
use crate::suite;

#[test]
fn outstanding_and_blacklisted_tokens() {
    suite::outstanding_and_blacklist(&sqlite(2), "");
}

#[test]
fn rotation_is_all_or_nothing() {
    suite::rotation(&sqlite(2), "");
}

#[test]
fn flush_removes_expired_tokens_and_their_blacklist_entries() {
    suite::flush(&sqlite(2), "");
}
