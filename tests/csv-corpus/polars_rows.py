"""Reads every corpus file with Polars and prints {file: rows} (or {file: "error: ..."}) as JSON.

Polars is told each file's dialect as expected.json documents it (separator, quote, header);
files in another encoding are decoded by Python first (Polars reads UTF-8 only). Used by the
parity test in tests/csv_corpus.rs.
"""
import gzip
import io
import json
import os
import sys

import polars as pl

HERE = os.path.dirname(os.path.abspath(__file__))

results = {}
for entry in json.load(open(os.path.join(HERE, "expected.json"), encoding="utf-8")):
    options = dict(entry["polars"])
    if "unsupported" in options:
        results[entry["file"]] = "unsupported: " + options["unsupported"]
        continue
    options.pop("note", None)
    data = open(os.path.join(HERE, entry["file"]), "rb").read()
    if entry["file"].endswith(".gz"):
        data = gzip.decompress(data)
    decode = options.pop("decode", None)
    if decode:
        data = data.decode(decode).encode("utf-8")
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema_length=None, **options)
        results[entry["file"]] = frame.height
    except Exception as error:  # Polars refuses the file: reported, not compared
        results[entry["file"]] = "error: " + str(error).splitlines()[0]
json.dump(results, sys.stdout, indent=1)
