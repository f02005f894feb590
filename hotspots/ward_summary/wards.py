"""Ward summary: counts, change and rates of each layer by ward, against a comparison period.

Units and conventions: :mod:`hotspots.ward_summary`.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.periods import Period
from hotspots.ward_summary.inputs import (
    _WARD_KEYS,
    WardSummaryError,
    _attrs,
    _comparison,
    _split,
    _ward_frame,
)
from hotspots.ward_summary.measures import FloatArray, _add_measures, _counts
from hotspots.ward_summary.population import _population_by_ward

__all__ = ["ward_summary"]


def ward_summary(
    events: pd.DataFrame,
    wards: gpd.GeoDataFrame,
    period: Period,
    *,
    compare_to: Period | None = None,
    population: pd.DataFrame | None = None,
    available_months: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Counts of events by ward and layer for ``period``, against ``compare_to``.

    Parameters
    ----------
    events : pandas.DataFrame or geopandas.GeoDataFrame
        Store events (:meth:`hotspots.store.Store.load`); only the columns ``layer``, ``month``
        and ``ward_code`` are used (the geometry is not). Events outside both periods are
        ignored. Not modified.
    wards : geopandas.GeoDataFrame
        The stored wards (``Store.load_boundary("wards")``), EPSG:27700, with ``ward_code``,
        ``ward_name``, ``district_code``, ``district_name``.
    period : Period
        The period summarised.
    compare_to : Period, optional
        The comparison period, of the same length; default ``period.previous()``.
    population : pandas.DataFrame, optional
        Residents per ward, columns ``ward_code`` and ``population`` (see
        :func:`read_population`); adds ``population`` and ``<layer>_per_1000`` columns.
    available_months : iterable of str, optional
        The months the data covers (e.g. the store's months). Default: the months of
        ``events`` that hold at least one event of any layer.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ward, ordered by ``ward_code``: ``ward_code``, ``ward_name``,
        ``district_code``, ``district_name``, ``area_km2``, [``population``], then for each
        layer ``<layer>_count``, ``_prev``, ``_change``, ``_change_pct``, ``_per_km2``,
        [``_per_1000``], ``_rank``, and the ward ``geometry`` (EPSG:27700). ``attrs`` holds
        ``period`` and ``compare_to`` (labels), ``months_without_events`` and, with a
        population, ``wards_without_population`` (sorted codes). Units: package docstring.

    Raises
    ------
    WardSummaryError
        If a column is missing, ``wards`` is not EPSG:27700 or repeats a code, an event's
        ward code is not in ``wards`` (store and wards do not match), an event's layer is
        unknown, or the periods differ in length.
    PeriodError
        If a month of either period has no data (counts there would read as zero), or a
        ``month`` value is malformed.
    """
    compare_to = _comparison(period, compare_to)
    current, previous = _split(events, period, compare_to, available_months, schema.WARD_CODE)
    table = _ward_frame(wards)
    codes = table[schema.WARD_CODE]
    unknown = pd.concat([current, previous])[schema.WARD_CODE]
    unknown = unknown[~unknown.isin(codes)]
    if len(unknown):
        shown = sorted({str(c) for c in unknown})
        raise WardSummaryError(
            f"{len(unknown)} event(s) have ward codes not in wards, e.g. {shown[:5]}; expected "
            "every event's ward_code in wards['ward_code'] (store and wards do not match)"
        )
    out = pd.DataFrame({key: table[key] for key in _WARD_KEYS})
    out["area_km2"] = table.geometry.area.to_numpy() / 1e6
    pop: FloatArray | None = None
    if population is not None:
        out["population"] = _population_by_ward(population, codes)
        pop = out["population"].to_numpy(dtype=np.float64, na_value=np.nan)
    now, before = _counts(current, [schema.WARD_CODE]), _counts(previous, [schema.WARD_CODE])
    for layer in schema.LAYERS:
        count = now.get(layer, pd.Series(dtype=np.int64)).reindex(codes, fill_value=0)
        prev = before.get(layer, pd.Series(dtype=np.int64)).reindex(codes, fill_value=0)
        _add_measures(out, layer, count.to_numpy(), prev.to_numpy(), pop)
    result = gpd.GeoDataFrame(out, geometry=table.geometry.to_numpy(), crs=schema.CRS_BNG)
    result.attrs = _attrs(period, compare_to, current, previous)
    if pop is not None:
        result.attrs["wards_without_population"] = sorted(codes[np.isnan(pop)])
    return result
