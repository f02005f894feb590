"""OGC API – Features (Part 1 Core, GeoJSON; Part 2 CRS for EPSG:27700) under ``/ogc``.

QGIS, ArcGIS Pro and GDAL (``OAPIF:<root>/ogc``) read the hotspots, wards and, for the roles
allowed, the offence, search and raid points as live layers, signed in with a personal API
token (:mod:`web.gate`). Routes: the landing page ``/ogc`` (JSON; HTML for a browser),
``/ogc/conformance``, ``/ogc/api`` (OpenAPI), ``/ogc/collections``,
``/ogc/collections/{id}``, ``/ogc/collections/{id}/items`` and ``…/items/{featureId}``.
Parameters and paging: :mod:`web.ogc.params`; collections and who sees them:
:mod:`web.ogc.collections`; reference: ``docs/ogc.md``.

Why a small blueprint and not pygeoapi: pygeoapi (0.21, checked) builds one global ``API``
from a YAML configuration at import time; its collection list is that static configuration
and its providers' ``query(offset, limit, bbox, datetime_, ...)`` receive no request or user.
Our answers differ per request by role and area (collections hidden, features redacted and
snapped by :func:`web.access.redact`, which needs the Flask request's access) and are made by
the cached analysis of :mod:`web.analyses`; pygeoapi would need its collection listing filtered
and its providers fed the visitor through a side channel, plus a second app mounted under
ours (and it brings rasterio, SQLAlchemy, pygeofilter and more). The part of the standard we
need (six GET routes, offset paging) is small, and its features are written by the same
GeoJSON writer as the file exports (:func:`hotspots.export.geojson.feature_texts`).

Responses carry an ETag (data version, parameters and what the role may see, as on
``/api/v1``) and answer ``If-None-Match`` with 304 before any work.
"""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, render_template_string, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from hotspots.export import ExportMetadata
from hotspots.export.events import no_data_months
from hotspots.export.geojson import feature_texts
from hotspots.export.jsonvalues import whole_columns
from hotspots.presentation import figures_json
from web.access import current_access
from web.accounts import audit
from web.analyses import asked_period, get_analysis, period_notes, within_access
from web.bbox import in_bbox_wgs84, parse_bbox
from web.data import state
from web.errors import BadParameter
from web.filters import ViewRequest, default_months, parse_view
from web.httpcache import etag_for, revalidated
from web.ogc import openapi, params
from web.ogc.collections import (
    COLLECTIONS,
    HOTSPOT_PARAMETERS,
    Collection,
    bbox_wgs84,
    collection_months,
    features,
    in_bbox_27700,
    visible_collections,
)

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
_UK = ZoneInfo("Europe/London")
_ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs")
_ITEM_PARAMETERS = ("f", "datetime", "crs")
#: The other routes ignore the items' parameters: GDAL sends the query of an ``OAPIF:`` root
#: URL (``OAPIF:https://host/ogc?datetime=2025-07``) with every request, these included.
_LIST_PARAMETERS = (*_ITEMS_PARAMETERS, *HOTSPOT_PARAMETERS)


# -- caching ----------------------------------------------------------------------------------


def _wants_html() -> bool:
    """A browser asking for the landing page (``f=html``, or HTML preferred to JSON)."""
    if request.endpoint != "ogc.landing":
        return False
    if "f" in request.args:
        return request.args["f"] == "html"
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def _request_etag() -> str:
    return etag_for("ogc", request.path, sorted(request.args.items(multi=True)), _wants_html())


revalidated(bp, _request_etag)


# -- helpers ----------------------------------------------------------------------------------


def _args(allowed: tuple[str, ...]) -> MultiDict[str, str]:
    """The request's parameters, after refusing unknown ones (repeated ones: before the view,
    :func:`web.filters.refuse_repeated`)."""
    for name, values in request.args.lists():
        if name not in allowed:
            raise BadParameter(name, values[0], "one of the parameters " + ", ".join(allowed))
    value = request.args.get("f")
    formats = ("json", "html") if request.endpoint == "ogc.landing" else ("json",)
    if value is not None and value not in formats:
        raise BadParameter("f", value, "one of " + ", ".join(formats))
    return request.args


def _root() -> str:
    return request.host_url.rstrip("/") + bp.url_prefix  # type: ignore[operator]


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _collection(cid: str) -> Collection:
    """The collection ``cid`` if the visitor may see it; else 404 (whether it exists or not)."""
    collection = COLLECTIONS.get(cid)
    if collection is None or not collection.visible(current_access()):
        raise NotFound()
    return collection


def _view(args: MultiDict[str, str], collection: Collection) -> ViewRequest:
    """The period (``datetime``) and DBSCAN parameters, checked as the maps check them."""
    st = state()
    view_args = MultiDict(params.period_args(args.get("datetime"), st.months))
    for name in collection.extra_parameters:
        if name in args:
            view_args[name] = args[name]
    try:
        return within_access(parse_view(view_args, st.months, default_months()))
    except BadParameter as exc:
        if exc.field in ("from", "to"):
            raise BadParameter("datetime", args.get("datetime", ""), exc.expected) from None
        raise


def _interval(months: list[str]) -> list[list[str | None]]:
    """The months as one RFC 3339 interval (UK local month starts and ends, in UTC)."""
    if not months:
        return [[None, None]]
    first_y, first_m = (int(v) for v in months[0].split("-"))
    last_y, last_m = (int(v) for v in months[-1].split("-"))
    start = datetime(first_y, first_m, 1, tzinfo=_UK)
    end = datetime(last_y, last_m, monthrange(last_y, last_m)[1], 23, 59, 59, tzinfo=_UK)
    return [[_utc(start), _utc(end)]]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _collection_json(collection: Collection) -> dict[str, Any]:
    root = _root()
    here = f"{root}/collections/{collection.id}"
    spatial: dict[str, Any] = {"crs": params.CRS84}
    bbox = bbox_wgs84()
    if bbox is not None:
        spatial["bbox"] = [bbox]
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [params.CRS84, params.BNG],
        "storageCrs": params.BNG,
        "extent": {
            "spatial": spatial,
            "temporal": {
                "interval": _interval(collection_months(collection)),
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            _link(here, "self", "application/json", collection.title),
            _link(f"{here}/items", "items", GEOJSON, f"{collection.title} (GeoJSON)"),
        ],
    }


def _metadata(
    view: ViewRequest, collection: Collection, args: MultiDict[str, str]
) -> dict[str, Any]:
    st = state()
    # why counts are blank or the period moved (the whole-quarter rule), as every door says it
    asked = asked_period(MultiDict(params.period_args(args.get("datetime"), st.months)))
    parameters: dict[str, Any] = {"months": list(view.period.months)}
    if collection.layer is not None:  # points: say which months hold no records of the layer
        gaps = no_data_months(st.store.sources(), [collection.layer], view.period.months)
        parameters["no_data_months"] = gaps.get(collection.layer, [])  # as the API and exports
    extra: dict[str, Any] = {}
    if collection.layer is None:  # the analysis' tables: which months each layer is held for
        analysis = get_analysis(view)  # (cached: the features' own)
        # the parameters the analysis used, as /api/v1/hotspots and /api/v1/wards record them:
        # the radius and core count chosen and why, not only "auto" as asked
        parameters.update(analysis.parameters)
        extra["figures"] = figures_json(analysis)
    meta = ExportMetadata(
        period=view.period.label,
        parameters=parameters,
        data_version=st.version or "",
        extra={**extra, "notes": period_notes(view, asked)},
    )
    return meta.to_dict()


def _geojson(body: str, crs: str) -> Response:
    response = Response(body, mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs}>"
    return response


# -- routes -----------------------------------------------------------------------------------

_LANDING_HTML = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<link rel="stylesheet" href="{{ stylesheet }}"></head>
<body><main id="main"><h1>{{ title }}</h1>
<p>Live layers of this service for QGIS, ArcGIS Pro and GDAL. The address to add is
<code>{{ root }}</code>; sign in with your account name as the user name and a personal API
token as the password (your admin makes one: <code>hotspots users token NAME</code>; your
password does not work here).</p>
<h2>In QGIS (3.22 or later)</h2>
<ol><li><i>Settings › Options › Authentication</i>, <b>+</b>: method <b>Basic</b>, user name =
your account name, password = your API token; save it.</li>
<li><i>Layer › Add Layer › Add WFS / OGC API – Features Layer…</i> › <b>New</b>: a name, URL
<code>{{ root }}</code>, the authentication of step 1, version <i>OGC API – Features</i>;
<b>OK</b>.</li>
<li><b>Connect</b>, pick a collection below and <b>Add</b>. The layers show the period the
maps show by default.</li></ol>
<h2>In ArcGIS Pro</h2>
<p><i>Insert › Connections › Server › New OGC API Server</i>, server URL <code>{{ root }}</code>,
user name and API token as above.</p>
<p class="next-step"><a href="{{ back }}">Back to the map</a></p>
<ul>{% for link in links %}<li><a href="{{ link.href }}">{{ link.title or link.rel }}</a>
(<code>{{ link.type }}</code>)</li>{% endfor %}</ul>
<h2>Collections</h2>
<ul>{% for c in collections %}<li>{{ c.id }}: {{ c.title }}. {{ c.description }}</li>
{% endfor %}</ul></main></body></html>
"""


@bp.get("")
@bp.get("/")
def landing() -> Response | str:
    """The landing page: links to the conformance, the API document and the collections."""
    _args(_LIST_PARAMETERS)
    root = _root()
    title = "Drug hotspots: OGC API - Features"
    links = [
        _link(f"{root}?f=json", "self", "application/json", "This document"),
        _link(f"{root}?f=html", "alternate", "text/html", "This document as HTML"),
        _link(f"{root}/api", "service-desc", OPENAPI_JSON, "The API definition"),
        _link(f"{root}/conformance", "conformance", "application/json", "Conformance"),
        _link(f"{root}/collections", "data", "application/json", "Collections"),
    ]
    if _wants_html():
        collections = visible_collections(current_access())
        return render_template_string(
            _LANDING_HTML,
            title=title,
            root=root,
            links=links,
            collections=collections,
            back=url_for("maps.index"),
            stylesheet=url_for("static", filename="app.css"),
        )
    description = (
        "Drug-crime hotspots, wards and (for analysts) offence, search and raid points; "
        "what each role sees is decided by its account."
    )
    return jsonify({"title": title, "description": description, "links": links})


@bp.get("/conformance")
def conformance() -> Response:
    """The conformance classes implemented."""
    _args(_LIST_PARAMETERS)
    return jsonify({"conformsTo": CONFORMANCE})


@bp.get("/api")
def api_document() -> Response:
    """The OpenAPI 3.0 document."""
    _args(_LIST_PARAMETERS)
    document = {**openapi.document(), "servers": [{"url": _root()}]}
    response = jsonify(document)
    response.mimetype = "application/vnd.oai.openapi+json"
    return response


@bp.get("/collections")
def collections() -> Response:
    """The collections the visitor may see."""
    _args(_LIST_PARAMETERS)
    root = _root()
    return jsonify(
        {
            "links": [_link(f"{root}/collections", "self", "application/json", "Collections")],
            "crs": [params.CRS84, params.BNG],
            "collections": [_collection_json(c) for c in visible_collections(current_access())],
        }
    )


@bp.get("/collections/<cid>")
def collection(cid: str) -> Response:
    """One collection."""
    _args(_LIST_PARAMETERS)
    return jsonify(_collection_json(_collection(cid)))


@bp.get("/collections/<cid>/items")
def items(cid: str) -> Response:
    """A page of the collection's features: ``numberMatched``, ``numberReturned`` and a
    ``next`` link while more remain."""
    chosen = _collection(cid)
    args = _args(_ITEMS_PARAMETERS + chosen.extra_parameters)
    crs = params.crs(args, "crs")
    limit, offset = params.limit(args), params.offset(args)
    view = _view(args, chosen)
    frame = features(chosen, view)
    whole = whole_columns(frame)  # each column's JSON type from the whole collection, every page
    if "bbox" in args:
        if params.crs(args, "bbox-crs") == params.BNG:
            frame = frame[in_bbox_27700(frame, params.bbox_27700(args))]  # type: ignore[arg-type]
        else:
            frame = frame[in_bbox_wgs84(frame, parse_bbox(args))]  # type: ignore[arg-type]
    elif "bbox-crs" in args:
        params.crs(args, "bbox-crs")
    matched = len(frame)
    page = frame.iloc[offset : offset + limit]
    if offset == 0:  # a client starting to read a collection (not every page: GIS clients page)
        audit("export", {"name": f"ogc/{cid}", "format": "geojson", "request": dict(args)})
    here = f"{_root()}/collections/{cid}/items"
    links = [_link(_page_url(here, args, offset, limit), "self", GEOJSON, "This page")]
    if offset + limit < matched:
        links.append(_link(_page_url(here, args, offset + limit, limit), "next", GEOJSON, "Next"))
    if offset > 0:
        prev = max(0, offset - limit)
        links.append(_link(_page_url(here, args, prev, limit), "prev", GEOJSON, "Previous"))
    links.append(_link(f"{_root()}/collections/{cid}", "collection", "application/json"))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(page),
        "timeStamp": _utc(datetime.now(UTC)),
        "links": links,
        "metadata": _metadata(view, chosen, args),
    }
    texts = feature_texts(page, chosen.id_column, params.CRS_NAMES[crs], whole)
    body = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + ",\n".join(texts) + "]}"
    return _geojson(body, crs)


def _page_url(base: str, args: MultiDict[str, str], offset: int, limit: int) -> str:
    values = {k: v for k, v in args.items() if k not in ("offset", "limit")}
    values.update(limit=str(limit), offset=str(offset))
    return base + "?" + "&".join(f"{quote(k)}={quote(v, safe=',:/')}" for k, v in values.items())


@bp.get("/collections/<cid>/items/<path:fid>")
def item(cid: str, fid: str) -> Response:
    """One feature by its ``id`` (in the same period and parameters as its page)."""
    chosen = _collection(cid)
    args = _args(_ITEM_PARAMETERS + chosen.extra_parameters)
    crs = params.crs(args, "crs")
    frame = features(chosen, _view(args, chosen))
    match = frame[frame[chosen.id_column].astype(str) == fid]
    if match.empty:
        raise NotFound()
    text = feature_texts(
        match.iloc[:1], chosen.id_column, params.CRS_NAMES[crs], whole_columns(frame)
    )
    feature = json.loads(text[0])
    root = _root()
    feature["links"] = [
        _link(f"{root}/collections/{cid}/items/{quote(fid)}", "self", GEOJSON),
        _link(f"{root}/collections/{cid}", "collection", "application/json"),
    ]
    return _geojson(json.dumps(feature, ensure_ascii=False), crs)


__all__ = ["CONFORMANCE", "bp"]
