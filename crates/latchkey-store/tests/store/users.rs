use crate::common::database;
use crate::suite;
use latchkey_store::Backend;

fn user_store_round_trips(backend: Backend) {
    suite::users(&database(backend, 2), "");
}

on_both_backends!(user_store_round_trips);
