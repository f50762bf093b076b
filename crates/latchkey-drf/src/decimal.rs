//! Exact decimals as Python reads them, for the two places Latchkey takes money from clients:
//! DRF's `DecimalField` (request bodies) and django-filter's `NumberFilter` (query strings).
//! No floating point anywhere: numbers are kept as their digits and a power of ten.
//!
//! * [`PyDecimal::parse`] is CPython 3.11's `decimal.Decimal(str)`: surrounding whitespace
//!   (Python's definition) ignored, `_` ignored anywhere, any Unicode decimal digit read as its
//!   ASCII digit, `1e2`, `.5`, `5.`, `-0` accepted, exponents limited as libmpdec limits them.
//!   `NaN`, `sNaN` and `Infinity` parse in Python but every caller here rejects them with the
//!   same message as garbage, so they are `None` too.
//! * [`DecimalField`] is DRF 3.18's `DecimalField.to_internal_value`: the 1000-character
//!   guard, the parse, `validate_precision` (total digits, then decimal places, then whole
//!   digits, from the `Decimal`'s digit tuple and exponent) and the quantization. The result
//!   keeps the sign of zero, so `"-0"` is shown as `"-0.00"` as DRF shows it.
//! * [`number_filter`] is django-filter's `NumberFilter` form field (`forms.DecimalField` plus
//!   `MaxValueValidator(1e50)`), and [`PyDecimal::min_cents`] / [`PyDecimal::max_cents`] turn
//!   its value into exact bounds on a price in cents.

use crate::python_str::{isspace, strip};
use std::cmp::Ordering;
use std::ops::Bound;

/// The largest exponent libmpdec accepts for the most significant digit (`MAX_EMAX`).
const MAX_ADJUSTED_EXPONENT: i128 = 999_999_999_999_999_999;
/// The smallest exponent libmpdec accepts for the least significant digit (`MIN_ETINY`).
const MIN_EXPONENT: i128 = -1_999_999_999_999_999_997;
/// Far beyond both limits: exponents written with more digits saturate here.
const EXPONENT_CAP: i128 = 10_i128.pow(30);

/// A finite decimal exactly as Python's `Decimal` holds it: sign, coefficient digits (ASCII,
/// no leading zeros, `"0"` for zero) and exponent, so `1.50` is (+, "150", -2) and `1e2` is
/// (+, "1", 2). Trailing zeros are kept: they count for DRF's digit checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyDecimal {
    negative: bool,
    digits: String,
    exponent: i128,
}

impl PyDecimal {
    /// `decimal.Decimal(text)` for a finite result; `None` where Python raises
    /// `InvalidOperation` or returns a NaN or an infinity.
    pub fn parse(text: &str) -> Option<PyDecimal> {
        let ascii = numeric_as_ascii(text)?;
        let bytes = ascii.as_bytes();
        let (negative, rest) = match bytes.first() {
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let (mantissa, exponent_text) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, &mantissa[..0]),
        };
        if whole.len() + fraction.len() == 0 || !whole.iter().chain(fraction).all(u8::is_ascii_digit) {
            // Also NaN, sNaN, Inf and Infinity, which are letters.
            return None;
        }
        let written_exponent = match exponent_text {
            None => 0,
            Some(text) => parse_exponent(text)?,
        };
        let coefficient: String = whole.iter().chain(fraction).map(|&b| char::from(b)).collect();
        let significant = coefficient.trim_start_matches('0');
        let digits = if significant.is_empty() { "0".to_owned() } else { significant.to_owned() };
        let exponent = written_exponent - fraction.len() as i128;
        // libmpdec refuses what its context cannot hold, even when converting exactly.
        let adjusted = exponent + digits.len() as i128 - 1;
        if exponent < MIN_EXPONENT || adjusted > MAX_ADJUSTED_EXPONENT {
            return None;
        }
        Some(PyDecimal { negative, digits, exponent })
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn is_zero(&self) -> bool {
        self.digits == "0"
    }

    /// `⌈100·x⌉` as a lower bound on cents: `cents ≥ x·100 ⇔ cents ≥ ⌈100·x⌉`. Beyond `i64`
    /// the bound saturates: above every `i64` it excludes everything, below it is no bound.
    pub fn min_cents(&self) -> Bound<i64> {
        match self.scaled_cents(Rounding::Ceiling) {
            Ok(cents) => Bound::Included(cents),
            Err(Ordering::Greater) => Bound::Excluded(i64::MAX),
            Err(_) => Bound::Unbounded,
        }
    }

    /// `⌊100·x⌋` as an upper bound on cents: `cents ≤ x·100 ⇔ cents ≤ ⌊100·x⌋`. Saturates
    /// like [`PyDecimal::min_cents`].
    pub fn max_cents(&self) -> Bound<i64> {
        match self.scaled_cents(Rounding::Floor) {
            Ok(cents) => Bound::Included(cents),
            Err(Ordering::Less) => Bound::Excluded(i64::MIN),
            Err(_) => Bound::Unbounded,
        }
    }

    /// `100·x` rounded as asked, or on which side of the `i64` range it lies.
    fn scaled_cents(&self, rounding: Rounding) -> Result<i64, Ordering> {
        if self.is_zero() {
            return Ok(0);
        }
        let shift = self.exponent + 2;
        let outside = if self.negative { Ordering::Less } else { Ordering::Greater };
        let (magnitude, inexact) = if shift >= 0 {
            // 19 digits or fewer fit a u128 with room for the shift; 20 are beyond i64.
            if self.digits.len() as i128 + shift > 19 {
                return Err(outside);
            }
            (digits_value(&self.digits) * 10_u128.pow(shift as u32), false)
        } else {
            let dropped = -shift;
            if dropped >= self.digits.len() as i128 {
                (0, true)
            } else {
                let keep = self.digits.len() - dropped as usize;
                if keep > 19 {
                    return Err(outside);
                }
                let inexact = self.digits[keep..].bytes().any(|b| b != b'0');
                (digits_value(&self.digits[..keep]), inexact)
            }
        };
        // Truncation rounds toward zero; step away from zero where the rounding says so.
        let away = inexact
            && match rounding {
                Rounding::Ceiling => !self.negative,
                Rounding::Floor => self.negative,
            };
        let magnitude = magnitude + u128::from(away);
        let signed = if self.negative { -(magnitude as i128) } else { magnitude as i128 };
        i64::try_from(signed).map_err(|_| outside)
    }

    /// `self > 1e50` where `1e50` is the float, compared exactly as Python compares a
    /// `Decimal` with a `float`.
    fn exceeds_float_1e50(&self) -> bool {
        // The exact value of the double nearest 1e50, without its trailing zero.
        const FLOAT_1E50: &str = "10000000000000000762976984109188700329496497094656";
        const FLOAT_1E50_DIGITS: i128 = 51;
        if self.negative || self.is_zero() {
            return false;
        }
        let integer_digits = self.digits.len() as i128 + self.exponent;
        match integer_digits.cmp(&FLOAT_1E50_DIGITS) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => {
                let ours = self.digits.trim_end_matches('0').as_bytes();
                let theirs = FLOAT_1E50.as_bytes();
                let digit = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(b'0');
                (0..ours.len().max(theirs.len())).map(|i| digit(ours, i).cmp(&digit(theirs, i))).find(|o| o.is_ne())
                    == Some(Ordering::Greater)
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Rounding {
    Ceiling,
    Floor,
}

/// At most 38 ASCII digits as a number.
fn digits_value(digits: &str) -> u128 {
    digits.bytes().fold(0, |acc, b| acc * 10 + u128::from(b - b'0'))
}

/// An exponent: optional sign and at least one digit. Values beyond any limit saturate.
fn parse_exponent(text: &[u8]) -> Option<i128> {
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0_i128, |acc, &b| (acc * 10 + i128::from(b - b'0')).min(EXPONENT_CAP));
    Some(if negative { -magnitude } else { magnitude })
}

/// What CPython's `_decimal` does to a `str` before libmpdec parses it (`numeric_as_ascii`):
/// strip whitespace at both ends, drop every `_`, keep ASCII, turn inner whitespace into a
/// space (which then fails) and Unicode decimal digits into ASCII ones; anything else fails.
fn numeric_as_ascii(text: &str) -> Option<String> {
    let text = strip(text);
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '_' => {}
            '\u{1}'..='\u{7f}' => ascii.push(c),
            _ if isspace(c) => ascii.push(' '),
            _ => ascii.push(char::from(b'0' + unicode_decimal(c)?)),
        }
    }
    Some(ascii)
}

/// The first code point (the zero) of each run of ten Unicode decimal digits (category Nd,
/// Unicode 14.0 as in CPython 3.11's `unicodedata.decimal`).
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0,
    0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620,
    0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0,
    0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60,
    0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// `Py_UNICODE_TODECIMAL`: the digit a character stands for, if it is a decimal digit.
fn unicode_decimal(c: char) -> Option<u8> {
    let code = u32::from(c);
    let at = DECIMAL_ZEROS.partition_point(|&zero| zero <= code).checked_sub(1)?;
    let offset = code - DECIMAL_ZEROS[at];
    (offset < 10).then_some(offset as u8)
}

/// Why DRF's `DecimalField` refused a value; `Display` is DRF's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    /// Over [`DecimalField::MAX_STRING_LENGTH`] characters once stripped.
    TooLong,
    Invalid,
    MaxDigits(u32),
    MaxDecimalPlaces(u32),
    MaxWholeDigits(u32),
}

impl std::fmt::Display for DecimalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecimalError::TooLong => f.write_str("String value too large."),
            DecimalError::Invalid => f.write_str("A valid number is required."),
            DecimalError::MaxDigits(n) => write!(f, "Ensure that there are no more than {n} digits in total."),
            DecimalError::MaxDecimalPlaces(n) => write!(f, "Ensure that there are no more than {n} decimal places."),
            DecimalError::MaxWholeDigits(n) => {
                write!(f, "Ensure that there are no more than {n} digits before the decimal point.")
            }
        }
    }
}

/// DRF's `DecimalField(max_digits, decimal_places)` without `max_value`/`min_value`,
/// `localize` or a custom rounding (none of which a `ModelSerializer` sets for a model
/// `DecimalField`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalField {
    pub max_digits: u32,
    pub decimal_places: u32,
}

/// A validated and quantized value: `units` in steps of `10^-decimal_places`, and the sign,
/// kept separately so that a negative zero stays negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantized {
    pub negative: bool,
    pub units: u128,
    pub decimal_places: u32,
}

impl Quantized {
    /// The signed number of units (`-0` is 0). Fits whenever `max_digits` ≤ 38.
    pub fn signed_units(&self) -> i128 {
        let units = self.units as i128;
        if self.negative { -units } else { units }
    }
}

impl std::fmt::Display for Quantized {
    /// `'{:f}'.format(value)`: `9.99`, `-0.00`, `100.00`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        let scale = 10_u128.pow(self.decimal_places);
        if self.decimal_places == 0 {
            write!(f, "{sign}{}", self.units)
        } else {
            let width = self.decimal_places as usize;
            write!(f, "{sign}{}.{:0width$}", self.units / scale, self.units % scale)
        }
    }
}

impl DecimalField {
    /// DRF's guard against huge strings.
    pub const MAX_STRING_LENGTH: usize = 1000;

    /// `to_internal_value(data)` where `text` is `str(data)`, the Python text of the value as
    /// parsed (a JSON float as `repr` shows it, `True` for true, a list as Python prints it).
    pub fn to_internal_value(&self, text: &str) -> Result<Quantized, DecimalError> {
        let text = strip(text);
        if text.chars().count() > Self::MAX_STRING_LENGTH {
            return Err(DecimalError::TooLong);
        }
        let value = PyDecimal::parse(text).ok_or(DecimalError::Invalid)?;
        self.validate_precision(&value)?;
        Ok(self.quantize(&value))
    }

    /// DRF's `validate_precision`, from the digit tuple and the exponent.
    fn validate_precision(&self, value: &PyDecimal) -> Result<(), DecimalError> {
        let length = value.digits.len() as i128;
        let (total_digits, whole_digits, decimal_places) = if value.exponent >= 0 {
            let total = length + value.exponent;
            (total, total, 0)
        } else if length > -value.exponent {
            (length, length + value.exponent, -value.exponent)
        } else {
            (-value.exponent, 0, -value.exponent)
        };
        let max_whole_digits = i128::from(self.max_digits) - i128::from(self.decimal_places);
        if total_digits > i128::from(self.max_digits) {
            return Err(DecimalError::MaxDigits(self.max_digits));
        }
        if decimal_places > i128::from(self.decimal_places) {
            return Err(DecimalError::MaxDecimalPlaces(self.decimal_places));
        }
        if whole_digits > max_whole_digits {
            return Err(DecimalError::MaxWholeDigits(max_whole_digits as u32));
        }
        Ok(())
    }

    /// `value.quantize(Decimal('.1') ** decimal_places)`: exact once `validate_precision`
    /// passed (at most `decimal_places` places and `max_digits` digits).
    fn quantize(&self, value: &PyDecimal) -> Quantized {
        let shift = (value.exponent + i128::from(self.decimal_places)).max(0) as u32;
        let units = if value.is_zero() { 0 } else { digits_value(&value.digits) * 10_u128.pow(shift) };
        Quantized { negative: value.negative, units, decimal_places: self.decimal_places }
    }
}

/// django-filter's `NumberFilter` field for a non-empty query value: `Decimal(str(value))`,
/// "Enter a number." for anything not finite, and its `MaxValueValidator(1e50)`.
pub fn number_filter(value: &str) -> Result<PyDecimal, &'static str> {
    let decimal = PyDecimal::parse(value).ok_or("Enter a number.")?;
    if decimal.exceeds_float_1e50() {
        return Err("Ensure this value is less than or equal to 1e+50.");
    }
    Ok(decimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<(bool, String, i128)> {
        PyDecimal::parse(text).map(|d| (d.negative, d.digits, d.exponent))
    }

    #[test]
    fn parses_like_python_decimal() {
        let ok = |text: &str, negative: bool, digits: &str, exponent: i128| {
            assert_eq!(parsed(text), Some((negative, digits.to_owned(), exponent)), "{text:?}");
        };
        ok("9.99", false, "999", -2);
        ok("1.50", false, "150", -2);
        ok("00012.5", false, "125", -1);
        ok("1e2", false, "1", 2);
        ok("1E+2", false, "1", 2);
        ok("1.e5", false, "1", 5);
        ok(".5", false, "5", -1);
        ok("+.5", false, "5", -1);
        ok("5.", false, "5", 0);
        ok("-0", true, "0", 0);
        ok("0.000", false, "0", -3);
        ok("0e5", false, "0", 5);
        ok(" 3.5 ", false, "35", -1);
        ok("\u{a0}1\u{3000}", false, "1", 0);
        ok("\u{1c}1", false, "1", 0);
        ok("1\t", false, "1", 0);
        ok(" _1_ ", false, "1", 0);
        ok("1__0", false, "10", 0);
        ok("1e+0_1", false, "1", 1);
        ok("-_1", true, "1", 0);
        ok("._5", false, "5", -1);
        ok("١٢٣", false, "123", 0);
        ok("１.５", false, "15", -1);
        ok("1\u{10d31}", false, "11", 0);
        ok("١e٢", false, "1", 2);
        ok("1e-00000000000000000000000000001", false, "1", -1);
        ok("1e999999999999999999", false, "1", 999_999_999_999_999_999);
        ok("12e999999999999999998", false, "12", 999_999_999_999_999_998);
        ok("1e-1999999999999999997", false, "1", -1_999_999_999_999_999_997);
        ok("0.01e-1999999999999999995", false, "1", -1_999_999_999_999_999_997);
        ok("0.0e1000000000000000000", false, "0", 999_999_999_999_999_999);
        for bad in [
            "",
            " ",
            "abc",
            ".",
            "-",
            "+",
            "1e",
            "1e+",
            "e5",
            ".e5",
            "1..2",
            "1.2.3",
            "1e2.5",
            "1e+-2",
            "+-1",
            "--1",
            "1,5",
            "1 2",
            "+ 1",
            "_ 1",
            "1 _",
            "_",
            "1\0",
            "\0",
            "0x10",
            "\u{ad}1",
            "1\u{180e}",
            "\u{b2}",
            "NaN",
            "nan12",
            "sNaN",
            "-snan5",
            "Inf",
            "-Infinity",
            "INFINITY",
            "in_f",
            "nan_",
            "1e1000000000000000000",
            "1.5e1000000000000000000",
            "1e-1999999999999999998",
            "0e-1999999999999999998",
            "1e9999999999999999999",
            "1e-9999999999999999999",
            "0.01e-1999999999999999996",
        ] {
            assert_eq!(parsed(bad), None, "{bad:?}");
        }
    }

    const PRICE: DecimalField = DecimalField { max_digits: 10, decimal_places: 2 };

    fn drf(text: &str) -> Result<String, String> {
        PRICE.to_internal_value(text).map(|q| q.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn drf_decimal_field_accepts_and_quantizes() {
        for (input, output) in [
            ("10", "10.00"),
            ("1.5", "1.50"),
            ("9.99", "9.99"),
            ("3", "3.00"),
            (" 3.5 ", "3.50"),
            ("0.1", "0.10"),
            ("00012.5", "12.50"),
            (".5", "0.50"),
            ("5.", "5.00"),
            ("1e2", "100.00"),
            ("-1.00", "-1.00"),
            ("12345678.99", "12345678.99"),
            ("0", "0.00"),
            ("-0", "-0.00"),
            ("-0.00", "-0.00"),
            ("0e5", "0.00"),
            ("1e7", "10000000.00"),
            ("-99999999.99", "-99999999.99"),
            ("0.01", "0.01"),
        ] {
            assert_eq!(drf(input), Ok(output.to_owned()), "{input:?}");
        }
    }

    #[test]
    fn drf_decimal_field_messages() {
        let valid = "A valid number is required.";
        let total = "Ensure that there are no more than 10 digits in total.";
        let places = "Ensure that there are no more than 2 decimal places.";
        let whole = "Ensure that there are no more than 8 digits before the decimal point.";
        for (input, message) in [
            ("abc", valid),
            ("", valid),
            ("NaN", valid),
            ("Infinity", valid),
            ("-inf", valid),
            ("1,5", valid),
            ("True", valid),
            ("[1]", valid),
            ("1.999", places),
            ("0.000", places),
            ("1.500", places),
            ("123456789.00", total),
            ("12345678901", total),
            ("0e10", total),
            ("1e-11", total),
            ("1e-3", places),
            ("1e+20", total),
            ("123456789.9", whole),
            ("100000000", whole),
            ("1e8", whole),
        ] {
            assert_eq!(drf(input), Err(message.to_owned()), "{input:?}");
        }
        assert_eq!(drf(&"1".repeat(1001)), Err("String value too large.".to_owned()));
        assert_eq!(
            drf(&format!("  {}  ", "0".repeat(1000))),
            Ok("0.00".to_owned()),
            "the limit applies after stripping"
        );
    }

    fn bounds(text: &str) -> (Bound<i64>, Bound<i64>) {
        let value = number_filter(text).expect("a number");
        (value.min_cents(), value.max_cents())
    }

    #[test]
    fn filter_bounds_are_exact() {
        use Bound::{Excluded, Included, Unbounded};
        assert_eq!(bounds("5"), (Included(500), Included(500)));
        assert_eq!(bounds("5.01"), (Included(501), Included(501)));
        assert_eq!(bounds("4.999"), (Included(500), Included(499)));
        assert_eq!(bounds("9.9900000000000001"), (Included(1000), Included(999)));
        assert_eq!(bounds("-4.999"), (Included(-499), Included(-500)));
        assert_eq!(bounds("0.001"), (Included(1), Included(0)));
        assert_eq!(bounds("-0.001"), (Included(0), Included(-1)));
        assert_eq!(bounds("-0"), (Included(0), Included(0)));
        assert_eq!(bounds("1e1"), (Included(1000), Included(1000)));
        assert_eq!(bounds("1e-300"), (Included(1), Included(0)));
        assert_eq!(bounds("92233720368547758.07"), (Included(i64::MAX), Included(i64::MAX)));
        assert_eq!(bounds("92233720368547758.08"), (Excluded(i64::MAX), Unbounded));
        assert_eq!(bounds("92233720368547758.071"), (Excluded(i64::MAX), Included(i64::MAX)));
        assert_eq!(bounds("-92233720368547758.08"), (Included(i64::MIN), Included(i64::MIN)));
        assert_eq!(bounds("-92233720368547758.09"), (Unbounded, Excluded(i64::MIN)));
        assert_eq!(bounds("1e40"), (Excluded(i64::MAX), Unbounded));
        assert_eq!(bounds("-1e999"), (Unbounded, Excluded(i64::MIN)));
        assert_eq!(bounds(&format!("0.{}1", "0".repeat(60))), (Included(1), Included(0)));
    }

    #[test]
    fn filter_messages() {
        for bad in ["abc", "NaN", "1,5", "Infinity", " ", "x"] {
            assert_eq!(number_filter(bad), Err("Enter a number."), "{bad:?}");
        }
        let too_big = "Ensure this value is less than or equal to 1e+50.";
        // The float 1e50 is 100000000000000007629769841091887003294964970946560.
        assert!(number_filter("1e50").is_ok());
        assert!(number_filter("100000000000000007629769841091887003294964970946560").is_ok());
        assert!(number_filter("100000000000000007629769841091887003294964970946560.0").is_ok());
        assert_eq!(number_filter("100000000000000007629769841091887003294964970946560.01"), Err(too_big));
        assert_eq!(number_filter("100000000000000007629769841091887003294964970946561"), Err(too_big));
        assert_eq!(number_filter("1.0000000000000001e50"), Err(too_big));
        assert_eq!(number_filter("1e51"), Err(too_big));
        assert!(number_filter("-1e60").is_ok());
    }
}
