use crate::common::sqlite;
use crate::suite;

/// 20 threads through a pool of 4 on one SQLite file: IMMEDIATE transactions queue on
/// busy_timeout instead of failing with SQLITE_BUSY, and the UNIQUE on token_id picks one winner.
#[test]
fn twenty_concurrent_rotations_of_one_token_have_one_winner() {
    let db = sqlite(4);
    suite::concurrent_rotation(&db, "", 20, true);
}

/// The same when the old token was never recorded: the racers also contend for its
/// outstanding row.
#[test]
fn concurrent_rotations_of_an_unrecorded_token_have_one_winner() {
    let db = sqlite(4);
    suite::concurrent_rotation(&db, "", 20, false);
}
