//! Helpers shared by the unit tests: crafting tokens the way the contract suite does (PyJWT
//! with the server's key), reading payloads back, and users in a `MemoryStore`.

use crate::claims::Claims;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_domain::memory::MemoryStore;
use latchkey_domain::{NewUser, User, UserStore};
use latchkey_engine::{BoxFuture, DirectoryError, UserDirectory, UserState};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(crate) const SECRET: &[u8] = b"latchkey-unit-test-signing-key";

pub(crate) fn claims(value: Value) -> Claims {
    match value {
        Value::Object(map) => Claims::from(map),
        other => panic!("not an object: {other}"),
    }
}

pub(crate) fn now() -> i64 {
    Utc::now().timestamp()
}

/// A payload like the contract suite's `claims()`: valid for a minute.
pub(crate) fn payload_for(token_type: &str, user_id: Value) -> Value {
    let now = now();
    json!({
        "token_type": token_type,
        "exp": now + 60,
        "iat": now,
        "jti": crate::payload::new_jti(),
        "user_id": user_id,
    })
}

pub(crate) fn without(mut payload: Value, claim: &str) -> Value {
    if let Value::Object(map) = &mut payload {
        // Plain remove() swaps the last claim into the hole; the suite's `del` does not.
        map.shift_remove(claim);
    }
    payload
}

pub(crate) fn with(mut payload: Value, claim: &str, value: Value) -> Value {
    if let Value::Object(map) = &mut payload {
        map.insert(claim.to_owned(), value);
    }
    payload
}

pub(crate) fn craft(payload: &Value) -> String {
    craft_with(Algorithm::HS256, SECRET, payload)
}

pub(crate) fn craft_with(algorithm: Algorithm, secret: &[u8], payload: &Value) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), payload, &EncodingKey::from_secret(secret)).expect("encode")
}

/// The payload of a token, in its order, unverified.
pub(crate) fn payload(token: &str) -> Map<String, Value> {
    jsonwebtoken::dangerous::insecure_decode_claims(token).expect("payload")
}

pub(crate) fn keys(map: &Map<String, Value>) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

pub(crate) fn int(map: &Map<String, Value>, claim: &str) -> i64 {
    map.get(claim).and_then(Value::as_i64).unwrap_or_else(|| panic!("{claim} is not an integer"))
}

pub(crate) fn add_user(store: &MemoryStore, username: &str, is_active: bool) -> User {
    store.create_user(NewUser { is_active, ..NewUser::new(username, "", "!") }).expect("user")
}

/// A `UserDirectory` straight over a `MemoryStore`, as a server's would be minus its cache.
pub(crate) struct StoreDirectory(pub Arc<MemoryStore>);

impl UserDirectory for StoreDirectory {
    fn user(&self, id: latchkey_domain::UserId) -> BoxFuture<'_, Result<Option<UserState>, DirectoryError>> {
        let found =
            self.0.find_user_by_id(id).map(|user| user.as_ref().map(UserState::from)).map_err(DirectoryError::new);
        Box::pin(std::future::ready(found))
    }
}
