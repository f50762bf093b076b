//! The Latchkey server: DRF + simplejwt's HTTP API on actix-web, wired from configuration.
//!
//! [`startup::Application`] builds everything from [`config::Settings`]; `main`, the
//! end-to-end tests and the commands of `xtask` use the same path, the tests on port 0.
//! The server is configuration, start-up wiring and routes; the reusable parts are crates of
//! their own (`latchkey-actix` for the middleware, extractors and error responses,
//! `latchkey-drf` for request bodies, `latchkey-jwt` and `latchkey-opaque` for the schemes).
//!
//! Public: what the binary, `xtask` and the tests use ([`commands`], the operator's commands the
//! binary carries and `xtask` calls, [`config`], [`startup`], [`telemetry`],
//! [`lockout`], which the `unlock` command clears, [`maintenance`], the periodic flush, and
//! [`products`], whose repository `xtask seed`
//! fills). Everything else is private.

pub mod commands;
pub mod config;
mod hashing;
pub mod lockout;
pub mod maintenance;
mod monitoring;
mod openapi;
pub mod products;
mod routes;
mod services;
pub mod startup;
pub mod telemetry;
