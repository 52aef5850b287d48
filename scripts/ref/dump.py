"""Reference dumper for delta-ts' conformance tests.

Reads a JSON list of cases from stdin (or `--cases FILE`) and writes one result per case into
`--out DIR`. A case is

    {"id": "delta-rs/simple_table@v2", "table_root": "/abs/path", "version": 2,
     "mode": "delta-rs" | "expected" | "spark", "expected_files": ["/abs/x.parquet", ...],
     "time_zone": "UTC"}

`mode: "delta-rs"` reads the table version with delta-rs (`deltalake`): first its PyArrow path, then
its DataFusion `QueryBuilder` path (deletion vectors, newer features), then DuckDB's `delta`
extension when it can be loaded. `mode: "expected"` converts the stored expected Parquet files into
the same form, typed by the table's Delta schema at that version when delta-rs can give it.
`mode: "spark"` reads it with Apache Spark + delta-spark (spark.py) in the session time zone
`time_zone` (default UTC); the Spark session starts only when such a case misses the cache.

Per case the output directory gets `<slug>.json` (metadata: status, engine, schema, error, attempts)
whose `rows_path`, for status "rows", names the cached NDJSON file of canonical rows (canonical.py). `index.json` maps each
case id to its slug. Results are cached under `.cache/ref/<deltalake version>/` keyed by the case and
the total size and newest mtime of the table's files, so a rerun costs a directory walk per table.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import unquote

sys.dont_write_bytecode = True  # keep scripts/ref free of __pycache__ (it is not ignored by git)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deltalake  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from deltalake import DeltaTable, QueryBuilder  # noqa: E402

from canonical import canon_table, delta_type_of_arrow  # noqa: E402
from duck import connect_delta  # noqa: E402
from duck import version as duckdb_version  # noqa: E402
from spark import REVISION as SPARK_REVISION, SparkReference, dump_spark, versions as spark_versions  # noqa: E402

DUMPER_REVISION = "6"  # bump to invalidate caches when the output form changes (6: DuckDB loads)
REPO = Path(__file__).resolve().parents[2]
_fingerprints: dict[str, str] = {}
_duckdb_state: dict[str, Any] = {}
_spark = SparkReference(REPO)


def fingerprint(root: str) -> str:
    """Total size, file count and newest mtime of every file under `root` (memoised per run)."""
    if root not in _fingerprints:
        size = count = newest = 0
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                size += st.st_size
                count += 1
                newest = max(newest, st.st_mtime_ns)
        _fingerprints[root] = f"{size}:{count}:{newest}"
    return _fingerprints[root]


def cache_key(case: dict[str, Any]) -> str:
    parts = [
        DUMPER_REVISION,
        case["mode"],
        os.path.abspath(case["table_root"]),
        str(case["version"]),
        fingerprint(case["table_root"]),
    ]
    if case["mode"] == "spark":
        # Spark's answer depends on its versions and the session zone, not on deltalake's version.
        v = spark_versions()
        parts += [SPARK_REVISION, v["pyspark"], v["delta-spark"], case.get("time_zone") or "UTC"]
    for f in case.get("expected_files") or []:
        st = os.stat(f)
        parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def slug(case_id: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", case_id)[:120]
    return f"{base}-{hashlib.sha1(case_id.encode()).hexdigest()[:8]}"


def short_error(err: BaseException) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", f"{type(err).__name__}: {err}").strip()
    return text if len(text) <= 2000 else text[:2000] + "…"


def schema_fields(dt: DeltaTable) -> list[dict[str, Any]]:
    return json.loads(dt.schema().to_json())["fields"]


def read_pyarrow(dt: DeltaTable) -> pa.Table:
    return dt.to_pyarrow_table()


def read_datafusion(dt: DeltaTable) -> pa.Table:
    reader = QueryBuilder().register("t", dt).execute("SELECT * FROM t")
    return pa.table(reader.read_all())


def read_duckdb(root: str, version: int) -> pa.Table:
    """DuckDB's `delta` extension (duck.py); whether it loads is checked once per cache."""
    marker = _duckdb_state.get("marker")
    if "con" not in _duckdb_state and isinstance(marker, Path) and marker.exists():
        _duckdb_state["con"] = None
        _duckdb_state["error"] = marker.read_text(encoding="utf-8")
    if "con" not in _duckdb_state:
        try:
            _duckdb_state["con"] = connect_delta()
        except Exception as err:  # the wheel missing, or built for another DuckDB
            _duckdb_state["con"] = None
            _duckdb_state["error"] = short_error(err)
            if isinstance(marker, Path):
                marker.write_text(_duckdb_state["error"], encoding="utf-8")
    con = _duckdb_state["con"]
    if con is None:
        raise RuntimeError(f"DuckDB delta extension unavailable: {_duckdb_state['error']}")
    return con.execute("SELECT * FROM delta_scan(?, version => ?)", [root, version]).fetch_arrow_table()


def active_files(dt: DeltaTable, root: str) -> dict[str, Any]:
    """The snapshot's active file paths as written in the log: count, digest, the list when short, and
    how many relative paths are absent on disk (delta-rs reports an absent file by its `add.size`, so
    its error alone cannot tell a missing file from a truncated one)."""
    paths = sorted(pa.table(dt.get_add_actions()).column("path").to_pylist())
    digest = hashlib.sha256("\n".join(paths).encode("utf-8")).hexdigest()
    missing = sum(
        1
        for p in paths
        if "://" not in p and not p.startswith("/") and not os.path.exists(os.path.join(root, unquote(p)))
    )
    out: dict[str, Any] = {"files_count": len(paths), "files_sha256": digest, "missing_files": missing}
    if len(paths) <= 2000:
        out["files"] = paths
    return out


def duckdb_release() -> str:
    """The installed DuckDB version, or "none"."""
    try:
        import duckdb

        return str(duckdb.__version__)
    except ImportError:
        return "none"


def duckdb_status() -> str:
    """What is known about DuckDB's `delta` extension: loaded, unavailable (and why), or never needed."""
    if _duckdb_state.get("con") is not None:
        return f"loaded ({duckdb_version()})"
    if "error" in _duckdb_state:
        return f"unavailable ({_duckdb_state['error']})"
    marker = _duckdb_state.get("marker")
    if isinstance(marker, Path) and marker.exists():
        return f"unavailable ({marker.read_text(encoding='utf-8')})"
    return "not tried (delta-rs answered every case)"


def dump_delta_rs(case: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    root, version = case["table_root"], case["version"]
    attempts: list[dict[str, str]] = []
    try:
        dt = DeltaTable(root, version=version)
        fields = schema_fields(dt)
    except Exception as err:
        attempts.append({"engine": "delta-rs", "error": short_error(err)})
        try:
            table = read_duckdb(root, version)
            fields = [{"name": f.name, "type": delta_type_of_arrow(f.type)} for f in table.schema]
            return _rows_meta("duckdb", fields, attempts), canon_table(table, fields)
        except Exception as err2:
            attempts.append({"engine": "duckdb", "error": short_error(err2)})
        meta = {"status": "error", "phase": "load", "engine": "delta-rs", "error": attempts[0]["error"]}
        return {**meta, "attempts": attempts}, None
    try:
        files = active_files(dt, root)
    except Exception as err:
        files = {"files_error": short_error(err)}
    engines = [("delta-rs", read_pyarrow), ("delta-rs-datafusion", read_datafusion)]
    if dt.metadata().configuration.get("delta.columnMapping.mode", "none") != "none":
        # The PyArrow path ignores column mapping and returns all-null columns; DataFusion applies it.
        engines.reverse()
    for engine, read in engines:
        try:
            table = read(dt)
            return {**_rows_meta(engine, fields, attempts), **files}, canon_table(table, fields)
        except Exception as err:
            attempts.append({"engine": engine, "error": short_error(err)})
    try:
        table = read_duckdb(root, version)
        return {**_rows_meta("duckdb", fields, attempts), **files}, canon_table(table, fields)
    except Exception as err:
        attempts.append({"engine": "duckdb", "error": short_error(err)})
    return {
        "status": "error",
        "phase": "scan",
        "engine": "delta-rs",
        "error": attempts[0]["error"],
        "schema": fields,
        "attempts": attempts,
        **files,
    }, None


def dump_expected(case: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    files = case.get("expected_files") or []
    tables = [pq.read_table(f) for f in files]
    table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    attempts: list[dict[str, str]] = []
    try:
        delta_fields = schema_fields(DeltaTable(case["table_root"], version=case["version"]))
    except Exception as err:
        attempts.append({"engine": "delta-rs", "error": short_error(err)})
        delta_fields = None
    by_name = {f["name"]: f for f in delta_fields or []}
    fields = []
    for f in table.schema:
        if f.name in by_name:
            fields.append(by_name[f.name])
        else:
            # INT96 is how Spark writes `timestamp`; pyarrow reads it as zone-less nanoseconds.
            guess = delta_type_of_arrow(f.type)
            if pa.types.is_timestamp(f.type) and f.type.unit == "ns":
                guess = "timestamp"
            fields.append({"name": f.name, "type": guess, "nullable": True, "metadata": {}})
    meta = _rows_meta("expected", fields, attempts)
    meta["expected_files"] = files
    if delta_fields is not None and [f["name"] for f in delta_fields] != table.column_names:
        meta["note"] = f"expected columns {table.column_names} differ from the Delta schema {[f['name'] for f in delta_fields]}"
    return meta, canon_table(table, fields)


def _rows_meta(engine: str, fields: list[dict[str, Any]], attempts: list[dict[str, str]]) -> dict[str, Any]:
    return {"status": "rows", "engine": engine, "schema": fields, "attempts": attempts}


def run_case(case: dict[str, Any], cache_dir: Path, out_dir: Path) -> dict[str, Any]:
    key = cache_key(case)
    cached_meta, cached_rows = cache_dir / f"{key}.json", cache_dir / f"{key}.ndjson"
    hit = cached_meta.exists()
    if not hit:
        start = time.monotonic()
        try:
            if case["mode"] == "spark":
                meta, rows = dump_spark(_spark, case)
            else:
                meta, rows = (dump_expected if case["mode"] == "expected" else dump_delta_rs)(case)
        except Exception as err:
            meta, rows = {"status": "dumper-error", "error": short_error(err), "trace": traceback.format_exc()}, None
        meta["seconds"] = round(time.monotonic() - start, 3)
        if rows is not None:
            meta["row_count"] = len(rows)
            tmp = cached_rows.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":")))
                    fh.write("\n")
            os.replace(tmp, cached_rows)
        tmp = cached_meta.with_suffix(f".{os.getpid()}.tmpmeta")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, cached_meta)
    meta = json.loads(cached_meta.read_text(encoding="utf-8"))
    name = slug(case["id"])
    meta.update({"id": case["id"], "mode": case["mode"], "version": case["version"], "cached": hit})
    if meta["status"] == "rows":
        # Rows stay in the cache (hundreds of MB for the whole corpus); the result points at them.
        meta["rows_path"] = str(cached_rows.resolve())
    (out_dir / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"id": case["id"], "mode": case["mode"], "meta": f"{name}.json"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="JSON file with the case list (default: stdin)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--cache", default=str(REPO / ".cache" / "ref" / deltalake.__version__))
    args = parser.parse_args()
    cases = json.loads(Path(args.cases).read_text() if args.cases else sys.stdin.read())
    out_dir, cache_dir = Path(args.out), Path(args.cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Per DuckDB release: a failure to load one release's extension says nothing of another's.
    _duckdb_state["marker"] = cache_dir / f"duckdb-delta-unavailable-{duckdb_release()}.txt"
    # Concurrent spec files share the cache: one dumper works at a time, the next one then hits it.
    lock = open(cache_dir / ".lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    index = []
    start = time.monotonic()
    for i, case in enumerate(cases):
        index.append(run_case(case, cache_dir, out_dir))
        if (i + 1) % 50 == 0:
            print(f"dump.py: {i + 1}/{len(cases)} cases, {time.monotonic() - start:.1f}s", file=sys.stderr)
    summary = {
        "deltalake": deltalake.__version__,
        "pyarrow": pa.__version__,
        "duckdb_delta": duckdb_status(),
        "spark": spark_versions(),
        "spark_started_seconds": _spark.started_seconds,
        "cases": index,
    }
    _spark.stop()
    (out_dir / "index.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"dump.py: {len(cases)} cases in {time.monotonic() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
