//! Personal data: which columns look like it, and masking their sample values.
//!
//! A column is classified from its name and from the values the scan already holds (min, max,
//! top values), so this costs no extra pass. Invariant: after [`protect`], no sample value of a
//! personal-data column leaves readiness unmasked, in the JSON or any report; with samples off,
//! no sample value leaves at all.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::metrics::DatasetMetrics;

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
            "e?mail|email_address",
            Some(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
        ),
        kind(
            "phone",
            "phone|mobile|tel|telephone|fax",
            Some(r"^\+?[0-9][0-9 ()./-]{6,}[0-9]$"),
        ),
        kind(
            "card number",
            "card|cc_number|credit_card|pan",
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
            "first_name|last_name|full_name|surname|given_name",
            None,
        ),
        kind("birth date", "birth|birthday|dob|date_of_birth", None),
        kind("address", "address|street|postcode|zip|zipcode", None),
    ]
});

/// The kind of personal data a column looks like, from its name or its sample values.
pub fn classify(column_name: &str, samples: &[&Value]) -> Option<&'static str> {
    let texts: Vec<&str> = samples.iter().filter_map(|v| v.as_str()).collect();
    KINDS.iter().find_map(|kind| {
        let by_name = kind.column_name.is_match(column_name);
        let by_values = kind.value.as_ref().is_some_and(|pattern| {
            !texts.is_empty() && texts.iter().all(|text| pattern.is_match(text.trim()))
        });
        (by_name || by_values).then_some(kind.name)
    })
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
            .filter(|v| v.is_string())
            .collect();
        column.personal_data = classify(&column.name, &values).map(str::to_string);
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
    if !samples {
        dataset.duplicates.example_groups.clear();
        return;
    }
    let key_kinds: Vec<Option<String>> = dataset
        .duplicates
        .key_columns
        .iter()
        .map(|key| {
            dataset
                .columns
                .iter()
                .find(|c| &c.name == key)
                .and_then(|c| c.personal_data.clone())
        })
        .collect();
    for group in &mut dataset.duplicates.example_groups {
        for (value, kind) in group.key.iter_mut().zip(&key_kinds) {
            if let Some(kind) = kind {
                *value = mask(kind, value);
            }
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
    if dataset.format == "json" {
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
    fn masking_keeps_only_a_hint() {
        assert_eq!(
            mask("e-mail", &json!("customer12@example.com")),
            json!("c***@example.com")
        );
        assert_eq!(mask("phone", &json!("+49 170 1234567")), json!("***67"));
        assert_eq!(mask("phone", &json!(4_917_012)), json!("***12"));
    }
}
