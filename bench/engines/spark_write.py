"""Spark (local[2], delta-spark) side of the write benchmarks.

A JVM takes many seconds to start, more than most measured operations, so unlike the delta-ts and
delta-rs engines this is one long-lived process per benchmark run: it starts one Spark session
(configured as scripts/ref/spark.py configures the reference session: UTC, ivy cache in
.cache/ivy), reports how long that took, then reads one JSON job per line on stdin and answers each
with one JSON result line on stdout. Session start is excluded from every timing. The JVM is warm
(JIT-compiled) after the first jobs, which favours Spark in later runs; its peak RSS is the JVM's
high-water mark since start, so it is not per operation.

Jobs: {"op": OP, "path": TABLE, "input": FILE, "count": N} with OP as in delta_rs_write.py:
  append      spark.read.parquet(input).write.format("delta").mode("append").save(path)
  commits     N sequential one-row DataFrame appends (the DataFrames are built before the timer)
  merge       DeltaTable.forPath(path).alias("t").merge(spark.read.parquet(input).alias("s"),
              "t.id = s.id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()
  checkpoint  DeltaLog.forTable(path): update() (snapshot load) + checkpoint()
Spark reads the Parquet copy of each input (it has no Arrow IPC file reader).

Usage: python bench/engines/spark_write.py REPO
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

METHODS = {
    "append": "spark.read.parquet(input).write.format('delta').mode('append').save(path)",
    "commits": "spark.createDataFrame([row]).write.format('delta').mode('append').save(path) per commit",
    "merge": "DeltaTable.forPath(path).merge(spark.read.parquet(input), 't.id = s.id').whenMatchedUpdateAll().whenNotMatchedInsertAll()",
    "checkpoint": "DeltaLog.forTable(spark, path).update() + checkpoint()",
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def jvm_stats(pid: int) -> tuple[float, int]:
    """(CPU ms since start, VmHWM KiB) of the JVM process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) * 1000.0 / CLOCK_TICKS
    hwm = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return cpu, hwm


def run_job(spark: Any, jvm_pid: int, job: dict[str, Any]) -> dict[str, Any]:
    from delta.tables import DeltaTable

    op, path, source, count = job["op"], os.path.abspath(job["path"]), job.get("input", ""), job.get("count", 0)
    if op not in METHODS:
        raise ValueError(f"unknown op {op!r}")
    rows = None
    latencies = None
    prepared = []
    if op == "commits":
        schema = spark.read.format("delta").load(path).schema
        base = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
        for i in range(count):
            n = 20_000_000 + i
            row = (n, f"C{n % 1_000_000:07d}", 12.5, base + dt.timedelta(milliseconds=i), "DE")
            prepared.append(spark.createDataFrame([row], schema))
    cpu0, _ = jvm_stats(jvm_pid)
    start = time.perf_counter()
    if op == "append":
        df = spark.read.parquet(source)
        df.write.format("delta").mode("append").save(path)
    elif op == "merge":
        src = spark.read.parquet(source).alias("s")
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(src, "t.id = s.id")
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        )
    elif op == "commits":
        latencies = []
        for df in prepared:
            t0 = time.perf_counter()
            df.write.format("delta").mode("append").save(path)
            latencies.append((time.perf_counter() - t0) * 1000.0)
        rows = count
    else:
        log = spark._jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
        none = spark._jvm.scala.Option.empty()
        log.checkpoint(log.update(False, none, none), none)
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    cpu1, hwm = jvm_stats(jvm_pid)
    if op in ("append", "merge"):
        rows = spark.read.parquet(source).count()
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0]
    result = {
        "engine": "spark",
        "op": op,
        "method": METHODS[op],
        "ms": sum(latencies) if latencies is not None else elapsed_ms,
        "cpuMs": cpu1 - cpu0,
        "peakRssKb": hwm,
        "rows": rows,
        "version": DeltaTable.forPath(spark, path).history(1).collect()[0]["version"],
        "files": detail["numFiles"],
        "runtime": "",
    }
    if latencies is not None:
        result["latenciesMs"] = latencies
    return result


def main() -> None:
    from importlib.metadata import version

    repo = Path(sys.argv[1])
    scratch = Path(tempfile.mkdtemp(prefix="delta-ts-spark-write-"))
    started = time.perf_counter()
    try:
        # The same session setup as the spec tests' reference engine (scripts/ref/spark.py), with the
        # default partition counts and more driver memory for the 10M-row tables.
        sys.path.insert(0, str(repo / "scripts" / "ref"))
        from spark import build_session

        spark = build_session(repo, scratch, app_name="delta-ts-write-bench", driver_memory="4g", small_tables=False)
    except Exception as err:  # no Java or no jars: every Spark job reports this
        print(json.dumps({"error": f"Spark could not start: {type(err).__name__}: {err}"}), flush=True)
        return
    startup_ms = (time.perf_counter() - started) * 1000.0
    jvm_pid = int(spark._jvm.java.lang.ProcessHandle.current().pid())
    runtime = (
        f"Python {platform.python_version()}, pyspark {version('pyspark')}, delta-spark {version('delta-spark')}, "
        f"Java {spark._jvm.java.lang.System.getProperty('java.version')}, local[2]"
    )
    print(json.dumps({"ready": True, "startupMs": startup_ms, "runtime": runtime}), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            job = json.loads(line)
            try:
                result = run_job(spark, jvm_pid, job)
                result["runtime"] = runtime
                result["startupMs"] = startup_ms
            except Exception as err:
                java = getattr(err, "java_exception", None)
                text = str(java.toString()) if java is not None else f"{type(err).__name__}: {err}"
                result = {"error": text.strip().splitlines()[0][:400] if text.strip() else type(err).__name__}
            print(json.dumps(result), flush=True)
    finally:
        spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
