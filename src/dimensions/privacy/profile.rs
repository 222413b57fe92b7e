//! Personal data: which columns look like it, and masking their sample values.
//!
//! A column is classified from its name and from the values the scan already holds (min, max,
//! top values), so this costs no extra pass. Invariant: after [`protect`], no sample value of a
//! personal-data column leaves readiness unmasked, in the JSON or any report; with samples off,
//! no sample value leaves at all.

use std::sync::LazyLock;

use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use futures::future::BoxFuture;
use regex::Regex;
use serde_json::Value;

use crate::dimensions::completeness::profile::present_values;
use crate::metrics::{DatasetMetrics, MatchRule, PersonalMatch, PersonalValues, ShiftKind};
use crate::profile::kernels::personal;
use crate::profile::kernels::textcode::{code_counts, decode_code_counts};
use crate::profile::pass::{Output, Part, Planning};

struct Kind {
    name: &'static str,
    column_name: Regex,
    value: Option<Regex>,
}

static KINDS: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    let kind = |name, column_name: &str, value: Option<&str>| Kind {
        name,
        column_name: Regex::new(&format!(
            "(?i)^(?:.*[_ .-])?(?:{column_name})(?:[_ .-].*)?$"
        ))
        .expect("static regex"),
        value: value.map(|v| Regex::new(v).expect("static regex")),
    };
    vec![
        kind(
            "e-mail",
            "e?mail|email_?address|emailaddr",
            Some(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
        ),
        kind(
            "phone",
            "phone|phone_?number|mobile|tel|telephone|fax",
            Some(r"^\+?[0-9][0-9 ()./-]{6,}[0-9]$"),
        ),
        kind(
            "card number",
            "card|card_?number|cc_number|credit_?card|pan",
            Some(r"^(?:\d[ -]?){13,19}$"),
        ),
        kind("IBAN", "iban", Some(r"^[A-Z]{2}\d{2}[A-Z0-9 ]{11,30}$")),
        kind(
            "national id",
            "ssn|social_security|national_id|passport|tax_id",
            Some(r"^\d{3}-\d{2}-\d{4}$"),
        ),
        kind(
            "IP address",
            "ip|ip_address|ipv4|client_ip",
            Some(r"^(?:\d{1,3}\.){3}\d{1,3}$"),
        ),
        kind(
            "name",
            "first_?name|last_?name|full_?name|surname|given_?name|middle_?name|maiden_?name|(?:customer|client|person|user|contact|employee|patient|account_holder)_?name",
            None,
        ),
        kind(
            "birth date",
            "birth|birthday|birthdate|birth_?date|dob|date_?of_?birth",
            None,
        ),
        kind("address", "address|street|postcode|zip|zipcode", None),
    ]
});

/// The kind of personal data a column looks like, from its name (snake, camel or
/// concatenated case: `email_address`, `emailAddress`, `dateOfBirth`, `birthdate`) or its
/// sample values: a kind whose pattern more than half of the non-missing samples match.
/// Numbers count as samples too: a card number stored as an integer (Luhn-valid) is one.
pub fn classify(column_name: &str, samples: &[&Value]) -> Option<&'static str> {
    let name = snake_case(column_name);
    let texts: Vec<String> = samples
        .iter()
        .filter_map(|value| match value {
            Value::String(text) => Some(text.trim().to_string()),
            Value::Number(number) if number.is_u64() || number.is_i64() => Some(number.to_string()),
            _ => None,
        })
        .filter(|text| !text.is_empty())
        .collect();
    let numeric = samples.iter().any(|value| value.is_number());
    KINDS.iter().find_map(|kind| {
        let by_name = kind.column_name.is_match(&name);
        let by_values = kind.value.as_ref().is_some_and(|pattern| {
            let matching = texts
                .iter()
                .filter(|text| pattern.is_match(text))
                // An integer is personal by value only as a card number with a valid check
                // digit: other long integers are ids and amounts as often as phone numbers.
                .filter(|text| {
                    !numeric || (kind.name == "card number" && personal::luhn_valid(text))
                })
                .count();
            matching * 2 > texts.len()
        });
        (by_name || by_values).then_some(kind.name)
    })
}

/// `dateOfBirth` -> `date_of_birth`; other names lower-cased as they are.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push('_');
        }
        out.extend(c.to_lowercase());
        previous = Some(c);
    }
    out
}

/// Masks one value: an e-mail keeps its first character and domain, anything else its last
/// two characters.
pub fn mask(kind: &str, value: &Value) -> Value {
    let Some(text) = value
        .as_str()
        .map(str::to_string)
        .or_else(|| (!value.is_null()).then(|| value.to_string()))
    else {
        return Value::Null;
    };
    let chars: Vec<char> = text.chars().collect();
    let masked = match (kind, text.split_once('@')) {
        ("e-mail", Some((local, domain))) => {
            format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
        }
        _ if chars.len() <= 2 => "**".to_string(),
        _ => format!("***{}", chars[chars.len() - 2..].iter().collect::<String>()),
    };
    Value::String(masked)
}

/// Classifies every column and masks (or, without samples, drops) sample values.
pub fn protect(dataset: &mut DatasetMetrics, samples: bool) {
    for column in &mut dataset.columns {
        let values: Vec<&Value> = column
            .min
            .iter()
            .chain(column.max.iter())
            .chain(column.top_values.iter().map(|v| &v.value))
            .filter(|v| v.is_string() || v.is_number())
            .collect();
        // Every value counted beats the name and a few samples; free text comes last.
        let counted = column.personal_values.as_ref();
        column.personal_data = counted
            .and_then(kind_of_values)
            .or_else(|| classify(&column.name, &values))
            .map(str::to_string)
            .or_else(|| counted.and_then(kind_in_text));
        let personal = column.personal_data.clone();
        let groups = column
            .formats
            .iter_mut()
            .flat_map(|f| f.variant_groups.iter_mut().flatten());
        // A group's spellings are values: masked like them, left out without samples (their
        // counts stay: they are figures, not samples).
        for group in groups {
            let shown = |value: &Value| match (&personal, samples) {
                (_, false) => Value::Null,
                (Some(kind), true) => mask(kind, value),
                (None, true) => value.clone(),
            };
            if let Value::String(normalized) = shown(&Value::from(group.normalized.clone())) {
                group.normalized = normalized;
            } else {
                group.normalized.clear();
            }
            for spelling in &mut group.variants {
                spelling.value = shown(&spelling.value);
            }
        }
        if !samples {
            column.min = None;
            column.max = None;
            column.top_values.clear();
        } else if let Some(kind) = column.personal_data.clone() {
            column.min = column.min.as_ref().map(|v| mask(&kind, v));
            column.max = column.max.as_ref().map(|v| mask(&kind, v));
            for top in &mut column.top_values {
                top.value = mask(&kind, &top.value);
            }
        }
    }
    protect_rejected_rows(dataset, samples);
    protect_labels(dataset, samples);
    protect_shifts(dataset, samples);
    protect_notes(dataset, samples);
    protect_time_column(dataset);
    let positions = dataset.column_positions();
    let near = dataset.duplicates.near_duplicates.as_mut();
    if !samples {
        dataset.duplicates.example_groups.clear();
        near.into_iter()
            .for_each(|near| near.example_groups.clear());
        return;
    }
    let kinds_of = |names: &[String]| -> Vec<Option<String>> {
        names
            .iter()
            .map(|name| {
                let column = positions.get(name).map(|&at| &dataset.columns[at]);
                column.and_then(|c| c.personal_data.clone())
            })
            .collect()
    };
    let key_kinds = kinds_of(&dataset.duplicates.key_columns);
    let near_kinds = near.as_ref().map(|near| kinds_of(&near.compared_columns));
    let masked = |values: &mut [Value], kinds: &[Option<String>]| {
        for (value, kind) in values.iter_mut().zip(kinds) {
            if let Some(kind) = kind {
                *value = mask(kind, value);
            }
        }
    };
    for group in &mut dataset.duplicates.example_groups {
        masked(&mut group.key, &key_kinds);
    }
    if let (Some(near), Some(kinds)) = (dataset.duplicates.near_duplicates.as_mut(), near_kinds) {
        for group in &mut near.example_groups {
            masked(&mut group.values, &kinds);
        }
    }
}

/// The categories compared between the oldest and newest rows are values: masked in a
/// personal-data column, numbered (`value 1`, ...) without samples. Numeric bins' edges are
/// figures, like the percentiles.
fn protect_shifts(dataset: &mut DatasetMetrics, samples: bool) {
    let positions = dataset.column_positions();
    let columns = &dataset.columns;
    for shift in &mut dataset.representativeness.columns {
        if shift.kind != ShiftKind::Categorical {
            continue;
        }
        let column = positions.get(&shift.column).map(|&at| &columns[at]);
        let kind = column.and_then(|c| c.personal_data.clone());
        let bins = shift.bins.iter_mut().filter(|b| !b.pooled);
        for (index, bin) in bins.enumerate() {
            bin.label = match (&kind, samples) {
                (_, false) => format!("value {}", index + 1),
                (Some(kind), true) => match mask(kind, &Value::from(bin.label.clone())) {
                    Value::String(masked) => masked,
                    other => other.to_string(),
                },
                (None, true) => continue,
            };
        }
    }
}

/// Excerpts of rejected CSV rows: dropped without samples; otherwise each field of a
/// personal-data column (by position) or that looks like personal data itself is masked.
fn protect_rejected_rows(dataset: &mut DatasetMetrics, samples: bool) {
    let kinds: Vec<Option<String>> = dataset
        .columns
        .iter()
        .map(|column| column.personal_data.clone())
        .collect();
    if dataset.format == crate::metrics::DatasetFormat::Json {
        protect_json_lines(dataset, samples);
        return;
    }
    for file in &mut dataset.files {
        let delimiter = file
            .csv_dialect
            .as_ref()
            .map_or(",".to_string(), |dialect| {
                match dialect.delimiter.as_str() {
                    "\\t" => "\t".to_string(),
                    other => other.to_string(),
                }
            });
        for row in &mut file.rejected_rows {
            if !samples {
                row.excerpt = None;
                continue;
            }
            let Some(excerpt) = &row.excerpt else {
                continue;
            };
            let masked: Vec<String> = excerpt
                .split(delimiter.as_str())
                .enumerate()
                .map(|(index, field)| {
                    let value = Value::String(field.to_string());
                    let kind = kinds
                        .get(index)
                        .cloned()
                        .flatten()
                        .or_else(|| value_kind(field).map(str::to_string));
                    match kind {
                        Some(kind) if !field.is_empty() => match mask(&kind, &value) {
                            Value::String(masked) => masked,
                            _ => String::new(),
                        },
                        _ => field.to_string(),
                    }
                })
                .collect();
            row.excerpt = Some(masked.join(delimiter.as_str()));
        }
    }
}

/// The kind of personal data of a column of `dataset`, once classified.
fn kind_of<'a>(dataset: &'a DatasetMetrics, column: &str) -> Option<&'a str> {
    dataset
        .columns
        .iter()
        .find(|c| c.name == column)
        .and_then(|c| c.personal_data.as_deref())
}

/// Label classes are data values: masked for a personal-data label column, and written as
/// `class 1`, `class 2`, ... (counts kept, in the same order) without samples.
fn protect_labels(dataset: &mut DatasetMetrics, samples: bool) {
    let kinds: Vec<Option<String>> = dataset
        .labels
        .iter()
        .map(|label| kind_of(dataset, &label.column).map(str::to_string))
        .collect();
    for (label, kind) in dataset.labels.iter_mut().zip(kinds) {
        for (index, class) in label.classes.iter_mut().enumerate() {
            class.value = match (&kind, samples) {
                (_, false) => Value::String(format!("class {}", index + 1)),
                (Some(kind), true) => mask(kind, &class.value),
                (None, true) => continue,
            };
        }
    }
}

/// A note that quotes a value (`the value 'V' near line L`).
static QUOTED_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^column `(?P<column>[^`]*)` is read as text: the value '(?P<value>.*)' near line")
        .expect("static regex")
});

/// Notes quoting a value: the value masked for a personal-data column, left out without
/// samples.
fn protect_notes(dataset: &mut DatasetMetrics, samples: bool) {
    let mut notes = std::mem::take(&mut dataset.notes);
    for note in &mut notes {
        let Some(found) = QUOTED_VALUE.captures(note) else {
            continue;
        };
        let (value, range) = {
            let value = found.name("value").expect("named group");
            (value.as_str().to_string(), value.range())
        };
        let kind = kind_of(dataset, &found["column"]).map(str::to_string);
        let shown = match (kind, samples) {
            (_, false) => "…".to_string(),
            (Some(kind), true) => match mask(&kind, &Value::String(value)) {
                Value::String(masked) => masked,
                _ => String::new(),
            },
            (None, true) => continue,
        };
        note.replace_range(range, &shown);
    }
    dataset.notes = notes;
}

/// A time column that holds personal data (a birth date given as `--time`): its dates are
/// left out of freshness (range, buckets, gaps and the lag they give), with a note.
fn protect_time_column(dataset: &mut DatasetMetrics) {
    let Some(column) = dataset.freshness.time_column.clone() else {
        return;
    };
    let Some(kind) = kind_of(dataset, &column).map(str::to_string) else {
        return;
    };
    let freshness = &mut dataset.freshness;
    if freshness.lag_basis == Some(crate::metrics::LagBasis::EventTime) {
        freshness.lag_seconds = None;
        freshness.lag_basis = None;
    }
    freshness.min_time = None;
    freshness.max_time = None;
    freshness.buckets.clear();
    freshness.gaps.clear();
    freshness.bucket_width = None;
    dataset.notes.push(format!(
        "time column `{column}` looks like personal data ({kind}): its dates are left out of the freshness figures"
    ));
}

/// A JSON string literal, or a `"key": value` pair (the value a literal or a bare token).
static JSON_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""((?:[^"\\]|\\.)*)"(\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([^,}\]\s]+)))?"#)
        .expect("static regex")
});

/// Rejected NDJSON lines are not valid JSON, so they are masked as text: the value after a
/// personal-data column's key, and any string that looks like personal data by itself.
fn protect_json_lines(dataset: &mut DatasetMetrics, samples: bool) {
    let personal: Vec<(String, String)> = dataset
        .columns
        .iter()
        .filter_map(|column| Some((column.name.clone(), column.personal_data.clone()?)))
        .collect();
    let masked_text = |kind: &str, text: &str| match mask(kind, &Value::String(text.to_string())) {
        Value::String(masked) => masked,
        _ => String::new(),
    };
    for row in dataset
        .files
        .iter_mut()
        .flat_map(|file| &mut file.rejected_rows)
    {
        if !samples {
            row.excerpt = None;
            continue;
        }
        let Some(excerpt) = &row.excerpt else {
            continue;
        };
        let masked = JSON_PAIR.replace_all(excerpt, |found: &regex::Captures| {
            let literal = &found[1];
            let value = found.get(3).or(found.get(4)).map(|value| value.as_str());
            let kind = match value {
                // `"key": value`: the column's kind, or the value's own.
                Some(value) => personal
                    .iter()
                    .find(|(name, _)| name == literal)
                    .map(|(_, kind)| kind.as_str())
                    .or_else(|| value_kind(value)),
                // A string alone (an array element, a value cut short).
                None => value_kind(literal),
            };
            match (kind, value) {
                (Some(kind), Some(value)) => {
                    format!("\"{literal}\": \"{}\"", masked_text(kind, value))
                }
                (Some(kind), None) => format!("\"{}\"", masked_text(kind, literal)),
                (None, _) => found[0].to_string(),
            }
        });
        row.excerpt = Some(masked.into_owned());
    }
}

/// The kind of personal data one value looks like by itself, if any.
fn value_kind(value: &str) -> Option<&'static str> {
    let value = value.trim();
    KINDS.iter().find_map(|kind| {
        kind.value
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(value))
            .then_some(kind.name)
    })
}

/// Privacy's part in the profile pass: every present value of every text column is matched
/// against the personal-data rules ([`crate::profile::kernels::personal`]), and the matches
/// counted per kind and rule.
impl Part for super::Privacy {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        let placeholders = &planning.options.placeholders;
        planning
            .text_columns()
            .map(|(index, field)| {
                let present = present_values(field.name(), field.data_type(), placeholders);
                let codes = personal::personal_value(present);
                (matches_name(index), code_counts(codes))
            })
            .collect()
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        let positions = metrics.column_positions();
        for (index, field) in output.planning.text_columns() {
            let counted = output
                .result(&matches_name(index))
                .and_then(decode_code_counts);
            let Some(counted) = counted else {
                continue;
            };
            let found = personal_values(&counted);
            if let Some(column) = metrics.column_mut(&positions, field.name()) {
                column.personal_values = found;
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

fn matches_name(column: usize) -> String {
    format!("matches_{column}")
}

/// The matches from a column's counts of match codes; `None` when no value matched.
pub fn personal_values(counted: &[(u8, u64)]) -> Option<PersonalValues> {
    let mut value_count = 0;
    let mut matches = Vec::new();
    for (code, count) in counted {
        value_count += count;
        if let Some((kind, rule)) = personal::decode(*code) {
            matches.push(PersonalMatch {
                kind,
                rule,
                count: *count,
            });
        }
    }
    matches.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then((a.kind, a.rule).cmp(&(b.kind, b.rule)))
    });
    (!matches.is_empty()).then_some(PersonalValues {
        value_count,
        matches,
    })
}

/// The kind more than half of a column's values are, counted over the whole column: the most
/// found kind among whole-value matches when they are together a majority (a `contact` column
/// of e-mail addresses and phone numbers is personal).
pub fn kind_of_values(values: &PersonalValues) -> Option<&'static str> {
    let whole: Vec<&PersonalMatch> = values
        .matches
        .iter()
        .filter(|m| m.rule == MatchRule::WholeValue)
        .collect();
    let total: u64 = whole.iter().map(|m| m.count).sum();
    (total * 2 > values.value_count).then(|| whole[0].kind.label())
}

/// The kind free text in a column holds (`free text with e-mail`): the most found.
pub fn kind_in_text(values: &PersonalValues) -> Option<String> {
    values
        .matches
        .iter()
        .find(|m| m.rule == MatchRule::Contained)
        .map(|found| format!("free text with {}", found.kind.label()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_are_classified_by_name_or_values() {
        assert_eq!(classify("email", &[]), Some("e-mail"));
        assert_eq!(classify("customer_email", &[]), Some("e-mail"));
        assert_eq!(classify("Phone Number", &[]), Some("phone"));
        let a = json!("ann@example.org");
        let b = json!("bob@example.com");
        assert_eq!(classify("contact", &[&a, &b]), Some("e-mail"));
        let plan = json!("Pro");
        assert_eq!(classify("plan", &[&plan]), None);
        // "ship" and "tip" must not read as an IP column.
        assert_eq!(classify("ship_date", &[]), None);
        assert_eq!(classify("tip", &[]), None);
        assert_eq!(classify("client_ip", &[]), Some("IP address"));
    }

    #[test]
    fn camel_and_concatenated_names_numbers_and_majorities_are_recognised() {
        for (name, kind) in [
            ("emailAddress", "e-mail"),
            ("firstName", "name"),
            ("customer_name", "name"),
            ("CustomerName", "name"),
            ("dateOfBirth", "birth date"),
            ("birthdate", "birth date"),
            ("phoneNumber", "phone"),
        ] {
            assert_eq!(classify(name, &[]), Some(kind), "{name}");
        }
        assert_eq!(classify("product_name", &[]), None);
        // Two of three non-missing samples are e-mails: a majority.
        let (a, b, odd, empty) = (
            json!("ann@example.org"),
            json!("bob@example.com"),
            json!("n/a"),
            json!(""),
        );
        assert_eq!(classify("contact", &[&a, &b, &odd, &empty]), Some("e-mail"));
        assert_eq!(classify("contact", &[&a, &odd, &json!("x")]), None);
        // Card numbers stored as integers (Luhn-valid); other long integers are not personal.
        let (visa, mastercard) = (
            json!(4_111_111_111_111_111u64),
            json!(5_555_555_555_554_444u64),
        );
        assert_eq!(classify("ref", &[&visa, &mastercard]), Some("card number"));
        let (id_a, id_b) = (json!(4_111_111_111_111_112u64), json!(12_345_678_901u64));
        assert_eq!(classify("ref", &[&id_a, &id_b]), None);
    }

    #[test]
    fn masking_keeps_only_a_hint() {
        assert_eq!(
            mask("e-mail", &json!("customer12@example.com")),
            json!("c***@example.com")
        );
        assert_eq!(mask("phone", &json!("+49 170 1234567")), json!("***67"));
        assert_eq!(mask("phone", &json!(4_917_012)), json!("***12"));
    }
}
