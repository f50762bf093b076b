use crate::common::database;
use crate::suite;
use latchkey_store::Backend;

fn outstanding_and_blacklisted_tokens(backend: Backend) {
    suite::outstanding_and_blacklist(&database(backend, 2), "");
}

fn rotation_is_all_or_nothing(backend: Backend) {
    suite::rotation(&database(backend, 2), "");
}

fn flush_removes_expired_tokens_and_their_blacklist_entries(backend: Backend) {
    suite::flush(&database(backend, 2), "");
}

on_both_backends!(
    outstanding_and_blacklisted_tokens,
    rotation_is_all_or_nothing,
    flush_removes_expired_tokens_and_their_blacklist_entries
);
