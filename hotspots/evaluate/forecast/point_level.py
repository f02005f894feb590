"""Snap-point level forecasts summed into cells (round 6, family F; ``docs/forecast.md``).

police.uk moves every offence to one of a fixed set of anonymous map points, so a cell's
offences are the offences of its points. Each candidate here forecasts every **point** and sums
the points' forecasts into their cells; a nonlinear forecast per point (persistence, shrinkage,
months with an offence) differs from the same forecast of the cell's total.

The points are the distinct coordinates of the drug offences; a point with no offence in the
history months is not one of them (it is all zeros there and adds nothing, and the shrinkage's
prior is taken over the history's points only), so nothing after the history is read.

For each half-life ``H`` (``h=H`` as the ``cell h=H`` candidates):

- ``points persist x rate h=H``: sum over the cell's points of (the share of the last ``N``
  months with an offence at the point) x (the point's recency-weighted mean);
- ``point-months h=H``: the recency-weighted mean of the number of the cell's points with at
  least one offence that month (a burst of records at one point in one month counts once);
- ``points eb h=H``: sum over the cell's points of the point's gamma-Poisson posterior mean rate
  ``(n_eff r_p + b m) / (n_eff + b)``, ``m`` the mean rate of the history's points and ``b``
  (months) by the method of moments over them, ``b = m / (var(r_p) - m / n_eff)`` (at most
  :data:`MAX_POINT_STRENGTH_MONTHS`, also when the variance is no more than its Poisson part).

Why hand-written: a few ``numpy`` reductions per point and one ``bincount`` into the cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hotspots.evaluate.forecast.means import recency_mean, recency_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Largest prior strength of the point shrinkage, months (a rule: beyond it every point's rate
#: is the common mean to within a tenth of a percent for any history the cap allows).
MAX_POINT_STRENGTH_MONTHS = 1000.0


def point_strength(rates: FloatArray, n_eff: float) -> float:
    """Prior strength ``b`` (months) of the points' gamma prior by the method of moments:
    ``var(r) = m / n_eff + m / b`` (Poisson noise plus the prior's spread), ``m = mean(r)``."""
    if len(rates) == 0:
        return MAX_POINT_STRENGTH_MONTHS
    m = float(np.mean(rates))
    excess = float(np.var(rates)) - m / n_eff
    if m <= 0 or excess <= 0:
        return MAX_POINT_STRENGTH_MONTHS
    return min(m / excess, MAX_POINT_STRENGTH_MONTHS)


def point_level_candidates(
    points: FloatArray,
    point_cell: IntArray,
    n_cells: int,
    half_lives_months: Sequence[float],
    labels: dict[float, str],
    persistence_months: int,
) -> dict[str, FloatArray]:
    """The family's candidates per study cell from ``points`` (history months x points, oldest
    first: offences per point) and each point's study cell ``point_cell`` (-1: outside)."""
    points = np.asarray(points, dtype=float)
    out: dict[str, FloatArray] = {}
    if points.ndim != 2 or points.shape[0] == 0:
        return out
    inside = np.asarray(point_cell) >= 0
    seen = inside & (points.sum(axis=0) > 0)  # the history's points only
    cell = np.asarray(point_cell)[seen]
    held = points[:, seen]
    n = min(persistence_months, len(held)) if persistence_months > 0 else len(held)
    persist = np.mean(held[-n:] > 0, axis=0)
    active = (held > 0).astype(float)

    def into_cells(per_point: FloatArray) -> FloatArray:
        return np.bincount(cell, weights=per_point, minlength=n_cells).astype(float)

    for h in half_lives_months:
        label = labels[h]
        rate = recency_mean(held, h) if len(cell) else np.zeros(0)
        out[f"points persist x rate h={label}"] = into_cells(persist * rate)
        out[f"point-months h={label}"] = into_cells(
            recency_mean(active, h) if len(cell) else np.zeros(0)
        )
        w = recency_weights(len(held), h)
        n_eff = float(w.sum() ** 2 / (w * w).sum())
        b = point_strength(rate, n_eff)
        m = float(np.mean(rate)) if len(rate) else 0.0
        out[f"points eb h={label}"] = into_cells((n_eff * rate + b * m) / (n_eff + b))
    return out
