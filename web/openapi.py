"""The OpenAPI 3.0 document of the analyst API (``/api/v1``), as a plain dict.

:func:`document` is the single description of the API: ``/api/v1/openapi.json`` serves it and
``/api/docs`` renders it as HTML, so the two can never disagree. The parameter lists here are
also what :mod:`web.api` accepts (an unknown parameter is a 400).

Written as a plain dict rather than with ``apispec``: apispec builds the same document from
marshmallow schemas or from YAML in docstrings, and the API has neither (its parameters are parsed
by :mod:`web.filters` and :mod:`web.api`); the descriptions would be the same text passed through
method calls. The document is checked by the tests instead (``tests/test_api.py``: every endpoint
described, and schemathesis drives every route from it).
"""

from __future__ import annotations

from typing import Any, Final

from hotspots.export import FORMATS
from hotspots.gss import CODE_PATTERN
from hotspots.parameters import (
    AUTO,
    DEFAULT_K,
    DEFAULT_SCHEME,
    EPS_M_MAX,
    EPS_M_MIN,
    K_MAX,
    K_MIN,
    MIN_SAMPLES_MAX,
    MIN_SAMPLES_MIN,
    SCHEMES,
)

MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"
LAYERS: Final = ("offence", "search", "raid")
MEDIA: Final[dict[str, str]] = {
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "parquet": "application/vnd.apache.parquet",
}

SENSITIVE: Final = (
    "**Who may call what.** Each role gets what `web/access.py` allows it, on every endpoint "
    "and in every format (docs/roles.md): event-level records (`/api/v1/events`) are for "
    "analysts and admins only; officers get their own area (another area is 403); the "
    "commissioner's office and officers get hotspot shapes made from snapped points; the "
    "public gets no hotspots and no raid figures."
)


def _param(
    name: str, description: str, schema: dict[str, Any], example: Any = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }
    if example is not None:
        out["example"] = example
    return out


def _list(name: str, description: str, items: dict[str, Any], example: Any) -> dict[str, Any]:
    return _param(
        name,
        description + " Repeat the parameter (or separate values by commas) for several.",
        {"type": "array", "items": items},
        example,
        style="form",
        explode=True,
    )


def eps_m_schema() -> dict[str, Any]:
    """The schema of ``eps_m``: the bounds of :mod:`hotspots.parameters`, or ``auto``."""
    return {
        "anyOf": [
            {"type": "number", "minimum": EPS_M_MIN, "maximum": EPS_M_MAX},
            {"type": "string", "enum": [AUTO]},
        ]
    }


def min_samples_schema() -> dict[str, Any]:
    """The schema of ``min_samples``: the bounds of :mod:`hotspots.parameters`, or ``auto``."""
    return {
        "anyOf": [
            {"type": "integer", "minimum": MIN_SAMPLES_MIN, "maximum": MIN_SAMPLES_MAX},
            {"type": "string", "enum": [AUTO]},
        ]
    }


def parameters(example_from: str, example_to: str) -> dict[str, dict[str, Any]]:
    """Every query parameter of the API, by name."""
    month = {"type": "string", "pattern": MONTH_PATTERN}
    code = {"type": "string", "pattern": CODE_PATTERN}
    return {
        "from": _param(
            "from",
            "First month of the period, YYYY-MM (default: the start of the latest complete "
            "period of up to DEFAULT_MONTHS months ending at `to`, docs/periods.md). Every month "
            "of the period must hold data.",
            month,
            example_from,
        ),
        "to": _param(
            "to",
            "Last month of the period, YYYY-MM (default: the latest month held).",
            month,
            example_to,
        ),
        "eps_m": _param(
            "eps_m",
            "DBSCAN radius in metres, or `auto` (the knee of the k-distance curve, "
            "clamped to 50-150 m).",
            eps_m_schema(),
            150,
        ),
        "min_samples": _param(
            "min_samples",
            "Offences within eps_m that make a core point, or `auto`.",
            min_samples_schema(),
            9,
        ),
        "significant": _param(
            "significant",
            "1: only hotspots whose Monte Carlo significance test gives q <= 0.05 (none when "
            "the store holds drug offences only, so nothing can be tested). The words "
            "`true`, `on`, `yes` mean 1 and `false`, `off`, `no` or empty mean 0, in any case, "
            "as on the map and patrol forms (docs/parameters.md).",
            {"type": "integer", "enum": [0, 1], "default": 0},
            0,
        ),
        "scheme": _param(
            "scheme",
            "How the wards' drug offence counts are classed for the GeoPackage's default style "
            "(and the map): `quantiles` (default), `natural_breaks` (Fisher-Jenks), "
            "`equal_interval` or `head_tail`; the metadata records it with the breaks under "
            "`parameters.classes` (docs/map.md). Analysts and admins; other roles get the "
            "default whatever they send.",
            {"type": "string", "enum": list(SCHEMES), "default": DEFAULT_SCHEME},
            "natural_breaks",
        ),
        "k": _param(
            "k",
            f"Number of classes besides `none`, {K_MIN} to {K_MAX} (default {DEFAULT_K}).",
            {"type": "integer", "minimum": K_MIN, "maximum": K_MAX},
            5,
        ),
        "district": _list(
            "district",
            "Local authority district GSS code(s) held in the store (an officer naming one "
            "outside their area gets 403).",
            code,
            ["E06000031"],
        ),
        "ward": _list(
            "ward",
            "Electoral ward GSS code(s) held in the store (an officer naming one outside their "
            "area gets 403).",
            code,
            ["E05010824"],
        ),
        "layer": _list(
            "layer",
            "Event layer(s) (default all).",
            {"type": "string", "enum": list(LAYERS)},
            ["offence"],
        ),
        "category": _list(
            "category",
            "Category (crime type, object of search or warrant type) as stored, e.g. `Drugs`, "
            "`Controlled drugs`, `supply`; `/api/v1/meta` lists those held.",
            {"type": "string", "minLength": 1},
            ["Drugs"],
        ),
        "drugs": _param(
            "drugs",
            "1: drug events only, the events the maps count (drug offences, searches for "
            "controlled drugs, raids), on a store that also holds other crime types "
            "(`--all-crime-types`). 0 (default): every event stored. The map's download sets it. "
            "Yes/no words as for `significant`.",
            {"type": "integer", "enum": [0, 1], "default": 0},
            1,
        ),
        "bbox": _param(
            "bbox",
            "Bounding box `minlon,minlat,maxlon,maxlat` in WGS84 degrees (min < max). Points "
            "inside it (edges included), or hotspot polygons that intersect it.",
            {"type": "string", "pattern": r"^[-+0-9.eE]+(,[-+0-9.eE]+){3}$"},
            "-0.30,52.50,-0.20,52.60",
        ),
        "format": _param(
            "format",
            "Output format: `geojson` (RFC 7946, WGS84, a `metadata` member; default), `csv` "
            "(WGS84 lon/lat and WKT; metadata in the `X-Hotspots-Metadata` header), `gpkg` "
            "(GeoPackage, EPSG:27700, a `metadata` table) or `parquet` (GeoParquet 1.0, "
            "EPSG:27700, metadata in the schema under `hotspots`).",
            {"type": "string", "enum": list(FORMATS), "default": "geojson"},
            "geojson",
        ),
    }


#: The query parameters each path accepts (anything else is a 400).
PATH_PARAMETERS: Final[dict[str, tuple[str, ...]]] = {
    "/api/v1/meta": (),
    "/api/v1/periods": (),
    "/api/v1/wards": ("from", "to", "scheme", "k", "district", "format"),
    "/api/v1/hotspots": (
        "from",
        "to",
        "eps_m",
        "min_samples",
        "significant",
        "district",
        "ward",
        "bbox",
        "format",
    ),
    "/api/v1/events": (
        "from",
        "to",
        "layer",
        "category",
        "drugs",
        "ward",
        "district",
        "bbox",
        "format",
    ),
    "/api/v1/openapi.json": (),
}

_SUMMARIES: Final = {
    "/api/v1/meta": (
        "Store metadata",
        "Data version, months held, and per layer the caller may see the months held "
        "(`months_held`) and events per category over the caller's area (`events` null with a "
        "`note` when the store holds none of the layer); ward vintage, boundaries, districts "
        "and the settings that shape the outputs.",
    ),
    "/api/v1/periods": (
        "Periods",
        "The months held, the default period and the presets (last 3 and 12 months, "
        "financial and calendar years) available. For the public (`PUBLIC_MODE`): the whole "
        "calendar quarters held, the latest first (its ward counts are given for those only), "
        "with `note` (the rule in words) and `partly_held` (quarters with a month missing: "
        '"no data", naming the months held).',
    ),
    "/api/v1/wards": (
        "Ward summary",
        "Every ward (or those of the given districts): counts per layer in the period and the "
        "previous equivalent period, change, per km² and rank; ward polygons.",
    ),
    "/api/v1/hotspots": (
        "Hotspots",
        "DBSCAN hotspots of the period as polygons with their table (rank, offences, change, "
        "searches and raids near, co-location, main ward and district). Filters keep the "
        "hotspots' original ranks.",
    ),
    "/api/v1/events": (
        "Events",
        "Individual offences, stop-and-searches and raids of the period, written to a "
        "temporary file chunk by chunk and streamed from it (memory is bounded by the events "
        "the app already holds plus one chunk). " + SENSITIVE,
    ),
    "/api/v1/openapi.json": ("This document", "The OpenAPI 3.0 description of the API."),
}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                    "value": {"type": "string"},
                    "expected": {"type": "string"},
                },
            }
        },
    }


def _feature_collection() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "features", "metadata"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "metadata": {"$ref": "#/components/schemas/ExportMetadata"},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    }


def _file_responses() -> dict[str, Any]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        MEDIA["geojson"]: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
        MEDIA["csv"]: {"schema": {"type": "string"}},
        MEDIA["gpkg"]: binary,
        MEDIA["parquet"]: binary,
    }


def _json_response() -> dict[str, Any]:
    return {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["metadata"],
                "properties": {"metadata": {"$ref": "#/components/schemas/ResponseMetadata"}},
            }
        }
    }


def document(example_from: str = "2025-09", example_to: str = "2025-11") -> dict[str, Any]:
    """The OpenAPI 3.0.3 document; ``example_*`` are months the store holds."""
    params = parameters(example_from, example_to)
    headers = {
        "X-Data-Version": {
            "description": "The store's data version the response was made from.",
            "schema": {"type": "string"},
        }
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    paths: dict[str, Any] = {}
    for path, names in PATH_PARAMETERS.items():
        summary, description = _SUMMARIES[path]
        files = path in ("/api/v1/wards", "/api/v1/hotspots", "/api/v1/events")
        ok = _file_responses() if files else _json_response()
        operation: dict[str, Any] = {
            "operationId": path.rsplit("/", 1)[-1].replace(".json", ""),
            "summary": summary,
            "description": description,
            "parameters": [params[n] for n in names],
            "responses": {
                "200": {"description": summary, "headers": headers, "content": ok},
                "400": {
                    "description": "A bad parameter: the error names the field, the value "
                    "received and what is expected.",
                    "content": error,
                },
                "503": {"description": "The data store is unavailable.", "content": error},
            },
        }
        if path == "/api/v1/openapi.json":
            operation["responses"]["200"]["content"] = {
                "application/json": {"schema": {"type": "object"}}
            }
        paths[path] = {"get": operation}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Drug hotspots analyst API",
            "version": "1",
            "description": (
                "Ward summaries, DBSCAN hotspots, events, periods and store metadata as JSON, "
                "GeoJSON (RFC 7946), CSV, GeoPackage and GeoParquet. Every response records "
                "its parameters and the store's data version (GeoJSON and JSON: a `metadata` "
                "member; files: as the exports do; every response: the `X-Data-Version` "
                "header). Every bad parameter gives 400 with one JSON error shape. " + SENSITIVE
            ),
            "license": {"name": "Open Government Licence v3.0 (data)"},
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": _error_schema(),
                "FeatureCollection": _feature_collection(),
                "ExportMetadata": {
                    "type": "object",
                    "required": ["period", "parameters", "data_version", "licence"],
                    "properties": {
                        "period": {"type": "string"},
                        "parameters": {"type": "object"},
                        "data_version": {"type": "string"},
                        "generated": {"type": "string"},
                        "licence": {"type": "string"},
                        "synthetic": {"type": "boolean"},
                        "extra": {"type": "object"},
                    },
                },
                "ResponseMetadata": {
                    "type": "object",
                    "required": ["parameters", "data_version"],
                    "properties": {
                        "parameters": {"type": "object"},
                        "data_version": {"type": "string", "nullable": True},
                    },
                },
            }
        },
    }
