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

/// The one-query read of a refresh gives what the three separate reads give.
fn refresh_reads_in_one_query(backend: Backend) {
    use crate::common::{create_user, in_a_day, now, token};
    use latchkey_domain::{RefreshReadStore, RefreshTokenStore, Session, SessionStore, UserId, UserStore};

    let db = database(backend, 1);
    let alice = create_user(&db, "reads-alice");
    let bob = create_user(&db, "reads-bob");
    let session = |tag: &str, user: UserId| Session {
        tag: tag.into(),
        user_id: user,
        created_at: now(),
        last_used_at: now(),
        expires_at: in_a_day(),
        user_agent: None,
        ip: None,
        revoked_at: None,
    };
    let started = db.start_session(&session("00000000000000a1", alice.id), None).expect("alice's session");
    db.start_session(&session("00000000000000b1", bob.id), None).expect("bob's session");

    let reads = db.refresh_reads("jti-1", Some(alice.id), Some(&started.tag)).expect("read");
    assert_eq!(reads.blacklisted_at, None);
    assert_eq!(reads.user, db.find_user_by_id(alice.id).expect("alice"));
    assert_eq!(reads.session, db.find_session(&started.tag).expect("session"));
    // Another user's session, no tag, an unknown tag: no session.
    assert_eq!(db.refresh_reads("jti-1", Some(alice.id), Some("00000000000000b1")).expect("read").session, None);
    assert_eq!(db.refresh_reads("jti-1", Some(alice.id), None).expect("read").session, None);
    assert_eq!(db.refresh_reads("jti-1", Some(alice.id), Some("00000000000000ff")).expect("read").session, None);

    let blacklisted = token("jti-2", Some(alice.id), in_a_day());
    db.blacklist(&blacklisted).expect("blacklist");
    let at = db.blacklisted_at("jti-2").expect("at");
    assert!(at.is_some());
    let reads = db.refresh_reads("jti-2", Some(alice.id), Some(&started.tag)).expect("read");
    assert_eq!((reads.blacklisted_at, reads.user.map(|u| u.id)), (at, Some(alice.id)));
    // No user, or one that is gone: the blacklist is still read.
    let reads = db.refresh_reads("jti-2", None, None).expect("read");
    assert_eq!((reads.blacklisted_at, reads.user, reads.session), (at, None, None));
    let reads = db.refresh_reads("jti-2", Some(UserId(987_654)), Some(&started.tag)).expect("read");
    assert_eq!((reads.blacklisted_at, reads.user, reads.session), (at, None, None));
}

on_both_backends!(
    refresh_reads_in_one_query,
    rotation_records_the_parent,
    outstanding_and_blacklisted_tokens,
    rotation_is_all_or_nothing,
    flush_removes_expired_tokens_and_their_blacklist_entries
);
