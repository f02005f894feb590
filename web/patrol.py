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
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from hotspots.evaluate.grid import CELL_M
from hotspots.gss import is_district_code
from hotspots.patrol import (
    DEFAULT_DOSAGE,
    PatrolArea,
    PatrolAreaError,
    PatrolPlan,
    patrol_plan,
    place_svg,
    plan_csv,
    plan_gpx,
)
from hotspots.periods import Period, PeriodError, add_months, complete_ends, describe_months
from web.access import current_access, require_in_scope, scope_wards
from web.accounts import audit
from web.analyses import forecast_after, parameter_score_of
from web.basemaps import current_basemap
from web.data import cache, state
from web.errors import BadParameter
from web.filters import flag
from web.formpages import render_form_page, reshows_form, sent_flag
from web.httpcache import cached_response, etag_for

bp = Blueprint("patrol", __name__)

BASIS_MONTHS = 3
MAX_PLACES = 50


@dataclass(frozen=True)
class PatrolRequest:
    """A validated patrol-plan request (hashable: the cache and ETag key)."""

    end: str
    area: PatrolArea
    n: int
    significant: bool = False
    #: Places ranked by next month's forecast (the default; ``rank=hotspots``: the hotspots of
    #: the basis months by offences; "only significant" lists hotspots).
    forecast: bool = True

    def query(self) -> str:
        """The canonical query string of this plan."""
        params: dict[str, str | int] = {"to": self.end, "area": self.area.kind, "n": self.n}
        if self.significant:
            params["significant"] = 1
        elif not self.forecast:
            params["rank"] = "hotspots"
        if self.area.kind == "district":
            params["district"] = self.area.codes[0]
        elif self.area.kind == "wards":
            params["wards"] = ",".join(self.area.codes)
        return urlencode(params)

    def slug(self) -> str:
        """File-name part: ``force``, ``E07000008`` or ``wards-3``."""
        kind, codes = self.area.kind, self.area.codes
        if kind == "district":
            return codes[0]
        return f"wards-{len(codes)}" if kind == "wards" else "force"


def _area_codes(args: MultiDict[str, str]) -> tuple[str, list[str]]:
    """The district code and ward codes sent (``wards`` repeated or comma-separated)."""
    wards = [c.strip() for v in args.getlist("wards") for c in v.split(",") if c.strip()]
    return args.get("district", "").strip(), wards


def _area_kind(args: MultiDict[str, str], district: str, ward_codes: list[str]) -> str:
    """``area`` as sent, else what the codes imply (links may leave it out)."""
    return args.get("area", "").strip() or (
        "wards" if ward_codes else "district" if district else "force"
    )


def _parse(args: MultiDict[str, str], months: list[str]) -> PatrolRequest:
    if not months:
        raise BadParameter("store", "empty", "a store with data (run `hotspots ingest`)")
    ends = complete_ends(months, BASIS_MONTHS)  # docs/periods.md: the default is the latest
    end = args.get("to", "").strip() or (ends or months)[-1]
    try:
        basis = Period.rolling(BASIS_MONTHS, end)
    except PeriodError:
        raise BadParameter("to", end, "a month as YYYY-MM, e.g. 2025-11") from None
    missing = [m for m in basis.months if m not in set(months)]
    if missing:
        raise BadParameter(
            "to",
            end,
            f"a month whose {BASIS_MONTHS} months to it all hold data (the plan uses "
            f"them): {describe_months(ends) or 'none'}; the store holds "
            f"{describe_months(months)} (none for {describe_months(missing)})",
        )
    n_text = args.get("n", "").strip() or "10"
    if not n_text.isdigit() or not 1 <= int(n_text) <= MAX_PLACES:
        raise BadParameter("n", n_text, f"a whole number of places from 1 to {MAX_PLACES}")
    district, ward_codes = _area_codes(args)
    scope = current_access().scope
    if scope and not (district or ward_codes):  # an officer's plan: their area by default
        district, ward_codes = (
            (scope[0], []) if len(scope) == 1 and is_district_code(scope[0]) else ("", list(scope))
        )
    kind = _area_kind(args, district, ward_codes)
    if kind == "district":
        if not district:
            raise BadParameter("district", "", "a district code when area=district")
        area = PatrolArea.district(district)
    elif kind == "wards":
        if not ward_codes:
            raise BadParameter("wards", "", "one or more ward codes when area=wards")
        area = PatrolArea.wards(ward_codes)
    elif kind == "force":
        area = PatrolArea.force()
    else:
        raise BadParameter("area", kind, "one of force, district, wards")
    wards = state().wards
    if wards is not None:
        try:
            chosen, _ = area.resolve(wards)
        except PatrolAreaError as exc:
            field = "district" if kind == "district" else "wards"
            value = district if kind == "district" else ",".join(ward_codes)
            raise BadParameter(field, value, str(exc).split("; expected ", 1)[-1]) from None
        require_in_scope(wards, current_access(), ward_codes=chosen)
    significant = flag(args, "significant", False)  # the map's vocabulary and rule
    rank = args.get("rank", "").strip() or "forecast"
    if rank not in ("forecast", "hotspots"):
        raise BadParameter("rank", rank, "forecast or hotspots")
    return PatrolRequest(
        end=end,
        area=area,
        n=int(n_text),
        significant=significant,
        forecast=rank == "forecast" and not significant,
    )


def _dosage() -> str:
    return str(current_app.config.get("PATROL_DOSAGE") or DEFAULT_DOSAGE)


def get_plan(req: PatrolRequest) -> PatrolPlan:
    """The cached plan of a request (one per request, reader kind and data version); a forecast
    plan ranks by the server's one forecast of that month on its cells
    (:func:`web.analyses.forecast_after`, shared by every role and area)."""
    st = state()
    dosage = _dosage()
    # readers without exact points get places made from snapped cells (web.access.redact)
    snap_m = None if current_access().exact_points else float(current_app.config["SNAP_M"])
    return cache("analyses").get_or_make(
        ("patrol", req, dosage, snap_m, st.version),
        lambda: patrol_plan(
            st.store,
            end_month=req.end,
            area=req.area,
            top_n=req.n,
            basis_months=BASIS_MONTHS,
            dosage=dosage,
            events=st.events,
            wards=st.wards,
            assess_places=True,
            n_sims=int(current_app.config["SIGNIFICANCE_SIMS"]),
            significant_only=req.significant,
            snap_m=snap_m,
            forecast=req.forecast,
            ahead=forecast_after(req.end, snap_m or CELL_M) if req.forecast else None,
        ),
    )


def default_request() -> PatrolRequest:
    """The plan ``/patrol`` shows the current visitor when asked with no parameters (their
    area: the whole force, or an officer's own)."""
    return _parse(MultiDict(), state().months)


def _request() -> PatrolRequest:
    return _parse(request.args, state().months)


def _choices() -> dict[str, Any]:
    """Districts and wards (grouped by district) for the form."""
    wards = state().wards
    if wards is None:
        return {"districts": [], "ward_groups": []}
    scope = current_access().scope
    if scope:  # an officer chooses within their area
        wards = wards[wards["ward_code"].isin(scope_wards(wards, scope))]
    table = wards.sort_values(["district_name", "ward_name"])
    groups = [
        (name, list(zip(rows["ward_code"], rows["ward_name"], strict=True)))
        for name, rows in table.groupby("district_name", sort=True)
    ]
    districts = table.drop_duplicates("district_code")
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
    district, wards = _area_codes(args)
    kind = _area_kind(args, district, wards)
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
        held = describe_months(months)
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
            score=parameter_score_of("auto", "auto"),
            **_choices(),
        )

    return cached_response(etag_for("patrol", req, _dosage(), page=True), make)


def _download(kind: str, mimetype: str) -> Response:
    req = _request()
    marking = str(current_app.config.get("PROTECTIVE_MARKING") or "")

    def make() -> str:
        plan = get_plan(req)
        return (plan_csv if kind == "csv" else plan_gpx)(plan, marking=marking or None)

    response = cached_response(etag_for("patrol", kind, req, _dosage(), marking), make, mimetype)
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
