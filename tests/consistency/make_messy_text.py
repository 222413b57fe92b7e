"""Writes messy text columns the way real writers store them, for tests/consistency.rs.

argv[1]: a folder. Writes there:
- polars.parquet, by polars: `plan` as a Categorical (dictionary-encoded in Parquet), spelled
  four ways; `signed` dates typed in three formats; `income` as text with separators and units.
- pyarrow.parquet, by pyarrow: the same `plan` values dictionary-encoded, as pandas
  categoricals are stored.
Prints the planted counts as JSON.
"""
import json
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
n = 400
# "pro" spelled four ways, "basic" one way; None every 40th row.
spellings = ["Pro", "Pro", "pro", " PRO", "Pró", "basic", "basic", "basic"]
plan = [None if i % 40 == 0 else spellings[i % len(spellings)] for i in range(n)]
signed = []
for i in range(n):
    day = 1 + i % 28
    if i % 10 == 3:
        signed.append(f"{day:02d}/03/2025")
    elif i % 25 == 4:
        signed.append(f"Mar {day}, 2025")
    else:
        signed.append(f"2025-03-{day:02d}")
income = []
for i in range(n):
    if i % 16 == 5:
        income.append(f"{40 + i % 50},{i % 1000:03d}")
    elif i % 20 == 9:
        income.append(f"€{30 + i % 40}")
    else:
        income.append(str(30_000 + i))

frame = pl.DataFrame(
    {
        "plan": pl.Series(plan, dtype=pl.Categorical),
        "signed": signed,
        "income": income,
    }
)
frame.write_parquet(out / "polars.parquet")
pq.write_table(
    pa.table({"plan": pa.array(plan).dictionary_encode()}), out / "pyarrow.parquet"
)

present = [p for p in plan if p is not None]
pro = [p for p in present if p.strip().lower().replace("ó", "o") == "pro"]
top = max(pro.count(s) for s in set(pro))
print(
    json.dumps(
        {
            "plan_values": len(present),
            "plan_variant_rows": len(pro) - top,
            "plan_spellings": len(set(pro)),
            "signed_not_iso": sum(1 for s in signed if not s.startswith("2025-")),
            "income_formatted": sum(1 for s in income if not s.isdigit()),
        }
    )
)
