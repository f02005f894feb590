"""Python, numpy and pandas values as JSON: missing values → ``null``; anything else raises.

A float that is a whole number is written as an integer (``21``, never ``21.0``), as the CSV
writes it (:func:`hotspots.numbers.whole_number`): pandas turns an integer column with a blank
(NaN) into floats, so a ward count with small ones blank, or a layer's counts blank for "no
data", would otherwise reach the GeoJSON, the OGC items and ``/map.json`` as ``21.0``. Every
JSON output of a table goes through here, so no route converts on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from hotspots.export.formats import ExportError
from hotspots.numbers import whole_number


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_value(value: Any, where: str) -> Any:
    """``value`` as a JSON-safe Python value: missing → None; raises on what JSON cannot hold."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        return whole_number(float(value))
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, np.timedelta64 | timedelta):
        value = pd.Timedelta(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v, where) for v in value]
    raise ExportError(
        f"{where}: cannot export a {type(value).__name__} value ({value!r:.60}); "
        "expected text, numbers, booleans, dates or lists/dicts of them"
    )


def _json_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """Each column's values as JSON-safe Python values (fast paths for plain numpy dtypes)."""
    out = []
    for name in names:
        series = frame[name]
        kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "other"
        if kind in ("b", "i", "u"):
            out.append(series.tolist())
        elif kind == "f":
            out.append([whole_number(v) for v in series.tolist()])
        else:
            values = series.astype(object).tolist()
            out.append([_json_value(v, f"column {name!r}") for v in values])
    return out
