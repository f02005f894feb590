"""Next month's forecast for patrol plans and maps, with its back-tested capture (issue 15).

:func:`next_month` runs the ``forecast`` method (:mod:`hotspots.evaluate.forecast`) for the month
after ``end_month`` on the store's drug offences up to ``end_month`` (nothing later is read), and
back-tests the same method on every earlier month that has a month before it, so a plan can say
how much a forecast of its area caught in the past ("these cells held X% of the next month's
drug offences, median of M months").

**Expected offences.** Each study cell's *expected share* is the forecast's blend at its largest
target coverage (the candidates chosen by the nested back-test, each scaled to sum 1, averaged);
it sums to 1 over the study area. *Expected offences* = share x the recency-weighted mean of
the force's monthly drug-offence totals (half-life 3 months). The ranking (``score``) is the
forecast's own (tiers: its small-area blend first), so the top cells can differ slightly from
the top expected shares.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots import schema
from hotspots.analysis import store_months
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.forecast import Forecaster, ForecastOptions, pai_at, recency_mean
from hotspots.evaluate.forecast_features import store_layers
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.periods import Period, add_months
from hotspots.store import Store

FloatArray = npt.NDArray[np.float64]

#: Half-life of the monthly totals behind the expected offences, months.
TOTAL_HALF_LIFE_MONTHS = 3.0
#: What a back-tested capture says when no earlier month could be back-tested.
NO_BACKTEST_TEXT = "No earlier month to back-test the forecast on."


def capture_text(subject: str, of_what: str, capture: dict[str, Any]) -> str:
    """The one wording of a back-tested capture (plan, map layer, place areas): "In back-tests,
    ``subject`` held X% of ``of_what`` (median of M months, min-max%)", M being the months
    actually back-tested (``capture["tested"]``). With one month it names that month and gives
    no median or range; with none, :data:`NO_BACKTEST_TEXT`."""
    tested = list(capture.get("tested", ()))
    if not tested:
        return NO_BACKTEST_TEXT
    held = f"{100 * capture['median']:.0f}%"
    if len(tested) == 1:
        label = Period.months(tested[0], tested[0]).label
        return (
            f"In the one back-tested month ({label}), {subject} held {held} of {of_what} "
            "(one month: too few for a typical figure)."
        )
    return (
        f"In back-tests, {subject} held {held} of {of_what} (median of {len(tested)} months, "
        f"{100 * capture['min']:.0f}-{100 * capture['max']:.0f}%)."
    )


@dataclass(frozen=True)
class NextMonth:
    """Result of :func:`next_month`.

    Attributes
    ----------
    month
        The forecast month (``end_month`` + 1).
    grid
        The grid of the cells.
    score
        Ranking per study cell (higher first).
    expected_share, expected_offences
        Per study cell (see the module docstring).
    info
        What the forecast chose (:meth:`Forecaster.forecast` ``info``).
    backtest
        One row per earlier month: ``test_month``, ``offences`` and ``score`` (that month's
        forecast) for :meth:`capture_at`.
    shares
        Per target coverage, the expected share of each cell by the blend chosen at that
        coverage (sums to 1): :meth:`share_for` picks one for a plan's area.
    backtest_shares
        The same for each back-test month (``test_month`` -> coverage -> shares).
    counts
        Drug offences per cell of every month up to ``end_month``.
    """

    month: str
    grid: Grid
    score: FloatArray = field(repr=False)
    expected_share: FloatArray = field(repr=False)
    expected_offences: FloatArray = field(repr=False)
    info: dict[str, Any]
    backtest: list[tuple[str, FloatArray, FloatArray]] = field(repr=False)
    shares: dict[float, FloatArray] = field(default_factory=dict, repr=False)
    backtest_shares: dict[str, dict[float, FloatArray]] = field(default_factory=dict, repr=False)
    counts: dict[str, FloatArray] = field(default_factory=dict, repr=False)

    def coverage_for(self, share_of_cells: float) -> float:
        """The target coverage whose blend ranks an area of ``share_of_cells`` (a share of the
        study cells): the smallest target coverage at least that large, else the largest (a
        plan of 10 places in a force is ranked by the blend chosen for its smallest areas)."""
        targets = sorted(self.shares)
        if not targets:
            return math.nan
        return next((c for c in targets if c >= share_of_cells), targets[-1])

    def seen(self, month: str) -> npt.NDArray[np.bool_]:
        """Cells with at least one drug offence in a stored month before ``month``."""
        before = [c for m, c in self.counts.items() if m < month]
        return np.sum(before, axis=0) > 0 if before else np.zeros(self.grid.n_cells, dtype=bool)

    def area_capture(
        self,
        area_cells: npt.NDArray[np.bool_],
        n_places: int,
        *,
        area_by_month: dict[str, npt.NDArray[np.bool_]] | None = None,
        offences_by_month: dict[str, FloatArray] | None = None,
    ) -> dict[str, Any]:
        """Back-tested capture of the plan's rule, :func:`plan_cells`: "the ``n_places`` cells
        of the area, among those with an offence before, with the highest expected share". For
        every back-test month, that month's forecast (from earlier months only) picks the cells
        exactly as the plan of that month would have (``area_by_month``: the area's cells as
        that plan found them, default ``area_cells``; its blend :meth:`coverage_for` its own
        number of places), and the capture is the area's drug offences of that month in them
        over the area's total that month (``offences_by_month``: the area's offences per cell,
        default the forecast's counts in ``area_cells``). Returns ``months``, ``tested``,
        ``median``, ``min``, ``max``, ``coverage`` (the blend this month's plan uses) and
        ``text``."""
        n_now = min(n_places, int((area_cells & self.seen(self.month)).sum()))
        out: dict[str, Any] = {"places": n_now, "months": 0}
        if not area_cells.any() or n_now <= 0 or not self.shares:
            out["text"] = "No back-test: no place in the area has had a drug offence."
            return out
        cov = self.coverage_for(n_now / self.grid.n_cells)
        hits, tested = [], []
        for month, shares in self.backtest_shares.items():
            mask = (area_by_month or {}).get(month, area_cells)
            actual = (
                offences_by_month[month]
                if offences_by_month is not None and month in offences_by_month
                else np.where(area_cells, self.counts[month], 0.0)
            )
            total = float(actual.sum())
            eligible = mask & self.seen(month)
            n_then = min(n_places, int(eligible.sum()))
            cov_then = self.coverage_for(n_then / self.grid.n_cells)
            if total <= 0 or n_then <= 0 or cov_then not in shares:
                continue
            tested.append(month)
            hits.append(float(actual[plan_cells(shares[cov_then], eligible, n_then)].sum()) / total)
        out.update(months=len(hits), coverage=cov, tested=tested)
        if hits:
            out.update(
                median=float(np.median(hits)), min=float(np.min(hits)), max=float(np.max(hits))
            )
        places = f"{n_now} place{'s' if n_now != 1 else ''}"
        out["text"] = capture_text(
            f"the {places} the forecast ranked first in this area",
            "the area's drug offences the next month",
            out,
        )
        return out

    def cells_of(self, geometries: Any) -> list[npt.NDArray[np.intp]]:
        """Study cells each geometry overlaps (:meth:`Grid.covering`)."""
        return self.grid.covering(np.asarray(list(geometries), dtype=object))

    def capture_at(self, coverage: float) -> dict[str, Any]:
        """Back-tested capture of the forecast's top cells at ``coverage`` of the study area.

        Returns ``months`` (test months used) and ``tested`` (which), ``median``, ``min``,
        ``max`` of the hit rate (share of that month's drug offences in the cells) and
        ``pai_median``.
        """
        hits, tested = [], []
        for month, offences, score in self.backtest:
            pai = pai_at(score, offences, coverage)
            if not math.isnan(pai):
                hits.append(pai * coverage)
                tested.append(month)
        out: dict[str, Any] = {"coverage": coverage, "months": len(hits), "tested": tested}
        if hits:
            out.update(
                median=float(np.median(hits)),
                min=float(np.min(hits)),
                max=float(np.max(hits)),
                pai_median=float(np.median(hits)) / coverage,
            )
        return out

    def place_capture(self, polygons: list[BaseGeometry]) -> dict[str, Any]:
        """Back-tested capture at the area of the cells the polygons overlap, with the text a
        plan shows."""
        cells = self.cells_of(polygons)
        n_cells = len(set(np.concatenate(cells).tolist())) if cells else 0
        if n_cells == 0:
            return {"months": 0, "cells": 0, "text": "no forecast cells"}
        coverage = n_cells / self.grid.n_cells
        out = self.capture_at(coverage)
        out["cells"] = n_cells
        out["area_km2"] = n_cells * self.grid.cell_area_m2 / 1e6
        out["text"] = capture_text(
            f"the forecast's top {n_cells} cells of {self.grid.cell_m:g} m, the area these "
            f"places cover ({out['area_km2']:.2f} km²),",
            "the next month's drug offences",
            out,
        )
        return out


def next_month(
    store: Store,
    end_month: str,
    *,
    cell_m: float = CELL_M,
    options: ForecastOptions | None = None,
    area: frozenset[str] | None = None,
    plan_places: int | None = None,
    events: pd.DataFrame | None = None,
) -> NextMonth:
    """The forecast for the month after ``end_month`` from the store's drug offences up to it.

    ``area`` (ward codes): from the offences and searches recorded in those wards only, as if
    the store held nothing else (a scoped reader's forecast: its choice of method, shares and
    expected offences are made from what they may see, never from the force's figures).
    ``plan_places``: the forecast of a plan of that many places (:func:`plan_options`): its one
    target coverage is those cells of the grid, so its candidates and blend are chosen, nested,
    at the plan's own size (docs/forecast.md, *Round 8*).
    ``events``: the store's events already in memory (every layer and month, as
    ``store.load()`` gives them: the web app's), so its drug offences are not read again; by
    default read. The drug offences only become counts per cell and month, the same whichever
    way they were read."""
    grid = Grid.over(store.load_boundary("force_area"), cell_m)
    if plan_places is not None:
        options = plan_options(options, plan_places, grid.n_cells)
    xy, months = drug_offences(store, _in_area(store, "offence", area, events))
    months = np.asarray(months).astype(str)
    keep = months <= end_month
    xy, months = xy[keep], months[keep]
    pos = grid.position(xy)
    # A held month without a drug offence is a month of zeros, not a gap (store_months).
    held = {m for m in store_months(store) if m <= end_month} | set(months.tolist())
    counts = {
        m: np.bincount(pos[(months == m) & (pos >= 0)], minlength=grid.n_cells).astype(float)
        for m in sorted(held)
    }
    # The store's other layers, as the back-test's forecast uses them (only months before each
    # forecast month are read from them: forecast_features.py).
    forecaster = Forecaster(grid, counts, options, store_layers(store, grid, area=area))
    month = add_months(end_month, 1)
    made = forecaster.forecast(month)
    hist = forecaster.history(month)
    if hist:
        largest = max(forecaster.options.target_coverages)
        share = _normalised(made.tier_values.get(largest, made.score))
        totals = [counts[m].sum() for m in hist]
        total = float(recency_mean([np.array([t]) for t in totals], TOTAL_HALF_LIFE_MONTHS)[0])
    else:
        share, total = np.zeros(grid.n_cells), 0.0
    tested = [m for m in counts if forecaster.history(m) and counts[m].sum() > 0]
    backtest = [(m, counts[m], forecaster.forecast(m).score) for m in tested]
    info = {**made.info, "expected_total": total}
    return NextMonth(
        month,
        grid,
        made.score,
        share,
        share * total,
        info,
        backtest,
        shares={c: _normalised(v) for c, v in made.tier_values.items()} if hist else {},
        backtest_shares={
            m: {c: _normalised(v) for c, v in forecaster.forecast(m).tier_values.items()}
            for m in tested
        },
        counts=counts,
    )


def plan_cells(share: FloatArray, eligible: npt.NDArray[np.bool_], n: int) -> npt.NDArray[np.intp]:
    """The plan's rule: the ``n`` ``eligible`` cells with the highest ``share``, best first,
    ties in cell order (a stable sort: the plan and its back-test pick the same cells), cells
    with no expected share left out (nothing to list there)."""
    cells = np.flatnonzero(eligible)
    cells = cells[np.argsort(-share[cells], kind="stable")][: max(0, n)]
    return cells[share[cells] > 0]


def plan_options(
    options: ForecastOptions | None, plan_places: int, n_cells: int
) -> ForecastOptions:
    """``options`` (default: the forecast's) with one target coverage, ``plan_places`` cells of
    the ``n_cells`` study cells: a plan of ``N`` places is ranked by the candidates and blend
    that did best, on the months before, on the top ``N`` cells (not on 0.05% or 1% of the
    force area, the goal's areas)."""
    if isinstance(plan_places, bool) or not isinstance(plan_places, int) or plan_places < 1:
        raise ValueError(f"plan_places: got {plan_places!r}; expected a whole number >= 1")
    coverage = min(1.0, plan_places / n_cells)
    return dataclasses.replace(options or ForecastOptions(), target_coverages=(coverage,))


def _in_area(
    store: Store, layer: str, area: frozenset[str] | None, events: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """The store's ``layer`` events recorded in the wards ``area`` (None: ``events``, i.e. read
    all when they are None), from ``events`` (every layer) when given, else read."""
    if area is None:
        return events
    if events is None:
        columns = [schema.LAYER, schema.MONTH, schema.CATEGORY, schema.WARD_CODE]
        events = store.load([layer], columns=columns)
    else:
        events = events[(events[schema.LAYER] == layer).to_numpy()]
    return events[events[schema.WARD_CODE].isin(area).to_numpy()]


def _normalised(values: FloatArray) -> FloatArray:
    """``values`` scaled to sum 1 (all zero: unchanged)."""
    total = float(values.sum())
    return values / total if total > 0 else values


def top_cells(result: NextMonth, n: int) -> pd.DataFrame:
    """The ``n`` top-ranked cells: ``rank``, ``x_m``, ``y_m`` (centre), ``expected_share``,
    ``expected_offences`` and ``geometry`` (the cell square, EPSG:27700)."""
    order = np.argsort(-result.score, kind="stable")[:n]
    centres = result.grid.centres()[order]
    half = result.grid.cell_m / 2
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "x_m": centres[:, 0],
            "y_m": centres[:, 1],
            "expected_share": result.expected_share[order],
            "expected_offences": result.expected_offences[order],
            "geometry": shapely.box(
                centres[:, 0] - half,
                centres[:, 1] - half,
                centres[:, 0] + half,
                centres[:, 1] + half,
            ),
        }
    )
