"""Generate the 10,000-commit benchmark table (and its checkpointed variant).

The log is written directly as commit JSON, the way a streaming writer leaves it: commit 0 holds
protocol and metadata; then every commit appends one small file, except every tenth, which is a
compaction that removes the nine files appended since the last one and adds one merged file.
Afterwards the table has ~1,000 live files and ~9,000 tombstones spread over 10,000 commits, and
no checkpoint (delta-rs writes none by default).

The data files are real Parquet: two small files written once with pyarrow, and every `add`
path is a hard link to one of them (copy when links are unsupported), so any reader can scan
the table and the stats in each `add` are true.

With `--checkpoint-at V` the log is written up to V, delta-rs `create_checkpoint()` writes the
checkpoint for V, and the remaining commits follow: a table whose latest snapshot is one
checkpoint plus a short tail of commits.

Usage: python bench/gen/commits.py OUT_DIR [--commits N] [--checkpoint-at V]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable

T0_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
NAMESPACE = uuid.UUID("6f1c3a52-2d3b-4c8e-9a57-0b1d8e2f4a10")
SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("kind", pa.string(), nullable=True),
        pa.field("amount", pa.float64(), nullable=True),
    ]
)
SCHEMA_STRING = json.dumps(
    {
        "type": "struct",
        "fields": [
            {"name": "event_id", "type": "long", "nullable": False, "metadata": {}},
            {"name": "kind", "type": "string", "nullable": True, "metadata": {}},
            {"name": "amount", "type": "double", "nullable": True, "metadata": {}},
        ],
    }
)
KINDS = ["view", "cart", "checkout", "refund"]


def write_base(path: Path, rows: int) -> dict[str, object]:
    """Write one small Parquet file and return the stats an `add` of it carries."""
    ids = list(range(rows))
    kinds = [KINDS[i % len(KINDS)] for i in ids]
    amounts = [round((i * 7919 % 10_000) / 100.0, 2) for i in ids]
    pq.write_table(pa.table([ids, kinds, amounts], schema=SCHEMA), path, compression="snappy")
    return {
        "numRecords": rows,
        "minValues": {"event_id": 0, "kind": min(kinds), "amount": min(amounts)},
        "maxValues": {"event_id": rows - 1, "kind": max(kinds), "amount": max(amounts)},
        "nullCount": {"event_id": 0, "kind": 0, "amount": 0},
    }


def link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


class Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "_delta_log"
        self.log.mkdir(parents=True)
        self.base = root / "_base"
        self.base.mkdir()
        self.small_stats = write_base(self.base / "small.parquet", 100)
        self.big_stats = write_base(self.base / "merged.parquet", 900)
        self.pending: list[tuple[str, int]] = []

    def add(self, name: str, big: bool, version: int) -> dict[str, object]:
        src = self.base / ("merged.parquet" if big else "small.parquet")
        link(src, self.root / name)
        size = src.stat().st_size
        stats = self.big_stats if big else self.small_stats
        action = {
            "path": name,
            "partitionValues": {},
            "size": size,
            "modificationTime": T0_MS + version * 1_000,
            "dataChange": not big,
            "stats": json.dumps(stats, separators=(",", ":")),
        }
        return {"add": action}

    def commit(self, version: int) -> None:
        ts = T0_MS + version * 1_000
        actions: list[dict[str, object]] = []
        if version == 0:
            actions.append({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}})
            actions.append(
                {
                    "metaData": {
                        "id": str(uuid.uuid5(NAMESPACE, "table")),
                        "name": "events",
                        "format": {"provider": "parquet", "options": {}},
                        "schemaString": SCHEMA_STRING,
                        "partitionColumns": [],
                        "configuration": {},
                        "createdTime": ts,
                    }
                }
            )
            operation = {"operation": "CREATE TABLE", "operationParameters": {"mode": "ErrorIfExists"}}
        elif version % 10 == 0:
            for path, size in self.pending:
                actions.append(
                    {
                        "remove": {
                            "path": path,
                            "deletionTimestamp": ts,
                            "dataChange": False,
                            "extendedFileMetadata": True,
                            "partitionValues": {},
                            "size": size,
                        }
                    }
                )
            self.pending = []
            actions.append(self.add(f"part-{version:05d}-{uuid.uuid5(NAMESPACE, str(version))}-c000.snappy.parquet", True, version))
            operation = {"operation": "OPTIMIZE", "operationParameters": {"targetSize": "104857600"}}
        else:
            add = self.add(f"part-{version:05d}-{uuid.uuid5(NAMESPACE, str(version))}-c000.snappy.parquet", False, version)
            add_action = add["add"]
            assert isinstance(add_action, dict)
            self.pending.append((str(add_action["path"]), int(add_action["size"])))
            actions.append(add)
            operation = {"operation": "WRITE", "operationParameters": {"mode": "Append"}}
        info = {"timestamp": ts, **operation, "clientVersion": "delta-ts-bench-gen"}
        lines = [json.dumps({"commitInfo": info}, separators=(",", ":"))]
        lines += [json.dumps(a, separators=(",", ":")) for a in actions]
        (self.log / f"{version:020d}.json").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--checkpoint-at", type=int, default=None)
    args = parser.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    writer = Writer(out)
    for version in range(args.commits):
        writer.commit(version)
        if version == args.checkpoint_at:
            DeltaTable(str(out)).create_checkpoint()
    table = DeltaTable(str(out))
    print(
        f"commits: version {table.version()}, {len(table.file_uris())} live files, "
        f"checkpoint at {args.checkpoint_at} -> {out}"
    )


if __name__ == "__main__":
    main()
