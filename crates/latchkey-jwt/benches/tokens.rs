//! Cost per operation of the JWT scheme: issuing a pair, checking an access token (stateless,
//! and as a protected request does through the scheme), and refreshing. Storage is the
//! in-memory store, so the figures are the token work itself (`cargo bench -p latchkey-jwt`).

use criterion::{Criterion, criterion_group, criterion_main};
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{NewUser, User, UserId, UserStore};
use latchkey_engine::{AuthScheme, AuthorizationHeader, BoxFuture, DirectoryError, UserDirectory, UserState};
use latchkey_jwt::{Algorithm, Claims, JwtScheme, JwtService, JwtSettings, JwtTokens};
use std::hint::black_box;
use std::sync::Arc;

/// The scheme's user lookup, straight over the store (a server's has a cache in front).
struct Directory(Arc<MemoryStore>);

impl UserDirectory for Directory {
    fn user(&self, id: UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        let found = self.0.find_user_by_id(id).map(|u| u.as_ref().map(UserState::from));
        Box::pin(std::future::ready(found.map_err(DirectoryError::new)))
    }
}

fn fixture() -> (Arc<JwtTokens>, JwtService, Arc<MemoryStore>, User) {
    let store = Arc::new(MemoryStore::new());
    let user = store.create_user(NewUser::new("alice", "", "!")).expect("user");
    let settings = JwtSettings::hmac(Algorithm::HS256, b"bench-signing-key-0123456789abcdef").expect("settings");
    let tokens = Arc::new(JwtTokens::new(settings));
    (Arc::clone(&tokens), JwtService::new(tokens, store.clone()), store, user)
}

fn tokens(c: &mut Criterion) {
    let (tokens, service, store, user) = fixture();
    let pair = service.obtain_pair(user.id).expect("pair");
    c.bench_function("issue a pair (HS256)", |b| b.iter(|| service.obtain_pair(black_box(user.id)).expect("pair")));
    c.bench_function("issue a pair, stateless (HS256)", |b| {
        b.iter(|| tokens.issue_pair(black_box(user.id), &Claims::new()).expect("pair"))
    });
    c.bench_function("verify an access token (HS256)", |b| {
        b.iter(|| tokens.verify_access(black_box(&pair.access)).expect("valid"))
    });
    c.bench_function("refresh without rotation (HS256)", |b| {
        b.iter(|| service.refresh(black_box(&pair.refresh), store.as_ref()).expect("refreshed"))
    });
    let scheme = JwtScheme::new(Arc::clone(&tokens), Arc::new(Directory(store.clone())));
    let raw = format!("Bearer {}", pair.access);
    let header = AuthorizationHeader::parse(raw.as_bytes()).expect("header");
    c.bench_function("Bearer authentication, cached token (HS256)", |b| {
        b.iter(|| pollster::block_on(scheme.authenticate(black_box(&header))).expect("principal"))
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);
