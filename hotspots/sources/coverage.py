"""The months a police.uk source file covers, kept rows or not.

A layer's figure is a number only for months the store holds (:mod:`hotspots.figures`). A
month is held when a stored file covers it, and a file covers a month when it has a row of
that month: a kept event, or a row rejected for a reason that says nothing against the month
(a non-drug crime, a drug record without a location, a duplicate...). Months taken from kept
events alone lose real months: Dyfed-Powys Police's stop-and-search files of Jul–Sep 2019 give
no location for any of their 541 drug searches, so none is kept, and the store read "no
stop-and-search records held" when it held three months of searches, none placed.

Rows that prove nothing about the month are left out: blank rows, rows with a bad date, and
rows outside the force area. A file of which no row lies in the force area (another force's
file: :func:`hotspots.report.ingest_warnings`) covers no month of this store, whatever its
other rows say. Raid files keep the months of their kept raids (a force's own export, not a
monthly file).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.sources.base import SourceRead
from hotspots.sources.stop_search import uk_local_times
from hotspots.validate import after_latest_month

__all__ = ["covered_months"]

#: Rejections that say nothing about a row's month being this force's.
_NOT_EVIDENCE = frozenset(
    {schema.REASON_BLANK_ROW, schema.REASON_BAD_DATE, schema.REASON_OUTSIDE_AREA}
)
_MONTH = r"(19|20)\d\d-(0[1-9]|1[0-2])"


def covered_months(read: SourceRead, kept_months: Iterable[str], kept: int) -> list[str]:
    """The months ``read`` covers, sorted: ``kept_months`` (the months of its ``kept`` stored
    events) plus the months of its rejected rows that count (module docstring);
    ``kept_months`` only for raid files and for files with no row in the force area."""
    months = {str(m) for m in kept_months}
    if read.kind not in ("street", "stop_search"):
        return sorted(months)
    rejected = read.rejected
    if rejected.empty:
        return sorted(months)
    reasons = rejected["reason"].astype(str)
    outside = int((reasons == schema.REASON_OUTSIDE_AREA).sum())
    inside = kept + int((reasons == schema.REASON_NO_WARD).sum())
    if outside and not inside:  # another force's file: none of its months is this store's
        return sorted(months)
    counted = rejected.loc[~reasons.isin(_NOT_EVIDENCE).to_numpy()]
    if counted.empty:
        return sorted(months)
    if read.kind == "street":
        months.update(_street_months(counted["Month"]))
    else:
        months.update(_search_months(counted["Date"]))
    return sorted(months)


def _street_months(texts: pd.Series) -> set[str]:
    """Well-formed ``YYYY-MM`` months among ``texts`` (not after the current month)."""
    distinct = pd.Series(pd.unique(texts.astype(str).str.strip()))
    good = distinct[distinct.str.fullmatch(_MONTH).fillna(False).to_numpy(dtype=bool)]
    future = after_latest_month(
        pd.to_numeric(good.str[:4], errors="coerce"), pd.to_numeric(good.str[5:7], errors="coerce")
    )
    return set(good[~future].tolist())


def _search_months(texts: pd.Series) -> set[str]:
    """The UK-local months of the stop-and-search timestamps ``texts`` that parse (not after
    the current month), as the reader files them."""
    distinct = pd.Series(pd.unique(texts.astype(str)))
    local = uk_local_times(distinct).dropna()
    if local.empty:
        return set()
    future = after_latest_month(local.dt.year, local.dt.month)
    return set(np.asarray(local[~future].dt.strftime("%Y-%m")).tolist())
