"""Outputs safe to leave the force: ward aggregates with small counts suppressed, snapped points.

- :func:`suppress_small_counts`: every ward count under a threshold is blanked, with the rates,
  ranks and changes derived from it, and raid figures are dropped (the public-safe level of the
  web app and ``hotspots export wards --public-safe``);
- :func:`snap_to_grid`: points moved to the centre of their grid cell (for roles or products
  that may not hold exact locations).

Dates are month-level in every ward table already.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema

__all__ = ["SNAP_M", "SUPPRESS_BELOW", "snap_to_grid", "suppress_small_counts"]

#: Default threshold: counts under it are suppressed.
SUPPRESS_BELOW = 5
#: Default grid cell for snapped points, metres.
SNAP_M = 250.0


def suppress_small_counts(
    wards: gpd.GeoDataFrame, below: int = SUPPRESS_BELOW, *, drop_raids: bool = True
) -> gpd.GeoDataFrame:
    """The ward table with counts under ``below`` (and what derives from them) blank (NaN).

    A change is blank when either period's count is under ``below``. With ``drop_raids`` the
    ``raid_*`` columns are left out (raid figures never leave the force).
    """
    if below < 1:
        raise ValueError(f"below must be a whole number >= 1; got {below}")
    out = wards.copy()
    if drop_raids:
        out = out.drop(columns=[c for c in out.columns if c.startswith("raid_")])
    for layer in schema.LAYERS:
        count = f"{layer}_count"
        if count not in out:
            continue
        small_now = out[count].astype("float64") < below
        for column in (count, f"{layer}_per_km2", f"{layer}_per_1000", f"{layer}_rank"):
            if column in out:
                out[column] = out[column].astype("float64").mask(small_now)
        prev = f"{layer}_prev"
        if prev in out:
            small = (out[prev].astype("float64") < below) | small_now
            for column in (prev, f"{layer}_change", f"{layer}_change_pct"):
                if column in out:
                    out[column] = out[column].astype("float64").mask(small)
    return out


def snap_to_grid(points: gpd.GeoDataFrame, snap_m: float = SNAP_M) -> gpd.GeoDataFrame:
    """``points`` (EPSG:27700) each moved to the centre of its ``snap_m`` grid cell (a copy)."""
    if not snap_m > 0:
        raise ValueError(f"snap_m must be > 0 metres; got {snap_m}")
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    centres = (np.floor(xy / snap_m) + 0.5) * snap_m
    return points.set_geometry(
        gpd.GeoSeries(shapely.points(centres), index=points.index, crs=points.crs),
        crs=points.crs,
    )
