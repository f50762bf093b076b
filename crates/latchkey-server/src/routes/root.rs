use actix_web::HttpResponse;
use latchkey_actix::MaybeAuthenticated;
use latchkey_actix::render;
use serde_json::json;

/// `GET /`: open to anyone, but a bad credential is still refused (DRF authenticates first).
pub async fn hello(_: MaybeAuthenticated) -> HttpResponse {
    render::ok(&json!({"message": "Hello, world!"}))
}
