"""Map pages: one period (``/``), two periods side by side (``/compare``), and their JSON twins.

Pages are cached (analysis and rendered map) on every filter and the data version, and answer
``If-None-Match`` with 304. What every visitor of a role shares (analyses, map frames, files) is
cached in memory and in the disk cache all workers share; a page with the site banner (the
visitor's name, this session's sign-out token) is kept only in this process's memory (bounded by
``CACHE_SIZE``), never written to disk (:func:`cached_response`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from hotspots import schema
from hotspots.analysis import Analysis, analyse
from hotspots.assessment import assess, significant_only
from hotspots.cli_analysis import analysis_json, headline_text, ward_movers
from hotspots.distributed import detector_factory
from hotspots.evaluate.advice import parameter_score
from hotspots.evaluate.backtest import drug_offences
from hotspots.evaluate.grid import CELL_M, Grid
from hotspots.evaluate.next_month import next_month
from hotspots.periods import Period
from hotspots.render import TileConfig, compare_map, period_map, render_html
from hotspots.render.maps import ForecastOverlay, forecast_overlay
from web.access import area_name, current_access, redact
from web.assets import ASSET_BASE
from web.csrf import csrf_token
from web.data import cache, config_fingerprint, shared, state
from web.errors import BadParameter
from web.filters import (
    ViewRequest,
    compare_presets,
    default_comparison,
    parse_view,
    presets,
)
from web.tiles import basemap_tiles

bp = Blueprint("maps", __name__)


@bp.app_context_processor
def _area() -> dict[str, Any]:
    """``area``: the signed-in officer's area by name (``Cambridge``), empty for the force."""
    access = g.get("access")
    if access is None or not access.scope:
        return {"area": ""}
    return {"area": area_name(state().wards, access.scope)}


def _tiles() -> TileConfig | None:
    if (served := basemap_tiles()) is not None:  # the BASEMAP file, served at /tiles
        return served
    url = current_app.config.get("TILE_URL")
    if not url:
        return None
    return TileConfig(
        url=url,
        attribution=current_app.config["TILE_ATTRIBUTION"],
        max_zoom=int(current_app.config["TILE_MAX_ZOOM"]),
    )


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
        analysis = cache("analyses").get_or_make(key, lambda: redact(full_analysis(view), access))
    if view.significant:
        analysis = dataclasses.replace(analysis, hotspots=significant_only(analysis.hotspots))
    return analysis


def full_analysis(view: ViewRequest) -> Analysis:
    """The whole analysis of a view (every layer, exact points), with its hotspots' significance
    and dynamics and the back-test score of its parameters: never shown as it is to a visitor
    without full access; use :func:`get_analysis`."""
    st = state()
    config = current_app.config

    def make() -> Analysis:
        analysis = analyse(
            st.store,
            view.period,
            eps_m=view.eps_m,  # type: ignore[arg-type]
            min_samples=view.min_samples,  # type: ignore[arg-type]
            events=st.events,
            wards=st.wards,
            detector_factory=detector_factory(config["DASK_SCHEDULER"]),
        )
        return assess(
            analysis,
            st.store,
            n_sims=int(config["SIGNIFICANCE_SIMS"]),
            seed=0,
            dynamics_periods=int(config["DYNAMICS_PERIODS"]),
            score=False,
            events=st.events,
        )

    analysis = shared(
        "analyses",
        ("analysis", view.analysis_key()),
        make,
        encode=lambda analysis: pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL),
        decode=pickle.loads,
    )
    score = parameter_score_of(view.eps_m, view.min_samples)
    return dataclasses.replace(
        analysis, parameters={**analysis.parameters, "parameter_score": score}
    )


def parameter_score_of(eps_m: float | str, min_samples: int | str) -> dict[str, Any]:
    """Back-test score of a parameter pair on every stored month (made once per data version:
    fit on 3 months, PAI at the patrol area; see the README's evaluation section)."""
    st = state()

    def make() -> dict[str, Any]:
        grid = Grid.over(st.store.load_boundary("force_area"), CELL_M)
        xy, months = drug_offences(st.store)
        return parameter_score(
            xy, months, grid, eps_m=eps_m, min_samples=min_samples  # type: ignore[arg-type]
        )  # fmt: skip

    return shared(
        "analyses",
        ("parameter_score", eps_m, min_samples),
        make,
        encode=lambda score: json.dumps(score, default=str).encode(),
        decode=json.loads,
    )


def wards_vintage() -> str:
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
    st = state()
    args = request.args if args is None else args
    view = parse_view(args, st.months, int(current_app.config["DEFAULT_MONTHS"]))
    access = current_access()
    if not access.exact_points:
        view = dataclasses.replace(
            view,
            searches=False,
            raids=False,
            offences="none" if access.public or view.offences == "none" else "heat",
        )
    return view


def etag_for(*parts: Any, page: bool = False) -> str:
    """ETag (and cache key) of a response: its parts, the data version, the settings and what
    the visitor may see. ``page=True`` for pages with the site banner, which carries the
    visitor's name and this session's sign-out token: those are kept per session (the analysis
    and map frames they show stay shared)."""
    key: tuple[Any, ...] = current_access().key()
    if page:
        key = (*key, current_access().username, csrf_token())
    text = repr((parts, key, state().version, config_fingerprint()))
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return SESSION_ETAG_PREFIX + digest if page else digest


#: Starts the ETag of a page made for one session (:func:`etag_for` with ``page=True``).
SESSION_ETAG_PREFIX = "s-"


def cached_response(etag: str, make_body: Any, mimetype: str = "text/html") -> Response:
    """304 when the client holds ``etag``; else the (cached) body with the ETag set.

    A body shared by every visitor of a role is cached in memory and on disk; a page made for
    one session (its ETag from ``etag_for(..., page=True)``) only in this process's memory."""
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        per_session = etag.startswith(SESSION_ETAG_PREFIX)
        body = shared(
            "pages", ("page", etag), make_body, _encode_body, _decode_body, disk=not per_session
        )
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = int(current_app.config["CACHE_MAX_AGE"])
    return response


def _encode_body(body: str | bytes) -> bytes:
    """A page (text) or a file (bytes) for the disk cache: one tag byte, then the content."""
    return b"b" + body if isinstance(body, bytes) else b"t" + body.encode()


def _decode_body(data: bytes) -> str | bytes:
    return data[1:] if data[:1] == b"b" else data[1:].decode()


@bp.get("/")
def index() -> Response:
    """The map page of one period."""
    view = current_view()

    def make() -> str:
        analysis = get_analysis(view)
        return render_template(
            "map.html",
            view=view,
            analysis=analysis,
            hotspots=analysis.hotspots.head(10),
            movers=ward_movers(analysis, 5),
            presets=presets(state().months),
            months=state().months,
            frame_url=url_for("maps.frame") + "?" + view.query(),
            headline=headline_text(analysis),
            wards_vintage=wards_vintage(),
            synthetic=bool(analysis.events[schema.SYNTHETIC].any()),
        )

    return cached_response(etag_for("index", view.key(), page=True), make)


@bp.get("/map/frame")
def frame() -> Response:
    """The Folium map itself (embedded by the page in an iframe)."""
    view = current_view()

    def make() -> str:
        analysis = get_analysis(view)
        fmap = period_map(
            analysis,
            force_area=state().force_area,
            ward_measure=view.measure,
            show_offences=view.offences,
            show_searches=view.searches,
            show_raids=view.raids,
            show_exact_points=current_access().exact_points,
            tiles=_tiles(),
            fit_wards=bool(current_access().scope),  # an officer's map opens on their area
            forecast=map_forecast(view.end) if current_access().forecast else None,
        )
        title = f"Map of drug hotspots and wards, {analysis.period.label}"
        return render_html(fmap, ASSET_BASE, title=title)

    return cached_response(etag_for("frame", view.key()), make)


def map_forecast(end: str) -> ForecastOverlay:
    """Next month's forecast cells after ``end`` (from months up to ``end`` only), cached."""
    st = state()
    return cache("analyses").get_or_make(
        ("map-forecast", end, st.version),
        lambda: forecast_overlay(next_month(st.store, end)),
    )


@bp.get("/map.json")
def map_json() -> Response:
    """The machine-readable twin of ``/``: metadata, totals, hotspots, ward movers, coverage."""
    view = current_view()
    data = analysis_json(get_analysis(view), top=1000)
    return jsonify(data)


def _compare_views() -> tuple[ViewRequest, ViewRequest]:
    """The two periods compared: ``from``/``to`` and ``from2``/``to2`` (default: the previous
    period); with none of them, :func:`web.filters.default_comparison`."""
    args: MultiDict[str, str] = request.args
    if not any(name in args for name in ("from", "to", "from2", "to2")):
        months, n = state().months, int(current_app.config["DEFAULT_MONTHS"])
        args = args.copy()
        args.update(default_comparison(months, n))
    view = current_view(args)
    other_args = args.copy()
    if "from2" in args or "to2" in args:
        other_args["from"] = args.get("from2", "")
        other_args["to"] = args.get("to2", "")
    else:
        prev: Period = view.period.previous()
        other_args["from"], other_args["to"] = prev.start, prev.end
    try:
        other = parse_view(other_args, state().months, 12)
    except BadParameter as exc:
        exc.field = {"from": "from2", "to": "to2"}.get(exc.field, exc.field)
        raise
    return view, other


@bp.get("/compare")
def compare() -> Response | tuple[str, int]:
    """Two periods side by side, with the change per ward."""
    months = state().months
    if len(months) == 1 and not any(n in request.args for n in ("from", "to", "from2", "to2")):
        # the menu's link never leads to an error: say why there is nothing to compare
        return render_template("compare_none.html", month=Period.months(months[0], months[0])), 200
    view, other = _compare_views()
    frame_query = view.query() + f"&from2={other.start}&to2={other.end}"

    def make() -> str:
        a, b = get_analysis(view), get_analysis(other)
        return render_template(
            "compare.html",
            view=view,
            other=other,
            a=a,
            b=b,
            changes=_ward_changes(a, b),
            presets=compare_presets(state().months),
            months=state().months,
            frame_url=url_for("maps.compare_frame") + "?" + frame_query,
        )

    return cached_response(etag_for("compare", view.key(), other.key(), page=True), make)


@bp.get("/compare/frame")
def compare_frame() -> Response:
    """The two synchronised maps (embedded by ``/compare``)."""
    view, other = _compare_views()

    def make() -> str:
        a, b = get_analysis(other), get_analysis(view)
        fmap = compare_map(
            a,
            b,
            force_area=state().force_area,
            ward_measure=view.measure if view.measure != "change" else "count",
            tiles=_tiles(),
            show_raids=view.raids,
            fit_wards=bool(current_access().scope),
        )
        title = f"Drug hotspots: {a.period.label} (left) and {b.period.label} (right)"
        return render_html(fmap, ASSET_BASE, title=title)

    return cached_response(etag_for("compare-frame", view.key(), other.key()), make)


def _ward_changes(a: Analysis, b: Analysis) -> list[dict[str, Any]]:
    """Per ward: offences in period ``a`` and in ``b``, and the change, biggest moves first.

    A count the role or the figure rule leaves blank (public: under ``SUPPRESS_BELOW``) is
    None, and so is a change from it (listed last), never a 0."""
    left = a.wards.set_index("ward_code")
    right = b.wards.set_index("ward_code")
    rows = []
    for code in left.index:
        now, then = _count(left.at[code, "offence_count"]), _count(right.at[code, "offence_count"])
        rows.append(
            {
                "ward_name": left.at[code, "ward_name"],
                "district_name": left.at[code, "district_name"],
                "now": now,
                "then": then,
                "change": None if now is None or then is None else now - then,
            }
        )
    rows.sort(key=lambda r: (r["change"] is None, -abs(r["change"] or 0), r["ward_name"]))
    return rows


def _count(value: Any) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN
