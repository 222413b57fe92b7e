//! The benchmark table: a synthetic "customer events / churn" table of 21 columns, written by
//! `examples/bench_gen.rs` for `bench/run` and checked by `tests/bench_data.rs`.
//!
//! A port of the shared `gen.py`: the same columns, types and defect rates, deterministic
//! (fixed seeds, one per 1M-row chunk, so the first 1M rows of the 10M table are the 1M table).
//! The random streams differ from numpy's, so the files are not byte-identical to gen.py's.
//!
//! Defects planted on purpose (approximate rates):
//! * `event_id` (key): ~0.5% of rows reuse another row's key with different content, and every
//!   exact duplicate row also duplicates its key;
//! * exactly 1% exact duplicate rows per chunk (copies of other rows of the same chunk);
//! * NULLs in most columns, NaN in `monthly_spend`, `total_spend` and `discount_rate`;
//! * empty strings and the placeholders `N/A`, `unknown`, `-` in text columns;
//! * `event_time` 2022-01-01 .. 2023-12-31 with no events 2023-06-01 .. 2023-06-21;
//! * `churned` (label): `no`/`yes`, ~30% NULL, ~88/12 among the labelled;
//! * `email`: personal data, `user<customer_id>@<domain>`;
//! * `feedback_text`: free text, some with commas and quotes, NULL or empty.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float32Array, Float64Array, Int16Array, Int32Array,
    Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array,
};
use datafusion::arrow::compute::take_record_batch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom, index};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};

/// Rows per chunk: one random seed and one Parquet row group each.
pub const CHUNK: usize = 1_000_000;
const BASE_SEED: u64 = 20_240_601;

const COUNTRIES: &[&str] = &[
    "US", "GB", "DE", "FR", "IN", "BR", "CA", "AU", "JP", "ES", "IT", "NL", "SE", "PL", "MX", "AR",
    "ZA", "NG", "KE", "EG", "CN", "KR", "SG", "ID", "TR", "RU", "UA", "PT", "IE", "NZ",
];
const EVENT_TYPES: &[&str] = &[
    "page_view",
    "click",
    "purchase",
    "login",
    "logout",
    "support_call",
    "cancel_request",
    "upgrade",
    "downgrade",
];
const DEVICES: &[&str] = &["mobile", "desktop", "tablet", "smart_tv"];
const PLANS: &[&str] = &["free", "basic", "pro", "enterprise"];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.org",
    "corp.example.com",
    "mail.ru",
    "proton.me",
    "icloud.com",
];
const WORDS: &str = "the app is slow great service price too high cancel my account \
    support never answered love the new feature billing issue again \
    cannot login please fix crash on startup would recommend to friends \
    terrible experience okay I guess refund requested, thanks! \
    \"premium\" plan not worth it works fine on mobile desktop version \
    broken missing export option delivery late good value for money \
    interface confusing dark mode please notifications spam";
const SYLLABLES: &[&str] = &[
    "ba", "ber", "lin", "mos", "ko", "va", "ton", "ri", "sa", "ham", "burg", "dor", "el", "na",
    "po", "lis", "ter", "gra", "vi", "chen",
];
const PLACEHOLDERS: &[&str] = &["", "N/A", "unknown", "-"];

/// Writes `dir/events_<tag>.parquet` and, with `csv`, `dir/events_<tag>.csv`; returns their
/// paths. Progress per chunk goes to stderr.
pub fn write(rows: usize, dir: &Path, csv: bool) -> std::io::Result<Vec<std::path::PathBuf>> {
    fs::create_dir_all(dir)?;
    let tag = tag_for(rows);
    let parquet_path = dir.join(format!("events_{tag}.parquet"));
    let csv_path = dir.join(format!("events_{tag}.csv"));
    let parquet_tmp = parquet_path.with_extension("parquet.tmp");
    let csv_tmp = csv_path.with_extension("csv.tmp");
    let pools = Pools::new();
    let started = Instant::now();
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(CHUNK))
        .build();
    let mut parquet: Option<ArrowWriter<File>> = None;
    let mut csv_writer = match csv {
        true => Some(
            WriterBuilder::new()
                .with_header(true)
                .build(BufWriter::with_capacity(1 << 20, File::create(&csv_tmp)?)),
        ),
        false => None,
    };
    let mut done = 0;
    let mut chunk = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let batch = make_chunk(&pools, chunk, n, rows);
        let writer = match &mut parquet {
            Some(writer) => writer,
            None => {
                let file = File::create(&parquet_tmp)?;
                parquet.insert(
                    ArrowWriter::try_new(file, batch.schema(), Some(properties.clone()))
                        .map_err(std::io::Error::other)?,
                )
            }
        };
        writer.write(&batch).map_err(std::io::Error::other)?;
        if let Some(csv_writer) = &mut csv_writer {
            csv_writer.write(&batch).map_err(std::io::Error::other)?;
        }
        done += n;
        chunk += 1;
        eprintln!(
            "  chunk {chunk}: {done} rows, {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(writer) = parquet {
        writer.close().map_err(std::io::Error::other)?;
    }
    let mut written = vec![parquet_path.clone()];
    fs::rename(&parquet_tmp, &parquet_path)?;
    if let Some(csv_writer) = csv_writer {
        drop(csv_writer);
        fs::rename(&csv_tmp, &csv_path)?;
        written.push(csv_path);
    }
    Ok(written)
}

/// `1m`, `10m`, `250k`, or the number itself.
pub fn tag_for(rows: usize) -> String {
    if rows.is_multiple_of(1_000_000) {
        format!("{}m", rows / 1_000_000)
    } else if rows.is_multiple_of(1000) {
        format!("{}k", rows / 1000)
    } else {
        rows.to_string()
    }
}

/// City names and feedback texts drawn from, the same for every chunk.
pub struct Pools {
    cities: Vec<String>,
    texts: Vec<String>,
}

impl Default for Pools {
    fn default() -> Self {
        Self::new()
    }
}

impl Pools {
    pub fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(BASE_SEED - 1);
        let mut cities: Vec<String> = (0..4000)
            .map(|_| {
                let syllables = rng.random_range(2..4);
                let name: String = (0..syllables)
                    .map(|_| *SYLLABLES.choose(&mut rng).expect("syllables"))
                    .collect();
                let mut letters = name.chars();
                let first = letters.next().expect("a syllable").to_ascii_uppercase();
                std::iter::once(first).chain(letters).collect()
            })
            .collect();
        cities.sort();
        cities.dedup();
        let words: Vec<&str> = WORDS.split_whitespace().collect();
        let texts = (0..20_000)
            .map(|_| {
                let count = rng.random_range(2..25);
                (0..count)
                    .map(|_| *words.choose(&mut rng).expect("words"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        Self { cities, texts }
    }
}

/// `P(k) ~ 1 / k^1.1` over `k` choices: a few common values and a long tail.
fn zipf(choices: usize) -> WeightedIndex<f64> {
    WeightedIndex::new((1..=choices).map(|k| 1.0 / (k as f64).powf(1.1))).expect("weights")
}

/// A NULL mask with the given rate.
fn nulls(rng: &mut StdRng, n: usize, rate: f64) -> Vec<bool> {
    (0..n).map(|_| rng.random_bool(rate)).collect()
}

fn masked<T>(values: Vec<T>, null: &[bool]) -> Vec<Option<T>> {
    values
        .into_iter()
        .zip(null)
        .map(|(value, &null)| (!null).then_some(value))
        .collect()
}

/// Text drawn from `pool` by `dist`, NULL at `null_rate`, then each placeholder (the empty
/// string included) written over `placeholder_rate` of the rows.
fn categorical(
    rng: &mut StdRng,
    n: usize,
    pool: &[&str],
    dist: &WeightedIndex<f64>,
    null_rate: f64,
    placeholder_rate: f64,
) -> Vec<Option<String>> {
    let values: Vec<String> = (0..n).map(|_| pool[dist.sample(rng)].to_string()).collect();
    let null = nulls(rng, n, null_rate);
    with_placeholders(rng, masked(values, &null), placeholder_rate)
}

fn with_placeholders(
    rng: &mut StdRng,
    mut values: Vec<Option<String>>,
    rate_each: f64,
) -> Vec<Option<String>> {
    if rate_each == 0.0 {
        return values;
    }
    for value in &mut values {
        let pick: f64 = rng.random();
        let slot = (pick / rate_each) as usize;
        if let Some(placeholder) = PLACEHOLDERS.get(slot) {
            *value = Some(placeholder.to_string());
        }
    }
    values
}

/// Chunk number `chunk` (of `n` rows) of a `total_rows` table.
pub fn make_chunk(pools: &Pools, chunk: usize, n: usize, total_rows: usize) -> RecordBatch {
    let mut rng = StdRng::seed_from_u64(BASE_SEED + chunk as u64);
    let base = (chunk * CHUNK) as i64;
    let customers = (total_rows / 20).max(1000) as i64;
    let epoch = |y, m, d| {
        NaiveDate::from_ymd_opt(y, m, d)
            .expect("date")
            .and_hms_opt(0, 0, 0)
            .expect("time")
            .and_utc()
            .timestamp()
    };
    let (t0, t1) = (epoch(2022, 1, 1), epoch(2024, 1, 1));
    let (gap0, gap1) = (epoch(2023, 6, 1), epoch(2023, 6, 22));
    let days = |seconds: i64| (seconds / 86_400) as i32;

    let mut event_id: Vec<i64> = (0..n as i64).map(|i| base + i + 1_000_000_000).collect();
    let customer_id: Vec<i64> = (0..n).map(|_| rng.random_range(1..=customers)).collect();
    let session_id: Vec<i64> = (0..n).map(|_| rng.random_range(0..1i64 << 62)).collect();
    let span = (t1 - t0) - (gap1 - gap0);
    let event_time: Vec<i64> = (0..n)
        .map(|_| {
            let t = t0 + rng.random_range(0..span);
            let t = if t >= gap0 { t + (gap1 - gap0) } else { t };
            t * 1_000_000
        })
        .collect();
    let signup: Vec<i32> = (0..n)
        .map(|_| rng.random_range(days(epoch(2015, 1, 1))..days(epoch(2024, 1, 1))))
        .collect();
    let signup_date = masked(signup, &nulls(&mut rng, n, 0.005));

    let event_type = categorical(
        &mut rng,
        n,
        EVENT_TYPES,
        &zipf(EVENT_TYPES.len()),
        0.001,
        0.0,
    );
    let country = categorical(&mut rng, n, COUNTRIES, &zipf(COUNTRIES.len()), 0.01, 0.0025);
    let city_pool: Vec<&str> = pools.cities.iter().map(String::as_str).collect();
    let uniform_city = WeightedIndex::new(vec![1.0; city_pool.len()]).expect("weights");
    let city = categorical(&mut rng, n, &city_pool, &uniform_city, 0.02, 0.01);
    let device_dist = WeightedIndex::new([0.55, 0.35, 0.08, 0.02]).expect("weights");
    let device_type = categorical(&mut rng, n, DEVICES, &device_dist, 0.01, 0.0);
    let plan_dist = WeightedIndex::new([0.5, 0.3, 0.15, 0.05]).expect("weights");
    let plan = categorical(&mut rng, n, PLANS, &plan_dist, 0.005, 0.001);

    let age: Vec<i16> = (0..n).map(|_| rng.random_range(18..91)).collect();
    let age = masked(age, &nulls(&mut rng, n, 0.05));
    let tenure_days: Vec<i32> = (0..n).map(|_| rng.random_range(0..3000)).collect();
    let spend = LogNormal::new(3.0, 0.8).expect("lognormal");
    let monthly: Vec<f64> = (0..n)
        .map(|_| {
            let value: f64 = spend.sample(&mut rng);
            if rng.random_bool(0.01) {
                f64::NAN
            } else {
                (value * 100.0).round() / 100.0
            }
        })
        .collect();
    let total: Vec<f64> = monthly
        .iter()
        .map(|m| (m * rng.random_range(1..60) as f64 * 100.0).round() / 100.0)
        .collect();
    let monthly_spend = masked(monthly, &nulls(&mut rng, n, 0.01));
    let total_spend = masked(total, &nulls(&mut rng, n, 0.03));
    let discount_rate: Vec<f32> = (0..n)
        .map(|_| {
            let rate = rng.random_range(0.0f32..0.5);
            if rng.random_bool(0.02) {
                f32::NAN
            } else {
                rate
            }
        })
        .collect();
    let tickets = Poisson::new(0.7).expect("poisson");
    let support_tickets: Vec<i16> = (0..n).map(|_| tickets.sample(&mut rng) as i16).collect();
    let last_login: Vec<i32> = (0..n).map(|_| rng.random_range(0..365)).collect();
    let last_login_days = masked(last_login, &nulls(&mut rng, n, 0.10));
    let active: Vec<bool> = (0..n).map(|_| rng.random_bool(0.8)).collect();
    let is_active = masked(active, &nulls(&mut rng, n, 0.01));

    let email: Vec<Option<String>> = customer_id
        .iter()
        .map(|&id| {
            if rng.random_bool(0.02) {
                None
            } else if rng.random_bool(0.002) {
                Some("unknown".to_string())
            } else {
                Some(format!("user{id}@{}", DOMAINS[id as usize % DOMAINS.len()]))
            }
        })
        .collect();
    let feedback_text: Vec<Option<String>> = (0..n)
        .map(|_| {
            let pick: f64 = rng.random();
            let text = &pools.texts[rng.random_range(0..pools.texts.len())];
            match pick {
                p if p < 0.40 => None,
                p if p < 0.45 => Some(String::new()),
                _ => Some(text.clone()),
            }
        })
        .collect();
    let churned: Vec<Option<&str>> = (0..n)
        .map(|_| {
            let label = if rng.random_bool(0.12) { "yes" } else { "no" };
            (!rng.random_bool(0.30)).then_some(label)
        })
        .collect();

    // ~0.5% duplicated keys, the rows otherwise different.
    for dst in index::sample(&mut rng, n, n / 200) {
        event_id[dst] = event_id[rng.random_range(0..n)];
    }

    let columns: Vec<(&str, ArrayRef)> = vec![
        ("event_id", Arc::new(Int64Array::from(event_id))),
        ("customer_id", Arc::new(Int64Array::from(customer_id))),
        ("session_id", Arc::new(Int64Array::from(session_id))),
        (
            "event_time",
            Arc::new(TimestampMicrosecondArray::from(event_time)),
        ),
        ("event_type", Arc::new(StringArray::from(event_type))),
        ("signup_date", Arc::new(Date32Array::from(signup_date))),
        ("country", Arc::new(StringArray::from(country))),
        ("city", Arc::new(StringArray::from(city))),
        ("device_type", Arc::new(StringArray::from(device_type))),
        ("plan", Arc::new(StringArray::from(plan))),
        ("age", Arc::new(Int16Array::from(age))),
        ("tenure_days", Arc::new(Int32Array::from(tenure_days))),
        ("monthly_spend", Arc::new(Float64Array::from(monthly_spend))),
        ("total_spend", Arc::new(Float64Array::from(total_spend))),
        ("discount_rate", Arc::new(Float32Array::from(discount_rate))),
        (
            "support_tickets",
            Arc::new(Int16Array::from(support_tickets)),
        ),
        (
            "last_login_days",
            Arc::new(Int32Array::from(last_login_days)),
        ),
        ("is_active", Arc::new(BooleanArray::from(is_active))),
        ("email", Arc::new(StringArray::from(email))),
        ("feedback_text", Arc::new(StringArray::from(feedback_text))),
        ("churned", Arc::new(StringArray::from(churned))),
    ];
    let batch = RecordBatch::try_from_iter(columns).expect("batch");

    // ~1% exact duplicate rows: 1% of positions overwritten with copies of other rows.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(&mut rng);
    let copies = n / 100;
    let mut rows: Vec<u32> = (0..n as u32).collect();
    for i in 0..copies {
        rows[order[i] as usize] = order[copies + i];
    }
    take_record_batch(&batch, &UInt32Array::from(rows)).expect("take")
}
