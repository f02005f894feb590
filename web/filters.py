"""Request parameters -> one validated, hashable view request (the cache and ETag key).

Every view is a shareable URL: ``/?from=2025-09&to=2025-11&measure=change&offences=heat``.
A bad value raises :class:`web.errors.BadParameter` naming the field, the value and what is
expected (a 400, never a 500).

Values are normalised here, once, before anything uses them: ``eps_m`` is rounded to whole
metres (``eps_m=150.25`` and ``eps_m=1.5e2`` are the view ``eps_m=150``) and ``min_samples`` is
an integer, so the analysis made is the one the key names and a visitor cannot fill the caches
with new keys by sending new decimals: there are at most 1,991 ``eps_m`` values. Their bounds and
parsing are the library's (:mod:`hotspots.parameters`), as on the command line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict

from hotspots.dates import months_words
from hotspots.parameters import (
    AUTO,
    DEFAULT_SCHEME,
    ParameterError,
    parse_eps_m,
    parse_flag,
    parse_k,
    parse_min_samples,
    parse_scheme,
)
from hotspots.periods import (
    Period,
    PeriodError,
    complete_pair,
    complete_period,
    held_runs,
    missing_words,
)
from hotspots.render.maps import OFFENCE_VIEWS, WARD_MEASURES, OffenceView, WardMeasure
from web.errors import BadParameter, no_offences_held


@dataclass(frozen=True)
class ViewRequest:
    """What a map view shows. Field names are the query parameter names (``start`` is
    ``from``, ``end`` is ``to``)."""

    start: str
    end: str
    measure: WardMeasure = "count"
    #: By default shaded wards and hotspots, no heat over them (heat is an option).
    offences: OffenceView = "none"
    searches: bool = True
    raids: bool = True
    eps_m: int | str = "auto"
    min_samples: int | str = "auto"
    significant: bool = False
    #: How the ward shades are classed (:data:`hotspots.parameters.SCHEMES`) and into how many
    #: classes (None: the measure's default); display only, analysts' choice (web.access).
    scheme: str = DEFAULT_SCHEME
    k: int | None = None
    #: What the period is compared with (:data:`AGAINST`): ``previous``, the equivalent period
    #: just before (:meth:`hotspots.periods.Period.previous`), or ``year``, the same months a
    #: year before (:meth:`hotspots.periods.Period.year_earlier`). The briefing's choice
    #: (:func:`parse_against`); every other door keeps ``previous``.
    against: str = "previous"

    @property
    def period(self) -> Period:
        """The period shown."""
        return Period.months(self.start, self.end)

    @property
    def compare_to(self) -> Period:
        """The period the analysis compares :attr:`period` with (:attr:`against`)."""
        p = self.period
        return p.year_earlier() if self.against == "year" else p.previous()

    def key(self) -> tuple[Any, ...]:
        """Hashable: every filter."""
        return tuple(asdict(self).values())

    def analysis_key(self) -> tuple[Any, ...]:
        """The filters that change the analysis (not the display)."""
        key = (self.start, self.end, self.eps_m, self.min_samples)
        # ``previous`` keeps the key every other door has always had (one analysis cached)
        return key if self.against == "previous" else (*key, self.against)

    def query(self, **changes: Any) -> str:
        """The query string of this view, with ``changes`` applied."""
        values = {**asdict(self), **changes}
        params = {
            "from": values["start"],
            "to": values["end"],
            "measure": values["measure"],
            "offences": values["offences"],
            "searches": int(values["searches"]),
            "raids": int(values["raids"]),
        }
        if values["eps_m"] != "auto":
            params["eps_m"] = values["eps_m"]
        if values["min_samples"] != "auto":
            params["min_samples"] = values["min_samples"]
        if values["significant"]:
            params["significant"] = 1
        params.update(_class_params(values["scheme"], values["k"]))
        return urlencode(params)

    def api_query(self, resource: str, fmt: str) -> str:
        """The query of ``/api/v1/<resource>`` (``wards``, ``hotspots``, ``events``) that
        gives this view's table of it as ``fmt``: the same period and, for hotspots, the same
        DBSCAN parameters and significance filter; for events, the layers the view shows."""
        params: list[tuple[str, Any]] = [("from", self.start), ("to", self.end)]
        if resource == "hotspots":
            params += [
                (k, v)
                for k, v in (("eps_m", self.eps_m), ("min_samples", self.min_samples))
                if v != "auto"
            ]
            if self.significant:
                params.append(("significant", 1))
        if resource == "wards":  # the wards' default style is classed as the map is
            params += list(_class_params(self.scheme, self.k).items())
        if resource == "events":
            # the events the map counts: drug offences, drug searches, raids
            params += [("layer", layer) for layer in self.event_layers()] + [("drugs", 1)]
        params.append(("format", fmt))
        return urlencode(params)

    def event_layers(self) -> list[str]:
        """The event layers of this view: its offences, and searches and raids when shown."""
        # the offences are what the hotspots and ward shades are made of: always
        shown = {"offence": True, "search": self.searches, "raid": self.raids}
        return [layer for layer, on in shown.items() if on]


def _class_params(scheme: str, k: int | None) -> dict[str, Any]:
    """``scheme`` and ``k`` as a query names them: left out when the default."""
    params: dict[str, Any] = {}
    if scheme != DEFAULT_SCHEME:
        params["scheme"] = scheme
    if k is not None:
        params["k"] = k
    return params


#: Parameters that take several values (repeated and/or comma-separated), by blueprint: the
#: API's filters and the patrol plan's wards. Every other parameter takes one value.
MULTI_VALUED: dict[str, frozenset[str]] = {
    "api": frozenset({"district", "ward", "layer", "category"}),
    "patrol": frozenset({"wards"}),
}
#: Checkboxes: a form sends the box's hidden ``0`` fallback and then, when ticked, its value,
#: so ``0`` followed by one value is one answer (:func:`flag` reads the last).
CHECKBOXES = frozenset({"searches", "raids", "significant"})


def refuse_repeated(args: MultiDict[str, str], blueprint: str | None) -> None:
    """The one rule for a parameter sent more than once (every route, before its view): a 400
    naming it, never the first or the last taken silently (``?period=a&period=b`` is
    ambiguous), unless the parameter takes several values (:data:`MULTI_VALUED`) or is a
    checkbox's fallback ``0`` and its value (:data:`CHECKBOXES`)."""
    several = MULTI_VALUED.get(blueprint or "", frozenset())
    for name, values in args.lists():
        if len(values) < 2 or name in several:
            continue
        if name in CHECKBOXES and len(values) == 2 and values[0].strip() == "0":
            continue
        raise BadParameter(
            name,
            ",".join(values),
            f"one value: the request sent {name}= {len(values)} times; send it once",
        )


def init_app(app: Flask) -> None:
    """Apply :func:`refuse_repeated` to every request (after the sign-in gate)."""

    @app.before_request
    def _one_value_each() -> None:
        refuse_repeated(request.args, request.blueprint)


def _month(args: MultiDict[str, str], name: str, default: str) -> str:
    value = args.get(name, "").strip() or default
    try:
        Period.months(value, value)
    except PeriodError:
        raise BadParameter(name, value, "a month as YYYY-MM, e.g. 2025-09") from None
    return value


def _choice(args: MultiDict[str, str], name: str, choices: tuple[str, ...], default: str) -> Any:
    value = args.get(name, default).strip()
    if value not in choices:
        raise BadParameter(name, value, "one of " + ", ".join(choices))
    return value


def flag(args: MultiDict[str, str], name: str, default: bool) -> bool:
    """A yes/no field by the one vocabulary (:func:`hotspots.parameters.parse_flag`); a form's
    checkbox sends ``1`` after its hidden ``0`` fallback, so the last value wins."""
    if name not in args:
        return default
    try:
        return parse_flag(args.getlist(name)[-1], name, default)
    except ParameterError as exc:
        raise BadParameter(exc.field, exc.value, exc.expected) from None


def _parameter(args: MultiDict[str, str], name: str, parse: Callable[[str, str], Any]) -> Any:
    """A hotspot parameter by its one rule (:mod:`hotspots.parameters`); empty is ``auto``."""
    try:
        return parse(args.get(name, "").strip() or AUTO, name)
    except ParameterError as exc:
        raise BadParameter(exc.field, exc.value, exc.expected) from None


def classes_choice(args: MultiDict[str, str], measure: str) -> tuple[str, int | None]:
    """``scheme`` and ``k`` (:func:`hotspots.parameters.parse_scheme`, :func:`parse_k`; ``k``'s
    range depends on whether ``measure`` is the change); a 400 naming the field otherwise."""
    try:
        scheme = parse_scheme(args.get("scheme", ""))
        k = parse_k(args.get("k", ""), change=measure == "change")
    except ParameterError as exc:
        raise BadParameter(exc.field, exc.value, exc.expected) from None
    return scheme, k


def _whole_metres(args: MultiDict[str, str], name: str) -> int | str:
    """``eps_m`` (:func:`hotspots.parameters.parse_eps_m`), rounded to a whole metre (half up),
    or ``"auto"``."""
    number = _parameter(args, name, parse_eps_m)
    return number if number == AUTO else math.floor(number + 0.5)


def parse_view(args: MultiDict[str, str], months: list[str], default_months: int) -> ViewRequest:
    """Validate a map view's query parameters against the stored ``months``.

    Defaults (``docs/periods.md``): with neither ``from`` nor ``to``, :func:`default_period`
    (the latest complete period with a comparison); with ``to`` only, ``from`` is the start of
    the latest complete period of up to ``default_months`` months ending at ``to``
    (:func:`hotspots.periods.complete_period`). A period with a month the store does not hold
    is a 400 naming that month.
    """
    if not months:
        raise no_offences_held()
    end = _month(args, "to", months[-1])
    default = default_period(months, default_months)
    if "to" in args or default is None:
        default = complete_period(months, max(1, default_months), end)
    start = _month(args, "from", default.start if default else end)
    if start > end:
        raise BadParameter("from", start, f"a month no later than to={end}")
    gaps, _ = held_runs(start, end, months)  # bounded by the store's months, not the period's
    if gaps:
        field = "from" if gaps[0][0] == start and "from" in args else "to"
        raise BadParameter(
            field,
            start if field == "from" else end,
            f"a period whose every month holds data: the store holds {months_words(months)}"
            f" (none for {missing_words(start, end, months)})",
        )
    measure = _choice(args, "measure", WARD_MEASURES, ViewRequest.measure)
    scheme, k = classes_choice(args, measure)
    return ViewRequest(
        start=start,
        end=end,
        measure=measure,
        offences=_choice(args, "offences", OFFENCE_VIEWS, ViewRequest.offences),
        searches=flag(args, "searches", True),
        raids=flag(args, "raids", True),
        eps_m=_whole_metres(args, "eps_m"),
        min_samples=_parameter(args, "min_samples", parse_min_samples),
        significant=flag(args, "significant", False),
        scheme=scheme,
        k=k,
    )


#: The values of ``against`` (:attr:`ViewRequest.against`), the default first.
AGAINST = ("previous", "year")


def parse_against(args: MultiDict[str, str]) -> str:
    """``against``: ``previous`` (default, also when empty) or ``year``; a 400 naming the field
    and the values allowed otherwise."""
    if not args.get("against", "").strip():
        return AGAINST[0]
    return str(_choice(args, "against", AGAINST, AGAINST[0]))


def default_months() -> int:
    """The app's ``DEFAULT_MONTHS`` setting (default :data:`hotspots.periods.DEFAULT_MONTHS`),
    at least 1: the one reader of it for every page, API and pre-warm."""
    return max(1, int(current_app.config["DEFAULT_MONTHS"]))


def default_period(months: list[str], default_months: int) -> Period | None:
    """The period a page shows when it names none: the latest complete period of up to
    ``default_months`` months whose previous period is held too, so its change can be given
    (:func:`hotspots.periods.complete_pair`); with a one-month latest run, that month
    (:func:`hotspots.periods.complete_period`). None for an empty store."""
    pair = complete_pair(months, max(1, default_months))
    if pair is not None:
        return pair[0]
    return complete_period(months, max(1, default_months))


def default_comparison(months: list[str], default_months: int) -> dict[str, str]:
    """``from``/``to``/``from2``/``to2`` of the comparison page's default: the default period
    (:func:`default_period`) against the previous one (:func:`hotspots.periods.complete_pair`).
    When the latest run has one month, that month against the latest held month before it
    (across the gap: the page names both); empty when the store holds one month only."""
    pair = complete_pair(months, max(1, default_months))
    if pair is None:
        if len(months) < 2:
            return {}
        return {"from": months[-1], "to": months[-1], "from2": months[-2], "to2": months[-2]}
    now, before = pair
    return {"from": now.start, "to": now.end, "from2": before.start, "to2": before.end}


def presets(months: list[str]) -> list[tuple[str, str, str]]:
    """(label, from, to) for the period presets available in the store."""
    if not months:
        return []
    latest = months[-1]
    held = set(months)
    out = []
    for n in (3, 12):
        p = Period.rolling(n, latest)
        if set(p.months) <= held:
            out.append((f"Last {n} months", p.start, p.end))
    years = sorted({m[:4] for m in months}, reverse=True)
    for y in years:
        for p in (Period.financial_year(int(y)), Period.financial_year(int(y) - 1)):
            if set(p.months) <= held and all(label != p.label for label, _, _ in out):
                out.append((p.label, p.start, p.end))
        cy = Period.calendar_year(int(y))
        if set(cy.months) <= held:
            out.append((f"Calendar year {y}", cy.start, cy.end))
    return out


def compare_presets(months: list[str]) -> list[tuple[str, str, str]]:
    """The :func:`presets` the comparison page can show: those whose previous period (the
    same number of months just before) is held too, so no preset link leads to a 400."""
    held = set(months)
    return [
        (label, start, end)
        for label, start, end in presets(months)
        if set(Period.months(start, end).previous().months) <= held
    ]
