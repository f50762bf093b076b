//! DRF's `JSONRenderer`: compact separators, UTF-8 kept as is (`ensure_ascii=False`), except
//! U+2028 and U+2029, which are escaped so that the body is also valid JavaScript.

use serde::Serialize;

/// The bytes DRF's renderer writes for `value`. `serde_json` fails only on values JSON
/// cannot hold (maps with non-string keys), which DRF never renders: those give `{}`.
pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let text = serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"));
    if text.contains(['\u{2028}', '\u{2029}']) {
        text.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029").into_bytes()
    } else {
        text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Expected bytes are DRF 3.18.3's `JSONRenderer().render(data)`.
    #[test]
    fn renders_like_drf() {
        assert_eq!(to_json_bytes(&json!({"a": [1, "b"], "c": null})), br#"{"a":[1,"b"],"c":null}"#);
        assert_eq!(to_json_bytes(&json!({"name": "café"})), "{\"name\":\"café\"}".as_bytes());
        assert_eq!(to_json_bytes(&json!(["\u{2028}\u{2029}"])), br#"["\u2028\u2029"]"#);
        assert_eq!(to_json_bytes(&json!({"k": "\"\\\n\u{1}"})), br#"{"k":"\"\\\n\u0001"}"#);
    }
}
