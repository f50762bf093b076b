use crate::session::TokenCutoff;
use chrono::NaiveDateTime;
use std::fmt;

/// The primary key of a user, as Django's `auth_user.id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored account. Times are naive UTC, the subset both databases share.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
    /// Tokens issued before this are refused (a logout everywhere, a password change).
    pub tokens_cutoff: Option<TokenCutoff>,
}

// The hash stays out of Debug output so that a logged user never leaks it.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .finish_non_exhaustive()
    }
}

/// What creating a user needs; the password is already hashed.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: NaiveDateTime,
}

impl NewUser {
    /// What Django's `create_user` makes: active, neither staff nor superuser, joining now.
    /// Vary it with struct update syntax: `NewUser { is_active: false, ..NewUser::new(…) }`.
    pub fn new(username: impl Into<String>, email: impl Into<String>, password_hash: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            email: email.into(),
            password_hash: password_hash.into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: chrono::Utc::now().naive_utc(),
        }
    }
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Django's `UnicodeUsernameValidator` allows word characters and `@ . + - _`.
pub const USERNAME_MAX_LENGTH: usize = 150;
pub const USERNAME_INVALID: &str =
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";

/// Django's `AbstractBaseUser.normalize_username`: NFKC, so that "ａｌｉｃｅ" (fullwidth) and
/// "alice" are one username, not two accounts that look alike.
pub fn normalize_username(username: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    username.nfkc().collect()
}

/// Whether every character is a letter, a digit or one of `@ . + - _` (Python's `\w` is
/// Unicode-aware, and so is this).
pub fn is_valid_username(username: &str) -> bool {
    !username.is_empty() && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_nfkc_normalised_as_django_does() {
        assert_eq!(normalize_username("ａｌｉｃｅ"), "alice");
        assert_eq!(normalize_username("ﬁona"), "fiona");
        assert_eq!(normalize_username("e\u{301}"), "\u{e9}");
        assert_eq!(normalize_username("bob"), "bob");
    }

    #[test]
    fn usernames_follow_django() {
        for ok in ["alice", "a.b+c-d_e@f", "ünïcödé", "123"] {
            assert!(is_valid_username(ok), "{ok}");
        }
        for bad in ["", "with space", "semi;colon", "slash/", "star*"] {
            assert!(!is_valid_username(bad), "{bad}");
        }
    }
}
