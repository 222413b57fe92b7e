"""The lake benchmark's two halves that are not readiness (see BENCHMARKS.md, "A lake").

    lake.py generate DIR [--tables 2000] [--seed 7]   write the generated lake into DIR
    lake.py duckdb DIR                                the DuckDB loop over every table in DIR

The lake: tables of 1,000 to 50,000 rows (log-uniform), 5 to 60 columns of every common type
(integers, floats, booleans, low- and high-cardinality text, dates, timestamps, decimals), some
NULLs, 1% planted exact duplicate rows; one table in ten is CSV, the rest Parquet (snappy), in
ten subfolders. The DuckDB loop computes, per table, what the issue names as the same figures:
rows, per-column missing counts, approximate distinct, min/max, and exact duplicate rows.
"""

import argparse
import json
import os
import sys
import time


def generate(out, tables, seed):
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                      "iota", "kappa", "lambda", "mu", "N/A", "", "unknown"])
    kinds = ["int64", "int32", "float64", "bool", "category", "text", "date", "timestamp",
             "decimal", "int16"]
    total_rows = 0
    for t in range(tables):
        rows = int(np.exp(rng.uniform(np.log(1_000), np.log(50_000))))
        ncols = int(rng.integers(5, 61))
        columns, names = [], []
        dup = rng.random(rows) < 0.01
        source_row = np.where(dup, rng.integers(0, rows, size=rows), np.arange(rows))
        for c in range(ncols):
            kind = kinds[c % len(kinds)] if c < len(kinds) else kinds[int(rng.integers(0, len(kinds)))]
            nulls = (rng.random(rows) < rng.choice([0.0, 0.01, 0.1, 0.4]))[source_row]
            if kind == "int64":
                values = pa.array(rng.integers(0, 10**6, size=rows)[source_row], mask=nulls)
            elif kind == "int32":
                values = pa.array(rng.integers(-1000, 1000, size=rows, dtype=np.int32)[source_row], mask=nulls)
            elif kind == "int16":
                values = pa.array(rng.integers(0, 120, size=rows, dtype=np.int16)[source_row], mask=nulls)
            elif kind == "float64":
                values = pa.array(np.round(rng.normal(100, 25, size=rows), 2)[source_row], mask=nulls)
            elif kind == "bool":
                values = pa.array((rng.random(rows) < 0.3)[source_row], mask=nulls)
            elif kind == "category":
                values = pa.array(words[rng.integers(0, len(words), size=rows)][source_row], mask=nulls)
            elif kind == "text":
                ids = rng.integers(0, 10**5, size=rows)[source_row]
                values = pa.array([f"user{i}@example.org" for i in ids], mask=nulls)
            elif kind == "date":
                days = rng.integers(18000, 20000, size=rows)[source_row].astype("datetime64[D]")
                values = pa.array(days, mask=nulls)
            elif kind == "timestamp":
                us = (rng.integers(1.6e9, 1.7e9, size=rows) * 1_000_000)[source_row].astype("datetime64[us]")
                values = pa.array(us, mask=nulls)
            else:  # decimal
                cents = rng.integers(0, 10**5, size=rows, dtype=np.int32)[source_row]
                values = pa.array(cents, mask=nulls).cast(pa.decimal128(12, 2))
            columns.append(values)
            names.append(f"{kind}_{c}")
        table = pa.table(columns, names=names)
        folder = os.path.join(out, f"area_{t % 10}")
        os.makedirs(folder, exist_ok=True)
        if t % 10 == 3:
            pacsv.write_csv(table, os.path.join(folder, f"table_{t:04}.csv"))
        else:
            pq.write_table(table, os.path.join(folder, f"table_{t:04}.parquet"))
        total_rows += rows
    print(json.dumps({"tables": tables, "rows": total_rows}))


def files(root):
    found = []
    for folder, _, names in os.walk(root):
        found.extend(os.path.join(folder, n) for n in names if n.endswith((".parquet", ".csv")))
    return sorted(found)


def duckdb_loop(root):
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    duplicate_rows = 0
    rows_total = 0
    for path in files(root):
        reader = "read_parquet" if path.endswith(".parquet") else "read_csv_auto"
        source = f"{reader}('{path}')"
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        parts = ["count(*)"]
        for name in columns:
            q = '"' + name.replace('"', '""') + '"'
            parts += [f"count(*) - count({q})", f"approx_count_distinct({q})", f"min({q})", f"max({q})"]
        figures = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
        distinct = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {source})").fetchone()[0]
        rows_total += figures[0]
        duplicate_rows += figures[0] - distinct
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rows": rows_total, "duplicate_rows": duplicate_rows}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["generate", "duckdb"])
    parser.add_argument("dir")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.what == "generate":
        generate(args.dir, args.tables, args.seed)
    else:
        duckdb_loop(args.dir)


if __name__ == "__main__":
    sys.exit(main())
