//! The Latchkey server: DRF + simplejwt's HTTP API on actix-web, wired from configuration.
//!
//! [`startup::Application`] builds everything from [`config::Settings`]; `main` and the
//! end-to-end tests use the same path, the tests on port 0.

pub mod auth;
pub mod config;
pub mod decimal;
pub mod error;
pub mod hashing;
pub mod lookup;
pub mod render;
pub mod request;
pub mod routes;
pub mod services;
pub mod startup;
pub mod telemetry;
