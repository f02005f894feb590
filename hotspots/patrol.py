"""Neighbourhood patrol plan: the top hotspots of an area, why each is listed, and how to patrol.

For an area (the whole force, one district, or chosen wards) and a month, :func:`patrol_plan`
ranks the hotspots of the ``basis_months`` months to that month whose main ward is in the area.
Each place says why it is listed: offences in the basis period, the trend against the previous
equivalent period, and **stability**: in how many of the last 6 and 12 single months the same
place was part of a hotspot. Stability runs the detector on each single month the store holds
(same ``eps_m`` as the basis analysis; ``min_samples`` by the automatic rule for one month, i.e.
5 offences) and counts the months in which any of that month's hotspot polygons intersects the
place's polygon.

Products: :func:`plan_csv` (a table for handhelds), :func:`plan_gpx` (GPX 1.1 waypoints) and
:func:`place_svg` (a small static map of a place inside its ward, no JavaScript). The plan holds
hotspot places only: no raid or search locations.

Geometry is EPSG:27700 metres; ``lon``/``lat`` are WGS84 degrees rounded to 5 decimals (about
1 m), for GPX and handhelds.
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots import schema
from hotspots.analysis import analyse, store_months
from hotspots.assessment import assess
from hotspots.assessment import significant_only as keep_significant
from hotspots.cluster import Auto, HotspotDetector
from hotspots.csvsafe import cell_text
from hotspots.errors import HotspotsError
from hotspots.periods import Period, add_months, parse_month
from hotspots.significance import N_SIMS
from hotspots.store import Store
from hotspots.summary import BUFFER_M, hotspot_polygons

__all__ = [
    "DEFAULT_DOSAGE",
    "PatrolArea",
    "PatrolAreaError",
    "PatrolPlace",
    "PatrolPlan",
    "patrol_plan",
    "place_svg",
    "plan_csv",
    "plan_gpx",
]

#: Dosage guidance printed on every plan (Koper 1995: 10-15 minute visits deter longest).
DEFAULT_DOSAGE = (
    "Visit each place for 10–15 minutes at varied, unpredictable times, several times a week "
    "(Koper 1995; hot-spots policing trials)."
)
GPX_NS = "http://www.topografix.com/GPX/1/1"
STABILITY_WINDOWS = (6, 12)
CSV_COLUMNS = (
    "rank",
    "location",
    "ward_code",
    "ward_name",
    "district_code",
    "district_name",
    "offences",
    "period",
    "offences_prev",
    "change",
    "compare_period",
    "hotspot_months_last_6",
    "months_available_last_6",
    "hotspot_months_last_12",
    "months_available_last_12",
    "lon",
    "lat",
    "reason",
    "note",
    "p_value",
    "q_value",
    "significant",
    "dynamics_class",
)
AreaKind = Literal["force", "district", "wards"]


class PatrolAreaError(HotspotsError, ValueError):
    """A patrol area names a district or ward the store does not hold, or is malformed."""


@dataclass(frozen=True)
class PatrolArea:
    """Where a plan looks: the whole force, one district (GSS code) or chosen wards (GSS codes).

    Build one with :meth:`force`, :meth:`district` or :meth:`wards`; :meth:`resolve` checks the
    codes against the stored wards.
    """

    kind: AreaKind = "force"
    codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("force", "district", "wards"):
            raise PatrolAreaError(
                f"area kind: got {self.kind!r}; expected 'force', 'district' or 'wards'"
            )
        if any(not isinstance(c, str) or not c.strip() for c in self.codes):
            raise PatrolAreaError(f"area codes: got {self.codes!r}; expected non-empty strings")
        object.__setattr__(self, "codes", tuple(sorted({c.strip() for c in self.codes})))
        wanted = {"force": (0, 0), "district": (1, 1), "wards": (1, math.inf)}[self.kind]
        if not wanted[0] <= len(self.codes) <= wanted[1]:
            what = {"force": "no codes", "district": "one district code", "wards": "ward codes"}
            raise PatrolAreaError(
                f"a {self.kind} area takes {what[self.kind]}; got {list(self.codes)}"
            )

    @classmethod
    def force(cls) -> PatrolArea:
        """The whole force area."""
        return cls("force")

    @classmethod
    def district(cls, code: str) -> PatrolArea:
        """One local authority district, by GSS code (e.g. ``"E07000008"``)."""
        return cls("district", (code,))

    @classmethod
    def wards(cls, codes: list[str] | tuple[str, ...]) -> PatrolArea:
        """One or more wards, by GSS code (e.g. ``["E05013050"]``)."""
        if isinstance(codes, str):
            codes = (codes,)
        return cls("wards", tuple(codes))

    def resolve(self, wards: gpd.GeoDataFrame) -> tuple[frozenset[str], str]:
        """The ward codes of the area and its label, checked against ``wards``.

        Parameters
        ----------
        wards
            The stored wards (``ward_code``, ``ward_name``, ``district_code``, ``district_name``).

        Raises
        ------
        PatrolAreaError
            A code the store does not hold (the message lists what it does hold).
        """
        missing = {"ward_code", "ward_name", "district_code", "district_name"} - set(wards.columns)
        if missing:
            raise PatrolAreaError(f"wards frame lacks columns {sorted(missing)}")
        if self.kind == "force":
            return frozenset(wards["ward_code"]), "the whole force area"
        if self.kind == "district":
            (code,) = self.codes
            districts = wards.drop_duplicates("district_code").sort_values("district_code")
            if code not in set(districts["district_code"]):
                held = ", ".join(
                    f"{c} ({n})"
                    for c, n in zip(
                        districts["district_code"], districts["district_name"], strict=True
                    )
                )
                raise PatrolAreaError(
                    f"unknown district code {code!r}; expected one of the stored districts: {held}"
                )
            rows = wards[wards["district_code"] == code]
            return frozenset(rows["ward_code"]), str(rows["district_name"].iloc[0])
        known = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
        unknown = [c for c in self.codes if c not in known]
        if unknown:
            example = next(iter(sorted(known.items())), ("E05...", "?"))
            raise PatrolAreaError(
                f"unknown ward code(s) {', '.join(repr(c) for c in unknown)}; expected codes of "
                f"the {len(known)} stored wards, e.g. {example[0]} ({example[1]})"
            )
        names = sorted(known[c] for c in self.codes)
        if len(names) <= 3:
            label = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            return frozenset(self.codes), label + (" ward" if len(names) == 1 else " wards")
        return frozenset(self.codes), f"{len(names)} chosen wards"


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

    @property
    def name(self) -> str:
        """``"1. On or near Station Road"`` (the GPX waypoint name)."""
        return f"{self.rank}. {self.location or f'Place in {self.ward_name}'}"


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
    def title(self) -> str:
        """``"Patrol plan: Cambridge, hotspots of Sep–Nov 2025"``."""
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
    parse_month(end_month)
    area = area or PatrolArea.force()
    wards = store.load_boundary("wards") if wards is None else wards
    ward_codes, area_label = area.resolve(wards)
    period = Period.months(add_months(end_month, 1 - basis_months), end_month)
    analysis = analyse(
        store, period, eps_m=eps_m, min_samples=min_samples, buffer_m=buffer_m,
        events=events, wards=wards,
    )  # fmt: skip
    if assess_places or significant_only:
        analysis = assess(analysis, store, n_sims=n_sims, seed=seed, score=False)
    hotspots = analysis.hotspots
    if significant_only:
        hotspots = keep_significant(hotspots)
    in_area = hotspots[hotspots["ward_code"].isin(ward_codes)]
    chosen = in_area.head(top_n).reset_index(drop=True)

    held = set(store_months(store))
    windows = {n: Period.rolling(n, end_month).months for n in STABILITY_WINDOWS}
    available = {n: tuple(m for m in months if m in held) for n, months in windows.items()}
    used_eps = float(analysis.parameters["eps_m"])
    hits, month_params = _monthly_hits(
        store, chosen.geometry.to_numpy(), available[max(STABILITY_WINDOWS)], used_eps,
        buffer_m, events,
    )  # fmt: skip

    centroids = gpd.GeoSeries(chosen.geometry.centroid, crs=schema.CRS_BNG).to_crs(4326)
    outlines = wards.set_index("ward_code").geometry
    places = []
    for i, row in enumerate(chosen.itertuples(index=False)):
        stable = {n: sum(hits[m][i] for m in available[n]) for n in STABILITY_WINDOWS}
        counts = {n: len(available[n]) for n in STABILITY_WINDOWS}
        prev = None if not analysis.comparison_available else int(row.offences_prev)
        change = None if prev is None else int(row.change)
        offences = int(row.offences)
        reason = _reason(period, analysis.compare_to, offences, change, stable, counts)
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
                note=_note(float(row.colocation_share)) if row.colocated else "",
                polygon=row.geometry,
                ward_outline=outlines.get(row.ward_code),
                **_assessed(row),
            )
        )
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
    }
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
            detector = HotspotDetector(eps_m=eps_m, min_samples="auto", n_months=1)
            detector.fit(month_offences)
            params = detector.params_
            month_polygons = hotspot_polygons(month_offences, detector.labels_, buffer_m=buffer_m)
            if len(month_polygons):
                tree = shapely.STRtree(month_polygons.to_numpy())
                place_i, _ = tree.query(polygons, predicate="intersects")
                hit[place_i] = True
        hits[month] = hit
    return hits, params


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _reason(
    period: Period,
    compare_to: Period,
    offences: int,
    change: int | None,
    stable: dict[int, int],
    available: dict[int, int],
) -> str:
    """``"24 drug offences in Sep–Nov 2025, up 10 on Jun–Aug 2025; a hotspot in 5 of the last
    6 months and 9 of the last 12"``."""
    text = f"{_plural(offences, 'drug offence')} in {period.label}"
    if change is None:
        text += f" (no comparison: the data does not cover {compare_to.label})"
    elif change > 0:
        text += f", up {change} on {compare_to.label}"
    elif change < 0:
        text += f", down {-change} on {compare_to.label}"
    else:
        text += f", the same as in {compare_to.label}"
    parts: list[str] = []
    for n in STABILITY_WINDOWS:
        of = "" if available[n] == n else f" (of {available[n]} available)"
        last = f"the last {n} months" if not parts else f"the last {n}"
        parts.append(f"{stable[n]} of {last}{of}")
    return f"{text}; a hotspot in {' and '.join(parts)}"


def _note(share: float) -> str:
    return (
        f"{round(share * 100)}% of these offences are on one map point: check it is a street "
        "place, not where offences are recorded (e.g. a police station)."
    )


# -- products -------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str):
        return cell_text(value)
    return "" if value is None else value


def plan_csv(plan: PatrolPlan, *, marking: str | None = None) -> str:
    """The plan as CSV: a header (:data:`CSV_COLUMNS`, plus ``protective_marking`` when
    ``marking`` is given) and one row per place; lon/lat WGS84 degrees."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *(["protective_marking"] if marking else [])])
    for p in plan.places:
        row = [
            p.rank, p.location, p.ward_code, p.ward_name, p.district_code, p.district_name,
            p.offences, plan.period.label, p.offences_prev, p.change,
            plan.compare_to.label if plan.comparison_available else None,
            p.stable[6], p.available[6], p.stable[12], p.available[12],
            f"{p.lon:.5f}", f"{p.lat:.5f}", p.reason, p.note,
            p.p_value, p.q_value, p.significant, p.dynamics_class,
        ]  # fmt: skip
        writer.writerow([_cell(v) for v in row] + ([marking] if marking else []))
    return out.getvalue()


def plan_gpx(plan: PatrolPlan, *, marking: str | None = None, creator: str = "hotspots") -> str:
    """The plan as GPX 1.1: metadata (title, marking, dosage) and one ``<wpt>`` per place with
    ``<name>`` ``"1. On or near ..."`` and ``<desc>`` the reason (WGS84, 5 decimals)."""

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attrib)
        element.text = text
        return element

    # xmlns as a plain attribute: ElementTree's default_namespace refuses unqualified attributes.
    root = ET.Element("gpx", {"xmlns": GPX_NS, "version": "1.1", "creator": creator})
    metadata = sub(root, "metadata")
    sub(metadata, "name", plan.title)
    sub(metadata, "desc", " ".join(t for t in (marking, plan.dosage) if t))
    for p in plan.places:
        wpt = sub(root, "wpt", lat=f"{p.lat:.5f}", lon=f"{p.lon:.5f}")
        sub(wpt, "name", p.name)
        sub(wpt, "desc", " ".join(t for t in (p.reason + ".", p.note, _assessed_text(p)) if t))
        sub(wpt, "type", "drug hotspot")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _assessed_text(place: PatrolPlace) -> str:
    """``"Significant (q = 0.006); emerging."``, or "" when not assessed."""
    parts = []
    if place.significant is not None:
        parts.append(f"{'Significant' if place.significant else 'Not significant'} "
                     f"(q = {place.q_value:.3f})")  # fmt: skip
    if place.dynamics_class:
        parts.append(place.dynamics_class)
    return "; ".join(parts) + "." if parts else ""


def _path(geometry: BaseGeometry, x0: float, y0: float) -> str:
    """SVG path data of a (multi)polygon, y flipped (north up), relative to the top-left corner."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:-1]
            points = " ".join(f"{x - x0:.0f} {y0 - y:.0f}" for x, y in xy)
            parts.append(f"M{points}Z")
    return " ".join(parts)


def place_svg(place: PatrolPlace, *, size_px: int = 150, min_extent_m: float = 700.0) -> str:
    """A small static map of a place: its hotspot polygon (shaded) within its ward outline,
    north up, with a scale bar; inline SVG with a text alternative (``role="img"``, ``<title>``).

    The view is a square of at least ``min_extent_m`` metres (EPSG:27700) around the hotspot.
    """
    minx, miny, maxx, maxy = place.polygon.bounds
    extent = max(min_extent_m, 1.6 * max(maxx - minx, maxy - miny))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    x0, y0 = cx - extent / 2, cy + extent / 2
    box = (x0, y0 - extent, x0 + extent, y0)
    ward = ""
    inside = True
    if place.ward_outline is not None:
        clipped = shapely.clip_by_rect(place.ward_outline, *box)
        ward = (
            f'<path d="{_path(clipped, x0, y0)}" fill="#f3f2f1" stroke="#505a5f" '
            'stroke-width="2" stroke-dasharray="6 3" vector-effect="non-scaling-stroke" '
            'fill-rule="evenodd"/>'
        )
        inside = bool(place.ward_outline.contains(place.polygon))
    spot = (
        f'<path d="{_path(place.polygon, x0, y0)}" fill="#d4351c" fill-opacity="0.45" '
        'stroke="#942514" stroke-width="2.5" vector-effect="non-scaling-stroke"/>'
    )
    bar = next(s for s in (1000, 500, 250, 200, 100, 50) if s <= extent / 3)
    font = extent / 11
    y_bar = extent - font * 0.6
    scale = (
        f'<path d="M{font * 0.5:.0f} {y_bar:.0f}h{bar}" stroke="#0b0c0c" stroke-width="3" '
        'vector-effect="non-scaling-stroke"/>'
        f'<text x="{font * 0.5:.0f}" y="{y_bar - font * 0.3:.0f}" font-size="{font:.0f}" '
        f'fill="#0b0c0c">{bar} m</text>'
        f'<text x="{extent - font * 0.4:.0f}" y="{font * 1.1:.0f}" font-size="{font:.0f}" '
        f'fill="#0b0c0c" text-anchor="end">N ↑</text>'
    )
    across = round(max(maxx - minx, maxy - miny) / 10) * 10
    where = "inside" if inside else "on the edge of"
    alt = (
        f"Sketch map of place {place.rank}: the hotspot area, shaded, about {across} m across, "
        f"{where} the dashed outline of {place.ward_name} ward. North is up; the scale bar is "
        f"{bar} m."
    )
    title_id = f"place-map-{place.rank}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="place-map" role="img" '
        f'aria-labelledby="{title_id}" width="{size_px}" height="{size_px}" '
        f'viewBox="0 0 {extent:.0f} {extent:.0f}">'
        f'<title id="{title_id}">{escape(alt)}</title>'
        f'<rect width="{extent:.0f}" height="{extent:.0f}" fill="#ffffff"/>'
        f"{ward}{spot}{scale}</svg>"
    )
