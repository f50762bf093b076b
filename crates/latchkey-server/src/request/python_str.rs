//! Python's `str()` of the scalars a JSON body can carry, because DRF's fields start from
//! `str(data)`: `CharField` turns `10.0` into `"10.0"` and `1e16` into `"1e+16"`.

use serde_json::{Number, Value};

/// `str.isspace()`: Unicode's White_Space plus the four ASCII separators U+001C..U+001F.
pub fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_whitespace)
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
pub fn scalar_str(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_str(n)),
        _ => None,
    }
}

/// `repr(float)`: the shortest digits that round-trip, in fixed notation when the decimal
/// exponent is in [-4, 16) and in scientific notation (`1e+16`, `1.5e-05`) otherwise.
pub fn float_repr(x: f64) -> String {
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
        assert_eq!(py_strip("\u{1c} a b\u{a0}\u{3000}\n"), "a b");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
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
