//! Cost per operation of the JWT scheme: issuing a pair, checking an access token as a
//! protected request does, and refreshing. Storage is the in-memory store, so the figures are
//! the token work itself (`cargo bench -p latchkey-jwt`).

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{NewUser, User, UserStore};
use latchkey_jwt::{Algorithm, JwtService, JwtSettings};
use std::hint::black_box;
use std::sync::Arc;

fn fixture() -> (JwtService, Arc<MemoryStore>, User) {
    let store = Arc::new(MemoryStore::new());
    let user = store.create_user(NewUser::new("alice", "", "!")).expect("user");
    let settings = JwtSettings::hmac(Algorithm::HS256, b"bench-signing-key-0123456789abcdef").expect("settings");
    (JwtService::new(settings, store.clone()), store, user)
}

fn tokens(c: &mut Criterion) {
    let (service, store, user) = fixture();
    let pair = service.obtain_pair(&user).expect("pair");
    c.bench_function("issue a pair (HS256)", |b| b.iter(|| service.obtain_pair(black_box(&user)).expect("pair")));
    c.bench_function("verify an access token (HS256)", |b| {
        b.iter(|| service.decode_access(black_box(&pair.access)).expect("valid"))
    });
    c.bench_function("refresh without rotation (HS256)", |b| {
        b.iter(|| service.refresh(black_box(&pair.refresh), store.as_ref()).expect("refreshed"))
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);
