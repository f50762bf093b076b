use crate::error::SchemeError;
use crate::header::AuthorizationHeader;
use crate::principal::Principal;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One way of authenticating a request from its `Authorization` header, like a DRF
/// authentication class. Adding a scheme means implementing this trait and registering a
/// name for it in the [`SchemeRegistry`](crate::SchemeRegistry); handlers do not change.
pub trait AuthScheme: Send + Sync {
    /// The name configuration uses for this scheme (`jwt`, `token`).
    fn name(&self) -> &'static str;

    /// Whether the header's keyword is this scheme's. When it is not, the chain asks the next
    /// scheme (DRF's `authenticate()` returning `None`).
    fn recognizes(&self, keyword: &[u8]) -> bool;

    /// Authenticates a header this scheme recognised.
    fn authenticate<'a>(&'a self, header: &'a AuthorizationHeader<'a>)
    -> BoxFuture<'a, Result<Principal, SchemeError>>;

    /// The `WWW-Authenticate` value of a 401 when this scheme is the first configured.
    fn challenge(&self) -> &str;
}
