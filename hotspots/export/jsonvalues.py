r"""Python, numpy and pandas values as JSON: missing values → ``null``; anything else raises.

A float that is a whole number is written as an integer (``21``, never ``21.0``), as the CSV
writes it (:func:`hotspots.numbers.whole_number`): pandas turns an integer column with a blank
(NaN) into floats, so a ward count with small ones blank, or a layer's counts blank for "no
data", would otherwise reach the GeoJSON, the OGC items and ``/map.json`` as ``21.0``. Every
JSON output of a table goes through here, so no route converts on its own.

That is decided per column of the whole table where the writer has it
(:func:`whole_columns`: the GeoJSON file export, the OGC API's pages), not per value: a share or
a p-value that happens to be whole stays ``1.0`` in a column of fractions. A client that types
fields from the first features it reads (QGIS 3.22's OGC API - Features provider reads 10)
would otherwise type a column of shares ``Integer`` from ten ``1``\ s and show every later
``0.63`` as NULL (seen with QGIS 3.22.16; ``tests/test_ogc.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
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


def whole_columns(frame: pd.DataFrame) -> frozenset[str]:
    """The float columns of ``frame`` whose every finite value is a whole number (counts that
    pandas made floats by a blank, or a measure whole throughout): written as integers."""
    out = []
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
            values = series.to_numpy()
            finite = values[np.isfinite(values)]
            if bool(np.all(finite == np.floor(finite))):
                out.append(str(name))
    return frozenset(out)


def _json_columns(
    frame: pd.DataFrame, names: Sequence[str], whole: Collection[str] | None = None
) -> list[list[Any]]:
    """Each column's values as JSON-safe Python values (fast paths for plain numpy dtypes).

    ``whole``: the float columns to write as integers (:func:`whole_columns` of the whole
    table), every other float column keeping its floats (``1.0``); None: each whole value as
    an integer (:func:`hotspots.numbers.whole_number`), for writers that see a chunk only."""
    out = []
    for name in names:
        series = frame[name]
        kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "other"
        if kind in ("b", "i", "u"):
            out.append(series.tolist())
        elif kind == "f" and whole is not None and name not in whole:
            out.append([v if math.isfinite(v) else None for v in series.tolist()])
        elif kind == "f":
            out.append([whole_number(v) for v in series.tolist()])
        else:
            values = series.astype(object).tolist()
            out.append([_json_value(v, f"column {name!r}") for v in values])
    return out
