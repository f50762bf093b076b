use actix_web::HttpResponse;
use latchkey_actix::MaybeAuthenticated;
use latchkey_actix::render;
use serde_json::json;

#[utoipa::path(get, path = "/", tag = "accounts", operation_id = "hello", summary = "Hello, world", security((), ("Bearer" = []), ("Token" = [])),
    responses((status = 200, description = "Open to anyone; a bad credential is still refused.", body = crate::openapi::Message)))]
/// `GET /`: open to anyone, but a bad credential is still refused (DRF authenticates first).
pub async fn hello(_: MaybeAuthenticated) -> HttpResponse {
    render::ok(&json!({"message": "Hello, world!"}))
}
