"""Writes tables whose schema evolved, as real writers write them, and what DuckDB's
`union_by_name` reads from each: rows, and per column the NULLs and the rows of files that do
not have the column (absent). Called by tests/evolution.rs with the output folder; prints one
JSON object: {dataset: {"rows": n, "columns": {name: {"null": n, "absent": n}}}}.

- `events`: pyarrow, hive `month=1..6/`, 3,500 rows a month; `channel` added in month 3
  (NULL in every other row from then on), `score` added in month 5; `_SUCCESS` and
  `_committed_*` markers as Spark leaves them.
- `widened`: two files of one table, `id`/`v` int32 in the older (500 rows), int64 in the
  newer (1,000 rows), written by pandas.
- `exports`: four monthly CSV exports (500 rows each) by pandas; `segment` added from the
  third month.
- `polars_drop`: polars NDJSON, 3 files of 400 rows; `legacy` dropped after the first file.
"""
import json
import os
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]


def events():
    root = os.path.join(out, "events")
    for month in range(1, 7):
        folder = os.path.join(root, f"month={month}")
        os.makedirs(folder, exist_ok=True)
        n = 3500
        base = (month - 1) * n
        cols = {
            "event_id": pa.array(range(base, base + n), pa.int64()),
            "amount": pa.array(
                [None if (i % 7 == 0) else float(i % 100) for i in range(n)], pa.float64()
            ),
        }
        if month >= 3:
            cols["channel"] = pa.array(
                [None if i % 2 == 0 else ("web" if i % 3 else "app") for i in range(n)]
            )
        if month >= 5:
            cols["score"] = pa.array([i % 10 if i % 5 else None for i in range(n)], pa.int32())
        pq.write_table(pa.table(cols), os.path.join(folder, "part-00000.parquet"))
        open(os.path.join(folder, f"_committed_{month}"), "w").write("{}")
    open(os.path.join(root, "_SUCCESS"), "w").close()
    return f"read_parquet('{root}/*/*.parquet', union_by_name=true, hive_partitioning=false)"


def widened():
    root = os.path.join(out, "widened")
    os.makedirs(root, exist_ok=True)
    old = pd.DataFrame(
        {"id": pd.array(range(500), dtype="int32"), "v": pd.array([i % 9 for i in range(500)], dtype="int32")}
    )
    new = pd.DataFrame(
        {
            "id": pd.array(range(500, 1500), dtype="int64"),
            "v": pd.array([None if i % 4 == 0 else i for i in range(1000)], dtype="Int64"),
        }
    )
    old.to_parquet(os.path.join(root, "part-0.parquet"), index=False)
    new.to_parquet(os.path.join(root, "part-1.parquet"), index=False)
    return f"read_parquet('{root}/*.parquet', union_by_name=true)"


def exports():
    root = os.path.join(out, "exports")
    os.makedirs(root, exist_ok=True)
    for month in range(1, 5):
        n = 500
        frame = pd.DataFrame(
            {
                "customer_id": range(month * 1000, month * 1000 + n),
                "spend": [None if i % 10 == 0 else i * 1.5 for i in range(n)],
            }
        )
        if month >= 3:
            frame.insert(1, "segment", [None if i % 3 == 0 else f"s{i % 4}" for i in range(n)])
        frame.to_csv(os.path.join(root, f"export-2026-0{month}.csv"), index=False)
    return f"read_csv('{root}/*.csv', union_by_name=true)"


def polars_drop():
    root = os.path.join(out, "polars_drop")
    os.makedirs(root, exist_ok=True)
    for part in range(3):
        n = 400
        data = {"id": list(range(part * n, part * n + n)), "status": ["ok" if i % 5 else None for i in range(n)]}
        if part == 0:
            data["legacy"] = [i if i % 2 else None for i in range(n)]
        pl.DataFrame(data).write_ndjson(os.path.join(root, f"part-{part}.ndjson"))
    return f"read_json('{root}/*.ndjson', union_by_name=true, format='newline_delimited')"


def figures(relation, files_glob_columns):
    con = duckdb.connect()
    rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
    cols = [r[0] for r in con.execute(f"describe select * from {relation}").fetchall()]
    result = {"rows": rows, "columns": {}}
    for col in cols:
        nulls = con.execute(f'select count(*) - count("{col}") from {relation}').fetchone()[0]
        result["columns"][col] = {"null_or_absent": nulls}
    # Absent: rows of files whose own schema lacks the column (DuckDB reads each alone), and
    # complete rows: rows with every column of their own file present.
    result["complete_rows"] = 0
    for path, n, names, complete in files_glob_columns(con):
        result["complete_rows"] += complete
        for col in cols:
            if col not in names:
                entry = result["columns"][col]
                entry["absent"] = entry.get("absent", 0) + n
    for entry in result["columns"].values():
        entry["absent"] = entry.get("absent", 0)
        entry["null"] = entry["null_or_absent"] - entry["absent"]
        del entry["null_or_absent"]
    return result


def per_file(reader, pattern):
    def files(con):
        import glob

        for path in sorted(glob.glob(pattern, recursive=True)):
            rel = f"{reader}('{path}')"
            n = con.execute(f"select count(*) from {rel}").fetchone()[0]
            names = [r[0] for r in con.execute(f"describe select * from {rel}").fetchall()]
            present = " and ".join(f'"{name}" is not null' for name in names)
            complete = con.execute(f"select count(*) from {rel} where {present}").fetchone()[0]
            yield path, n, names, complete

    return files


result = {
    "events": figures(events(), per_file("read_parquet", os.path.join(out, "events/*/*.parquet"))),
    "widened": figures(widened(), per_file("read_parquet", os.path.join(out, "widened/*.parquet"))),
    "exports": figures(exports(), per_file("read_csv", os.path.join(out, "exports/*.csv"))),
    "polars_drop": figures(
        polars_drop(), per_file("read_json", os.path.join(out, "polars_drop/*.ndjson"))
    ),
}
print(json.dumps(result, sort_keys=True))
