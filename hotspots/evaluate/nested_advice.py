"""DBSCAN parameters chosen by the store's own back-test, nested (issue 15, deliverable 4).

The parameter advice (:mod:`hotspots.evaluate.advice`) ranks every ``eps_m`` x ``min_samples``
pair by its back-test PAI on all stored months, so its best pair is chosen and scored on the
same months (in-sample). Here the choice is **nested**: for each test month ``t``, each pair is
ranked by its back-test PAI on the months before ``t`` only (median, then worst month, then
larger ``min_samples``, as the advice ranks), the best pair is used for ``t``, and its PAI on
``t`` is the out-of-sample score. The automatic rule (``eps_m="auto"``, ``min_samples="auto"``)
is scored on the same months, so the two can be compared fairly; the result says which the
back-test favours.

Each pair is back-tested once (``dbscan`` only, fit ``k`` months, at the patrol area: the PAI
:func:`~hotspots.evaluate.backtest.backtest` gives, every pair in one pass over the test months,
:func:`~hotspots.evaluate.pair_backtest.pair_pais`), and the per-month PAIs are reused for every
test month.
A test month needs at least ``min_inner_months`` earlier test months to choose on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspots.cluster import Auto
from hotspots.evaluate.advice import (
    ADVICE_AREA_KM2,
    ADVICE_K,
    EPS_VALUES_M,
    MIN_SAMPLES_VALUES,
    advice_coverage,
)
from hotspots.evaluate.grid import Grid
from hotspots.evaluate.pair_backtest import pair_pais

__all__ = [
    "MIN_INNER_MONTHS",
    "MIN_VERDICT_MONTHS",
    "NestedAdvice",
    "PairTable",
    "format_nested",
    "nested_from_table",
    "nested_parameters",
    "pair_table",
    "table_up_to",
]

#: Earlier test months a choice needs.
MIN_INNER_MONTHS = 2
#: Out-of-sample months needed before one rule is said to be favoured.
MIN_VERDICT_MONTHS = 3


@dataclass
class NestedAdvice:
    """Result of :func:`nested_parameters`.

    ``months``: one row per test month (``test_month``, chosen ``eps_m`` / ``min_samples``, their
    ``inner_pai_median`` on earlier months, ``pai`` out of sample, ``auto_pai`` of the automatic
    rule on the same month); ``summary``: medians and ranges, and ``favoured`` ("nested" when its
    median is higher, else "auto"; undecided with fewer than 3 months).
    """

    months: pd.DataFrame
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        records = self.months.astype(object).where(self.months.notna(), None)
        return {"summary": self.summary, "months": records.to_dict(orient="records")}


def _pair_key(eps: float | Auto, ms: int | Auto) -> tuple[float, int]:
    """Sort key: automatic values rank as -1 (so larger numbers come first when descending)."""
    return (-1.0 if eps == "auto" else float(eps), -1 if ms == "auto" else int(ms))


def nested_parameters(
    xy: np.ndarray,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    eps_values: Sequence[float | Auto] = EPS_VALUES_M,
    min_samples_values: Sequence[int | Auto] = MIN_SAMPLES_VALUES,
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
    min_inner_months: int = MIN_INNER_MONTHS,
    held_months: Sequence[str] = (),
) -> NestedAdvice:
    """Choose ``eps_m`` / ``min_samples`` for each test month on the months before it; score it
    on that month; compare with the automatic rule on the same months. ``held_months``: the
    store's months beyond those of ``months`` (a held month without a drug offence is zeros,
    fitted on, not tested: :func:`~hotspots.evaluate.pair_backtest.pair_pais`)."""
    cov = advice_coverage(grid, area_km2)
    pai = pair_table(
        xy,
        months,
        grid,
        eps_values=eps_values,
        min_samples_values=min_samples_values,
        k=k,
        coverage=cov,
        held_months=held_months,
    )
    return nested_from_table(
        pai, k=k, area_km2=area_km2, coverage=cov, min_inner_months=min_inner_months
    )


PairTable = dict[tuple[Any, Any], pd.Series]


def pair_table(
    xy: np.ndarray,
    months: npt.ArrayLike,
    grid: Grid,
    *,
    eps_values: Sequence[float | Auto] = EPS_VALUES_M,
    min_samples_values: Sequence[int | Auto] = MIN_SAMPLES_VALUES,
    k: int = ADVICE_K,
    coverage: float,
    held_months: Sequence[str] = (),
) -> PairTable:
    """Every pair's (and the automatic rule's) back-test PAI on every test month
    (:func:`~hotspots.evaluate.pair_backtest.pair_pais`): the table the nested choice reads.

    A test month's PAIs read that month and the ``k`` months before it only, so the table of
    every stored month, cut to the test months up to a month (:func:`table_up_to`), is the table
    of the offences up to that month: the web app makes it once per data version and reads the
    choice of every period's end from it (``tests/test_auto_parameters.py`` checks they are
    equal)."""
    pairs = [(e, m) for e in eps_values for m in min_samples_values]
    if ("auto", "auto") not in pairs:
        pairs.append(("auto", "auto"))
    return pair_pais(xy, months, grid, pairs, k=k, coverage=coverage, held_months=held_months)


def table_up_to(pai: PairTable, up_to: str) -> PairTable:
    """``pai`` with the test months up to ``up_to`` (``YYYY-MM``) only."""
    return {
        pair: series[np.asarray(series.index, dtype=str) <= up_to] for pair, series in pai.items()
    }


def nested_from_table(
    pai: PairTable,
    *,
    k: int = ADVICE_K,
    area_km2: float = ADVICE_AREA_KM2,
    coverage: float,
    min_inner_months: int = MIN_INNER_MONTHS,
) -> NestedAdvice:
    """:func:`nested_parameters` from its table of PAIs (:func:`pair_table`; ``coverage`` the
    share of the area it was measured at)."""
    cov = coverage
    tested = sorted(pai[("auto", "auto")].index)
    table = np.array([pai[p].reindex(tested).to_numpy(dtype=float) for p in pai]).reshape(
        len(pai), len(tested)
    )
    records = []
    for i, t in enumerate(tested):
        inner = tested[:i]
        if len(inner) < min_inner_months:
            continue
        best = _best_pair(list(pai), table[:, :i])
        if best is None:
            continue
        (eps, ms), best_median = best
        records.append(
            {
                "test_month": t,
                "inner_months": len(inner),
                "eps_m": eps,
                "min_samples": ms,
                "inner_pai_median": best_median,
                "pai": float(pai[(eps, ms)].get(t, np.nan)),
                "auto_pai": float(pai[("auto", "auto")].get(t, np.nan)),
            }
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "test_month",
            "inner_months",
            "eps_m",
            "min_samples",
            "inner_pai_median",
            "pai",
            "auto_pai",
        ],
    )
    summary: dict[str, Any] = {
        "k": k,
        "area_km2": area_km2,
        "coverage": cov,
        "months": len(frame),
        "rule": "each month: the pair with the best median back-test PAI on the earlier months",
    }
    if len(frame):
        summary.update(
            pai_median=float(frame["pai"].median()),
            pai_min=float(frame["pai"].min()),
            pai_max=float(frame["pai"].max()),
            auto_pai_median=float(frame["auto_pai"].median()),
            auto_pai_min=float(frame["auto_pai"].min()),
            auto_pai_max=float(frame["auto_pai"].max()),
        )
        if len(frame) < MIN_VERDICT_MONTHS:
            summary["favoured"] = f"undecided (fewer than {MIN_VERDICT_MONTHS} months)"
        else:
            better = summary["pai_median"] > summary["auto_pai_median"]
            summary["favoured"] = "nested" if better else "auto"
    # The same rule on every test month: the pair it would use for the month after the last.
    nxt = _best_pair(list(pai), table) if len(tested) >= min_inner_months else None
    summary["next_choice"] = (
        None
        if nxt is None
        else {
            "eps_m": nxt[0][0],
            "min_samples": nxt[0][1],
            "inner_pai_median": nxt[1],
            "inner_months": len(tested),
            "last_test_month": tested[-1],
        }
    )
    return NestedAdvice(frame, summary)


def _best_pair(
    pairs: Sequence[tuple[Any, Any]], table: npt.NDArray[np.float64]
) -> tuple[tuple[Any, Any], float] | None:
    """The pair with the best median PAI over the columns of ``table`` (one row per pair of
    ``pairs``, one column per test month, NaN where not scored; then the best worst month, then
    the larger ``min_samples``, as the advice ranks; remaining ties: the grid's order) and that
    median; None when no pair was scored there."""
    ranked = []
    for pair, row in zip(pairs, table, strict=True):
        values = row[~np.isnan(row)]
        if len(values):
            ranked.append((float(np.median(values)), float(values.min()), _pair_key(*pair), pair))
    if not ranked:
        return None
    ranked.sort(key=lambda r: (r[0], r[1], r[2][1]), reverse=True)
    return ranked[0][3], ranked[0][0]


def format_nested(advice: NestedAdvice) -> str:
    """Text: which rule the nested back-test favours and both out-of-sample scores."""
    s = advice.summary
    head = (
        f"Nested parameter choice (out of sample): fit {s['k']} months, PAI at "
        f"{s['area_km2']:g} km² ({100 * s['coverage']:.3f}% of the area)"
    )
    if not s["months"]:
        return head + f"\nNo test month has {MIN_INNER_MONTHS} earlier test months to choose on."
    lines = [
        head,
        f"automatic rule (eps_m=auto, min_samples=auto): median PAI {s['auto_pai_median']:.1f} "
        f"[{s['auto_pai_min']:.1f}-{s['auto_pai_max']:.1f}] over {s['months']} month(s)",
        f"chosen each month on the earlier months: median PAI {s['pai_median']:.1f} "
        f"[{s['pai_min']:.1f}-{s['pai_max']:.1f}]; the back-test favours: {s['favoured']}",
        "test month  eps_m  min_samples  inner PAI  PAI    auto PAI",
    ]
    nxt = s.get("next_choice")
    if nxt:
        lines.insert(
            3,
            f"for the month after {nxt['last_test_month']}: eps_m={nxt['eps_m']}, "
            f"min_samples={nxt['min_samples']} (median PAI {nxt['inner_pai_median']:.1f} over "
            f"{nxt['inner_months']} test months); `hotspots analyse` uses it when the back-test "
            "favours: nested",
        )
    for r in advice.months.itertuples(index=False):
        lines.append(
            f"{r.test_month:<10}  {r.eps_m!s:>5}  {r.min_samples!s:>11}  "
            f"{r.inner_pai_median:>9.1f}  {r.pai:>5.1f}  {r.auto_pai:>8.1f}"
        )
    return "\n".join(lines)
