//! Near-duplicate rows on a CSV polars wrote: retyped text under a new id and load time is
//! found, exact copies stay separate, and `--ignore` sets aside a column only the user knows.

mod common;

use common::{dataset, scan};
use tempfile::TempDir;

#[test]
fn retyped_rows_under_new_ids_are_near_duplicates_and_ignore_adds_the_users_columns() {
    let dir = TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/duplication/make_near_duplicates.py",
        &[dir.path().as_os_str()],
    );
    let planted: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let count = |key: &str| planted[key].as_u64().unwrap();
    assert_eq!(
        [
            count("rows"),
            count("retyped"),
            count("exact"),
            count("rebatched")
        ],
        [114, 7, 3, 4]
    );
    let file = dir.path().join("people.csv");
    let file = file.to_str().unwrap();

    let result = scan(&[file]);
    let people = dataset(&result, "people");
    assert_eq!(people.duplicates.duplicate_row_count, 3);
    let near = people.duplicates.near_duplicates.as_ref().unwrap();
    assert_eq!(near.ignored_columns, ["id", "_loaded_at"]);
    assert_eq!(
        near.compared_columns,
        ["name", "city", "amount", "export_run"]
    );
    assert_eq!(near.near_duplicate_row_count, 7);
    // The largest groups hold a row and its retyped copy (or an exact copy), normalised.
    assert_eq!(near.example_groups.len(), 5);
    assert!(near.example_groups.iter().all(|g| g.count == 2));
    let cities: Vec<_> = near
        .example_groups
        .iter()
        .map(|g| g.values[1].clone())
        .collect();
    assert!(
        cities
            .iter()
            .all(|c| c.as_str().is_some_and(|c| c.is_ascii())),
        "{cities:?}"
    );

    let result = scan(&[file, "--ignore", "export_run"]);
    let near = dataset(&result, "people")
        .duplicates
        .near_duplicates
        .clone()
        .unwrap();
    assert_eq!(near.ignored_columns, ["id", "export_run", "_loaded_at"]);
    assert_eq!(near.near_duplicate_row_count, 11);
    assert_eq!(result.parameters.ignored_columns, ["export_run"]);

    // Without samples the groups' values leave nothing of the data behind.
    let output = common::scan_output(&[file, "--no-samples"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("dupont"), "{text}");
}

/// A CSV pandas wrote with its default `to_csv(index=True)`
/// (tests/fixtures/writers/make.py): 34 rows, the last 4 copies of earlier ones in every column
/// but the row index pandas writes first under an empty name. The index makes every row
/// distinct, so only near-duplicates, which set the index aside like an identifier, find them.
#[test]
fn the_row_index_pandas_writes_is_set_aside_like_an_identifier() {
    let file = common::repo_path("tests/fixtures/writers/pandas_index.csv");
    let result = scan(&[file.to_str().unwrap()]);
    let orders = dataset(&result, "pandas_index");
    assert_eq!(orders.row_count, 34);
    assert_eq!(orders.duplicates.duplicate_row_count, 0);
    let near = orders.duplicates.near_duplicates.as_ref().unwrap();
    assert_eq!(near.ignored_columns, ["column_1"]);
    assert_eq!(
        near.compared_columns,
        ["customer", "city", "amount", "status"]
    );
    assert_eq!(near.near_duplicate_row_count, 4);
    assert!(
        orders
            .notes
            .iter()
            .any(|note| note.contains("`column_1` is read as the writer's row index")),
        "{:?}",
        orders.notes
    );
    // The user's own --ignore list is kept beside it, and the parameters show only the user's.
    let result = scan(&[file.to_str().unwrap(), "--ignore", "status"]);
    let near = dataset(&result, "pandas_index")
        .duplicates
        .near_duplicates
        .clone()
        .unwrap();
    assert_eq!(near.ignored_columns, ["column_1", "status"]);
    assert_eq!(result.parameters.ignored_columns, ["status"]);
}

/// The same orders written by pandas' `to_parquet` (tests/fixtures/writers/make.py) with an
/// index `order_no` that is not a range: pandas stores it as a column and names it in its
/// `pandas` metadata's `index_columns`, so it is set aside like the CSV row index. With the default
/// RangeIndex (metadata only, no column) nothing is set aside and the 4 copies are exact
/// duplicates.
#[test]
fn the_index_pandas_writes_to_parquet_is_set_aside_like_the_csv_row_index() {
    let file = common::repo_path("tests/fixtures/writers/pandas_index.parquet");
    let result = scan(&[file.to_str().unwrap()]);
    let orders = dataset(&result, "pandas_index");
    assert_eq!(orders.row_count, 34);
    assert_eq!(orders.duplicates.duplicate_row_count, 0);
    let near = orders.duplicates.near_duplicates.as_ref().unwrap();
    assert_eq!(near.ignored_columns, ["order_no"]);
    assert_eq!(
        near.compared_columns,
        ["customer", "city", "amount", "status"]
    );
    assert_eq!(near.near_duplicate_row_count, 4);
    assert!(
        orders
            .notes
            .iter()
            .any(|note| note.contains("`order_no` is read as the writer's row index")),
        "{:?}",
        orders.notes
    );

    let file = common::repo_path("tests/fixtures/writers/pandas_range_index.parquet");
    let result = scan(&[file.to_str().unwrap()]);
    let orders = dataset(&result, "pandas_range_index");
    assert_eq!(orders.row_count, 34);
    assert_eq!(orders.columns.len(), 4);
    assert_eq!(orders.duplicates.duplicate_row_count, 4);
    assert!(
        orders.notes.iter().all(|note| !note.contains("row index")),
        "{:?}",
        orders.notes
    );
}
