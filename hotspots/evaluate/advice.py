"""Parameter advice: which ``eps_m`` / ``min_samples`` forecast best, by back-test PAI.

Each candidate (every pair of ``eps_m`` and ``min_samples`` values, ``"auto"`` included) is
back-tested like the ``dbscan`` method of :mod:`hotspots.evaluate.methods` (fit on ``k`` months,
test on the next, every month the store allows) and scored by the median PAI at a fixed
**patrol area**: by default 1.41 km², the area of 20 places of 150 m radius (the Southend hot
spots trial, ``docs/accuracy.md``), the size of patrol programme a hotspot map is for. At that
area the hotspots, not the density fall-back, decide the ranking, so the parameters matter.
Candidates are ranked by median PAI, then by worst month, then by larger ``min_samples``
(fewer, surer hotspots).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.cluster import Auto
from hotspots.evaluate.backtest import backtest
from hotspots.evaluate.grid import Grid
from hotspots.evaluate.methods import MethodOptions
from hotspots.evaluate.runs import unavailable_reason

#: Patrol area the parameters are scored at: 20 places of 150 m radius, km².
ADVICE_AREA_KM2 = round(20 * math.pi * 0.150**2, 2)
EPS_VALUES_M: tuple[float | Auto, ...] = ("auto", 50.0, 75.0, 100.0, 125.0, 150.0)
MIN_SAMPLES_VALUES: tuple[int | Auto, ...] = ("auto", 5, 7, 9, 12, 15)
ADVICE_K = 3


def advice_coverage(grid: Grid, area_km2: float = ADVICE_AREA_KM2) -> float:
    """The share of the study area that ``area_km2`` is (at most 1)."""
    if not area_km2 > 0:
        raise ValueError(f"area_km2: got {area_km2!r}; expected km² > 0")
    return min(1.0, area_km2 * 1e6 / grid.area_m2)


def parameter_score(
    xy: np.ndarray,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    eps_m: float | Auto = "auto",
    min_samples: int | Auto = "auto",
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
    up_to: str | None = None,
    baselines: bool = True,
) -> dict[str, Any]:
    """Back-test PAI of one parameter pair at the patrol area (and of KDE and the grid).

    Parameters
    ----------
    xy, months
        Drug offences (EPSG:27700 metres) and their ``YYYY-MM``.
    grid
        The evaluation grid.
    eps_m, min_samples
        The DBSCAN parameters scored (numbers or ``"auto"``).
    k
        Fit months.
    area_km2
        Patrol area the PAI is measured at, km².
    up_to
        Last test month (default: the last month of ``months``).
    baselines
        Also score ``kde`` and ``grid`` for comparison.

    Returns
    -------
    dict
        ``eps_m``, ``min_samples``, ``k``, ``area_km2``, ``coverage``, ``months`` (test months),
        ``pai_median``, ``pai_min``, ``pai_max`` and, with ``baselines``, ``kde_pai_median`` and
        ``grid_pai_median``; the PAI values are None when no month can be tested, and then
        ``reason`` says why (:func:`hotspots.evaluate.runs.unavailable_reason`; else None).
    """
    cov = advice_coverage(grid, area_km2)
    month_arr = np.asarray(months).astype(str)
    keep = month_arr <= up_to if up_to is not None else np.ones(len(month_arr), dtype=bool)
    methods = ("dbscan", "kde", "grid") if baselines else ("dbscan",)
    result = backtest(
        np.asarray(xy)[keep],
        month_arr[keep],
        grid,
        methods=methods,
        ks=(k,),
        coverages=(cov,),
        curve_coverages=(),
        options=MethodOptions(eps_m=eps_m, min_samples=min_samples),
    )
    rows = result.rows
    out: dict[str, Any] = {
        "eps_m": eps_m,
        "min_samples": min_samples,
        "k": k,
        "area_km2": area_km2,
        "coverage": cov,
        "months": 0,
        "pai_median": None,
        "pai_min": None,
        "pai_max": None,
        "reason": unavailable_reason(month_arr[keep], k),  # None when a month was tested
    }
    if rows.empty:
        out["reason"] = out["reason"] or "no drug offences in the force area to test"
        return out
    at = rows[rows["coverage_label"] != "hotspot area"]
    pai = at.loc[at["method"] == "dbscan", "pai"]
    out.update(
        months=len(pai),
        pai_median=float(pai.median()),
        pai_min=float(pai.min()),
        pai_max=float(pai.max()),
    )
    for method in methods[1:]:
        out[f"{method}_pai_median"] = float(at.loc[at["method"] == method, "pai"].median())
    return out


@dataclass
class ParameterAdvice:
    """Result of :func:`advise_parameters`: ``table`` (one row per candidate, best first) and
    ``best`` (its first row as a dict)."""

    table: pd.DataFrame
    best: dict[str, Any]
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready advice."""
        records = self.table.astype(object).where(self.table.notna(), None)
        return {
            "best": self.best,
            "settings": self.settings,
            "candidates": records.to_dict(orient="records"),
        }


def advise_parameters(
    xy: np.ndarray,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    eps_values: Sequence[float | Auto] = EPS_VALUES_M,
    min_samples_values: Sequence[int | Auto] = MIN_SAMPLES_VALUES,
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
) -> ParameterAdvice:
    """Back-test every ``eps_m`` x ``min_samples`` pair; rank by median PAI at ``area_km2``."""
    rows = []
    for eps in eps_values:
        for ms in min_samples_values:
            rows.append(
                parameter_score(
                    xy,
                    months,
                    grid,
                    eps_m=eps,
                    min_samples=ms,
                    k=k,
                    area_km2=area_km2,
                    baselines=False,
                )
            )
    table = pd.DataFrame(rows)
    table["_ms"] = [-1 if v == "auto" else v for v in table["min_samples"]]
    table = table.sort_values(
        ["pai_median", "pai_min", "_ms"], ascending=False, na_position="last", kind="stable"
    ).drop(columns="_ms")
    table = table.reset_index(drop=True)
    best = {k_: _plain(v) for k_, v in table.iloc[0].items()} if len(table) else {}
    settings = {
        "k": k,
        "area_km2": area_km2,
        "coverage": advice_coverage(grid, area_km2),
        "eps_values": list(eps_values),
        "min_samples_values": list(min_samples_values),
        "score": "median back-test PAI of the dbscan method at the patrol area",
    }
    return ParameterAdvice(table, best, settings)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
