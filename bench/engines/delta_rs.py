"""delta-rs side of the benchmarks: one measured operation per process.

Usage: python bench/engines/delta_rs.py OP TABLE_PATH
  OP = snapshot       DeltaTable(path): open and load the latest snapshot (log replay)
       scan-query     full scan via QueryBuilder (DataFusion) `SELECT * FROM t`, batches streamed
       scan-dataset   full scan via to_pyarrow_dataset().to_batches(), batches streamed
       scan-table     full scan via to_pyarrow_table(), the whole table materialised

Prints one JSON object: wall time of the operation (ms, import time excluded), rows, live files,
version, and the process's peak RSS (VmHWM) read right after the operation, before any
verification work that could raise it.
"""

from __future__ import annotations

import json
import platform
import sys
import time

import deltalake
import pyarrow
from deltalake import DeltaTable, QueryBuilder

METHODS = {
    "snapshot": "DeltaTable(path)",
    "scan-query": "QueryBuilder().register(t).execute('SELECT * FROM t'), streamed",
    "scan-dataset": "to_pyarrow_dataset().to_batches(), streamed",
    "scan-table": "to_pyarrow_table(), materialised",
}


def peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("VmHWM missing from /proc/self/status")


def main() -> None:
    op, path = sys.argv[1], sys.argv[2]
    if op not in METHODS:
        raise SystemExit(f"unknown op {op!r}; expected one of {', '.join(METHODS)}")
    rows = None
    start = time.perf_counter()
    table = DeltaTable(path)
    if op == "scan-query":
        rows = 0
        for batch in QueryBuilder().register("t", table).execute("SELECT * FROM t"):
            rows += batch.num_rows
    elif op == "scan-dataset":
        rows = 0
        for batch in table.to_pyarrow_dataset().to_batches():
            rows += batch.num_rows
    elif op == "scan-table":
        rows = table.to_pyarrow_table().num_rows
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    peak = peak_rss_kb()
    result = {
        "engine": "delta-rs",
        "op": op,
        "method": METHODS[op],
        "ms": elapsed_ms,
        "peakRssKb": peak,
        "rows": rows,
        "version": table.version(),
        "files": len(table.file_uris()),
        "runtime": f"Python {platform.python_version()}, deltalake {deltalake.__version__}, pyarrow {pyarrow.__version__}",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
