//! The domain model every other Latchkey crate shares: users and their validation, what
//! password hashing must do, the events around account creation, and the storage traits that persistence
//! implements. Nothing here knows about HTTP or SQL.

pub mod accounts;
pub mod error;
pub mod lockout;
pub mod memory;
pub mod password;
pub mod session;
pub mod store;
pub mod user;

pub use accounts::{Accounts, UserCreated};
pub use error::{AccountError, BoxError, StoreError, error_chain};
pub use lockout::{LockoutPolicy, LockoutStore, LoginAttempt, LoginFailures};
pub use password::{PasswordError, PasswordHasher};
pub use session::{CutoffReason, Session, SessionStore, TokenCutoff, VerifiedLogin, is_session_tag, session_tag};
pub use store::{
    BlacklistOutcome, ImportedKeyRecord, OpaqueKeyRecord, OpaqueKeyStore, OutstandingToken, RefreshReadStore,
    RefreshReads, RefreshTokenStore, UserStore,
};
pub use user::{NewUser, User, UserId};
