"""Significance, dynamics and parameter score of an analysis' hotspots, in one place.

:func:`assess` adds to :attr:`Analysis.hotspots` the columns of :mod:`hotspots.significance`
(``p_value``, ``q_value``, ``significant`` and the counts behind them) and of
:mod:`hotspots.dynamics` (``dynamics_class`` and the hot flags and trend behind it), and records
in ``Analysis.parameters`` what was done: ``significance`` (method, simulations, seed, seconds,
or why p-values are unavailable), ``dynamics`` (the periods) and ``parameter_score`` (back-test
PAI of the parameters used over every stored month, as the web pages give it: one figure
whatever the period; :func:`hotspots.evaluate.advice.parameter_score`). Exports and
patrol plans read them from there. :func:`significant_only` keeps the significant hotspots.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.analysis import Analysis, store_months
from hotspots.dynamics import DYNAMICS_COLUMNS, N_PERIODS, hotspot_dynamics, run_of_periods
from hotspots.evaluate.advice import ADVICE_AREA_KM2, parameter_score
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.periods import Period
from hotspots.significance import ALPHA, N_SIMS, SIGNIFICANCE_COLUMNS, hotspot_significance
from hotspots.store import Store

ASSESSMENT_COLUMNS: tuple[str, ...] = (*SIGNIFICANCE_COLUMNS, *DYNAMICS_COLUMNS)


def assess(
    analysis: Analysis,
    store: Store,
    *,
    n_sims: int = N_SIMS,
    seed: int = 0,
    alpha: float = ALPHA,
    dynamics_periods: int = N_PERIODS,
    score: bool = True,
    score_area_km2: float = ADVICE_AREA_KM2,
    cell_m: float = CELL_M,
    events: gpd.GeoDataFrame | None = None,
) -> Analysis:
    """The analysis with significance, dynamics and parameter score added (a new object).

    Parameters
    ----------
    analysis
        From :func:`hotspots.analysis.analyse`.
    store
        The store it came from (for earlier months and the force area).
    n_sims, seed, alpha
        Significance test settings (:func:`hotspots.significance.hotspot_significance`);
        ``n_sims=0`` skips the test (columns empty, ``reason`` says so).
    dynamics_periods
        Single months in the dynamics run, ending at the analysis' last month (0 skips; months
        the store does not hold are left out of the run).
    score
        Back-test the parameters used (fit on 3 months, PAI at ``score_area_km2``) over every
        stored month, read from ``store`` (the one figure the web pages give too).
    cell_m
        Grid cell of that back-test, metres.
    events
        The store's events already in memory (a server keeps them per data version; the CLI
        reads them once per analysis), holding at least every month up to the analysis' last
        one; by default the months the dynamics need are read from ``store``.
    """
    hotspots = analysis.hotspots.copy()
    params = dict(analysis.parameters)
    offences = analysis.events[analysis.events[schema.LAYER] == "offence"].reset_index(drop=True)
    labels = offences["hotspot_id"].to_numpy()
    ids = hotspots["hotspot_id"].astype(int).to_numpy()

    other = analysis.other_offences
    if n_sims > 0:
        sig = hotspot_significance(
            shapely.get_coordinates(offences.geometry.to_numpy()),
            offences[schema.MONTH].to_numpy(),
            shapely.get_coordinates(other.geometry.to_numpy()) if other is not None else [],
            other[schema.MONTH].to_numpy() if other is not None else [],
            labels,
            eps_m=float(params["eps_m"]),
            min_samples=int(params["min_samples"]),
            n_sims=n_sims,
            seed=seed,
            alpha=alpha,
        )
        table = sig.table.reindex(ids)
        for column in SIGNIFICANCE_COLUMNS:
            hotspots[column] = table[column].to_numpy()
        params["significance"] = sig.info
    else:
        for column in SIGNIFICANCE_COLUMNS:
            hotspots[column] = np.nan
        params["significance"] = {"available": False, "reason": "not run (0 simulations)"}

    held = set(store_months(store))
    if dynamics_periods > 0:
        # the single months to the period's end inside its run: never across a missing month
        # (docs/periods.md), where "hot" or "not hot" would be unknown
        periods: list[Period] = []
        for p in reversed(run_of_periods(analysis.period.end, dynamics_periods)):
            if not set(p.months) <= held:
                break
            periods.insert(0, p)
        months = sorted({m for p in periods for m in p.months})
        if not months:
            earlier = offences.iloc[:0]
        elif events is not None:
            wanted = events[schema.MONTH].isin(months) & (events[schema.LAYER] == "offence")
            earlier = events[wanted.to_numpy()]
        else:
            drugs_only = [schema.DRUGS_CRIME_TYPE]  # read as such (a store of every crime type)
            earlier = store.load(["offence"], months=months, categories=drugs_only)
        earlier = earlier[earlier[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE]
        dyn = hotspot_dynamics(
            hotspots.geometry,
            earlier,
            periods,
            eps_m=float(params["eps_m"]),
            buffer_m=float(params["buffer_m"]),
        )
        for column in DYNAMICS_COLUMNS:
            hotspots[column] = dyn[column].to_numpy()
        params["dynamics"] = {
            "periods": [p.label for p in periods],
            "rules": "hotspots.dynamics (docs/evaluation.md: Hotspot dynamics)",
        }
    if score:
        grid = Grid.over(store.load_boundary("force_area"), cell_m)
        xy, months_all = drug_offences(store)  # every stored month, not only the events given
        params["parameter_score"] = parameter_score(
            xy,
            months_all,
            grid,
            eps_m=analysis.parameters["requested_eps_m"],
            min_samples=analysis.parameters["requested_min_samples"],
            area_km2=score_area_km2,  # over every stored month, as the web pages score it
        )
    return replace(analysis, hotspots=hotspots, parameters=params)


def significant_only(hotspots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The hotspots whose ``significant`` is True (none when the test was unavailable)."""
    if "significant" not in hotspots:
        raise ValueError("hotspots have no 'significant' column; run hotspots.assessment.assess")
    keep = hotspots["significant"].fillna(False).astype(bool).to_numpy()
    return hotspots[keep]


def assessment_summary(analysis: Analysis) -> dict[str, Any]:
    """What was assessed, for JSON and text outputs."""
    p = analysis.parameters
    return {k: p.get(k) for k in ("significance", "dynamics", "parameter_score")}
