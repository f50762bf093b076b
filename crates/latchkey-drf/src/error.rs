//! The failures DRF turns into responses while reading a request: 415, and 400 in its two
//! shapes (`{"detail": …}` and the field errors).

use serde_json::{Map, Value, json};
use std::fmt;

/// Field errors in DRF's shape, `{"field": ["message", …]}`, in the order fields were declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `message` to the field's list, creating it after the fields already listed.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = entry {
            messages.push(Value::String(message.into()));
        }
    }

    /// `{"non_field_errors": [message]}`: a serializer's error about the data as a whole.
    pub fn non_field(message: impl Into<String>) -> Self {
        Self::single("non_field_errors", message)
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when no field failed, else DRF's `ValidationError` with these errors.
    pub fn into_result(self) -> Result<(), RequestError> {
        if self.is_empty() { Ok(()) } else { Err(RequestError::ValidationError(self)) }
    }

    /// The errors as DRF's 400 body.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// The body DRF would send, as compact JSON.
impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Value::Object(self.0.clone()), f)
    }
}

/// Why DRF refuses a request body. An HTTP layer renders it with [`status_code`] and
/// [`body`] (serialised with [`to_json_bytes`](crate::to_json_bytes)) without knowing DRF;
/// `Display` is the detail text.
///
/// [`status_code`]: RequestError::status_code
/// [`body`]: RequestError::body
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// No parser accepts the `Content-Type` (the header as sent, `""` when absent): 415.
    #[error("Unsupported media type \"{0}\" in request.")]
    UnsupportedMediaType(String),
    /// A body that cannot be parsed: 400 `{"detail": …}`. The detail is DRF's whole text,
    /// which embeds the underlying message (Python's, for JSON and codecs) verbatim.
    #[error("{0}")]
    ParseError(String),
    /// A serializer's field errors: 400 with the errors as the body.
    #[error("{0}")]
    ValidationError(FieldErrors),
}

impl RequestError {
    /// The HTTP status DRF answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            RequestError::UnsupportedMediaType(_) => 415,
            RequestError::ParseError(_) | RequestError::ValidationError(_) => 400,
        }
    }

    /// DRF's JSON body for the error.
    pub fn body(&self) -> Value {
        match self {
            RequestError::UnsupportedMediaType(_) | RequestError::ParseError(_) => {
                json!({ "detail": self.to_string() })
            }
            RequestError::ValidationError(errors) => errors.to_value(),
        }
    }
}

impl From<FieldErrors> for RequestError {
    fn from(errors: FieldErrors) -> Self {
        RequestError::ValidationError(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_bodies() {
        let unsupported = RequestError::UnsupportedMediaType("text/plain".into());
        assert_eq!(unsupported.status_code(), 415);
        assert_eq!(unsupported.body(), json!({"detail": "Unsupported media type \"text/plain\" in request."}));
        let parse = RequestError::ParseError("JSON parse error - Extra data: line 1 column 3 (char 2)".into());
        assert_eq!(parse.status_code(), 400);
        assert_eq!(parse.body(), json!({"detail": "JSON parse error - Extra data: line 1 column 3 (char 2)"}));
        let mut errors = FieldErrors::new();
        errors.add("username", "This field is required.");
        errors.add("password", "This field is required.");
        errors.add("username", "again");
        let invalid = RequestError::from(errors);
        assert_eq!(invalid.status_code(), 400);
        assert_eq!(
            invalid.body(),
            json!({"username": ["This field is required.", "again"], "password": ["This field is required."]})
        );
        assert_eq!(
            invalid.to_string(),
            r#"{"username":["This field is required.","again"],"password":["This field is required."]}"#
        );
    }

    #[test]
    fn empty_errors_are_ok() {
        assert_eq!(FieldErrors::new().into_result(), Ok(()));
        assert_eq!(
            FieldErrors::non_field("No data provided").into_result(),
            Err(RequestError::ValidationError(FieldErrors::single("non_field_errors", "No data provided")))
        );
    }
}
