//! Sessions: the token family a login starts. Every refresh token and access token made from
//! one login belongs to its session, through the session's tag, which leads every such token's
//! `jti` (see [`session_tag`]); rotation keeps the session. Ending a session ends all of them.
//! A user's [`TokenCutoff`] ends every token issued before it, session or not.

use crate::error::StoreError;
use crate::user::UserId;
use chrono::NaiveDateTime;
use std::fmt;

/// Hex digits of a session's tag: 64 random bits, the first half of a 32-digit `jti`.
pub const SESSION_TAG_LEN: usize = 16;

/// The session tag a `jti` carries: its first 16 digits, when the jti has simplejwt's shape
/// (32 lowercase hex digits). Tokens minted elsewhere carry a tag too, which names no session.
pub fn session_tag(jti: &str) -> Option<&str> {
    (jti.len() == 2 * SESSION_TAG_LEN && is_lower_hex(jti)).then(|| &jti[..SESSION_TAG_LEN])
}

/// Whether `candidate` has a session tag's shape (16 lowercase hex digits): anything else can
/// name no session.
pub fn is_session_tag(candidate: &str) -> bool {
    candidate.len() == SESSION_TAG_LEN && is_lower_hex(candidate)
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Why a user's earlier tokens were ended: it decides the 401 body a client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CutoffReason {
    /// simplejwt's `password_changed` body.
    PasswordChanged,
    /// A logout everywhere: the blacklisted body.
    LogoutAll,
}

impl CutoffReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CutoffReason::PasswordChanged => "password_changed",
            CutoffReason::LogoutAll => "logout_all",
        }
    }

    pub fn parse(text: &str) -> Option<CutoffReason> {
        match text {
            "password_changed" => Some(CutoffReason::PasswordChanged),
            "logout_all" => Some(CutoffReason::LogoutAll),
            _ => None,
        }
    }
}

/// "Tokens issued before `at` are no longer good", and why.
///
/// `iat` counts whole seconds, so a token issued in the second of `at` may be older or newer
/// than the cutoff: such a token is good only if its session started after `at` (a password
/// change starts one; see [`TokenCutoff::ends`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCutoff {
    pub at: NaiveDateTime,
    pub reason: CutoffReason,
}

impl TokenCutoff {
    /// Whether a token issued at `iat` (Unix seconds), in a session that started at
    /// `session_created` (if it has one), is ended by this cutoff.
    pub fn ends(&self, iat: i64, session_created: Option<NaiveDateTime>) -> bool {
        let cutoff_second = self.at.and_utc().timestamp();
        match iat.cmp(&cutoff_second) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => session_created.is_none_or(|created| created <= self.at),
        }
    }
}

/// A stored session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The tag its tokens' jti begin with; also its id in `GET /api/sessions/`.
    pub tag: String,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    /// When its newest refresh token expires.
    pub expires_at: NaiveDateTime,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
}

// The tag is as good as a token for ending the session: not in Debug output.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What a login knew when it checked the password: the hash it verified. A session is only
/// started if the user still has that hash, so a login racing a password change never outlives
/// the change.
#[derive(Clone, Copy)]
pub struct VerifiedLogin<'a> {
    pub password_hash: &'a str,
}

impl fmt::Debug for VerifiedLogin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedLogin").finish_non_exhaustive()
    }
}

/// Sessions, and the per-user cutoff.
///
/// Starting a session, a cutoff and a password change each take the user's row (PostgreSQL:
/// a row lock; SQLite: the write lock) and read the clock only then, so they are ordered the
/// same way in time as in the database: a session started after a cutoff is newer than it, and
/// a cutoff after a session start ends that session.
pub trait SessionStore: Send + Sync {
    /// Records a new session, its `created_at` and `last_used_at` set to the time it was
    /// recorded (returned). With `login`, only if the user's hash is still the verified one:
    /// otherwise `StoreError::Conflict`. A tag already taken is `Conflict` too; an unknown user
    /// `NotFound`.
    fn start_session(&self, session: &Session, login: Option<VerifiedLogin<'_>>) -> Result<Session, StoreError>;
    fn find_session(&self, tag: &str) -> Result<Option<Session>, StoreError>;
    /// The user's sessions that are neither revoked nor expired at `now`, newest first.
    fn live_sessions(&self, user_id: UserId, now: NaiveDateTime) -> Result<Vec<Session>, StoreError>;
    /// Records a use (a refresh), moving its expiry to the newest refresh token's.
    fn touch_session(&self, tag: &str, at: NaiveDateTime, expires_at: NaiveDateTime) -> Result<(), StoreError>;
    /// Ends one session; `false` when it was unknown or ended already.
    fn revoke_session(&self, tag: &str, at: NaiveDateTime) -> Result<bool, StoreError>;
    /// In one transaction: sets the user's cutoff to now and ends every session of theirs.
    /// Returns the cutoff. `NotFound` for an unknown user.
    fn cut_off(&self, user_id: UserId, reason: CutoffReason) -> Result<TokenCutoff, StoreError>;
    /// In one transaction: the new password hash, and the cutoff of
    /// [`cut_off`](Self::cut_off) with [`CutoffReason::PasswordChanged`].
    fn change_password(&self, user_id: UserId, password_hash: &str) -> Result<TokenCutoff, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn at(secs: i64, micros: u32) -> NaiveDateTime {
        DateTime::from_timestamp(secs, micros * 1000).expect("time").naive_utc()
    }

    #[test]
    fn tags_are_the_first_half_of_simplejwt_shaped_jtis() {
        assert_eq!(session_tag("0123456789abcdef0123456789abcdef"), Some("0123456789abcdef"));
        for not_one in ["", "0123456789abcdef", "0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcdefa"]
        {
            assert_eq!(session_tag(not_one), None, "{not_one}");
        }
        assert_eq!(session_tag(&"é".repeat(16)), None);
        assert!(is_session_tag("0123456789abcdef"));
        for not_one in ["", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcde\0"] {
            assert!(!is_session_tag(not_one), "{not_one:?}");
        }
    }

    #[test]
    fn a_cutoff_ends_earlier_seconds_and_tells_its_own_second_apart_by_session() {
        let cutoff = TokenCutoff { at: at(1_000, 500_000), reason: CutoffReason::PasswordChanged };
        assert!(cutoff.ends(999, None));
        assert!(cutoff.ends(999, Some(at(2_000, 0))));
        assert!(!cutoff.ends(1_001, None));
        // The cutoff's own second: newer only for a session started after it.
        assert!(cutoff.ends(1_000, None));
        assert!(cutoff.ends(1_000, Some(at(1_000, 499_999))));
        assert!(cutoff.ends(1_000, Some(at(1_000, 500_000))));
        assert!(!cutoff.ends(1_000, Some(at(1_000, 500_001))));
    }

    #[test]
    fn reasons_round_trip() {
        for reason in [CutoffReason::PasswordChanged, CutoffReason::LogoutAll] {
            assert_eq!(CutoffReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(CutoffReason::parse("other"), None);
    }
}
