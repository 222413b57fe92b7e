"""Writes `prices.parquet` by polars for tests/distributions.rs and prints, as JSON, the exact
percentiles polars computes (linear interpolation) and the planted counts.

`unit_price`: 5,000 prices spread 1 to 500 (deterministic), with 5 negative prices, 12 zeros
and 6 prices of 1,000,000 (a cents/euros mix-up). `note` is text, so not a numeric column.
"""
import json
import sys
from pathlib import Path

import polars as pl

prices = [1.0 + (i * 7919 % 5000) / 10.0 for i in range(5000)]
for i in range(5):
    prices[i * 997] = -float(i + 1)
for i in range(12):
    prices[i * 401 + 3] = 0.0
for i in range(6):
    prices[i * 811 + 5] = 1_000_000.0
frame = pl.DataFrame({"unit_price": prices, "note": ["x"] * len(prices)})
frame.write_parquet(Path(sys.argv[1]) / "prices.parquet")
column = frame["unit_price"]
print(
    json.dumps(
        {
            "percentiles": [column.quantile(q, interpolation="linear") for q in (0.01, 0.25, 0.5, 0.75, 0.99)],
            "negative": int((column < 0).sum()),
            "zero": int((column == 0).sum()),
            "huge": int((column > 100_000).sum()),
        }
    )
)
