"""Map pages: one period (``/``), two periods side by side (``/compare``), and their JSON twins.

Pages are cached (analysis and rendered map) on every filter and the data version, and answer
``If-None-Match`` with 304. What every visitor of a role shares (analyses, map frames, files) is
cached in memory and in the disk cache all workers share; a page with the site banner (the
visitor's name, this session's sign-out token) is kept only in this process's memory (bounded by
``CACHE_SIZE``), never written to disk (:func:`web.httpcache.cached_response`). The maps
themselves are made by :mod:`web.frames`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from hotspots import schema
from hotspots.dates import months_words
from hotspots.figures import comparison_note
from hotspots.periods import Period, PeriodError, add_months, held_runs, missing_words
from hotspots.presentation import (
    analysis_json,
    every_ward,
    headline_text,
    parameter_choice_text,
    ward_changes,
    ward_movers,
)
from hotspots.render.maps import classes_record
from web import frames
from web.access import area_name, current_access
from web.analyses import (
    asked_period,
    current_view,
    get_analysis,
    period_notes,
    period_presets,
    quarter_choices,
    wards_vintage,
    within_access,
)
from web.data import state
from web.errors import BadParameter
from web.filters import (
    ViewRequest,
    default_comparison,
    default_months,
    parse_view,
)
from web.httpcache import cached_response, etag_for

bp = Blueprint("maps", __name__)


@bp.app_context_processor
def _area() -> dict[str, Any]:
    """``area``: the signed-in officer's area by name (``Cambridge``), empty for the force."""
    access = g.get("access")
    if access is None or not access.scope:
        return {"area": ""}
    return {"area": area_name(state().wards, access.scope)}


@bp.get("/")
def index() -> Response:
    """The map page of one period."""
    view = current_view()
    notes = period_notes(view, asked_period())

    def make() -> str:
        analysis = get_analysis(view)
        return render_template(
            "map.html",
            view=view,
            analysis=analysis,
            notes=notes,
            hotspots=analysis.hotspots.head(10),
            movers=ward_movers(analysis, 5),
            every_ward=every_ward(analysis),
            presets=period_presets(state().months),
            quarters=quarter_choices(state().months) if current_access().public else [],
            months=state().months,
            frame_url=url_for("maps.frame") + "?" + view.query(),
            headline=headline_text(analysis),
            parameter_choice=parameter_choice_text(analysis.parameters),
            wards_vintage=wards_vintage(),
            synthetic=bool(analysis.events[schema.SYNTHETIC].any()),
        )

    return cached_response(etag_for("index", view.key(), *notes, page=True), make)


@bp.get("/map/frame")
def frame() -> Response:
    """The Folium map itself (embedded by the page in an iframe)."""
    view = current_view()
    return cached_response(frames.period_frame_etag(view), lambda: frames.period_frame(view))


@bp.get("/map.json")
def map_json() -> Response:
    """The machine-readable twin of ``/``: metadata, totals, hotspots, ward movers, coverage."""
    view = current_view()
    analysis = get_analysis(view)
    data = analysis_json(analysis, top=1000)
    # the wards' classes as the map draws them, with the parameters (a copy: the analysis's
    # own parameters are shared by every output of the cached analysis)
    if not current_access().public:  # the public's outputs carry no parameter (web.access)
        classes = classes_record(analysis, view.measure, view.scheme, view.k)
        data["metadata"]["parameters"] = {**data["metadata"]["parameters"], "classes": classes}
    data["notes"] = period_notes(view, asked_period())
    return jsonify(data)


def _compare_views() -> tuple[ViewRequest, ViewRequest]:
    """The two periods compared: ``from``/``to`` and ``from2``/``to2`` (default: the previous
    period; one of ``from2``/``to2`` alone: :func:`_comparison_args`); with none of them,
    :func:`web.filters.default_comparison`."""
    args: MultiDict[str, str] = request.args
    if not any(name in args for name in ("from", "to", "from2", "to2")):
        months, n = state().months, default_months()
        args = args.copy()
        args.update(default_comparison(months, n))
    view = current_view(args)
    try:
        other = within_access(
            parse_view(_comparison_args(args, view), state().months, default_months())
        )
    except BadParameter as exc:
        exc.field = {"from": "from2", "to": "to2"}.get(exc.field, exc.field)
        raise
    return view, other


def _comparison_args(args: MultiDict[str, str], view: ViewRequest) -> MultiDict[str, str]:
    """``args`` with ``from``/``to`` the comparison period's (docs/periods.md): ``from2`` and
    ``to2`` as sent; one of them alone, the period of as many months as ``view``'s that starts
    at ``from2`` or ends at ``to2`` (a change compares like with like); neither, the period
    before ``view``'s. A malformed month is left as sent, for :func:`parse_view` to name."""
    out = args.copy()
    start, end = args.get("from2", "").strip(), args.get("to2", "").strip()
    if not ("from2" in args or "to2" in args):
        prev: Period = view.period.previous()
        start, end = prev.start, prev.end
    span = view.period.n_months - 1
    try:
        if start and not end:
            end = add_months(Period.months(start, start).start, span)
        elif end and not start:
            start = add_months(Period.months(end, end).end, -span)
    except PeriodError:
        pass  # parse_view names the field and the value
    out["from"], out["to"] = start, end
    return out


@bp.get("/compare")
def compare() -> Response | tuple[str, int]:
    """Two periods side by side, with the change per ward."""
    months = state().months
    if len(months) == 1 and not any(n in request.args for n in ("from", "to", "from2", "to2")):
        # the menu's link never leads to an error: say why there is nothing to compare
        return render_template("compare_none.html", month=Period.months(months[0], months[0])), 200
    unheld = _unheld_comparison()
    if unheld is not None:
        return _no_comparison_page(*unheld)
    view, other = _compare_views()
    frame_query = view.query() + f"&from2={other.start}&to2={other.end}"
    # the second period as asked; when not named, derived from the first (nothing asked)
    named = "from2" in request.args and "to2" in request.args
    other_asked = asked_period(_other_args(request.args)) if named else None
    notes = list(
        dict.fromkeys(period_notes(view, asked_period()) + period_notes(other, other_asked))
    )

    def make() -> str:
        a, b = get_analysis(view), get_analysis(other)
        return render_template(
            "compare.html",
            view=view,
            other=other,
            a=a,
            b=b,
            changes=ward_changes(a, b),
            notes=notes,
            presets=period_presets(state().months, compare=True),
            quarters=quarter_choices(state().months) if current_access().public else [],
            months=state().months,
            frame_url=url_for("maps.compare_frame") + "?" + frame_query,
        )

    etag = etag_for("compare", view.key(), other.key(), *notes, page=True)
    return cached_response(etag, make)


def _unheld_comparison() -> tuple[ViewRequest, Period] | None:
    """The period shown and the comparison period asked for (``from2``/``to2`` as sent, else
    the period before) when a month of the comparison is not held; None when every month is
    held, or when the request has another fault (:func:`_compare_views` then says which).

    "A change needs both periods" (:mod:`hotspots.figures`): a comparison period the store
    does not hold is "no data", not a mistake the user must correct."""
    args: MultiDict[str, str] = request.args
    if not any(name in args for name in ("from", "to", "from2", "to2")):
        return None  # the default pair (web.filters.default_comparison) is held
    view = current_view()  # a fault in the first period is its own 400
    other_args = _comparison_args(args, view)
    try:
        other = Period.months(other_args["from"], other_args["to"])
    except ValueError:
        return None
    gaps, _ = held_runs(other.start, other.end, state().months)  # bounded by the store's months
    return (view, other) if gaps else None


def _no_comparison_page(view: ViewRequest, other: Period) -> Response:
    """The period's figures with the comparison "no data" (in the words of
    :func:`hotspots.figures.comparison_note`), the months not held named, a link to the
    period's map and the period form filled in to choose a held comparison."""
    missing = missing_words(other.start, other.end, state().months)
    notes = period_notes(view, asked_period())

    def make() -> str:
        analysis = get_analysis(view)
        held = analysis.layer_months.get("offence", ())
        return render_template(
            "compare_unheld.html",
            view=view,
            other=other,
            a=analysis,
            no_data=comparison_note("offence", other, held),
            missing=missing,
            store_months=months_words(state().months),
            notes=notes,
            presets=period_presets(state().months, compare=True),
            quarters=quarter_choices(state().months) if current_access().public else [],
            months=state().months,
        )

    etag = etag_for("compare-unheld", view.key(), other.start, other.end, *notes, page=True)
    return cached_response(etag, make)


def _other_args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """``from2``/``to2`` as ``from``/``to`` (the second period as asked)."""
    return MultiDict([(k[:-1], v) for k, v in args.items() if k in ("from2", "to2")])


@bp.get("/compare/frame")
def compare_frame() -> Response:
    """The two synchronised maps (embedded by ``/compare``); when the comparison period is not
    held, a page in ``/compare``'s words ("no data for the comparison period ..."), 200."""
    unheld = _unheld_comparison()
    if unheld is not None:
        view, period = unheld
        held = state().months
        missing = missing_words(period.start, period.end, held)  # bounded by the store's months

        def make() -> str:
            analysis = get_analysis(view)
            return render_template(
                "compare_frame_unheld.html",
                view=view,
                other=period,
                no_data=comparison_note(
                    "offence", period, analysis.layer_months.get("offence", ())
                ),
                missing=missing,
                store_months=months_words(held),
            )

        etag = etag_for("compare-frame-unheld", view.key(), period.start, period.end)
        return cached_response(etag, make)
    view, other = _compare_views()
    etag = etag_for("compare-frame", view.key(), other.key())
    return cached_response(etag, lambda: frames.compare_frame(view, other))
