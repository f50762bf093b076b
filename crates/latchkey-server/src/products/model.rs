//! The products model: exact prices, the fields of a product, and the filters a list takes.

use chrono::NaiveDateTime;
use std::fmt;
use std::ops::Bound;

/// The largest absolute price a `NUMERIC(10,2)` column holds, in cents: 99999999.99.
pub const MAX_PRICE_CENTS: i64 = 9_999_999_999;

/// An exact amount of money: a whole number of cents, within `NUMERIC(10,2)`'s range
/// (±99999999.99). Displays as Django's two-place string, `9.99`, `-0.50`, `0.00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(pub(super) i64);

/// Why a text or a number of cents is not a [`Price`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceError {
    /// Not a plain decimal number (`9.99`, `-3`, `0.5`).
    Invalid,
    /// More than two decimal places.
    TooPrecise,
    /// Beyond ±99999999.99.
    OutOfRange,
}

impl fmt::Display for PriceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PriceError::Invalid => "not a decimal number",
            PriceError::TooPrecise => "more than 2 decimal places",
            PriceError::OutOfRange => "beyond ±99999999.99",
        })
    }
}

impl std::error::Error for PriceError {}

impl Price {
    pub const ZERO: Price = Price(0);

    /// The price of `cents` cents; `OutOfRange` beyond ±[`MAX_PRICE_CENTS`].
    pub fn from_cents(cents: i64) -> Result<Price, PriceError> {
        if (-MAX_PRICE_CENTS..=MAX_PRICE_CENTS).contains(&cents) {
            Ok(Price(cents))
        } else {
            Err(PriceError::OutOfRange)
        }
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses a plain decimal: an optional sign, digits, optionally a point and at most two
    /// more digits (`9.99`, `-3`, `+0.5`, `5.`, `.5`). No exponent, no whitespace, no float on
    /// the way. For API input with DRF's full rules, the server has its own parser.
    pub fn parse(text: &str) -> Result<Price, PriceError> {
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
            return Err(PriceError::Invalid);
        }
        if fraction.len() > 2 {
            return Err(PriceError::TooPrecise);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 8 {
            return Err(PriceError::OutOfRange);
        }
        let mut cents: i64 = 0;
        for digit in whole.bytes().chain(fraction.bytes()).chain(std::iter::repeat_n(b'0', 2 - fraction.len())) {
            cents = cents * 10 + i64::from(digit - b'0');
        }
        Price::from_cents(if negative { -cents } else { cents })
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::str::FromStr for Price {
    type Err = PriceError;

    fn from_str(text: &str) -> Result<Price, PriceError> {
        Price::parse(text)
    }
}

/// A stored product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price: Price,
    /// When it was created, naive UTC, to the microsecond (Django's `auto_now_add`).
    pub created_at: NaiveDateTime,
}

/// What [`Database::create_product`] needs; the id and the creation time are the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: String,
    pub description: String,
    pub price: Price,
}

/// A partial update: each `Some` replaces the stored value, each `None` keeps it. All `None`
/// still writes the row (as Django's `save()` does) and returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Price>,
}

/// Which products [`Products::list`](crate::products::Products::list) returns: all by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFilter {
    /// Case-insensitive substring of the name; `%`, `_` and `\` are literal. An empty string
    /// matches every name.
    pub name: Option<String>,
    /// Lower bound on the price in cents. "Above anything" is `Excluded(i64::MAX)`.
    pub min_cents: Bound<i64>,
    /// Upper bound on the price in cents. "Below anything" is `Excluded(i64::MIN)`.
    pub max_cents: Bound<i64>,
}

impl Default for ProductFilter {
    fn default() -> Self {
        Self { name: None, min_cents: Bound::Unbounded, max_cents: Bound::Unbounded }
    }
}
