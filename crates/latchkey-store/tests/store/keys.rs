use crate::common::database;
use crate::suite;
use latchkey_store::Backend;

fn opaque_key_store(backend: Backend) {
    suite::keys(&database(backend, 2), "");
}

on_both_backends!(opaque_key_store);
