"""The views and analyses every output shares: the map pages, the briefing, the patrol plan,
the analyst API, OGC API - Features and pre-warming (:mod:`web.warm`) all take them from here.

:func:`current_view` reads the period and parameters a request asks for, within what the
visitor's role may see; :func:`full_analysis` makes the whole analysis of a view once for the
whole server (memory, then the disk cache every worker shares); :func:`get_analysis` is that
analysis as the visitor may see it (:func:`web.access.redact`).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from typing import Any, NamedTuple

from flask import current_app, request
from werkzeug.datastructures import MultiDict

from hotspots.analysis import Analysis, analyse
from hotspots.assessment import assess, significant_only
from hotspots.distributed import detector_factory
from hotspots.evaluate.advice import parameter_score
from hotspots.evaluate.auto_parameters import (
    ParameterChoice,
    StoreTable,
    choice_from_table,
    store_table,
)
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.next_month import NextMonth, next_month
from hotspots.figures import coverage_note
from hotspots.parameters import AUTO, DEFAULT_SCHEME
from hotspots.periods import Period
from hotspots.publicsafe import held_quarters, public_quarter, quarter_note, whole_quarter
from hotspots.render.maps import ForecastOverlay, forecast_overlay
from web.access import area_parameters, current_access, redact
from web.budget import charge
from web.data import cache, shared, state
from web.filters import ViewRequest, compare_presets, default_months, parse_view, presets

__all__ = [
    "Asked",
    "asked_period",
    "current_view",
    "full_analysis",
    "get_analysis",
    "parameter_choice_of",
    "parameter_score_of",
    "parameter_table",
    "period_notes",
    "period_presets",
    "quarter_choices",
    "wards_vintage",
    "within_access",
]


def get_analysis(view: ViewRequest) -> Analysis:
    """The analysis of a view's period and parameters, as the current visitor may see it.

    The whole analysis is made once for the whole server; :func:`web.access.redact` then keeps
    what the visitor's role and area allow.
    """
    access = current_access()
    if access.exact_points and not access.scope:
        analysis = full_analysis(view)
    else:  # redacted once per view, role and area (snapped shapes, area totals: ~50 ms)
        key = ("redacted", view.analysis_key(), access.key(), state().version)
        analysis = cache("analyses").get_or_make(key, lambda: redact(_whole(view), access))
    if view.significant:
        analysis = dataclasses.replace(analysis, hotspots=significant_only(analysis.hotspots))
    return analysis


def _whole(view: ViewRequest) -> Analysis:
    """The whole analysis a visitor's view is cut from: for a scoped reader's ``auto`` view, the
    analysis with the automatic parameters of their area (:func:`web.access.area_parameters`:
    on the force's offences they would give the force's count away), which its parameters
    then name."""
    chosen = None
    if view.eps_m == AUTO and view.min_samples == AUTO:
        chosen = area_parameters(current_access(), view.period)
    if chosen is None:
        return full_analysis(view)
    analysis = full_analysis(
        dataclasses.replace(
            view, eps_m=round(chosen["eps_m"]), min_samples=int(chosen["min_samples"])
        )
    )
    parameters = {
        **analysis.parameters,
        **chosen,
        "requested_eps_m": AUTO,
        "requested_min_samples": AUTO,
    }
    return dataclasses.replace(analysis, parameters=parameters)


def full_analysis(view: ViewRequest) -> Analysis:
    """The whole analysis of a view (every layer, exact points), with its hotspots' significance
    and dynamics and the back-test score of its parameters: never shown as it is to a visitor
    without full access; use :func:`get_analysis`."""
    st = state()
    config = current_app.config

    def make() -> Analysis:
        charge()  # a new analysis: counted against the account (web.budget)
        eps_m, min_samples = view.eps_m, view.min_samples
        choice = None
        if eps_m == "auto" and min_samples == "auto":  # the store's own back-test may choose
            choice = parameter_choice_of(view.period.end)
            eps_m, min_samples = choice.eps_m, choice.min_samples  # type: ignore[assignment]
        analysis = analyse(
            st.store,
            view.period,
            compare_to=view.compare_to,  # the previous period, or the year before (briefing)
            eps_m=eps_m,  # type: ignore[arg-type]
            min_samples=min_samples,  # type: ignore[arg-type]
            events=st.events,
            wards=st.wards,
            detector_factory=detector_factory(config["DASK_SCHEDULER"]),
        )
        if choice is not None:
            parameters = {**analysis.parameters, "parameter_choice": choice.as_dict()}
            analysis = dataclasses.replace(analysis, parameters=parameters)
        assessed = assess(
            analysis,
            st.store,
            n_sims=int(config["SIGNIFICANCE_SIMS"]),
            seed=0,
            dynamics_periods=int(config["DYNAMICS_PERIODS"]),
            score=False,
            events=st.events,
        )
        # The other offences are the significance test's background, used by assess only: not
        # kept in the cached analysis (a large force's year with every crime type holds ~1M,
        # 4-6 CPU s to pickle into the disk cache; docs/benchmarks.md, "A large force").
        return dataclasses.replace(assessed, other_offences=None)

    analysis = shared(
        "analyses",
        ("analysis", view.analysis_key()),
        make,
        encode=lambda analysis: pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL),
        decode=pickle.loads,
    )
    p = analysis.parameters
    score = parameter_score_of(p["requested_eps_m"], p["requested_min_samples"])
    return dataclasses.replace(
        analysis, parameters={**analysis.parameters, "parameter_score": score}
    )


def parameter_score_of(eps_m: float | str, min_samples: int | str) -> dict[str, Any]:
    """Back-test score of a parameter pair on every stored month (made once per data version:
    fit on 3 months, PAI at the patrol area; see docs/evaluation.md)."""
    st = state()

    def make() -> dict[str, Any]:
        grid = Grid.over(st.store.load_boundary("force_area"), CELL_M)
        xy, months = drug_offences(st.store, st.events)  # in memory: not read again
        return parameter_score(
            xy,
            months,
            grid,
            eps_m=eps_m,  # type: ignore[arg-type]
            min_samples=min_samples,  # type: ignore[arg-type]
        )

    return shared(
        "analyses",
        ("parameter_score", eps_m, min_samples),
        make,
        encode=lambda score: json.dumps(score, default=str).encode(),
        decode=json.loads,
    )


def parameter_choice_of(end: str) -> ParameterChoice:
    """What ``auto`` stands for in the force's analysis ending at ``end``: the automatic rule or
    the pair the store's nested back-test favours, with its out-of-sample score (the command
    line's :func:`hotspots.evaluate.auto_parameters.store_choice` on the drug offences up to
    ``end`` only), made once per end month and data version.

    It is read from the store's table of back-test PAIs (:func:`parameter_table`, made once per
    data version for every end; :func:`hotspots.evaluate.auto_parameters.choice_from_table`
    gives the same choice as ``store_choice``), not back-tested anew for each end month. The
    force's choice only: a scoped reader's ``auto`` is :func:`web.access.area_parameters`."""
    return shared(
        "analyses",
        ("parameter-choice", end),
        lambda: choice_from_table(parameter_table(), end),
        encode=lambda choice: json.dumps(choice.as_dict()).encode(),
        decode=lambda data: ParameterChoice.from_dict(json.loads(data)),
    )


def parameter_table() -> StoreTable:
    """The store's back-test PAIs of every parameter pair on every stored month
    (:func:`hotspots.evaluate.auto_parameters.store_table`, the force's drug offences), made
    once per data version for the whole server: what every end month's choice is read from."""
    st = state()
    return shared(
        "analyses",
        ("parameter-table",),
        lambda: store_table(st.store, events=st.events),
        encode=lambda table: pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL),
        decode=pickle.loads,
    )


def wards_vintage() -> str:
    """The store's ward boundaries: vintage and count, e.g. ``December 2023 wards (<n>)``."""
    wards = state().store.manifest()["boundaries"].get("wards", {})
    vintage = str(wards.get("vintage", "unknown"))
    names = {
        "WD23": "December 2023",
        "WD22": "December 2022",
        "WD21": "December 2021",
        "WD19": "December 2019",
        "WD13": "2013",
    }
    return f"{names.get(vintage, vintage)} wards ({wards.get('features', '?')})"


def current_view(args: MultiDict[str, str] | None = None) -> ViewRequest:
    """The view the request (or ``args``) asks for, within what the visitor's role may see."""
    args = request.args if args is None else args
    return within_access(parse_view(args, state().months, default_months()))


def within_access(view: ViewRequest) -> ViewRequest:
    """``view`` as the visitor's role may ask for it (every door that reads a view applies
    this: maps, briefing, comparison, API, OGC): without exact points no search or raid layer
    and offences as heat at most; without :attr:`web.access.Access.tune_parameters` the
    ``auto`` DBSCAN parameters, whatever was sent; without
    :attr:`web.access.Access.choose_classes` the default classes; for the public, the latest
    whole calendar quarter held ending by the period's end, else the first held (the only
    periods whose ward counts it is given, :func:`hotspots.publicsafe.public_quarter`), when the
    period is not one."""
    access = current_access()
    if not access.exact_points:
        view = dataclasses.replace(
            view,
            searches=False,
            raids=False,
            offences="none" if access.public or view.offences == "none" else "heat",
        )
    if not access.tune_parameters:
        view = dataclasses.replace(view, eps_m=AUTO, min_samples=AUTO)
    if not access.choose_classes:
        view = dataclasses.replace(view, scheme=DEFAULT_SCHEME, k=None)
    if access.public and not whole_quarter(view.period):
        # the public's ward counts are given for whole calendar quarters only (web.access):
        # the latest one ending by the period's end (else the first held), not a table of blanks
        quarter = public_quarter(state().months, view.end)
        if quarter is not None:
            view = dataclasses.replace(view, start=quarter.start, end=quarter.end)
    return view


class Asked(NamedTuple):
    """The period a request gets before :func:`within_access` may move it: ``named`` when
    the request names it (``from`` and ``to``), else the default it gets."""

    period: Period
    named: bool


def asked_period(args: MultiDict[str, str] | None = None) -> Asked:
    """The period the request (or ``args``: ``from``, ``to``) asks for or gets by default,
    before :func:`within_access` may move it."""
    args = request.args if args is None else args
    period_args = MultiDict([(k, args[k]) for k in ("from", "to") if k in args])
    view = parse_view(period_args, state().months, default_months())
    return Asked(view.period, "from" in args and "to" in args)


def period_notes(view: ViewRequest, asked: Asked | None = None) -> list[str]:
    """Why ward counts the visitor may see are blank, or why the period shown is not the one
    ``asked`` (the whole-quarter rule, :func:`hotspots.publicsafe.whole_quarter`), in the one
    wording of :func:`hotspots.publicsafe.quarter_note`; [] when neither. Every door that shows
    those counts gives these (pages, ``/map.json``, API and OGC metadata, the briefing)."""
    access = current_access()
    layers = access.quarter_layers
    if not layers:
        return []
    if not whole_quarter(view.period):
        return [
            quarter_note(
                layers, view.period, near_hotspots=access.hotspots, totals=not access.public
            )
        ]
    if access.public and asked is not None and _moved(asked, view.period):
        # the public's period was moved: say which one is shown (and which was asked for)
        named = asked.period if asked.named else None
        return [quarter_note(layers, view.period, asked=named)]
    return []


def _moved(asked: Asked, shown: Period) -> bool:
    """Whether the period ``shown`` is not the one ``asked`` for: a named period other than
    it, or an end other than its own (``to`` alone, or the default, ending where the quarter
    shown ends is that quarter: what the public's quarter select sends)."""
    if asked.named:
        return asked.period != shown
    return asked.period.end != shown.end


def quarter_choices(months: list[str]) -> list[dict[str, Any]]:
    """The calendar quarters the public's period picker offers, the latest first: ``label``,
    ``start``, ``end``, ``held`` (every month held: a choice), and for a quarter only partly
    held, ``note``: "no data (drug offence records held for Oct–Nov 2025 only)" (the
    figure rule, :func:`hotspots.figures.coverage_note`)."""
    out = []
    for quarter, held in held_quarters(months):
        complete = len(held) == quarter.n_months
        note = "" if complete else f"no data ({coverage_note('offence', quarter, held)})"
        out.append(
            {
                "label": quarter.label,
                "start": quarter.start,
                "end": quarter.end,
                "held": complete,
                "note": note,
            }
        )
    return out


def period_presets(months: list[str], compare: bool = False) -> list[tuple[str, str, str]]:
    """(label, from, to) of the period presets the visitor is offered: for the public, the
    whole calendar quarters held, the latest first (the only periods whose ward counts it is
    given); for every other role :func:`web.filters.presets` (``compare``: those whose previous
    period is held, :func:`web.filters.compare_presets`)."""
    if not current_access().public:
        return compare_presets(months) if compare else presets(months)
    held = set(months)
    return [
        (q["label"], q["start"], q["end"])
        for q in quarter_choices(months)
        if q["held"]
        and (not compare or set(Period.months(q["start"], q["end"]).previous().months) <= held)
    ]


def forecast_after(
    end: str, cell_m: float = CELL_M, area: frozenset[str] | None = None
) -> NextMonth:
    """Next month's forecast after ``end`` on ``cell_m`` cells (from every drug offence up to
    ``end``), made once per end month, cell size, area and data version for the whole server
    (memory, then the disk cache every worker shares). The force's forecast (``area`` None) is
    the same for every role: the analysts' map layer and plans of the whole force rank by it.
    A plan of a district or wards ranks by the forecast of that area's wards ``area`` alone
    (:func:`hotspots.evaluate.next_month.next_month`), for every reader alike: the force's
    forecast scales its expected offences by the force's monthly totals and chooses its method
    on the force's offences, which an officer of the area may not see."""
    cell_m = float(cell_m)
    return shared(
        "analyses",
        ("next-month", end, cell_m, tuple(sorted(area)) if area is not None else None),
        lambda: next_month(state().store, end, cell_m=cell_m, area=area, events=state().events),
        lambda made: pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL),
        pickle.loads,
    )


def map_forecast(end: str) -> ForecastOverlay:
    """Next month's forecast cells after ``end`` (:func:`forecast_after`), made once per end
    month and data version (the analysts' map layer; who sees it: ``Access.forecast``)."""
    st = state()
    return cache("analyses").get_or_make(
        ("map-forecast", end, st.version),
        lambda: forecast_overlay(forecast_after(end)),
    )
