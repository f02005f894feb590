"""Micro-places of a forecast patrol plan: where next month's drug offences are expected.

:func:`forecast_places` (issue 15) turns next month's forecast
(:func:`~hotspots.evaluate.next_month.next_month`) and the area's DBSCAN hotspots into the places
of a plan, ranked by expected drug offences next month. The rule, stated in advance:

- **The unit is one forecast cell** (the forecast's grid, 250 m by default): a micro-place of
  about 150 m radius (a 250 m square has the area of a circle of 141 m radius; its corners are
  177 m from its centre). Neighbouring busy cells stay separate places rather than growing
  into a street-long area, so each place can be walked in a 10-15 minute visit.
- **DBSCAN hotspots merge into the cells they overlap**: a place overlapping a hotspot of the
  basis period carries its force rank(s) (``hotspot_ranks``) and the significance and trend of
  the best-ranked of them (when assessed), and a large hotspot is split into
  its cells, each ranked by its own expected offences. A cell with no hotspot can still be a
  place (the forecast's persistent or rising cells): both sources compete on one measure.
- **Only cells with a drug offence before**: a cell where no offence was ever recorded has no
  place to name; the forecast may give it a share from its neighbours, but it is not listed.
- **Which cells are in the area**: a cell belongs to the ward where most of its drug offences
  up to ``end_month`` were (as a hotspot belongs to its main ward); a cell without offences to
  the ward nearest its centre.
- **Ranking**: by the expected share of the blend the forecast chose for areas this small
  (:meth:`NextMonth.coverage_for`: 10 places in a force are ranked by the blend chosen at 0.05%
  of the force area); expected offences = that share x the expected force total; a place's
  share is of the area's expected total (an officer sees their area's figures only). The plan's
  back-tested capture (:meth:`NextMonth.area_capture`) scores exactly this rule.
- **Position**: readers with exact points get the cell's busiest offence location (the police.uk
  snap point with most drug offences up to ``end_month``) as the place's centre; readers without
  exact points get the cell centre only, with the forecast on the ``snap_m`` grid (the caller
  makes the forecast with ``cell_m = snap_m``): nothing finer than the snap grid.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema
from hotspots.evaluate.grid import Grid
from hotspots.evaluate.next_month import NextMonth, plan_cells
from hotspots.placenames import location_text
from hotspots.summary import COLOCATION_FLAG

#: Columns of an assessed hotspot (:func:`hotspots.assessment.assess`) a place takes from the
#: best-ranked hotspot it overlaps.
ASSESSED_COLUMNS = ("p_value", "q_value", "significant", "dynamics_class")
#: Fewest offences of a cell before its busiest map point is flagged (one month's automatic
#: ``min_samples``, the smallest hotspot).
COLOCATION_MIN_OFFENCES = 5

__all__ = ["PLACE_COLUMNS", "forecast_places"]

#: Columns of :func:`forecast_places` (besides ``geometry``, the cell square, EPSG:27700).
PLACE_COLUMNS = (
    "cell",
    "rank",
    "top_location",
    "ward_code",
    "ward_name",
    "district_code",
    "district_name",
    "offences",
    "offences_prev",
    "forecast_offences",
    "forecast_share",
    "hotspot_ranks",
    "centre_x",
    "centre_y",
    "colocated",
    "colocation_share",
)


def forecast_places(
    ahead: NextMonth,
    offences: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    ward_codes: Collection[str],
    hotspots: gpd.GeoDataFrame,
    *,
    top_n: int,
    basis_months: Sequence[str],
    compare_months: Sequence[str] | None,
    exact_points: bool,
    area_offences_only: bool = False,
) -> tuple[gpd.GeoDataFrame, dict[str, object], float]:
    """The ``top_n`` micro-places of the area and the back-tested capture of the rule.

    Parameters
    ----------
    ahead
        Next month's forecast, made from months up to the plan's end month only.
    offences
        Drug offences up to the end month (EPSG:27700 points with ``month``, ``location`` and the
        ward columns); later months are ignored.
    wards, ward_codes
        The ward table and the codes of the area's wards.
    hotspots
        The area's DBSCAN hotspots of the basis period (``rank``, polygons).
    top_n
        Most places.
    basis_months, compare_months
        Months whose offences each place counts (``offences``), and the comparison months
        (``offences_prev``; None when the comparison is not available).
    exact_points
        True: the centre is the cell's busiest offence location; False: the cell centre.
    area_offences_only
        Count, name and place each cell by the offences recorded in the area's wards only
        (readers scoped to the area: a cell on the boundary holds offences next door too).

    Returns
    -------
    (places, capture, area_total)
        ``places``: one row per place (:data:`PLACE_COLUMNS`), best first, its
        ``forecast_share`` the share of the area's expected total; ``capture``:
        :meth:`NextMonth.area_capture` of the same rule and area; ``area_total``: the drug
        offences expected next month in the area's cells (never the force's: an officer's
        plan shows only their area's figures).
    """
    grid = ahead.grid
    end = max(ahead.counts) if ahead.counts else ""
    offences = offences[offences[schema.MONTH].astype(str) <= end]
    cell_of = grid.position(shapely.get_coordinates(offences.geometry.to_numpy()))
    inside = cell_of >= 0
    offences, cell_of = offences[inside], cell_of[inside]
    nearest = _nearest_wards(grid, wards)
    codes = np.asarray(list(ward_codes), dtype=object)
    month_of = offences[schema.MONTH].astype(str).to_numpy()
    ward_of = _cell_wards(nearest, offences, cell_of)
    area = np.isin(ward_of, codes)
    n_area = int((area & ahead.seen(ahead.month)).sum())
    # The back-test of the same rule: each earlier month's plan found the area's cells from the
    # offences before it, and is scored on the area's own offences that month.
    in_area = (
        np.ones(len(offences), dtype=bool)
        if set(ward_codes) >= set(wards[schema.WARD_CODE])
        else offences[schema.WARD_CODE].isin(set(ward_codes)).to_numpy()
    )
    area_by_month, offences_by_month = {}, {}
    for month in ahead.backtest_shares:
        earlier = month_of < month
        area_by_month[month] = np.isin(
            _cell_wards(nearest, offences[earlier], cell_of[earlier]), codes
        )
        offences_by_month[month] = np.bincount(
            cell_of[in_area & (month_of == month)], minlength=grid.n_cells
        ).astype(float)
    capture = ahead.area_capture(
        area, top_n, area_by_month=area_by_month, offences_by_month=offences_by_month
    )
    if not ahead.shares or n_area == 0:
        return _empty(), capture, 0.0
    cov = capture.get("coverage") or ahead.coverage_for(min(top_n, n_area) / grid.n_cells)
    share = ahead.shares[cov]
    total = float(ahead.info.get("expected_total") or 0.0)
    area_share = float(share[area].sum())
    force_rank = np.empty(grid.n_cells, dtype=int)
    force_rank[np.argsort(-share, kind="stable")] = np.arange(1, grid.n_cells + 1)
    cells = plan_cells(share, area & ahead.seen(ahead.month), top_n)  # had an offence before
    squares = _squares(grid, cells)
    tree = shapely.STRtree(hotspots.geometry.to_numpy()) if len(hotspots) else None
    ranks_of: list[tuple[int, ...]] = [()] * len(cells)
    if tree is not None:
        place_i, hot_i = tree.query(squares, predicate="intersects")
        hot_rank = hotspots["rank"].to_numpy()
        ranks_of = [
            tuple(sorted(int(r) for r in hot_rank[hot_i[place_i == i]])) for i in range(len(cells))
        ]
    assessed = [c for c in ASSESSED_COLUMNS if c in hotspots]
    by_rank = hotspots.set_index("rank")[assessed] if assessed else None
    rows = []
    xy = shapely.get_coordinates(offences.geometry.to_numpy())
    text = offences[schema.LOCATION].fillna("").astype(str).to_numpy()
    ward_table = wards.set_index(schema.WARD_CODE)
    all_centres = grid.centres()
    counted = (
        offences[schema.WARD_CODE].isin(set(ward_codes)).to_numpy()
        if area_offences_only
        else np.ones(len(offences), dtype=bool)
    )
    for i, cell in enumerate(cells):
        mine = (cell_of == cell) & counted
        basis = mine & np.isin(month_of, list(basis_months))
        prev = (
            int((mine & np.isin(month_of, list(compare_months))).sum())
            if compare_months is not None
            else None
        )
        centre = all_centres[cell]
        busiest_share, colocated = 0.0, False
        if mine.any():
            points, per_point = np.unique(xy[mine], axis=0, return_counts=True)
            if exact_points:
                centre = points[int(np.argmax(per_point))]
            busiest_share = float(per_point.max() / per_point.sum())
            colocated = bool(
                mine.sum() >= COLOCATION_MIN_OFFENCES and busiest_share >= COLOCATION_FLAG
            )
        names = text[basis] if basis.any() else text[mine]
        names = names[names != ""]
        top_location = (
            location_text(pd.Series(names).mode().sort_values().iloc[0]) if len(names) else ""
        )
        ward = str(ward_of[cell])
        rows.append(
            {
                "cell": int(cell),
                "rank": int(force_rank[cell]),
                "top_location": top_location,
                "ward_code": ward,
                "ward_name": str(ward_table.at[ward, schema.WARD_NAME]),
                "district_code": str(ward_table.at[ward, schema.DISTRICT_CODE]),
                "district_name": str(ward_table.at[ward, schema.DISTRICT_NAME]),
                "offences": int(basis.sum()),
                "offences_prev": prev,
                "forecast_offences": float(share[cell] * total),
                "forecast_share": float(share[cell] / area_share),
                "hotspot_ranks": ranks_of[i],
                "centre_x": float(centre[0]),
                "centre_y": float(centre[1]),
                "colocated": colocated,
                "colocation_share": busiest_share,
                # the significance and trend of the best-ranked hotspot the place is part of
                **(
                    by_rank.loc[ranks_of[i][0]].to_dict()
                    if by_rank is not None and ranks_of[i]
                    else {}
                ),
            }
        )
    places = gpd.GeoDataFrame(rows, geometry=list(squares), crs=schema.CRS_BNG)
    return places, capture, area_share * total


#: :func:`_nearest_wards`' answers by :func:`_nearest_key` (grid and ward boundaries), the
#: latest few: every plan of one store's boundaries asks the same question, and the join of
#: every cell centre cost 0.44 of a cold plan's 1.5-2 CPU s on the demo (a dict, not
#: ``functools.lru_cache``: a grid and a ward table are not hashable, their content is).
_NEAREST: dict[str, np.ndarray] = {}
_NEAREST_MAX = 4
_NEAREST_LOCK = threading.Lock()


def _nearest_key(grid: Grid, wards: gpd.GeoDataFrame) -> str:
    """A digest of what :func:`_nearest_wards` depends on: the grid and each ward's code and
    boundary (so a store with other boundaries never gets another's answer)."""
    digest = hashlib.sha256()
    for number in (grid.origin_x_m, grid.origin_y_m, grid.cell_m, grid.nx, grid.ny):
        digest.update(repr(number).encode())
    digest.update(np.ascontiguousarray(grid.cells).tobytes())
    digest.update("\x1f".join(wards[schema.WARD_CODE].astype(str)).encode())
    for wkb in shapely.to_wkb(wards.geometry.to_numpy()):
        digest.update(wkb)
    return digest.hexdigest()


def _nearest_wards(grid: Grid, wards: gpd.GeoDataFrame) -> np.ndarray:
    """Each study cell's nearest ward to its centre (its ward when it has had no offence);
    read-only, kept for the next plan of the same grid and boundaries."""
    key = _nearest_key(grid, wards)
    with _NEAREST_LOCK:
        known = _NEAREST.get(key)
    if known is not None:
        return known
    centres = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*grid.centres().T), crs=schema.CRS_BNG)
    nearest = gpd.sjoin_nearest(centres, wards[[schema.WARD_CODE, "geometry"]], how="left")
    nearest = nearest[~nearest.index.duplicated(keep="first")]
    out: np.ndarray = nearest[schema.WARD_CODE].to_numpy(dtype=object)
    out.flags.writeable = False
    with _NEAREST_LOCK:
        while len(_NEAREST) >= _NEAREST_MAX:
            _NEAREST.pop(next(iter(_NEAREST)))
        _NEAREST[key] = out
    return out


def _cell_wards(nearest: np.ndarray, offences: gpd.GeoDataFrame, cell_of: np.ndarray) -> np.ndarray:
    """Each study cell's ward: where most of its offences were, else ``nearest``."""
    out = nearest.copy()
    if len(offences):
        table = pd.DataFrame({"cell": cell_of, "ward": offences[schema.WARD_CODE].to_numpy()})
        table = table.dropna()
        counts = table.groupby(["cell", "ward"]).size().reset_index(name="n")
        counts = counts.sort_values(["cell", "n", "ward"], ascending=[True, False, True])
        main = counts.drop_duplicates("cell")
        out[main["cell"].to_numpy()] = main["ward"].to_numpy()
    return out


def _squares(grid: Grid, cells: np.ndarray) -> np.ndarray:
    centres = grid.centres()[cells]
    half = grid.cell_m / 2
    return shapely.box(
        centres[:, 0] - half, centres[:, 1] - half, centres[:, 0] + half, centres[:, 1] + half
    )


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in PLACE_COLUMNS}, geometry=[], crs=schema.CRS_BNG)
