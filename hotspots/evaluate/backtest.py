"""Rolling-origin back-test: fit on the k months before month t, test on month t.

For every stored month t with the k months before it stored too (k = 1, 3, 6, 12 by default;
months on either side of a gap are never joined, :mod:`hotspots.evaluate.runs`),
each method scores the cells of a fixed :class:`~hotspots.evaluate.grid.Grid` from the drug
offences of months t-k..t-1, and :func:`~hotspots.evaluate.metrics.coverage_measures` scores that
ranking against the offences of month t at equal coverage (1%, 2% and 5% of the study area by
default) and along a PAI curve (coverages 0.01% to 20%). Results are given per month and as the
median and range over months, never as one number.

The ``forecast`` method (:mod:`hotspots.evaluate.forecast`) is not limited to k months: for each
test month it uses every consecutive stored month before it (up to its cap), and its rows for a
given k are on the same test months as the other methods' rows for that k. ``common_months``
restricts every method and k to the test months they all share, so medians compare like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspots import schema
from hotspots.analysis import store_months
from hotspots.evaluate.forecast import Forecaster, ForecastOptions
from hotspots.evaluate.forecast_features import FeatureLayers, store_layers
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.methods import (
    METHOD_LABELS,
    METHODS,
    SCORERS,
    MethodOptions,
    Scored,
    check_methods,
)
from hotspots.evaluate.metrics import FORMULAS, coverage_measures
from hotspots.evaluate.runs import fit_windows, test_windows
from hotspots.store import Store

KS: tuple[int, ...] = (1, 3, 6, 12)
COVERAGES: tuple[float, ...] = (0.01, 0.02, 0.05)
CURVE_COVERAGES: tuple[float, ...] = (
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2,
)  # fmt: skip
MEASURES: tuple[str, ...] = ("hit_rate", "pai", "pei", "rri")
#: ``coverage_label`` of the rows at the area the DBSCAN hotspots themselves fill that month.
HOTSPOT_AREA = "hotspot area"


def _label(coverage: float) -> str:
    return f"{100 * coverage:g}%"


@dataclass
class Backtest:
    """Result of :func:`backtest`.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per method, k, test month and coverage (the stated and the curve coverages, and
        the area the DBSCAN hotspots fill that month): ``method``, ``k``, ``test_month``,
        ``fit_months``, ``coverage`` (share of the study area), ``coverage_label`` (``"2%"``,
        ``"hotspot area"``), ``curve`` (True for curve-only points),
        the :func:`~hotspots.evaluate.metrics.coverage_measures` columns, and ``info`` (what the
        method chose, e.g. DBSCAN's parameters).
    grid : dict
        :meth:`Grid.describe` of the grid used.
    settings : dict
        Methods, ks, coverages and method options.
    """

    rows: pd.DataFrame
    grid: dict[str, Any]
    settings: dict[str, Any]
    formulas: dict[str, str] = field(default_factory=lambda: dict(FORMULAS))

    def summary(self, curve: bool = False) -> pd.DataFrame:
        """Median, min and max over test months of each measure, by method, k and coverage label
        (``coverage`` is the median coverage: it varies by month only for the hotspot area)."""
        rows = self.rows if curve else self.rows[~self.rows["curve"]]
        if rows.empty:
            return pd.DataFrame()
        by = rows.groupby(["method", "k", "coverage_label"], sort=False)
        out = by.agg(
            months=("test_month", "nunique"),
            coverage=("coverage", "median"),
            **{f"{m}_{s}": (m, s) for m in MEASURES for s in ("median", "min", "max")},
        )
        return out.reset_index()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: formulas, grid, settings, summary, curve summary and per-month rows."""
        return {
            "formulas": self.formulas,
            "grid": self.grid,
            "settings": self.settings,
            "summary": _records(self.summary()),
            "curve": _records(self.summary(curve=True)),
            "rows": _records(self.rows),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{str(k): _plain(v) for k, v in r.items()} for r in out]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def backtest(
    xy: np.ndarray,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    methods: Sequence[str] = METHODS,
    ks: Sequence[int] = KS,
    coverages: Sequence[float] = COVERAGES,
    curve_coverages: Sequence[float] = CURVE_COVERAGES,
    options: MethodOptions | None = None,
    test_months: Sequence[str] | None = None,
    common_months: bool = False,
    features: FeatureLayers | None = None,
    held_months: Sequence[str] = (),
) -> Backtest:
    """Rolling-origin back-test of drug-offence points.

    Parameters
    ----------
    xy
        ``(n, 2)`` offence coordinates, EPSG:27700 metres.
    months
        ``YYYY-MM`` of each point.
    grid
        The fixed grid (study area).
    methods, ks, coverages, curve_coverages
        What to test: method names (:data:`~hotspots.evaluate.methods.METHODS`), fit lengths in
        months, the stated coverages and the PAI-curve coverages (shares of the study area).
    options
        Method settings (DBSCAN parameters, KDE bandwidth...).
    test_months
        Restrict the test months (default: every month with k months of data before it).
    common_months
        Keep only the test months that every k (with any test month) and method shares.
    features
        The store's layers beyond its drug offences for the forecast's extra candidate families
        (:func:`~hotspots.evaluate.forecast_features.store_layers`); none: drug counts only.
    held_months
        Months the store holds besides those of ``xy`` (:func:`~hotspots.analysis.store_months`):
        a held month without a drug offence is a month of zeros, fitted on, not a gap; it is not
        a test month (no offence to find) and is listed in ``settings``.
    """
    methods = check_methods(methods)
    options = options or MethodOptions()
    xy, held, by_month, counts = by_months(xy, months, grid, held_months)
    with_offences = set(np.asarray(months, dtype=object).tolist())
    without = sorted(set(held) - with_offences)
    all_cov = sorted({*coverages, *curve_coverages})
    if common_months:
        shared = common_test_months(held, ks)
        test_months = [m for m in shared if test_months is None or m in test_months]
    forecaster = None
    if "forecast" in methods:
        forecaster = Forecaster(
            grid,
            counts,
            ForecastOptions(
                cap_months=options.forecast_cap_months,
                target_coverages=tuple(options.forecast_coverages),
                kde_bandwidth_m=options.bandwidth_m,  # its kde candidates = the kde method's
                change_rule=options.forecast_change_rule,
            ),
            features,
        )
    records: list[dict[str, Any]] = []
    for k in ks:
        for t, fit in test_windows(held, with_offences, k):  # the months' rules: runs.py
            if test_months is not None and t not in test_months:
                continue
            rows = np.concatenate([by_month[m] for m in fit])
            fit_counts = np.sum([counts[m] for m in fit], axis=0)
            scores = {m: _score(m, grid, xy[rows], k, options, forecaster, t) for m in methods}
            points = [(c, _label(c), c not in coverages) for c in all_cov]
            own = scores["dbscan"].info["hotspot_cells_share"] if "dbscan" in scores else 0.0
            if own > 0:
                points.append((own, HOTSPOT_AREA, False))
            for method, scored in scores.items():
                fit_label, method_fit = f"{fit[0]}..{fit[-1]}", fit_counts
                if method == "forecast" and forecaster is not None:
                    history = forecaster.history(t)
                    fit_label = f"{history[0]}..{history[-1]}"
                    method_fit = np.sum([counts[m] for m in history], axis=0)
                for cov, label, curve in points:
                    measures = coverage_measures(
                        scored.score, method_fit, counts[t], cov, grid.cell_area_m2
                    )
                    records.append(
                        {
                            "method": method,
                            "k": k,
                            "test_month": t,
                            "fit_months": fit_label,
                            "coverage": cov,
                            "coverage_label": label,
                            "curve": curve,
                            **measures,
                            "info": scored.info,
                        }
                    )
    rows_frame = pd.DataFrame.from_records(records)
    if rows_frame.empty:
        rows_frame = pd.DataFrame(
            columns=["method", "k", "test_month", "coverage", "coverage_label", "curve"]
        )
    settings = {
        "methods": {m: METHOD_LABELS[m] for m in methods},
        "ks": list(ks),
        "coverages": list(coverages),
        "curve_coverages": list(curve_coverages),
        "eps_m": options.eps_m,
        "min_samples": options.min_samples,
        "buffer_m": options.buffer_m,
        "bandwidth_m": options.bandwidth_m,
        "gi_radius_cells": options.gi_radius_cells,
        "forecast_cap_months": options.forecast_cap_months,
        "forecast_coverages": list(options.forecast_coverages),
        "forecast_features": list(features.families) if features is not None else [],
        "forecast_change_rule": options.forecast_change_rule,
        "common_months": common_months,
        "test_months": sorted(set(rows_frame["test_month"])) if len(rows_frame) else [],
        "months": held,
        "months_without_drug_offences": without,
        "offences": len(xy),
    }
    return Backtest(rows_frame, grid.describe(), settings)


def by_months(
    xy: npt.ArrayLike, months: npt.ArrayLike, grid: Grid, held_months: Sequence[str] = ()
) -> tuple[np.ndarray, list[str], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The offences in study cells (``xy``), every month held (``months``'s and
    ``held_months``, sorted: offences outside the study area still make their month held; a held
    month without offences has zero counts), each month's rows of ``xy`` and its offences per
    study cell; one ``ValueError`` when ``xy`` and ``months`` differ in length."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    months = np.asarray(months, dtype=object)
    if len(months) != len(xy):
        raise ValueError(f"months has {len(months)} values; xy has {len(xy)} points")
    held = sorted(set(months.tolist()) | set(held_months))
    pos = grid.position(xy)
    keep = pos >= 0
    xy, month_arr, pos = xy[keep], months[keep], pos[keep]
    by_month = {m: np.flatnonzero(month_arr == m) for m in held}
    counts = {
        m: np.bincount(pos[i], minlength=grid.n_cells).astype(float) for m, i in by_month.items()
    }
    return xy, held, by_month, counts


def _score(
    method: str,
    grid: Grid,
    xy: np.ndarray,
    k: int,
    options: MethodOptions,
    forecaster: Forecaster | None,
    month: str,
) -> Scored:
    if method == "forecast" and forecaster is not None:
        made = forecaster.forecast(month)
        return Scored(made.score, made.info)
    return SCORERS[method](grid, xy, k, options)


def common_test_months(held: Sequence[str], ks: Sequence[int]) -> list[str]:
    """The test months every k shares: months of ``held`` with ``k`` consecutive stored months
    just before them, for every k that has any such month (a k with none is left out)."""
    per_k = []
    for k in ks:
        tests = {t for t, _ in fit_windows(held, k)}  # the one gap rule: runs.py
        if tests:
            per_k.append(tests)
    return sorted(set.intersection(*per_k)) if per_k else []


def drug_offences(
    store: Store, events: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The store's drug offences as ``(xy, months)`` (other crime types left out), read from
    ``store`` or taken from its ``events`` already in memory (any layers and months)."""
    if events is None:
        columns, drugs_only = [schema.MONTH, schema.CATEGORY], [schema.DRUGS_CRIME_TYPE]
        events = store.load(["offence"], columns=columns, categories=drugs_only)
    else:
        events = events[(events[schema.LAYER] == "offence").to_numpy()]
    drugs = events[events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE]
    xy = shapely.get_coordinates(drugs.geometry.to_numpy())
    return xy, drugs[schema.MONTH].to_numpy()


def backtest_store(store: Store, *, cell_m: float = CELL_M, **kwargs: Any) -> Backtest:
    """:func:`backtest` of a store's drug offences on a ``cell_m`` grid over its force area
    (the forecast with the store's other layers, ``options.forecast_features``)."""
    grid = Grid.over(store.load_boundary("force_area"), cell_m)
    xy, months = drug_offences(store)
    kwargs.setdefault("held_months", store_months(store))
    if "forecast" in kwargs.get("methods", ()) and "features" not in kwargs:
        families = (kwargs.get("options") or MethodOptions()).forecast_features
        kwargs["features"] = store_layers(store, grid, families)
    return backtest(xy, months, grid, **kwargs)
