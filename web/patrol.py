"""The neighbourhood patrol plan: ``/patrol`` (page and printable A4 sheet), ``/patrol.csv`` and
``/patrol.gpx`` (downloads for handhelds).

``/patrol?to=2025-11&district=E07000008&n=10`` or ``/patrol?to=2025-11&wards=E05..,E05..``;
defaults: the latest month whose 3 months to it are held (docs/periods.md), the whole force,
10 places. ``area=force|district|wards`` says which of ``district`` / ``wards`` applies (the form
sends it; links may leave it out).
Hotspot places only: the plan never shows raid or search locations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from hotspots.dates import months_words
from hotspots.patrol import (
    place_svg,
    plan_csv,
    plan_gpx,
)
from hotspots.periods import Period, add_months, complete_ends
from web.access import current_access, scope_wards
from web.accounts import audit
from web.analyses import parameter_score_of
from web.basemaps import current_basemap
from web.data import state
from web.formpages import render_form_page, reshows_form, sent_flag
from web.httpcache import cached_response, etag_for
from web.plans import (
    BASIS_MONTHS,
    PatrolRequest,
    area_codes,
    area_kind,
    dosage_text,
    get_plan,
    parse_request,
)

bp = Blueprint("patrol", __name__)


def _request() -> PatrolRequest:
    return parse_request(request.args, state().months)


def _choices() -> dict[str, Any]:
    """Districts and wards (grouped by district) for the form. An officer chooses within
    their area: their wards, and only the districts wholly inside it (a district they hold
    one ward of would be refused: the form never offers a 403)."""
    wards = state().wards
    if wards is None:
        return {"districts": [], "ward_groups": []}
    whole = wards
    scope = current_access().scope
    if scope:
        wards = wards[wards["ward_code"].isin(scope_wards(wards, scope))]
    table = wards.sort_values(["district_name", "ward_name"])
    groups = [
        (name, list(zip(rows["ward_code"], rows["ward_name"], strict=True)))
        for name, rows in table.groupby("district_name", sort=True)
    ]
    held = table.groupby("district_code").size()
    every = whole.groupby("district_code").size()
    inside = held.index[held.to_numpy() == every.reindex(held.index).to_numpy()]
    districts = table[table["district_code"].isin(inside)].drop_duplicates("district_code")
    return {
        "districts": list(zip(districts["district_code"], districts["district_name"], strict=True)),
        "ward_groups": groups,
    }


@dataclass(frozen=True)
class _SentArea:
    kind: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class _SentPlan:
    """The plan form's values as the request sent them (its 400 page)."""

    end: str
    area: _SentArea
    n: str
    significant: bool
    forecast: bool


@reshows_form("patrol.page")
def _form_page(error: dict[str, Any]) -> str:
    """The plan's 400: its form with the values sent, the message beside the bad field."""
    args, months = request.args, state().months
    ends = complete_ends(months, BASIS_MONTHS)
    district, wards = area_codes(args)
    kind = area_kind(args, district, wards)
    sent = _SentPlan(
        end=args.get("to", "").strip() or (ends or months or [""])[-1],
        area=_SentArea(kind, tuple(wards) if kind == "wards" else (district,) if district else ()),
        n=args.get("n", "").strip() or "10",
        significant=sent_flag("significant", False),
        forecast=args.get("rank", "").strip() != "hotspots",
    )
    return render_form_page(
        "Patrol plan",
        "_patrol_form.html",
        error,
        labels={"to": "Hotspots of the 3 months to"},
        req=sent,
        end_months=ends[::-1],
        stylesheet="patrol.css",
        **_choices(),
    )


@bp.get("/patrol")
def page() -> Response:
    """The patrol plan page (prints as an A4 patrol sheet)."""
    months = state().months
    if months and not request.args and not complete_ends(months, BASIS_MONTHS):
        # the menu's link never leads to an error: say why there is no plan
        held = months_words(months)
        return Response(render_template("patrol_none.html", basis=BASIS_MONTHS, held=held))
    req = _request()

    def make() -> str:
        plan = get_plan(req)
        months = state().months
        following = add_months(req.end, 1)
        return render_template(
            "patrol.html",
            req=req,
            plan=plan,
            maps=[
                Markup(place_svg(p, basemap=current_basemap(), neighbours=plan.places))
                for p in plan.places
            ],
            end_months=complete_ends(months, BASIS_MONTHS)[::-1],
            query=req.query(),
            patrol_from=Period.months(following, following).label,
            basis_end=Period.months(req.end, req.end).label,
            # the back-test of the force's offences: not an area's figure (web.access)
            score=None if current_access().scope else parameter_score_of("auto", "auto"),
            **_choices(),
        )

    return cached_response(etag_for("patrol", req, dosage_text(), page=True), make)


def _download(kind: str, mimetype: str) -> Response:
    req = _request()
    marking = str(current_app.config.get("PROTECTIVE_MARKING") or "")

    def make() -> str:
        plan = get_plan(req)
        return (plan_csv if kind == "csv" else plan_gpx)(plan, marking=marking or None)

    response = cached_response(
        etag_for("patrol", kind, req, dosage_text(), marking), make, mimetype
    )
    name = f"patrol-{req.slug()}-{req.end}.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    audit("export", {"name": name, "format": kind, "to": req.end, "area": req.query()})
    return response


@bp.get("/patrol.csv")
def csv_download() -> Response:
    """The plan as CSV (one row per place, WGS84 lon/lat)."""
    return _download("csv", "text/csv")


@bp.get("/patrol.gpx")
def gpx_download() -> Response:
    """The plan as GPX 1.1 waypoints for handhelds."""
    return _download("gpx", "application/gpx+xml")
