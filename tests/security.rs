//! Security hardening (SECURITY.md): personal values stay masked, `--no-samples` leaves no data
//! value, hostile files are bounded, symlinks do not lead out of a scanned folder.

mod common;

use std::fs;
use std::path::Path;

use common::{classes, column, scan, scan_output, write};
use tempfile::TempDir;

/// A customer table whose personal columns hide behind camelCase names, a label column of
/// e-mail addresses and a birth date as the only date column.
fn customers(dir: &Path) -> String {
    let mut text = String::from("customerId,emailAddress,dateOfBirth,referredBy\n");
    for i in 0..31 {
        text.push_str(&format!(
            "{i},user{i}@example.com,19{:02}-0{}-1{},{}\n",
            50 + i,
            1 + i % 9,
            i % 10,
            match i % 3 {
                0 => "ann.lee@example.com",
                1 => "bob.stone@example.com",
                _ => "cy.doe@example.com",
            }
        ));
    }
    write(dir, "customers.csv", &text)
}

/// `rows` numbers in `column`, then `late` past the type-inference sample (so the column
/// falls back to text with a note quoting the value).
fn late_text(dir: &Path, column: &str, late: &str) -> String {
    let mut text = format!("id,{column}\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i},{}\n", 4_917_012_000u64 + i));
    }
    text.push_str(&format!("20000,{late}\n"));
    write(dir, &format!("{column}.csv"), &text)
}

#[test]
fn personal_values_never_leave_and_a_birth_date_is_not_freshness() {
    let dir = TempDir::new().unwrap();
    let file = customers(dir.path());
    let result = scan(&[&file, "--label", "referredBy"]);
    let customers = &result.datasets[0];
    assert_eq!(
        column(customers, "emailAddress").personal_data.as_deref(),
        Some("e-mail")
    );
    assert_eq!(
        column(customers, "dateOfBirth").personal_data.as_deref(),
        Some("birth date")
    );
    // The birth date is the only date column, and still not chosen for freshness.
    assert_eq!(customers.freshness.time_column, None);
    assert_eq!(
        customers.freshness.lag_basis,
        Some(readiness::metrics::LagBasis::FileModified)
    );
    // Label classes of a personal-data column are masked, counts kept.
    let classes = classes(&customers.labels[0]);
    assert_eq!(
        classes,
        [
            ("a***@example.com".to_string(), 11),
            ("b***@example.com".to_string(), 10),
            ("c***@example.com".to_string(), 10)
        ]
    );
    let json = serde_json::to_string(&result).unwrap();
    for value in ["ann.lee", "bob.stone", "cy.doe", "user7@"] {
        assert!(!json.contains(value), "{value} leaked");
    }

    // Given as --time, the birth date's dates are left out of freshness, with a note.
    let given = scan(&[&file, "--time", "dateOfBirth"]);
    let freshness = &given.datasets[0].freshness;
    assert_eq!(freshness.time_column.as_deref(), Some("dateOfBirth"));
    assert_eq!((freshness.min_time, freshness.max_time), (None, None));
    assert!(freshness.buckets.is_empty() && freshness.lag_seconds.is_none());
    assert!(given.datasets[0].notes.iter().any(|n| n
        == "time column `dateOfBirth` looks like personal data (birth date): its dates are left out of the freshness figures"));
}

#[test]
fn no_samples_leaves_no_value_from_the_data() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "plans.csv",
        "id,plan,code\n1,gold,10\n2,silver,11\n3,gold,12\n3,gold,12\n4,bronze,SECRET-CODE-77\n",
    );
    let output = scan_output(&[&file, "--label", "plan", "--key", "id", "--no-samples"]);
    assert!(common::profiled(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for value in ["gold", "silver", "bronze", "SECRET-CODE-77"] {
        assert!(
            !text.contains(value),
            "{value} in the JSON with --no-samples"
        );
    }
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let classes = classes(&result.datasets[0].labels[0]);
    assert_eq!(
        classes,
        [
            ("class 1".to_string(), 3),
            ("class 2".to_string(), 1),
            ("class 3".to_string(), 1)
        ]
    );
    assert!(result.datasets[0].duplicates.example_groups.is_empty());
}

#[test]
fn a_note_quoting_a_value_masks_it_or_leaves_it_out() {
    let dir = TempDir::new().unwrap();
    let phones = late_text(dir.path(), "phone", "+49 170 5550123");
    let result = scan(&[&phones]);
    let note = result.datasets[0]
        .notes
        .iter()
        .find(|n| n.starts_with("column `phone` is read as text"))
        .expect("the type fallback note");
    assert!(
        note.starts_with("column `phone` is read as text: the value '***23' near line"),
        "{note}"
    );
    let codes = late_text(dir.path(), "code", "SECRET-CODE-77");
    let output = scan_output(&[&codes, "--no-samples"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("SECRET-CODE-77"), "{text}");
    assert!(text.contains("column `code` is read as text: the value '…' near line"));
}

/// A symbolic link out of the scanned folder is not followed (a finding says so), a link
/// inside it is, and a link loop is a finding, not a failed source. `--follow-symlinks`
/// follows the outside link.
#[test]
fn symlinks_do_not_lead_out_of_a_scanned_folder() {
    let dir = TempDir::new().unwrap();
    let outside = write(dir.path(), "private/secret.csv", "id,v\n1,a\n2,b\n3,c\n");
    let inside = write(dir.path(), "data/part-0.csv", "id,v\n10,x\n");
    write(dir.path(), "data/nested/part-1.csv", "id,v\n20,y\n21,z\n");
    let data = dir.path().join("data");
    std::os::unix::fs::symlink(&outside, data.join("part-9.csv")).unwrap();
    std::os::unix::fs::symlink(&inside, data.join("nested/part-2.csv")).unwrap();
    std::os::unix::fs::symlink(&data, data.join("nested/loop")).unwrap();
    let source = data.to_string_lossy().into_owned();

    let output = scan_output(&[&source, "--one-dataset"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    // part-0 (1 row), nested/part-1 (2 rows), nested/part-2 -> part-0 (1 row); not the secret.
    assert_eq!(result.datasets[0].row_count, 4);
    let mut skipped: Vec<(String, String)> = result
        .unreadable_sources
        .iter()
        .map(|f| {
            let name = f.source.strip_prefix(&source).unwrap_or(&f.source);
            (name.to_string(), f.error.clone())
        })
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "/nested/loop");
    assert!(
        skipped[0].1.starts_with("a symbolic link loop (back to "),
        "{}",
        skipped[0].1
    );
    assert_eq!(
        skipped[1],
        (
            "/part-9.csv".to_string(),
            format!(
                "a symbolic link out of the scanned folder (to {outside}): not followed; --follow-symlinks follows it"
            )
        )
    );

    let followed = scan_output(&[&source, "--one-dataset", "--follow-symlinks"]);
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&followed.stdout).unwrap();
    assert_eq!(result.datasets[0].row_count, 7);
}

/// Reports are written to a temporary file and renamed into place: the old file is replaced
/// whole (a hard link to it keeps the old text; an in-place rewrite would change it), no
/// temporary file is left, and a history folder's other files are never read.
#[test]
fn reports_and_history_are_written_whole_and_history_reads_only_its_own_files() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "data.csv", "id,v\n1,a\n2,b\n");
    let json = dir.path().join("out/readiness.json");
    let kept = dir.path().join("kept.json");
    write(dir.path(), "out/readiness.json", "the previous report");
    fs::hard_link(&json, &kept).unwrap();
    let history = dir.path().join("history");
    write(dir.path(), "history/other.parquet", "not a history file");
    write(dir.path(), "history/notes.txt", "kept by people");
    let output = common::scan_output(&[
        &data,
        "--history",
        history.to_str().unwrap(),
        "--html",
        "/dev/null",
    ]);
    assert!(common::profiled(&output));
    let output = common::readiness(&[
        "scan",
        &data,
        "--now",
        "2026-11-23T00:00:00Z",
        "-q",
        "--html",
        "/dev/null",
        "--json",
        json.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
    ]);
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(fs::read_to_string(&kept).unwrap(), "the previous report");
    let written = readiness::report::json::parse(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(written.result.datasets[0].row_count, 2);
    let leftovers: Vec<_> = fs::read_dir(json.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["readiness.json"]);
    // The second run found the first in the history, and nothing else there was read.
    let history = written.history.expect("a history section");
    assert_eq!(history.previous_runs, 1);
    assert_eq!(history.unreadable_files, []);
}

/// One line longer than the per-row limit makes its file a per-file error; the other files
/// are profiled.
#[test]
fn an_enormous_line_is_a_per_file_error() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "data/a-good.csv", "id,v\n1,a\n2,b\n");
    let mut huge = b"id,v\n1,".to_vec();
    huge.resize(huge.len() + (65 << 20), b'x');
    fs::write(dir.path().join("data/b-huge.csv"), &huge).unwrap();
    let source = dir.path().join("data").to_string_lossy().into_owned();
    let output = scan_output(&[&source]);
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let dataset = &result.datasets[0];
    assert_eq!(dataset.row_count, 2);
    let huge = dataset
        .files
        .iter()
        .find(|f| f.path.ends_with("b-huge.csv"))
        .unwrap();
    assert_eq!(
        huge.error.as_deref(),
        Some(
            "cannot read: a record longer than 64 MiB at line 2: the file is not read (limit for one row)"
        )
    );
}

/// Thrift compact encoding, just enough for a Parquet footer.
struct Compact(Vec<u8>);

impl Compact {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }
    fn field(&mut self, delta: u8, kind: u8) {
        self.0.push((delta << 4) | kind);
    }
    fn int(&mut self, delta: u8, value: i64, kind: u8) {
        self.field(delta, kind);
        self.varint(((value << 1) ^ (value >> 63)) as u64);
    }
    fn text(&mut self, delta: u8, text: &str) {
        self.field(delta, 8);
        self.varint(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }
}

/// A Parquet file whose footer declares a schema nested `depth` groups deep.
fn deeply_nested_parquet(depth: usize) -> Vec<u8> {
    let mut footer = Compact(Vec::new());
    footer.int(1, 1, 5); // 1: version
    footer.field(1, 9); // 2: schema, a list of structs
    footer.0.push(0xF0 | 12);
    footer.varint(depth as u64 + 2);
    let group = |footer: &mut Compact, name: &str| {
        footer.int(3, 1, 5); // 3: repetition OPTIONAL
        footer.text(1, name); // 4: name
        footer.int(1, 1, 5); // 5: num_children
        footer.0.push(0);
    };
    // The root has no repetition: name and one child.
    footer.text(4, "schema");
    footer.int(1, 1, 5);
    footer.0.push(0);
    for _ in 0..depth {
        group(&mut footer, "n");
    }
    footer.int(1, 1, 5); // 1: type INT32
    footer.int(2, 1, 5); // 3: repetition OPTIONAL
    footer.text(1, "leaf"); // 4: name
    footer.0.push(0);
    footer.int(1, 0, 6); // 3: num_rows
    footer.field(1, 9); // 4: row_groups, empty
    footer.0.push(12);
    footer.0.push(0);
    let mut file = b"PAR1".to_vec();
    file.extend_from_slice(&footer.0);
    file.extend_from_slice(&(footer.0.len() as u32).to_le_bytes());
    file.extend_from_slice(b"PAR1");
    file
}

/// A footer nested 100,000 levels deep is refused as a bad file instead of overflowing the
/// stack; a shallow one written the same way is read.
#[test]
fn a_parquet_schema_nested_100000_deep_is_refused_not_a_crash() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("deep.parquet"), deeply_nested_parquet(100_000)).unwrap();
    fs::write(
        data.join("deeper-than-limit.parquet"),
        deeply_nested_parquet(5_000),
    )
    .unwrap();
    fs::write(data.join("shallow.parquet"), deeply_nested_parquet(3)).unwrap();
    let output = scan_output(&[data.to_str().unwrap(), "--each"]);
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let error = |name: &str| {
        result
            .datasets
            .iter()
            .flat_map(|d| &d.files)
            .find(|f| f.path.ends_with(name))
            .unwrap()
            .error
            .clone()
            .unwrap_or_default()
    };
    assert_eq!(
        error("deeper-than-limit.parquet"),
        "a Parquet schema nested 5001 levels deep (more than 1000): refused as a hostile or broken file"
    );
    // 100,000 optional levels also overflow the parquet crate's 16-bit definition levels,
    // which debug builds catch as a panic (refused with its message) and release builds wrap
    // (refused by depth): refused either way, and the process lives.
    let deep = error("/deep.parquet");
    assert!(
        deep == "a Parquet schema nested 100001 levels deep (more than 1000): refused as a hostile or broken file"
            || deep
                == "not a readable Parquet file: its footer could not be decoded (attempt to add with overflow)",
        "{deep}"
    );
    let shallow = result
        .datasets
        .iter()
        .find(|d| d.files.iter().any(|f| f.path.ends_with("shallow.parquet")))
        .unwrap();
    assert_eq!(shallow.row_count, 0);
    assert!(
        shallow.files[0].error.is_none(),
        "{:?}",
        shallow.files[0].error
    );
}

/// Dates at the edges (year 1 and 9999-12-31 sentinels, nanosecond timestamps at the end of
/// their range) never panic, and the report's timeline does not grow with the span.
#[test]
fn extreme_dates_never_panic_and_the_timeline_stays_small() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("id,shipped\n");
    for day in 1..=28 {
        text.push_str(&format!("{day},2026-02-{day:02}\n"));
    }
    text.push_str("29,9999-12-31\n30,0001-01-01\n");
    let file = write(dir.path(), "orders.csv", &text);
    let html = dir.path().join("report.html");
    let output = common::readiness(&[
        "scan",
        &file,
        "--now",
        common::NOW,
        "--json",
        "-",
        "-q",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let freshness = &result.datasets[0].freshness;
    assert_eq!(freshness.time_column.as_deref(), Some("shipped"));
    assert_eq!(
        freshness.max_time.map(|t| t.to_rfc3339()),
        Some("9999-12-31T00:00:00+00:00".to_string())
    );
    assert_eq!(
        freshness.bucket_width,
        Some(readiness::metrics::BucketWidth::Month)
    );
    // Three months hold rows; two gaps lie between them, each one bar.
    assert_eq!(freshness.buckets.len(), 3);
    assert_eq!(freshness.gaps.len(), 2);
    let page = fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("class=\"gapbar\"").count(), 2);
    assert!(page.len() < 200_000, "{} bytes", page.len());
}

/// Dates and timestamps at the very edges of what Arrow can hold (Date32 +-5.8 million years,
/// nanosecond timestamps in 1677 and 2262) are profiled, never a lost dataset.
#[test]
fn dates_at_the_edge_of_arrow_are_profiled() {
    use datafusion::arrow::array::{Date32Array, RecordBatch, TimestampNanosecondArray};
    use std::sync::Arc;
    let dir = TempDir::new().unwrap();
    let write_parquet = |name: &str, batch: RecordBatch| {
        let path = dir.path().join(name);
        let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(
            fs::File::create(&path).unwrap(),
            batch.schema(),
            None,
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        path.to_string_lossy().into_owned()
    };
    let dates = write_parquet(
        "dates.parquet",
        RecordBatch::try_from_iter([(
            "day",
            Arc::new(Date32Array::from(vec![i32::MIN, 0, 20_000, i32::MAX])) as _,
        )])
        .unwrap(),
    );
    let stamps = write_parquet(
        "stamps.parquet",
        RecordBatch::try_from_iter([(
            "at",
            Arc::new(TimestampNanosecondArray::from(vec![
                i64::MIN + 1,
                0,
                i64::MAX,
            ])) as _,
        )])
        .unwrap(),
    );
    let result = scan(&[&dates]);
    assert_eq!(result.datasets[0].row_count, 4);
    assert_eq!(column(&result.datasets[0], "day").null_count, 0);
    let result = scan(&[&stamps]);
    let freshness = &result.datasets[0].freshness;
    assert_eq!(result.datasets[0].row_count, 3);
    assert_eq!(
        freshness.max_time.map(|t| t.to_rfc3339()),
        Some("2262-04-11T23:47:16.854775807+00:00".to_string())
    );
}
