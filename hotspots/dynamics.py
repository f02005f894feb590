"""Hotspot dynamics over a run of periods: new, emerging, persistent, intermittent, diminishing.

Each unit (a hotspot polygon of an analysis, or a cell of the evaluation grid) gets, for each
period of a run of consecutive periods (by default the 6 single months ending at the analysis'
last month), whether it was **hot** and its **count** of drug offences. For a hotspot, hot means
the period's own DBSCAN hotspots (same ``eps_m``; ``min_samples`` by the automatic rule for the
period's length) overlap its polygon; for a grid cell, hot means a Getis-Ord Gi* z-score of at
least 1.96 (95%, as in Esri's Emerging Hot Spot Analysis). The trend is the Mann-Kendall test on
the counts (S statistic, tie-corrected variance, continuity-corrected two-sided normal
p-value; with fewer than 3 periods no trend is called).

Classes, after Chainey's stable / emerging / diminishing hotspots and the classes of Esri's
Emerging Hot Spot Analysis (which this simplifies), by the first rule that holds:

==============  =================================================================================
``not hot``     hot in no period
``new``         hot in the last period and in no earlier one (Esri "new")
``emerging``    hot in the last period, and either a significant upward trend (Mann-Kendall
                p < 0.05, S > 0; Esri "intensifying") or an unbroken run of at least 2 hot
                periods at the end with none before it (Esri "consecutive")
``diminishing`` a significant downward trend (p < 0.05, S < 0), or hot in at least 90% of the
                periods except the last (Esri "diminishing" / "historical")
``persistent``  hot in at least 90% of the periods, no significant trend (Esri "persistent";
                Chainey's "stable")
``intermittent`` hot in some periods only, on and off (Esri "sporadic" / "oscillating")
==============  =================================================================================

:func:`mann_kendall` is written here (vectorised: one numpy pass over every unit, thousands of grid
cells at once): ``pymannkendall`` (last release January 2023) tests one series per call in Python,
and scipy has no Mann-Kendall test; its normal CDF comes from ``scipy.special``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.special import ndtr  # the normal CDF: scipy.stats costs ~0.4 s to import

from hotspots import schema
from hotspots.cluster import DetectorCore
from hotspots.periods import Period
from hotspots.summary import BUFFER_M, hotspot_polygons

CLASSES: tuple[str, ...] = (
    "not hot", "new", "emerging", "diminishing", "persistent", "intermittent",
)  # fmt: skip
#: Share of periods hot for "persistent".
PERSISTENT_SHARE = 0.9
#: Significance level of the Mann-Kendall trend and the Gi* z threshold (two-sided 95%).
TREND_ALPHA = 0.05
GI_Z = 1.96
#: Periods in a run by default (single months).
N_PERIODS = 6
DYNAMICS_COLUMNS: tuple[str, ...] = (
    "periods", "periods_hot", "hot_last", "trend_s", "trend_p", "dynamics_class", "dynamics_hot",
)  # fmt: skip


def mann_kendall(counts: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Kendall S and two-sided p-value of each row of a ``(units, periods)`` array.

    Variance with the tie correction ``(n(n-1)(2n+5) - sum t(t-1)(2t+5)) / 18``; ``z = (S - sign
    S) / sqrt(var)``; rows with zero variance or fewer than 3 periods get p = 1.
    """
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"counts: got shape {x.shape}; expected (units, periods)")
    units, n = x.shape
    if n < 3:
        return np.zeros(units), np.ones(units)
    i, j = np.triu_indices(n, k=1)
    s = np.sign(x[:, j] - x[:, i]).sum(axis=1)
    ties = np.zeros(units)
    ordered = np.sort(x, axis=1)
    for row in range(units):
        _, t = np.unique(ordered[row], return_counts=True)
        ties[row] = (t * (t - 1) * (2 * t + 5)).sum()
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    p = np.where(var > 0, 2 * ndtr(-np.abs(z)), 1.0)
    return s, p


def classify(hot: npt.ArrayLike, counts: npt.ArrayLike) -> pd.DataFrame:
    """Dynamics class of each unit from its hot flags and counts per period (oldest first).

    Returns
    -------
    pandas.DataFrame
        :data:`DYNAMICS_COLUMNS`: ``periods``, ``periods_hot``, ``hot_last``, ``trend_s``,
        ``trend_p``, ``dynamics_class`` (:data:`CLASSES`, rules in the module docstring) and
        ``dynamics_hot`` (the hot flags as text, oldest first: ``"..##"``).
    """
    h = np.asarray(hot, dtype=bool)
    c = np.asarray(counts, dtype=float)
    if h.shape != c.shape or h.ndim != 2:
        raise ValueError(f"hot {h.shape} and counts {c.shape} must be the same (units, periods)")
    units, n = h.shape
    s, p = mann_kendall(c)
    n_hot = h.sum(axis=1)
    last = h[:, -1] if n else np.zeros(units, dtype=bool)
    up = (p < TREND_ALPHA) & (s > 0)
    down = (p < TREND_ALPHA) & (s < 0)
    # Length of the run of hot periods at the end.
    run = np.zeros(units, dtype=int)
    for k in range(n - 1, -1, -1):
        still = (run == n - 1 - k) & h[:, k]
        run[still] += 1
    consecutive = last & (run >= 2) & (run == n_hot) & (run < n)
    before_last = h[:, :-1].sum(axis=1) if n > 1 else np.zeros(units)
    historical = (~last) & (n > 1) & (before_last >= PERSISTENT_SHARE * max(n - 1, 1))
    classes = np.select(
        [
            n_hot == 0,
            last & (n_hot == 1) & (n > 1),
            last & (up | consecutive),
            down | historical,
            n_hot >= PERSISTENT_SHARE * n,
        ],
        ["not hot", "new", "emerging", "diminishing", "persistent"],
        default="intermittent",
    )
    return pd.DataFrame(
        {
            "periods": n,
            "periods_hot": n_hot,
            "hot_last": last,
            "trend_s": s,
            "trend_p": p,
            "dynamics_class": classes,
            "dynamics_hot": ["".join("#" if v else "." for v in row) for row in h],
        }
    )


def run_of_periods(end: str, n_periods: int = N_PERIODS, months_each: int = 1) -> list[Period]:
    """``n_periods`` consecutive periods of ``months_each`` months, the last ending at ``end``."""
    if n_periods < 1 or months_each < 1:
        raise ValueError(f"n_periods and months_each must be >= 1; got {n_periods}, {months_each}")
    last = Period.rolling(months_each, end)
    periods = [last]
    for _ in range(n_periods - 1):
        periods.insert(0, periods[0].previous())
    return periods


def hotspot_dynamics(
    polygons: gpd.GeoSeries | gpd.GeoDataFrame,
    offences: gpd.GeoDataFrame,
    periods: Sequence[Period],
    *,
    eps_m: float,
    buffer_m: float = BUFFER_M,
) -> pd.DataFrame:
    """Dynamics class of each hotspot polygon over ``periods`` (oldest first).

    Parameters
    ----------
    polygons
        Hotspot polygons (EPSG:27700), e.g. ``Analysis.hotspots.geometry``.
    offences
        Drug offences of (at least) those periods, store schema, EPSG:27700.
    periods
        The run of periods.
    eps_m
        DBSCAN radius for each period's hotspots, metres (``min_samples`` automatic).
    buffer_m
        Buffer of each period's hotspot polygons, metres.

    Returns
    -------
    pandas.DataFrame
        One row per polygon, in order: :data:`DYNAMICS_COLUMNS`.
    """
    geoms = np.asarray(polygons.geometry if hasattr(polygons, "geometry") else polygons)
    if offences.crs is None or not offences.crs.equals(schema.CRS_BNG):
        raise ValueError(f"offences must be in {schema.CRS_BNG}; got {offences.crs}")
    hot = np.zeros((len(geoms), len(periods)), dtype=bool)
    counts = np.zeros((len(geoms), len(periods)))
    tree = shapely.STRtree(geoms)
    for k, period in enumerate(periods):
        these = offences[offences[schema.MONTH].isin(period.months)].reset_index(drop=True)
        if these.empty:
            continue
        pts = these.geometry.to_numpy()
        poly_i = tree.query(pts, predicate="intersects")[1]
        np.add.at(counts[:, k], poly_i, 1)
        month_polys = period_hotspots(these, period.n_months, eps_m=eps_m, buffer_m=buffer_m)
        if len(month_polys):
            hit = tree.query(month_polys, predicate="intersects")[1]
            hot[np.unique(hit), k] = True
    return classify(hot, counts)


_PERIOD_MEMO: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
_PERIOD_MEMO_SIZE = 128
_PERIOD_MEMO_LOCK = threading.Lock()


def period_hotspots(
    offences: gpd.GeoDataFrame, n_months: int, *, eps_m: float, buffer_m: float
) -> np.ndarray:
    """Hotspot polygons of one period's offences (automatic ``min_samples``), remembered.

    Every analysis ending in the same months asks for the same single months' hotspots; they
    depend only on the offence coordinates and the parameters, which key the memo exactly.
    """
    xy = shapely.get_coordinates(offences.geometry.to_numpy())
    key = (xy.tobytes(), len(xy), n_months, float(eps_m), float(buffer_m))
    with _PERIOD_MEMO_LOCK:
        if key in _PERIOD_MEMO:
            _PERIOD_MEMO.move_to_end(key)
            return _PERIOD_MEMO[key]
    labels = DetectorCore(eps_m=eps_m, n_months=n_months).fit(offences).labels_
    polys = (
        hotspot_polygons(offences, labels, buffer_m=buffer_m).to_numpy()
        if (labels >= 0).any()
        else np.empty(0, dtype=object)
    )
    with _PERIOD_MEMO_LOCK:
        _PERIOD_MEMO[key] = polys
        while len(_PERIOD_MEMO) > _PERIOD_MEMO_SIZE:
            _PERIOD_MEMO.popitem(last=False)
    return polys


def grid_dynamics(
    grid: Any, xy: npt.ArrayLike, months: npt.ArrayLike, periods: Sequence[Period]
) -> pd.DataFrame:
    """Dynamics class of each study cell of an evaluation grid (hot = Gi* z >= 1.96).

    Returns
    -------
    pandas.DataFrame
        ``x_m``, ``y_m`` (cell centre, EPSG:27700) and :data:`DYNAMICS_COLUMNS`, one row per
        study cell of ``grid`` (a :class:`hotspots.evaluate.grid.Grid`).
    """
    from hotspots.evaluate.methods import MethodOptions, score_gi

    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    month_arr = np.asarray(months).astype(str)
    hot = np.zeros((grid.n_cells, len(periods)), dtype=bool)
    counts = np.zeros((grid.n_cells, len(periods)))
    for k, period in enumerate(periods):
        these = pts[np.isin(month_arr, list(period.months))]
        counts[:, k] = grid.counts(these)
        hot[:, k] = score_gi(grid, these, period.n_months, MethodOptions()).score >= GI_Z
    out = classify(hot, counts)
    centres = grid.centres()
    out.insert(0, "x_m", centres[:, 0])
    out.insert(1, "y_m", centres[:, 1])
    return out
