//! Cost per operation of the opaque-key scheme: issuing a key (DRF's post_save), checking a
//! presented key as a protected request does, and resetting one. Storage is the in-memory
//! store, so the figures are the key work itself (`cargo bench -p latchkey-opaque`).

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{NewUser, UserId, UserStore};
use latchkey_opaque::{KeyDeriver, OpaqueKeys, key_digest};
use std::hint::black_box;
use std::sync::Arc;

fn keys(c: &mut Criterion) {
    let store = Arc::new(MemoryStore::new());
    let user = store.create_user(NewUser::new("alice", "", "!")).expect("user");
    let keys = OpaqueKeys::new(KeyDeriver::new(b"bench-secret-0123456789abcdef0123").expect("deriver"), store.clone());
    let key = keys.provision(user.id).expect("key");
    c.bench_function("issue: key for a user (derive from the stored salt)", |b| {
        b.iter(|| keys.key_for_user(black_box(user.id)).expect("key"))
    });
    c.bench_function("verify: digest of a presented key", |b| b.iter(|| key_digest(black_box(&key))));
    c.bench_function("verify: presented key to user", |b| {
        b.iter(|| keys.authenticate_key(black_box(&key)).expect("lookup").expect("user"))
    });
    c.bench_function("reset: new salt, new key", |b| b.iter(|| keys.reset(black_box(UserId(user.id.0))).expect("key")));
}

criterion_group!(benches, keys);
criterion_main!(benches);
