//! `application/x-www-form-urlencoded` bodies (and query strings) as Django's `QueryDict`
//! reads them.
//!
//! The percent decoding itself is `percent-encoding`'s, which is `urllib.parse`'s
//! `unquote_to_bytes` exactly: `%` and two ASCII hex digits make a byte, any other `%` stays.
//! What is Django's and kept here is the order around it: the whole body decoded first (with
//! the Latin-1 fallback), `+` replaced, and only runs of ASCII characters percent-decoded,
//! with the charset and U+FFFD for what does not decode.

use crate::charset::{Charset, latin1};
use percent_encoding::percent_decode;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// `QueryDict(body, encoding=charset)`, seen through DRF: each field's last value, fields in
/// the order of their first appearance. A body that does not decode with its charset is
/// read as Latin-1 (Django's fallback for "misbehaving user agents"); pairs are split on
/// `&` only, a pair without `=` has an empty value, and empty pairs are skipped. A query
/// string is `request.GET`: `parse_urlencoded(query.as_bytes(), Charset::Utf8)`.
pub fn parse_urlencoded(body: &[u8], charset: Charset) -> Map<String, Value> {
    let text = charset.decode_strict(body).unwrap_or_else(|| latin1(body));
    let mut fields = Map::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = unquote(&name.replace('+', " "), charset);
        let value = unquote(&value.replace('+', " "), charset);
        fields.insert(name, Value::String(value));
    }
    fields
}

/// `urllib.parse.unquote(s, encoding=charset, errors="replace")`: each run of ASCII
/// characters is percent-decoded to bytes and decoded with the charset; other characters
/// are kept as they are.
pub(crate) fn unquote(s: &str, charset: Charset) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_len = rest.bytes().take_while(u8::is_ascii).count();
        let (ascii, tail) = rest.split_at(ascii_len);
        let bytes: Cow<'_, [u8]> = percent_decode(ascii.as_bytes()).into();
        out.push_str(&charset.decode_lossy(&bytes));
        let other_len = tail.char_indices().find(|(_, c)| c.is_ascii()).map_or(tail.len(), |(i, _)| i);
        out.push_str(&tail[..other_len]);
        rest = &tail[other_len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: &[u8]) -> Value {
        Value::Object(parse_urlencoded(body, Charset::Utf8))
    }

    // Expected values are Django 5.2.19's QueryDict, last value of each key.
    #[test]
    fn like_querydict() {
        assert_eq!(parse(b"a=1&a=2&b=%C3%A9+x&c"), json!({"a": "2", "b": "é x", "c": ""}));
        assert_eq!(parse(b"&&x=1&&;y=2"), json!({"x": "1", ";y": "2"}));
        assert_eq!(parse(b"k=a%2Bb%zz%4"), json!({"k": "a+b%zz%4"}));
        assert_eq!(parse(b"k=%E2%82&j=%ff"), json!({"k": "\u{fffd}", "j": "\u{fffd}"}));
        assert_eq!(
            parse(b"k=%%41&j=%4g%41&l=%&m=%%&n=%e9%A9"),
            json!({"k": "%A", "j": "%4gA", "l": "%", "m": "%%", "n": "\u{fffd}"})
        );
        assert_eq!(parse(b"k=%C3%A9%"), json!({"k": "é%"}));
        assert_eq!(parse(b"=v&k=="), json!({"": "v", "k": "="}));
        assert_eq!(
            parse(b"username=alice&password=p%40ss+word"),
            json!({"username": "alice", "password": "p@ss word"})
        );
        let keys: Vec<String> = parse_urlencoded(b"b=1&a=2&b=3", Charset::Utf8).keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn undecodable_bodies_fall_back_to_latin1() {
        // The raw 0xff makes the body invalid UTF-8, so é arrives as two Latin-1 characters.
        assert_eq!(parse(b"a=caf\xc3\xa9&b=\xff"), json!({"a": "caf\u{c3}\u{a9}", "b": "\u{ff}"}));
        assert_eq!(parse(b"a=\xc3\xa9"), json!({"a": "é"}));
        assert_eq!(Value::Object(parse_urlencoded(b"a=%E9", Charset::Latin1)), json!({"a": "é"}));
    }

    #[test]
    fn unquote_keeps_non_ascii_runs() {
        assert_eq!(unquote("%C3é%A9", Charset::Utf8), "\u{fffd}é\u{fffd}");
        assert_eq!(unquote("%C3%A9", Charset::Latin1), "Ã©");
    }
}
