"""Writes `people.csv` by polars for tests/near_duplicates.rs: 100 people, then
- 7 entered again under a new `id` and `_loaded_at`, their text retyped (case, accents,
  punctuation, spacing);
- 3 exact copies of earlier rows;
- 4 copies differing only in `export_run`, a column only the user knows to ignore.
Prints the planted counts as JSON.
"""
import json
import sys
from pathlib import Path

import polars as pl

cities = ["Zürich", "São Paulo", "Köln", "New York"]
rows = [
    {
        "id": i,
        "name": f"Anne-Marie Dupont {i}",
        "city": cities[i % 4],
        "amount": 10.0 + i,
        "export_run": 1,
        "_loaded_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}",
    }
    for i in range(100)
]
retyped = []
for n, i in enumerate(range(3, 73, 10)):
    r = dict(rows[i])
    r["id"] = 1000 + n
    r["name"] = r["name"].upper().replace("-", " ").replace(" ", "  ")
    r["city"] = " " + r["city"].lower().replace("ü", "u").replace("ã", "a").replace("ö", "o") + "."
    r["_loaded_at"] = "2026-02-01T00:00:00"
    retyped.append(r)
exact = [dict(rows[i]) for i in (5, 6, 7)]
rebatched = []
for n, i in enumerate((80, 81, 82, 83)):
    r = dict(rows[i])
    r["export_run"] = 2
    rebatched.append(r)
frame = pl.DataFrame(rows + retyped + exact + rebatched)
frame.write_csv(Path(sys.argv[1]) / "people.csv")
print(json.dumps({"rows": frame.height, "retyped": len(retyped), "exact": len(exact), "rebatched": len(rebatched)}))
