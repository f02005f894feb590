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

    def area_capture(self, area_cells: npt.NDArray[np.bool_], n_places: int) -> dict[str, Any]:
        """Back-tested capture of the rule "the ``n_places`` cells of the area, among those with
        an offence before, with the highest expected share": for every back-test month, that
        month's forecast (from earlier months only) ranks those cells, and the share of the
        area's drug offences of that month in its top ``n_places`` cells (ties shared evenly) is
        the capture. Returns ``months``, ``median``, ``min``, ``max``, ``coverage`` (the blend
        used) and ``text``."""
        out: dict[str, Any] = {"places": n_places, "months": 0}
        if not area_cells.any() or n_places <= 0 or not self.shares:
            out["text"] = "No back-test: no place in the area has had a drug offence."
            return out
        cov = self.coverage_for(n_places / self.grid.n_cells)
        hits, tested = [], []
        for month, shares in self.backtest_shares.items():
            total = float(self.counts[month][area_cells].sum())
            eligible = area_cells & self.seen(month)
            if total <= 0 or cov not in shares or not eligible.any():
                continue
            actual = self.counts[month][eligible]
            tested.append(month)
            if actual.sum() <= 0:  # none of the month's offences where offences had been
                hits.append(0.0)
                continue
            # The top n by share, ties at the limit shared evenly (as the back-test's PAI).
            share_of_cells = min(n_places, int(eligible.sum())) / int(eligible.sum())
            pai = pai_at(shares[cov][eligible], actual, share_of_cells)
            hits.append(pai * share_of_cells * float(actual.sum()) / total)
        out.update(months=len(hits), coverage=cov, tested=tested)
        if hits:
            out.update(
                median=float(np.median(hits)), min=float(np.min(hits)), max=float(np.max(hits))
            )
        places = f"{n_places} place{'s' if n_places != 1 else ''}"
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
    events: pd.DataFrame | None = None,
) -> NextMonth:
    """The forecast for the month after ``end_month`` from the store's drug offences up to it.

    ``area`` (ward codes): from the offences and searches recorded in those wards only, as if
    the store held nothing else (a scoped reader's forecast: its choice of method, shares and
    expected offences are made from what they may see, never from the force's figures).
    ``events``: the store's events already in memory (every layer and month, as
    ``store.load()`` gives them: the web app's), so its drug offences are not read again; by
    default read. The drug offences only become counts per cell and month, the same whichever
    way they were read."""
    grid = Grid.over(store.load_boundary("force_area"), cell_m)
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
