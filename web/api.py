"""The analyst API, ``/api/v1/...``: JSON and GeoJSON twins of the maps, and file downloads.

Every response records its parameters and the store's data version (a ``metadata`` member and
the ``X-Data-Version`` header). Every bad parameter, including an unknown one, raises
:class:`web.errors.BadParameter` (400, one JSON shape). Downloads are written by
:mod:`hotspots.export` to a temporary file, chunk by chunk, and streamed from it; the file is
unlinked before the response starts, so nothing is left behind. The OpenAPI document
(:mod:`web.openapi`) is served at ``/api/v1/openapi.json`` and rendered at ``/api/docs``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import markdown
import numpy as np
from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from hotspots import schema
from hotspots.analysis import other_than_drugs
from hotspots.export import FORMATS, LICENCE, ExportMetadata, export
from hotspots.export.events import no_data_months
from hotspots.export.styles import ward_count_classes
from hotspots.figures import RECORDS, layer_months
from hotspots.parameters import EPS_M_MAX, EPS_M_MIN, MIN_SAMPLES_MAX, MIN_SAMPLES_MIN
from hotspots.presentation import figures_json
from hotspots.publicsafe import quarter_note
from web import openapi
from web.access import current_access, require_in_scope, scope_wards
from web.accounts import audit
from web.analyses import (
    asked_period,
    get_analysis,
    period_notes,
    period_presets,
    quarter_choices,
    within_access,
)
from web.bbox import in_bbox_wgs84, parse_bbox
from web.budget import charge
from web.data import StoreState, state
from web.errors import BadParameter
from web.filters import ViewRequest, default_months, default_period, flag, parse_view
from web.httpcache import etag_for, revalidated

bp = Blueprint("api", __name__, url_prefix="/api/v1")
#: Bytes sent at a time from a download's temporary file.
_BLOCK = 64 * 1024


@bp.record
def _docs_route(setup: BlueprintSetupState) -> None:
    # The docs page lives at /api/docs, outside the blueprint's /api/v1 prefix.
    setup.app.add_url_rule("/api/docs", endpoint="api.docs", view_func=docs)


def _request_etag() -> str:
    """The ETag of this request's answer: path, every query value, data version, settings and
    what the caller may see (the answer is a function of these alone)."""
    return etag_for("api", request.path, sorted(request.args.items(multi=True)))


revalidated(bp, _request_etag)


# -- parameters -------------------------------------------------------------------------------


def _args(path: str) -> MultiDict[str, str]:
    """The request's parameters, after refusing unknown ones."""
    allowed = openapi.PATH_PARAMETERS[path]
    for name in request.args:
        if name not in allowed:
            raise BadParameter(
                name,
                request.args[name],
                "one of the parameters " + (", ".join(allowed) or "(none)"),
            )
    # a repeated single-valued parameter is refused before the view (web.filters.refuse_repeated)
    return request.args


def _values(args: MultiDict[str, str], name: str) -> list[str] | None:
    """A repeatable parameter: repeated and/or comma-separated values (None: not given)."""
    if name not in args:
        return None
    out = [v.strip() for raw in args.getlist(name) for v in raw.split(",")]
    return list(dict.fromkeys(out))


def _known(args: MultiDict[str, str], name: str, known: set[str], what: str) -> list[str] | None:
    values = _values(args, name)
    for value in values or ():
        if value not in known:
            raise BadParameter(name, value, f"{what} held in the store (see /api/v1/meta)")
    return values


def _in_scope(districts: list[str] | None = None, wards: list[str] | None = None) -> None:
    """403 when a scoped visitor names an area outside their own (:func:`require_in_scope`)."""
    table = state().wards
    if table is not None:
        require_in_scope(
            table, current_access(), ward_codes=wards or (), district_codes=districts or ()
        )


def _view(args: MultiDict[str, str]) -> ViewRequest:
    """The period and DBSCAN parameters, checked as the map pages check them."""
    names = ("from", "to", "eps_m", "min_samples", "significant", "scheme", "k")
    view_args = MultiDict([(n, args[n]) for n in names if n in args])
    st = state()
    return within_access(parse_view(view_args, st.months, default_months()))


def _format(args: MultiDict[str, str]) -> str:
    value = args.get("format", "geojson").strip()
    if value not in FORMATS:
        raise BadParameter("format", value, "one of " + ", ".join(FORMATS))
    return value


def _ward_codes(st: StoreState) -> tuple[set[str], set[str]]:
    if st.wards is None:
        return set(), set()
    return set(st.wards[schema.WARD_CODE]), set(st.wards[schema.DISTRICT_CODE])


# -- responses --------------------------------------------------------------------------------


def _request_record(args: MultiDict[str, str], view: ViewRequest | None) -> dict[str, Any]:
    record: dict[str, Any] = {k: v if len(v) > 1 else v[0] for k, v in args.lists()}
    if view is not None:
        record.update({"from": view.start, "to": view.end})
    return record


def _download(
    name: str,
    fmt: str,
    meta: ExportMetadata,
    write: Callable[[Path, ExportMetadata], None],
    rows: int = 0,
) -> Response:
    """Write an export to a temporary file and stream it (the file is unlinked at once).

    Every export is written to the audit log: who, what, when and with which filters, and
    counted against the account's budget of new work (:func:`web.budget.charge`: each is
    written anew; a repeat with ``If-None-Match`` is a 304 before any work; ``rows``: an events
    download counts by its rows, :func:`web.budget.weight`).
    """
    charge(rows)
    audit("export", {"name": name, "format": fmt, "request": meta.extra.get("request")})
    folder = Path(tempfile.mkdtemp(prefix="hotspots-api-"))
    try:
        target = folder / f"{name}.{fmt}"
        write(target, meta)
        handle = open(target, "rb")  # noqa: SIM115  (closed by _FileBody)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    size = os.fstat(handle.fileno()).st_size
    response = Response(_FileBody(handle), mimetype=openapi.MEDIA[fmt])
    response.content_length = size
    disposition = "inline" if fmt == "geojson" else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=f"{name}.{fmt}")
    response.cache_control.no_cache = True
    if fmt == "csv":
        response.mimetype = "text/csv"
    response.headers["X-Hotspots-Metadata"] = json.dumps(meta.to_dict(), ensure_ascii=True)
    return response


class _FileBody:
    """A download's body: its (already unlinked) temporary file in blocks, closed when read to
    the end, on ``close()`` (the WSGI server calls it) or when collected (HEAD, aborts)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def __iter__(self) -> Iterator[bytes]:
        try:
            while block := self._handle.read(_BLOCK):
                yield block
        finally:
            self.close()

    def close(self) -> None:
        self._handle.close()

    def __del__(self) -> None:
        self._handle.close()


def _json(data: dict[str, Any], parameters: dict[str, Any]) -> Response:
    meta = {"parameters": parameters, "data_version": state().version}
    return jsonify({"metadata": meta, **data})


# -- endpoints --------------------------------------------------------------------------------


@bp.get("/meta")
def meta() -> Response:
    """What the store holds and the settings that shape the outputs."""
    _args("/api/v1/meta")
    st = state()
    manifest = st.store.manifest()
    layers = _layers(st)
    districts: list[dict[str, Any]] = []
    if st.wards is not None:
        grouped = st.wards.groupby([schema.DISTRICT_CODE, schema.DISTRICT_NAME]).size()
        districts = [{"code": c, "name": n, "wards": int(k)} for (c, n), k in grouped.items()]
    boundaries = {
        name: {"vintage": entry.get("vintage"), "features": entry.get("features")}
        for name, entry in manifest["boundaries"].items()
    }
    data = {
        "data_version": st.version,
        "updated": manifest.get("updated"),
        "crs": manifest.get("crs"),
        # months any layer the caller may see holds (no month held by raids alone, for roles
        # without raid figures)
        "months": sorted({m for entry in layers.values() for m in entry["months_held"]}),
        "layers": layers,
        "ward_vintage": boundaries.get("wards", {}).get("vintage"),
        "boundaries": boundaries,
        "districts": districts,
        "settings": {
            "default_months": default_months(),
            "protective_marking": current_app.config.get("PROTECTIVE_MARKING"),
            "eps_m_range": [EPS_M_MIN, EPS_M_MAX],
            "min_samples_range": [MIN_SAMPLES_MIN, MIN_SAMPLES_MAX],
            "formats": list(FORMATS),
        },
        "licence": LICENCE,
    }
    return _json(data, {})


def _layers(st: StoreState) -> dict[str, Any]:
    """Per layer the caller may see (:attr:`web.access.Access.layers`): events, months held
    and categories, over the caller's area (an officer's wards; else the force). A layer the
    store holds no record of has ``events`` null and a ``note``, never 0. The public level gets
    the months held and no count (ward counts only)."""
    access = current_access()
    held = layer_months(st.store.sources())
    frame = st.events
    if frame is not None and access.scope and st.wards is not None:
        frame = frame[frame[schema.WARD_CODE].isin(scope_wards(st.wards, access.scope))]
    layers: dict[str, Any] = {}
    for layer in access.layers:
        months_held = list(held.get(layer, ()))
        if not months_held or frame is None:
            layers[layer] = {
                "events": None,
                "months": None,
                "months_held": [],
                "note": f"no {RECORDS[layer]} held",
            }
            continue
        if access.public:
            # The public sees ward counts with small ones blank: a force total would give away
            # the sum of the blanks (web.access's rule for every force figure).
            layers[layer] = {
                "months": [months_held[0], months_held[-1]],
                "months_held": months_held,
                "note": "counts are published by ward only, small ones blank",
            }
            continue
        group = frame[frame[schema.LAYER] == layer]
        layers[layer] = {
            "events": len(group),
            "months": [months_held[0], months_held[-1]],
            "months_held": months_held,
            "synthetic_events": int(group[schema.SYNTHETIC].fillna(False).astype(bool).sum()),
            "categories": {
                str(k): int(v) for k, v in group[schema.CATEGORY].value_counts().items()
            },
        }
    return layers


@bp.get("/periods")
def periods() -> Response:
    """The months held, the default period and the presets."""
    _args("/api/v1/periods")
    st = state()
    default = None
    if st.months:
        view = within_access(parse_view(MultiDict(), st.months, default_months()))
        default = {"from": view.start, "to": view.end}
    data: dict[str, Any] = {
        "months": st.months,
        "first": st.months[0] if st.months else None,
        "last": st.months[-1] if st.months else None,
        "default": default,
        "presets": [{"label": k, "from": a, "to": b} for k, a, b in period_presets(st.months)],
    }
    if current_access().public:  # whole calendar quarters only (hotspots.publicsafe)
        data["note"] = quarter_note(current_access().quarter_layers, None)
        data["partly_held"] = [
            {"label": q["label"], "from": q["start"], "to": q["end"], "note": q["note"]}
            for q in quarter_choices(st.months)
            if not q["held"]
        ]
    return _json(data, {})


@bp.get("/wards")
def wards() -> Response:
    """The ward summary of a period (GeoJSON by default)."""
    args = _args("/api/v1/wards")
    fmt = _format(args)
    view = _view(args)
    _, district_codes = _ward_codes(state())
    districts = _known(args, "district", district_codes, "district codes")
    _in_scope(districts=districts)
    analysis = get_analysis(view)
    table = analysis.wards
    if districts is not None:
        table = table[table[schema.DISTRICT_CODE].isin(districts)]
    meta = _metadata(analysis, args, view)
    # the classes of the file's counts (the GeoPackage's default style draws the same ones,
    # hotspots.export.styles.classes_of), with the parameters
    if "offence_count" in table and not current_access().public:  # (no parameter: web.access)
        counts = table["offence_count"].astype(float).tolist()
        record = ward_count_classes(counts, view.scheme, view.k).record()
        classes = {"measure": "count", **record}
        meta = dataclasses.replace(meta, parameters={**meta.parameters, "classes": classes})
    return _download(f"wards_{view.start}_{view.end}", fmt, meta, _writer(table))


@bp.get("/hotspots")
def hotspots() -> Response:
    """The DBSCAN hotspots of a period (GeoJSON by default)."""
    args = _args("/api/v1/hotspots")
    fmt = _format(args)
    view = _view(args)
    ward_codes, district_codes = _ward_codes(state())
    districts = _known(args, "district", district_codes, "district codes")
    wards_wanted = _known(args, "ward", ward_codes, "ward codes")
    bbox = parse_bbox(args)
    _in_scope(districts=districts, wards=wards_wanted)
    analysis = get_analysis(view)
    table = analysis.hotspots
    if districts is not None:
        table = table[table[schema.DISTRICT_CODE].isin(districts)]
    if wards_wanted is not None:
        # A hotspot belongs to every ward its offences fall in (``wards``: codes, ``;``-joined).
        wanted = set(wards_wanted)
        members = [set(str(codes).split(";")) for codes in table["wards"]]
        table = table[np.array([bool(m & wanted) for m in members], dtype=bool)]
    if bbox is not None:
        table = table[in_bbox_wgs84(table, bbox)]
    return _download(
        f"hotspots_{view.start}_{view.end}", fmt, _metadata(analysis, args, view), _writer(table)
    )


@bp.get("/events")
def events() -> Response:
    """The events of a period, filtered (GeoJSON by default). For authorised roles only."""
    args = _args("/api/v1/events")
    fmt = _format(args)
    view = _view(args)
    st = state()
    ward_codes, district_codes = _ward_codes(st)
    layers = _known(args, "layer", set(openapi.LAYERS), "layers")
    frame = st.events if st.events is not None else gpd.GeoDataFrame()
    categories = _known(args, "category", set(frame[schema.CATEGORY].dropna()), "categories")
    wards_wanted = _known(args, "ward", ward_codes, "ward codes")
    districts = _known(args, "district", district_codes, "district codes")
    bbox = parse_bbox(args)
    keep = frame[schema.MONTH].isin(view.period.months).to_numpy().copy()
    for column, wanted in (
        (schema.LAYER, layers),
        (schema.CATEGORY, categories),
        (schema.WARD_CODE, wards_wanted),
        (schema.DISTRICT_CODE, districts),
    ):
        if wanted is not None:
            keep &= frame[column].isin(wanted).to_numpy()
    drugs = flag(args, "drugs", False)
    if drugs and len(frame):
        keep &= ~other_than_drugs(frame)
    selected = frame[keep]
    if bbox is not None:
        selected = selected[in_bbox_wgs84(selected, bbox)]
    selected = selected.reset_index(drop=True)
    parameters = {
        "layers": layers,
        "categories": categories,
        "drugs_only": drugs,
        "wards": wards_wanted,
        "districts": districts,
        "bbox": list(bbox) if bbox else None,
        "months": list(view.period.months),
    }
    meta = ExportMetadata(
        period=view.period.label,
        parameters=parameters,
        data_version=st.version or "",
        synthetic=bool(selected[schema.SYNTHETIC].fillna(False).astype(bool).any()),
        extra={
            "request": _request_record(args, view),
            **_no_data(st.store.sources(), layers, view.period.months),
        },
    )
    if fmt == "gpkg":  # one GeoPackage layer per event layer, as `hotspots export events`
        chosen = layers or [x for x in openapi.LAYERS if (selected[schema.LAYER] == x).any()]
        by_layer = {x: selected[selected[schema.LAYER] == x] for x in chosen}
        by_layer = {k: v for k, v in by_layer.items() if len(v)} or {"events": selected}
        return _download(
            f"events_{view.start}_{view.end}", fmt, meta, _writer(by_layer), len(selected)
        )
    return _download(f"events_{view.start}_{view.end}", fmt, meta, _writer(selected), len(selected))


def _no_data(
    sources: list[dict[str, Any]], layers: list[str] | None, months: tuple[str, ...]
) -> dict[str, Any]:
    """``no_data_months`` of the asked layers (:func:`hotspots.export.events.no_data_months`),
    when there are any."""
    missing = no_data_months(sources, layers, months)
    return {"no_data_months": missing} if missing else {}


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.0 document."""
    _args("/api/v1/openapi.json")
    return jsonify(_document())


@bp.app_template_filter("markdown")
def markdown_filter(text: str) -> Markup:
    """A description of the OpenAPI document (CommonMark-ish inline Markdown: `code`, **bold**,
    links) as HTML, for ``/api/docs``. The text is this app's own (:mod:`web.openapi`), never a
    visitor's."""
    html = markdown.markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def docs() -> str:
    """The API's documentation page, rendered from the OpenAPI document (no JavaScript)."""
    return render_template("api_docs.html", doc=_document())


def _document() -> dict[str, Any]:
    months = current_app.extensions["hotspots"]["state"].months
    # the examples use the map's default view, so they give the hotspots the map shows
    example = default_period(months, default_months()) if months else None
    if example is not None:
        return openapi.document(example.start, example.end)
    return openapi.document()


def _metadata(analysis: Any, args: MultiDict[str, str], view: ViewRequest) -> ExportMetadata:
    return ExportMetadata(
        period=analysis.period.label,
        parameters=analysis.parameters,
        data_version=analysis.data_version or "",
        synthetic=bool(analysis.events[schema.SYNTHETIC].fillna(False).astype(bool).any()),
        extra={
            "compare_to": analysis.metadata()["compare_to"],
            # which months each layer the role may see is held for: a blank count is "no data"
            "figures": figures_json(analysis),
            "request": _request_record(args, view),
            "notes": period_notes(view, asked_period(args)),
        },
    )


def _writer(frames: Any) -> Callable[[Path, ExportMetadata], None]:
    def write(path: Path, meta: ExportMetadata) -> None:
        export(frames, path, path.suffix.lstrip("."), meta)

    return write
