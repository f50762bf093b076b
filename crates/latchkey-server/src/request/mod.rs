//! Request bodies as DRF 3.18 reads them (`request.data`): parser choice by `Content-Type`,
//! Python's JSON error messages, Django's form and multipart decoding, and the serializer
//! field checks (`fields`) that turn a body into values or DRF's 400 bodies.
//!
//! [`Body`] reads the body when a handler is called but reports nothing until the handler
//! asks ([`Body::into_object`]), as DRF parses lazily on first access to `request.data`:
//! authentication (401), the object lookup of detail views (404) and anything else the
//! handler checks first keep winning over a malformed body, whatever order actix resolves
//! the handler's extractors in.

pub mod charset;
pub mod fields;
pub mod form;
pub mod media;
pub mod multipart;
pub mod python_json;
pub mod python_str;

use crate::error::{ApiError, FieldErrors};
use actix_web::dev;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use media::Parser;
use serde_json::{Map, Value};
use std::convert::Infallible;

/// Bodies up to this many bytes are read when no [`BodyLimit`] is registered.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The largest body read, in bytes; register it as app data (plain or in `web::Data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(DEFAULT_BODY_LIMIT)
    }
}

/// A parsed body, before a serializer looks at it.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A JSON object, the fields of a form, or `{}` for an empty body.
    Object(Map<String, Value>),
    /// JSON `null`.
    Null,
    /// Any other JSON value, with its Python type name (list, str, int, float, bool).
    NotAnObject(&'static str),
}

impl Payload {
    /// The object a DRF serializer validates, or its non-field error for other values.
    pub fn into_object(self) -> Result<Map<String, Value>, ApiError> {
        match self {
            Payload::Object(map) => Ok(map),
            Payload::Null => Err(ApiError::Validation(FieldErrors::non_field("No data provided"))),
            Payload::NotAnObject(type_name) => Err(ApiError::Validation(FieldErrors::non_field(format!(
                "Invalid data. Expected a dictionary, but got {type_name}."
            )))),
        }
    }
}

/// The request body, read and parsed; its error (413, 415, 400) is held back until the
/// handler asks for the content.
#[derive(Debug)]
pub struct Body(Result<Payload, ApiError>);

impl Body {
    /// The parsed payload, or the error parsing it met.
    pub fn payload(self) -> Result<Payload, ApiError> {
        self.0
    }

    /// The body as a serializer's input: parse errors first, then DRF's answers for JSON
    /// `null` and for values that are not objects.
    pub fn into_object(self) -> Result<Map<String, Value>, ApiError> {
        self.0?.into_object()
    }
}

impl From<Payload> for Body {
    fn from(payload: Payload) -> Self {
        Body(Ok(payload))
    }
}

impl From<ApiError> for Body {
    fn from(err: ApiError) -> Self {
        Body(Err(err))
    }
}

impl FromRequest for Body {
    type Error = Infallible;
    type Future = LocalBoxFuture<'static, Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|limit| limit.0)
            .or_else(|| req.app_data::<BodyLimit>().map(|limit| limit.0))
            .unwrap_or(DEFAULT_BODY_LIMIT);
        // DRF's message repeats the header as the WSGI server decoded it: as Latin-1.
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| charset::latin1(value.as_bytes()).into_owned())
            .unwrap_or_default();
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<usize>().ok());
        let payload = payload.take();
        Box::pin(async move {
            let parsed = match declared {
                // DRF reads a body only when `CONTENT_LENGTH` says there is one, and a WSGI
                // server sets none for a chunked body: DRF sees no content at all.
                None | Some(0) => parse_body(&content_type, b""),
                Some(length) => match read_body(payload, limit, length).await {
                    Ok(bytes) => parse_body(&content_type, &bytes),
                    Err(err) => Err(err),
                },
            };
            Ok(Body(parsed))
        })
    }
}

async fn read_body(mut payload: dev::Payload, limit: usize, declared: usize) -> Result<Vec<u8>, ApiError> {
    if declared > limit {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = Vec::with_capacity(declared);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| match err {
            PayloadError::Overflow => ApiError::PayloadTooLarge(limit),
            // DRF's generic `ParseError` text; the client has usually gone already.
            _ => ApiError::Parse("Malformed request.".to_owned()),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// DRF's `Request._parse` over a body held in memory. `content_type` is the header as sent
/// (`""` when absent).
///
/// An empty body is `{}` whatever its content type, as DRF skips parsing when there is
/// nothing to read. Otherwise the first parser that accepts the media type reads it, and
/// none is 415 with the whole header in the message.
pub fn parse_body(content_type: &str, body: &[u8]) -> Result<Payload, ApiError> {
    if body.is_empty() {
        return Ok(Payload::Object(Map::new()));
    }
    let Some(parser) = media::select_parser(content_type) else {
        return Err(ApiError::UnsupportedMediaType(content_type.to_owned()));
    };
    let charset = media::request_charset(content_type)?;
    match parser {
        Parser::Json => parse_json(body, charset),
        Parser::Form => Ok(Payload::Object(form::parse_urlencoded(body, charset))),
        Parser::MultiPart => multipart::parse_multipart(content_type, body, charset).map(Payload::Object),
    }
}

fn parse_json(body: &[u8], charset: charset::Charset) -> Result<Payload, ApiError> {
    let parse_error = |message: &dyn std::fmt::Display| ApiError::Parse(format!("JSON parse error - {message}"));
    let text = charset.decode_stream(body).map_err(|message| parse_error(&message))?;
    match python_json::loads(&text) {
        Ok(document) => Ok(match document.value {
            Value::Object(map) => Payload::Object(map),
            Value::Null => Payload::Null,
            _ => Payload::NotAnObject(document.type_name),
        }),
        // DRF lets Python's RecursionError escape as an HTML 500; bad input is the client's
        // fault, so Latchkey answers a 400 in DRF's parse-error shape with Python's message.
        Err(python_json::JsonError::TooDeep) => {
            Err(parse_error(&"maximum recursion depth exceeded while decoding a JSON document"))
        }
        Err(err) => Err(parse_error(&err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use serde_json::json;

    /// The response body DRF would give for `parse_body(ct, body)?.into_object()`.
    fn outcome(content_type: &str, body: &[u8]) -> (u16, Value) {
        match parse_body(content_type, body).and_then(Payload::into_object) {
            Ok(map) => (200, Value::Object(map)),
            Err(err) => error_body(&err),
        }
    }

    fn error_body(err: &ApiError) -> (u16, Value) {
        use actix_web::ResponseError;
        let status = err.status_code().as_u16();
        let body = match err {
            ApiError::Validation(errors) => errors.to_value(),
            ApiError::Parse(detail) => json!({ "detail": detail }),
            ApiError::UnsupportedMediaType(ct) => {
                json!({ "detail": format!("Unsupported media type \"{ct}\" in request.") })
            }
            other => json!({ "detail": other.to_string() }),
        };
        (status, body)
    }

    const JSON: &str = "application/json";

    fn parse_error(message: &str) -> (u16, Value) {
        (400, json!({ "detail": format!("JSON parse error - {message}") }))
    }

    #[test]
    fn contract_request_level_errors() {
        assert_eq!(outcome(JSON, br#"{"username": "#), parse_error("Expecting value: line 1 column 14 (char 13)"));
        assert_eq!(outcome(JSON, b"nope"), parse_error("Expecting value: line 1 column 1 (char 0)"));
        assert_eq!(
            outcome(JSON, b"{"),
            parse_error("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")
        );
        assert_eq!(
            outcome(JSON, br#"{"price": NaN}"#),
            parse_error("Out of range float values are not JSON compliant: 'NaN'")
        );
        assert_eq!(outcome(JSON, b""), (200, json!({})));
        assert_eq!(outcome(JSON, b"null"), (400, json!({"non_field_errors": ["No data provided"]})));
        for (raw, kind) in
            [(&b"[]"[..], "list"), (b"\"str\"", "str"), (b"42", "int"), (b"true", "bool"), (b"1.5", "float")]
        {
            let message = format!("Invalid data. Expected a dictionary, but got {kind}.");
            assert_eq!(outcome(JSON, raw), (400, json!({ "non_field_errors": [message] })));
        }
        assert_eq!(
            outcome("text/plain", b"username=alice"),
            (415, json!({"detail": "Unsupported media type \"text/plain\" in request."}))
        );
        assert_eq!(
            outcome("application/xml", b"<a/>"),
            (415, json!({"detail": "Unsupported media type \"application/xml\" in request."}))
        );
        assert_eq!(outcome("", b"username=alice"), (415, json!({"detail": "Unsupported media type \"\" in request."})));
        assert_eq!(
            outcome("text/plain; charset=utf-8", b"x"),
            (415, json!({"detail": "Unsupported media type \"text/plain; charset=utf-8\" in request."}))
        );
        assert_eq!(outcome("application/json; charset=utf-8", br#"{"a": "b"}"#), (200, json!({"a": "b"})));
    }

    #[test]
    fn empty_bodies_are_empty_objects_whatever_the_type() {
        for content_type in ["", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"] {
            assert_eq!(outcome(content_type, b""), (200, json!({})), "{content_type}");
        }
    }

    #[test]
    fn charsets_and_decoding() {
        assert_eq!(
            outcome(JSON, b"\xff{}"),
            parse_error("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte")
        );
        assert_eq!(outcome("application/json; charset=latin-1", b"{\"a\":\"\xe9\"}"), (200, json!({"a": "é"})));
        assert_eq!(
            outcome("application/json; charset=bz2_codec", b"{}"),
            (400, json!({"detail": "Unsupported charset \"bz2_codec\" in request Content-Type header."}))
        );
        assert_eq!(outcome("application/json; charset=nonsense", "{\"a\":\"é\"}".as_bytes()), (200, json!({"a": "é"})));
    }

    #[test]
    fn forms() {
        assert_eq!(
            outcome("application/x-www-form-urlencoded", b"username=alice&password=x"),
            (200, json!({"username": "alice", "password": "x"}))
        );
        let body = b"--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n--b--\r\n";
        assert_eq!(outcome("multipart/form-data; boundary=b", body), (200, json!({"username": "alice"})));
        assert_eq!(
            outcome("multipart/form-data", b"x"),
            (400, json!({"detail": "Multipart form parse error - Invalid boundary in multipart: None"}))
        );
    }

    #[test]
    fn deep_nesting_is_a_parse_error() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        assert_eq!(
            outcome(JSON, deep.as_bytes()),
            (
                400,
                json!({"detail": "JSON parse error - maximum recursion depth exceeded while decoding a JSON document"})
            )
        );
    }

    async fn extract(request: TestRequest) -> Result<Payload, ApiError> {
        let (req, mut payload) = request.to_http_parts();
        match Body::from_request(&req, &mut payload).await {
            Ok(body) => body.payload(),
            Err(never) => match never {},
        }
    }

    #[actix_web::test]
    async fn extractor_reads_and_defers() {
        let ok =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, JSON)).set_payload(r#"{"a": 1}"#)).await;
        assert_eq!(ok.ok(), Some(Payload::Object(object(json!({"a": 1})))));

        let bad =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, "text/plain")).set_payload("x")).await;
        assert!(matches!(bad, Err(ApiError::UnsupportedMediaType(ct)) if ct == "text/plain"));

        let none = extract(TestRequest::post().set_payload("x")).await;
        assert!(matches!(none, Err(ApiError::UnsupportedMediaType(ct)) if ct.is_empty()));

        let empty = extract(TestRequest::post().insert_header((header::CONTENT_TYPE, "text/plain"))).await;
        assert_eq!(empty.ok(), Some(Payload::Object(Map::new())));

        let latin1 =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, &b"text/\xe9"[..])).set_payload("x"))
                .await;
        assert!(matches!(latin1, Err(ApiError::UnsupportedMediaType(ct)) if ct == "text/é"));
    }

    #[actix_web::test]
    async fn a_body_without_content_length_is_no_body() {
        // A chunked body: the oracle (gunicorn) answers as if nothing had been sent.
        let (req, _) = TestRequest::post().insert_header((header::CONTENT_TYPE, "text/plain")).to_http_parts();
        let mut payload = dev::Payload::from(web::Bytes::from_static(b"username=alice"));
        let body = match Body::from_request(&req, &mut payload).await {
            Ok(body) => body.payload(),
            Err(never) => match never {},
        };
        assert_eq!(body.ok(), Some(Payload::Object(Map::new())));
    }

    #[actix_web::test]
    async fn extractor_enforces_the_limit() {
        let big = "x".repeat(100);
        let limited = |body: &str| {
            TestRequest::post()
                .insert_header((header::CONTENT_TYPE, JSON))
                .app_data(web::Data::new(BodyLimit(64)))
                .set_payload(body.to_owned())
        };
        assert!(matches!(extract(limited(&big)).await, Err(ApiError::PayloadTooLarge(64))));
        let fits = format!("\"{}\"", "x".repeat(62));
        assert_eq!(extract(limited(&fits)).await.ok(), Some(Payload::NotAnObject("str")));
        let plain = TestRequest::post().app_data(BodyLimit(8)).set_payload(big);
        assert!(matches!(extract(plain).await, Err(ApiError::PayloadTooLarge(8))));
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}
