"""delta-rs side of the write benchmarks: one measured operation per process.

Usage: python bench/engines/delta_rs_write.py OP TABLE_PATH [INPUT] [COUNT]
  OP = append      write_deltalake(table, ipc_reader, mode="append") of the Arrow IPC stream INPUT
       commits     COUNT sequential write_deltalake(table, one_row, mode="append"), each timed; the
                   DeltaTable object is reused, so each commit updates its loaded state
       merge       DeltaTable(path).merge(ipc_reader, "t.id = s.id")
                   .when_matched_update_all().when_not_matched_insert_all().execute()
       checkpoint  DeltaTable(path).create_checkpoint()

Prints one JSON object with the keys of bench/write/result.ts (WriteResult): wall time and CPU
time (getrusage, every thread) of the operation with imports excluded, and the process's peak RSS
(VmHWM) read right after it.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import resource
import sys
import time

import deltalake
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from delta_rs import peak_rss_kb  # the read engine's, beside this file

METHODS = {
    "append": "write_deltalake(table, ipc_reader, mode='append')",
    "commits": "write_deltalake(dt, one_row, mode='append') per commit, one DeltaTable reused",
    "merge": "dt.merge(ipc_reader, 't.id = s.id').when_matched_update_all().when_not_matched_insert_all().execute()",
    "checkpoint": "DeltaTable(path) + create_checkpoint()",
}


def cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


class Counting:
    """Wraps an IPC stream reader so the rows that pass are counted."""

    def __init__(self, path: str) -> None:
        self.rows = 0
        self._reader = pa.ipc.open_stream(pa.memory_map(path))

    def reader(self) -> pa.RecordBatchReader:
        def batches():
            for batch in self._reader:
                self.rows += batch.num_rows
                yield batch

        return pa.RecordBatchReader.from_batches(self._reader.schema, batches())


def one_row(schema: pa.Schema, i: int) -> pa.Table:
    when = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=i)
    return pa.Table.from_pylist(
        [{"id": i, "customer": f"C{i % 1_000_000:07d}", "amount": 12.5, "ts": when, "country": "DE"}],
        schema=schema,
    )


def main() -> None:
    op, path = sys.argv[1], sys.argv[2]
    source = sys.argv[3] if len(sys.argv) > 3 else ""
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if op not in METHODS:
        raise SystemExit(f"unknown op {op!r}; expected one of {', '.join(METHODS)}")
    rows = None
    latencies = None
    counter = None
    cpu_start = cpu_ms()
    start = time.perf_counter()
    if op == "append":
        counter = Counting(source)
        write_deltalake(path, counter.reader(), mode="append")
    elif op == "merge":
        counter = Counting(source)
        (
            DeltaTable(path)
            .merge(counter.reader(), "t.id = s.id", source_alias="s", target_alias="t")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
    elif op == "commits":
        table = DeltaTable(path)
        schema = pa.schema(table.schema())
        latencies = []
        for i in range(count):
            row = one_row(schema, 20_000_000 + i)
            t0 = time.perf_counter()
            write_deltalake(table, row, mode="append")
            latencies.append((time.perf_counter() - t0) * 1000.0)
        rows = count
    else:
        DeltaTable(path).create_checkpoint()
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    cpu = cpu_ms() - cpu_start
    peak = peak_rss_kb()
    if counter is not None:
        rows = counter.rows
    after = DeltaTable(path)
    result = {
        "engine": "delta-rs",
        "op": op,
        "method": METHODS[op],
        "ms": sum(latencies) if latencies is not None else elapsed_ms,
        "cpuMs": cpu,
        "peakRssKb": peak,
        "rows": rows,
        "version": after.version(),
        "files": len(after.file_uris()),
        "runtime": f"Python {platform.python_version()}, deltalake {deltalake.__version__}, pyarrow {pa.__version__}",
    }
    if latencies is not None:
        result["latenciesMs"] = latencies
    print(json.dumps(result))


if __name__ == "__main__":
    main()
