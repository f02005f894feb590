"""The briefing's monthly trend: which months it shows, and events per month.

:func:`trend_months` picks the months of the trend chart; :func:`monthly_counts` counts events
per month and layer from the store; :func:`monthly_rows` turns offence counts into the rows of
:func:`hotspots.briefing.briefing_figures`, each tagged as in the period, in the comparison
period or other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.analysis import Analysis, split_drug_events
from hotspots.briefing.errors import BriefingError
from hotspots.dates import month_words
from hotspots.periods import Period, add_months, month_range

__all__ = ["axis_labels", "monthly_counts", "monthly_rows", "trend_months"]


def trend_months(period: Period, compare_to: Period, held: Sequence[str], n: int = 12) -> list[str]:
    """Months of the trend chart: the ``n`` months to the period's end, extended back to cover
    the comparison period, from the first ``held`` month (``YYYY-MM``). A month not held between
    is kept in its place (:func:`monthly_rows` marks it "no data"), so the chart never puts
    March beside June as if they were consecutive."""
    if not held:
        return []
    start = max(min(add_months(period.end, -(n - 1)), compare_to.start), min(held))
    return list(month_range(start, period.end)) if start <= period.end else []


def monthly_counts(store_events: pd.DataFrame, months: Sequence[str]) -> pd.DataFrame:
    """Drug events per month and layer: drug offences, controlled-drugs searches and raids
    (other crime types and search objects of a store ingested with ``--all-crime-types`` are
    left out, as the analysis leaves them out: :func:`hotspots.analysis.split_drug_events`).

    Parameters
    ----------
    store_events : pandas.DataFrame
        Events with ``layer`` and ``month`` columns (e.g. ``Store.load()``); not modified.
    months : sequence of str
        ``YYYY-MM`` months wanted, in order (e.g. :func:`trend_months`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` in the given order, columns ``offences``, ``searches``, ``raids``
        (int64; 0 for a month with no such event) and ``label`` ("Sep 2025"). No CRS.
    """
    missing = [c for c in (schema.LAYER, schema.MONTH) if c not in store_events.columns]
    if missing:
        raise BriefingError(f"store_events lack column(s) {missing}; expected layer and month")
    wanted = list(months)
    frame = store_events[store_events[schema.MONTH].isin(wanted)]
    if schema.CATEGORY in frame.columns:  # a store of every crime type: drug events only
        frame = split_drug_events(frame)[0]
    table = frame.groupby([schema.MONTH, schema.LAYER]).size().unstack(fill_value=0)
    out = pd.DataFrame(index=pd.Index(wanted, name="month"))
    for layer, column in (("offence", "offences"), ("search", "searches"), ("raid", "raids")):
        values = table[layer] if layer in table.columns else pd.Series(dtype=np.int64)
        out[column] = values.reindex(wanted, fill_value=0).to_numpy(dtype=np.int64)
    out["label"] = [_label(m) for m in wanted]
    return out


def monthly_rows(monthly: pd.DataFrame | pd.Series, analysis: Analysis) -> list[dict[str, Any]]:
    """Trend rows (``month``, ``label``, ``offences``, ``part``) of :func:`monthly_counts` or a
    Series of offence counts indexed by ``YYYY-MM``; ``part`` is "period", "comparison" or
    "other", or "no data" for a month the store holds no offence records of (its ``offences``
    None, never 0: the figure rule)."""
    series = monthly["offences"] if isinstance(monthly, pd.DataFrame) else monthly
    now = set(analysis.period.months)
    before = set(analysis.compare_to.months) if analysis.comparison_available else set()
    held = analysis.layer_months.get("offence")
    rows: list[dict[str, Any]] = []
    for month, count in series.items():
        m = str(month)
        if held is not None and m not in held:
            rows.append({"month": m, "label": _label(m), "offences": None, "part": "no data"})
            continue
        part = "period" if m in now else "comparison" if m in before else "other"
        rows.append({"month": m, "label": _label(m), "offences": int(count), "part": part})
    return rows


def _label(month: str) -> str:
    """``YYYY-MM`` as "Sep 2025" (:func:`hotspots.dates.month_words`)."""
    return month_words(month)


def axis_labels(labels: Sequence[str]) -> list[tuple[str, str]]:
    """The trend chart's label under each month, as (month, year): the year under the first
    month and wherever the year changes, else ``""`` (``[("Dec", "2024"), ("Jan", "2025"),
    ("Feb", "")]``): the page's chart and the PNG/PDF's say the same."""
    out: list[tuple[str, str]] = []
    for i, label in enumerate(labels):
        year = label[-4:]
        out.append((label[:3], year if i == 0 or labels[i - 1][-4:] != year else ""))
    return out
