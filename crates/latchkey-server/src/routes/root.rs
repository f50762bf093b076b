use crate::auth::MaybeAuthenticated;
use crate::render;
use actix_web::HttpResponse;
use serde_json::json;

/// `GET /`: open to anyone, but a bad credential is still refused (DRF authenticates first).
pub async fn hello(_: MaybeAuthenticated) -> HttpResponse {
    render::ok(&json!({"message": "Hello, world!"}))
}
