//! Responses in DRF's JSON: its renderer's bytes (`latchkey_drf::to_json_bytes`) and its
//! content type.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

/// DRF's JSON content type: `application/json`, without a charset.
pub const CONTENT_TYPE: &str = "application/json";

/// A JSON response as DRF renders it.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status).content_type(CONTENT_TYPE).body(latchkey_drf::to_json_bytes(value))
}

/// A 200 JSON response as DRF renders it.
pub fn ok<T: Serialize + ?Sized>(value: &T) -> HttpResponse {
    json(StatusCode::OK, value)
}
