"""Category counts: events by area, layer and category, against a comparison period.

Long format (one row per combination with an event in either period), for the breakdowns of a
summary; units and conventions as in :mod:`hotspots.ward_summary`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.periods import Period
from hotspots.ward_summary.inputs import WardSummaryError, _attrs, _comparison, _split
from hotspots.ward_summary.measures import _ratio

__all__ = ["category_counts"]


def category_counts(
    events: pd.DataFrame,
    period: Period,
    *,
    compare_to: Period | None = None,
    by: Sequence[str] = (schema.WARD_CODE,),
    available_months: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Counts by ``by``, layer and category, in long format, against ``compare_to``.

    Parameters
    ----------
    events : pandas.DataFrame
        Store events with ``layer``, ``month``, ``category`` and the ``by`` columns. Not modified.
    period, compare_to, available_months
        As in :func:`ward_summary`.
    by : sequence of str, default ("ward_code",)
        Grouping columns, e.g. ``("district_code",)``, or ``()`` for force-wide counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, layer, category, count, prev, change, change_pct`` (change_pct in
        percent, NaN when prev is 0), one row per combination with an event in either period
        (combinations absent from both are omitted), ordered by those keys. No CRS.
    """
    by = list(by)
    if any(k in (schema.LAYER, schema.CATEGORY, schema.MONTH) for k in by):
        raise WardSummaryError(f"by={by} repeats layer, category or month; expected other columns")
    compare_to = _comparison(period, compare_to)
    current, previous = _split(events, period, compare_to, available_months, schema.CATEGORY, *by)
    keys = [*by, schema.LAYER, schema.CATEGORY]
    sizes = [f.groupby(keys, dropna=False).size() for f in (current, previous)]
    joined = pd.concat(sizes, axis=1, keys=["count", "prev"]).fillna(0).astype(np.int64)
    out = joined.reset_index().sort_values(keys, kind="stable", ignore_index=True)
    out["change"] = out["count"] - out["prev"]
    out["change_pct"] = _ratio(out["change"], out["prev"], 100.0)
    out.attrs = _attrs(period, compare_to, current, previous)
    return out
