"""The measures of a summary table: counts per layer, change, %, rates per km² and 1,000, rank.

Conventions (NaN, never infinite, for a zero or unknown denominator; ranks with ties sharing the
lowest rank) are in :mod:`hotspots.ward_summary`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots import schema

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _add_measures(
    out: pd.DataFrame, layer: str, count: IntArray, prev: IntArray, pop: FloatArray | None
) -> None:
    """Append one layer's count, prev, change, %, per km², per 1,000 and rank columns."""
    count, prev = count.astype(np.int64), prev.astype(np.int64)
    out[f"{layer}_count"] = count
    out[f"{layer}_prev"] = prev
    out[f"{layer}_change"] = count - prev
    out[f"{layer}_change_pct"] = _ratio(count - prev, prev, 100.0)
    out[f"{layer}_per_km2"] = _ratio(count, out["area_km2"].to_numpy())
    if pop is not None:
        out[f"{layer}_per_1000"] = _ratio(count, pop, 1000.0)
    ranks = pd.Series(count).rank(method="min", ascending=False)
    out[f"{layer}_rank"] = ranks.to_numpy(dtype=np.int64)


def _ratio(numerator: Any, denominator: Any, scale: float = 1.0) -> FloatArray:
    """``scale * numerator / denominator``; NaN where the denominator is 0 or NaN (no warning)."""
    num = np.asarray(numerator, dtype=np.float64) * scale
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _counts(frame: pd.DataFrame, by: list[str]) -> dict[str, pd.Series]:
    """Event counts per layer, each a Series indexed by ``by``."""
    if frame.empty:
        return {}
    sizes = frame.groupby([schema.LAYER, *by], dropna=False).size()
    return {str(layer): part.droplevel(schema.LAYER) for layer, part in sizes.groupby(level=0)}
