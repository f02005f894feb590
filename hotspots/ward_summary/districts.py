"""Roll-ups of a ward summary: by district (:func:`district_summary`) and force-wide
(:func:`force_totals`).

Measures are recomputed from the summed counts; units and conventions as in
:mod:`hotspots.ward_summary`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.ward_summary.inputs import _require_columns
from hotspots.ward_summary.measures import FloatArray, _add_measures

__all__ = ["district_summary", "force_totals"]


def district_summary(ward_table: pd.DataFrame) -> pd.DataFrame:
    """Roll a :func:`ward_summary` table up by district.

    Parameters
    ----------
    ward_table : pandas.DataFrame
        The result of :func:`ward_summary` (not modified).

    Returns
    -------
    pandas.DataFrame
        One row per district, ordered by ``district_code``: ``district_code``,
        ``district_name``, ``n_wards``, ``area_km2``, [``population``], and per layer the same
        measures as the ward table, recomputed from the summed counts (rank among districts).
        A district's population is the sum over its wards, <NA> when any ward lacks one (listed
        in ``attrs["districts_without_population"]``). No geometry. ``attrs`` as the ward
        table's, except ``wards_without_population``.
    """
    counts = [f"{layer}_{what}" for layer in schema.LAYERS for what in ("count", "prev")]
    keys = [schema.DISTRICT_CODE, schema.DISTRICT_NAME]
    _require_columns(ward_table, "ward_table", [*keys, "area_km2", *counts])
    frame = pd.DataFrame(ward_table.drop(columns="geometry", errors="ignore"))
    grouped = frame.groupby(keys, sort=True)
    sums = grouped[["area_km2", *counts]].sum()
    out = sums.index.to_frame(index=False)
    out["n_wards"] = grouped.size().to_numpy()
    out["area_km2"] = sums["area_km2"].to_numpy()
    pop: FloatArray | None = None
    attrs = {k: v for k, v in ward_table.attrs.items() if k != "wards_without_population"}
    if "population" in frame.columns:
        complete = grouped["population"].count().to_numpy() == out["n_wards"].to_numpy()
        totals = grouped["population"].sum().to_numpy(dtype=np.float64)
        pop = np.where(complete, totals, np.nan)
        out["population"] = pd.array(
            [int(v) if ok else pd.NA for v, ok in zip(pop, complete, strict=True)], dtype="Int64"
        )
        attrs["districts_without_population"] = sorted(out.loc[~complete, schema.DISTRICT_CODE])
    for layer in schema.LAYERS:
        count = sums[f"{layer}_count"].to_numpy()
        _add_measures(out, layer, count, sums[f"{layer}_prev"].to_numpy(), pop)
    out.attrs = attrs
    return out


def force_totals(table: pd.DataFrame) -> dict[str, Any]:
    """Force-wide totals of a ward or district summary table.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ward_summary` or :func:`district_summary` result covering the force.

    Returns
    -------
    dict
        ``period``, ``compare_to`` (labels, None when unknown), ``n_wards``, ``area_km2``,
        ``population`` (None unless every ward has one), ``months_without_events`` (from
        ``attrs``), and per layer ``<layer>_count``,
        ``_prev``, ``_change`` (int), ``_change_pct``, ``_per_km2``, ``_per_1000`` (float, or
        None when undefined: previous count 0, no population). Units: package docstring.
    """
    counts = [f"{layer}_{what}" for layer in schema.LAYERS for what in ("count", "prev")]
    _require_columns(table, "table", ["area_km2", *counts])
    population: int | None = None
    if "population" in table.columns and table["population"].notna().all():
        population = int(table["population"].sum())
    area = float(table["area_km2"].sum())
    out: dict[str, Any] = {
        "period": table.attrs.get("period"),
        "compare_to": table.attrs.get("compare_to"),
        "n_wards": int(table["n_wards"].sum()) if "n_wards" in table.columns else len(table),
        "area_km2": area,
        "population": population,
        "months_without_events": table.attrs.get("months_without_events", {}),
    }
    for layer in schema.LAYERS:
        count, prev = int(table[f"{layer}_count"].sum()), int(table[f"{layer}_prev"].sum())
        out[f"{layer}_count"] = count
        out[f"{layer}_prev"] = prev
        out[f"{layer}_change"] = count - prev
        out[f"{layer}_change_pct"] = 100.0 * (count - prev) / prev if prev > 0 else None
        out[f"{layer}_per_km2"] = count / area if area > 0 else None
        out[f"{layer}_per_1000"] = 1000.0 * count / population if population else None
    return out
