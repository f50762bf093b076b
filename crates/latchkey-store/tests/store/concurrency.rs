use crate::common::database;
use crate::suite;
use latchkey_store::Backend;

/// 20 threads through a pool of 4 on one database. On SQLite, IMMEDIATE transactions queue on
/// busy_timeout instead of failing with SQLITE_BUSY; on both, the UNIQUE on token_id picks one
/// winner.
fn twenty_concurrent_rotations_of_one_token_have_one_winner(backend: Backend) {
    suite::concurrent_rotation(&database(backend, 4), "", 20, true);
}

/// The same when the old token was never recorded: the racers also contend for its
/// outstanding row.
fn concurrent_rotations_of_an_unrecorded_token_have_one_winner(backend: Backend) {
    suite::concurrent_rotation(&database(backend, 4), "", 20, false);
}

on_both_backends!(
    twenty_concurrent_rotations_of_one_token_have_one_winner,
    concurrent_rotations_of_an_unrecorded_token_have_one_winner
);
