//! DRF's `CharField` and `EmailField`, reading one field of a parsed body and recording
//! DRF's messages in [`FieldErrors`]. Callers read fields in the serializer's declaration
//! order, which is the order DRF lists their errors in.
//!
//! `CharField.run_validation`, step by step:
//! 1. `""`, or only whitespace when trimming: "This field may not be blank." (or `""`
//!    when blank is allowed, and no validator runs);
//! 2. missing: "This field is required." (or nothing when optional); `null`: "This field
//!    may not be null.";
//! 3. anything but a string or a number: "Not a valid string."; a number becomes Python's
//!    `str()` of it (`10.0` stays `"10.0"`); the value is stripped when trimming;
//! 4. every validator runs and every failure is listed: maximum length, minimum length
//!    (in characters), null characters, surrogates; `EmailField` adds its address check.
//!
//! Not modelled, because no serializer of this API needs it: `allow_null=True`, defaults,
//! and the HTML-form rules that treat `""` as omitted for optional fields (every optional
//! string field here allows blanks, for which both rules give `""`).

use crate::email::is_django_email;
use crate::error::FieldErrors;
use crate::python_str::{lone_surrogate, scalar_str, strip};
use serde_json::{Map, Value};

pub use crate::email::{EMAIL_INVALID, EMAIL_MAX_LENGTH, is_valid_email};

pub const REQUIRED: &str = "This field is required.";
pub const NULL: &str = "This field may not be null.";
pub const BLANK: &str = "This field may not be blank.";
pub const NOT_A_STRING: &str = "Not a valid string.";
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";

#[derive(Debug, Clone)]
pub struct CharField<'n> {
    name: &'n str,
    required: bool,
    allow_blank: bool,
    trim_whitespace: bool,
    max_length: Option<usize>,
    min_length: Option<usize>,
    /// The `invalid` message: `EmailField` replaces "Not a valid string." with its own.
    invalid: &'static str,
}

impl<'n> CharField<'n> {
    /// A required field that trims whitespace and refuses blanks (DRF's defaults).
    pub fn new(name: &'n str) -> Self {
        Self {
            name,
            required: true,
            allow_blank: false,
            trim_whitespace: true,
            max_length: None,
            min_length: None,
            invalid: NOT_A_STRING,
        }
    }

    /// `required=False`: a missing field is no error, and [`read`](Self::read) gives `None`.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// `allow_blank=True`: `""` (or only whitespace, when trimming) reads as `""`.
    pub fn allow_blank(mut self) -> Self {
        self.allow_blank = true;
        self
    }

    pub fn trim_whitespace(mut self, trim: bool) -> Self {
        self.trim_whitespace = trim;
        self
    }

    pub fn max_length(mut self, max: usize) -> Self {
        self.max_length = Some(max);
        self
    }

    pub fn min_length(mut self, min: usize) -> Self {
        self.min_length = Some(min);
        self
    }

    /// The field's value, or `None` when it is missing (and optional) or failed, in which
    /// case its messages are in `errors`.
    pub fn read(&self, data: &Map<String, Value>, errors: &mut FieldErrors) -> Option<String> {
        let value = self.read_unvalidated(data, errors)?;
        self.validate(value, Vec::new(), errors)
    }

    /// Steps 1 to 3: the value before its validators run, for a caller whose own validators
    /// come first in DRF's order (a `ModelSerializer` puts the model field's validators,
    /// such as a username's character rule and uniqueness, before the length checks).
    /// Pass their messages to [`validate`](Self::validate). An allowed blank comes back as
    /// `Some("")`, on which DRF runs no validator.
    pub fn read_unvalidated(&self, data: &Map<String, Value>, errors: &mut FieldErrors) -> Option<String> {
        let fail = |errors: &mut FieldErrors, message: &str| {
            errors.add(self.name, message);
            None
        };
        let Some(raw) = data.get(self.name) else {
            return if self.required { fail(errors, REQUIRED) } else { None };
        };
        if let Value::String(s) = raw
            && (s.is_empty() || (self.trim_whitespace && strip(s).is_empty()))
        {
            return if self.allow_blank { Some(String::new()) } else { fail(errors, BLANK) };
        }
        if raw.is_null() {
            return fail(errors, NULL);
        }
        let Some(text) = scalar_str(raw) else {
            return fail(errors, self.invalid);
        };
        Some(if self.trim_whitespace { strip(&text).to_owned() } else { text })
    }

    /// Step 4: the caller's `messages` (from validators that precede the built-in ones),
    /// then the built-in validators; every failure is recorded. `Some(value)` if none failed.
    pub fn validate(&self, value: String, messages: Vec<String>, errors: &mut FieldErrors) -> Option<String> {
        let mut messages = messages;
        if !value.is_empty() {
            messages.extend(self.builtin_failures(&value));
        }
        self.finish(value, messages, errors)
    }

    fn builtin_failures(&self, value: &str) -> Vec<String> {
        let mut messages = Vec::new();
        let length = value.chars().count();
        if let Some(max) = self.max_length.filter(|max| length > *max) {
            messages.push(format!("Ensure this field has no more than {max} characters."));
        }
        if let Some(min) = self.min_length.filter(|min| length < *min) {
            messages.push(format!("Ensure this field has at least {min} characters."));
        }
        if value.contains('\0') {
            messages.push(NULL_CHARACTERS.to_owned());
        }
        if let Some(code) = value.chars().find_map(lone_surrogate) {
            messages.push(format!("Surrogate characters are not allowed: U+{code:X}."));
        }
        messages
    }

    fn finish(&self, value: String, messages: Vec<String>, errors: &mut FieldErrors) -> Option<String> {
        if messages.is_empty() {
            return Some(value);
        }
        for message in messages {
            errors.add(self.name, message);
        }
        None
    }
}

/// DRF's `EmailField` as a `ModelSerializer` builds it from Django's user model: a
/// `CharField` of at most 254 characters whose `invalid` message is "Enter a valid email
/// address.", and Django's `EmailValidator` after the length checks.
#[derive(Debug, Clone)]
pub struct EmailField<'n>(CharField<'n>);

impl<'n> EmailField<'n> {
    pub fn new(name: &'n str) -> Self {
        Self(CharField { invalid: EMAIL_INVALID, ..CharField::new(name).max_length(EMAIL_MAX_LENGTH) })
    }

    pub fn optional(self) -> Self {
        Self(self.0.optional())
    }

    pub fn allow_blank(self) -> Self {
        Self(self.0.allow_blank())
    }

    pub fn read(&self, data: &Map<String, Value>, errors: &mut FieldErrors) -> Option<String> {
        let value = self.0.read_unvalidated(data, errors)?;
        if value.is_empty() {
            return Some(value);
        }
        let mut messages = self.0.builtin_failures(&value);
        if !is_django_email(&value) {
            messages.push(EMAIL_INVALID.to_owned());
        }
        self.0.finish(value, messages, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    /// Reads `field` from `data`; returns the value and the errors as JSON.
    fn run(field: &CharField<'_>, data: Value) -> (Option<String>, Value) {
        let mut errors = FieldErrors::new();
        let value = field.read(&object(data), &mut errors);
        (value, errors.to_value())
    }

    fn email(field: &EmailField<'_>, data: Value) -> (Option<String>, Value) {
        let mut errors = FieldErrors::new();
        let value = field.read(&object(data), &mut errors);
        (value, errors.to_value())
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn presence_null_and_type() {
        let f = CharField::new("username");
        assert_eq!(run(&f, json!({})), (None, json!({"username": [REQUIRED]})));
        assert_eq!(run(&f.clone().optional(), json!({})), (None, json!({})));
        assert_eq!(run(&f, json!({"username": null})), (None, json!({"username": [NULL]})));
        assert_eq!(run(&f.clone().optional(), json!({"username": null})), (None, json!({"username": [NULL]})));
        for bad in [json!(true), json!(["alice"]), json!({"a": 1}), json!([])] {
            assert_eq!(run(&f, json!({ "username": bad })), (None, json!({"username": [NOT_A_STRING]})));
        }
    }

    #[test]
    fn numbers_become_python_strings() {
        let f = CharField::new("v");
        assert_eq!(run(&f, json!({"v": 123})).0, some("123"));
        assert_eq!(run(&f, json!({"v": -5})).0, some("-5"));
        assert_eq!(run(&f, json!({"v": 1.5})).0, some("1.5"));
        assert_eq!(run(&f, json!({"v": 10.0})).0, some("10.0"));
        assert_eq!(run(&f, json!({"v": 1e16})).0, some("1e+16"));
        assert_eq!(run(&f, json!({"v": 0})).0, some("0"));
    }

    #[test]
    fn blank_and_trim() {
        let f = CharField::new("v");
        assert_eq!(run(&f, json!({"v": ""})), (None, json!({"v": [BLANK]})));
        assert_eq!(run(&f, json!({"v": " \t\n\u{a0}\u{1c}"})), (None, json!({"v": [BLANK]})));
        assert_eq!(run(&f, json!({"v": "  alice \u{3000}"})).0, some("alice"));
        assert_eq!(run(&f.clone().allow_blank(), json!({"v": "   "})), (some(""), json!({})));
        let untrimmed = CharField::new("v").trim_whitespace(false);
        assert_eq!(run(&untrimmed, json!({"v": " p "})).0, some(" p "));
        assert_eq!(run(&untrimmed, json!({"v": "   "})).0, some("   "));
        assert_eq!(run(&untrimmed, json!({"v": ""})), (None, json!({"v": [BLANK]})));
        // Blank comes first and stops the other checks.
        assert_eq!(run(&f.clone().min_length(8), json!({"v": ""})), (None, json!({"v": [BLANK]})));
        // An allowed blank skips the validators, as in DRF.
        assert_eq!(run(&f.clone().allow_blank().min_length(8), json!({"v": ""})), (some(""), json!({})));
    }

    #[test]
    fn lengths_count_characters_after_trimming() {
        let f = CharField::new("name").max_length(5).min_length(2);
        assert_eq!(run(&f, json!({"name": "ééééé"})).0, some("ééééé"));
        assert_eq!(run(&f, json!({"name": "  abcde  "})).0, some("abcde"));
        assert_eq!(
            run(&f, json!({"name": "abcdef"})),
            (None, json!({"name": ["Ensure this field has no more than 5 characters."]}))
        );
        assert_eq!(
            run(&f, json!({"name": "a"})),
            (None, json!({"name": ["Ensure this field has at least 2 characters."]}))
        );
        assert_eq!(
            run(&CharField::new("password").min_length(8), json!({"password": "short"})),
            (None, json!({"password": ["Ensure this field has at least 8 characters."]}))
        );
        assert_eq!(run(&CharField::new("password").min_length(8), json!({"password": "12345678"})).0, some("12345678"));
    }

    // Expected lists are DRF 3.18.3's, from the same inputs.
    #[test]
    fn every_validator_failure_is_listed() {
        let f = CharField::new("name").max_length(5).min_length(2);
        assert_eq!(
            run(&f, json!({"name": "abcdefg\u{0}"})),
            (None, json!({"name": ["Ensure this field has no more than 5 characters.", NULL_CHARACTERS]}))
        );
        let parked = char::from_u32(0x10_F800).map(String::from).unwrap_or_default();
        assert_eq!(
            run(&f, json!({ "name": format!("{parked} ") })),
            (
                None,
                json!({"name": ["Ensure this field has at least 2 characters.", "Surrogate characters are not allowed: U+D800."]})
            )
        );
        assert_eq!(run(&CharField::new("u"), json!({"u": " a\u{0}b "})), (None, json!({"u": [NULL_CHARACTERS]})));
    }

    #[test]
    fn caller_validators_come_first() {
        let f = CharField::new("username").max_length(3);
        let mut errors = FieldErrors::new();
        let data = object(json!({"username": " bad name "}));
        let value = f.read_unvalidated(&data, &mut errors);
        assert_eq!(value.as_deref(), Some("bad name"));
        let result = f.validate(value.unwrap_or_default(), vec!["Enter a valid username.".to_owned()], &mut errors);
        assert_eq!(result, None);
        assert_eq!(
            errors.to_value(),
            json!({"username": ["Enter a valid username.", "Ensure this field has no more than 3 characters."]})
        );
    }

    #[test]
    fn errors_follow_read_order() {
        let data = object(json!({"password": "", "username": null}));
        let mut errors = FieldErrors::new();
        CharField::new("username").read(&data, &mut errors);
        CharField::new("email").optional().read(&data, &mut errors);
        CharField::new("password").read(&data, &mut errors);
        let keys: Vec<String> = match errors.to_value() {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        assert_eq!(keys, ["username", "password"]);
    }

    #[test]
    fn email_field() {
        let f = EmailField::new("email").optional().allow_blank();
        assert_eq!(email(&f, json!({})), (None, json!({})));
        assert_eq!(email(&f, json!({"email": ""})), (some(""), json!({})));
        assert_eq!(email(&f, json!({"email": "   "})), (some(""), json!({})));
        assert_eq!(email(&f, json!({"email": " r@example.com "})), (some("r@example.com"), json!({})));
        assert_eq!(email(&f, json!({"email": "a@localhost"})), (some("a@localhost"), json!({})));
        assert_eq!(email(&f, json!({"email": "nope"})), (None, json!({"email": [EMAIL_INVALID]})));
        assert_eq!(email(&f, json!({"email": "a b@localhost"})), (None, json!({"email": [EMAIL_INVALID]})));
        assert_eq!(email(&f, json!({"email": null})), (None, json!({"email": [NULL]})));
        // The email field's `invalid` message replaces "Not a valid string.".
        assert_eq!(email(&f, json!({"email": ["x"]})), (None, json!({"email": [EMAIL_INVALID]})));
        assert_eq!(email(&f, json!({"email": true})), (None, json!({"email": [EMAIL_INVALID]})));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            email(&f, json!({ "email": long })),
            (None, json!({"email": ["Ensure this field has no more than 254 characters."]}))
        );
        let too_long = format!("{}@example.com", "a".repeat(320));
        assert_eq!(
            email(&f, json!({ "email": too_long })),
            (None, json!({"email": ["Ensure this field has no more than 254 characters.", EMAIL_INVALID]}))
        );
        assert_eq!(email(&EmailField::new("email"), json!({})), (None, json!({"email": [REQUIRED]})));
        assert_eq!(email(&EmailField::new("email"), json!({"email": ""})), (None, json!({"email": [BLANK]})));
    }
}
