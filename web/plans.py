"""Patrol plan requests and plans: what ``/patrol`` asks for (:class:`PatrolRequest`, read from
the query by :func:`parse_request`) and the plan made for it (:func:`get_plan`, cached per data
version, area and role).

Shared by the patrol blueprint (:mod:`web.patrol`) and pre-warming (:mod:`web.warm`), so it is
not a blueprint module (tests/test_layering.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from werkzeug.datastructures import MultiDict

from hotspots.dates import months_words
from hotspots.evaluate.grid import CELL_M
from hotspots.gss import is_district_code
from hotspots.patrol import (
    DEFAULT_DOSAGE,
    PatrolArea,
    PatrolAreaError,
    PatrolPlan,
    patrol_plan,
)
from hotspots.periods import Period, PeriodError, add_months, complete_ends
from web.access import current_access, require_in_scope, wards_parameters
from web.analyses import forecast_after
from web.budget import charge
from web.data import cache, state
from web.errors import BadParameter, no_offences_held
from web.filters import flag

BASIS_MONTHS = 3
MAX_PLACES = 50
#: Most ward codes a plan's ``wards`` may name: a neighbourhood is a few wards, and a larger
#: area is its district or the whole force. Each new set of wards is a new plan of seconds
#: (the set is also charged to the account: :mod:`web.budget`).
MAX_PLAN_WARDS = 25


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


def area_codes(args: MultiDict[str, str]) -> tuple[str, list[str]]:
    """The district code and ward codes sent (``wards`` repeated or comma-separated)."""
    wards = [c.strip() for v in args.getlist("wards") for c in v.split(",") if c.strip()]
    return args.get("district", "").strip(), wards


def area_kind(args: MultiDict[str, str], district: str, ward_codes: list[str]) -> str:
    """``area`` as sent, else what the codes imply (links may leave it out)."""
    return args.get("area", "").strip() or (
        "wards" if ward_codes else "district" if district else "force"
    )


def parse_request(args: MultiDict[str, str], months: list[str]) -> PatrolRequest:
    if not months:
        raise no_offences_held()
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
            f"them): {months_words(ends) or 'none'}; the store holds "
            f"{months_words(months)} (none for {months_words(missing)})",
        )
    n_text = args.get("n", "").strip() or "10"
    if not (n_text.isascii() and n_text.isdigit()) or not 1 <= int(n_text) <= MAX_PLACES:
        raise BadParameter("n", n_text, f"a whole number of places from 1 to {MAX_PLACES}")
    district, ward_codes = area_codes(args)
    if len(ward_codes) > MAX_PLAN_WARDS:
        raise BadParameter(
            "wards",
            f"{len(ward_codes)} codes",
            f"at most {MAX_PLAN_WARDS} ward codes; for a larger area choose its district "
            "(area=district) or the whole force",
        )
    scope = current_access().scope
    if scope and not (district or ward_codes):  # an officer's plan: their area by default
        district, ward_codes = (
            (scope[0], []) if len(scope) == 1 and is_district_code(scope[0]) else ("", list(scope))
        )
    kind = area_kind(args, district, ward_codes)
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


def dosage_text() -> str:
    return str(current_app.config.get("PATROL_DOSAGE") or DEFAULT_DOSAGE)


def get_plan(req: PatrolRequest) -> PatrolPlan:
    """The cached plan of a request (one per request, reader kind and data version); a forecast
    plan ranks by the server's one forecast of that month and area on its cells
    (:func:`web.analyses.forecast_after`: the force's for a plan of the force, the area's own
    for a plan of a district or wards, shared by every role)."""
    st = state()
    dosage = dosage_text()
    # readers without exact points get places made from snapped cells (web.access.redact)
    access = current_access()
    snap_m = None if access.exact_points else float(current_app.config["SNAP_M"])

    def make() -> PatrolPlan:
        charge()  # a new plan: counted against the account (web.budget)
        # A plan of an area (a district, wards: every officer's) is made from that area's own
        # offences, for every reader alike: its hotspots with the automatic parameters of the
        # area (web.access.wards_parameters; on the force's offences they would give an
        # officer the force's count) and its ranking by the forecast of the area's offences
        # alone (web.analyses.forecast_after). So an analyst's plan of a district is the plan
        # the district's officers get (from snapped cells: web.access.redact).
        basis = Period.months(add_months(req.end, 1 - BASIS_MONTHS), req.end)
        area = None if req.area.kind == "force" else req.area.resolve(st.wards)[0]
        chosen: dict[str, Any] = (
            wards_parameters(area, basis)
            if area is not None
            else {"eps_m": "auto", "min_samples": "auto"}
        )
        plan = patrol_plan(
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
            ahead=forecast_after(req.end, snap_m or CELL_M, area) if req.forecast else None,
            area_parts=access.area_parts,
            eps_m=chosen["eps_m"],
            min_samples=chosen["min_samples"],
        )
        if "area_parameters" not in chosen:
            return plan
        named = {k: v for k, v in chosen.items() if k.endswith("_reason")}
        return dataclasses.replace(plan, parameters={**plan.parameters, **named})

    return cache("analyses").get_or_make(
        ("patrol", req, dosage, snap_m, access.area_parts, access.scope, st.version), make
    )


def default_request() -> PatrolRequest:
    """The plan ``/patrol`` shows the current visitor when asked with no parameters (their
    area: the whole force, or an officer's own)."""
    return parse_request(MultiDict(), state().months)
