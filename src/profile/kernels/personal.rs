//! `readiness_personal_value(c)`: whether each text value is, or contains, personal data of a
//! kind with a recognisable written form, as one code per value ([`code`]); NULL for NULL. The
//! profile pass counts the codes per column with the bounded value counts ([`super::counts`]),
//! so the share comes from every value of the column, not from a sample.
//!
//! The rules ([`match_value`]), on the trimmed value:
//! - e-mail: `local@domain.tld`;
//! - payment card: 13 to 19 digits (spaces or dashes between them allowed) whose Luhn check
//!   digit holds;
//! - IBAN: two letters, two check digits and 11 to 30 letters or digits (spaces allowed) whose
//!   ISO 13616 mod-97 checksum is 1;
//! - IP address: an IPv4 or IPv6 address as the standard library parses it;
//! - phone: `+` and 7 to 15 digits with spaces, dots, dashes or brackets, or 7 to 15 digits with
//!   at least one such separator (dates, decimals and grouped numbers excluded);
//! - national id: a US social security number `ddd-dd-dddd` (area not 000, 666 or 9xx).
//!
//! A whole value that matches a kind is that kind; otherwise text with a space is searched for
//! e-mail addresses, card numbers, IBANs, IP addresses and `+`-prefixed phone numbers inside
//! it (free text containing them).

use std::net::IpAddr;
use std::sync::LazyLock;

use datafusion::logical_expr::Expr;
use regex::Regex;

use super::shapes::{Shape, shape};
pub use crate::metrics::{MatchRule, PersonalKind};

/// The code of a match: the kind's place in [`PersonalKind::ALL`] plus one, plus 16 when the
/// kind is found inside free text. 0 is no match.
pub fn code(found: Option<(PersonalKind, MatchRule)>) -> u8 {
    match found {
        None => 0,
        Some((kind, rule)) => {
            let place = PersonalKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(0) as u8;
            1 + place + if rule == MatchRule::Contained { 16 } else { 0 }
        }
    }
}

/// The match a [`code`] stands for.
pub fn decode(code: u8) -> Option<(PersonalKind, MatchRule)> {
    let (rule, place) = match code {
        0 => return None,
        c if c > 16 => (MatchRule::Contained, c - 17),
        c => (MatchRule::WholeValue, c - 1),
    };
    Some((*PersonalKind::ALL.get(usize::from(place))?, rule))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$").expect("a valid pattern"));
static EMAIL_INSIDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("a valid pattern")
});
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\d[ -]?){12,18}\d$").expect("a valid pattern"));
static CARD_INSIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d[ -]?){12,18}\d\b").expect("a valid pattern"));
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}$").expect("a valid pattern"));
static IBAN_INSIDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b").expect("a valid pattern")
});
static IPV4_INSIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("a valid pattern"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\+\d[\d ()./-]{5,}\d|\(?\d[\d ()./-]{5,}\d)$").expect("a valid pattern")
});
static PHONE_INSIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+\d[\d ()-]{6,}\d").expect("a valid pattern"));
static SSN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{3})-(\d{2})-(\d{4})$").expect("a valid pattern"));

/// Longest trimmed value searched; longer text is searched in its first this many bytes.
const LONGEST: usize = 4_096;

/// What personal data `value` is or contains (see the module docs).
pub fn match_value(value: &str) -> Option<(PersonalKind, MatchRule)> {
    // Every rule needs an `@` or at least four digits: most words and prose stop here.
    let bytes = value.as_bytes();
    if memchr::memchr(b'@', bytes).is_none()
        && bytes.iter().filter(|b| b.is_ascii_digit()).take(4).count() < 4
    {
        return None;
    }
    let text = value.trim();
    if text.len() < 7 {
        return None;
    }
    if let Some(kind) = whole(text) {
        return Some((kind, MatchRule::WholeValue));
    }
    if !text.contains(' ') {
        return None;
    }
    let mut end = text.len().min(LONGEST);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    inside(&text[..end]).map(|kind| (kind, MatchRule::Contained))
}

fn whole(text: &str) -> Option<PersonalKind> {
    let first = text.as_bytes()[0];
    if text.contains('@') {
        return EMAIL.is_match(text).then_some(PersonalKind::Email);
    }
    if first.is_ascii_uppercase() {
        return (IBAN.is_match(text) && iban_valid(text)).then_some(PersonalKind::Iban);
    }
    if (text.contains(':') || text.contains('.')) && text.parse::<IpAddr>().is_ok() {
        return Some(PersonalKind::IpAddress);
    }
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'(')) {
        return None;
    }
    if CARD.is_match(text) && luhn_valid(text) {
        return Some(PersonalKind::PaymentCard);
    }
    if let Some(parts) = SSN.captures(text) {
        let area = &parts[1];
        // The shape of a social security number is no phone number, valid or not.
        let valid = area != "000" && area != "666" && !area.starts_with('9') && &parts[2] != "00";
        return valid.then_some(PersonalKind::NationalId);
    }
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    let written_as_number = matches!(
        shape(text),
        Shape::Integer | Shape::Decimal | Shape::GroupedNumber | Shape::Timestamp
    ) || shape(text).date_pattern().is_some();
    ((7..=15).contains(&digits) && !written_as_number && PHONE.is_match(text))
        .then_some(PersonalKind::Phone)
}

fn inside(text: &str) -> Option<PersonalKind> {
    if text.contains('@') && EMAIL_INSIDE.is_match(text) {
        return Some(PersonalKind::Email);
    }
    // The shortest of the rest, an IPv4 address, has four digits.
    if text.bytes().filter(u8::is_ascii_digit).count() < 4 {
        return None;
    }
    if IBAN_INSIDE
        .find_iter(text)
        .any(|found| iban_valid(found.as_str()))
    {
        return Some(PersonalKind::Iban);
    }
    // The digits of an IBAN-shaped token (valid or not) are no card number.
    let text = IBAN_INSIDE.replace_all(text, " ");
    if CARD_INSIDE
        .find_iter(&text)
        .any(|found| luhn_valid(found.as_str()))
    {
        return Some(PersonalKind::PaymentCard);
    }
    if IPV4_INSIDE
        .find_iter(&text)
        .any(|found| found.as_str().parse::<IpAddr>().is_ok())
    {
        return Some(PersonalKind::IpAddress);
    }
    PHONE_INSIDE.is_match(&text).then_some(PersonalKind::Phone)
}

/// The Luhn check digit of a card number holds (13 to 19 digits).
pub fn luhn_valid(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| match index % 2 {
            1 if digit * 2 > 9 => digit * 2 - 9,
            1 => digit * 2,
            _ => digit,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The ISO 13616 checksum of an IBAN holds: the first four characters moved to the end,
/// letters as 10..35, the number mod 97 is 1.
pub fn iban_valid(text: &str) -> bool {
    let compact: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in compact[4..].iter().chain(&compact[..4]) {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        remainder = match value {
            0..=9 => (remainder * 10 + value) % 97,
            _ => (remainder * 100 + value) % 97,
        };
    }
    remainder == 1
}

/// `readiness_personal_value(c)`: the [`code`] of every value of the text column `c`.
pub fn personal_value(text: Expr) -> Expr {
    super::textcode::text_code(
        "readiness_personal_value",
        |value| code(match_value(value)),
        text,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use MatchRule::{Contained, WholeValue};
    use PersonalKind::*;

    #[test]
    fn whole_values_and_free_text_are_matched_by_their_rule() {
        let cases = [
            ("ann.lee@example.com", Some((Email, WholeValue))),
            ("4111 1111 1111 1111", Some((PaymentCard, WholeValue))),
            ("4111 1111 1111 1112", None),
            ("DE89 3704 0044 0532 0130 00", Some((Iban, WholeValue))),
            ("DE89 3704 0044 0532 0130 01", None),
            ("192.168.10.4", Some((IpAddress, WholeValue))),
            ("2001:db8::1", Some((IpAddress, WholeValue))),
            ("+49 30 1234567", Some((Phone, WholeValue))),
            ("(030) 123-4567", Some((Phone, WholeValue))),
            ("123-45-6789", Some((NationalId, WholeValue))),
            ("666-45-6789", None),
            ("2024-01-05", None),
            ("1234567", None),
            ("12.50", None),
            ("1,234,567", None),
            ("write to ann@example.org please", Some((Email, Contained))),
            (
                "paid with 4111-1111-1111-1111 yesterday",
                Some((PaymentCard, Contained)),
            ),
            (
                "IBAN DE89370400440532013000 on file",
                Some((Iban, Contained)),
            ),
            ("login from 10.0.0.7 failed", Some((IpAddress, Contained))),
            ("call +44 20 7946 0958 after 5", Some((Phone, Contained))),
            ("Cannot log in (case 17)", None),
            ("order 1234567 shipped", None),
        ];
        for (value, expected) in cases {
            assert_eq!(match_value(value), expected, "{value:?}");
        }
    }

    #[test]
    fn every_match_reads_back_from_its_code() {
        for kind in PersonalKind::ALL {
            for rule in [WholeValue, Contained] {
                assert_eq!(decode(code(Some((kind, rule)))), Some((kind, rule)));
            }
        }
        assert_eq!(decode(code(None)), None);
    }
}
