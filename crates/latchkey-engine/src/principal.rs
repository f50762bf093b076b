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
