//! The end-to-end harness: the real server, built by `Application::build` exactly as `main`
//! builds it, listening on a random port, against a fresh database from `latchkey-test-db`
//! (a SQLite file, or a PostgreSQL database copied from a migrated template), driven over HTTP
//! with `awc`.
//!
//! - [`app`]: [`TestApp`], the running server, and the settings it starts with;
//! - [`client`]: requests as one identity ([`TestApp::anonymous`], [`TestApp::as_user`],
//!   [`TestApp::with_token`], …) and the [`TestResponse`] they read;
//! - [`fixtures`]: the contract's users and seeding them;
//! - [`jwt`]: reading a token's claims in assertions;
//! - [`django`]: a database Django itself made, for the import tests;
//! - [`oracle`]: the Django oracle as a running server, for scenarios that compare bytes.
//!
//! PostgreSQL: `LATCHKEY_TEST_PG_URL` names a server on which the harness may create and drop
//! databases; without it the harness finds or starts PostgreSQL itself (see
//! [`TestDatabase::postgres`]). `TEST_LOG=debug` (any log filter) shows the server's log.

pub mod app;
pub mod client;
pub mod django;
pub mod fixtures;
pub mod jwt;
pub mod oracle;

pub use app::{SIGNING_KEY, Sibling, TestApp, test_settings};
pub use client::{Client, TestResponse};
pub use fixtures::{ADMIN, ALICE, BOB, CAROL, FIXTURE_USERS, FixtureUser};
pub use jwt::{base64url_decode, jwt_claims};
pub use latchkey_test_db::{Backend, TestDatabase};
