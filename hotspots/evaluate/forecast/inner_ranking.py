"""Level 1's statistic: candidates ranked by the centre of their PAIs on the inner months.

At each target coverage the candidates are ranked by the median of their inner PAIs (the
goal's own statistic; ties: the earlier candidate in the list), a candidate needing at least
two inner PAIs (one when only one inner month exists). :func:`by_lower_median` does it for all
candidates at once (the lower median, ``sorted[(n - 1) // 2]``); :func:`by_centre` is the
general rule, candidate by candidate, with weighted inner months and the mean or geometric
mean as options (:class:`~hotspots.evaluate.forecast.options.ForecastOptions`); the two agree
with equal weights (a test checks it).

Why hand-written: a sort of a small array per coverage; ``numpy.median`` would average the two
middle values, where the rule takes the lower one (the weighted rule's median).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def by_lower_median(
    pais: FloatArray, names: list[str], min_months: int
) -> list[tuple[float, int, str]]:
    """``(-median, order, name)`` of each candidate with at least ``min_months`` inner PAIs
    (rows of ``pais``; NaN: none), best first: :func:`centre`'s median with equal weights
    (the lower median, ``sorted[(n - 1) // 2]``) for all candidates at once."""
    counts = np.count_nonzero(~np.isnan(pais), axis=1)
    ordered = np.sort(pais, axis=1)  # NaN last
    ok = np.flatnonzero(counts >= max(min_months, 1))
    medians = ordered[ok, (counts[ok] - 1) // 2]
    ranked = [(-float(v), int(i), names[i]) for v, i in zip(medians, ok, strict=True)]
    ranked.sort()
    return ranked


def by_centre(
    names: list[str],
    inner: Sequence[tuple[dict[str, tuple[float, ...]], float]],
    j: int,
    statistic: str,
) -> list[tuple[float, int, str]]:
    """``(-centre, order, name)`` of each candidate scored on enough inner months, best
    first (:func:`centre` of its inner PAIs at the ``j``-th target coverage). ``inner``: each
    inner month's PAIs per candidate and the month's weight."""
    ranked: list[tuple[float, int, str]] = []
    for order, name in enumerate(names):
        pairs = [(scores[name][j], weight) for scores, weight in inner if name in scores]
        pairs = [(v, w) for v, w in pairs if not math.isnan(v)]
        if len(pairs) < min(2, len(inner)) or not pairs:
            continue
        v_arr, w_arr = np.array(pairs).T
        ranked.append((-centre(v_arr, w_arr, statistic), order, name))
    ranked.sort()
    return ranked


def centre(values: FloatArray, weights: FloatArray, statistic: str) -> float:
    """Weighted mean, geometric mean or median of the inner PAIs."""
    if statistic == "median":
        order = np.argsort(values)
        cum = np.cumsum(weights[order])
        return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])
    if statistic == "gmean":
        return float(np.exp(np.log(np.maximum(values, 1e-9)) @ weights / weights.sum()))
    return float(values @ weights / weights.sum())
