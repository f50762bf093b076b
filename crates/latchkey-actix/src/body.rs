//! The request body as DRF reads it (`request.data`), as an actix extractor.
//!
//! [`Body`] reads the body when a handler is called but reports nothing until the handler
//! asks ([`Body::into_object`]), as DRF parses lazily on first access to `request.data`:
//! authentication (401), the object lookup of detail views (404) and anything else the
//! handler checks first keep winning over a malformed body, whatever order actix resolves
//! the handler's extractors in. Parsing itself is `latchkey_drf::parse_body`.

use crate::error::ApiError;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use latchkey_drf::Payload;
use serde_json::{Map, Value};
use std::convert::Infallible;
use std::time::Duration;

/// Bodies up to this many bytes are read when no [`BodyLimit`] is registered.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How long a declared body may take to arrive when no [`BodyTimeout`] is registered.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the whole declared body may take to arrive, from the handler's first read; then
/// 408. Register it as app data (plain or in `web::Data`). Without a deadline a client that
/// sends headers and then trickles (or withholds) the body holds its connection forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout(pub Duration);

impl Default for BodyTimeout {
    fn default() -> Self {
        BodyTimeout(DEFAULT_BODY_TIMEOUT)
    }
}

/// The buffer reserved before any byte arrives; it grows with the data, so a declared length
/// alone never reserves memory.
const INITIAL_BUFFER: usize = 16 * 1024;

/// The largest body read, in bytes; register it as app data (plain or in `web::Data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(DEFAULT_BODY_LIMIT)
    }
}

/// The request body, read and parsed; its error (413, 415, 400) is held back until the
/// handler asks for the content.
#[derive(Debug)]
pub struct Body(Result<Payload, ApiError>);

impl Body {
    /// The parsed payload, or the error reading or parsing it met.
    pub fn payload(self) -> Result<Payload, ApiError> {
        self.0
    }

    /// The body as a serializer's input: read and parse errors first, then DRF's answers
    /// for JSON `null` and for values that are not objects.
    pub fn into_object(self) -> Result<Map<String, Value>, ApiError> {
        Ok(self.0?.into_object()?)
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
        let deadline = req
            .app_data::<web::Data<BodyTimeout>>()
            .map(|timeout| timeout.0)
            .or_else(|| req.app_data::<BodyTimeout>().map(|timeout| timeout.0))
            .unwrap_or(DEFAULT_BODY_TIMEOUT);
        // DRF's message repeats the header as the WSGI server decoded it: as Latin-1.
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| latchkey_drf::latin1(value.as_bytes()).into_owned())
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
                None | Some(0) => parse(&content_type, b""),
                Some(length) => match actix_web::rt::time::timeout(deadline, read_body(payload, limit, length)).await {
                    Ok(Ok(bytes)) => parse(&content_type, &bytes),
                    Ok(Err(err)) => Err(err),
                    Err(_) => Err(ApiError::BodyTimeout(deadline)),
                },
            };
            Ok(Body(parsed))
        })
    }
}

fn parse(content_type: &str, body: &[u8]) -> Result<Payload, ApiError> {
    Ok(latchkey_drf::parse_body(content_type, body)?)
}

async fn read_body(mut payload: dev::Payload, limit: usize, declared: usize) -> Result<Vec<u8>, ApiError> {
    if declared > limit {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = Vec::with_capacity(declared.min(INITIAL_BUFFER));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| match err {
            PayloadError::Overflow => ApiError::PayloadTooLarge(limit),
            // DRF's generic `ParseError` text; the client has usually gone already.
            _ => ApiError::Request(latchkey_drf::RequestError::ParseError("Malformed request.".to_owned())),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use latchkey_drf::RequestError;
    use serde_json::json;

    const JSON: &str = "application/json";

    async fn extract(request: TestRequest) -> Result<Payload, ApiError> {
        let (req, mut payload) = request.to_http_parts();
        match Body::from_request(&req, &mut payload).await {
            Ok(body) => body.payload(),
            Err(never) => match never {},
        }
    }

    fn unsupported(result: &Result<Payload, ApiError>) -> Option<&str> {
        match result {
            Err(ApiError::Request(RequestError::UnsupportedMediaType(ct))) => Some(ct),
            _ => None,
        }
    }

    #[actix_web::test]
    async fn extractor_reads_and_defers() {
        let ok =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, JSON)).set_payload(r#"{"a": 1}"#)).await;
        let Ok(Payload::Object(map)) = ok else { panic!("expected an object, got {ok:?}") };
        assert_eq!(Value::Object(map), json!({"a": 1}));

        let bad =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, "text/plain")).set_payload("x")).await;
        assert_eq!(unsupported(&bad), Some("text/plain"));

        let none = extract(TestRequest::post().set_payload("x")).await;
        assert_eq!(unsupported(&none), Some(""));

        let empty = extract(TestRequest::post().insert_header((header::CONTENT_TYPE, "text/plain"))).await;
        assert_eq!(empty.ok(), Some(Payload::Object(Map::new())));

        let latin1 =
            extract(TestRequest::post().insert_header((header::CONTENT_TYPE, &b"text/\xe9"[..])).set_payload("x"))
                .await;
        assert_eq!(unsupported(&latin1), Some("text/é"));
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
}
