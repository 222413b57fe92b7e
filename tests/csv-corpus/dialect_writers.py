"""Writes, with pandas, the CSV files whose dialect two readings could claim, into the folder
given as the first argument (csv_corpus.rs reads them and asserts their figures).

- `windows_paths.csv`: R's `write.csv` style (every text value quoted, quotes doubled), where
  every third `path` ends in a backslash just before its closing quote (`"C:\\data\\"`): read
  with `\\` as the escape character, those quotes would not close.
- `tab_text.csv`: one text column, 517 rows, 507 of whose values hold a tab (unquoted, as
  pandas writes them): split on tabs, 507 rows would be rejected.
- `years.csv`: a header holding years (`country,1999,2000,2001`), as wide statistics tables
  are written.
- `years_only.csv`: a header of years only (`1970,...,1975`) over numbers.
- `years_no_header.csv`: the same numbers without a header line (`header=False`).
"""
import csv
import os
import sys

import pandas as pd

out = sys.argv[1]

paths = pd.DataFrame({
    "id": range(1, 331),
    "path": [f"C:\\data\\run {i}\\" if i % 3 == 0 else f"C:\\data\\run {i}\\out.txt"
             for i in range(1, 331)],
    "note": [f"note {i}" for i in range(1, 331)],
})
paths.to_csv(os.path.join(out, "windows_paths.csv"), index=False, quoting=csv.QUOTE_NONNUMERIC)

texts = pd.DataFrame({
    "text": [f"plain {i}" if i % 52 == 0 else f"cell {i}\tafter a tab" for i in range(517)],
})
texts.to_csv(os.path.join(out, "tab_text.csv"), index=False)

years = pd.DataFrame({
    "country": ["France", "Chile", "Japan", "Kenya"],
    "1999": [1, 2, 3, 4],
    "2000": [5, 6, 7, 8],
    "2001": [9.5, 10.5, 11.5, 12.5],
})
years.to_csv(os.path.join(out, "years.csv"), index=False)

numbers = pd.DataFrame({str(year): [year * 10 + row for row in range(6)] for year in range(1970, 1976)})
numbers.to_csv(os.path.join(out, "years_only.csv"), index=False)
numbers.to_csv(os.path.join(out, "years_no_header.csv"), index=False, header=False)
