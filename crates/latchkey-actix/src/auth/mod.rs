//! Authentication for actix apps: a middleware that runs the configured scheme chain once per
//! request and stores the outcome, and extractors through which a handler says what it needs.
//!
//! The middleware never answers a request itself: as in DRF, only views that read the user
//! refuse a bad credential, so an unknown path is still a 404 and views that do not
//! authenticate (simplejwt's) ignore the header.

mod extractors;
mod middleware;

pub use extractors::{Authenticated, MaybeAuthenticated};
pub use middleware::{AuthOutcome, authenticate};
