#!/usr/bin/env python3
"""Times `readiness scan` on the benchmark table against Polars and DuckDB doing the
readiness-equivalent queries, in the same run. Called by bench/run; standard library only
(Polars and DuckDB run in bench/.venv when they could be installed).

Each measurement is a fresh process; its peak memory is the child's maximum resident set
(os.wait4), its time the wall clock. Medians over --runs runs, after one warm-up run that
fills the page cache.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

EQUIVALENT = r'''
import sys, time
tool, path = sys.argv[1], sys.argv[2]
csv = path.endswith(".csv")
if tool == "polars":
    import polars as pl
    lf = pl.scan_csv(path, try_parse_dates=True) if csv else pl.scan_parquet(path)
    schema = lf.collect_schema()
    exprs = [pl.len().alias("rows")]
    for name, dtype in schema.items():
        exprs.append(pl.col(name).null_count().alias(f"{name}__nulls"))
        exprs.append(pl.col(name).approx_n_unique().alias(f"{name}__distinct"))
        if dtype == pl.String:
            exprs.append((pl.col(name).str.strip_chars() == "").sum().alias(f"{name}__empty"))
    exprs += [pl.col("event_time").min().alias("t_min"), pl.col("event_time").max().alias("t_max")]
    stats, distinct_rows, distinct_keys, labels = pl.collect_all([
        lf.select(exprs),
        lf.unique().select(pl.len()),
        lf.select(pl.col("event_id").n_unique()),
        lf.group_by("churned").len(),
    ])
    print(stats["rows"][0], distinct_rows.item(), distinct_keys.item(), labels.height)
else:
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    source = f"read_csv('{path}')" if csv else f"read_parquet('{path}')"
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    parts = ["count(*)"]
    for name, dtype, *_ in columns:
        parts.append(f'count("{name}")')
        parts.append(f'approx_count_distinct("{name}")')
        if dtype == "VARCHAR":
            parts.append(f"count(*) FILTER (WHERE trim(\"{name}\") = '')")
    parts += ["min(event_time)", "max(event_time)"]
    stats = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    distinct_rows = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT * FROM {source})").fetchone()[0]
    distinct_keys = con.execute(f"SELECT count(DISTINCT event_id) FROM {source}").fetchone()[0]
    labels = con.execute(f"SELECT churned, count(*) FROM {source} GROUP BY 1").fetchall()
    print(stats[0], distinct_rows, distinct_keys, len(labels))
'''


def measure(command):
    """Wall seconds and peak RSS (bytes) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    out = child.stdout.read().decode()
    err = child.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{command[0]} failed ({status}): {err[-2000:]}")
    return elapsed, usage.ru_maxrss * 1024, out


def median_of(command, runs):
    measure(command)  # warm-up: page cache, lazy imports
    results = [measure(command) for _ in range(runs)]
    seconds = statistics.median(r[0] for r in results)
    peak = statistics.median(r[1] for r in results)
    return seconds, peak, results[-1][2]


def gib(n):
    return f"{n / 2**30:.2f} GiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--readiness", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", help="interpreter with polars and duckdb")
    parser.add_argument("--memory-limit")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="readiness-bench-")
    rows = []
    for size in args.sizes.split(","):
        for fmt in args.formats.split(","):
            path = os.path.join(args.data, f"events_{size}.{fmt}")
            if not os.path.exists(path):
                print(f"missing {path}", file=sys.stderr)
                continue
            command = [args.readiness, "scan", path, "--key", "event_id", "--label", "churned",
                       "--time", "event_time", "--now", "2024-01-15T00:00:00Z",
                       "--out", out, "--quiet"]
            if args.memory_limit:
                command += ["--memory-limit", args.memory_limit]
            seconds, peak, _ = median_of(command, args.runs)
            with open(os.path.join(out, "readiness.json")) as f:
                dataset = json.load(f)["datasets"][0]
            row = {"size": size, "format": fmt, "bytes": os.path.getsize(path),
                   "readiness_s": seconds, "readiness_peak": peak,
                   "rows": dataset["row_count"],
                   "duplicate_rows": dataset["duplicates"]["duplicate_row_count"],
                   "duplicate_key_rows": dataset["duplicates"]["duplicate_key_row_count"]}
            print(f"{size} {fmt}: readiness {seconds:.2f} s, {gib(peak)} "
                  f"({row['rows']} rows, {row['duplicate_rows']} duplicate rows, "
                  f"{row['duplicate_key_rows']} duplicate-key rows)", flush=True)
            if args.python:
                for tool in ("polars", "duckdb"):
                    s, p, answer = median_of([args.python, "-c", EQUIVALENT, tool, path], args.runs)
                    rows_seen, distinct_rows, distinct_keys, _ = map(int, answer.split())
                    row[f"{tool}_s"], row[f"{tool}_peak"] = s, p
                    row[f"{tool}_duplicate_rows"] = rows_seen - distinct_rows
                    print(f"{size} {fmt}: {tool} {s:.2f} s, {gib(p)} "
                          f"(duplicate rows {rows_seen - distinct_rows}, duplicate-key rows "
                          f"{rows_seen - distinct_keys}); readiness takes "
                          f"{seconds / s:.2f}x its time, {peak / p:.2f}x its memory", flush=True)
            rows.append(row)

    print()
    print("| rows | format | readiness | polars | duckdb | time vs polars | time vs duckdb |"
          " memory vs polars | memory vs duckdb |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        def cell(tool):
            if f"{tool}_s" not in r:
                return "-"
            return f"{r[tool + '_s']:.2f} s, {gib(r[tool + '_peak'])}"

        def ratio(tool, what):
            key = f"{tool}_{what}"
            if key not in r:
                return "-"
            return f"{r['readiness_' + what] / r[key]:.2f}x"
        print(f"| {r['size']} | {r['format']} | {r['readiness_s']:.2f} s, {gib(r['readiness_peak'])} "
              f"| {cell('polars')} | {cell('duckdb')} | {ratio('polars', 's')} | {ratio('duckdb', 's')} "
              f"| {ratio('polars', 'peak')} | {ratio('duckdb', 'peak')} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
