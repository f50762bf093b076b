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

/// A rotated-in token records the token it came from: a session's lineage.
fn rotation_records_the_parent(backend: Backend) {
    use crate::common::{create_user, in_a_day, token};
    use diesel::prelude::*;
    use latchkey_domain::{OutstandingToken, RefreshTokenStore};
    use latchkey_store::schema::outstanding_tokens;

    let db = database(backend, 1);
    let user = create_user(&db, "lineage");
    let old = token("lineage-old", Some(user.id), in_a_day());
    db.record_outstanding(&old).expect("old");
    let new = OutstandingToken { parent_jti: Some(old.jti.clone()), ..token("lineage-new", Some(user.id), in_a_day()) };
    db.rotate(&old, &new, true).expect("rotate");
    let mut conn = db.conn().expect("conn");
    let parents: Vec<(String, Option<String>)> = outstanding_tokens::table
        .order(outstanding_tokens::id)
        .select((outstanding_tokens::jti, outstanding_tokens::parent_jti))
        .load(&mut conn)
        .expect("read");
    assert_eq!(parents, [("lineage-old".to_owned(), None), ("lineage-new".to_owned(), Some("lineage-old".to_owned()))]);
}

on_both_backends!(
    rotation_records_the_parent,
    outstanding_and_blacklisted_tokens,
    rotation_is_all_or_nothing,
    flush_removes_expired_tokens_and_their_blacklist_entries
);
