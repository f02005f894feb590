"""Forecast methods: each scores the study cells of a :class:`Grid` from fit-period offences.

Higher score = patrol first. Every method sees only the fit-period points (x/y metres,
EPSG:27700) and their count of months.

- ``dbscan``: the service's default hotspot method. :class:`hotspots.cluster.HotspotDetector`
  (``eps_m``/``min_samples`` given or automatic) and :func:`hotspots.summary.hotspot_shapes`
  (buffered convex hulls); cells overlapping a hotspot polygon come first, in hotspot rank order.
  The hotspots cover far less than 1% of a force (0.01-0.1% in Cambridgeshire), so to compare
  at equal coverage the remaining cells follow in order of the kernel density below (the surface
  the map's heat layer shows); inside one hotspot, cells are ordered by the same density. The
  share of study cells the hotspots themselves fill is reported (``hotspot_cells_share``), and
  the back-test also compares every method at that area (``coverage_label = "hotspot area"``).
- ``kde``: binned Gaussian kernel density: offences counted per cell and smoothed with a Gaussian
  of standard deviation ``bandwidth_m`` (truncated at 4 standard deviations, zero outside the
  grid) (Chainey, Tompson & Uhlig 2008 found KDE the most accurate of the common methods).
- ``grid``: the previous period's counts per cell (the baseline of Wheeler & Steenbeek 2021).
- ``forecast``: next month's offences per cell from the store's whole history before the test
  month, candidates chosen by a nested back-test (:mod:`hotspots.evaluate.forecast`); it needs
  the months of the points, so :func:`~hotspots.evaluate.backtest.backtest` runs it itself.
- ``gi``: Getis-Ord Gi* z-score of the cell counts over the ``(2r+1) x (2r+1)`` block of study
  cells around each cell, itself included, binary weights (``r = gi_radius_cells``, default 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage

from hotspots.cluster import Auto, DetectorCore
from hotspots.evaluate.forecast import CAP_MONTHS, CHANGE_RULE, TARGET_COVERAGES
from hotspots.evaluate.forecast_features import FAMILIES as FEATURE_FAMILIES
from hotspots.evaluate.grid import Grid
from hotspots.summary import BUFFER_M, hotspot_shapes

FloatArray = npt.NDArray[np.float64]

#: Default KDE bandwidth (Gaussian standard deviation), metres.
BANDWIDTH_M = 250.0
METHODS: tuple[str, ...] = ("dbscan", "kde", "grid", "gi")
METHOD_LABELS: dict[str, str] = {
    "dbscan": "DBSCAN hotspots (default)",
    "kde": "kernel density",
    "grid": "previous-period grid counts",
    "gi": "Getis-Ord Gi*",
    "forecast": "forecast: whole history, candidates chosen by nested back-test",
}
#: Every method name ``--methods`` accepts (the default :data:`METHODS` and the forecast).
ALL_METHODS: tuple[str, ...] = (*METHODS, "forecast")


@dataclass(frozen=True)
class MethodOptions:
    """Settings of the methods (metres, offences)."""

    eps_m: float | Auto = "auto"
    min_samples: int | Auto = "auto"
    buffer_m: float = BUFFER_M
    bandwidth_m: float = BANDWIDTH_M
    gi_radius_cells: int = 1
    forecast_cap_months: int = CAP_MONTHS
    forecast_coverages: tuple[float, ...] = TARGET_COVERAGES
    forecast_features: tuple[str, ...] = FEATURE_FAMILIES
    forecast_change_rule: str = CHANGE_RULE


@dataclass(frozen=True)
class Scored:
    """A method's score per study cell and what it chose (``info``)."""

    score: FloatArray
    info: dict[str, Any] = field(default_factory=dict)


def score_grid(grid: Grid, xy: FloatArray, n_months: int, options: MethodOptions) -> Scored:
    """Previous-period counts per cell."""
    return Scored(grid.counts(xy))


def score_kde(grid: Grid, xy: FloatArray, n_months: int, options: MethodOptions) -> Scored:
    """Binned Gaussian kernel density (``options.bandwidth_m``)."""
    sigma = options.bandwidth_m / grid.cell_m
    smooth = ndimage.gaussian_filter(grid.raster(grid.counts(xy)), sigma, mode="constant")
    return Scored(grid.from_raster(smooth), {"bandwidth_m": options.bandwidth_m})


def score_gi(grid: Grid, xy: FloatArray, n_months: int, options: MethodOptions) -> Scored:
    """Getis-Ord Gi* z-scores of the cell counts (binary block weights)."""
    x = grid.counts(xy)
    n = len(x)
    size = 2 * options.gi_radius_cells + 1
    kernel = np.ones((size, size))
    mask = grid.study_mask().astype(float)
    sums = grid.from_raster(ndimage.convolve(grid.raster(x), kernel, mode="constant"))
    w = grid.from_raster(ndimage.convolve(mask, kernel, mode="constant"))
    mean = x.sum() / n
    s = math.sqrt(max((x * x).sum() / n - mean * mean, 0.0))
    denom = s * np.sqrt(np.maximum(n * w - w * w, 0.0) / max(n - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denom > 0, (sums - mean * w) / denom, 0.0)
    return Scored(z, {"gi_radius_cells": options.gi_radius_cells})


def score_dbscan(grid: Grid, xy: FloatArray, n_months: int, options: MethodOptions) -> Scored:
    """DBSCAN hotspots first (by rank), then the kernel density of the fit offences."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    detector = DetectorCore(options.eps_m, options.min_samples, n_months=n_months)
    detector.fit(xy)
    density = score_kde(grid, xy, n_months, options).score
    tier, hotspot_area_m2 = hotspot_tiers(
        grid, xy, detector.labels_, detector.n_hotspots_, options.buffer_m
    )
    info = {
        "eps_m": float(detector.eps_m_),
        "min_samples": int(detector.min_samples_),
        "n_hotspots": int(detector.n_hotspots_),
        "hotspot_area_km2": hotspot_area_m2 / 1e6,
        "hotspot_cells_share": float((tier > 0).sum() / grid.n_cells),
    }
    return Scored(dbscan_score(tier, density), info)


#: What :func:`hotspot_tiers` keeps of one hotspot: its polygon's study cells and area (m²).
HotspotCells = tuple[npt.NDArray[np.intp], float]


def hotspot_tiers(
    grid: Grid,
    xy: FloatArray,
    labels: npt.NDArray[np.intp],
    n_hotspots: int,
    buffer_m: float,
    known: dict[bytes, HotspotCells] | None = None,
    enough_cells: int | None = None,
) -> tuple[FloatArray, float]:
    """Each study cell's hotspot tier (``n_hotspots - rank`` of the best-ranked hotspot whose
    polygon, :func:`hotspots.summary.hotspot_shapes`, overlaps the cell; 0 for none) and the
    polygons' total area, m².

    ``known``: the cells and area of hotspots already drawn from the same ``xy``, keyed by the
    bytes of their member rows (filled here): the same members make the same polygon, whichever
    parameters found them.

    ``enough_cells``: draw the hotspots in rank order (8 at a time) only until they overlap at
    least this many cells; the rest keep tier 0 and are left out of the area. For a selection
    of at most that many cells by :func:`dbscan_score` this changes nothing: every cell of the
    hotspots drawn has a higher tier, so a higher score, than every cell whose best hotspot was
    not drawn (a tier more outweighs any density), so the top cells, the score at the
    selection's limit and the cells tied there are the same.
    """
    tier = np.zeros(grid.n_cells)
    if not n_hotspots:
        return tier, 0.0
    labels = np.asarray(labels)
    known = {} if known is None else known
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_hotspots + 1))
    keys = [order[bounds[r] : bounds[r + 1]].tobytes() for r in range(n_hotspots)]
    step = n_hotspots if enough_cells is None else 8
    total: list[float] = []
    for start in range(0, n_hotspots, step):
        ranks = range(start, min(start + step, n_hotspots))
        new = [r for r in ranks if keys[r] not in known]
        if new:  # the polygons not drawn yet, in one vectorised pass
            rows = [order[bounds[r] : bounds[r + 1]] for r in new]
            group = np.repeat(np.arange(len(new)), [len(r) for r in rows])
            shapes = hotspot_shapes(xy[np.concatenate(rows)], group, buffer_m)
            areas = shapely.area(shapes)
            for r, cells, area in zip(new, grid.covering(shapes), areas, strict=True):
                known[keys[r]] = (cells, float(area))
        for rank in ranks:
            cells, area = known[keys[rank]]
            total.append(area)
            tier[cells] = np.maximum(tier[cells], n_hotspots - rank)
        if enough_cells is not None and np.count_nonzero(tier) >= enough_cells:
            break
    return tier, float(np.sum(np.array(total)))


def dbscan_score(tier: FloatArray, density: FloatArray) -> FloatArray:
    """The ``dbscan`` method's ranking: hotspot tier first, kernel density within a tier."""
    return tier * (density.max() + 1.0) + density


SCORERS: dict[str, Callable[[Grid, FloatArray, int, MethodOptions], Scored]] = {
    "dbscan": score_dbscan,
    "kde": score_kde,
    "grid": score_grid,
    "gi": score_gi,
}


def check_methods(methods: Any) -> tuple[str, ...]:
    """The method names, checked against :data:`METHODS`."""
    names = tuple(methods)
    bad = [m for m in names if m not in ALL_METHODS]
    if bad or not names:
        raise ValueError(f"methods: got {list(names)!r}; expected some of {list(ALL_METHODS)}")
    return names
