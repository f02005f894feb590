"""Candidate families for the forecast from information beyond the cells' drug counts.

:class:`~hotspots.evaluate.forecast.Forecaster` ranks 250 m cells from their monthly drug
offence counts. A store ingested with ``--all-crime-types`` holds more: every crime type, the
police.uk snap point of each offence (its exact map point) and the ward; with stop-and-search
files, the searches for drugs. This module turns them into more candidates (rankers of the
cells, each an estimate of next month's drug offences), fed to the forecast's nested choice like
its own: a force whose earlier months do not reward them simply does not choose them. Every
family and weight is a coarse grid stated here in advance; nothing is fitted to the months in
``docs/forecast.md``.

Families (their ids in brackets, as ``--forecast-features`` takes them; ``H`` = the forecast's
half-lives, weights ``0.5 ** ((j - 1) / H)`` for the month ``j`` back; ``rate h=H`` = the
cell's recency-weighted mean of monthly drug offences):

- [weapons] ``drugs+L weapons h=H``: ``rate h=H`` plus ``L`` times the same mean of the cell's
  *possession of weapons* offences, ``L`` in :data:`WEAPONS_WEIGHTS`. Both are recorded mostly
  where police stop and search, so weapons finds mark where drug finds recur.
- [all-crime] ``drugs+L all crime h=H``: ``rate h=H`` plus ``L`` times the cell's mean count of
  every other crime type (``L`` in :data:`ALL_CRIME_WEIGHTS`, small: busy streets break ties
  between cells of equal drug counts).
- [snap-points] ``busiest point h=H``: the recency-weighted mean count at the cell's busiest
  **snap point** (police.uk moves each offence to one of a fixed set of points), the cell's
  rate breaking ties. A cell whose offences return to one point (a station forecourt, a car
  park) is steadier than one whose offences are spread over many points once each. And
  ``point months then cell h=H``: the most months (of the last :data:`POINT_MONTHS`) in which
  any one snap point of the cell had a drug offence first, the cell's rate breaking ties:
  persistence at the snap point rather than the cell.
- [searches] ``drugs+L searches h=H``: ``rate h=H`` plus ``L`` times the recency-weighted mean
  of the cell's **stop-and-searches for controlled drugs** (``L`` in :data:`SEARCH_WEIGHTS`)
  over the months of the history that hold stop-and-search data (a month with none stored is
  no data, not zero: it is left out of the mean and the weights; no such month, no candidate).
  Most drug offences are found by searches, so where police search marks where finds will be.
- [trend] ``trend h=S vs h=H``: long-run level plus recent change, extrapolated one step: the
  recent rate (the shortest half-life ``S``) plus its excess over the rate of a longer memory
  ``H``, ``max(0, 2 r_S - r_H)``: a place on the rise ranks above its recent rate. (Not new
  information, but not a mean of the months either: recency means only interpolate.)
- [wards] ``ward h=H x share``: the cell's long-run share of its ward's drug offences times the
  ward's ``rate h=H`` (the ward's recent level, the cell's place in it; the ward of a cell is
  the ward holding its centre; a cell in no ward is its own).
- [point-forecasts] each snap point forecast and summed into its cell (persistence per point,
  point-months, shrinkage per point): :mod:`hotspots.evaluate.forecast.point_level` (round 6).
- [self-exciting] a self-exciting point process fitted by EM on the history, one candidate per
  trigger kernel: :mod:`hotspots.evaluate.forecast.self_exciting` (round 6).
- [nb-regression] a pooled negative-binomial regression of the cells' counts on their lagged
  means: :mod:`hotspots.evaluate.forecast.count_regression` (round 6).
  These three are the drug counts' own families: offered at every target coverage.

**Where they are offered.** At every target coverage of the forecast but the smallest (with
one target coverage, at it): at the smallest area (0.05%: a handful of cells) the top cells are
the drug counts' own business, and offered there the families lowered the forecast on the real
stores' earlier months (the level-1 choice among ~100 candidates on 1-4 inner months picks
noise); at 1% ``all-crime`` and ``searches`` raised it. **Default: none** (:data:`FAMILIES`):
with ``all-crime`` and ``searches`` the forecast cost 3.4-3.6x the back-test per test month,
past issue 15's bound of 2x, for a gain at 1% only; a force turns them on with
``--forecast-features``. How this was decided, with every variant's figures:
``docs/forecast.md``.

A family whose layer the store does not hold is left out (:func:`store_layers`): the other crime
types of a store ingested without ``--all-crime-types`` are unknown, not zero.

Why hand-written: each family is a few ``numpy`` sums over the months before the forecast
month (``numpy.maximum.at`` for the busiest point); they reuse the forecast's recency weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import ndimage

from hotspots import schema
from hotspots.errors import StoreError
from hotspots.evaluate.forecast.count_regression import nb_regression_candidate
from hotspots.evaluate.forecast.point_level import point_level_candidates
from hotspots.evaluate.forecast.self_exciting import self_exciting_candidates
from hotspots.evaluate.grid import Grid
from hotspots.store import Store

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Crime type whose finds mark places of proactive policing, like drug finds.
WEAPONS_CRIME_TYPE = "Possession of weapons"
#: Weights of a weapons offence relative to a drug offence (a coarse grid stated in advance).
WEAPONS_WEIGHTS: tuple[float, ...] = (0.25, 1.0)
#: Weights of an offence of any other crime type relative to a drug offence.
ALL_CRIME_WEIGHTS: tuple[float, ...] = (0.01, 0.05)
#: Object of search whose stop-and-searches join the ``searches`` family.
SEARCH_OBJECT = "Controlled drugs"
#: Weights of a stop-and-search for drugs relative to a drug offence.
SEARCH_WEIGHTS: tuple[float, ...] = (0.25, 1.0)
#: Months over which a snap point's months with an offence are counted.
POINT_MONTHS = 12
#: How this module's candidate names begin.
_PREFIXES = ("drugs+", "busiest point", "point months", "ward ", "trend ")
#: Every family, in the order their candidates are listed.
ALL_FAMILIES: tuple[str, ...] = (
    "weapons",
    "all-crime",
    "snap-points",
    "wards",
    "searches",
    "trend",
    "point-forecasts",
    "self-exciting",
    "nb-regression",
)
#: The families used by default: none (their cost passes the forecast's bound of 2x the
#: back-test). :data:`FAVOURED` raised the forecast on the months before the common test months
#: of both real stores (``docs/forecast.md``); every family is an option.
FAMILIES: tuple[str, ...] = ()
FAVOURED: tuple[str, ...] = ("all-crime", "searches")


@dataclass(frozen=True)
class FeatureLayers:
    """Per-month layers of a store beyond its drug counts, on one grid.

    Attributes
    ----------
    weapons, other
        ``YYYY-MM`` -> possession-of-weapons offences / offences of every type but drugs, per
        study cell.
    point_cell
        Study-cell position of each distinct drug snap point.
    point_counts
        ``YYYY-MM`` -> drug offences per snap point (same order as ``point_cell``).
    cell_ward
        Ward index of each study cell (-1: its centre is in no ward).
    searches
        ``YYYY-MM`` -> stop-and-searches for controlled drugs per study cell, for the months
        that hold stop-and-search data only.
    """

    weapons: dict[str, FloatArray]
    other: dict[str, FloatArray]
    point_cell: IntArray
    point_counts: dict[str, FloatArray]
    cell_ward: IntArray
    searches: dict[str, FloatArray]
    families: tuple[str, ...] = FAMILIES
    smallest_too: bool = False
    #: The grid (for the ``self-exciting`` family's smoothing); none: that family is not built.
    grid: Grid | None = None

    def offered(self, name: str, coverage: float, coverages: Sequence[float]) -> bool:
        """Whether the candidate ``name`` may be chosen at ``coverage`` among the target
        ``coverages``: the forecast's own always; this module's at every target coverage but
        the smallest (with one target coverage, at it), or at all when :attr:`smallest_too`."""
        if not name.startswith(_PREFIXES) or self.smallest_too or len(coverages) == 1:
            return True
        return coverage > min(coverages)

    @classmethod
    def build(
        cls,
        grid: Grid,
        xy: FloatArray,
        months: npt.ArrayLike,
        categories: npt.ArrayLike,
        wards: gpd.GeoDataFrame | None = None,
        searches: tuple[FloatArray, npt.ArrayLike] | None = None,
        families: tuple[str, ...] = FAMILIES,
    ) -> FeatureLayers:
        """Layers of offences of every type (``xy`` metres, ``months`` ``YYYY-MM``,
        ``categories`` crime types) over ``grid``; ``wards`` polygons (EPSG:27700) or none;
        ``searches``: ``(xy, months)`` of the stop-and-searches for controlled drugs, or none
        (their months with no row are no data)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        months = np.asarray(months).astype(str)
        cats = np.asarray(categories).astype(str)
        pos = grid.position(xy)
        inside = pos >= 0
        held = sorted(set(months[inside].tolist()))
        drugs = cats == schema.DRUGS_CRIME_TYPE

        month_index = np.asarray(pd.Categorical(months, categories=held).codes, dtype=np.intp)

        def per_cell(mask: npt.NDArray[np.bool_]) -> dict[str, FloatArray]:
            """Offences per month and study cell (one ``bincount`` over month x cell)."""
            keep = mask & inside
            flat = month_index[keep] * grid.n_cells + pos[keep]
            both = np.bincount(flat, minlength=len(held) * grid.n_cells).astype(float)
            return {m: both[i * grid.n_cells : (i + 1) * grid.n_cells] for i, m in enumerate(held)}

        # Only the layers the families use are built (each costs a pass over the offences).
        weapons = per_cell(cats == WEAPONS_CRIME_TYPE) if "weapons" in families else {}
        other = per_cell(~drugs) if "all-crime" in families else {}
        point_cell = np.empty(0, dtype=np.intp)
        point_counts: dict[str, FloatArray] = {}
        if "snap-points" in families or "point-forecasts" in families:
            keep = drugs & inside
            points, point_of = np.unique(xy[keep], axis=0, return_inverse=True)
            point_of = np.asarray(point_of).ravel()
            point_cell = grid.position(points)
            point_counts = {
                m: np.bincount(point_of[months[keep] == m], minlength=len(points)).astype(float)
                for m in held
            }
        cell_ward = (
            cell_wards(grid, wards)
            if "wards" in families
            else np.full(grid.n_cells, -1, dtype=np.intp)
        )
        search_counts: dict[str, FloatArray] = {}
        if searches is not None:
            s_xy = np.asarray(searches[0], dtype=float).reshape(-1, 2)
            s_months = np.asarray(searches[1]).astype(str)
            s_pos = grid.position(s_xy)
            for m in sorted(set(s_months.tolist())):
                at = s_pos[(s_months == m) & (s_pos >= 0)]
                search_counts[m] = np.bincount(at, minlength=grid.n_cells).astype(float)
        return cls(
            weapons,
            other,
            point_cell,
            point_counts,
            cell_ward,
            search_counts,
            families,
            grid=grid,
        )

    def candidates(
        self,
        history: Sequence[str],
        series: FloatArray,
        half_lives_months: Sequence[float],
        name_of_half_life: dict[float, str],
    ) -> dict[str, FloatArray]:
        """Every candidate of :attr:`families` for the month after ``history`` (its months,
        oldest first; ``series`` their drug counts per cell), from those months only."""
        from hotspots.evaluate.forecast import recency_mean  # one rule for the weights

        out: dict[str, FloatArray] = {}
        hist = [m for m in history]
        if not hist:
            return out
        n_cells = series.shape[1]
        rates = {h: recency_mean(series, h) for h in half_lives_months}
        zeros = np.zeros(n_cells)
        # The drug rate plus a weight times another layer's rate, at the same half-life.
        added = (
            ("weapons", "weapons", self.weapons, WEAPONS_WEIGHTS),
            ("all-crime", "all crime", self.other, ALL_CRIME_WEIGHTS),
        )
        for family, label, layer, weights in added:
            if family not in self.families:
                continue
            counts = np.asarray([layer.get(m, zeros) for m in hist])
            for h in half_lives_months:
                layer_rate = recency_mean(counts, h)
                for weight in weights:
                    out[f"drugs+{weight:g} {label} h={name_of_half_life[h]}"] = (
                        rates[h] + weight * layer_rate
                    )
        if "snap-points" in self.families and len(self.point_cell):
            point_zeros = np.zeros(len(self.point_cell))
            points = np.asarray([self.point_counts.get(m, point_zeros) for m in hist])
            ok = self.point_cell >= 0
            cell = self.point_cell[ok]
            recent = points[-POINT_MONTHS:, ok]
            months_with = np.zeros(n_cells)
            np.maximum.at(months_with, cell, np.sum(recent > 0, axis=0).astype(float))
            for h in half_lives_months:
                label = name_of_half_life[h]
                busiest = np.zeros(n_cells)
                np.maximum.at(busiest, cell, recency_mean(points, h)[ok])
                out[f"busiest point h={label}"] = busiest + _tie_break(rates[h], busiest)
                out[f"point months then cell h={label}"] = months_with + _tie_break(
                    rates[h], months_with
                )
        held = [m for m in hist if m in self.searches]
        if "searches" in self.families and held:
            lag = np.array([len(hist) - hist.index(m) for m in held], dtype=float)
            found = np.asarray([self.searches[m] for m in held])
            for h in half_lives_months:
                w = np.ones(len(held)) if math.isinf(h) else 0.5 ** ((lag - 1.0) / h)
                s_rate = np.einsum("i,ij->j", w, found) / w.sum()
                for weight in SEARCH_WEIGHTS:
                    out[f"drugs+{weight:g} searches h={name_of_half_life[h]}"] = (
                        rates[h] + weight * s_rate
                    )
        if "trend" in self.families and len(hist) >= 2:
            short = min(half_lives_months)
            for h in half_lives_months:
                if h > short:
                    name = f"trend h={name_of_half_life[short]} vs h={name_of_half_life[h]}"
                    out[name] = np.maximum(2.0 * rates[short] - rates[h], 0.0)
        if "point-forecasts" in self.families and len(self.point_cell):
            point_zeros = np.zeros(len(self.point_cell))
            points = np.asarray([self.point_counts.get(m, point_zeros) for m in hist])
            out.update(
                point_level_candidates(
                    points,
                    self.point_cell,
                    n_cells,
                    half_lives_months,
                    name_of_half_life,
                    POINT_MONTHS,
                )
            )
        if "self-exciting" in self.families and self.grid is not None:
            grid = self.grid
            made, _ = self_exciting_candidates(
                series, lambda values, sd: smooth_cells(grid, values, sd)
            )
            out.update(made)
        if "nb-regression" in self.families and self.grid is not None:
            grid = self.grid
            out.update(
                nb_regression_candidate(series, lambda values, sd: smooth_cells(grid, values, sd))
            )
        if "wards" in self.families:
            long_run = np.mean(series, axis=0)
            for h in half_lives_months:
                out[f"ward h={name_of_half_life[h]} x share"] = ward_share_rate(
                    long_run, rates[h], self.cell_ward
                )
        return out


def smooth_cells(grid: Grid, values: FloatArray, sd_m: float) -> FloatArray:
    """Gaussian smoothing of study-cell ``values`` (sd ``sd_m`` metres, truncated at 4 sd, zero
    outside the grid: the ``kde`` method's kernel); sd 0: unchanged."""
    if sd_m <= 0:
        return np.asarray(values, dtype=float)
    raster = ndimage.gaussian_filter(
        grid.raster(values), sd_m / grid.cell_m, mode="constant", truncate=4.0
    )
    return grid.from_raster(raster)


def _tie_break(rate: FloatArray, primary: FloatArray) -> FloatArray:
    """``rate`` scaled to at most ``1e-9``, far below the steps of ``primary`` (months, or
    means of whole counts), so it only orders the cells of equal ``primary``."""
    top = float(rate.max())
    return rate / (top + 1.0) * 1e-9 if top > 0 else rate * 0.0


def ward_share_rate(long_run: FloatArray, rate: FloatArray, cell_ward: IntArray) -> FloatArray:
    """Each cell's share of its ward's ``long_run`` total times the ward's total ``rate``
    (a cell in no ward, ``-1``: its own ``rate``). A ward with no long-run offences gives 0."""
    out = np.array(rate, dtype=float)
    in_ward = cell_ward >= 0
    if not in_ward.any():
        return out
    ward = cell_ward[in_ward]
    n_wards = int(ward.max()) + 1
    ward_long = np.bincount(ward, weights=long_run[in_ward], minlength=n_wards)
    ward_rate = np.bincount(ward, weights=rate[in_ward], minlength=n_wards)
    share = np.divide(
        long_run[in_ward],
        ward_long[ward],
        out=np.zeros(int(in_ward.sum())),
        where=ward_long[ward] > 0,
    )
    out[in_ward] = share * ward_rate[ward]
    return out


def cell_wards(grid: Grid, wards: gpd.GeoDataFrame | None) -> IntArray:
    """Index (row order of ``wards``) of the ward holding each study cell's centre; -1 none
    (the first ward in row order when boundaries overlap)."""
    out = np.full(grid.n_cells, -1, dtype=np.intp)
    if wards is None or len(wards) == 0:
        return out
    centres = shapely.points(grid.centres())
    tree = shapely.STRtree(np.asarray(wards.geometry.to_numpy()))
    cell, ward = tree.query(centres, predicate="within")
    order = np.lexsort((ward, cell))[::-1]  # the last write wins: the smallest ward index
    out[cell[order]] = ward[order]
    return out


def store_layers(
    store: Store,
    grid: Grid,
    families: Sequence[str] = FAMILIES,
    *,
    area: frozenset[str] | None = None,
) -> FeatureLayers | None:
    """:class:`FeatureLayers` of a store's offences of every type and its stop-and-searches
    for drugs, for those of ``families`` the store holds data for (``weapons`` and ``all
    crime`` need a store ingested with ``--all-crime-types``, ``searches`` stop-and-search
    files); None when none is left. ``area`` (ward codes): the events recorded in those wards
    only."""
    families = tuple(families)
    if unknown := [f for f in families if f not in ALL_FAMILIES]:
        raise ValueError(f"families: got {unknown!r}; expected some of {', '.join(ALL_FAMILIES)}")
    if not families:
        return None
    columns = [schema.MONTH, schema.CATEGORY] + ([schema.WARD_CODE] if area is not None else [])
    events = _within(store.load(["offence"], columns=columns), area)
    if set(events[schema.CATEGORY].unique()) <= {schema.DRUGS_CRIME_TYPE}:
        # Drug offences only (no --all-crime-types): the other types are not known, not zero.
        families = tuple(f for f in families if f not in ("weapons", "all-crime"))
    searches = None
    if "searches" in families:
        found = _within(store.load(["search"], columns=columns), area)
        drugs = found[(found[schema.CATEGORY] == SEARCH_OBJECT).to_numpy()] if len(found) else found
        if drugs.empty:
            families = tuple(f for f in families if f != "searches")
        else:
            searches = (
                shapely.get_coordinates(drugs.geometry.to_numpy()),
                pd.Series(drugs[schema.MONTH]).to_numpy(),
            )
    if not families or events.empty:
        return None
    wards: gpd.GeoDataFrame | None = None
    if "wards" in families:
        try:
            wards = store.load_boundary("wards")
        except StoreError:  # no ward boundaries stored: every cell is its own ward
            wards = None
    xy = shapely.get_coordinates(events.geometry.to_numpy())
    return FeatureLayers.build(
        grid,
        xy,
        pd.Series(events[schema.MONTH]).to_numpy(),
        pd.Series(events[schema.CATEGORY]).to_numpy(),
        wards,
        searches,
        families,
    )


def _within(events: gpd.GeoDataFrame, area: frozenset[str] | None) -> gpd.GeoDataFrame:
    """``events`` recorded in the wards ``area`` (all of them for None)."""
    if area is None:
        return events
    return events[events[schema.WARD_CODE].isin(area).to_numpy()]
