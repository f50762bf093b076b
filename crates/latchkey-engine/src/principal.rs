use crate::directory::UserState;
use latchkey_domain::UserId;

/// Who a request is authenticated as, and by which scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    /// The configuration name of the scheme that authenticated the request (`jwt`, `token`).
    pub scheme: &'static str,
    /// The scheme's identifier for the credential (a JWT's `jti`), when it has one.
    pub credential_id: Option<String>,
}

impl Principal {
    /// The principal for a user a scheme found and checked, authenticated by `scheme`.
    pub fn for_user(user: UserState, scheme: &'static str, credential_id: Option<String>) -> Self {
        Self {
            user_id: user.id,
            username: user.username,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            scheme,
            credential_id,
        }
    }
}
