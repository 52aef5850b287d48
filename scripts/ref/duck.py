"""DuckDB with its `delta` extension, loaded from the `duckdb-extension-delta` wheel on PyPI.

DuckDB normally downloads extensions from extensions.duckdb.org, which this machine (and CI) cannot
reach. The wheel carries the extension binary built for one DuckDB release (its version matches
DuckDB's, both pinned in requirements.txt); it is loaded from its path, so nothing is installed
into the user's ~/.duckdb.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def extension_path(version: str) -> Path:
    """Where the wheel keeps the `delta` extension built for DuckDB `version` (e.g. `v1.5.5`)."""
    import duckdb_extension_delta  # the wheel's package; raises ImportError when not installed

    return Path(duckdb_extension_delta.__file__).resolve().parent / "extensions" / version / "delta.duckdb_extension"


def connect_delta() -> Any:
    """A DuckDB connection with `delta_scan` available; raises with the reason when it cannot load."""
    import duckdb

    con = duckdb.connect()
    version = con.execute("PRAGMA version").fetchone()[0]
    path = extension_path(version)
    if not path.exists():
        raise RuntimeError(f"duckdb-extension-delta has no build for DuckDB {version} ({path})")
    con.execute(f"LOAD '{path}'")
    return con


def version() -> str:
    """DuckDB's version and where its `delta` extension came from, for reports."""
    import duckdb

    return f"DuckDB {duckdb.__version__}, delta extension from duckdb-extension-delta (PyPI)"
