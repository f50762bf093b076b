use chrono::{DateTime, NaiveDateTime};
use latchkey_domain::UserId;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

pub const TOKEN_TYPE_CLAIM: &str = "token_type";
pub const JTI_CLAIM: &str = "jti";
pub const USER_ID_CLAIM: &str = "user_id";

/// The claims Latchkey sets itself on every token it issues, and which extra claims given to
/// [`JwtTokens::issue_pair`](crate::JwtTokens::issue_pair) therefore may not name: the five of
/// `RefreshToken.for_user`, and `aud` and `iss`, which come from the settings.
pub const RESERVED_CLAIMS: [&str; 7] = [TOKEN_TYPE_CLAIM, "exp", "iat", JTI_CLAIM, USER_ID_CLAIM, "aud", "iss"];

/// A token's payload, in the order its claims were written (simplejwt's key order on the
/// way out, the sender's on the way in).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Claims(Map<String, Value>);

/// What a token's `user_id` claim says.
///
/// It deserializes from any JSON value, so a caller's own claims struct can hold one with
/// `#[serde(default)] user_id: UserIdClaim` (absent is [`UserIdClaim::Missing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserIdClaim {
    #[default]
    Missing,
    /// An integer, or a string holding one (simplejwt 5.5 writes `"1"`, older versions `1`).
    Id(UserId),
    /// Present but naming no possible user: `null`, `"abc"`, a float, an object.
    Unrecognized,
}

impl UserIdClaim {
    pub fn id(self) -> Option<UserId> {
        match self {
            UserIdClaim::Id(id) => Some(id),
            UserIdClaim::Missing | UserIdClaim::Unrecognized => None,
        }
    }

    /// Reads the claim's value (`None` when the token has no such claim).
    pub fn from_value(value: Option<&Value>) -> Self {
        match value {
            None => UserIdClaim::Missing,
            Some(Value::Number(n)) => n.as_i64().map_or(UserIdClaim::Unrecognized, |id| UserIdClaim::Id(UserId(id))),
            Some(Value::String(s)) => s.parse().map_or(UserIdClaim::Unrecognized, |id| UserIdClaim::Id(UserId(id))),
            Some(_) => UserIdClaim::Unrecognized,
        }
    }
}

impl<'de> Deserialize<'de> for UserIdClaim {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any value is an answer (`Unrecognized` at worst), as in `Claims::user_id`.
        Value::deserialize(deserializer).map(|value| UserIdClaim::from_value(Some(&value)))
    }
}

impl Claims {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Sets a claim. An existing claim keeps its place, as in a Python dict.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(name.into(), value.into())
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    pub fn jti(&self) -> Option<&str> {
        self.get(JTI_CLAIM).and_then(Value::as_str)
    }

    pub fn user_id(&self) -> UserIdClaim {
        UserIdClaim::from_value(self.get(USER_ID_CLAIM))
    }

    /// `exp` as Unix seconds, when present and a valid date.
    pub fn exp(&self) -> Option<i64> {
        self.get("exp").and_then(numeric_date)
    }

    /// `exp` as the naive UTC time the stores keep.
    pub(crate) fn expires_at(&self) -> Option<NaiveDateTime> {
        self.exp().and_then(|exp| DateTime::from_timestamp(exp, 0)).map(|at| at.naive_utc())
    }
}

impl From<Map<String, Value>> for Claims {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl From<Claims> for Map<String, Value> {
    fn from(claims: Claims) -> Self {
        claims.0
    }
}

/// `Claims::from_iter([("role", "admin")])`: claims in the order given.
impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Claims {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut claims = Claims::new();
        claims.extend(iter);
        claims
    }
}

impl<K: Into<String>, V: Into<Value>> Extend<(K, V)> for Claims {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.insert(name, value);
        }
    }
}

/// A JSON number read as Unix seconds the way PyJWT's `int(value)` reads it: integers as they
/// are, other numbers truncated toward zero. Strings, booleans and the like are not dates,
/// and neither is a number beyond what a date can hold.
pub(crate) fn numeric_date(value: &Value) -> Option<i64> {
    let Value::Number(n) = value else { return None };
    let secs = match n.as_i64() {
        Some(secs) => secs,
        None => {
            let f = n.as_f64()?.trunc();
            // The bounds are exactly representable, so the cast below cannot saturate.
            if !(-(2f64.powi(63))..2f64.powi(63)).contains(&f) {
                return None;
            }
            f as i64
        }
    };
    DateTime::from_timestamp(secs, 0).map(|_| secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::claims;
    use serde_json::json;

    #[test]
    fn user_id_accepts_integers_and_numeric_strings() {
        assert_eq!(claims(json!({"user_id": "12"})).user_id(), UserIdClaim::Id(UserId(12)));
        assert_eq!(claims(json!({"user_id": 12})).user_id(), UserIdClaim::Id(UserId(12)));
        assert_eq!(claims(json!({})).user_id(), UserIdClaim::Missing);
        for odd in [json!(null), json!("abc"), json!(""), json!(1.5), json!(true), json!([1]), json!(u64::MAX)] {
            assert_eq!(claims(json!({ "user_id": odd })).user_id(), UserIdClaim::Unrecognized, "{odd}");
        }
        assert_eq!(UserIdClaim::Id(UserId(3)).id(), Some(UserId(3)));
        assert_eq!(UserIdClaim::Unrecognized.id(), None);
    }

    #[test]
    fn user_id_deserializes_with_the_same_rules() {
        #[derive(Deserialize)]
        struct Mine {
            #[serde(default)]
            user_id: UserIdClaim,
        }
        let read = |value: Value| serde_json::from_value::<Mine>(value).expect("deserializes").user_id;
        assert_eq!(read(json!({"user_id": "12"})), UserIdClaim::Id(UserId(12)));
        assert_eq!(read(json!({"user_id": 12})), UserIdClaim::Id(UserId(12)));
        assert_eq!(read(json!({})), UserIdClaim::Missing);
        for odd in [json!(null), json!("abc"), json!(1.5), json!({"id": 1})] {
            assert_eq!(read(json!({ "user_id": odd })), UserIdClaim::Unrecognized, "{odd}");
        }
    }

    #[test]
    fn claims_collect_in_order() {
        let c = Claims::from_iter([("b", json!(1)), ("a", json!("x"))]);
        assert_eq!(serde_json::to_string(c.as_map()).expect("json"), r#"{"b":1,"a":"x"}"#);
    }

    #[test]
    fn numeric_dates_follow_python_int() {
        assert_eq!(numeric_date(&json!(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(1_700_000_000.9)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(-5)), Some(-5));
        for bad in [json!("1700000000"), json!("soon"), json!(null), json!(true), json!(1e300), json!(u64::MAX)] {
            assert_eq!(numeric_date(&bad), None, "{bad}");
        }
    }

    #[test]
    fn insert_keeps_the_place_of_existing_claims() {
        let mut c = claims(json!({"a": 1, "b": 2}));
        c.insert("a", 3);
        c.insert("c", 4);
        assert_eq!(serde_json::to_string(c.as_map()).expect("json"), r#"{"a":3,"b":2,"c":4}"#);
    }

    #[test]
    fn expiry_as_stored_time() {
        let c = claims(json!({"exp": 86_400, "jti": "x"}));
        assert_eq!(c.exp(), Some(86_400));
        assert_eq!(c.expires_at().map(|t| t.to_string()).as_deref(), Some("1970-01-02 00:00:00"));
        assert_eq!(c.jti(), Some("x"));
        assert_eq!(claims(json!({"jti": 5})).jti(), None);
    }
}
