"""Writes files by polars and pyarrow for tests/representativeness.rs and prints, as JSON, the
figures computed here from the rows themselves.

`visits.parquet` (polars): 1,000 visits, one an hour from 2026-01-01, times zone-aware
(Europe/Berlin). `basket` is an integer 1 to 10, evenly spread in the oldest window but in the
newest window 6 to 10 twice as often as 1 to 5 (a shift within what sampling gives windows of
200 values, so listed but not judged); `device` (a polars Categorical) is `desktop`
or `mobile`, evenly in the oldest window and 3 in 4 `mobile` in the newest; `region` the same
throughout; `visit_id` is an identifier (not compared). Label `converted` (yes/no, missing for
every 5th visit); `coupon_code` filled only when `converted` is set; `shipped_at` (pyarrow
timestamp, milliseconds, naive) a day after the visit for converted visits.

`snapshot.parquet` (pyarrow): 200 rows without any time column.

With a second folder, `visits.parquet` is written there too without statistics in its footer
(so readiness cannot plan the windows before reading, and reads them in a pass of their own);
with a third, `visits.csv` (pyarrow's CSV writer, times as `2026-01-01 01:00:00.000000+0100`).
"""
import json
import math
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

out = Path(sys.argv[1])
n = 1000
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
times = [start + timedelta(hours=i) for i in range(n)]
span = times[-1] - times[0]
window = timedelta(microseconds=int(span / timedelta(microseconds=1) * 0.2))
oldest = [i for i in range(n) if times[i] < times[0] + window]
newest = [i for i in range(n) if times[i] >= times[-1] - window]
newest_set = set(newest)

basket = []
for i in range(n):
    k = i % 15
    # Newest: 6..10 twice as often (15 rows per cycle: 1..5 once, 6..10 twice).
    basket.append((k if k < 5 else 5 + (k - 5) // 2) + 1 if i in newest_set else i % 10 + 1)
device = ["mobile" if (i in newest_set and i % 4 != 0) or (i not in newest_set and i % 2) else "desktop" for i in range(n)]
region = ["north" if i % 7 < 4 else "south" for i in range(n)]
converted = [None if i % 5 == 0 else ("yes" if i % 3 == 0 else "no") for i in range(n)]
coupon = [f"C{i % 4}" if c is not None else None for i, c in zip(range(n), converted)]

frame = pl.DataFrame(
    {
        "visit_id": list(range(n)),
        "visited_at": pl.Series(times).dt.convert_time_zone("Europe/Berlin"),
        "basket": basket,
        "device": pl.Series(device, dtype=pl.Categorical),
        "region": region,
        "converted": converted,
        "coupon_code": coupon,
    }
)
shipped = [
    (times[i] + timedelta(days=1)).replace(tzinfo=None) if converted[i] == "yes" else None
    for i in range(n)
]
table = frame.to_arrow().append_column("shipped_at", pa.array(shipped, pa.timestamp("ms")))
pq.write_table(table, out / "visits.parquet")
if len(sys.argv) > 2:
    pq.write_table(table, Path(sys.argv[2]) / "visits.parquet", write_statistics=False)
if len(sys.argv) > 3:
    pacsv.write_csv(table, Path(sys.argv[3]) / "visits.csv")

pq.write_table(
    pa.table({"sku": [f"S{i}" for i in range(200)], "stock": [i % 17 for i in range(200)]}),
    out / "snapshot.parquet",
)


def psi(old, new):
    total = 0.0
    for value in set(old) | set(new):
        o = max(old.count(value) / len(old), 0.0001)
        w = max(new.count(value) / len(new), 0.0001)
        total += (w - o) * math.log(w / o)
    return total


def decile_psi(old, new):
    """Binned on the oldest window's deciles (nearest rank), as readiness documents it."""
    ranked = sorted(old)
    edges = sorted({ranked[round(d / 10 * (len(old) - 1))] for d in range(1, 10)})
    def binned(values):
        return [next((b for b, e in enumerate(edges) if v <= e), len(edges)) for v in values]
    return psi(binned(old), binned(new))


labelled = [i for i in range(n) if converted[i] is not None]
unlabelled = [i for i in range(n) if converted[i] is None]
print(
    json.dumps(
        {
            "oldest_rows": len(oldest),
            "newest_rows": len(newest),
            "newest_share": len(newest) / n,
            "basket_psi": decile_psi([basket[i] for i in oldest], [basket[i] for i in newest]),
            "device_psi": psi([device[i] for i in oldest], [device[i] for i in newest]),
            "region_psi": psi([region[i] for i in oldest], [region[i] for i in newest]),
            "labelled": len(labelled),
            "unlabelled": len(unlabelled),
            "shipped_after": sum(1 for i in labelled if shipped[i] is not None),
        }
    )
)
