"""Outputs safe to leave the force: ward aggregates with small counts suppressed, snapped points.

- :func:`suppress_small_counts`: every ward count under a threshold is blanked, with the rates,
  ranks and changes derived from it, and so are the fewest further counts that stop a published
  total (the force's, a district's) giving a blank one back (:func:`complementary`); raid
  figures are dropped (the public-safe level of the web app and ``hotspots export wards
  --public-safe``);
- :func:`whole_quarter`, :func:`latest_quarter`, :func:`blank_counts`: those ward counts are
  published for one whole calendar quarter at a time. Any two periods that share an end (Sep–Nov
  and Sep–Oct) differ by a few months, so the two tables' counts, each with its small ones
  blank, give back by difference the count of those months (November's, often a blank one);
  and every count of a month follows from the periods ending in it and before it. Whole
  calendar quarters never overlap: no two published tables differ by part of either. A table
  of any other period has those counts blank (:func:`blank_counts`); :func:`quarter_note` says
  so in the same words at every door (pages, JSON, API and OGC metadata, the briefing, the
  command line), and :func:`held_quarters` lists the quarters a period picker may offer;
- :func:`snap_to_grid`: points moved to the centre of their grid cell (for roles or products
  that may not hold exact locations);
- :func:`snapped_hotspots`: hotspot polygons remade as the union of the grid cells of their
  offences, so no shape, centroid, label or coordinate of a hotspot places an offence more
  precisely than its cell (a buffered hull of exact points gives them back by erosion).

Dates are month-level in every ward table already.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.periods import Period, add_months, parse_month

__all__ = [
    "PUBLIC_SAFE_LAYERS",
    "QUARTERS_TEXT",
    "SNAP_M",
    "SUPPRESS_BELOW",
    "blank_counts",
    "complementary",
    "held_quarters",
    "latest_quarter",
    "public_quarter",
    "quarter_note",
    "snap_to_grid",
    "snapped_hotspots",
    "suppress_small_counts",
    "whole_quarter",
]

#: Default threshold: counts under it are suppressed.
SUPPRESS_BELOW = 5
#: Default grid cell for snapped points, metres.
SNAP_M = 250.0


def suppress_small_counts(
    wards: gpd.GeoDataFrame,
    below: int = SUPPRESS_BELOW,
    *,
    drop_raids: bool = True,
    layers: Sequence[str] = schema.LAYERS,
) -> gpd.GeoDataFrame:
    """The ward table with counts under ``below`` (and what derives from them) blank (NaN).

    Further counts are blanked where a total published beside the table would give a blank
    count back (:func:`complementary`: the whole table's and each district's). The previous
    period's counts are blank where its own table blanks them (so two tables of one period
    never show between them what either hides) and where the current count is blank; a change
    is blank when either period's count is blank. With ``drop_raids`` the
    ``raid_*`` columns are left out (raid figures never leave the force). Only the counts of
    ``layers`` are suppressed (the commissioner's office: searches and raids).
    """
    if below < 1:
        raise ValueError(f"below must be a whole number >= 1; got {below}")
    out = wards.copy()
    if drop_raids:
        out = out.drop(columns=[c for c in out.columns if c.startswith("raid_")])
    groups = _margins(out)
    for layer in layers:
        count = f"{layer}_count"
        if count not in out:
            continue
        now = out[count].astype("float64")
        small_now = complementary(now, now < below, groups, below)
        for column in (count, f"{layer}_per_km2", f"{layer}_per_1000", f"{layer}_rank"):
            if column in out:
                out[column] = out[column].astype("float64").mask(small_now)
        prev = f"{layer}_prev"
        if prev in out:
            before = out[prev].astype("float64")
            # the previous period's own blanks (what its own table hides), then the wards
            # blank now: blanks made again from both could show one its own table hides
            small = complementary(before, before < below, groups, below) | small_now
            for column in (prev, f"{layer}_change", f"{layer}_change_pct"):
                if column in out:
                    out[column] = out[column].astype("float64").mask(small)
    return out


#: The columns of a layer's ward count and of what derives from it (``<layer>`` + these).
_COUNT_COLUMNS = (
    "_count",
    "_per_km2",
    "_per_1000",
    "_rank",
    "_prev",
    "_change",
    "_change_pct",
)
#: First months of the calendar quarters.
_QUARTER_STARTS = (1, 4, 7, 10)


def whole_quarter(period: Period) -> bool:
    """Whether ``period`` is one whole calendar quarter (Jan–Mar, Apr–Jun, Jul–Sep or Oct–Dec):
    the only periods whose ward counts with small ones blank are published (module docstring)."""
    return period.n_months == 3 and parse_month(period.start)[1] in _QUARTER_STARTS


def latest_quarter(held: Sequence[str], end: str) -> Period | None:
    """The latest whole calendar quarter ending no later than ``end`` whose months are all in
    ``held``; None when there is none."""
    held_set = set(held)
    for month in sorted((m for m in held_set if m <= end), reverse=True):
        if parse_month(month)[1] % 3 == 0:
            quarter = Period.months(Period.rolling(3, month).start, month)
            if set(quarter.months) <= held_set:
                return quarter
    return None


def public_quarter(held: Sequence[str], end: str) -> Period | None:
    """The whole calendar quarter the public is shown for a period ending at ``end``: the
    latest held one ending by ``end`` (:func:`latest_quarter`), else, when ``end`` is before
    every whole quarter held (a store that starts mid-quarter, asked for its first months),
    the earliest held one; None when the store holds no whole quarter."""
    quarter = latest_quarter(held, end)
    if quarter is not None:
        return quarter
    later = [q for q, months in held_quarters(held) if len(months) == 3]
    return later[-1] if later else None


#: The layers a public-safe ward table shows (raid figures never leave the force), each with
#: small counts blank: the layers :func:`quarter_note` names for it.
PUBLIC_SAFE_LAYERS = tuple(layer for layer in schema.LAYERS if layer != "raid")
#: The calendar quarters, in words.
QUARTERS_TEXT = "Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec"
#: A layer's name in :func:`quarter_note`.
_LAYER_WORDS = {"offence": "offence", "search": "search", "raid": "raid"}


def quarter_note(
    layers: Sequence[str],
    period: Period | None,
    *,
    asked: Period | None = None,
    near_hotspots: bool = False,
    totals: bool = False,
    blank: bool = True,
) -> str:
    """The one wording of the whole-quarter rule (:func:`whole_quarter`), for every door.

    ``layers`` are those whose ward counts follow the rule for the reader (offences among them:
    "Ward counts"; else "Search and raid counts by ward"), ``near_hotspots`` adds the counts
    near each hotspot. With ``period`` None, the rule alone; with a whole quarter ``period``
    shown instead of the period ``asked``, "showing Jul–Sep 2025 (you asked for Sep–Nov 2025)";
    with a ``period`` that is not a quarter, "Sep–Nov 2025 is not one", then ", so they are
    blank" (``blank``) and "; force and district totals are given" (``totals``)."""
    if "offence" in layers:
        what = "Ward counts"
    else:
        names = [_LAYER_WORDS.get(layer, layer) for layer in layers]
        joined = (
            " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
        )
        what = f"{joined[:1].upper()}{joined[1:]} counts by ward"
    if near_hotspots:
        what += " and near hotspots"
    rule = f"{what} are given for whole calendar quarters only ({QUARTERS_TEXT})"
    if period is None:
        return rule + "."
    if whole_quarter(period):
        if asked is not None and (asked.start, asked.end) != (period.start, period.end):
            return f"{rule}: showing {period.label} (you asked for {asked.label})."
        return f"{rule}: showing {period.label}."
    tail = ", so they are blank" if blank else ""
    tail += "; force and district totals are given" if totals else ""
    return f"{rule}: {period.label} is not one{tail}."


def held_quarters(held: Sequence[str]) -> list[tuple[Period, tuple[str, ...]]]:
    """Every calendar quarter with a month in ``held``, the latest first, with its months
    held (all three: a quarter whose ward counts can be given; fewer: "no data" by the
    figure rule)."""
    held_set = set(held)
    starts = sorted({f"{m[:5]}{(parse_month(m)[1] - 1) // 3 * 3 + 1:02d}" for m in held_set})
    out = []
    for start in reversed(starts):
        quarter = Period.months(start, add_months(start, 2))
        out.append((quarter, tuple(m for m in quarter.months if m in held_set)))
    return out


def blank_counts(wards: gpd.GeoDataFrame, layers: Sequence[str]) -> gpd.GeoDataFrame:
    """The ward table with every count of ``layers`` blank (NaN), with the rates, ranks and
    changes made from them: a period that is not a :func:`whole_quarter`."""
    out = wards.copy()
    for layer in layers:
        for column in (layer + suffix for suffix in _COUNT_COLUMNS):
            if column in out:
                out[column] = np.nan
    return out


def _margins(wards: pd.DataFrame) -> list[np.ndarray]:
    """Row positions of every total published beside the ward counts: each district's wards
    (the district totals), then the whole table (the force's or area's total). Finest first,
    so the blanks a district needs also serve the whole table's total and are not doubled."""
    groups: list[np.ndarray] = []
    if schema.DISTRICT_CODE in wards:
        codes = wards[schema.DISTRICT_CODE].to_numpy()
        groups += [np.flatnonzero(codes == code) for code in pd.unique(codes)]
    return [*groups, np.arange(len(wards))]


def complementary(
    counts: pd.Series, blank: pd.Series, groups: Sequence[np.ndarray], below: int
) -> pd.Series:
    """``blank`` widened so that no blank count can be worked out from a published total.

    A total minus the counts shown is the sum of the blank ones: one blank count in a group
    would be given back exactly, and blanks summing to under ``below`` bound each of them
    under it. So in every group (rows of a total: :func:`_margins`) that has any blank count,
    the smallest counts shown are blanked too (the first in table order among equals) until
    at least two are blank and they sum to at least ``below`` (secondary, or complementary,
    suppression, as statistical offices do it; Hundepool et al., *Statistical Disclosure
    Control*, 2012, ch. 5). Groups are checked again until none changes. Missing counts (no
    data) are neither blanked nor summed.
    """
    values = counts.to_numpy(dtype="float64")
    mask = blank.to_numpy(dtype=bool) & ~np.isnan(values)
    changed = True
    while changed:
        changed = False
        for rows in groups:
            hidden = rows[mask[rows]]
            if not len(hidden):
                continue
            shown = rows[~mask[rows] & ~np.isnan(values[rows])]
            shown = shown[np.argsort(values[shown], kind="stable")]
            total, n, k = values[hidden].sum(), len(hidden), 0
            while (n < 2 or total < below) and k < len(shown):
                mask[shown[k]] = True
                total, n, k, changed = total + values[shown[k]], n + 1, k + 1, True
    return pd.Series(mask | blank.to_numpy(dtype=bool), index=counts.index)


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


def snapped_hotspots(
    hotspots: gpd.GeoDataFrame, offences: gpd.GeoDataFrame, snap_m: float = SNAP_M
) -> gpd.GeoDataFrame:
    """``hotspots`` (EPSG:27700) with each polygon remade from its offences' grid cells (a copy).

    A hotspot's polygon becomes the union of the ``snap_m`` grid cells that hold its offences
    (``offences``: points with ``hotspot_id``, e.g. :attr:`Analysis.events`), and ``area_m2`` and
    ``offences_per_km2`` are recomputed from it. The shape, its centroid, label point and every
    coordinate then depend only on which cells the offences fall in, never on where in a cell:
    no output made from it places an offence more precisely than ``snap_m``.
    """
    if not snap_m > 0:
        raise ValueError(f"snap_m must be > 0 metres; got {snap_m}")
    out = hotspots.copy()
    if out.empty:
        return out
    members = (
        offences[offences[schema.LAYER] == "offence"] if schema.LAYER in offences else offences
    )
    members = members[members["hotspot_id"].isin(out["hotspot_id"])]
    corners = np.floor(shapely.get_coordinates(members.geometry.to_numpy()) / snap_m) * snap_m
    cells = pd.DataFrame(
        {"hotspot_id": members["hotspot_id"].to_numpy(), "x": corners[:, 0], "y": corners[:, 1]}
    ).drop_duplicates()
    shapes = {
        int(hotspot): shapely.union_all(
            shapely.box(group["x"], group["y"], group["x"] + snap_m, group["y"] + snap_m)
        )
        for hotspot, group in cells.groupby("hotspot_id", sort=False)
    }
    missing = sorted(set(out["hotspot_id"].astype(int)) - set(shapes))
    if missing:
        raise ValueError(f"hotspots {missing[:5]} have no offences in `offences`")
    geometry = [shapes[int(h)] for h in out["hotspot_id"]]
    out = out.set_geometry(gpd.GeoSeries(geometry, index=out.index, crs=out.crs), crs=out.crs)
    if "area_m2" in out:
        out["area_m2"] = out.geometry.area.to_numpy()
    if "offences_per_km2" in out and "offences" in out:
        out["offences_per_km2"] = out["offences"] / (out["area_m2"] / 1e6)
    return out
