"""Writes the wide test tables into DIR and prints DuckDB's figures for each as JSON.

    make_wide.py DIR

- `features.parquet` (pyarrow): 600 rows of 420 columns, as an ML feature table is: an `id`
  key, a `churned` label with NULLs, an `event_time`, 17 text columns (some values blank or
  `N/A`, one of e-mail addresses), 400 numeric columns (floats with NULLs and NaN, integers);
  rows 590-599 repeat rows 0-9 exactly.
- `features_csv/part.csv` (pandas): the first 300 rows of 300 of those columns, as CSV.

DuckDB's figures: rows, complete rows (no NULL, NaN, blank or `N/A` in any column), rows that
repeat an earlier row, and per column its NULLs, NaNs, minimum and maximum.
"""

import json
import os
import sys

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 600


def table():
    rng = np.random.default_rng(38)
    columns = {"id": pa.array(np.arange(ROWS, dtype=np.int64))}
    label = rng.choice(["yes", "no"], size=ROWS)
    columns["churned"] = pa.array(label, mask=rng.random(ROWS) < 0.05)
    seconds = 1_780_000_000 + np.arange(ROWS, dtype=np.int64) * 3_600
    columns["event_time"] = pa.array(seconds * 1_000_000, type=pa.timestamp("us"))
    words = np.array(["red", "green", "blue", "teal"])
    for index in range(16):
        values = words[rng.integers(0, 4, size=ROWS)].astype(object)
        if index % 2:
            gaps = rng.random(ROWS)
            values[gaps < 0.015] = ""
            values[(gaps >= 0.015) & (gaps < 0.03)] = "N/A"
        nulls = rng.random(ROWS) < (0.02 if index % 4 == 1 else 0.0)
        columns[f"tag_{index:02}"] = pa.array(list(values), type=pa.string(), mask=nulls)
    emails = [f"person{n}@example.org" for n in rng.integers(0, 400, size=ROWS)]
    columns["contact"] = pa.array(emails)
    for index in range(400):
        nulls = rng.random(ROWS) < (0.03 if index % 20 == 0 else 0.0)
        if index % 4 == 3:
            values = rng.integers(-500, 500, size=ROWS)
            columns[f"n_{index:03}"] = pa.array(values, mask=nulls)
        else:
            values = np.round(rng.normal(0, 10, size=ROWS), 3)
            if index % 50 == 1:
                values[rng.random(ROWS) < 0.01] = np.nan
            columns[f"x_{index:03}"] = pa.array(values, mask=nulls)
    frame = pa.table(columns)
    # Rows 590-599 repeat rows 0-9.
    order = np.concatenate([np.arange(ROWS - 10), np.arange(10)])
    return frame.take(pa.array(order))


def figures(con, source, frame_columns):
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    types = {name: kind for name, kind, *_ in described}

    def quoted(name):
        return '"' + name.replace('"', '""') + '"'

    def missing(name):
        q, kind = quoted(name), types[name]
        if kind in ("DOUBLE", "FLOAT"):
            return f"({q} IS NULL OR isnan({q}))"
        if kind == "VARCHAR":
            return f"({q} IS NULL OR trim({q}) = '' OR trim({q}) = 'N/A')"
        return f"({q} IS NULL)"

    rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    complete = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT ("
        + " OR ".join(missing(name) for name in frame_columns)
        + f")) FROM {source}"
    ).fetchone()[0]
    distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {source})").fetchone()[0]
    columns = {}
    for name in frame_columns:
        q, kind = quoted(name), types[name]
        nan = f"count(*) FILTER (WHERE isnan({q}))" if kind in ("DOUBLE", "FLOAT") else "0"
        numeric = kind in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER")
        present = f"{q}" if kind not in ("DOUBLE", "FLOAT") else f"CASE WHEN isnan({q}) THEN NULL ELSE {q} END"
        extremes = f"min({present}), max({present})" if numeric else "NULL, NULL"
        null, nans, low, high = con.execute(
            f"SELECT count(*) - count({q}), {nan}, {extremes} FROM {source}"
        ).fetchone()
        columns[name] = {"null": null, "nan": nans, "min": low, "max": high}
    return {"rows": rows, "complete_rows": complete, "duplicate_rows": rows - distinct,
            "columns": columns}


def main():
    out = sys.argv[1]
    frame = table()
    pq.write_table(frame, os.path.join(out, "features.parquet"))
    os.makedirs(os.path.join(out, "features_csv"), exist_ok=True)
    narrow = frame.slice(0, 300).select(frame.column_names[:300]).to_pandas()
    narrow.to_csv(os.path.join(out, "features_csv", "part.csv"), index=False)
    con = duckdb.connect()
    # The Parquet file as pyarrow reads it back, counted by DuckDB: DuckDB 2.0.1 folds
    # `isnan(x)` to false by the Parquet statistics, which pyarrow writes without NaN.
    con.register("features", pq.read_table(os.path.join(out, "features.parquet")))
    result = {
        "features": figures(con, "features", frame.column_names),
        "features_csv": figures(
            con,
            f"read_csv('{os.path.join(out, 'features_csv', 'part.csv')}', header=true)",
            frame.column_names[:300],
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
