//! Parquet and CSV copies of the same data agree on the figures the JSON contract promises:
//! `row_count`, per column `null_count + empty_count` and `nan_count`, the duplicate counts,
//! label class counts and `max_time`.

mod common;

use std::path::Path;

use common::{dataset, repo_path, scan};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use readiness::metrics::{DatasetFormat, DatasetMetrics, SidecarKind};
use serde_json::json;
use tempfile::TempDir;

/// A file of tests/fixtures/writers (made by real writers: tests/fixtures/writers/make.py).
fn fixture(name: &str) -> String {
    repo_path(&format!("tests/fixtures/writers/{name}"))
        .to_string_lossy()
        .into_owned()
}

async fn parquet_to_csv(ctx: &SessionContext, from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let frame = ctx
        .read_parquet(from.to_str().unwrap(), ParquetReadOptions::default())
        .await
        .unwrap();
    let batches = frame.collect().await.unwrap();
    let mut writer = datafusion::arrow::csv::Writer::new(std::fs::File::create(to).unwrap());
    for batch in &batches {
        writer.write(batch).unwrap();
    }
}

async fn csv_to_parquet(ctx: &SessionContext, from: &Path, to: &Path) {
    let options = CsvReadOptions::new()
        .delimiter(b';')
        .newlines_in_values(true);
    let frame = ctx.read_csv(from.to_str().unwrap(), options).await.unwrap();
    frame
        .write_parquet(
            to.to_str().unwrap(),
            DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await
        .unwrap();
}

fn assert_agree(parquet: &DatasetMetrics, csv: &DatasetMetrics) {
    assert_eq!(
        parquet.row_count, csv.row_count,
        "{} row_count",
        parquet.name
    );
    assert_eq!(parquet.columns.len(), csv.columns.len());
    for (p, c) in parquet.columns.iter().zip(&csv.columns) {
        assert_eq!(p.name, c.name);
        assert_eq!(
            p.null_count + p.empty_count,
            c.null_count + c.empty_count,
            "{}.{} null+empty",
            parquet.name,
            p.name
        );
        assert_eq!(
            p.nan_count, c.nan_count,
            "{}.{} nan_count",
            parquet.name, p.name
        );
    }
    assert_eq!(
        parquet.duplicates.duplicate_row_count,
        csv.duplicates.duplicate_row_count
    );
    assert_eq!(
        parquet.duplicates.duplicate_key_row_count,
        csv.duplicates.duplicate_key_row_count
    );
    assert_eq!(
        parquet.duplicates.keys_with_duplicates,
        csv.duplicates.keys_with_duplicates
    );
    assert_eq!(parquet.labels.len(), csv.labels.len());
    for (p, c) in parquet.labels.iter().zip(&csv.labels) {
        let counts = |l: &readiness::metrics::LabelMetrics| {
            l.classes
                .iter()
                .map(|c| (c.value.to_string(), c.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(p), counts(c), "{} label classes", p.column);
    }
    assert_eq!(
        parquet.freshness.max_time, csv.freshness.max_time,
        "{} max_time",
        parquet.name
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_and_csv_copies_agree() {
    let dir = TempDir::new().unwrap();
    let ctx = SessionContext::new();
    let sample = repo_path("sample-data");
    csv_to_parquet(
        &ctx,
        &sample.join("customers.csv"),
        &dir.path().join("customers.parquet"),
    )
    .await;
    parquet_to_csv(
        &ctx,
        &sample.join("tickets.parquet"),
        &dir.path().join("tickets.csv"),
    )
    .await;
    for part in ["year=2025/part-0", "year=2026/part-0", "year=2026/part-1"] {
        let from = sample.join(format!("orders/{part}.parquet"));
        parquet_to_csv(&ctx, &from, &dir.path().join(format!("orders/{part}.csv"))).await;
    }
    let tmp = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let original = |name: &str| sample.join(name).to_string_lossy().into_owned();

    let pairs = [
        (
            tmp("customers.parquet"),
            original("customers.csv"),
            "customers",
            vec!["--key", "customer_id", "--label", "churned"],
        ),
        (
            original("tickets.parquet"),
            tmp("tickets.csv"),
            "tickets",
            vec!["--label", "priority"],
        ),
        (
            original("orders"),
            tmp("orders"),
            "orders",
            vec!["--key", "order_id", "--time", "ordered_at"],
        ),
    ];
    for (parquet_path, csv_path, name, extra) in pairs {
        let parquet = tokio::task::spawn_blocking({
            let mut args = vec![parquet_path.clone()];
            args.extend(extra.iter().map(|s| s.to_string()));
            move || scan(&args.iter().map(String::as_str).collect::<Vec<_>>())
        });
        let csv = tokio::task::spawn_blocking({
            let mut args = vec![csv_path.clone()];
            args.extend(extra.iter().map(|s| s.to_string()));
            move || scan(&args.iter().map(String::as_str).collect::<Vec<_>>())
        });
        let (parquet, csv) = (parquet.await.unwrap(), csv.await.unwrap());
        let (parquet, csv) = (dataset(&parquet, name), dataset(&csv, name));
        assert_eq!(
            (parquet.format, csv.format),
            (DatasetFormat::Parquet, DatasetFormat::Csv)
        );
        assert!(parquet.row_count > 0);
        assert_agree(parquet, csv);
    }
}

/// Nested columns (list, struct, map) cannot be value-counted or ordered: the profile pass
/// still reads the file, counts their NULLs and duplicate rows, and lists no top values.
#[test]
fn nested_columns_are_profiled_without_top_values() {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        ArrayRef, Int32Array, Int32Builder, ListBuilder, MapBuilder, RecordBatch, StringBuilder,
        StructArray,
    };
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::parquet::arrow::ArrowWriter;

    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested.parquet");
    // Rows 0 and 2 are identical; row 1 has NULLs in the list and the map.
    let mut tags = ListBuilder::new(Int32Builder::new());
    tags.append_value([Some(1), Some(2)]);
    tags.append_null();
    tags.append_value([Some(1), Some(2)]);
    let mut attributes = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for row in 0..3 {
        if row == 1 {
            attributes.append(false).unwrap();
        } else {
            attributes.keys().append_value("k");
            attributes.values().append_value("v");
            attributes.append(true).unwrap();
        }
    }
    let point = StructArray::from(vec![(
        Arc::new(Field::new("x", DataType::Int32, true)),
        Arc::new(Int32Array::from(vec![5, 6, 5])) as ArrayRef,
    )]);
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int32Array::from(vec![1, 2, 1])) as ArrayRef),
        ("tags", Arc::new(tags.finish()) as ArrayRef),
        ("attributes", Arc::new(attributes.finish()) as ArrayRef),
        ("point", Arc::new(point) as ArrayRef),
    ])
    .unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let result = scan(&[path.to_str().unwrap()]);
    let found = &result.datasets[0];
    assert_eq!(found.row_count, 3);
    assert!(
        found.files.iter().all(|file| file.error.is_none()),
        "{:?}",
        found.files
    );
    assert_eq!(found.duplicates.duplicate_row_count, 1);
    let column = |name: &str| found.columns.iter().find(|c| c.name == name).unwrap();
    assert_eq!(column("tags").null_count, 1);
    assert_eq!(column("attributes").null_count, 1);
    assert!(column("attributes").top_values.is_empty());
    assert_eq!(column("id").top_values.len(), 2);
}

/// Files that pandas 3, pyarrow, polars and DuckDB write at test time
/// (tests/writers/differential.py: their default string, categorical, nullable and zoned types,
/// every common Arrow type in small row groups, hive folders beside `_SUCCESS` and `.crc`
/// files, pandas CSV with its row index, European CSV, infinities), each scanned by readiness:
/// rows, exact duplicate rows and every column's NULL, NaN, empty, placeholder and top-value
/// counts equal what the script computes from pyarrow's own reading of the same file.
#[test]
fn figures_equal_an_independent_reading_of_files_real_writers_made() {
    let dir = tempfile::TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/writers/differential.py",
        &[
            std::ffi::OsStr::new(env!("CARGO_BIN_EXE_readiness")),
            dir.path().as_os_str(),
        ],
    );
    let outcome: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        outcome["cases"],
        serde_json::json!([
            "pandas_parquet",
            "pyarrow_types",
            "polars_parquet",
            "duckdb_hive",
            "pandas_csv",
            "pandas_eu_csv",
            "pandas_partition_cols",
            "pandas_inf_csv"
        ])
    );
    assert_eq!(outcome["failures"], serde_json::json!([]), "{outcome:#}");
}

/// Parquet written by pandas and pyarrow (tests/fixtures/writers/make.py): categoricals
/// (dictionary-encoded) are profiled like their values, and every other type Parquet carries
/// is profiled without losing the dataset.
#[test]
fn parquet_from_real_writers_is_profiled_whatever_its_types() {
    let counts = |column: &readiness::metrics::ColumnMetrics| -> Vec<(serde_json::Value, u64)> {
        column
            .top_values
            .iter()
            .map(|v| (v.value.clone(), v.count))
            .collect()
    };
    let result = common::scan(&[&fixture("pandas_categorical.parquet")]);
    let frame = &result.datasets[0];
    assert_eq!(frame.row_count, 6);
    let plan = common::column(frame, "plan");
    assert_eq!((plan.null_count, plan.distinct_count), (1, 3));
    assert_eq!(
        (plan.min.clone(), plan.max.clone()),
        (Some(json!("free")), Some(json!("team")))
    );
    assert_eq!(counts(plan)[0], (json!("pro"), 3));
    let region = common::column(frame, "region");
    assert_eq!(
        counts(region),
        [(json!("us"), 3), (json!("eu"), 2), (json!("apac"), 1)]
    );

    let result = common::scan(&[&fixture("pyarrow_types.parquet")]);
    let types = &result.datasets[0];
    assert_eq!(types.row_count, 3);
    for column in &types.columns {
        assert_eq!(column.null_count, 1, "{}", column.name);
    }
    let u64_column = common::column(types, "u64");
    assert_eq!(u64_column.max, Some(json!(18_446_744_073_709_551_615u64)));
    assert_eq!(common::column(types, "dec256").min, Some(json!("1.50")));
    assert_eq!(common::column(types, "dictionary").max, Some(json!("b")));
    assert_eq!(types.freshness.time_column.as_deref(), Some("zoned"));
    let int96 = &common::scan(&[&fixture("pyarrow_int96.parquet")]).datasets[0];
    assert_eq!(int96.freshness.max_time, types.freshness.max_time);
    assert_eq!(
        int96.freshness.max_time.map(|t| t.to_rfc3339()),
        Some("2024-01-02T12:00:00+00:00".to_string())
    );
}

/// The same rows written by pandas as Parquet, as NDJSON and as gzipped NDJSON give the same
/// figures, column for column.
#[test]
fn ndjson_and_parquet_copies_agree() {
    let args = ["--key", "id", "--label", "label"];
    let scanned = |name: &str| {
        let mut all = vec![fixture(name)];
        all.extend(args.iter().map(|a| a.to_string()));
        common::scan(&all.iter().map(String::as_str).collect::<Vec<_>>())
            .datasets
            .remove(0)
    };
    let parquet = scanned("parity.parquet");
    for name in ["parity.jsonl", "parity.ndjson.gz"] {
        let json = scanned(name);
        assert_eq!(json.format, DatasetFormat::Json, "{name}");
        assert_eq!(json.row_count, 8, "{name}");
        assert_eq!(json.rejected_row_count, 0, "{name}");
        assert_agree(&parquet, &json);
        for (p, j) in parquet.columns.iter().zip(&json.columns) {
            assert_eq!(
                (p.null_count, p.empty_count, p.placeholder_count),
                (j.null_count, j.empty_count, j.placeholder_count),
                "{name}: {}",
                p.name
            );
            assert_eq!(p.distinct_count, j.distinct_count, "{name}: {}", p.name);
            assert_eq!((&p.min, &p.max), (&j.min, &j.max), "{name}: {}", p.name);
        }
    }
    assert_eq!(parquet.duplicates.duplicate_row_count, 1);
    assert_eq!(common::column(&parquet, "name").placeholder_count, 1);
    assert_eq!(parquet.labels[0].labelled_count, 6);
}

/// A line that is not one JSON object is a rejected row (the others are profiled); values in
/// it that look like personal data are masked; a `.json` document beside the data is a
/// sidecar, not rows; text mixed with numbers is read as text, no row lost.
#[test]
fn ndjson_lines_that_are_not_objects_are_rejected_and_documents_are_sidecars() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("events");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("part-0.jsonl"),
        concat!(
            "{\"id\": 1, \"email\": \"ann.lee@example.com\", \"code\": \"A1\"}\n",
            "{\"id\": 2, \"email\": \"bo@example.org\", \"code\": 7}\n",
            "{\"id\": 3, \"email\": \"cy.doe@example.com\", \"code\": \n",
            "\n",
            "{\"id\": 4, \"email\": null, \"code\": true}\n",
        ),
    )
    .unwrap();
    std::fs::write(
        folder.join("manifest.json"),
        "{\n  \"owner\": \"web team\",\n  \"rows\": 3\n}\n",
    )
    .unwrap();
    let result = scan(&[folder.to_str().unwrap()]);
    assert_eq!(result.datasets.len(), 1);
    let events = &result.datasets[0];
    assert_eq!(events.format, DatasetFormat::Json);
    assert_eq!((events.row_count, events.rejected_row_count), (3, 1));
    let file = &events.files[0];
    assert_eq!(file.rejected_row_count, Some(1));
    let reject = &file.rejected_rows[0];
    assert_eq!(
        (reject.line, reject.kind.in_words()),
        (3, "a line that is not one JSON object")
    );
    let excerpt = reject.excerpt.as_deref().unwrap();
    assert!(!excerpt.contains("cy.doe"), "{excerpt}");
    assert!(excerpt.contains("c***@example.com"), "{excerpt}");
    let code = common::column(events, "code");
    assert_eq!((code.data_type.as_str(), code.distinct_count), ("Utf8", 3));
    assert!(
        events
            .notes
            .iter()
            .any(|n| n == "column `code` mixes text with numbers or booleans: it is read as text"),
        "{:?}",
        events.notes
    );
    let sidecars: Vec<(&str, SidecarKind)> = events
        .lineage
        .sidecar_files
        .iter()
        .map(|s| (s.path.rsplit('/').next().unwrap(), s.kind))
        .collect();
    assert_eq!(sidecars, [("manifest.json", SidecarKind::Manifest)]);
    assert_eq!(events.files.len(), 1);
}

/// Intervals, which pyarrow cannot write to Parquet, written by arrow-rs (DataFusion's own
/// writer): profiled with their null counts, the dataset kept.
#[test]
fn interval_columns_are_profiled() {
    use datafusion::arrow::array::{IntervalDayTimeArray, IntervalYearMonthArray, RecordBatch};
    use datafusion::arrow::datatypes::IntervalDayTime;
    use std::sync::Arc;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("intervals.parquet");
    let batch = RecordBatch::try_from_iter([
        (
            "months",
            Arc::new(IntervalYearMonthArray::from(vec![Some(1), None, Some(14)])) as _,
        ),
        (
            "days",
            Arc::new(IntervalDayTimeArray::from(vec![
                Some(IntervalDayTime::new(1, 500)),
                None,
                None,
            ])) as _,
        ),
    ])
    .unwrap();
    let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let result = scan(&[path.to_str().unwrap()]);
    let intervals = &result.datasets[0];
    assert_eq!(intervals.row_count, 3);
    assert_eq!(common::column(intervals, "months").null_count, 1);
    assert_eq!(common::column(intervals, "days").null_count, 2);
}
