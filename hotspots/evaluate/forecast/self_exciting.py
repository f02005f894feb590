"""A self-exciting point process on the cells, monthly (round 6, family G; ``docs/forecast.md``).

After Mohler, Short, Brantingham, Schoenberg and Tita (2011), *Self-exciting point process
modeling of crime*, JASA 106(493): offences raise the chance of more offences nearby soon after.
Expected offences of cell ``c`` in month ``t``::

    lambda_c(t) = mu b_c + theta sum_{d >= 1} (1 - a) a^(d - 1) (K_s * N_{t-d})_c

- ``b``: the background's shape, the history's long-run mean count smoothed at
  :data:`BACKGROUND_SD_M` and scaled to sum 1 (fixed); ``mu``: the background's offences a month;
- ``N_{t-d}``: the counts ``d`` months before ``t``, spread by a Gaussian ``K_s`` of sd ``s``
  (``s = 0``: the cell itself) and decaying geometrically with the lag (``a``);
- ``theta``: the branching ratio (offences triggered per offence).

``mu``, ``theta`` and ``a`` are fitted by EM (the stochastic-declustering split of each month's
counts into background and triggered by each lag) on the history months that have a month
before them; ``a``'s update is the geometric law's mean-lag estimate (the truncation of the
lags at the history's start is ignored), capped at :data:`MAX_DECAY`; ``theta`` at
:data:`MAX_BRANCHING`. Needs two history months. Deterministic.

Why hand-written: the model is a few array operations per EM step on a handful of months;
no library fits a discrete space-time Hawkes process on a raster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Smoothing of the background's shape, metres (the widest neighbourhood bandwidth).
BACKGROUND_SD_M = 500.0
#: Trigger kernels' sd, metres: 0 (the cell itself) and the neighbourhood bandwidths.
TRIGGER_SDS_M: tuple[float, ...] = (0.0, 125.0, 250.0, 500.0)
#: Caps: the branching ratio (below 1: a stationary process) and the lag decay.
MAX_BRANCHING = 0.99
MAX_DECAY = 0.95
#: EM: at most this many iterations, or until every parameter changes by less than the
#: relative tolerance.
EM_ITERATIONS = 50
EM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Fit:
    """The fitted parameters: background offences a month, branching ratio, lag decay."""

    mu: float
    theta: float
    a: float
    iterations: int


def lag_weights(n_lags: int, a: float) -> FloatArray:
    """``(1 - a) a^(d - 1)`` for the lags ``d = 1 .. n_lags``."""
    d = np.arange(1, n_lags + 1, dtype=float)
    return np.asarray((1.0 - a) * a ** (d - 1.0), dtype=float)


def trigger_field(spread: FloatArray, upto: int, a: float) -> FloatArray:
    """``sum_{d=1}^{upto} (1 - a) a^(d-1) spread[upto - d]``: what the months before row
    ``upto`` of ``spread`` (months x cells, oldest first) trigger in it."""
    g = lag_weights(upto, a)
    return np.einsum("i,ij->j", g[::-1], spread[:upto])


def fit(
    series: FloatArray,
    spread: FloatArray,
    background: FloatArray,
    iterations_at_most: int = EM_ITERATIONS,
) -> Fit:
    """EM for ``mu``, ``theta``, ``a`` on ``series`` (history months x cells, oldest first),
    ``spread`` (each month smoothed by the trigger kernel) and ``background`` (sums to 1), at
    most ``iterations_at_most`` steps."""
    n = len(series)
    totals = series.sum(axis=1)
    spread_totals = spread.sum(axis=1)
    mu, theta, a = 0.5 * float(totals[1:].mean()), 0.5, 0.5
    iterations = 0
    while iterations < iterations_at_most:
        iterations += 1
        bg_share = 0.0
        trig_by_lag = np.zeros(n - 1)
        exposure = 0.0
        g = lag_weights(n - 1, a)
        for j in range(1, n):
            hit = series[j] > 0
            count = series[j][hit]
            lags = spread[:j][::-1][:, hit]  # row d-1: the month d before j
            trig = theta * g[:j, None] * lags
            lam = mu * background[hit] + trig.sum(axis=0)
            ok = lam > 0
            bg_share += float(np.sum(count[ok] * mu * background[hit][ok] / lam[ok]))
            trig_by_lag[:j] += np.sum(count[ok] * trig[:, ok] / lam[ok], axis=1)
            exposure += float(np.dot(g[:j], spread_totals[:j][::-1]))
        new_mu = bg_share / (n - 1)
        triggered = float(trig_by_lag.sum())
        new_theta = min(triggered / exposure, MAX_BRANCHING) if exposure > 0 else 0.0
        if triggered > 0:
            mean_lag = float(np.dot(np.arange(1, n), trig_by_lag)) / triggered
            new_a = min(max(1.0 - 1.0 / mean_lag, 0.0), MAX_DECAY)
        else:
            new_a = a
        change = max(
            abs(new_mu - mu) / max(mu, 1e-12),
            abs(new_theta - theta) / max(theta, 1e-12),
            abs(new_a - a) / max(a, 1e-12),
        )
        mu, theta, a = new_mu, new_theta, new_a
        if change < EM_TOLERANCE:
            break
    return Fit(mu, theta, a, iterations)


def self_exciting_candidates(
    series: FloatArray,
    smooth: Callable[[FloatArray, float], FloatArray],
    trigger_sds_m: tuple[float, ...] = TRIGGER_SDS_M,
) -> tuple[dict[str, FloatArray], dict[str, Fit]]:
    """One candidate per trigger sd (``self-exciting s=S m``) for the month after the history
    ``series`` (months x cells, oldest first), and each fit. ``smooth(values, sd_m)``: the
    Gaussian smoothing of one month's cells (sd 0: unchanged)."""
    series = np.asarray(series, dtype=float)
    out: dict[str, FloatArray] = {}
    fits: dict[str, Fit] = {}
    if len(series) < 2 or float(series[1:].sum()) <= 0:
        return out, fits
    shape = smooth(series.mean(axis=0), BACKGROUND_SD_M)
    total = float(shape.sum())
    if total <= 0:
        return out, fits
    background = shape / total
    n = len(series)
    for sd in trigger_sds_m:
        spread = series if sd <= 0 else np.asarray([smooth(row, sd) for row in series])
        fitted = fit(series, spread, background)
        name = f"self-exciting s={sd:g} m"
        out[name] = fitted.mu * background + fitted.theta * trigger_field(spread, n, fitted.a)
        fits[name] = fitted
    return out, fits
