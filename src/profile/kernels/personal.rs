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
//! - national id: a US social security number `ddd-dd-dddd` (area not 000, 666 or 9xx), or one
//!   of these, each with its check digits (or, for the UK, its letters) holding
//!   ([`national_id`]): Spanish DNI and NIE (mod-23 letter), French NIR (mod-97 key),
//!   Italian codice fiscale (check letter), Belgian national number (mod-97), Swedish
//!   personnummer (Luhn, with a valid month and day), Finnish henkilötunnus (mod-31 character),
//!   Norwegian fødselsnummer (two mod-11 digits, with a valid month and day), UK National
//!   Insurance number (shape and letters only: it has no check digit).
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
thread_local! {
    /// [`EMAIL`] per thread: every value with an `@` is matched, and a regex shared by threads
    /// hands its search cache to one of them cheaply, to the others through a locked pool.
    static THREAD_EMAIL: Regex = EMAIL.clone();
}
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
        let email = THREAD_EMAIL.with(|email| email.is_match(text));
        return email.then_some(PersonalKind::Email);
    }
    if national_id(text) {
        return Some(PersonalKind::NationalId);
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

static ES_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([XYZ]?)(\d{7,8})-?([A-Z])$").expect("a valid pattern"));
static FR_NIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([12]) ?(\d{2}) ?(0[1-9]|1[0-2]|[2-9]\d) ?(\d{2}|2A|2B) ?(\d{3}) ?(\d{3}) ?(\d{2})$",
    )
    .expect("a valid pattern")
});
static IT_CF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z]{6}[0-9L-V]{2}[ABCDEHLMPRST][0-9L-V]{2}[A-Z][0-9L-V]{3}[A-Z]$")
        .expect("a valid pattern")
});
static BE_NN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{2})\.(\d{2})\.(\d{2})-(\d{3})\.(\d{2})$").expect("a valid pattern")
});
static SE_PNR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{2})?(\d{2})(\d{2})(\d{2})[-+](\d{4})$").expect("a valid pattern")
});
static FI_HETU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{2})(\d{2})(\d{2})[-+A-FU-Y](\d{3})([0-9A-Y])$").expect("a valid pattern")
});
static UK_NINO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]$")
        .expect("a valid pattern")
});

/// Whether `text` is one of the national identifiers of the module docs, its checksum holding.
pub fn national_id(text: &str) -> bool {
    let digits = |s: &str| s.parse::<u64>().ok();
    let day_and_month = |day: u32, month: u32| (1..=31).contains(&day) && (1..=12).contains(&month);
    if let Some(p) = ES_ID.captures(text) {
        let prefix = match &p[1] {
            "X" => "0",
            "Y" => "1",
            "Z" => "2",
            _ => "",
        };
        let (number, letter) = (format!("{prefix}{}", &p[2]), &p[3]);
        if number.len() != 8 {
            return false;
        }
        let expected = digits(&number).map(|n| b"TRWAGMYFPDXBNJZSQVHLCKE"[(n % 23) as usize]);
        return expected == letter.bytes().next();
    }
    if let Some(p) = FR_NIR.captures(text) {
        // Corsica's departments 2A and 2B count as 19 and 18.
        let department = match &p[4] {
            "2A" => "19",
            "2B" => "18",
            other => other,
        };
        let number = format!("{}{}{}{department}{}{}", &p[1], &p[2], &p[3], &p[5], &p[6]);
        return digits(&number)
            .zip(digits(&p[7]))
            .is_some_and(|(n, key)| 97 - n % 97 == key);
    }
    if IT_CF.is_match(text) {
        return codice_fiscale_valid(text);
    }
    if let Some(p) = BE_NN.captures(text) {
        let number = format!("{}{}{}{}", &p[1], &p[2], &p[3], &p[4]);
        let (Some(n), Some(check)) = (digits(&number), digits(&p[5])) else {
            return false;
        };
        // Born in 2000 or later: a 2 before the number.
        return 97 - n % 97 == check || 97 - (2_000_000_000 + n) % 97 == check;
    }
    if let Some(p) = SE_PNR.captures(text) {
        let (month, day) = (digits(&p[2]).unwrap_or(0), digits(&p[3]).unwrap_or(0));
        // A co-ordination number adds 60 to the day.
        let day = if day > 60 { day - 60 } else { day };
        let ten = format!("{}{}{}{}", &p[1], &p[2], &p[3], &p[4]);
        return day_and_month(day as u32, month as u32) && luhn_sum(&ten).is_multiple_of(10);
    }
    if let Some(p) = FI_HETU.captures(text) {
        let number = format!("{}{}{}{}", &p[1], &p[2], &p[3], &p[4]);
        let (day, month) = (digits(&p[1]).unwrap_or(0), digits(&p[2]).unwrap_or(0));
        let expected =
            digits(&number).map(|n| b"0123456789ABCDEFHJKLMNPRSTUVWXY"[(n % 31) as usize]);
        return day_and_month(day as u32, month as u32) && expected == p[5].bytes().next();
    }
    if let Some(p) = UK_NINO.captures(text) {
        return !matches!(&p[1], "BG" | "GB" | "NK" | "KN" | "TN" | "NT" | "ZZ");
    }
    if text.len() == 11 && text.bytes().all(|b| b.is_ascii_digit()) {
        return fodselsnummer_valid(text);
    }
    false
}

/// A Norwegian fødselsnummer: a valid day (plus 40 for a D-number) and month, and two mod-11
/// check digits.
fn fodselsnummer_valid(text: &str) -> bool {
    let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
    let (day, month) = (d[0] * 10 + d[1], d[2] * 10 + d[3]);
    let day = if day > 40 { day - 40 } else { day };
    if !((1..=31).contains(&day) && (1..=12).contains(&month)) {
        return false;
    }
    let check = |weights: &[u32]| {
        let sum: u32 = weights.iter().zip(&d).map(|(w, x)| w * x).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            k => Some(k),
        }
    };
    check(&[3, 7, 6, 1, 8, 9, 4, 5, 2]) == Some(d[9])
        && check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(d[10])
}

/// The check letter of an Italian codice fiscale: characters in odd places (first, third...)
/// by one table, in even places by their value, the sum mod 26 as a letter.
fn codice_fiscale_valid(text: &str) -> bool {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let bytes = text.as_bytes();
    let sum: u32 = bytes[..15]
        .iter()
        .enumerate()
        .map(|(index, &b)| {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                _ => u32::from(b - b'A'),
            };
            match index % 2 {
                0 => ODD[value as usize],
                _ => value,
            }
        })
        .sum();
    u32::from(bytes[15] - b'A') == sum % 26
}

/// The Luhn check digit of a card number holds (13 to 19 digits).
pub fn luhn_valid(text: &str) -> bool {
    let count = text.chars().filter(char::is_ascii_digit).count();
    (13..=19).contains(&count) && luhn_sum(text).is_multiple_of(10)
}

/// The Luhn sum of the digits of `text` (every second digit from the right doubled).
fn luhn_sum(text: &str) -> u32 {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| match index % 2 {
            1 if digit * 2 > 9 => digit * 2 - 9,
            1 => digit * 2,
            _ => digit,
        })
        .sum()
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
            ("12345678Z", Some((NationalId, WholeValue))),
            ("X1234567L", Some((NationalId, WholeValue))),
            ("1 84 12 76 451 089 46", Some((NationalId, WholeValue))),
            ("184127645108946", Some((NationalId, WholeValue))),
            ("RSSMRA85T10A562S", Some((NationalId, WholeValue))),
            ("85.07.30-033.28", Some((NationalId, WholeValue))),
            ("811218-9876", Some((NationalId, WholeValue))),
            ("131052-308T", Some((NationalId, WholeValue))),
            ("15038512010", Some((NationalId, WholeValue))),
            ("AB 12 34 56 C", Some((NationalId, WholeValue))),
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
        // The same shapes with a wrong check digit (or letters the UK never issues) are no
        // national id (some are still phone-shaped).
        for value in [
            "12345678A",
            "184127645108947",
            "RSSMRA85T10A562T",
            "85.07.30-033.29",
            "811218-9877",
            "131052-308U",
            "15038512011",
            "GB123456A",
        ] {
            let kind = match_value(value).map(|(kind, _)| kind);
            assert_ne!(kind, Some(NationalId), "{value:?}");
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
