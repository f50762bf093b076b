//! Latchkey's authentication in any actix-web app: what an app needs to protect its own
//! routes with Latchkey's schemes (simplejwt's `Bearer`, DRF's `Token`) and answer as DRF
//! does, without the Latchkey server, its database layer or its password hashing.
//!
//! - [`authenticate`], a middleware that runs the [`SchemeChain`](latchkey_engine::SchemeChain)
//!   once per request, and the extractors [`Authenticated`] (DRF's `IsAuthenticated`) and
//!   [`MaybeAuthenticated`] (`AllowAny`, which still refuses a bad credential);
//! - [`AuthLookup`], the directories the schemes look users up through, cached in
//!   [`AuthCaches`] and run on actix's blocking pool, and [`InvalidatingStore`], which makes
//!   writes through this process forget what the caches hold;
//! - [`Body`], the request body parsed as DRF parses `request.data` (`latchkey-drf`);
//! - [`ApiError`], every failure as DRF's status code and JSON body, with `From` impls for the
//!   library errors so handlers use `?`.
//!
//! # Example
//!
//! An app with one route of its own, protected by DRF's `Token` scheme over an in-memory
//! store:
//!
//! ```
//! use actix_web::middleware::from_fn;
//! use actix_web::{App, HttpResponse, test, web};
//! use latchkey_actix::{AuthCaches, AuthLookup, Authenticated, InvalidatingStore, authenticate};
//! use latchkey_domain::memory::MemoryStore;
//! use latchkey_domain::{NewUser, UserStore};
//! use latchkey_engine::SchemeRegistry;
//! use latchkey_opaque::{KeyDeriver, OpaqueKeys, TokenScheme};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! async fn me(user: Authenticated) -> HttpResponse {
//!     HttpResponse::Ok().body(format!("hello, {}", user.0.username))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # actix_web::rt::System::new().block_on(async {
//! // Writes through the invalidating store forget what the caches hold about that user.
//! let caches = Arc::new(AuthCaches::new(Duration::from_secs(5)));
//! let store = Arc::new(InvalidatingStore::new(MemoryStore::new(), caches.clone()));
//! let keys = Arc::new(OpaqueKeys::new(KeyDeriver::new(b"a long random server secret")?, store.clone()));
//! let alice = store.create_user(NewUser::new("alice", "", "!"))?;
//! let key = keys.key_for_user(alice.id)?;
//!
//! let lookup = Arc::new(AuthLookup::new(store.clone(), keys.clone(), caches));
//! let chain = SchemeRegistry::new().register(Arc::new(TokenScheme::new(lookup))).chain(&["token"])?;
//! let app = test::init_service(
//!     App::new().app_data(web::Data::new(chain)).wrap(from_fn(authenticate)).route("/me/", web::get().to(me)),
//! )
//! .await;
//!
//! let get = |authorization: Option<String>| {
//!     let mut request = test::TestRequest::get().uri("/me/");
//!     if let Some(value) = authorization {
//!         request = request.insert_header(("Authorization", value));
//!     }
//!     request.to_request()
//! };
//! // A valid key.
//! let body = test::call_and_read_body(&app, get(Some(format!("Token {key}")))).await;
//! assert_eq!(body, "hello, alice");
//! // No credentials, and a bad one: DRF's 401 bodies and the scheme's challenge.
//! let response = test::call_service(&app, get(None)).await;
//! assert_eq!(response.status(), 401);
//! assert_eq!(response.headers().get("WWW-Authenticate").map(|v| v.as_bytes()), Some(&b"Token"[..]));
//! let body = test::read_body(response).await;
//! assert_eq!(body, r#"{"detail":"Authentication credentials were not provided."}"#);
//! let body = test::call_and_read_body(&app, get(Some("Token nope".into()))).await;
//! assert_eq!(body, r#"{"detail":"Invalid token."}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```
//!
//! Dependencies: the domain, engine, DRF, JWT and opaque-key crates, actix-web and moka; never
//! a database driver or a password hasher (the store and the hasher are the app's, behind the
//! domain's traits).

mod auth;
mod body;
mod caches;
mod error;
mod invalidating;
mod lookup;
pub mod render;
mod store_queue;
pub mod throttle;

pub use auth::{AuthOutcome, Authenticated, MaybeAuthenticated, authenticate};
pub use body::{Body, BodyLimit, BodyTimeout, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT};
pub use caches::AuthCaches;
pub use error::ApiError;
pub use invalidating::InvalidatingStore;
pub use lookup::AuthLookup;
pub use store_queue::{QueueError, StoreQueue};
