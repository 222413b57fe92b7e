"""Delta Lake tables written by the real `deltalake` (delta-rs) Python writer, for tests/lakehouse.rs.

Usage: python make_delta.py OUT_DIR. Writes the tables below into OUT_DIR and prints, as JSON, each
commit's time in milliseconds (from the writer's own history), so the tests can time-travel.

- orders: 1,000 rows written, then overwritten with 500 (version 1); the first file stays on disk.
- orders_deleted: 1,000 rows, then `DELETE WHERE id < 100` (version 1, 900 rows live).
- events: partitioned by `region` (3 regions), then a second append that adds a column `score`
  (schema evolution, version 1), with a name, description and properties.
- broken: two commits, then the first commit's log entry removed (a gap in the log).
- future: one commit, then a protocol upgrade to a reader feature no reader knows, as a newer
  engine would commit it (the one log entry written here by hand).
"""
import json
import os
import sys

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake

out = sys.argv[1]
times = {}


def history(name):
    table = DeltaTable(os.path.join(out, name))
    times[name] = {str(c["version"]): c["timestamp"] for c in table.history()}


orders = os.path.join(out, "orders")
first = pa.table({
    "id": pa.array(range(1000), pa.int64()),
    "amount": pa.array([float(i % 50) for i in range(1000)]),
    "label": pa.array([None if i % 4 == 0 else ("yes" if i % 2 else "no") for i in range(1000)]),
})
write_deltalake(orders, first)
second = pa.table({
    "id": pa.array(range(500), pa.int64()),
    "amount": pa.array([float(i % 10) for i in range(500)]),
    # 50 of the 500 live labels are missing (every 10th row).
    "label": pa.array([None if i % 10 == 0 else "yes" for i in range(500)]),
})
write_deltalake(orders, second, mode="overwrite")
history("orders")

deleted = os.path.join(out, "orders_deleted")
write_deltalake(deleted, first)
DeltaTable(deleted).delete("id < 100")
history("orders_deleted")

events = os.path.join(out, "events")
regions = ["eu", "us", "apac"]
batch = pa.table({
    "event_id": pa.array(range(300), pa.int64()),
    "region": pa.array([regions[i % 3] for i in range(300)]),
    "kind": pa.array(["click" if i % 5 else None for i in range(300)]),
})
write_deltalake(
    events,
    batch,
    partition_by=["region"],
    name="events",
    description="Click events per region, from the web tracker",
    configuration={"delta.appendOnly": "true", "delta.logRetentionDuration": "interval 30 days"},
    commit_properties=CommitProperties(custom_metadata={"source_system": "tracker"}),
)
more = pa.table({
    "event_id": pa.array(range(300, 400), pa.int64()),
    "region": pa.array(["eu"] * 100),
    "kind": pa.array(["view"] * 100),
    "score": pa.array([float(i) for i in range(100)]),
})
write_deltalake(events, more, mode="append", schema_mode="merge")
history("events")

broken = os.path.join(out, "broken")
write_deltalake(broken, first)
write_deltalake(broken, second, mode="append")
history("broken")
os.remove(os.path.join(broken, "_delta_log", "00000000000000000000.json"))

future = os.path.join(out, "future")
write_deltalake(future, second)
with open(os.path.join(future, "_delta_log", "00000000000000000001.json"), "w") as log:
    log.write(json.dumps({"commitInfo": {"timestamp": times["broken"]["1"] + 1,
                                         "operation": "SET TBLPROPERTIES",
                                         "engineInfo": "future-engine"}}) + "\n")
    log.write(json.dumps({"protocol": {"minReaderVersion": 3, "minWriterVersion": 7,
                                       "readerFeatures": ["futureReaderFeature"],
                                       "writerFeatures": ["futureReaderFeature"]}}) + "\n")

print(json.dumps(times))
