"""Change-data-feed reference rows in delta-ts' canonical row form.

Reads a JSON list of cases `{"id", "table_root", "from", "to"}` on stdin and prints one JSON line per
case: `{"id", "engine", "fields", "rows"}` with the canonical rows, or `{"id", "error"}` when every
reference refuses. delta-rs' `load_cdf` answers first; where it refuses (it has no change feed for
column-mapping tables and misreads percent-encoded file names), Spark's `readChangeFeed` answers.
Used by `spec-tests/changes.spec.ts`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

from canonical import canon_table
from spark import SparkReference

CHANGE_FIELDS = [
    {"name": "_change_type", "type": "string", "nullable": False, "metadata": {}},
    {"name": "_commit_version", "type": "long", "nullable": False, "metadata": {}},
    {"name": "_commit_timestamp", "type": "timestamp", "nullable": False, "metadata": {}},
]


def delta_rs(case: dict[str, Any]) -> dict[str, Any]:
    dt = DeltaTable(case["table_root"], version=case["to"])
    fields = json.loads(dt.schema().to_json())["fields"] + CHANGE_FIELDS
    reader = dt.load_cdf(starting_version=case["from"], ending_version=case["to"])
    table = pa.table(reader.read_all())
    return {"id": case["id"], "engine": "delta-rs", "fields": fields, "rows": canon_table(table, fields)}


def spark(ref: SparkReference, case: dict[str, Any]) -> dict[str, Any]:
    session = ref.session()
    # Some fixtures were edited after Spark wrote them, so their Hadoop `.crc` side files no longer
    # match; the raw local file system reads the bytes without that check.
    hadoop = session.sparkContext._jsc.hadoopConfiguration()
    hadoop.set("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
    hadoop.set("fs.file.impl.disable.cache", "true")
    df = (
        session.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", case["from"])
        .option("endingVersion", case["to"])
        .load(case["table_root"])
    )
    fields = json.loads(df.schema.json())["fields"]
    return {"id": case["id"], "engine": "spark", "fields": fields, "rows": canon_table(df.toArrow(), fields)}


def run(ref: SparkReference, case: dict[str, Any]) -> dict[str, Any]:
    errors = []
    for engine in (lambda c: delta_rs(c), lambda c: spark(ref, c)):
        try:
            return engine(case)
        except Exception as err:  # noqa: BLE001 - a refusal is an answer; the next engine may differ
            lines = str(err).strip().splitlines()
            errors.append(f"{type(err).__name__}: {lines[0] if lines else ''}"[:1000])
    return {"id": case["id"], "error": " | ".join(errors)}


def main() -> int:
    ref = SparkReference(Path(__file__).resolve().parents[2])
    try:
        for case in json.load(sys.stdin):
            print(json.dumps(run(ref, case)), flush=True)
    finally:
        ref.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
