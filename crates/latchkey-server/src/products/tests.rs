//! Prices, without a database. The product store itself is tested on both databases in
//! `tests/store/products.rs`, where the test databases come from `latchkey-test-db`.

use super::*;

fn cents(c: i64) -> Price {
    Price::from_cents(c).expect("in range")
}

#[test]
fn prices_parse_exactly() {
    for (text, expected) in [
        ("9.99", 999),
        ("24.50", 2450),
        ("3", 300),
        ("-1.5", -150),
        ("+0.05", 5),
        (".5", 50),
        ("5.", 500),
        ("0", 0),
        ("-0", 0),
        ("00012.5", 1250),
        ("99999999.99", MAX_PRICE_CENTS),
        ("-99999999.99", -MAX_PRICE_CENTS),
    ] {
        assert_eq!(Price::parse(text), Ok(cents(expected)), "{text}");
    }
    for (text, error) in [
        ("", PriceError::Invalid),
        (".", PriceError::Invalid),
        ("-", PriceError::Invalid),
        ("1e2", PriceError::Invalid),
        (" 1", PriceError::Invalid),
        ("1,5", PriceError::Invalid),
        ("NaN", PriceError::Invalid),
        ("1.999", PriceError::TooPrecise),
        ("100000000", PriceError::OutOfRange),
        ("123456789.00", PriceError::OutOfRange),
    ] {
        assert_eq!(Price::parse(text), Err(error), "{text}");
    }
    assert_eq!(Price::from_cents(MAX_PRICE_CENTS + 1), Err(PriceError::OutOfRange));
    assert_eq!(Price::from_cents(i64::MIN), Err(PriceError::OutOfRange));
}

#[test]
fn prices_display_with_two_places() {
    for (c, text) in
        [(999, "9.99"), (0, "0.00"), (5, "0.05"), (-5, "-0.05"), (-100, "-1.00"), (MAX_PRICE_CENTS, "99999999.99")]
    {
        assert_eq!(cents(c).to_string(), text);
    }
}
