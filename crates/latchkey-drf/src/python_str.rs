//! Python's `str` as DRF's code path sees it: `str.isspace()` and `str.strip()` (which
//! Django and DRF apply to fields, header parameters and decimals), `str()` of the scalars a
//! JSON body can carry (DRF's fields start from `str(data)`: `CharField` turns `10.0` into
//! `"10.0"` and `1e16` into `"1e+16"`), and the unpaired surrogates a Python `str` can hold
//! and a Rust `String` cannot.

use serde_json::{Number, Value};

/// `str.isspace()` for one character (CPython 3.11, Unicode 14.0): Unicode's White_Space
/// plus the four ASCII separators U+001C..U+001F, which Python counts as well. Spelled out
/// rather than built on `char::is_whitespace` so that it does not follow Rust's Unicode
/// version.
pub fn isspace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `str.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(isspace)
}

/// `bytes.isspace()` for one byte, the set `bytes.split()` and `bytes.strip()` use: ASCII's
/// space, `\t`, `\n`, `\r`, and also `\x0b` and `\x0c` (`u8::is_ascii_whitespace` lacks
/// `\x0b`).
pub(crate) fn bytes_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// `bytes.strip()`.
pub(crate) fn bytes_strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| !bytes_isspace(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| !bytes_isspace(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Where unpaired surrogates are parked: U+D800..=U+DFFF maps to U+10F800..=U+10FFFF, the
/// end of plane 16 (private use), which no client of this API sends.
const SURROGATE_PARKING: u32 = 0x10_F800 - 0xD800;

/// The code point of the unpaired surrogate a character stands for, if it is one: the JSON
/// reader parks a `\uD800` escape that has no partner as U+10F800, so that DRF's
/// "Surrogate characters are not allowed: U+D800." and Python's `repr` can still be given.
pub fn lone_surrogate(c: char) -> Option<u32> {
    let code = u32::from(c);
    (0x10_F800..=0x10_FFFF).contains(&code).then(|| code - SURROGATE_PARKING)
}

/// The character for a UTF-16 code unit or code point, parking an unpaired surrogate.
pub(crate) fn char_or_parked_surrogate(code: u32) -> char {
    char::from_u32(code).or_else(|| char::from_u32(code + SURROGATE_PARKING)).unwrap_or('\u{fffd}')
}

/// `str(x)` for a number as Python's `json` module would have built it.
pub fn number_str(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        n.as_f64().map_or_else(|| n.to_string(), float_repr)
    }
}

/// `str(value)` for the JSON types DRF's `CharField` accepts (str, int, float); `None` for
/// the others (bool, null, list, dict).
pub(crate) fn scalar_str(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_str(n)),
        _ => None,
    }
}

/// `repr(float)`: the shortest digits that round-trip, in fixed notation when the decimal
/// exponent is in [-4, 16) and in scientific notation (`1e+16`, `1.5e-05`) otherwise.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` finds how many digits the shortest round-trip needs ("1.2345e-7",
    // "1e16"), but breaks an exact tie upwards where Python rounds half to even; formatting
    // to that many digits, which rounds exactly and half to even, gives Python's digits.
    let shortest = format!("{:e}", x.abs());
    let significant = shortest.split_once('e').map_or(1, |(m, _)| m.chars().filter(char::is_ascii_digit).count());
    let scientific = format!("{:.*e}", significant.saturating_sub(1), x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Where the decimal point falls, counted from the first digit.
    let point = exponent + 1;
    if (-3..=16).contains(&point) {
        let fixed = match usize::try_from(point) {
            Ok(0) | Err(_) => format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize)),
            Ok(p) if p >= digits.len() => format!("{digits}{}.0", "0".repeat(p - digits.len())),
            Ok(p) => format!("{}.{}", &digits[..p], &digits[p..]),
        };
        return format!("{sign}{fixed}");
    }
    let (first, rest) = digits.split_at(1);
    let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    let exp_sign = if exponent < 0 { '-' } else { '+' };
    format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Expected values are CPython 3.11's repr().
    #[test]
    fn floats_print_like_python() {
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (10.0, "10.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123_456_789_012_345_680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000_012_5, "1.25e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9_007_199_254_740_993.0, "9007199254740992.0"),
            (123.456, "123.456"),
            // Exactly -184467440737095.625, between two 17-digit candidates: Python takes
            // the even one.
            (-184_467_440_737_095.62, "-184467440737095.62"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, expected) in cases {
            assert_eq!(float_repr(*x), *expected, "{x:e}");
        }
    }

    #[test]
    fn strip_like_python() {
        assert_eq!(strip("\u{1c} a b\u{a0}\u{3000}\n"), "a b");
        assert_eq!(strip("\u{200b}x"), "\u{200b}x");
    }

    // Expected sets are CPython 3.11's `[c for c in map(chr, range(0x110000)) if c.isspace()]`
    // and `bytes(range(256)).split()`'s separators.
    #[test]
    fn whitespace_like_python() {
        let spaces: Vec<u32> =
            (0..=0x10_FFFF).filter_map(char::from_u32).filter(|&c| isspace(c)).map(u32::from).collect();
        let python = [
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
        ];
        assert_eq!(spaces, python);
        let bytes: Vec<u8> = (0..=255).filter(|&b| bytes_isspace(b)).collect();
        assert_eq!(bytes, b"\t\n\x0b\x0c\r ");
        assert_eq!(bytes_strip(b"\x0b a b\x0c\r\n"), b"a b");
        assert_eq!(bytes_strip(b" \t "), b"");
    }

    #[test]
    fn scalars() {
        assert_eq!(scalar_str(&json!("a")), Some("a".to_owned()));
        assert_eq!(scalar_str(&json!(-7)), Some("-7".to_owned()));
        assert_eq!(scalar_str(&json!(18_446_744_073_709_551_615_u64)), Some("18446744073709551615".to_owned()));
        assert_eq!(scalar_str(&json!(2.0)), Some("2.0".to_owned()));
        assert_eq!(scalar_str(&json!(true)), None);
        assert_eq!(scalar_str(&json!(null)), None);
        assert_eq!(scalar_str(&json!([])), None);
    }
}
