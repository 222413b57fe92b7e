"""The lake benchmark's two halves that are not readiness (see BENCHMARKS.md, "A lake").

    lake.py generate DIR [--tables 2000] [--seed 7]   write the generated lake into DIR
    lake.py real DIR [--tables 2000] [--seed 7]       write the real-shaped lake into DIR
    lake.py wide DIR --rows R --columns C [--seed 7]  write one wide table into DIR
    lake.py duckdb DIR                                the DuckDB loop over every table in DIR

The lake: tables of 1,000 to 50,000 rows (log-uniform), 5 to 60 columns of every common type
(integers, floats, booleans, low- and high-cardinality text, dates, timestamps, decimals), some
NULLs, 1% planted exact duplicate rows; one table in ten is CSV, the rest Parquet (snappy), in
ten subfolders. The DuckDB loop computes, per table, what the issue names as the same figures:
rows, per-column missing counts, approximate distinct, min/max, and exact duplicate rows.

The real-shaped lake (issue "Wide and small tables") is shaped like a folder of real tables:
rows log-uniform from 10 to 1,200 for 95% of the tables and from 1,200 to 1M for the rest (the
median near 120), 2 to 9 columns (median 5), and one table in a hundred with 200 to 3,000
columns (feature tables, at most 5,000 rows). The wide table: R rows of C columns, float64 with some
NULLs, every tenth column an integer and every fiftieth a short text, as one-hot and feature
tables are.
"""

import argparse
import json
import os
import sys
import time


def column(rng, kind, rows, source_row, words):
    import numpy as np
    import pyarrow as pa

    nulls = (rng.random(rows) < rng.choice([0.0, 0.01, 0.1, 0.4]))[source_row]
    if kind == "int64":
        return pa.array(rng.integers(0, 10**6, size=rows)[source_row], mask=nulls)
    if kind == "int32":
        return pa.array(rng.integers(-1000, 1000, size=rows, dtype=np.int32)[source_row], mask=nulls)
    if kind == "int16":
        return pa.array(rng.integers(0, 120, size=rows, dtype=np.int16)[source_row], mask=nulls)
    if kind == "float64":
        return pa.array(np.round(rng.normal(100, 25, size=rows), 2)[source_row], mask=nulls)
    if kind == "bool":
        return pa.array((rng.random(rows) < 0.3)[source_row], mask=nulls)
    if kind == "category":
        return pa.array(words[rng.integers(0, len(words), size=rows)][source_row], mask=nulls)
    if kind == "text":
        ids = rng.integers(0, 10**5, size=rows)[source_row]
        return pa.array([f"user{i}@example.org" for i in ids], mask=nulls)
    if kind == "date":
        days = rng.integers(18000, 20000, size=rows)[source_row].astype("datetime64[D]")
        return pa.array(days, mask=nulls)
    if kind == "timestamp":
        us = (rng.integers(1.6e9, 1.7e9, size=rows) * 1_000_000)[source_row].astype("datetime64[us]")
        return pa.array(us, mask=nulls)
    cents = rng.integers(0, 10**5, size=rows, dtype=np.int32)[source_row]
    return pa.array(cents, mask=nulls).cast(pa.decimal128(12, 2))


def write(table, out, t):
    """Table `t` of a lake, in one of ten folders; one in ten is CSV, the rest Parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    folder = os.path.join(out, f"area_{t % 10}")
    os.makedirs(folder, exist_ok=True)
    if t % 10 == 3:
        pacsv.write_csv(table, os.path.join(folder, f"table_{t:04}.csv"))
    else:
        pq.write_table(table, os.path.join(folder, f"table_{t:04}.parquet"))


WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "N/A", "", "unknown"]
KINDS = ["int64", "int32", "float64", "bool", "category", "text", "date", "timestamp", "decimal",
         "int16"]


def real(out, tables, seed):
    """The real-shaped lake: mostly small tables of few columns, a few wide ones."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    words = np.array(WORDS)
    total_rows = 0
    for t in range(tables):
        # Log-uniform from 10 to 1,200 rows for 95% of the tables (the median near 120, as in
        # real folders), from 1,200 to 1M for the rest.
        if rng.random() < 0.95:
            rows = int(np.exp(rng.uniform(np.log(10), np.log(1_200))))
        else:
            rows = int(np.exp(rng.uniform(np.log(1_200), np.log(1_000_000))))
        if t % 100 == 42:
            ncols = int(np.exp(rng.uniform(np.log(200), np.log(3_000))))
            rows = min(rows, 5_000)
        else:
            ncols = int(rng.integers(2, 10))
        dup = rng.random(rows) < 0.01
        source_row = np.where(dup, rng.integers(0, rows, size=rows), np.arange(rows))
        columns, names = [], []
        for c in range(ncols):
            kind = KINDS[int(rng.integers(0, len(KINDS)))]
            columns.append(column(rng, kind, rows, source_row, words))
            names.append(f"{kind}_{c}")
        write(pa.table(columns, names=names), out, t)
        total_rows += rows
    print(json.dumps({"tables": tables, "rows": total_rows}))


def wide(out, rows, ncols, seed):
    """One wide table: floats with some NULLs, every tenth column an integer, every fiftieth
    a short text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    words = np.array(WORDS)
    source_row = np.arange(rows)
    columns, names = [], []
    for c in range(ncols):
        kind = "category" if c % 50 == 7 else "int64" if c % 10 == 3 else "float64"
        columns.append(column(rng, kind, rows, source_row, words))
        names.append(f"f{c:05}")
    os.makedirs(out, exist_ok=True)
    pq.write_table(pa.table(columns, names=names), os.path.join(out, f"wide_{rows}x{ncols}.parquet"))
    print(json.dumps({"rows": rows, "columns": ncols}))


def generate(out, tables, seed):
    import numpy as np
    import pyarrow as pa

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
            values = column(rng, kind, rows, source_row, words)
            columns.append(values)
            names.append(f"{kind}_{c}")
        write(pa.table(columns, names=names), out, t)
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
    parser.add_argument("what", choices=["generate", "real", "wide", "duckdb"])
    parser.add_argument("dir")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=10000)
    args = parser.parse_args()
    if args.what == "generate":
        generate(args.dir, args.tables, args.seed)
    elif args.what == "real":
        real(args.dir, args.tables, args.seed)
    elif args.what == "wide":
        wide(args.dir, args.rows, args.columns, args.seed)
    else:
        duckdb_loop(args.dir)


if __name__ == "__main__":
    sys.exit(main())
