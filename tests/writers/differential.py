"""Differential check for tests/formats.rs: files written by real writers (pandas, pyarrow,
polars, DuckDB; Parquet, hive folders with Spark-style markers, CSV), each scanned by readiness,
whose figures are compared with the truth computed here from pyarrow's reading of the same
file (an independent reader): rows, exact duplicate rows, and per column the NULL, NaN, empty
and placeholder counts and the counts of the listed top values.

    differential.py READINESS OUTDIR      prints {"cases": [...], "failures": [...]} as JSON
"""
import json, math, os, shutil, struct, subprocess, sys, datetime as dt, decimal
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.csv as pacsv
import polars as pl
import duckdb

BIN, OUT = sys.argv[1], sys.argv[2]
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
rng = np.random.default_rng(5)
N = 6000
PLACE = {"n/a", "na", "#n/a", "null", "none", "nil", "unknown", "undefined", "missing", "-", "--", "?", "tbd"}
WS = " \t\r\n\x0b\x0c"


def dup_rows(n, frac=0.02):
    src = np.where(rng.random(n) < frac, rng.integers(0, n, size=n), np.arange(n))
    # a duplicate must come from a row that is itself not a copy
    src = np.where(src[src] == src[src], src, np.arange(n))
    return src


def texts(n):
    pool = ["alpha", "Beta", " beta", "", "  ", "N/A", "unknown", "NaN", "nan", "é", "Zoë", "a,b", 'q"uote',
            "line\nbreak", "-", "x" * 40, "ünï cödé ", "\t"]
    return [None if rng.random() < 0.05 else pool[int(rng.integers(0, len(pool)))] for _ in range(n)]


def classify(v, kind):
    """null / nan / empty / placeholder / present"""
    if v is None:
        return "null"
    if kind == "float":
        if isinstance(v, float) and math.isnan(v):
            return "nan"
        return "present"
    if kind == "text":
        t = v.strip(WS)
        if t == "":
            return "empty"
        low = t.lower()
        if low == "nan":
            return "nan"
        if low in PLACE:
            return "placeholder"
    return "present"


def kind_of(t):
    if pa.types.is_dictionary(t):
        return kind_of(t.value_type)
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text"
    return "other"


def canon(v):
    if isinstance(v, float):
        return ("f", struct.pack("<d", v)) if not math.isnan(v) else ("f", "nan")
    if isinstance(v, dict):
        return tuple(sorted((k, canon(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(canon(x) for x in v)
    return v


def truth_of(table):
    t = {"rows": table.num_rows, "columns": {}}
    cols = []
    for name, col in zip(table.column_names, table.columns):
        kind = kind_of(col.type)
        vals = col.to_pylist()
        cols.append(vals)
        c = Counter(classify(v, kind) for v in vals)
        t["columns"][name] = {"null_count": c["null"], "nan_count": c["nan"], "empty_count": c["empty"],
                              "placeholder_count": c["placeholder"]}
        present = [v for v in vals if v is not None]
        t["columns"][name]["top"] = Counter(present) if kind in ("text",) and len(set(present)) <= 20 else None
    rows = list(zip(*cols)) if cols else []
    t["duplicate_row_count"] = len(rows) - len(set(canon(list(r)) for r in rows))
    return t


failures = []
cases = []


def check(case, target, truth, extra=()):
    jpath = os.path.join(OUT, case + ".json")
    r = subprocess.run([BIN, "scan", target, "--json", jpath, "--quiet", *extra], capture_output=True, text=True)
    if r.returncode not in (0, 1) or not os.path.exists(jpath):
        failures.append(f"{case}: exit {r.returncode}: {r.stderr.strip()[:400]}")
        return
    doc = json.load(open(jpath))
    if len(doc["datasets"]) != 1:
        failures.append(f"{case}: {len(doc['datasets'])} datasets, unreadable {doc.get('unreadable_sources')}")
        return
    ds = doc["datasets"][0]
    def eq(what, got, want):
        if got != want:
            failures.append(f"{case}: {what}: readiness {got} truth {want}")
    eq("row_count", ds["row_count"], truth["rows"])
    if ds.get("duplicates") and "duplicate_row_count" in truth:
        eq("duplicate_row_count", ds["duplicates"]["duplicate_row_count"], truth["duplicate_row_count"])
    cols = {c["name"]: c for c in ds["columns"]}
    for name, want in truth["columns"].items():
        if name not in cols:
            failures.append(f"{case}: column {name!r} missing; readiness has {list(cols)}")
            continue
        got = cols[name]
        for k in ("null_count", "nan_count", "empty_count", "placeholder_count"):
            eq(f"{name}.{k}", got.get(k), want[k])
        if want.get("top") is not None and got.get("top_values") is not None:
            g = {tv["value"]: tv["count"] for tv in got["top_values"] if tv["value"] is not None}
            eq(f"{name}.top_values", g, {k: want["top"][k] for k in g})
    extra_cols = set(cols) - set(truth["columns"])
    if extra_cols and not truth.get("extra_ok"):
        failures.append(f"{case}: readiness has extra columns {extra_cols}")
    cases.append(case)


# 1. pandas 3 with its default dtypes, categoricals and nullable types
src = dup_rows(N)
df = pd.DataFrame({
    "id": np.arange(N),
    "f": np.where(rng.random(N) < 0.1, np.nan, rng.normal(size=N)),
    "i_nullable": pd.array([None if x < 0.1 else int(x * 100) for x in rng.random(N)], dtype="Int64"),
    "s": pd.Series(texts(N), dtype="str"),
    "s_obj": pd.Series(texts(N), dtype="object"),
    "cat": pd.Categorical([None if x < 0.1 else ["Pro", "pro", "Free", "N/A"][int(x * 4) % 4] for x in rng.random(N)],
                          categories=["Pro", "pro", "Free", "N/A", "Unused"]),
    "b": pd.array([None if x < 0.05 else x < 0.5 for x in rng.random(N)], dtype="boolean"),
    "ts_tz": pd.to_datetime(rng.integers(1.6e9, 1.7e9, size=N), unit="s", utc=True).tz_convert("Europe/Paris"),
    "ts_nat": pd.Series(pd.to_datetime(rng.integers(1.6e9, 1.7e9, size=N), unit="s")).mask(rng.random(N) < 0.1),
})
df = df.iloc[src].reset_index(drop=True)
df["id"] = df["id"]  # id repeats for the duplicated rows
df.to_parquet(os.path.join(OUT, "pandas.parquet"))
check("pandas_parquet", os.path.join(OUT, "pandas.parquet"), truth_of(pq.read_table(os.path.join(OUT, "pandas.parquet"))))
df.to_parquet(os.path.join(OUT, "pandas_index.parquet"), index=True)

# 2. pyarrow: every common and some uncommon types, small row groups, an all-NULL row group
n = N
arrs = {
    "dict8": pa.array(texts(n)).dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string())),
    "large": pa.array(texts(n), pa.large_string()),
    "view": pa.array(texts(n), pa.string_view()),
    "dec": pa.array([None if x < 0.1 else decimal.Decimal(int(x * 1e6)) / 100 for x in rng.random(n)], pa.decimal128(12, 2)),
    "d32": pa.array([None if x < 0.1 else dt.date(2020, 1, 1) + dt.timedelta(days=int(x * 1000)) for x in rng.random(n)], pa.date32()),
    "ts_ms_utc": pa.array(rng.integers(1.6e12, 1.7e12, size=n), pa.timestamp("ms", tz="UTC")),
    "t64": pa.array([None if x < 0.1 else int(x * 8.6e10) for x in rng.random(n)], pa.time64("us")),
    "bin": pa.array([None if x < 0.1 else bytes([int(x * 255)]) * 3 for x in rng.random(n)], pa.binary()),
    "fsb": pa.array([bytes([int(x * 255)]) * 4 for x in rng.random(n)], pa.binary(4)),
    "st": pa.array([None if x < 0.1 else {"a": int(x * 5), "b": "k"} for x in rng.random(n)]),
    "lst": pa.array([None if x < 0.1 else [int(x * 5)] * int(x * 3) for x in rng.random(n)], pa.list_(pa.int32())),
    "f32": pa.array(np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)).astype(np.float32)),
    "u64": pa.array(rng.integers(0, 2**63, size=n, dtype=np.uint64) * 2, pa.uint64()),
    "allnull_late": pa.array([None] * n, pa.int64()),
}
view = arrs.pop("view")
tbl = pa.table(arrs)
idx = dup_rows(n)
tbl = tbl.take(pa.array(idx))
tbl = tbl.append_column("view", pa.array([view[int(i)].as_py() for i in idx], pa.string_view()))
pq.write_table(tbl, os.path.join(OUT, "pyarrow.parquet"), row_group_size=1000)
check("pyarrow_types", os.path.join(OUT, "pyarrow.parquet"), truth_of(pq.read_table(os.path.join(OUT, "pyarrow.parquet"))))

# 3. polars: categorical, enum, string views, durations
pdf = pl.DataFrame({
    "cat": pl.Series([None if x < 0.1 else ["x", "y", "X "][int(x * 3) % 3] for x in rng.random(N)], dtype=pl.Categorical),
    "enum": pl.Series([["lo", "hi"][int(x * 2) % 2] for x in rng.random(N)], dtype=pl.Enum(["lo", "hi", "mid"])),
    "s": pl.Series(texts(N), dtype=pl.String),
    "dur": pl.Series([None if x < 0.1 else dt.timedelta(seconds=int(x * 1e5)) for x in rng.random(N)]),
    "f": pl.Series(np.where(rng.random(N) < 0.1, np.nan, rng.normal(size=N))),
})
pdf = pdf[dup_rows(N)]
pdf.write_parquet(os.path.join(OUT, "polars.parquet"))
check("polars_parquet", os.path.join(OUT, "polars.parquet"), truth_of(pq.read_table(os.path.join(OUT, "polars.parquet"))))

# 4. DuckDB's writer, hive partitions, Spark-style markers beside them
hive = os.path.join(OUT, "hive")
con = duckdb.connect()
con.register("df", df.drop(columns=["ts_tz"]))
con.execute(f"COPY (SELECT *, CASE WHEN id % 3 = 0 THEN 'de' ELSE 'fr' END AS country FROM df) TO '{hive}' (FORMAT parquet, PARTITION_BY (country))")
open(os.path.join(hive, "_SUCCESS"), "w").close()
for root, _, files in os.walk(hive):
    for f in files:
        if f.endswith(".parquet"):
            open(os.path.join(root, "." + f + ".crc"), "wb").write(b"crc")
ht = pq.read_table(hive, partitioning="hive")
tr = truth_of(ht)
check("duckdb_hive", hive, tr)

# 5. CSV from pandas: its row index written first (the default), quoting, embedded newlines;
# the truth from what was written, where an empty text field reads as NULL
cdf = df[["id", "f", "i_nullable", "s", "cat", "b"]].copy()
cdf.to_csv(os.path.join(OUT, "pandas.csv"), index=True)
as_csv = cdf.copy()
for name in ("s", "cat"):
    as_csv[name] = as_csv[name].astype(object).map(lambda v: None if v == "" or v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v)
check("pandas_csv", os.path.join(OUT, "pandas.csv"), truth_of(pa.Table.from_pandas(as_csv.reset_index(names="column_1"), preserve_index=False)))

# 6. European CSV: semicolons, decimal commas, written by pandas
cdf.to_csv(os.path.join(OUT, "eu.csv"), sep=";", decimal=",", index=False)
check("pandas_eu_csv", os.path.join(OUT, "eu.csv"), truth_of(pa.Table.from_pandas(as_csv, preserve_index=False)))

# 7. pandas partition_cols: hive folders written by pyarrow's dataset writer through pandas
pdir = os.path.join(OUT, "pandas_parts")
pdf2 = df.drop(columns=["ts_tz"]).assign(part=np.where(df["id"] % 2 == 0, "even", "odd"))
pdf2.to_parquet(pdir, partition_cols=["part"])
check("pandas_partition_cols", pdir, truth_of(pq.read_table(pdir, partitioning="hive")))

# 8. CSV with infinities, signed zeros and zoned ISO times, as pandas writes them
edf = pd.DataFrame({
    "x": np.where(rng.random(N) < 0.02, np.inf, rng.normal(size=N)),
    "y": np.where(rng.random(N) < 0.02, -np.inf, np.where(rng.random(N) < 0.1, np.nan, rng.normal(size=N))),
    "when": pd.to_datetime(rng.integers(1.6e9, 1.7e9, size=N), unit="s", utc=True),
})
edf.to_csv(os.path.join(OUT, "inf.csv"), index=False)
check("pandas_inf_csv", os.path.join(OUT, "inf.csv"), truth_of(pa.Table.from_pandas(edf, preserve_index=False)))

print(json.dumps({"cases": cases, "failures": failures}))
