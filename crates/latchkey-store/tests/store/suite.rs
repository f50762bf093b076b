//! Checks written against any migrated `Database`, so the SQLite and the PostgreSQL tests run
//! the same code. `p` prefixes every name and jti, so that checks may share a database (each
//! test has a fresh one of its own today, and passes "").

use crate::common::{at, create_user, in_a_day, new_user, now, token};
use diesel::prelude::*;
use latchkey_domain::{
    BlacklistOutcome, OpaqueKeyRecord, OpaqueKeyStore, RefreshTokenStore, StoreError, UserId, UserStore,
};
use latchkey_store::Database;
use latchkey_store::schema::outstanding_tokens;
use std::sync::Barrier;

pub fn users(db: &Database, p: &str) {
    let before = db.count_users().expect("count");
    let mut new = new_user(&format!("{p}alice"));
    new.is_staff = true;
    let alice = db.create_user(new.clone()).expect("create");
    assert_eq!(alice.username, new.username);
    assert_eq!(alice.email, new.email);
    assert_eq!(alice.password_hash, new.password_hash);
    assert!(alice.is_active && alice.is_staff && !alice.is_superuser);
    assert_eq!(alice.date_joined, new.date_joined);
    assert_eq!(alice.last_login, None);
    assert_eq!(db.count_users().expect("count"), before + 1);

    let bob = create_user(db, &format!("{p}bob"));
    assert_ne!(alice.id, bob.id);

    match db.create_user(new_user(&format!("{p}alice"))) {
        Err(StoreError::Conflict(what)) => assert!(what.contains("username"), "{what}"),
        other => panic!("duplicate username gave {other:?}"),
    }

    assert_eq!(db.find_user_by_username(&format!("{p}alice")).expect("find"), Some(alice.clone()));
    assert_eq!(db.find_user_by_id(alice.id).expect("find"), Some(alice.clone()));
    assert_eq!(db.find_user_by_username(&format!("{p}nobody")).expect("find"), None);
    assert_eq!(db.find_user_by_id(UserId(i64::MAX)).expect("find"), None);

    db.set_password_hash(alice.id, "bcrypt_sha256$new").expect("set hash");
    db.set_active(alice.id, false).expect("deactivate");
    let login = now();
    db.set_last_login(alice.id, login).expect("last login");
    let stored = db.find_user_by_id(alice.id).expect("find").expect("exists");
    assert_eq!(stored.password_hash, "bcrypt_sha256$new");
    assert!(!stored.is_active);
    assert_eq!(stored.last_login, Some(login));
    assert_eq!(db.find_user_by_id(bob.id).expect("find"), Some(bob));

    let ghost = UserId(i64::MAX);
    assert!(matches!(db.set_password_hash(ghost, "x"), Err(StoreError::NotFound)));
    assert!(matches!(db.set_active(ghost, true), Err(StoreError::NotFound)));
    assert!(matches!(db.set_last_login(ghost, login), Err(StoreError::NotFound)));
}

fn outstanding_row(db: &Database, jti: &str) -> Option<Option<i64>> {
    let mut conn = db.conn().expect("conn");
    outstanding_tokens::table
        .filter(outstanding_tokens::jti.eq(jti))
        .select(outstanding_tokens::user_id)
        .first::<Option<i64>>(&mut conn)
        .optional()
        .expect("query")
}

pub fn outstanding_and_blacklist(db: &Database, p: &str) {
    let user = create_user(db, &format!("{p}tok"));
    let t = token(&format!("{p}t1"), Some(user.id), in_a_day());
    db.record_outstanding(&t).expect("record");
    assert_eq!(outstanding_row(db, &t.jti), Some(Some(user.id.0)));
    assert!(matches!(db.record_outstanding(&t), Err(StoreError::Conflict(_))));
    // The foreign key refuses a user that does not exist.
    let orphan = token(&format!("{p}orphan"), Some(UserId(i64::MAX)), in_a_day());
    assert!(matches!(db.record_outstanding(&orphan), Err(StoreError::NotFound)));
    let anonymous = token(&format!("{p}anon"), None, in_a_day());
    db.record_outstanding(&anonymous).expect("record without user");

    assert!(!db.is_blacklisted(&t.jti).expect("check"));
    assert_eq!(db.blacklist(&t).expect("blacklist"), BlacklistOutcome::Blacklisted);
    assert!(db.is_blacklisted(&t.jti).expect("check"));
    assert_eq!(db.blacklist(&t).expect("again"), BlacklistOutcome::AlreadyBlacklisted);
    assert!(!db.is_blacklisted(&anonymous.jti).expect("check"));
    assert!(!db.is_blacklisted(&format!("{p}never-seen")).expect("check"));

    // Never recorded, naming a user who does not exist (a crafted token): recorded without a
    // user, then blacklisted.
    let crafted = token(&format!("{p}crafted"), Some(UserId(i64::MAX)), in_a_day());
    assert_eq!(db.blacklist(&crafted).expect("blacklist crafted"), BlacklistOutcome::Blacklisted);
    assert_eq!(outstanding_row(db, &crafted.jti), Some(None));
    assert!(db.is_blacklisted(&crafted.jti).expect("check"));

    // Never recorded, naming a real user: the user is kept.
    let foreign = token(&format!("{p}foreign"), Some(user.id), in_a_day());
    assert_eq!(db.blacklist(&foreign).expect("blacklist"), BlacklistOutcome::Blacklisted);
    assert_eq!(outstanding_row(db, &foreign.jti), Some(Some(user.id.0)));
}

pub fn rotation(db: &Database, p: &str) {
    let user = create_user(db, &format!("{p}rot"));
    let tok = |name: &str| token(&format!("{p}{name}"), Some(user.id), in_a_day());

    // Blacklisting the old token: the first rotation wins, a replay writes nothing.
    let old = tok("old");
    db.record_outstanding(&old).expect("record");
    let (new1, new2) = (tok("new1"), tok("new2"));
    assert_eq!(db.rotate(&old, &new1, true).expect("rotate"), BlacklistOutcome::Blacklisted);
    assert!(db.is_blacklisted(&old.jti).expect("check"));
    assert!(outstanding_row(db, &new1.jti).is_some());
    assert_eq!(db.rotate(&old, &new2, true).expect("replay"), BlacklistOutcome::AlreadyBlacklisted);
    assert!(outstanding_row(db, &new2.jti).is_none(), "a refused rotation must not record its new token");
    // The same token cannot be rotated without blacklisting either, once blacklisted.
    assert_eq!(db.rotate(&old, &new2, false).expect("replay"), BlacklistOutcome::AlreadyBlacklisted);
    assert!(outstanding_row(db, &new2.jti).is_none());

    // An old token never recorded is recorded and blacklisted in the same transaction.
    let (unseen, new3) = (tok("unseen"), tok("new3"));
    assert_eq!(db.rotate(&unseen, &new3, true).expect("rotate"), BlacklistOutcome::Blacklisted);
    assert!(db.is_blacklisted(&unseen.jti).expect("check"));

    // Without blacklisting: the old token stays usable, the new one is recorded.
    let (keep, new4, new5) = (tok("keep"), tok("new4"), tok("new5"));
    db.record_outstanding(&keep).expect("record");
    assert_eq!(db.rotate(&keep, &new4, false).expect("rotate"), BlacklistOutcome::Blacklisted);
    assert!(!db.is_blacklisted(&keep.jti).expect("check"));
    assert!(outstanding_row(db, &new4.jti).is_some());
    assert_eq!(db.rotate(&keep, &new5, false).expect("rotate again"), BlacklistOutcome::Blacklisted);

    // A new token whose jti is taken fails the whole rotation: the old one is not blacklisted.
    let fresh = tok("fresh");
    db.record_outstanding(&fresh).expect("record");
    assert!(matches!(db.rotate(&fresh, &new1, true), Err(StoreError::Conflict(_))));
    assert!(!db.is_blacklisted(&fresh.jti).expect("check"), "rolled back");
    assert_eq!(db.rotate(&fresh, &tok("new6"), true).expect("rotate"), BlacklistOutcome::Blacklisted);
}

pub fn flush(db: &Database, p: &str) {
    let user = create_user(db, &format!("{p}flush"));
    let cutoff = at(2000, 1, 2);
    let expired = token(&format!("{p}expired"), Some(user.id), at(2000, 1, 1));
    let on_the_dot = token(&format!("{p}dot"), None, cutoff);
    let expired_blacklisted = token(&format!("{p}expired-bl"), Some(user.id), at(1999, 6, 1));
    let live = token(&format!("{p}live"), Some(user.id), at(2000, 1, 2) + chrono::Duration::microseconds(1));
    let live_blacklisted = token(&format!("{p}live-bl"), Some(user.id), in_a_day());
    for t in [&expired, &on_the_dot, &live] {
        db.record_outstanding(t).expect("record");
    }
    for t in [&expired_blacklisted, &live_blacklisted] {
        assert_eq!(db.blacklist(t).expect("blacklist"), BlacklistOutcome::Blacklisted);
    }

    assert_eq!(db.flush_expired(cutoff).expect("flush"), 3);
    for gone in [&expired, &on_the_dot, &expired_blacklisted] {
        assert!(outstanding_row(db, &gone.jti).is_none(), "{}", gone.jti);
    }
    assert!(!db.is_blacklisted(&expired_blacklisted.jti).expect("check"));
    assert!(outstanding_row(db, &live.jti).is_some());
    assert!(db.is_blacklisted(&live_blacklisted.jti).expect("check"));
    assert_eq!(db.flush_expired(cutoff).expect("flush again"), 0);
}

fn record(user: UserId, salt: &str, digest: &str) -> OpaqueKeyRecord {
    OpaqueKeyRecord { user_id: user, salt: salt.to_owned(), digest: digest.to_owned(), created: now() }
}

pub fn keys(db: &Database, p: &str) {
    let alice = create_user(db, &format!("{p}kalice"));
    let bob = create_user(db, &format!("{p}kbob"));
    let d = |s: &str| format!("{p}{s}");

    assert_eq!(db.key_for_user(alice.id).expect("read"), None);
    let first = record(alice.id, "salt1", &d("digest1"));
    db.put_key(&first).expect("put");
    assert_eq!(db.key_for_user(alice.id).expect("read"), Some(first.clone()));
    assert_eq!(db.find_key_by_digest(&d("digest1")).expect("find"), Some((first.clone(), alice.clone())));

    // A second put replaces (a reset): the old digest no longer finds anything.
    let second = record(alice.id, "salt2", &d("digest2"));
    db.put_key(&second).expect("replace");
    assert_eq!(db.key_for_user(alice.id).expect("read"), Some(second.clone()));
    assert_eq!(db.find_key_by_digest(&d("digest1")).expect("find"), None);
    assert_eq!(db.find_key_by_digest(&d("digest2")).expect("find"), Some((second.clone(), alice.clone())));

    // insert_key_if_absent keeps the record in force.
    assert_eq!(db.insert_key_if_absent(&record(alice.id, "salt3", &d("digest3"))).expect("keep"), second);
    let bobs = record(bob.id, "bsalt", &d("bdigest"));
    assert_eq!(db.insert_key_if_absent(&bobs).expect("insert"), bobs);
    assert_eq!(db.key_for_user(bob.id).expect("read"), Some(bobs.clone()));

    // Unknown users: the foreign key says no.
    let ghost = record(UserId(i64::MAX), "s", &d("ghost"));
    assert!(matches!(db.put_key(&ghost), Err(StoreError::NotFound)));
    assert!(matches!(db.insert_key_if_absent(&ghost), Err(StoreError::NotFound)));

    // A digest another user holds is a conflict, not a silent overwrite.
    assert!(matches!(db.put_key(&record(bob.id, "x", &d("digest2"))), Err(StoreError::Conflict(_))));
    let carol = create_user(db, &format!("{p}kcarol"));
    assert!(matches!(db.insert_key_if_absent(&record(carol.id, "x", &d("digest2"))), Err(StoreError::Conflict(_))));

    let records = db.key_records().expect("records");
    assert!(records.contains(&second) && records.contains(&bobs));
    assert!(db.delete_key_for_user(bob.id).expect("delete"));
    assert!(!db.delete_key_for_user(bob.id).expect("delete again"));
    assert_eq!(db.key_for_user(bob.id).expect("read"), None);
}

/// `threads` rotations of one token at once, each with its own new token: exactly one wins.
pub fn concurrent_rotation(db: &Database, p: &str, threads: usize, record_old_first: bool) {
    let user = create_user(db, &format!("{p}race{record_old_first}"));
    let old = token(&format!("{p}race-old-{record_old_first}"), Some(user.id), in_a_day());
    if record_old_first {
        db.record_outstanding(&old).expect("record");
    }
    let barrier = Barrier::new(threads);
    let results: Vec<(String, Result<BlacklistOutcome, StoreError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, old) = (&barrier, &old);
                scope.spawn(move || {
                    let new = token(&format!("{p}race-new-{record_old_first}-{i}"), Some(user.id), in_a_day());
                    barrier.wait();
                    (new.jti.clone(), db.rotate(old, &new, true))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });

    let winners: Vec<&String> =
        results.iter().filter(|(_, r)| matches!(r, Ok(BlacklistOutcome::Blacklisted))).map(|(jti, _)| jti).collect();
    let losers = results.iter().filter(|(_, r)| matches!(r, Ok(BlacklistOutcome::AlreadyBlacklisted))).count();
    let errors: Vec<_> = results.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "errors: {errors:?}");
    assert_eq!(winners.len(), 1, "{results:?}");
    assert_eq!(losers, threads - 1);
    // Only the winner's new token was recorded.
    for (jti, _) in &results {
        assert_eq!(outstanding_row(db, jti).is_some(), winners.contains(&jti), "{jti}");
    }
    assert!(db.is_blacklisted(&old.jti).expect("check"));
}
