"""Forecast measures of a ranked grid, at a given coverage (share of the study area).

Notation (``docs/accuracy.md``): the map is made from the fit period T1 and tested on the next
period T2; ``n`` = T2 offences in the chosen cells, ``N`` = all T2 offences in the study area,
``a`` = area of the chosen cells, ``A`` = study area; ``n*`` = the most T2 offences any set of
cells of area ``a`` holds (a perfect forecast).

Cells are chosen by score, highest first, until their area is ``coverage x A``. When cells tied
on score straddle that limit, each tied cell counts with the share of the remaining area it would
get on average under random tie-breaking (the expected value of the measures), so the result does
not depend on cell order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: The formulas, as every evaluation output states them.
FORMULAS: dict[str, str] = {
    "hit_rate": "n / N",
    "pai": "(n / N) / (a / A)  (Predictive Accuracy Index, Chainey, Tompson & Uhlig 2008)",
    "pei": "n / n*  (Predictive Efficiency Index; n* = most T2 offences any cells of area a hold)",
    "rri": "PAI_T2 / PAI_T1 for the same cells  (Recapture Rate Index, Levine 2008)",
    "notation": (
        "fit on period T1, test on the next period T2; n = T2 offences in the chosen cells, "
        "N = all T2 offences in the study area, a = chosen area, A = study area"
    ),
}


def selection_weights(score: FloatArray, n_chosen: float) -> FloatArray:
    """Weight 0..1 of each cell in the top ``n_chosen`` cells by score (ties shared evenly).

    Parameters
    ----------
    score
        One score per study cell; higher is chosen first. NaN counts as lowest.
    n_chosen
        Number of cells to choose (may be fractional), ``0 <= n_chosen <= len(score)``.

    Returns
    -------
    numpy.ndarray
        1 for cells strictly above the tied group at the limit, ``remaining / tied`` for the
        tied group, 0 below; the weights sum to ``n_chosen``.
    """
    score = np.asarray(score, dtype=float)
    if not np.isfinite(score).all():  # the copy only when needed: this runs per month and pair
        score = np.nan_to_num(score, nan=-np.inf)
    n = len(score)
    if not 0 <= n_chosen <= n:
        raise ValueError(f"n_chosen: got {n_chosen}; expected 0..{n}")
    weights = np.zeros(n)
    if n_chosen == 0:
        return weights
    limit = _kth_largest(score, min(n - 1, math.ceil(n_chosen) - 1))
    above = score > limit
    tied = score == limit
    weights[above] = 1.0
    weights[tied] = (n_chosen - above.sum()) / tied.sum()
    return weights


def oracle_hits(test_counts: FloatArray, n_chosen: float) -> float:
    """``n*``: the most test offences ``n_chosen`` cells can hold (fractional cell pro rata)."""
    counts = np.asarray(test_counts, dtype=float)
    if len(counts) and counts.min() >= 0:
        counts = counts[counts > 0]  # most cells hold none: zeros add nothing to the top
    top = np.sort(counts)[::-1]
    whole = math.floor(n_chosen)
    hits = float(top[:whole].sum())
    if whole < len(top) and n_chosen > whole:
        hits += (n_chosen - whole) * float(top[whole])
    return hits


def _kth_largest(values: FloatArray, k: int) -> float:
    """The value at descending rank ``k`` (0-based). Most cells of a sparse score share the
    lowest value, so only the values above it are partitioned when they are enough
    (``numpy.partition`` is slow on many ties)."""
    lowest = values.min()
    above = values[values > lowest]
    if len(above) <= k:
        return float(lowest)
    at = len(above) - 1 - k
    return float(np.partition(above, at)[at])


def coverage_measures(
    score: FloatArray,
    fit_counts: FloatArray,
    test_counts: FloatArray,
    coverage: float,
    cell_area_m2: float,
) -> dict[str, Any]:
    """Hit rate, PAI, PEI and RRI of the top-scored cells covering ``coverage`` of the area.

    Parameters
    ----------
    score
        Score per study cell (higher first).
    fit_counts, test_counts
        Offences per study cell in the fit (T1) and test (T2) periods.
    coverage
        Share of the study area chosen, ``0 < coverage <= 1``.
    cell_area_m2
        Area of one cell, m².

    Returns
    -------
    dict
        ``n``, ``N``, ``n_star``, ``a_km2``, ``A_km2``, ``hit_rate``, ``pai``, ``pei``, ``rri``
        and ``search_efficiency_per_km2`` (``n / a``). Ratios with a zero denominator are NaN.
    """
    n_cells = len(score)
    n_chosen, w = _chosen(score, coverage)
    n, big_n, hit, pai = _hits(w, test_counts, n_chosen, n_cells)
    # Sums of products, not ``w @ counts``: BLAS's threaded dot product took ~15 ms for 55k
    # cells on a busy 2-core machine (threads waiting on each other), this ~0.1 ms.
    n_fit = float(np.sum(w * fit_counts))
    n_fit_total = float(np.sum(fit_counts))
    n_star = oracle_hits(test_counts, n_chosen)
    area_share = n_chosen / n_cells
    pai_fit = (n_fit / n_fit_total) / area_share if n_fit_total else math.nan
    return {
        "n": n,
        "N": big_n,
        "n_star": n_star,
        "a_km2": n_chosen * cell_area_m2 / 1e6,
        "A_km2": n_cells * cell_area_m2 / 1e6,
        "hit_rate": hit,
        "pai": pai,
        "pei": n / n_star if n_star else math.nan,
        "rri": pai / pai_fit if pai_fit and not math.isnan(pai_fit) else math.nan,
        "search_efficiency_per_km2": n / (n_chosen * cell_area_m2 / 1e6),
    }


def coverage_pai(score: FloatArray, test_counts: FloatArray, coverage: float) -> float:
    """The PAI alone of :func:`coverage_measures` (the same number, without the other
    measures: what choosing parameters by PAI needs)."""
    n_chosen, w = _chosen(score, coverage)
    return _hits(w, test_counts, n_chosen, len(score))[3]


def _chosen(score: FloatArray, coverage: float) -> tuple[float, FloatArray]:
    """The number of cells ``coverage`` of the area is and each cell's selection weight."""
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage: got {coverage}; expected a share of the area in (0, 1]")
    n_chosen = coverage * len(score)
    return n_chosen, selection_weights(score, n_chosen)


def _hits(
    w: FloatArray, test_counts: FloatArray, n_chosen: float, n_cells: int
) -> tuple[float, float, float, float]:
    """``n``, ``N``, hit rate and PAI of the cells weighted ``w`` (NaN when ``N`` is 0)."""
    big_n = float(np.sum(test_counts))
    n = float(np.sum(w * test_counts))
    hit = n / big_n if big_n else math.nan
    return n, big_n, hit, hit / (n_chosen / n_cells)
