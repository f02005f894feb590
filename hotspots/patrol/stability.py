"""Stability: in which of the last single months each place was part of a hotspot.

The detector runs on each single month (same ``eps_m`` as the basis analysis; ``min_samples`` by
the automatic rule for one month); a place counts for a month when any of that month's hotspot
polygons intersects the place's polygon.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.cluster import DetectorCore
from hotspots.store import Store
from hotspots.summary import hotspot_polygons

__all__ = ["STABILITY_WINDOWS"]

STABILITY_WINDOWS = (6, 12)


def _monthly_hits(
    store: Store,
    polygons: np.ndarray,
    months: tuple[str, ...],
    eps_m: float,
    buffer_m: float,
    events: gpd.GeoDataFrame | None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Per month: whether each polygon intersects a hotspot of that single month."""
    if events is None:
        events = store.load(layers=["offence"], months=list(months))
    offences = events[
        (events[schema.LAYER] == "offence")
        & (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE)  # stores with every crime type
    ]
    hits: dict[str, np.ndarray] = {}
    params: dict[str, Any] = {}
    for month in months:
        month_offences = offences[offences[schema.MONTH] == month]
        hit = np.zeros(len(polygons), dtype=bool)
        if len(month_offences) and len(polygons):
            detector = DetectorCore(eps_m=eps_m, min_samples="auto", n_months=1)
            detector.fit(month_offences)
            params = detector.params_
            month_polygons = hotspot_polygons(month_offences, detector.labels_, buffer_m=buffer_m)
            if len(month_polygons):
                tree = shapely.STRtree(month_polygons.to_numpy())
                place_i, _ = tree.query(polygons, predicate="intersects")
                hit[place_i] = True
        hits[month] = hit
    return hits, params
