//! Authentication for actix apps: a middleware that runs the configured scheme chain once per
//! request and stores the outcome, and extractors through which a handler says what it needs.
//!
//! ```
//! use actix_web::middleware::from_fn;
//! use actix_web::{App, HttpResponse, web};
//! use latchkey_engine::SchemeChain;
//! use latchkey_server::auth::{Authenticated, MaybeAuthenticated, authenticate};
//!
//! // 401 without a user.
//! async fn profile(user: Authenticated) -> HttpResponse {
//!     HttpResponse::Ok().body(format!("Hello, {}", user.0.username))
//! }
//!
//! // Open to anyone, yet a bad credential is still a 401 (DRF authenticates first).
//! async fn hello(_: MaybeAuthenticated) -> HttpResponse {
//!     HttpResponse::Ok().finish()
//! }
//!
//! // A real app builds the chain from a SchemeRegistry (see docs/using-the-auth-middleware.md).
//! let chain = SchemeChain::default();
//! let _app = App::new()
//!     .app_data(web::Data::new(chain))
//!     .wrap(from_fn(authenticate))
//!     .route("/me/", web::get().to(profile))
//!     .route("/", web::get().to(hello));
//! ```

mod extractors;
mod middleware;

pub use extractors::{Authenticated, MaybeAuthenticated};
pub use middleware::{AuthOutcome, authenticate};
