//! The token engine: what an authentication scheme is ([`AuthScheme`]), the ordered chain of
//! schemes a deployment configures ([`SchemeChain`], DRF's `DEFAULT_AUTHENTICATION_CLASSES`),
//! `Authorization` header parsing, and the catalogue of authentication errors with the exact
//! bodies DRF and simplejwt answer.
//!
//! The engine is runtime-agnostic: schemes return boxed futures, and lookups they need go
//! through [`UserDirectory`], which a server implements over its storage and cache.

pub mod chain;
pub mod directory;
pub mod error;
pub mod header;
pub mod principal;
pub mod scheme;

pub use chain::{SchemeChain, SchemeRegistry, UnknownScheme};
pub use directory::{DirectoryError, SessionDirectory, SessionState, UserDirectory, UserState};
pub use error::{AuthError, SchemeError, TokenMessage};
pub use header::AuthorizationHeader;
pub use principal::Principal;
pub use scheme::{AuthScheme, BoxFuture};
