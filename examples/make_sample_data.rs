//! Writes `sample-data/`: small datasets with defects planted on purpose.
//!
//! Run: `cargo run --example make_sample_data -- sample-data`. Deterministic: the same files
//! every time (bar Parquet's writer version string). The planted counts it prints are what
//! `sample-data/README.md` documents and what the tests assert readiness finds.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;

const PLACEHOLDERS: &[&str] = &["n/a", "unknown", "-", "?", "none"];

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample-data".to_string());
    let out = Path::new(&out);
    fs::create_dir_all(out).unwrap();
    customers(out);
    orders(out);
    tickets(out);
}

fn is_placeholder(value: &str) -> bool {
    PLACEHOLDERS.contains(&value.trim().to_lowercase().as_str())
}

/// Prints one line of the planted-defect table.
fn planted(dataset: &str, figure: &str, value: impl std::fmt::Display) {
    println!("| {dataset} | {figure} | {value} |");
}

fn text_counts(dataset: &str, column: &str, values: &[Option<String>]) {
    let nulls = values.iter().filter(|v| v.is_none()).count();
    let empty = values
        .iter()
        .flatten()
        .filter(|v| v.trim().is_empty())
        .count();
    let placeholder = values
        .iter()
        .flatten()
        .filter(|v| is_placeholder(v))
        .count();
    planted(dataset, &format!("{column}.null_count"), nulls);
    planted(dataset, &format!("{column}.empty_count"), empty);
    planted(dataset, &format!("{column}.placeholder_count"), placeholder);
}

/// customers.csv: semicolon-delimited CSV, 1,000 rows.
fn customers(out: &Path) {
    struct Row {
        id: i64,
        email: Option<String>,
        country: Option<String>,
        plan: String,
        signup: i32,
        spend: Option<f64>,
        notes: String,
        churned: Option<String>,
    }
    let base = |id: i64| -> Row {
        let email = match id % 50 {
            0 => None,
            25 => Some("   ".to_string()),
            _ => Some(format!("customer{id}@example.com")),
        };
        let country = match id % 25 {
            3 => Some("N/A".to_string()),
            7 => Some("unknown".to_string()),
            13 => Some(" - ".to_string()),
            _ => Some(["DE", "FR", "NL", "US"][(id % 4) as usize].to_string()),
        };
        let plan = ["Pro", "Basic", "pro", "Basic", "PRO", "Basic"][(id % 6) as usize].to_string();
        // Signed up on one of 700 days from 2024-01-01 (day 19723 since the epoch).
        let signup = 19_723 + (id * 7 % 700) as i32;
        // Spend is not tied to the signup day (ids map to days by id % 100).
        let spend = (id % 40 != 9).then_some((id * 37 % 97) as f64 * 1.5 + 10.0);
        let notes = match id % 100 {
            1 => "called twice;\nasked for \"refund\", then cancelled".to_string(),
            2 => "prefers e-mail, not phone".to_string(),
            _ => String::new(),
        };
        // Labels: missing for every 5th customer, "?" for every 31st; 1 in 7 churned.
        let churned = if id % 5 == 0 {
            None
        } else if id % 31 == 0 {
            Some("?".to_string())
        } else if id % 7 == 0 {
            Some("yes".to_string())
        } else {
            Some("no".to_string())
        };
        Row {
            id,
            email,
            country,
            plan,
            signup,
            spend,
            notes,
            churned,
        }
    };
    let mut rows: Vec<Row> = (1..=980).map(base).collect();
    // 10 exact copies of customers 11..20.
    rows.extend((11..=20).map(base));
    // 10 customers 1..10 entered again with another e-mail: duplicate keys, not duplicate rows.
    rows.extend((1..=10).map(|id| Row {
        email: Some(format!("customer{id}.second@example.com")),
        ..base(id)
    }));

    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, false),
        Field::new("email", DataType::Utf8, true),
        Field::new("country", DataType::Utf8, true),
        Field::new("plan", DataType::Utf8, false),
        Field::new("signup_date", DataType::Date32, false),
        Field::new("monthly_spend", DataType::Float64, true),
        Field::new("notes", DataType::Utf8, true),
        Field::new("churned", DataType::Utf8, true),
    ]));
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> Vec<Option<String>> {
        rows.iter().map(f).collect()
    };
    let emails = text(&|r| r.email.clone());
    let countries = text(&|r| r.country.clone());
    // An empty note is written as an empty CSV field, which reads as NULL.
    let notes = text(&|r| Some(r.notes.clone()).filter(|n| !n.is_empty()));
    let churned = text(&|r| r.churned.clone());
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.id))),
        Arc::new(StringArray::from(emails.clone())),
        Arc::new(StringArray::from(countries.clone())),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.plan.clone()),
        )),
        Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.signup))),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.spend).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(notes.clone())),
        Arc::new(StringArray::from(churned.clone())),
    ];
    let batch = RecordBatch::try_new(schema, columns).unwrap();
    let file = File::create(out.join("customers.csv")).unwrap();
    let mut writer = WriterBuilder::new().with_delimiter(b';').build(file);
    writer.write(&batch).unwrap();

    let d = "customers";
    planted(d, "row_count", rows.len());
    let distinct_rows: HashSet<_> = rows
        .iter()
        .map(|r| {
            format!(
                "{}|{:?}|{:?}|{}|{}|{:?}|{}|{:?}",
                r.id, r.email, r.country, r.plan, r.signup, r.spend, r.notes, r.churned
            )
        })
        .collect();
    planted(d, "duplicate_row_count", rows.len() - distinct_rows.len());
    let mut per_key: HashMap<i64, usize> = HashMap::new();
    for row in &rows {
        *per_key.entry(row.id).or_default() += 1;
    }
    planted(
        d,
        "duplicate_key_row_count (customer_id)",
        rows.len() - per_key.len(),
    );
    planted(
        d,
        "keys_with_duplicates (customer_id)",
        per_key.values().filter(|n| **n > 1).count(),
    );
    text_counts(d, "email", &emails);
    let addresses = emails.iter().flatten().filter(|e| e.contains('@')).count();
    planted(d, "email.email_count", addresses);
    text_counts(d, "country", &countries);
    planted(
        d,
        "monthly_spend.null_count",
        rows.iter().filter(|r| r.spend.is_none()).count(),
    );
    planted(
        d,
        "notes.null_count",
        notes.iter().filter(|n| n.is_none()).count(),
    );
    let labelled: Vec<&String> = churned
        .iter()
        .flatten()
        .filter(|v| !is_placeholder(v))
        .collect();
    planted(d, "churned.labelled_count", labelled.len());
    // `plan` spells "pro" three ways: every row but those of the most common spelling.
    let spellings = |s: &str| rows.iter().filter(|r| r.plan == s).count();
    let pro = [spellings("Pro"), spellings("pro"), spellings("PRO")];
    let minority = pro.iter().sum::<usize>() - pro.iter().max().unwrap();
    planted(d, "plan.variant_row_count", minority);
    planted(
        d,
        "churned.yes",
        labelled.iter().filter(|v| v.as_str() == "yes").count(),
    );
    planted(
        d,
        "churned.no",
        labelled.iter().filter(|v| v.as_str() == "no").count(),
    );
    let complete = rows
        .iter()
        .filter(|r| {
            [
                &r.email,
                &r.country,
                &Some(r.notes.clone()).filter(|n| !n.is_empty()),
                &r.churned,
            ]
            .iter()
            .all(|v| {
                v.as_ref()
                    .is_some_and(|v| !v.trim().is_empty() && !is_placeholder(v))
            }) && r.spend.is_some()
        })
        .count();
    planted(d, "complete_row_count", complete);
}

/// orders/: hive-partitioned Parquet (year=2025, year=2026), plus one truncated file.
fn orders(out: &Path) {
    let dir = out.join("orders");
    let _ = fs::remove_dir_all(&dir);
    // One order every 4 hours from 2025-06-01, for 520 days, skipping 2026-02-02..2026-02-23.
    let start = 1_748_736_000_i64; // 2025-06-01T00:00:00Z
    let gap = (1_769_990_400_i64, 1_771_804_800_i64); // 2026-02-02 .. 2026-02-23 (3 weeks)
    let mut times: Vec<i64> = (0..520 * 6)
        .map(|i| start + i * 4 * 3600)
        .filter(|t| !(gap.0..gap.1).contains(t))
        .collect();
    let base_len = times.len();
    // 12 exact duplicate rows: copies of orders 100..112.
    let copies: Vec<usize> = (100..112).collect();
    // 5 re-used order ids with different content.
    let reused: Vec<usize> = (200..205).collect();
    let mut order_ids: Vec<i64> = (0..base_len as i64).map(|i| 500_000 + i).collect();
    let status_of = |i: usize| -> Option<String> {
        match i % 53 {
            0 => Some("?".to_string()),
            1 => None,
            _ => {
                Some(["shipped", "shipped", "delivered", "pending", "cancelled"][i % 5].to_string())
            }
        }
    };
    let amount_of = |i: usize| -> Option<f64> {
        match i % 71 {
            0 => Some(f64::NAN),
            1 => None,
            _ => Some(((i * 37) % 500) as f64 + 0.99),
        }
    };
    let mut statuses: Vec<Option<String>> = (0..base_len).map(status_of).collect();
    let mut amounts: Vec<Option<f64>> = (0..base_len).map(amount_of).collect();
    let mut customers: Vec<i64> = (0..base_len as i64).map(|i| 1 + i % 980).collect();
    for &i in &copies {
        order_ids.push(order_ids[i]);
        times.push(times[i]);
        statuses.push(statuses[i].clone());
        amounts.push(amounts[i]);
        customers.push(customers[i]);
    }
    for &i in &reused {
        order_ids.push(order_ids[i]);
        times.push(times[i] + 60);
        statuses.push(Some("returned".to_string()));
        amounts.push(Some(1.0));
        customers.push(customers[i]);
    }
    let n = order_ids.len();
    let described = |name: &str, data_type: DataType, text: &str| {
        Field::new(name, data_type, true).with_metadata(HashMap::from([(
            "description".to_string(),
            text.to_string(),
        )]))
    };
    let schema = Arc::new(Schema::new(vec![
        described(
            "order_id",
            DataType::Int64,
            "Order number from the shop system",
        ),
        described(
            "customer_id",
            DataType::Int64,
            "Customer who placed the order",
        ),
        Field::new("amount", DataType::Float64, true),
        Field::new("status", DataType::Utf8, true),
        described(
            "ordered_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            "When the order was placed (UTC)",
        ),
    ]));
    let year_2026 = 1_767_225_600_i64; // 2026-01-01T00:00:00Z
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![
            KeyValue::new("owner".to_string(), "sales-ops@example.com".to_string()),
            KeyValue::new("source_system".to_string(), "shop-export v3".to_string()),
        ]))
        .build();
    let write = |path: &Path, rows: &[usize]| {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|&i| order_ids[i]),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|&i| customers[i]),
            )),
            Arc::new(Float64Array::from(
                rows.iter().map(|&i| amounts[i]).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                rows.iter()
                    .map(|&i| statuses[i].clone())
                    .collect::<Vec<_>>(),
            )),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    rows.iter().map(|&i| times[i] * 1_000_000),
                )
                .with_timezone("UTC"),
            ),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let mut writer = ArrowWriter::try_new(
            File::create(path).unwrap(),
            schema.clone(),
            Some(props.clone()),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    };
    let (old, new): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| times[i] < year_2026);
    write(&dir.join("year=2025/part-0.parquet"), &old);
    let half = new.len() / 2;
    write(&dir.join("year=2026/part-0.parquet"), &new[..half]);
    write(&dir.join("year=2026/part-1.parquet"), &new[half..]);
    // A truncated upload: the first bytes of a real file, no footer.
    let whole = fs::read(dir.join("year=2026/part-1.parquet")).unwrap();
    fs::write(
        dir.join("year=2026/part-2.parquet"),
        &whole[..whole.len() / 3],
    )
    .unwrap();
    fs::write(dir.join("_SUCCESS"), "").unwrap();
    fs::write(
        dir.join("README.md"),
        "# orders\n\nDaily export of the shop's orders, partitioned by year. Owner: sales-ops.\n",
    )
    .unwrap();

    let d = "orders";
    planted(d, "row_count", n);
    planted(d, "files (1 truncated)", 4);
    planted(d, "duplicate_row_count", copies.len());
    planted(
        d,
        "duplicate_key_row_count (order_id)",
        copies.len() + reused.len(),
    );
    planted(
        d,
        "keys_with_duplicates (order_id)",
        copies.len() + reused.len(),
    );
    planted(
        d,
        "amount.nan_count",
        amounts
            .iter()
            .filter(|a| a.is_some_and(f64::is_nan))
            .count(),
    );
    planted(
        d,
        "amount.null_count",
        amounts.iter().filter(|a| a.is_none()).count(),
    );
    text_counts(d, "status", &statuses);
    let max = times.iter().max().unwrap();
    planted(
        d,
        "max_time",
        chrono::DateTime::from_timestamp(*max, 0)
            .unwrap()
            .to_rfc3339(),
    );
}

/// tickets.parquet: one file, support tickets with an imbalanced `priority` label.
fn tickets(out: &Path) {
    let n = 600usize;
    let mut subjects: Vec<Option<String>> = (0..n)
        .map(|i| match i % 20 {
            0 => Some(String::new()),
            1 => Some(" \t".to_string()),
            2 => Some("N/A".to_string()),
            3 => None,
            // Every 40th subject (from the 18th) gives a customer's e-mail address.
            _ if i % 40 == 17 => Some(format!("Cannot log in, reach me at user{i}@example.org")),
            _ => Some(format!("Cannot log in (case {i})")),
        })
        .collect();
    let mut priorities: Vec<Option<String>> = (0..n)
        .map(|i| {
            if i % 10 == 0 {
                None
            } else if i % 60 == 1 {
                Some("urgent".to_string())
            } else if i % 6 == 2 {
                Some("high".to_string())
            } else {
                Some("low".to_string())
            }
        })
        .collect();
    // Naive timestamps (read as UTC), one ticket every 6 hours from 2026-06-01.
    let mut created: Vec<i64> = (0..n as i64)
        .map(|i| (1_780_272_000 + i * 6 * 3600) * 1_000_000)
        .collect();
    let mut scores: Vec<Option<f64>> = (0..n)
        .map(|i| {
            if i % 25 == 0 {
                Some(f64::NAN)
            } else {
                Some((i % 5) as f64)
            }
        })
        .collect();
    // The day each ticket was reported, typed in by hand: ISO dates, but every 20th (from the
    // 8th) day first with slashes and every 50th (from the 14th) with the month's name.
    let mut reported: Vec<String> = created
        .iter()
        .enumerate()
        .map(|(i, micros)| {
            let day = chrono::DateTime::from_timestamp(micros / 1_000_000, 0)
                .unwrap()
                .date_naive();
            match (i % 20, i % 50) {
                (_, 13) => day.format("%b %-d, %Y").to_string(),
                (7, _) => day.format("%d/%m/%Y").to_string(),
                _ => day.format("%Y-%m-%d").to_string(),
            }
        })
        .collect();
    // Refunds as text: plain decimals, but every 30th (from the 18th) in euros with a currency
    // code and every 8th (from the 4th) with a thousands separator.
    let mut refunds: Vec<String> = (0..n)
        .map(|i| match (i % 30, i % 8) {
            (17, _) => format!("EUR {}", 10 + i % 90),
            (_, 3) => format!("1,{:03}.50", i % 1000),
            _ => format!("{}.50", 10 + i % 90),
        })
        .collect();
    // The customer's age, 18 to 80, but -1 (a sentinel) for every 200th ticket from the 12th
    // and 999 (a typo) for every 150th from the 14th.
    let mut ages: Vec<i64> = (0..n as i64)
        .map(|i| match (i % 200, i % 150) {
            (11, _) => -1,
            (_, 13) => 999,
            _ => 18 + i * 7 % 63,
        })
        .collect();
    // How each ticket came in: by e-mail or phone for the first 360 tickets, then the e-mail
    // address was replaced by a chat: the newest rows no longer look like the oldest.
    let mut channels: Vec<&str> = (0..n)
        .map(|i| match (i % 4, i < 360) {
            (0, _) => "phone",
            (_, true) => "email",
            (_, false) => "chat",
        })
        .collect();
    // Set at triage, from the priority: a label leak. The agent who triaged (only set when a
    // priority is) and the SLA in hours the priority sets (72 when there is none yet).
    let sla = |priority: &Option<String>| match priority.as_deref().map(str::to_lowercase) {
        Some(p) if p == "urgent" => 4,
        Some(p) if p == "high" => 24,
        _ => 72,
    };
    let mut slas: Vec<i64> = priorities.iter().map(sla).collect();
    let mut agents: Vec<Option<String>> = priorities
        .iter()
        .enumerate()
        .map(|(i, p)| p.as_ref().map(|_| format!("agent {}", i % 7)))
        .collect();
    // Six tickets entered twice: every 100th from the 50th repeats the ticket before it under
    // a new ticket_id, its subject retyped in capitals with doubled spaces. Near-duplicates,
    // not exact ones.
    for i in (49..n).step_by(100) {
        let retyped = subjects[i - 1]
            .as_ref()
            .map(|s| s.to_uppercase().replace(' ', "  "));
        subjects[i] = retyped;
        priorities[i] = priorities[i - 1].clone();
        created[i] = created[i - 1];
        scores[i] = scores[i - 1];
        reported[i] = reported[i - 1].clone();
        refunds[i] = refunds[i - 1].clone();
        ages[i] = ages[i - 1];
        channels[i] = channels[i - 1];
        slas[i] = slas[i - 1];
        agents[i] = agents[i - 1].clone();
    }
    // Five tickets labelled twice, differently: every 100th from the 90th (before the 560th)
    // repeats the ticket before it under a new ticket_id with the other priority.
    for i in (89..560).step_by(100) {
        subjects[i] = subjects[i - 1].clone();
        priorities[i] = match priorities[i - 1].as_deref() {
            Some("low") => Some("high".to_string()),
            _ => Some("low".to_string()),
        };
        created[i] = created[i - 1];
        scores[i] = scores[i - 1];
        reported[i] = reported[i - 1].clone();
        refunds[i] = refunds[i - 1].clone();
        ages[i] = ages[i - 1];
        channels[i] = channels[i - 1];
        slas[i] = slas[i - 1];
        agents[i] = agents[i - 1].clone();
    }
    // "high" typed in capitals three times.
    for i in [8, 14, 26] {
        priorities[i] = Some("HIGH".to_string());
    }
    // The last 40 tickets (the last 10 days) are not triaged yet: no priority.
    for (priority, agent) in priorities.iter_mut().zip(agents.iter_mut()).skip(560) {
        *priority = None;
        *agent = None;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("ticket_id", DataType::Int64, false),
        Field::new("subject", DataType::Utf8, true),
        Field::new("priority", DataType::Utf8, true),
        Field::new("satisfaction", DataType::Float64, true),
        Field::new(
            "created_at",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("reported_on", DataType::Utf8, false),
        Field::new("refund", DataType::Utf8, false),
        Field::new("customer_age", DataType::Int64, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("sla_hours", DataType::Int64, false),
        Field::new("triaged_by", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n as i64)),
            Arc::new(StringArray::from(subjects.clone())),
            Arc::new(StringArray::from(priorities.clone())),
            Arc::new(Float64Array::from(scores.clone())),
            Arc::new(TimestampMicrosecondArray::from(created.clone())),
            Arc::new(StringArray::from_iter_values(reported.iter())),
            Arc::new(StringArray::from_iter_values(refunds.iter())),
            Arc::new(Int64Array::from(ages.clone())),
            Arc::new(StringArray::from(channels.clone())),
            Arc::new(Int64Array::from(slas.clone())),
            Arc::new(StringArray::from(agents.clone())),
        ],
    )
    .unwrap();
    let mut writer = ArrowWriter::try_new(
        File::create(out.join("tickets.parquet")).unwrap(),
        schema,
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let d = "tickets";
    planted(d, "row_count", n);
    text_counts(d, "subject", &subjects);
    planted(
        d,
        "satisfaction.nan_count",
        scores.iter().filter(|s| s.is_some_and(f64::is_nan)).count(),
    );
    let labelled: Vec<&String> = priorities.iter().flatten().collect();
    planted(d, "priority.labelled_count", labelled.len());
    for class in ["low", "high", "urgent", "HIGH"] {
        planted(
            d,
            &format!("priority.{class}"),
            labelled.iter().filter(|v| v.as_str() == class).count(),
        );
    }
    planted(d, "near_duplicate_row_count", (49..n).step_by(100).count());
    planted(
        d,
        "priority.conflicting_row_count",
        2 * (89..560).step_by(100).count(),
    );
    planted(d, "priority.spelling_variant_row_count", 3);
    planted(d, "priority.label_delay_days", 10);
    // Each retyped subject is the less common of its two spellings (ties go by spelling).
    planted(d, "subject.variant_row_count", (49..n).step_by(100).count());
    let with_email = subjects
        .iter()
        .flatten()
        .filter(|s| s.contains('@'))
        .count();
    planted(d, "subject.contained_email_count", with_email);
    let not_iso = reported.iter().filter(|r| !r.starts_with("2026-")).count();
    planted(d, "reported_on.minority_date_format_count", not_iso);
    let formatted = refunds.iter().filter(|r| r.contains(['E', ','])).count();
    planted(d, "refund.formatted_number_count", formatted);
    planted(
        d,
        "customer_age.negative_count",
        ages.iter().filter(|a| **a < 0).count(),
    );
    planted(
        d,
        "customer_age.outlier_count",
        ages.iter().filter(|a| **a > 200).count(),
    );
    // Representativeness: the oldest and newest fifth of the span of created_at, compared by
    // the population stability index (a share of 0 taken as 0.0001).
    let (first, last) = (
        *created.iter().min().unwrap(),
        *created.iter().max().unwrap(),
    );
    let window = ((last - first) as f64 * 0.2) as i64;
    let oldest: Vec<usize> = (0..n).filter(|&i| created[i] < first + window).collect();
    let newest: Vec<usize> = (0..n).filter(|&i| created[i] >= last - window).collect();
    planted(
        d,
        "newest_share",
        format!("{:.4}", newest.len() as f64 / n as f64),
    );
    let share = |rows: &[usize], value: &str| {
        let matching = rows.iter().filter(|&&i| channels[i] == value).count();
        (matching as f64 / rows.len() as f64).max(0.0001)
    };
    let psi: f64 = ["email", "phone", "chat"]
        .iter()
        .map(|v| {
            (share(&newest, v) - share(&oldest, v)) * (share(&newest, v) / share(&oldest, v)).ln()
        })
        .sum();
    planted(d, "channel.psi", format!("{psi:.4}"));
    // Leakage: the SLA by value purity (labelled rows in their SLA's most common class, against
    // the most common class), the agent filled exactly where a priority is.
    let labelled_rows: Vec<usize> = (0..n).filter(|&i| priorities[i].is_some()).collect();
    let rows_with =
        |keep: &dyn Fn(usize) -> bool| labelled_rows.iter().filter(|&&i| keep(i)).count();
    let classes: std::collections::BTreeSet<&String> = labelled_rows
        .iter()
        .map(|&i| priorities[i].as_ref().unwrap())
        .collect();
    let most_common = |rows: &dyn Fn(usize) -> bool| {
        classes
            .iter()
            .map(|c| rows_with(&|i| rows(i) && priorities[i].as_ref() == Some(*c)))
            .max()
            .unwrap()
    };
    let pure: usize = [4, 24, 72]
        .iter()
        .map(|sla| most_common(&|i| slas[i] == *sla))
        .sum();
    let (purity, majority) = (
        pure as f64 / labelled_rows.len() as f64,
        most_common(&|_| true) as f64 / labelled_rows.len() as f64,
    );
    planted(
        d,
        "sla_hours.value_purity",
        format!("{:.4}", (purity - majority) / (1.0 - majority)),
    );
    let filled = |labelled: bool| {
        let rows: Vec<usize> = (0..n)
            .filter(|&i| priorities[i].is_some() == labelled)
            .collect();
        rows.iter().filter(|&&i| agents[i].is_some()).count() as f64 / rows.len() as f64
    };
    planted(
        d,
        "triaged_by.filled_with_label",
        format!("{:.4}", 1.0 - filled(false) / filled(true)),
    );
    let max = created.iter().max().unwrap() / 1_000_000;
    planted(
        d,
        "max_time",
        chrono::DateTime::from_timestamp(max, 0)
            .unwrap()
            .to_rfc3339(),
    );
}
