"""Checking and selecting the inputs of a ward summary: columns, wards, periods, layers.

Shared by :mod:`~hotspots.ward_summary.wards`, :mod:`~hotspots.ward_summary.categories`,
:mod:`~hotspots.ward_summary.districts` and :mod:`~hotspots.ward_summary.population`; every
check raises :class:`WardSummaryError` (or :class:`~hotspots.periods.PeriodError` for a month
without data) with what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots import schema
from hotspots.errors import HotspotsError
from hotspots.periods import Period, PeriodError

__all__ = ["WardSummaryError"]

_WARD_KEYS = (schema.WARD_CODE, schema.WARD_NAME, schema.DISTRICT_CODE, schema.DISTRICT_NAME)


class WardSummaryError(HotspotsError, ValueError):
    """The inputs of a summary do not fit together (columns, CRS, ward codes, periods)."""


def _attrs(
    period: Period, compare_to: Period, current: pd.DataFrame, previous: pd.DataFrame
) -> dict[str, Any]:
    months = sorted({*period.months, *compare_to.months})
    held = pd.concat([current, previous]).groupby(schema.LAYER)[schema.MONTH].unique()
    return {
        "period": period.label,
        "compare_to": compare_to.label,
        "months_without_events": {
            layer: [m for m in months if m not in set(held.get(layer, []))]
            for layer in schema.LAYERS
        },
    }


def _comparison(period: Period, compare_to: Period | None) -> Period:
    for name, value in (("period", period), ("compare_to", compare_to)):
        if value is not None and not isinstance(value, Period):
            raise WardSummaryError(f"{name} must be a Period, got {type(value).__name__}")
    other = period.previous() if compare_to is None else compare_to
    if other.n_months != period.n_months:
        raise WardSummaryError(
            f"cannot compare {period.label} ({period.n_months} months) with {other.label} "
            f"({other.n_months} months); expected periods of the same length, e.g. "
            "period.previous() or period.year_earlier()"
        )
    return other


def _split(
    events: pd.DataFrame,
    period: Period,
    compare_to: Period,
    available_months: Iterable[str] | None,
    *keys: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events of ``period`` and of ``compare_to`` (columns layer, month, ``keys``), checked."""
    columns = list(dict.fromkeys([schema.LAYER, schema.MONTH, *keys]))
    _require_columns(events, "events", columns)
    frame = pd.DataFrame(events.loc[:, columns])
    current, previous = period.select(frame), compare_to.select(frame)
    held = frame[schema.MONTH].dropna() if available_months is None else available_months
    try:
        period.require_data(held)
        compare_to.require_data(held)
    except PeriodError as exc:
        raise PeriodError(
            f"{exc}; counts there would read as zero. Load those months, or pass "
            "available_months= when months without any event are real"
        ) from None
    layers = pd.concat([current, previous])[schema.LAYER]
    unknown = sorted({str(v) for v in layers[~layers.isin(schema.LAYERS)]})
    if unknown:
        raise WardSummaryError(f"events have unknown layers {unknown}; expected {schema.LAYERS}")
    return current, previous


def _ward_frame(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A checked copy of ``wards``, ordered by ward code."""
    if not isinstance(wards, gpd.GeoDataFrame):
        raise WardSummaryError(f"wards must be a GeoDataFrame, got {type(wards).__name__}")
    if wards.crs is None or not wards.crs.equals(schema.CRS_BNG):
        got = "no CRS" if wards.crs is None else wards.crs.to_string()
        raise WardSummaryError(f"wards are in {got}; expected {schema.CRS_BNG} (metres)")
    _require_columns(wards, "wards", _WARD_KEYS)
    codes = wards[schema.WARD_CODE]
    if codes.isna().any() or codes.duplicated().any():
        repeated = sorted(codes[codes.duplicated()].astype(str))
        raise WardSummaryError(
            f"wards have blank or repeated codes {repeated[:5]}; expected unique"
        )
    return wards.sort_values(schema.WARD_CODE, kind="stable").reset_index(drop=True)


def _require_columns(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise WardSummaryError(f"{name} must be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WardSummaryError(
            f"{name} lacks column(s) {missing}; got {list(frame.columns)}, expected {list(columns)}"
        )
