"""Canonical row form of delta-ts (ARCHITECTURE.md, "Canonical row form") computed from Arrow data.

The reference engines hand us Arrow tables whose physical types do not always say which Delta type a
column has (Spark's INT96 timestamps arrive as zone-less nanoseconds; a decimal's Arrow scale may be
wider than the table's). So the conversion is driven by the table's *Delta* type when one is known and
falls back to the Arrow type otherwise. Work is column-wise so a large table converts in seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from decimal import Decimal, localcontext
from typing import Any

import pyarrow as pa

MAX_SAFE = 2**53 - 1
EPOCH_DATE = dt.date(1970, 1, 1)
EPOCH_TS = dt.datetime(1970, 1, 1)
UNIT_TO_MICROS = {"s": (1_000_000, 1), "ms": (1_000, 1), "us": (1, 1), "ns": (1, 1_000)}


def delta_type_of_arrow(t: pa.DataType) -> Any:
    """The Delta type an Arrow type stands for, used when no Delta schema is available."""
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_int8(t):
        return "byte"
    if pa.types.is_int16(t):
        return "short"
    if pa.types.is_int32(t):
        return "integer"
    if pa.types.is_integer(t):
        return "long"
    if pa.types.is_float32(t) or pa.types.is_float16(t):
        return "float"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "binary"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz is not None else "timestamp_ntz"
    if pa.types.is_null(t):
        return "void"
    if pa.types.is_map(t):
        return {
            "type": "map",
            "keyType": delta_type_of_arrow(t.key_type),
            "valueType": delta_type_of_arrow(t.item_type),
        }
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return {"type": "array", "elementType": delta_type_of_arrow(t.value_type)}
    if pa.types.is_struct(t):
        return {
            "type": "struct",
            "fields": [{"name": f.name, "type": delta_type_of_arrow(f.type)} for f in t],
        }
    raise ValueError(f"no Delta type for Arrow type {t}")


def _type_name(dtype: Any) -> str:
    if isinstance(dtype, str):
        return "decimal" if dtype.startswith("decimal") else dtype
    return str(dtype.get("type"))


def _decimal_scale(dtype: str) -> int:
    inner = dtype[dtype.index("(") + 1 : dtype.index(")")]
    return int(inner.split(",")[1])


def format_decimal(value: Decimal, scale: int) -> str:
    """A decimal with exactly `scale` fraction digits; no exponent, no negative zero."""
    with localcontext() as ctx:
        ctx.prec = 200  # Delta decimals have up to 38 digits; the default context keeps only 28
        q = value.quantize(Decimal(1).scaleb(-scale)) if scale > 0 else value.quantize(Decimal(1))
        if q == 0:
            q = abs(q)
        return format(q, "f")


def _float(v: float) -> Any:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _long(v: int) -> Any:
    return v if -MAX_SAFE <= v <= MAX_SAFE else str(v)


def _micros(arr: pa.Array) -> list[int | None]:
    unit = arr.type.unit
    mul, div = UNIT_TO_MICROS[unit]
    raw = arr.cast(pa.int64()).to_pylist()
    return [None if v is None else (v * mul) // div for v in raw]


def _format_ts(micros: int, zone: bool) -> str:
    t = EPOCH_TS + dt.timedelta(microseconds=micros)
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"
    return text + "Z" if zone else text


def _days(arr: pa.Array) -> list[int | None]:
    if pa.types.is_date64(arr.type):
        return [None if v is None else v // 86_400_000 for v in arr.cast(pa.int64()).to_pylist()]
    return arr.cast(pa.int32()).to_pylist()


def _children_type(dtype: Any, arr_type: pa.DataType, key: str, index: int) -> Any:
    """Delta type of a nested child, falling back to the Arrow child's type."""
    if isinstance(dtype, dict) and key in dtype:
        return dtype[key]
    if pa.types.is_struct(arr_type):
        return delta_type_of_arrow(arr_type.field(index).type)
    if pa.types.is_map(arr_type):
        return delta_type_of_arrow(arr_type.key_type if index == 0 else arr_type.item_type)
    return delta_type_of_arrow(arr_type.value_type)


def canon_array(arr: pa.Array, dtype: Any) -> list[Any]:
    """Canonical JSON values of one Arrow array read as Delta type `dtype`."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if isinstance(arr, pa.DictionaryArray):
        arr = arr.dictionary_decode()
    name = _type_name(dtype)
    valid = arr.is_valid().to_pylist() if arr.null_count else [True] * len(arr)
    t = arr.type

    if pa.types.is_null(t) or name == "void":
        return [None] * len(arr)
    if name == "struct":
        fields = dtype["fields"] if isinstance(dtype, dict) else []
        columns: list[tuple[str, list[Any]]] = []
        for i, f in enumerate(fields):
            idx = t.get_field_index(f["name"])
            if idx < 0:
                raise ValueError(f"struct field {f['name']!r} missing from Arrow type {t}")
            child = arr.field(idx)
            columns.append((f["name"], canon_array(child, f["type"])))
        return [
            {k: vals[r] for k, vals in columns} if valid[r] else None for r in range(len(arr))
        ]
    if name in ("array", "map"):
        # Offsets index into the unsliced child, so null lists backed by entries stay aligned.
        offsets = arr.offsets.to_pylist()
        child = arr.values
        if name == "map":
            keys = canon_array(child.field(0), _children_type(dtype, t, "keyType", 0))
            vals = canon_array(child.field(1), _children_type(dtype, t, "valueType", 1))
            items: list[Any] = [{"key": k, "value": v} for k, v in zip(keys, vals)]
        else:
            items = canon_array(child, _children_type(dtype, t, "elementType", 0))
        return [
            items[offsets[r] : offsets[r + 1]] if valid[r] else None for r in range(len(arr))
        ]
    if name in ("timestamp", "timestamp_ntz"):
        if not pa.types.is_timestamp(t):
            raise ValueError(f"column of Delta type {name} has Arrow type {t}")
        return [None if m is None else _format_ts(m, name == "timestamp") for m in _micros(arr)]
    if name == "date":
        if pa.types.is_timestamp(t):
            return [
                None if m is None else (EPOCH_DATE + dt.timedelta(days=m // 86_400_000_000)).isoformat()
                for m in _micros(arr)
            ]
        return [None if d is None else (EPOCH_DATE + dt.timedelta(days=d)).isoformat() for d in _days(arr)]
    values = arr.to_pylist()
    if name == "decimal":
        scale = _decimal_scale(dtype) if isinstance(dtype, str) else t.scale
        return [None if v is None else format_decimal(Decimal(v), scale) for v in values]
    if name == "binary":
        return [None if v is None else base64.b64encode(bytes(v)).decode("ascii") for v in values]
    if name in ("float", "double"):
        return [None if v is None else _float(float(v)) for v in values]
    if name == "long":
        return [None if v is None else _long(int(v)) for v in values]
    if name in ("byte", "short", "integer"):
        return [None if v is None else int(v) for v in values]
    if name == "boolean":
        return [None if v is None else bool(v) for v in values]
    if name == "string":
        return [None if v is None else str(v) for v in values]
    raise ValueError(f"no canonical form for Delta type {dtype!r} (Arrow {t})")


def canon_table(table: pa.Table, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical rows of `table`, keys in the order of the Delta schema `fields`."""
    columns: list[tuple[str, list[Any]]] = []
    names = table.column_names
    for f in fields:
        if f["name"] not in names:
            raise ValueError(f"column {f['name']!r} of the Delta schema is missing from the result ({names})")
        columns.append((f["name"], canon_array(table.column(f["name"]), f["type"])))
    return [{k: vals[r] for k, vals in columns} for r in range(table.num_rows)]
