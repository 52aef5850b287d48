"""Reads a Delta table with delta-rs and prints canonical rows as JSON, for delta-ts' writer specs.

Usage: query.py TABLE_ROOT PREDICATES_JSON

Prints one JSON object: {"deltalake": version, "rows": [...] | null, "error": str | null,
"filtered": [{"predicate": p, "rows": [...] | null, "error": str | null}, ...]}. Rows are in the
canonical form of canonical.py (ARCHITECTURE.md "Canonical row form"). Unfiltered rows come from
delta-rs' PyArrow path (falling back to DataFusion); filtered rows from DataFusion's SQL engine,
which prunes files by the partition values and statistics in the log, so a too-tight statistic
shows up as a missing row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deltalake  # noqa: E402
import pyarrow as pa  # noqa: E402
from deltalake import DeltaTable, QueryBuilder  # noqa: E402

from canonical import canon_table  # noqa: E402


def sql(dt: DeltaTable, where: str | None) -> pa.Table:
    query = "SELECT * FROM t" + ("" if where is None else f" WHERE {where}")
    return pa.table(QueryBuilder().register("t", dt).execute(query).read_all())


def main() -> None:
    root, predicates = sys.argv[1], json.loads(sys.argv[2])
    out: dict[str, Any] = {"deltalake": deltalake.__version__, "rows": None, "error": None, "filtered": []}
    try:
        dt = DeltaTable(root)
        fields = json.loads(dt.schema().to_json())["fields"]
        try:
            table = dt.to_pyarrow_table()
        except Exception:  # noqa: BLE001 - newer features are only in the DataFusion path
            table = sql(dt, None)
        out["rows"] = canon_table(table, fields)
        for p in predicates:
            try:
                out["filtered"].append({"predicate": p, "rows": canon_table(sql(dt, p), fields), "error": None})
            except Exception as err:  # noqa: BLE001
                out["filtered"].append({"predicate": p, "rows": None, "error": f"{type(err).__name__}: {err}"})
    except Exception as err:  # noqa: BLE001
        out["error"] = f"{type(err).__name__}: {err}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
