"""Plan products for handhelds: :func:`plan_csv` (a table) and :func:`plan_gpx` (GPX 1.1).

Lon/lat are WGS84 degrees with 5 decimals; CSV text cells that a spreadsheet would run as a
formula are made safe (:func:`hotspots.csvsafe.cell_text`). The GPX is written by ``gpxpy``
(the field's GPX library: namespace, schema location, element order and text escaping); two
things it leaves to the caller are done here: attribute values are written unescaped, so the
``creator`` is escaped before it is handed over, and characters that XML 1.0 forbids (control
characters) are passed through, so they are dropped from every text first
(:func:`_xml_text`). The CSV is the standard library's ``csv`` module.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from xml.sax.saxutils import escape

import gpxpy.gpx

from hotspots.csvsafe import cell_text
from hotspots.patrol.plan import PatrolPlace, PatrolPlan

__all__ = ["CSV_COLUMNS", "GPX_NS", "plan_csv", "plan_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
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
    "forecast_month",
    "expected_offences",
    "expected_share",
    "hotspot_ranks",
)


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
            plan.compare_to.label,  # always named: a blank change is then 'no data' for it
            p.stable[6], p.available[6], p.stable[12], p.available[12],
            round(p.lon, 5), round(p.lat, 5), p.reason, p.note,  # numbers: never quoted
            p.p_value, p.q_value, p.significant, p.dynamics_class,
            *_forecast_cells(plan, p),
        ]  # fmt: skip
        writer.writerow([_cell(v) for v in row] + ([marking] if marking else []))
    return out.getvalue()


def plan_gpx(plan: PatrolPlan, *, marking: str | None = None, creator: str = "hotspots") -> str:
    """The plan as GPX 1.1: metadata (title, marking, dosage) and one ``<wpt>`` per place with
    ``<name>`` ``"1. On or near ..."``, ``<desc>`` the reason and note (a police station's note
    first: :data:`hotspots.stations.STATION_NOTE`) and ``<type>`` (WGS84, 5 decimals).
    """
    gpx = gpxpy.gpx.GPX()
    gpx.creator = escape(_xml_text(creator), {'"': "&quot;"})  # gpxpy writes attributes as given
    gpx.name = _xml_text(plan.title)
    gpx.description = _xml_text(" ".join(t for t in (marking, plan.dosage) if t)) or None
    for p in plan.places:
        # a police station's note first: a handheld shows the start of a description
        first, last = (p.note, "") if p.at_station else ("", p.note)
        texts = (first, _expected_text(plan, p), p.reason + ".", last, _assessed_text(p))
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=round(p.lat, 5),
                longitude=round(p.lon, 5),
                name=_xml_text(p.name),
                description=_xml_text(" ".join(t for t in texts if t)),
                type="drug hotspot" if p.forecast_offences is None else "forecast place",
            )
        )
    return gpx.to_xml(version="1.1") + "\n"


#: Characters XML 1.0 does not allow in a document (C0 controls other than tab, LF and CR,
#: surrogates, U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (a GPX reader would reject the file)."""
    return _NOT_XML.sub("", text)


def _forecast_cells(plan: PatrolPlan, place: PatrolPlace) -> list[Any]:
    """The forecast columns of a place (blank in a plan of hotspots)."""
    if place.forecast_offences is None or place.forecast_share is None:
        return [None, None, None, None]
    month = (plan.parameters.get("forecast") or {}).get("month")
    ranks = " ".join(str(r) for r in place.hotspot_ranks)
    return [month, f"{place.forecast_offences:.2f}", f"{place.forecast_share:.4f}", ranks]


def _expected_text(plan: PatrolPlan, place: PatrolPlace) -> str:
    """``"Expected in Dec 2025: 2.3 drug offences (0.8% of the area's)."``, or ""."""
    if place.forecast_offences is None or place.forecast_share is None:
        return ""
    return (
        f"Expected in {plan.forecast_month_label}: {place.forecast_offences:.1f} drug offences "
        f"({100 * place.forecast_share:.1f}% of the area's)."
    )


def _assessed_text(place: PatrolPlace) -> str:
    """``"Significant (q = 0.006); emerging."``, or "" when not assessed."""
    parts = []
    if place.significant is not None:
        parts.append(
            f"{'Significant' if place.significant else 'Not significant'} (q = {place.q_value:.3f})"
        )
    if place.dynamics_class:
        parts.append(place.dynamics_class)
    return "; ".join(parts) + "." if parts else ""
