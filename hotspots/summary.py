"""Hotspot labels -> one row and one polygon per hotspot, ranked; and raid coverage.

Labels come from :mod:`hotspots.cluster` (step one); this module turns them into what a user reads
(step two), in EPSG:27700 metres:

- **polygon**: the convex hull of the hotspot's offence locations, buffered by ``buffer_m`` so a
  one-location hotspot (a busy snap point) still has an area;
- **enforcement** in or near it: stop-and-searches and raids inside the polygon or within
  ``near_m`` metres of it;
- **co-location**: the share of its offences on its single busiest point. police.uk snaps crimes
  to shared points and drug offences are often recorded where they were found ("On or near Police
  Station"), so a hotspot with most offences on one point is flagged for a human to check;
- **change**: offences inside the same polygon in the comparison period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.placenames import location_text

#: Default buffer around the hull of a hotspot's locations, metres.
BUFFER_M = 50.0
#: Default distance within which searches and raids count as "at" a hotspot, metres.
NEAR_M = 100.0
#: Share of a hotspot's offences on one point above which it is flagged as co-located.
COLOCATION_FLAG = 0.5

HOTSPOT_COLUMNS: tuple[str, ...] = (
    "hotspot_id",
    "rank",
    "offences",
    "offences_prev",
    "change",
    "change_pct",
    "searches",
    "raids",
    "area_m2",
    "offences_per_km2",
    "share_of_offences",
    "locations",
    "colocation_share",
    "colocated",
    "top_location",
    "ward_code",
    "ward_name",
    "wards",
    "district_code",
    "district_name",
    "months_active",
    "first_month",
    "last_month",
)


def hotspot_polygons(
    offences: gpd.GeoDataFrame, labels: np.ndarray, *, buffer_m: float = BUFFER_M
) -> gpd.GeoSeries:
    """One polygon per hotspot id (index = id): the buffered convex hull of its members.

    Parameters
    ----------
    offences
        The clustered offences (points, EPSG:27700), in the order of ``labels``.
    labels
        Hotspot id per row, ``-1`` for noise.
    buffer_m
        Buffer around the hull, metres (> 0 so every hotspot has an area).
    """
    _check_bng(offences, "offences")
    if buffer_m <= 0:
        raise ValueError(f"buffer_m must be > 0 metres; got {buffer_m}")
    labels = np.asarray(labels)
    member = np.flatnonzero(labels >= 0)
    member = member[np.argsort(labels[member], kind="stable")]  # by id, rows in order
    ids, group = np.unique(labels[member], return_inverse=True)
    xy = shapely.get_coordinates(offences.geometry.to_numpy()[member])
    geoms = hotspot_shapes(xy, group, buffer_m)
    return gpd.GeoSeries(geoms, index=pd.Index(ids, name="hotspot_id"), crs=schema.CRS_BNG)


def hotspot_shapes(xy: np.ndarray, group: np.ndarray, buffer_m: float = BUFFER_M) -> np.ndarray:
    """The polygon of each hotspot: the convex hull of its members buffered by ``buffer_m``
    metres (> 0; :func:`hotspot_polygons` checks it).

    ``xy``: the members' ``(n, 2)`` x/y metres, grouped by hotspot; ``group``: the hotspot of
    each (0, 1, ..., ascending). Returns one polygon per group, in group order.
    """
    hulls = shapely.convex_hull(shapely.multipoints(xy, indices=group))
    return shapely.buffer(hulls, buffer_m, quad_segs=8)


def summarise_hotspots(
    offences: gpd.GeoDataFrame,
    labels: np.ndarray,
    *,
    searches: gpd.GeoDataFrame | None = None,
    raids: gpd.GeoDataFrame | None = None,
    previous_offences: gpd.GeoDataFrame | None = None,
    buffer_m: float = BUFFER_M,
    near_m: float = NEAR_M,
) -> gpd.GeoDataFrame:
    """The hotspot table: one row and one polygon per hotspot, ordered by rank.

    Parameters
    ----------
    offences
        Offence events of the period (store schema, EPSG:27700), in the order of ``labels``.
    labels
        Hotspot ids from :class:`hotspots.cluster.HotspotDetector` (0 = most offences).
    searches, raids
        Search and raid events of the period, counted inside or within ``near_m`` of a hotspot.
    previous_offences
        Offences of the comparison period, counted inside each polygon (``offences_prev``).
    buffer_m
        Buffer around each hotspot's hull, metres.
    near_m
        Distance within which searches and raids count, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`HOTSPOT_COLUMNS` and ``geometry`` (EPSG:27700). ``change_pct`` is NaN when the
        previous count is 0.
    """
    _check_bng(offences, "offences")
    labels = np.asarray(labels)
    if len(labels) != len(offences):
        raise ValueError(f"labels has {len(labels)} rows; offences has {len(offences)}")
    polygons = hotspot_polygons(offences, labels, buffer_m=buffer_m)
    if polygons.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in HOTSPOT_COLUMNS},
            geometry=gpd.GeoSeries([], crs=schema.CRS_BNG),
        )
    members = offences.assign(hotspot_id=labels)
    members = members[members["hotspot_id"] >= 0]
    xy = shapely.get_coordinates(members.geometry.to_numpy())
    members = members.assign(_x=xy[:, 0], _y=xy[:, 1])
    table = _describe(pd.DataFrame(members.drop(columns="geometry"))).reindex(polygons.index)
    table["rank"] = np.arange(1, len(table) + 1)
    table["area_m2"] = polygons.area.to_numpy()
    table["offences_per_km2"] = table["offences"] / (table["area_m2"] / 1e6)
    table["share_of_offences"] = table["offences"] / max(len(offences), 1)
    table["searches"] = _count_near(polygons, searches, near_m)
    table["raids"] = _count_near(polygons, raids, near_m)
    if previous_offences is not None:
        _check_bng(previous_offences, "previous_offences")
        prev = _count_near(polygons, previous_offences, 0.0)
        table["offences_prev"] = prev
        table["change"] = table["offences"] - prev
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(prev > 0, 100.0 * (table["offences"] - prev) / prev, np.nan)
        table["change_pct"] = pct
    else:
        table["offences_prev"] = pd.NA
        table["change"] = pd.NA
        table["change_pct"] = np.nan
    table = table.reset_index()
    return gpd.GeoDataFrame(
        table[list(HOTSPOT_COLUMNS)], geometry=polygons.to_numpy(), crs=schema.CRS_BNG
    )


def _groups(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)``: ``values`` numbered in sorted order of the distinct values."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes, np.asarray(uniques, dtype=object)


def _most_frequent(group: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group: the code seen most often (ties: the smallest code; -1 for an empty group).

    ``codes`` of -1 (missing values) are ignored.
    """
    keep = codes >= 0
    pairs, counts = np.unique(
        np.column_stack([group[keep], codes[keep]]), axis=0, return_counts=True
    )
    best = np.full(n_groups, -1, dtype="int64")
    if len(pairs) == 0:
        return best
    # order: by group, most frequent first, then smallest code; the first of each group wins
    order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
    pairs = pairs[order]
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    best[pairs[first, 0]] = pairs[first, 1]
    return best


def _describe(members: pd.DataFrame) -> pd.DataFrame:
    """Counts, busiest point, main ward and months of every hotspot (vectorised, by id).

    ``members`` holds the offences in hotspots with ``hotspot_id``, ``_x`` and ``_y``. Ties
    are broken by the smallest value (location text, ward code), so the table is deterministic.
    """
    ids, group = np.unique(members["hotspot_id"].to_numpy(), return_inverse=True)
    n = len(ids)
    offences = np.bincount(group, minlength=n)
    # distinct coordinates per hotspot, and the most offences on one of them
    points, per_point = np.unique(
        np.column_stack([group, members["_x"].to_numpy(), members["_y"].to_numpy()]),
        axis=0,
        return_counts=True,
    )
    point_group = points[:, 0].astype("int64")
    locations = np.bincount(point_group, minlength=n)
    busiest = np.zeros(n, dtype="int64")
    np.maximum.at(busiest, point_group, per_point)
    out = pd.DataFrame(
        {"offences": offences, "locations": locations}, index=pd.Index(ids, name="hotspot_id")
    )
    out["colocation_share"] = busiest / offences
    out["colocated"] = out["colocation_share"] >= COLOCATION_FLAG

    text = members[schema.LOCATION].fillna("").astype(str).to_numpy()
    loc_codes, loc_values = _groups(np.where(text == "", None, text))
    top = _most_frequent(group, loc_codes, n)
    names = np.array([location_text(str(v)) for v in loc_values], dtype=object)  # police.uk's 'S
    out["top_location"] = np.where(top >= 0, names[np.maximum(top, 0)] if len(names) else "", "")

    ward_codes, ward_values = _groups(members[schema.WARD_CODE].to_numpy())
    main = _most_frequent(group, ward_codes, n)
    out[schema.WARD_CODE] = ward_values[main]
    # names of the main ward: from the first member row in it
    rows = np.flatnonzero(ward_codes == main[group])
    first_row = np.full(n, len(members), dtype="int64")
    np.minimum.at(first_row, group[rows], rows)
    for column in (schema.WARD_NAME, schema.DISTRICT_CODE, schema.DISTRICT_NAME):
        out[column] = members[column].to_numpy()[first_row]
    wards = np.unique(np.column_stack([group, ward_codes]), axis=0)
    out["wards"] = [";".join(ward_values[wards[wards[:, 0] == g, 1]]) for g in range(n)]

    month_codes, month_values = _groups(members[schema.MONTH].to_numpy())
    out["months_active"] = np.bincount(
        np.unique(np.column_stack([group, month_codes]), axis=0)[:, 0], minlength=n
    )
    first = np.full(n, len(month_values), dtype="int64")
    last = np.full(n, -1, dtype="int64")
    np.minimum.at(first, group, month_codes)
    np.maximum.at(last, group, month_codes)
    out["first_month"] = month_values[first]
    out["last_month"] = month_values[last]
    return out


def _count_near(
    polygons: gpd.GeoSeries, events: gpd.GeoDataFrame | None, near_m: float
) -> np.ndarray:
    """Events inside each polygon or within ``near_m`` of it (an event may count for several)."""
    counts = np.zeros(len(polygons), dtype="int64")
    if events is None or events.empty:
        return counts
    _check_bng(events, "events")
    tree = shapely.STRtree(events.geometry.to_numpy())
    geoms = polygons.to_numpy()
    if near_m > 0:
        poly_i, _ = tree.query(geoms, predicate="dwithin", distance=near_m)
    else:
        poly_i, _ = tree.query(geoms, predicate="intersects")
    np.add.at(counts, poly_i, 1)
    return counts


@dataclass(frozen=True)
class RaidCoverage:
    """Where enforcement went, relative to the hotspots of a period.

    Attributes
    ----------
    hotspots_with_raids : list of int
        Hotspot ids with at least one raid inside or within ``near_m``.
    hotspots_without_enforcement : list of int
        Hotspot ids with no raid and no stop-and-search inside or within ``near_m``.
    raids_outside_hotspots : geopandas.GeoDataFrame
        Raids not inside or within ``near_m`` of any hotspot.
    near_m : float
        The distance used, metres.
    """

    hotspots_with_raids: list[int]
    hotspots_without_enforcement: list[int]
    raids_outside_hotspots: gpd.GeoDataFrame
    near_m: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary (raids outside hotspots by id)."""
        return {
            "near_m": self.near_m,
            "hotspots_with_raids": self.hotspots_with_raids,
            "hotspots_without_enforcement": self.hotspots_without_enforcement,
            "raids_outside_hotspots": self.raids_outside_hotspots[schema.EVENT_ID].tolist(),
        }


def raid_coverage(
    hotspots: gpd.GeoDataFrame, raids: gpd.GeoDataFrame, *, near_m: float = NEAR_M
) -> RaidCoverage:
    """Which hotspots had raids, which raids fell outside every hotspot, and which hotspots had
    no enforcement at all (uses the ``searches``/``raids`` counts of :func:`summarise_hotspots`,
    which must have been made with the same ``near_m``)."""
    _check_bng(hotspots, "hotspots")
    with_raids = hotspots.loc[hotspots["raids"] > 0, "hotspot_id"].astype(int).tolist()
    without = (
        hotspots.loc[(hotspots["raids"] == 0) & (hotspots["searches"] == 0), "hotspot_id"]
        .astype(int)
        .tolist()
    )
    if raids.empty or hotspots.empty:
        outside = raids
    else:
        _check_bng(raids, "raids")
        tree = shapely.STRtree(hotspots.geometry.to_numpy())
        raid_i, _ = tree.query(raids.geometry.to_numpy(), predicate="dwithin", distance=near_m)
        near = np.zeros(len(raids), dtype=bool)
        near[raid_i] = True
        outside = raids[~near]
    return RaidCoverage(with_raids, without, outside, near_m)


def _check_bng(frame: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    if frame.crs is None or not frame.crs.equals(schema.CRS_BNG):
        raise ValueError(f"{name} must be in {schema.CRS_BNG} (metres); got {frame.crs}")
