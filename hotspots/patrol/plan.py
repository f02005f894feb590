"""Patrol plan: the top hotspots of an area, ranked, with why each is listed.

:func:`patrol_plan` ranks the hotspots of the basis months whose main ward is in the area
(for a reader scoped to the area, each hotspot's area part: ``area_parts``) and
gives each place its offences, trend, stability (:mod:`~hotspots.patrol.stability`) and reason
(:mod:`~hotspots.patrol.reasons`); the result is a :class:`PatrolPlan` of :class:`PatrolPlace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots import schema
from hotspots.analysis import analyse, store_months
from hotspots.area_hotspots import area_hotspots
from hotspots.assessment import assess
from hotspots.assessment import significant_only as keep_significant
from hotspots.cluster import Auto
from hotspots.evaluate.grid import CELL_M
from hotspots.evaluate.next_month import NextMonth, next_month
from hotspots.figures import comparison_note
from hotspots.patrol.area import PatrolArea
from hotspots.patrol.forecast_places import forecast_places
from hotspots.patrol.naming import told_apart
from hotspots.patrol.reasons import _note, _reason, _summary, change_words, colocation_warning
from hotspots.patrol.stability import STABILITY_WINDOWS, _monthly_hits
from hotspots.periods import Period, add_months, parse_month
from hotspots.publicsafe import snapped_hotspots
from hotspots.significance import N_SIMS
from hotspots.stations import at_police_station, station_note
from hotspots.store import Store
from hotspots.summary import BUFFER_M

__all__ = ["DEFAULT_DOSAGE", "PatrolPlace", "PatrolPlan", "patrol_plan"]

#: Dosage guidance printed on every plan (Koper 1995: 10-15 minute visits deter longest).
DEFAULT_DOSAGE = (
    "Visit each place for 10–15 minutes at varied, unpredictable times, several times a week "
    "(Koper 1995; hot-spots policing trials)."
)


@dataclass(frozen=True)
class PatrolPlace:
    """One place of a plan. ``polygon`` and ``ward_outline`` are EPSG:27700; lon/lat WGS84."""

    rank: int
    force_rank: int
    location: str
    ward_code: str
    ward_name: str
    district_code: str
    district_name: str
    offences: int
    offences_prev: int | None
    change: int | None
    stable: dict[int, int]
    available: dict[int, int]
    lon: float
    lat: float
    reason: str
    note: str
    polygon: BaseGeometry = field(repr=False)
    ward_outline: BaseGeometry | None = field(repr=False)
    #: Significance and dynamics (:func:`hotspots.assessment.assess`); None when not assessed.
    p_value: float | None = None
    q_value: float | None = None
    significant: bool | None = None
    dynamics_class: str | None = None
    #: Forecast (``patrol_plan(..., forecast=True)``): the place is a forecast cell
    #: (:mod:`~hotspots.patrol.forecast_places`); its expected drug offences next month, their
    #: share of the plan area's expected total, and the force ranks of the basis period's
    #: DBSCAN hotspots it overlaps.
    forecast_offences: float | None = None
    forecast_share: float | None = None
    hotspot_ranks: tuple[int, ...] = ()
    #: One line of why (the phone list): offences, change and single months hot.
    why: str = ""
    #: The change on the comparison period in words, or why there is none
    #: (:func:`hotspots.patrol.reasons.change_words`: the list's, card's and reason's words).
    change_text: str = ""
    #: Share of the place's offences on its busiest map point, when flagged (``note``).
    colocation_share: float | None = None
    #: Where the place is from an earlier place of the same name, when the plan has several
    #: (``"400 m east of place 8"``; :func:`hotspots.patrol.naming.told_apart`), else "".
    aside: str = ""
    #: The place is a police station's map point (:func:`hotspots.stations.at_police_station`):
    #: its ``note`` is :data:`hotspots.stations.STATION_NOTE`, and by default it is listed after
    #: the street places (``patrol_plan(..., stations_last=True)``).
    at_station: bool = False

    @property
    def name(self) -> str:
        """``"1. On or near Station Road"`` (the GPX waypoint name)."""
        return f"{self.rank}. {self.label}"

    @property
    def plain_name(self) -> str:
        """The police.uk location text, or ``"Place in <ward>"`` when it has none."""
        return self.location or f"Place in {self.ward_name}"

    @property
    def label(self) -> str:
        """The place without its rank: ``"On or near Station Road"``, or ``"On or near Parking
        Area, 400 m east of place 8"`` when an earlier place has the same name."""
        return f"{self.plain_name}, {self.aside}" if self.aside else self.plain_name

    @property
    def geo_uri(self) -> str:
        """``geo:52.2,0.12?q=52.2,0.12(On%20or%20near%20Station%20Road)`` (RFC 5870, with
        the label Android and iOS maps show): opens the place's centre in the phone's maps."""
        at = f"{self.lat:.5f},{self.lon:.5f}"
        return f"geo:{at}?q={at}({quote(self.label, safe='')})"


@dataclass(frozen=True)
class PatrolPlan:
    """The result of :func:`patrol_plan`."""

    area: PatrolArea
    area_label: str
    end_month: str
    period: Period
    compare_to: Period
    comparison_available: bool
    places: tuple[PatrolPlace, ...]
    hotspots_in_area: int
    dosage: str
    months_available: dict[int, tuple[str, ...]]
    parameters: dict[str, Any]
    data_version: str | None

    @property
    def warning(self) -> str:
        """The plan's one co-location warning, naming its places ("" when none). A place at a
        police station is left out: its own note already says where its offences are."""
        return colocation_warning(
            [
                (p.rank, p.colocation_share)
                for p in self.places
                if p.colocation_share is not None and not p.at_station
            ]
        )

    @property
    def stations_moved(self) -> int:
        """How many places at a police station were listed after the others (0 when none, or
        when the plan keeps them at their rank: ``parameters["stations_last"]`` False)."""
        if not self.parameters.get("stations_last"):
            return 0
        return sum(p.at_station for p in self.places)

    @property
    def forecast_month_label(self) -> str | None:
        """The forecast month in words (``"Dec 2025"``), or None for a plan of hotspots."""
        month = (self.parameters.get("forecast") or {}).get("month")
        return Period.months(month, month).label if month else None

    @property
    def title(self) -> str:
        """``"Patrol plan: Cambridge, places expected in Dec 2025"`` (a forecast plan), or
        ``"Patrol plan: Cambridge, hotspots of Sep–Nov 2025"``."""
        month = self.forecast_month_label
        if month:
            return f"Patrol plan: {self.area_label}, places expected in {month}"
        return f"Patrol plan: {self.area_label}, hotspots of {self.period.label}"


def patrol_plan(
    store: Store,
    *,
    end_month: str,
    area: PatrolArea | None = None,
    top_n: int = 10,
    basis_months: int = 3,
    eps_m: float | Auto = "auto",
    min_samples: int | Auto = "auto",
    dosage: str = DEFAULT_DOSAGE,
    buffer_m: float = BUFFER_M,
    events: gpd.GeoDataFrame | None = None,
    wards: gpd.GeoDataFrame | None = None,
    assess_places: bool = False,
    significant_only: bool = False,
    n_sims: int = N_SIMS,
    seed: int = 0,
    forecast: bool = False,
    snap_m: float | None = None,
    ahead: NextMonth | None = None,
    area_parts: bool = False,
    stations_last: bool = True,
) -> PatrolPlan:
    """Rank the hotspots of an area for patrol.

    Parameters
    ----------
    store
        The embedded store.
    end_month
        Last month of the basis period, ``"YYYY-MM"``.
    area
        Where to look (default the whole force). A hotspot belongs to the area of its main ward.
    top_n
        Most places listed (>= 1).
    basis_months
        Months ending at ``end_month`` whose hotspots are ranked (>= 1); each must hold data.
    eps_m, min_samples
        DBSCAN parameters of the basis period (metres, offences) or ``"auto"``.
    dosage
        Guidance printed with the plan.
    buffer_m
        Buffer around each hotspot's hull, metres.
    events, wards
        The store's events and wards already in memory (default: read from ``store``).
    assess_places, significant_only, n_sims, seed
        Add each place's significance (p, q, significant) and dynamics class
        (:func:`hotspots.assessment.assess`, ``n_sims`` simulations, ``seed``);
        ``significant_only`` (implies assessing) lists significant hotspots only (none when
        the store holds drug offences only: the plan's ``parameters["significance"]`` says why).
    forecast
        List micro-places ranked by the forecast's expected drug offences next month
        (:func:`hotspots.evaluate.next_month.next_month`, from months up to ``end_month`` only)
        instead of the hotspots by offences in the basis period: each place is one forecast
        cell, the DBSCAN hotspots merged into the cells they overlap
        (:mod:`~hotspots.patrol.forecast_places`); each gets ``forecast_offences``,
        ``forecast_share`` and ``hotspot_ranks``, and ``parameters["forecast"]`` the
        back-tested capture of the same rule in the same area ("these N places held X% of the
        next month's drug offences, median of M months"). Not with ``significant_only``.
    snap_m
        For readers without exact points (officers): each place's polygon, and the ``lon`` /
        ``lat`` of its centre, are made from the ``snap_m`` grid cells of its offences
        (:func:`hotspots.publicsafe.snapped_hotspots`), not from exact locations; the place is
        still named (its purpose) and its counts are unchanged. With ``forecast`` the forecast
        itself is made on the ``snap_m`` grid and a place is its cell and cell centre. None:
        exact polygons (and with ``forecast``, 250 m cells centred on their busiest point).
    ahead
        With ``forecast``: next month's forecast already made, exactly
        ``next_month(store, end_month, cell_m=snap_m or CELL_M)`` (it reads every drug offence
        up to ``end_month`` whatever the area or reader, so one forecast serves every plan of
        that month); None: made here.
    area_parts
        For readers scoped to the area (officers): each hotspot is its area part
        (:func:`hotspots.area_hotspots.area_hotspots`: a hotspot with an offence in the area,
        counted, shaped and numbered from the area's offences only, its ``rank`` the area's),
        and a forecast place counts the area's offences only. False: hotspots whole, by main
        ward, with their force ranks.
    stations_last
        A place at a police station's map point (:func:`hotspots.stations.at_police_station`:
        offences recorded there, often found in custody) is listed after the other places,
        flagged by its note; the places listed are the same ``top_n`` either way, only their
        order changes (so a forecast plan's back-tested capture still describes exactly the
        places listed). False: every place keeps its rank by offences (or forecast).

    Raises
    ------
    PatrolAreaError
        The area names a code the store does not hold.
    PeriodError
        ``end_month`` is malformed, or a basis month has no data.
    ValueError
        ``top_n`` or ``basis_months`` is not a whole number >= 1.
    """
    for name, value in (("top_n", top_n), ("basis_months", basis_months)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: got {value!r}; expected a whole number >= 1")
    if forecast and significant_only:
        raise ValueError(
            "forecast and significant_only: choose one (significance belongs to "
            "hotspots; a forecast plan lists cells)"
        )
    parse_month(end_month)
    area = area or PatrolArea.force()
    wards = store.load_boundary("wards") if wards is None else wards
    ward_codes, area_label = area.resolve(wards)
    period = Period.months(add_months(end_month, 1 - basis_months), end_month)
    analysis = analyse(
        store,
        period,
        eps_m=eps_m,
        min_samples=min_samples,
        buffer_m=buffer_m,
        events=events,
        wards=wards,
    )
    if assess_places or significant_only:
        analysis = assess(analysis, store, n_sims=n_sims, seed=seed, score=False, events=events)
    hotspots = analysis.hotspots
    if significant_only:
        hotspots = keep_significant(hotspots)
    members = analysis.events
    if area_parts:
        members = members[members[schema.WARD_CODE].isin(ward_codes).to_numpy()]
        previous = None
        if analysis.comparison_available:
            drugs = _drug_offences(store, events)
            previous = drugs[drugs[schema.MONTH].isin(analysis.compare_to.months).to_numpy()]
        in_area = area_hotspots(
            hotspots,
            analysis.events,
            ward_codes,
            previous_offences=previous,
            buffer_m=buffer_m,
            near_m=float(analysis.parameters["near_m"]),
        )
    else:
        in_area = hotspots[hotspots["ward_code"].isin(ward_codes)]
    capture, area_total = None, 0.0
    if forecast:
        cell_m = snap_m or CELL_M
        if ahead is None:
            ahead = next_month(store, end_month, cell_m=cell_m)
        elif ahead.month != add_months(end_month, 1) or ahead.grid.cell_m != cell_m:
            raise ValueError(
                f"ahead: the forecast of {ahead.month} on {ahead.grid.cell_m:g} m cells; "
                f"expected {add_months(end_month, 1)} on {cell_m:g} m cells"
            )
        if snap_m is not None and (
            ahead.grid.origin_x_m % snap_m or ahead.grid.origin_y_m % snap_m
        ):
            raise ValueError(
                f"snap_m: got {snap_m}; the forecast grid (origin on whole km) is "
                "not on that snap grid: expected a divisor of 1000 m"
            )
        compare = analysis.compare_to.months if analysis.comparison_available else None
        chosen, capture, area_total = forecast_places(
            ahead,
            _drug_offences(store, events),
            wards,
            ward_codes,
            in_area,
            top_n=top_n,
            basis_months=period.months,
            compare_months=compare,
            exact_points=snap_m is None,
            area_offences_only=area_parts,
        )
        chosen = chosen.assign(change=chosen["offences"] - chosen["offences_prev"].fillna(0))
    else:  # the hotspots of the basis period rank the places, not the forecast
        ahead = None
        chosen = in_area.head(top_n).reset_index(drop=True)

    held = set(store_months(store))
    windows = {n: Period.rolling(n, end_month).months for n in STABILITY_WINDOWS}
    available = {n: tuple(m for m in months if m in held) for n, months in windows.items()}
    used_eps = float(analysis.parameters["eps_m"])
    hits, month_params = _monthly_hits(
        store,
        chosen.geometry.to_numpy(),
        available[max(STABILITY_WINDOWS)],
        used_eps,
        buffer_m,
        events,
    )

    if snap_m is not None and ahead is None:
        chosen = snapped_hotspots(chosen, members, snap_m)
    centres = (
        shapely.points(chosen["centre_x"].to_numpy(), chosen["centre_y"].to_numpy())
        if ahead is not None
        else chosen.geometry.centroid
    )
    centroids = gpd.GeoSeries(centres, crs=schema.CRS_BNG).to_crs(4326)
    outlines = wards.set_index("ward_code").geometry
    # why there is no change, naming what is held of the comparison period (the figure rule)
    gap = comparison_note("offence", analysis.compare_to, analysis.layer_months.get("offence", ()))
    places = []
    for i, row in enumerate(chosen.itertuples(index=False)):
        stable = {n: sum(hits[m][i] for m in available[n]) for n in STABILITY_WINDOWS}
        counts = {n: len(available[n]) for n in STABILITY_WINDOWS}
        prev = None if not analysis.comparison_available else int(row.offences_prev)
        change = None if prev is None else int(row.change)
        offences = int(row.offences)
        ranks = tuple(getattr(row, "hotspot_ranks", ()))
        # a forecast place may be part of no hotspot of the period; a hotspot place always is
        in_hotspot = ahead is None or bool(ranks)
        reason = _reason(
            period,
            analysis.compare_to,
            offences,
            change,
            stable,
            counts,
            month_params.get("min_samples"),
            in_hotspot=in_hotspot,
            gap=gap,
        )
        places.append(
            PatrolPlace(
                rank=i + 1,
                force_rank=int(row.rank),
                location=str(row.top_location or ""),
                ward_code=str(row.ward_code),
                ward_name=str(row.ward_name),
                district_code=str(row.district_code),
                district_name=str(row.district_name),
                offences=offences,
                offences_prev=prev,
                change=change,
                stable=stable,
                available=counts,
                lon=round(float(centroids.iloc[i].x), 5),
                lat=round(float(centroids.iloc[i].y), 5),
                reason=reason,
                note=station_note(row.top_location)
                or (_note(float(row.colocation_share)) if row.colocated else ""),
                polygon=row.geometry,
                ward_outline=outlines.get(row.ward_code),
                **_assessed(row),
                forecast_offences=getattr(row, "forecast_offences", None),
                forecast_share=getattr(row, "forecast_share", None),
                hotspot_ranks=ranks,
                why=_summary(
                    period, analysis.compare_to, offences, change, stable, counts, in_hotspot
                ),
                change_text=change_words(change, analysis.compare_to, gap),
                colocation_share=float(row.colocation_share) if row.colocated else None,
                at_station=at_police_station(row.top_location),
            )
        )
    if stations_last:  # the same places; a police station's after the street places
        order = sorted(places, key=lambda p: p.at_station)
        places = [replace(p, rank=i + 1, note=_moved_note(p, i + 1)) for i, p in enumerate(order)]
    parameters = {
        "eps_m": used_eps,
        "eps_m_reason": analysis.parameters["eps_m_reason"],
        "min_samples": analysis.parameters["min_samples"],
        "min_samples_reason": analysis.parameters["min_samples_reason"],
        "month_min_samples": month_params.get("min_samples"),
        "month_min_samples_reason": month_params.get("min_samples_reason"),
        "buffer_m": buffer_m,
        "basis_months": basis_months,
        "top_n": top_n,
        "significance": analysis.parameters.get("significance"),
        "significant_only": significant_only,
        "forecast": None,
        # whose numbering the hotspot ranks follow ("part of hotspot 2 (area rank)")
        "hotspot_numbers": "area" if area_parts else "force",
        "stations_last": stations_last,
    }
    if ahead is not None:
        parameters["forecast"] = {
            "month": ahead.month,
            "ranked_by": "expected drug offences next month (forecast)",
            "cell_m": ahead.grid.cell_m,
            "expected_total": area_total,
            "history_months": ahead.info["history_months"],
            "history_label": _history_label(ahead.info["history_months"]),
            "chosen": ahead.info["chosen"],
            "capture": capture,
        }
    places = told_apart(places)
    return PatrolPlan(
        area=area,
        area_label=area_label,
        end_month=end_month,
        period=period,
        compare_to=analysis.compare_to,
        comparison_available=analysis.comparison_available,
        places=tuple(places),
        hotspots_in_area=len(in_area),
        dosage=dosage,
        months_available=available,
        parameters=parameters,
        data_version=analysis.data_version,
    )


def _moved_note(place: PatrolPlace, rank: int) -> str:
    """A place's note at its new ``rank``: a police station moved down says where it was."""
    if not place.at_station or place.rank == rank:
        return place.note
    return station_note(place.location, ranked=place.rank)


def _assessed(row: Any) -> dict[str, Any]:
    """The place's p, q, significant and dynamics class, when the hotspots were assessed."""
    out: dict[str, Any] = {}
    for name in ("p_value", "q_value"):
        value = getattr(row, name, None)
        out[name] = None if value is None or pd.isna(value) else float(value)
    flag = getattr(row, "significant", None)
    out["significant"] = None if flag is None or pd.isna(flag) else bool(flag)
    dyn = getattr(row, "dynamics_class", None)
    out["dynamics_class"] = None if dyn is None or pd.isna(dyn) else str(dyn)
    return out


def _drug_offences(store: Store, events: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The store's drug offences (every month), from ``events`` when already in memory."""
    if events is None:
        events = store.load(["offence"])
    events = events[(events[schema.LAYER] == "offence").to_numpy()]
    return events[(events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE).to_numpy()]


def _history_label(history: str | None) -> str | None:
    """The forecast's months (``"2019-07..2019-12"``, one run of held months) as a period
    label, ``"Jul–Dec 2019"``, for the people reading the plan."""
    if not history:
        return None
    first, _, last = history.partition("..")
    return Period.months(first, last or first).label
