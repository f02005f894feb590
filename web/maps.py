"""Map pages: one period (``/``), two periods side by side (``/compare``), and their JSON twins.

Pages are cached (analysis and rendered map) on every filter and the data version, and answer
``If-None-Match`` with 304.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from hotspots import schema
from hotspots.analysis import Analysis, analyse
from hotspots.cli_analysis import analysis_json, headline_text, ward_movers
from hotspots.distributed import detector_factory
from hotspots.periods import Period
from hotspots.render import TileConfig, compare_map, period_map, render_html
from web.assets import ASSET_BASE
from web.data import shared, state
from web.errors import BadParameter
from web.filters import ViewRequest, parse_view, presets

bp = Blueprint("maps", __name__)


def _tiles() -> TileConfig | None:
    url = current_app.config.get("TILE_URL")
    if not url:
        return None
    return TileConfig(
        url=url,
        attribution=current_app.config["TILE_ATTRIBUTION"],
        max_zoom=int(current_app.config["TILE_MAX_ZOOM"]),
    )


def get_analysis(view: ViewRequest) -> Analysis:
    """The analysis of a view's period and parameters, made once for the whole server."""
    st = state()
    return shared(
        "analyses",
        ("analysis", view.analysis_key()),
        lambda: analyse(
            st.store,
            view.period,
            eps_m=view.eps_m,  # type: ignore[arg-type]
            min_samples=view.min_samples,  # type: ignore[arg-type]
            events=st.events,
            wards=st.wards,
            detector_factory=detector_factory(current_app.config["DASK_SCHEDULER"]),
        ),
        encode=lambda analysis: pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL),
        decode=pickle.loads,
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


def current_view() -> ViewRequest:
    st = state()
    return parse_view(request.args, st.months, int(current_app.config["DEFAULT_MONTHS"]))


def etag_for(*parts: Any) -> str:
    text = repr((parts, state().version, current_app.config.get("TILE_URL")))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_response(etag: str, make_body: Any, mimetype: str = "text/html") -> Response:
    """304 when the client holds ``etag``; else the (cached) body with the ETag set."""
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        body = shared("pages", ("page", etag), make_body, _encode_body, _decode_body)
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

    return cached_response(etag_for("index", view.key()), make)


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
            tiles=_tiles(),
        )
        title = f"Map of drug hotspots and wards, {analysis.period.label}"
        return render_html(fmap, ASSET_BASE, title=title)

    return cached_response(etag_for("frame", view.key()), make)


@bp.get("/map.json")
def map_json() -> Response:
    """The machine-readable twin of ``/``: metadata, totals, hotspots, ward movers, coverage."""
    view = current_view()
    data = analysis_json(get_analysis(view), top=1000)
    return jsonify(data)


def _compare_views() -> tuple[ViewRequest, ViewRequest]:
    view = current_view()
    args = request.args
    if "from2" in args or "to2" in args:
        other_args = args.copy()
        other_args["from"] = args.get("from2", "")
        other_args["to"] = args.get("to2", "")
        try:
            other = parse_view(other_args, state().months, 12)
        except BadParameter as exc:
            exc.field = {"from": "from2", "to": "to2"}.get(exc.field, exc.field)
            raise
    else:
        prev: Period = view.period.previous()
        other_args = args.copy()
        other_args["from"], other_args["to"] = prev.start, prev.end
        other = parse_view(other_args, state().months, 12)
    return view, other


@bp.get("/compare")
def compare() -> Response:
    """Two periods side by side, with the change per ward."""
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
            presets=presets(state().months),
            months=state().months,
            frame_url=url_for("maps.compare_frame") + "?" + frame_query,
        )

    return cached_response(etag_for("compare", view.key(), other.key()), make)


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
        )
        title = f"Drug hotspots: {a.period.label} (left) and {b.period.label} (right)"
        return render_html(fmap, ASSET_BASE, title=title)

    return cached_response(etag_for("compare-frame", view.key(), other.key()), make)


def _ward_changes(a: Analysis, b: Analysis) -> list[dict[str, Any]]:
    """Per ward: offences in period ``a`` and in ``b``, and the change, biggest moves first."""
    left = a.wards.set_index("ward_code")
    right = b.wards.set_index("ward_code")
    rows = []
    for code in left.index:
        now, then = int(left.at[code, "offence_count"]), int(right.at[code, "offence_count"])
        rows.append(
            {
                "ward_name": left.at[code, "ward_name"],
                "district_name": left.at[code, "district_name"],
                "now": now,
                "then": then,
                "change": now - then,
            }
        )
    rows.sort(key=lambda r: (-abs(r["change"]), r["ward_name"]))
    return rows
