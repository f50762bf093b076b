//! DRF's JSON renderer: compact separators, UTF-8 kept as is, except U+2028 and U+2029 which
//! are escaped so that the body is also valid JavaScript.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let text = serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"));
    if text.contains(['\u{2028}', '\u{2029}']) {
        text.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").into_bytes()
    } else {
        text.into_bytes()
    }
}

/// A JSON response with DRF's content type (`application/json`, no charset).
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").body(to_json_bytes(value))
}

pub fn ok<T: Serialize + ?Sized>(value: &T) -> HttpResponse {
    json(StatusCode::OK, value)
}
