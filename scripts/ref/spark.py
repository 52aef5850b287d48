"""Apache Spark with delta-spark as a second reference engine for the conformance tests.

delta-rs cannot read every fixture (preview reader features such as `typeWidening-preview`), and
where it needs its DataFusion path or disagrees with a stored expectation a second opinion helps to
tell a fixture quirk from a reader bug. Spark is the engine most fixtures were written with, so it
is that second opinion.

A JVM costs seconds to start and delta-spark's jars come from Maven Central through Spark's ivy
resolution, so the session is created lazily, once per dumper process, only when a case misses the
cache; the ivy directory lives in `.cache/ivy` so a machine downloads the jars once.

Rows leave Spark through Arrow (`DataFrame.toArrow`) and go through the same canonical conversion as
delta-rs' rows, typed by the schema Spark reports (Spark's schema JSON is the Delta schema form).
Timestamps arrive as instants (microseconds since the epoch, UTC) whatever the session time zone, so
the session zone only matters where Spark itself interprets zone-less text, as in timestamp
partition values.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from canonical import canon_table

REVISION = "2"  # part of the cache key of Spark results: bump when the session setup changes


def versions() -> dict[str, str]:
    """pyspark and delta-spark versions from the installed distributions (no JVM needed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("pyspark", "delta-spark"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def build_session(repo: Path, scratch: Path, app_name: str, driver_memory: str, small_tables: bool) -> Any:
    """A local[2] Spark session with delta-spark, UTC everywhere, jars cached in `.cache/ivy`.

    Shared by the reference engine of the spec tests and the Spark side of the benchmarks, so both
    measure and compare against the same configuration. `small_tables` tunes the shuffle and
    snapshot partition counts down for the tiny fixture tables.
    """
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    ivy = repo / ".cache" / "ivy"
    ivy.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.jars.ivy", str(ivy))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        # The JVM's own zone must not leak into anything Spark formats or parses.
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.local.dir", str(scratch))
        .config("spark.driver.memory", driver_memory)
        # Hadoop's local file system checks `.<name>.crc` side files; some fixtures were edited
        # after Spark wrote them, so their stale checksums would fail reads of valid files.
        .config("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
        .config("spark.hadoop.fs.file.impl.disable.cache", "true")
    )
    if small_tables:
        # Tiny tables: Spark's default 200 shuffle partitions (and Delta's 50 snapshot
        # partitions) would make every log replay schedule hundreds of empty tasks.
        builder = builder.config("spark.sql.shuffle.partitions", "2").config(
            "spark.databricks.delta.snapshotPartitions", "2"
        )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkReference:
    """One local Spark session shared by every Spark case of a dumper run, started on first use."""

    def __init__(self, repo: Path) -> None:
        self._repo = repo
        self._spark: Any = None
        self._scratch: Path | None = None
        self._error: str | None = None
        self.started_seconds: float | None = None

    def _start(self) -> Any:
        import time

        start = time.monotonic()
        scratch = Path(tempfile.mkdtemp(prefix="delta-ts-spark-"))
        self._scratch = scratch
        spark = build_session(self._repo, scratch, app_name="delta-ts-reference", driver_memory="2g", small_tables=True)
        self.started_seconds = round(time.monotonic() - start, 1)
        print(f"spark.py: Spark {spark.version} started in {self.started_seconds}s", file=sys.stderr)
        return spark

    def session(self) -> Any:
        if self._spark is None:
            if self._error is not None:
                raise RuntimeError(self._error)
            try:
                self._spark = self._start()
            except Exception as err:  # no Java, no Maven Central: every Spark case reports this
                self._error = f"Spark could not start: {type(err).__name__}: {err}"
                raise RuntimeError(self._error) from err
        return self._spark

    def read(self, root: str, version: int, time_zone: str) -> tuple[list[dict[str, Any]], pa.Table]:
        """The table at `version` as (Delta schema fields, Arrow table), read in `time_zone`."""
        spark = self.session()
        spark.conf.set("spark.sql.session.timeZone", time_zone)
        df = spark.read.format("delta").option("versionAsOf", version).load(os.path.abspath(root))
        fields = json.loads(df.schema.json())["fields"]
        return fields, df.toArrow()

    def stop(self) -> None:
        if self._spark is not None:
            self._spark.stop()
            self._spark = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def java_error(err: BaseException) -> str:
    """The innermost Java cause of a Py4J error (the outer ones only say which call failed)."""
    java = getattr(err, "java_exception", None)
    causes = []
    while java is not None and len(causes) < 8:
        causes.append(str(java.toString()))
        java = java.getCause()
    text = causes[-1] if causes else f"{type(err).__name__}: {err}"
    lines = text.strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:2000]


def dump_spark(
    ref: SparkReference, case: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """A dumper case of mode `spark`: rows as Spark reads them, or Spark's error."""
    zone = case.get("time_zone") or "UTC"
    try:
        fields, table = ref.read(case["table_root"], case["version"], zone)
    except Exception as err:
        return {
            "status": "error",
            "phase": "scan",
            "engine": "spark",
            "error": java_error(err),
            "time_zone": zone,
            "attempts": [],
        }, None
    meta = {"status": "rows", "engine": "spark", "schema": fields, "time_zone": zone, "attempts": []}
    return meta, canon_table(table, fields)
