"""Generate the inputs of the write benchmarks (`bench/write/`).

Every engine writes the same rows: they are generated once here as Arrow IPC stream files, which
each engine process streams into its writer. The shape is an `orders` fact table of an online shop:

    id        long       order id, ascending (a sequence, as an OLTP primary key)
    customer  string     "C0001234", derived from the id
    amount    double     order total, two decimals
    ts        timestamp  order time (UTC, microseconds), ascending with the id
    country   string     10 countries, derived from the id; the partition column

All columns are nullable (no NOT NULL constraint, so no engine needs the invariants feature).
Customer and country are functions of the id, so an update of an order by a later MERGE keeps its
partition, as a status or amount change of a real order does.

Writes into OUT_DIR:
  append-1k.arrows … append-10m.arrows   the append inputs (65,536-row batches)
  merge-source-100k.arrows                50,000 updates (amount + 1) of orders among the most
                                          recent million, and 50,000 new orders
  *.parquet                               the same rows as one Parquet file each, for Spark (which
                                          reads Parquet natively but not Arrow IPC files)
  commit-base/                            a Delta table: version 0 = the 1k rows (delta-rs)
  merge-base-10m/                         a Delta table of 10M rows written by delta-rs as ten
                                          1M-row appends (a table grown over time), 100 files

Usage: python bench/gen/write_input.py OUT_DIR
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import WriterProperties, write_deltalake

BATCH = 65_536
SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
COUNTRIES = pa.array(["US", "DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL", "JP"])
T0 = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1_000_000)
# One order every ~3.1 s: 10M orders span about a year.
STEP_US = 3_100_000

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64()),
        pa.field("customer", pa.string()),
        pa.field("amount", pa.float64()),
        pa.field("ts", pa.timestamp("us", tz="UTC")),
        pa.field("country", pa.string()),
    ]
)


def mod(values: pa.Array, m: int) -> pa.Array:
    return pc.subtract(values, pc.multiply(pc.divide(values, m), m))


def mix(ids: pa.Array, mult: int) -> pa.Array:
    """A cheap multiplicative hash of non-negative ids, non-negative and below 2^31."""
    return pc.shift_right(pc.bit_wise_and(pc.multiply(ids, mult), 0xFFFFFFFF), 1)


def orders(ids: pa.Array, amount_bump: float = 0.0) -> pa.RecordBatch:
    customer_no = pc.add(mod(mix(ids, 2654435761), 1_000_000), 1)
    customer = pc.binary_join_element_wise("C", pc.utf8_lpad(pc.cast(customer_no, pa.string()), 7, "0"), "")
    cents = pc.add(mod(mix(ids, 40503), 49_900), 100)
    amount = pc.add(pc.divide(pc.cast(cents, pa.float64()), 100.0), amount_bump)
    ts = pc.cast(pc.add(pc.multiply(ids, STEP_US), T0), pa.timestamp("us", tz="UTC"))
    country = pc.take(COUNTRIES, mod(pc.shift_right(mix(ids, 2246822519), 7), len(COUNTRIES)))
    return pa.RecordBatch.from_arrays([ids, customer, amount, ts, country], schema=SCHEMA)


def id_batches(start: int, count: int):
    for offset in range(0, count, BATCH):
        n = min(BATCH, count - offset)
        yield orders(pa.array(range(start + offset, start + offset + n), pa.int64()))


def write_stream(path: Path, batches) -> None:
    tmp = path.with_suffix(".tmp")
    ptmp = path.with_suffix(".parquet.tmp")
    with (
        pa.OSFile(str(tmp), "wb") as sink,
        pa.ipc.new_stream(sink, SCHEMA) as writer,
        pq.ParquetWriter(str(ptmp), SCHEMA, compression="snappy") as parquet,
    ):
        for batch in batches:
            writer.write_batch(batch)
            parquet.write_batch(batch)
    tmp.rename(path)
    ptmp.rename(path.with_suffix(".parquet"))


def merge_source() -> list[pa.RecordBatch]:
    k = pa.array(range(50_000), pa.int64())
    # One order in every 20 of the most recent million, at a pseudo-random offset within its 20.
    updated = pc.add(pc.add(pc.multiply(k, 20), mod(mix(k, 2654435761), 20)), 9_000_000)
    inserted = pc.add(k, 10_000_000)
    return [orders(updated, amount_bump=1.0), orders(inserted)]


def main() -> None:
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, rows in SIZES.items():
        write_stream(out / f"append-{name}.arrows", id_batches(0, rows))
    write_stream(out / "merge-source-100k.arrows", merge_source())
    props = WriterProperties(compression="SNAPPY")
    base = out / "commit-base"
    write_deltalake(str(base), pa.RecordBatchReader.from_batches(SCHEMA, id_batches(0, 1_000)),
                    partition_by=["country"], mode="error", name="orders", writer_properties=props)
    merge_base = out / "merge-base-10m"
    for i in range(10):
        reader = pa.RecordBatchReader.from_batches(SCHEMA, id_batches(i * 1_000_000, 1_000_000))
        write_deltalake(str(merge_base), reader, partition_by=["country"], mode="append",
                        name="orders", writer_properties=props)
    print(f"write inputs -> {out}")


if __name__ == "__main__":
    main()
