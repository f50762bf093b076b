//! A JSON reader that fails exactly like CPython 3.11's `json.loads` (the C scanner) under
//! DRF's strict mode, because DRF puts Python's message in the 400 body:
//! `{"detail":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}`.
//!
//! Positions count characters of the decoded text, as Python does, not bytes. Objects keep
//! their key order; a repeated key keeps its first place and its last value (a Python dict).
//!
//! Values Python holds but `serde_json::Value` cannot are kept as their Python `str()`,
//! which is all that DRF's fields ever look at (`CharField`, `DecimalField` and
//! `IntegerField` all start from `str(data)`):
//! * integers beyond 64 bits become `Value::String` of their digits;
//! * floats that overflow (`1e400`) become `Value::String("inf")` / `"-inf"`;
//! * a `\uXXXX` escape of an unpaired surrogate, which a Rust `String` cannot hold, becomes
//!   a character of plane 16 ([`lone_surrogate`](crate::python_str::lone_surrogate) maps it
//!   back), so that `CharField` can answer DRF's "Surrogate characters are not allowed:
//!   U+D800.".
//!
//! The top-level value's Python type name is reported separately ([`Document::type_name`])
//! so that the first two cases still read as `int` / `float` in "Expected a dictionary".

use crate::python_str::{char_or_parked_surrogate, float_repr};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The deepest nesting DRF parses: Python's recursion limit (1000 frames) less the frames
/// of gunicorn, Django's middleware and the view below the parser. Measured on the oracle:
/// 946 levels parse in `APIView` views (the token views); generic views (register, products)
/// take a frame more (945), and PATCH two (944). One level more is Python's
/// `RecursionError`, which DRF lets escape as a server error.
pub const MAX_DEPTH: usize = 946;

/// Python's `int` refuses to parse more digits than this (`sys.get_int_max_str_digits()`).
const INT_MAX_STR_DIGITS: usize = 4300;

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    /// `type(value).__name__` in Python: dict, list, str, int, float, bool or NoneType.
    pub type_name: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// A `json.JSONDecodeError`: its message and the character index it points at.
    Decode { msg: &'static str, pos: usize, line: usize, column: usize },
    /// A plain `ValueError` raised while decoding (strict constants, over-long integers).
    Value(String),
    /// Python's `RecursionError`, which DRF does not catch (an HTML 500 there).
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Decode { msg, pos, line, column } => {
                write!(f, "{msg}: line {line} column {column} (char {pos})")
            }
            JsonError::Value(msg) => f.write_str(msg),
            JsonError::TooDeep => f.write_str("maximum recursion depth exceeded while decoding a JSON document"),
        }
    }
}

impl std::error::Error for JsonError {}

/// `json.loads(text, parse_constant=strict_constant)`.
pub fn loads(text: &str) -> Result<Document, JsonError> {
    let scanner = Scanner { text, bytes: text.as_bytes() };
    if text.starts_with('\u{feff}') {
        return Err(scanner.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0));
    }
    let start = scanner.skip_whitespace(0);
    let (value, type_name, end) = scanner.document(start)?;
    let end = scanner.skip_whitespace(end);
    if end != scanner.bytes.len() {
        return Err(scanner.error("Extra data", end));
    }
    Ok(Document { value, type_name })
}

/// What `scan_once` found at a position: a finished value, or the start of a container.
enum Scanned {
    Value(Value, &'static str, usize),
    OpenArray(usize),
    OpenObject(usize),
}

/// A container being filled; objects remember the key whose value is being read.
enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
}

impl Scanner<'_> {
    /// A `JSONDecodeError` at byte offset `at`, reported in characters as Python counts them.
    fn error(&self, msg: &'static str, at: usize) -> JsonError {
        let before = &self.bytes[..at];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let chars = |from: usize| self.text.get(from..at).map_or(0, |s| s.chars().count());
        JsonError::Decode {
            msg,
            pos: chars(0),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column: chars(line_start) + 1,
        }
    }

    fn skip_whitespace(&self, mut at: usize) -> usize {
        while matches!(self.bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        at
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// The whole value starting at `at`, with containers read iteratively so that deep
    /// nesting is bounded by [`MAX_DEPTH`] rather than by the thread's stack.
    fn document(&self, at: usize) -> Result<(Value, &'static str, usize), JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut at = at;
        loop {
            let (mut value, mut end) = match self.scan_once(at)? {
                Scanned::Value(value, type_name, end) => {
                    if stack.is_empty() {
                        return Ok((value, type_name, end));
                    }
                    (value, end)
                }
                Scanned::OpenArray(after) => {
                    if stack.len() + 1 > MAX_DEPTH {
                        return Err(JsonError::TooDeep);
                    }
                    let next = self.skip_whitespace(after);
                    if self.byte(next) == Some(b']') {
                        (Value::Array(Vec::new()), next + 1)
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        at = next;
                        continue;
                    }
                }
                Scanned::OpenObject(after) => {
                    if stack.len() + 1 > MAX_DEPTH {
                        return Err(JsonError::TooDeep);
                    }
                    let next = self.skip_whitespace(after);
                    if self.byte(next) == Some(b'}') {
                        (Value::Object(Map::new()), next + 1)
                    } else {
                        let (key, value_at) = self.object_key(next)?;
                        stack.push(Frame::Object(Map::new(), key));
                        at = value_at;
                        continue;
                    }
                }
            };
            // A value is complete: hand it to its container, closing containers as they end.
            loop {
                let Some(frame) = stack.pop() else {
                    let type_name = if value.is_array() { "list" } else { "dict" };
                    return Ok((value, type_name, end));
                };
                let next = self.skip_whitespace(end);
                let (frame, closer) = match frame {
                    Frame::Array(mut items) => {
                        items.push(value);
                        (Frame::Array(items), b']')
                    }
                    Frame::Object(mut map, key) => {
                        map.insert(key, value);
                        (Frame::Object(map, String::new()), b'}')
                    }
                };
                if self.byte(next) == Some(closer) {
                    value = match frame {
                        Frame::Array(items) => Value::Array(items),
                        Frame::Object(map, _) => Value::Object(map),
                    };
                    end = next + 1;
                    continue;
                }
                if self.byte(next) != Some(b',') {
                    return Err(self.error("Expecting ',' delimiter", next));
                }
                let after_comma = self.skip_whitespace(next + 1);
                at = match frame {
                    Frame::Array(items) => {
                        stack.push(Frame::Array(items));
                        after_comma
                    }
                    Frame::Object(map, _) => {
                        let (key, value_at) = self.object_key(after_comma)?;
                        stack.push(Frame::Object(map, key));
                        value_at
                    }
                };
                break;
            }
        }
    }

    /// `"key"`, optional whitespace, `:`, optional whitespace; returns where the value starts.
    fn object_key(&self, at: usize) -> Result<(String, usize), JsonError> {
        if self.byte(at) != Some(b'"') {
            return Err(self.error("Expecting property name enclosed in double quotes", at));
        }
        let (key, end) = self.string(at + 1)?;
        let colon = self.skip_whitespace(end);
        if self.byte(colon) != Some(b':') {
            return Err(self.error("Expecting ':' delimiter", colon));
        }
        Ok((key, self.skip_whitespace(colon + 1)))
    }

    /// `scan_once`: a value at `at`, or "Expecting value" there.
    fn scan_once(&self, at: usize) -> Result<Scanned, JsonError> {
        let rest = &self.bytes[at.min(self.bytes.len())..];
        let scalar = |value: Value, type_name: &'static str, len: usize| Ok(Scanned::Value(value, type_name, at + len));
        match rest.first() {
            None => Err(self.error("Expecting value", at)),
            Some(b'"') => {
                let (s, end) = self.string(at + 1)?;
                Ok(Scanned::Value(Value::String(s), "str", end))
            }
            Some(b'{') => Ok(Scanned::OpenObject(at + 1)),
            Some(b'[') => Ok(Scanned::OpenArray(at + 1)),
            _ if rest.starts_with(b"null") => scalar(Value::Null, "NoneType", 4),
            _ if rest.starts_with(b"true") => scalar(Value::Bool(true), "bool", 4),
            _ if rest.starts_with(b"false") => scalar(Value::Bool(false), "bool", 5),
            // DRF's `strict_constant`: `ValueError('... ' + repr(o))`.
            _ if rest.starts_with(b"NaN") => Err(out_of_range("NaN")),
            _ if rest.starts_with(b"Infinity") => Err(out_of_range("Infinity")),
            _ if rest.starts_with(b"-Infinity") => Err(out_of_range("-Infinity")),
            _ => self.number(at),
        }
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, where a
    /// fraction or exponent without digits is simply not part of the number.
    fn number(&self, start: usize) -> Result<Scanned, JsonError> {
        let digit = |at: usize| self.byte(at).is_some_and(|b| b.is_ascii_digit());
        let digits_from = |mut at: usize| {
            while digit(at) {
                at += 1;
            }
            at
        };
        let mut at = start;
        if self.byte(at) == Some(b'-') {
            at += 1;
        }
        match self.byte(at) {
            Some(b'1'..=b'9') => at = digits_from(at + 1),
            Some(b'0') => at += 1,
            _ => return Err(self.error("Expecting value", start)),
        }
        let mut is_float = false;
        if self.byte(at) == Some(b'.') && digit(at + 1) {
            is_float = true;
            at = digits_from(at + 2);
        }
        if matches!(self.byte(at), Some(b'e' | b'E')) {
            let mut exp = at + 1;
            if matches!(self.byte(exp), Some(b'-' | b'+')) {
                exp += 1;
            }
            if digit(exp) {
                is_float = true;
                at = digits_from(exp);
            }
        }
        let literal = &self.text[start..at];
        let value = if is_float { float_value(literal) } else { int_value(literal)? };
        Ok(Scanned::Value(value, if is_float { "float" } else { "int" }, at))
    }

    /// `scanstring` (strict): the string whose opening quote is just before `start`;
    /// returns it and the index after the closing quote.
    fn string(&self, start: usize) -> Result<(String, usize), JsonError> {
        let begin = start - 1;
        let len = self.bytes.len();
        let mut out = String::new();
        let mut end = start;
        loop {
            let mut next = end;
            while next < len && !matches!(self.bytes[next], b'"' | b'\\') {
                if self.bytes[next] <= 0x1f {
                    return Err(self.error("Invalid control character at", next));
                }
                next += 1;
            }
            if next == len {
                return Err(self.error("Unterminated string starting at", begin));
            }
            out.push_str(&self.text[end..next]);
            if self.bytes[next] == b'"' {
                return Ok((out, next + 1));
            }
            // A backslash.
            next += 1;
            let Some(escape) = self.byte(next) else {
                return Err(self.error("Unterminated string starting at", begin));
            };
            if escape != b'u' {
                end = next + 1;
                out.push(match escape {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    _ => return Err(self.error("Invalid \\escape", end - 2)),
                });
                continue;
            }
            // `\uXXXX`: Python wants at least one character after the four digits.
            let digits_at = next + 1;
            end = digits_at + 4;
            if end >= len {
                return Err(self.error("Invalid \\uXXXX escape", next));
            }
            let Some(mut code) = self.hex4(digits_at) else {
                return Err(self.error("Invalid \\uXXXX escape", next));
            };
            if (0xD800..=0xDBFF).contains(&code)
                && end + 6 < len
                && self.bytes[end] == b'\\'
                && self.bytes[end + 1] == b'u'
            {
                let Some(low) = self.hex4(end + 2) else {
                    return Err(self.error("Invalid \\uXXXX escape", end + 1));
                };
                if (0xDC00..=0xDFFF).contains(&low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    end += 6;
                }
            }
            out.push(char_or_parked_surrogate(code));
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }
}

fn out_of_range(literal: &str) -> JsonError {
    JsonError::Value(format!("Out of range float values are not JSON compliant: '{literal}'"))
}

fn int_value(literal: &str) -> Result<Value, JsonError> {
    if let Ok(n) = literal.parse::<i64>() {
        return Ok(Value::Number(n.into()));
    }
    if let Ok(n) = literal.parse::<u64>() {
        return Ok(Value::Number(n.into()));
    }
    let digits = literal.trim_start_matches('-').len();
    if digits > INT_MAX_STR_DIGITS {
        return Err(JsonError::Value(format!(
            "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string conversion: value has {digits} digits; \
             use sys.set_int_max_str_digits() to increase the limit"
        )));
    }
    // Python's str() of a big int is its digits as written (JSON forbids leading zeros).
    Ok(Value::String(literal.to_owned()))
}

fn float_value(literal: &str) -> Value {
    // Rust's parse rounds correctly like Python's float(); overflow gives ±inf as there.
    let x: f64 = literal.parse().unwrap_or(f64::NAN);
    Number::from_f64(x).map_or_else(|| Value::String(float_repr(x)), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python_str::lone_surrogate;
    use serde_json::json;

    fn err(text: &str) -> String {
        match loads(text) {
            Ok(doc) => panic!("{text:?} parsed as {:?}", doc.value),
            Err(e) => e.to_string(),
        }
    }

    fn ok(text: &str) -> Value {
        match loads(text) {
            Ok(doc) => doc.value,
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn contract_messages() {
        assert_eq!(err(r#"{"username": "#), "Expecting value: line 1 column 14 (char 13)");
        assert_eq!(err("nope"), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(
            err("{'username': 'alice'}"),
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        );
        assert_eq!(err("[1,2"), "Expecting ',' delimiter: line 1 column 5 (char 4)");
        assert_eq!(err(r#"{"username": "alice", "password": "x"} trailing"#), "Extra data: line 1 column 40 (char 39)");
        assert_eq!(err(r#"{"price": NaN}"#), "Out of range float values are not JSON compliant: 'NaN'");
        assert_eq!(err("{"), "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)");
        assert_eq!(
            err(r#"{"username": "alice","#),
            "Expecting property name enclosed in double quotes: line 1 column 22 (char 21)"
        );
    }

    // Expected texts below were produced by CPython 3.11.7's json.loads.
    #[test]
    fn cpython_messages() {
        let cases: &[(&str, &str)] = &[
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("   ", "Expecting value: line 1 column 4 (char 3)"),
            ("\n\n  x", "Expecting value: line 3 column 3 (char 4)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            (r#"{"a":1,}"#, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
            (r#"{"a" 1}"#, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            (r#"{"a":1 "b":2}"#, "Expecting ',' delimiter: line 1 column 8 (char 7)"),
            (r#""abc"#, "Unterminated string starting at: line 1 column 1 (char 0)"),
            (r#"["abc\"#, "Unterminated string starting at: line 1 column 2 (char 1)"),
            ("\"a\tb\"", "Invalid control character at: line 1 column 3 (char 2)"),
            (r#""\x""#, "Invalid \\escape: line 1 column 2 (char 1)"),
            (r#""\u12""#, "Invalid \\uXXXX escape: line 1 column 3 (char 2)"),
            (r#""\u12zz""#, "Invalid \\uXXXX escape: line 1 column 3 (char 2)"),
            (r#""\u1234"#, "Invalid \\uXXXX escape: line 1 column 3 (char 2)"),
            (r#""\ud800\u12zz""#, "Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
            ("Infinity", "Out of range float values are not JSON compliant: 'Infinity'"),
            ("[-Infinity]", "Out of range float values are not JSON compliant: '-Infinity'"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("-x", "Expecting value: line 1 column 1 (char 0)"),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            ("1e", "Extra data: line 1 column 2 (char 1)"),
            ("1e+", "Extra data: line 1 column 2 (char 1)"),
            ("[.5]", "Expecting value: line 1 column 2 (char 1)"),
            ("nul", "Expecting value: line 1 column 1 (char 0)"),
            ("\u{feff}{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
            ("{\"é\": é}", "Expecting value: line 1 column 7 (char 6)"),
            ("[\"é\"\n, x]", "Expecting value: line 2 column 3 (char 7)"),
            ("{} {}", "Extra data: line 1 column 4 (char 3)"),
            ("\u{a0}{}", "Expecting value: line 1 column 1 (char 0)"),
        ];
        for (text, message) in cases {
            assert_eq!(&err(text), message, "{text:?}");
        }
    }

    #[test]
    fn values_and_type_names() {
        let doc = |t: &str| loads(t).map(|d| d.type_name).unwrap_or("error");
        assert_eq!(doc("{}"), "dict");
        assert_eq!(doc("[]"), "list");
        assert_eq!(doc(r#""s""#), "str");
        assert_eq!(doc("42"), "int");
        assert_eq!(doc("123456789012345678901234567890"), "int");
        assert_eq!(doc("1.5"), "float");
        assert_eq!(doc("1e400"), "float");
        assert_eq!(doc("true"), "bool");
        assert_eq!(doc("null"), "NoneType");
        assert_eq!(
            ok(r#" {"a": [1, -0, 2.5, 1E2, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#),
            json!({"a": [1, 0, 2.5, 100.0, true, false, null, "x\né😀"], "b": {}})
        );
        assert_eq!(ok("123456789012345678901234567890"), json!("123456789012345678901234567890"));
        assert_eq!(ok("18446744073709551615"), json!(18_446_744_073_709_551_615_u64));
        assert_eq!(ok("[1e400, -1e400]"), json!(["inf", "-inf"]));
    }

    #[test]
    fn duplicate_keys_keep_first_place_and_last_value() {
        let value = ok(r#"{"a": 1, "b": 2, "a": 3}"#);
        let keys: Vec<&String> = value.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(value["a"], json!(3));
    }

    #[test]
    fn surrogates() {
        let value = ok(r#"["\ud800", "\udc00x", "\ud800\u0041", "\ud83d\ude00"]"#);
        let strings: Vec<&str> =
            value.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let first: Vec<Option<u32>> = strings.iter().map(|s| s.chars().next().and_then(lone_surrogate)).collect();
        assert_eq!(first, [Some(0xD800), Some(0xDC00), Some(0xD800), None]);
        assert_eq!(strings[2].chars().nth(1), Some('A'));
        assert_eq!(strings[3], "😀");
    }

    #[test]
    fn integers_over_python_limit() {
        let long = "1".repeat(4301);
        assert_eq!(
            err(&format!("[-{long}]")),
            "Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; \
             use sys.set_int_max_str_digits() to increase the limit"
        );
        assert!(loads(&"1".repeat(4300)).is_ok());
        // Floats have no such limit.
        assert!(loads(&format!("{long}.5")).is_ok());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(loads(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(loads(&deep(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        let objects = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert_eq!(loads(&objects), Err(JsonError::TooDeep));
    }
}
