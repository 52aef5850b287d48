"""Generate the 10M-row `orders` benchmark table with delta-rs.

Deterministic: every column comes from pyarrow's seeded random generator, so two runs produce the
same rows (file names differ, since delta-rs names data files with UUIDs). The table is written in
one delta-rs commit; `target_file_size` splits it into ~10 Parquet files, which is what a bulk
load by delta-rs looks like.

Usage: python bench/gen/orders.py OUT_DIR [ROWS]
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, WriterProperties, write_deltalake

CHUNK = 1_000_000
COUNTRIES = pa.array(
    ["US", "DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL", "BE",
     "AT", "CH", "DK", "NO", "FI", "IE", "PT", "CZ", "JP", "KR",
     "CN", "IN", "BR", "MX", "CA", "AU", "NZ", "ZA", "SG", "AE"]
)
SKUS = pa.array([f"SKU-{i:06d}" for i in range(50_000)])
T0 = int(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1_000_000)
YEAR_US = 366 * 24 * 3600 * 1_000_000

SCHEMA = pa.schema(
    [
        pa.field("order_id", pa.int64(), nullable=False),
        pa.field("customer_id", pa.int64(), nullable=False),
        pa.field("sku", pa.string(), nullable=False),
        pa.field("qty", pa.int32(), nullable=False),
        pa.field("price", pa.decimal128(10, 2), nullable=False),
        pa.field("country", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def uniform_ints(n: int, seed: int, low: int, high: int) -> pa.Array:
    """n integers in [low, high), from a seeded uniform double stream."""
    u = pc.random(n, initializer=seed)
    return pc.add(pc.cast(pc.floor(pc.multiply(u, float(high - low))), pa.int64()), low)


def chunk(index: int, n: int) -> pa.RecordBatch:
    seed = 1_000 + index * 10
    start = index * CHUNK
    price = pc.round(pc.add(pc.multiply(pc.random(n, initializer=seed + 3), 499.0), 0.5), 2)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(range(start, start + n), pa.int64()),
            uniform_ints(n, seed, 1, 1_000_001),
            pc.take(SKUS, uniform_ints(n, seed + 1, 0, len(SKUS))),
            pc.cast(uniform_ints(n, seed + 2, 1, 11), pa.int32()),
            pc.cast(price, pa.decimal128(10, 2)),
            pc.take(COUNTRIES, uniform_ints(n, seed + 4, 0, len(COUNTRIES))),
            pc.cast(pc.add(uniform_ints(n, seed + 5, 0, YEAR_US), T0), pa.timestamp("us", tz="UTC")),
        ],
        schema=SCHEMA,
    )


def main() -> None:
    out = Path(sys.argv[1])
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    if out.exists():
        shutil.rmtree(out)
    batches = (chunk(i, min(CHUNK, rows - i * CHUNK)) for i in range((rows + CHUNK - 1) // CHUNK))
    reader = pa.RecordBatchReader.from_batches(SCHEMA, batches)
    write_deltalake(
        str(out),
        reader,
        mode="overwrite",
        name="orders",
        target_file_size=24 * 1024 * 1024,
        writer_properties=WriterProperties(compression="SNAPPY"),
    )
    table = DeltaTable(str(out))
    files = table.file_uris()
    print(f"orders: version {table.version()}, {len(files)} files, {rows} rows -> {out}")


if __name__ == "__main__":
    main()
