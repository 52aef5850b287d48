"""Reference engines as a long-lived request server for delta-ts' writer interop spec tests.

The write tests alternate between delta-ts and the references many times per table (delta-ts
writes, delta-rs and Spark read; delta-rs or Spark write, delta-ts appends, they read again), so a
process per request would pay a Python import and a JVM start each time. This server reads one JSON
request per line on stdin and answers one JSON line per request on its response channel, keeping
one delta-rs import and one Spark session (started on first use) for the whole test file.

Requests (`id` is echoed back; a failure answers `{"id", "error"}`):

- `{"op": "read", "engine": "delta-rs"|"spark"|"duckdb", "root", "version"?}` → `{"engine", "fields",
  "rows"}`: the table's rows in delta-ts' canonical form (canonical.py), typed by the engine's schema.
- `{"op": "cdf", "root", "from", "to"}` → delta-rs `load_cdf` rows with the change columns.
- `{"op": "spark_sql", "sql": [statements]}` → `{}` after running each statement in order.
- `{"op": "deltars_write", "root", "columns": [[name, type]], "rows": [...], "mode", "partition_by"?,
  "configuration"?}` → `{}`: `write_deltalake` of rows typed by the small type vocabulary below.
- `{"op": "deltars_delete", "root", "predicate"}` / `{"op": "deltars_update", "root", "predicate",
  "updates"}` → `{}`.
- `{"op": "duckdb_probe"}` → `{"available": bool, "reason"}`: whether DuckDB's `delta` extension
  loads (from the `duckdb-extension-delta` wheel, see duck.py).

Responses go to the file descriptor the process was started with as stdout; the process's own fd 1
is pointed at stderr before Spark starts, so nothing the JVM prints can corrupt the protocol.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow as pa  # noqa: E402
from deltalake import DeltaTable, QueryBuilder, write_deltalake  # noqa: E402

from canonical import canon_table, delta_type_of_arrow  # noqa: E402
from duck import connect_delta  # noqa: E402
from duck import version as duckdb_version  # noqa: E402
from spark import SparkReference, java_error  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

TYPES = {
    "long": pa.int64(),
    "integer": pa.int32(),
    "short": pa.int16(),
    "string": pa.string(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal(10,2)": pa.decimal128(10, 2),
}

CHANGE_FIELDS = [
    {"name": "_change_type", "type": "string", "nullable": False, "metadata": {}},
    {"name": "_commit_version", "type": "long", "nullable": False, "metadata": {}},
    {"name": "_commit_timestamp", "type": "timestamp", "nullable": False, "metadata": {}},
]


def delta_fields(dt: DeltaTable) -> list[dict[str, Any]]:
    return json.loads(dt.schema().to_json())["fields"]


def read_delta_rs(root: str, version: int | None) -> dict[str, Any]:
    """delta-rs' DataFusion scan (deletion vectors, column mapping); its PyArrow scan as fallback."""
    dt = DeltaTable(root) if version is None else DeltaTable(root, version=version)
    fields = delta_fields(dt)
    errors = []
    for engine in ("delta-rs-datafusion", "delta-rs"):
        try:
            if engine == "delta-rs":
                table = dt.to_pyarrow_table()
            else:
                table = pa.table(QueryBuilder().register("t", dt).execute("SELECT * FROM t").read_all())
            return {"engine": engine, "fields": fields, "rows": canon_table(table, fields)}
        except Exception as err:  # noqa: BLE001 - the other scan path may succeed
            errors.append(f"{engine}: {type(err).__name__}: {err}")
    raise RuntimeError(" | ".join(errors))


def read_spark(ref: SparkReference, root: str, version: int | None) -> dict[str, Any]:
    spark = ref.session()
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    try:
        from pyspark.sql.types import StructType

        df = reader.load(os.path.abspath(root))
        schema = json.loads(df.schema.json())
        # pyspark's Arrow conversion fails on a null struct with a non-nullable child ("nulls in
        # input cannot be viewed as non-nullable"); the rows are the same with nullability relaxed.
        relaxed = df.to(StructType.fromJson(nullable_everywhere(schema)))
        return {"engine": "spark", "fields": schema["fields"], "rows": canon_table(relaxed.toArrow(), schema["fields"])}
    except Exception as err:
        raise RuntimeError(java_error(err)) from err


def nullable_everywhere(node: Any) -> Any:
    """A copy of a Spark schema JSON with every field, element and value nullable."""
    if isinstance(node, list):
        return [nullable_everywhere(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: nullable_everywhere(v) for k, v in node.items()}
    for key in ("nullable", "containsNull", "valueContainsNull"):
        if key in out:
            out[key] = True
    return out


def read_duckdb(root: str, version: int | None) -> dict[str, Any]:
    con = connect_delta()
    if version is None:
        table = con.execute("SELECT * FROM delta_scan(?)", [root]).fetch_arrow_table()
    else:
        table = con.execute("SELECT * FROM delta_scan(?, version => ?)", [root, version]).fetch_arrow_table()
    fields = [{"name": f.name, "type": delta_type_of_arrow(f.type)} for f in table.schema]
    return {"engine": "duckdb", "fields": fields, "rows": canon_table(table, fields)}


def duckdb_probe() -> dict[str, Any]:
    try:
        connect_delta()
        return {"available": True, "reason": f"loaded: {duckdb_version()}"}
    except Exception as err:  # noqa: BLE001 - the reason is the answer
        return {"available": False, "reason": f"{type(err).__name__}: {str(err).splitlines()[0]}"}


def cdf(root: str, start: int, end: int) -> dict[str, Any]:
    dt = DeltaTable(root, version=end)
    fields = delta_fields(dt) + CHANGE_FIELDS
    table = pa.table(dt.load_cdf(starting_version=start, ending_version=end).read_all())
    return {"engine": "delta-rs", "fields": fields, "rows": canon_table(table, fields)}


def arrow_rows(columns: list[list[str]], rows: list[dict[str, Any]]) -> pa.Table:
    import datetime as dt
    from decimal import Decimal

    schema = pa.schema([pa.field(name, TYPES[t]) for name, t in columns])
    converted = []
    for row in rows:
        out = {}
        for name, t in columns:
            v = row.get(name)
            if v is not None and t == "date":
                v = dt.date.fromisoformat(v)
            elif v is not None and t == "timestamp":
                v = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            elif v is not None and t.startswith("decimal"):
                v = Decimal(v)
            out[name] = v
        converted.append(out)
    return pa.Table.from_pylist(converted, schema=schema)


def handle(ref: SparkReference, req: dict[str, Any]) -> dict[str, Any]:
    op = req["op"]
    if op == "read":
        engine = req["engine"]
        if engine == "delta-rs":
            return read_delta_rs(req["root"], req.get("version"))
        if engine == "spark":
            return read_spark(ref, req["root"], req.get("version"))
        if engine == "duckdb":
            return read_duckdb(req["root"], req.get("version"))
        raise ValueError(f"unknown engine {engine}")
    if op == "cdf":
        return cdf(req["root"], req["from"], req["to"])
    if op == "spark_sql":
        spark = ref.session()
        for statement in req["sql"]:
            try:
                spark.sql(statement).collect()
            except Exception as err:
                raise RuntimeError(f"{statement}: {java_error(err)}") from err
        return {}
    if op == "deltars_write":
        write_deltalake(
            req["root"],
            arrow_rows(req["columns"], req["rows"]),
            mode=req.get("mode", "append"),
            partition_by=req.get("partition_by"),
            configuration=req.get("configuration"),
        )
        return {}
    if op == "deltars_delete":
        DeltaTable(req["root"]).delete(req["predicate"])
        return {}
    if op == "deltars_update":
        DeltaTable(req["root"]).update(updates=req["updates"], predicate=req["predicate"])
        return {}
    if op == "duckdb_probe":
        return duckdb_probe()
    raise ValueError(f"unknown op {op}")


def main() -> int:
    # Keep the real stdout for responses; everything else printing to fd 1 (the JVM) goes to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    ref = SparkReference(REPO)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            try:
                res = handle(ref, req)
            except Exception as err:  # noqa: BLE001 - every failure is an answer to the caller
                lines = str(err).strip().splitlines()
                res = {"error": f"{type(err).__name__}: {lines[0] if lines else ''}"[:4000]}
                print(traceback.format_exc(), file=sys.stderr)
            res["id"] = req.get("id")
            out.write(json.dumps(res, ensure_ascii=False, allow_nan=False) + "\n")
            out.flush()
    finally:
        ref.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
