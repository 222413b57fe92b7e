//! `readiness_text_shape(c)`: what each text value looks like written down (an integer, a
//! decimal, a yes/no, a date in one of the common formats, a timestamp, a number with
//! thousands separators or a unit), as one [`Shape`] code per value, NULL for NULL. The
//! profile pass counts the codes per column with the bounded value counts
//! ([`super::counts`]), so format consistency costs one cheap function per text value and no
//! extra read.
//!
//! The rule is [`shape`]: the value is trimmed; text longer than 64 bytes is prose
//! ([`Shape::Text`]). Shapes are tried in the order of [`Shape`], first match wins; a date
//! is a real calendar date (chrono validates it), so `31/02/2024` is text.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datafusion::logical_expr::Expr;
use regex::Regex;

pub use crate::metrics::Shape;

/// Longest trimmed value that can be anything but [`Shape::Text`].
const LONGEST: usize = 64;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A plain or grouped number, the part the unit patterns share.
const NUMBER: &str = r"[+-]?(?:\d{1,3}(?:[,.' \x{a0}]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)";

static GROUPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[+-]?\d{1,3}(?:(?:,\d{3})+(?:\.\d+)?|(?:\.\d{3})+(?:,\d+)?|(?:[' \x{a0}]\d{3})+(?:[.,]\d+)?)$")
        .expect("a valid pattern")
});

static WITH_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    let units = r"%|‰|[$€£¥]|(?i:k|m|bn|kg|g|mg|lbs?|t|km|cm|mm|l|ml|h|hrs?|min|s|ms|kb|mb|gb|tb|kwh|eur|usd|gbp|chf|pcs)";
    Regex::new(&format!(
        r"^(?:(?:[$€£¥]|(?i:eur|usd|gbp|chf))\s?{NUMBER}|{NUMBER}\s?(?:{units}))$"
    ))
    .expect("a valid pattern")
});

static DATE_SHAPES: LazyLock<[(Shape, Regex, &'static [&'static str]); 7]> = LazyLock::new(|| {
    let re = |pattern: &str| Regex::new(pattern).expect("a valid pattern");
    [
        (
            Shape::DateIso,
            re(r"^\d{4}-\d{1,2}-\d{1,2}$"),
            &["%Y-%m-%d"],
        ),
        (
            Shape::DateYearFirstSlash,
            re(r"^\d{4}/\d{1,2}/\d{1,2}$"),
            &["%Y/%m/%d"],
        ),
        (
            Shape::DateYearLastSlash,
            re(r"^\d{1,2}/\d{1,2}/\d{4}$"),
            &["%d/%m/%Y", "%m/%d/%Y"],
        ),
        (
            Shape::DateYearLastDot,
            re(r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
            &["%d.%m.%Y"],
        ),
        (
            Shape::DateYearLastDash,
            re(r"^\d{1,2}-\d{1,2}-\d{4}$"),
            &["%d-%m-%Y", "%m-%d-%Y"],
        ),
        (
            Shape::DateMonthName,
            re(r"^(?i)[a-z]{3,9}\.? \d{1,2},? \d{4}$"),
            &[
                "%b %d, %Y",
                "%b %d %Y",
                "%b. %d, %Y",
                "%B %d, %Y",
                "%B %d %Y",
            ],
        ),
        (
            Shape::DateDayMonthName,
            re(r"^(?i)\d{1,2} [a-z]{3,9}\.? \d{4}$"),
            &["%d %b %Y", "%d %B %Y", "%d %b. %Y"],
        ),
    ]
});

/// The shape of one text value (see the module docs).
pub fn shape(value: &str) -> Shape {
    let text = value.trim();
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return Shape::Text;
    };
    if text.len() > LONGEST {
        return Shape::Text;
    }
    if first.is_ascii_alphabetic() {
        // Words settle at once unless they are a yes/no, a month name, or a currency code.
        if ["true", "false", "yes", "no"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
        {
            return Shape::Boolean;
        }
        let starts =
            |word: &str| bytes.len() >= 3 && bytes[..3].eq_ignore_ascii_case(&word.as_bytes()[..3]);
        let month = MONTHS.iter().any(|m| starts(m));
        let currency = ["eur", "usd", "gbp", "chf"].iter().any(|c| starts(c));
        if !month && !currency {
            return Shape::Text;
        }
    } else if !(first.is_ascii_digit()
        || matches!(first, b'+' | b'-' | b'.')
        || text.starts_with(['$', '€', '£', '¥']))
    {
        return Shape::Text;
    }
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    let unsigned = match first {
        b'+' | b'-' => &bytes[1..],
        _ => bytes,
    };
    if digits(unsigned) {
        return Shape::Integer;
    }
    if unsigned
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && unsigned.iter().any(u8::is_ascii_digit)
        && text.parse::<f64>().is_ok()
    {
        return Shape::Decimal;
    }
    if bytes.len() >= 16 && bytes[4] == b'-' && digits(&bytes[..4]) && is_timestamp(text) {
        return Shape::Timestamp;
    }
    for (date_shape, pattern, formats) in DATE_SHAPES.iter() {
        if pattern.is_match(text)
            && formats
                .iter()
                .any(|format| NaiveDate::parse_from_str(text, format).is_ok())
        {
            return *date_shape;
        }
    }
    if GROUPED.is_match(text) {
        return Shape::GroupedNumber;
    }
    if WITH_UNIT.is_match(text) {
        return Shape::NumberWithUnit;
    }
    Shape::Text
}

fn is_timestamp(text: &str) -> bool {
    DateTime::parse_from_rfc3339(text).is_ok()
        || [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .any(|format| NaiveDateTime::parse_from_str(text, format).is_ok())
}

/// `readiness_text_shape(c)`: the [`Shape`] code of every value of the text column `c`.
pub fn text_shape(text: Expr) -> Expr {
    super::textcode::text_code("readiness_text_shape", |value| shape(value).code(), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_the_first_shape_they_match() {
        let cases = [
            ("42", Shape::Integer),
            (" -7 ", Shape::Integer),
            ("3.14", Shape::Decimal),
            ("1e6", Shape::Decimal),
            ("YES", Shape::Boolean),
            ("2024-01-05T10:00:00Z", Shape::Timestamp),
            ("2024-01-05 10:00", Shape::Timestamp),
            ("2024-01-05", Shape::DateIso),
            ("2024/01/05", Shape::DateYearFirstSlash),
            ("05/01/2024", Shape::DateYearLastSlash),
            ("12/31/2024", Shape::DateYearLastSlash),
            ("31/02/2024", Shape::Text),
            ("05.01.2024", Shape::DateYearLastDot),
            ("05-01-2024", Shape::DateYearLastDash),
            ("Jan 5, 2024", Shape::DateMonthName),
            ("January 5 2024", Shape::DateMonthName),
            ("5 Jan 2024", Shape::DateDayMonthName),
            ("1,234", Shape::GroupedNumber),
            ("1,234,567.50", Shape::GroupedNumber),
            ("1.234.567,50", Shape::GroupedNumber),
            ("12 345", Shape::GroupedNumber),
            ("12 kg", Shape::NumberWithUnit),
            ("5%", Shape::NumberWithUnit),
            ("€30", Shape::NumberWithUnit),
            ("EUR 1,200", Shape::NumberWithUnit),
            ("Pro", Shape::Text),
            ("Main Street 12", Shape::Text),
            ("12 Main", Shape::Text),
            ("nan", Shape::Text),
            ("inf", Shape::Text),
            ("", Shape::Text),
            ("192.168.1.1", Shape::Text),
        ];
        for (value, expected) in cases {
            assert_eq!(shape(value), expected, "{value:?}");
        }
    }

    #[test]
    fn every_code_reads_back_as_its_shape() {
        for shape in Shape::ALL {
            assert_eq!(Shape::from_code(shape.code()), Some(shape));
        }
    }
}
