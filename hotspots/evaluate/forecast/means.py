"""Recency-weighted means of monthly counts: the forecast's one rule for weighting months.

A month ``j`` months before the forecast month has the weight ``0.5 ** ((j - 1) / H)``
(half-life ``H`` months; ``H = inf`` gives every month the weight 1, the plain mean). The
candidates, the shrinkage's effective months and the other layers' families
(:mod:`hotspots.evaluate.forecast_features`) all use these weights.

Why hand-written: two ``numpy`` lines; the sums are ``einsum`` rather than a matrix product
because BLAS threads are slower for them on a shared machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def recency_weights(n_months: int, half_life_months: float) -> FloatArray:
    """Weights of ``n_months`` months (oldest first); the last month has weight 1."""
    lag = np.arange(n_months, 0, -1, dtype=float)  # 1 = the month just before the forecast
    if math.isinf(half_life_months):
        return np.ones(n_months)
    return np.asarray(0.5 ** ((lag - 1.0) / half_life_months), dtype=float)


def recency_mean(history: Sequence[FloatArray] | FloatArray, half_life_months: float) -> FloatArray:
    """Recency-weighted mean of monthly counts (oldest first); the last month has weight 1."""
    w = recency_weights(len(history), half_life_months)
    return (
        np.einsum("i,ij->j", w, np.asarray(history).reshape(len(w), -1)).reshape(
            np.shape(history)[1:]
        )
        / w.sum()
    )  # einsum: BLAS threads are slower here on a shared machine


def weighted_sum(weights: FloatArray, rows: FloatArray) -> FloatArray:
    """``weights @ rows`` in one pass (``einsum``: BLAS threads are slower on a shared machine)."""
    return np.einsum("i,ij->j", weights, rows)
