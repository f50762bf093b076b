//! DRF 3.18's `Request._parse` over a body held in memory: the parser chosen by
//! `Content-Type`, the body decoded with its charset, and what `request.data` then holds.

use crate::charset::Charset;
use crate::error::{FieldErrors, RequestError};
use crate::media::{self, Parser};
use crate::{form, multipart, python_json};
use serde_json::{Map, Value};

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
    pub fn into_object(self) -> Result<Map<String, Value>, RequestError> {
        match self {
            Payload::Object(map) => Ok(map),
            Payload::Null => Err(FieldErrors::non_field("No data provided").into()),
            Payload::NotAnObject(type_name) => {
                Err(FieldErrors::non_field(format!("Invalid data. Expected a dictionary, but got {type_name}.")).into())
            }
        }
    }
}

/// DRF's `Request._parse` over a body held in memory. `content_type` is the header as sent
/// (`""` when absent; an HTTP layer decodes its bytes with [`latin1`](crate::latin1), as a
/// WSGI server does, since DRF's 415 message repeats it).
///
/// An empty body is `{}` whatever its content type, as DRF skips parsing when there is
/// nothing to read. Otherwise the first parser that accepts the media type reads it, and
/// none is 415 with the whole header in the message.
pub fn parse_body(content_type: &str, body: &[u8]) -> Result<Payload, RequestError> {
    if body.is_empty() {
        return Ok(Payload::Object(Map::new()));
    }
    let Some(parser) = media::select_parser(content_type) else {
        return Err(RequestError::UnsupportedMediaType(content_type.to_owned()));
    };
    let charset = media::request_charset(content_type)?;
    match parser {
        Parser::Json => parse_json(body, charset),
        Parser::Form => Ok(Payload::Object(form::parse_urlencoded(body, charset))),
        Parser::MultiPart => multipart::parse_multipart(content_type, body, charset).map(Payload::Object),
    }
}

fn parse_json(body: &[u8], charset: Charset) -> Result<Payload, RequestError> {
    let parse_error =
        |message: &dyn std::fmt::Display| RequestError::ParseError(format!("JSON parse error - {message}"));
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
    use serde_json::json;

    /// The response body DRF would give for `parse_body(ct, body)?.into_object()`.
    fn outcome(content_type: &str, body: &[u8]) -> (u16, Value) {
        match parse_body(content_type, body).and_then(Payload::into_object) {
            Ok(map) => (200, Value::Object(map)),
            Err(err) => (err.status_code(), err.body()),
        }
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

    #[test]
    fn payloads() {
        assert_eq!(parse_body(JSON, br#"{"a": 1}"#), Ok(Payload::Object(object(json!({"a": 1})))));
        assert_eq!(parse_body(JSON, b"null"), Ok(Payload::Null));
        assert_eq!(parse_body(JSON, b"\"x\""), Ok(Payload::NotAnObject("str")));
        assert_eq!(parse_body("text/plain", b"x"), Err(RequestError::UnsupportedMediaType("text/plain".into())));
        assert_eq!(parse_body("", b"x"), Err(RequestError::UnsupportedMediaType(String::new())));
        assert_eq!(parse_body("text/plain", b""), Ok(Payload::Object(Map::new())));
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}
