"""The OpenAPI 3.0 document of ``/ogc`` (its ``service-desc``): the paths, and the ``limit``
default and maximum, from which GDAL takes its page size."""

from __future__ import annotations

from typing import Any

from web.ogc.collections import COLLECTIONS, HOTSPOT_PARAMETERS
from web.ogc.params import BNG, CRS84, DEFAULT_LIMIT, MAX_LIMIT
from web.openapi import eps_m_schema, min_samples_schema


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


_ERROR = {
    "description": "An error: {code, description, error: {status, message, field, value, "
    "expected}} (OGC exception members code and description, and the app's own error)"
}
_ITEMS_PARAMETERS = [
    _query(
        "limit",
        f"Features per page (default {DEFAULT_LIMIT}; larger values give {MAX_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    _query("offset", "Features skipped (the next links carry it).", {"type": "integer"}),
    _query(
        "bbox",
        "minlon,minlat,maxlon,maxlat (CRS84), or metres with bbox-crs EPSG:27700.",
        {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
    ),
    _query("bbox-crs", "The CRS of bbox.", {"type": "string", "enum": [CRS84, BNG]}),
    _query(
        "datetime",
        "An instant (YYYY-MM, YYYY-MM-DD, RFC 3339) or interval a/b ('..' open): the months it "
        "touches, each held in full; default: the latest complete period the maps show.",
        {"type": "string"},
    ),
    _query("crs", "The CRS of the coordinates.", {"type": "string", "enum": [CRS84, BNG]}),
    _query("f", "json", {"type": "string", "enum": ["json"]}),
]
_HOTSPOT_PARAMETERS = [
    _query(HOTSPOT_PARAMETERS[0], "DBSCAN radius in metres, or auto.", eps_m_schema()),
    _query(HOTSPOT_PARAMETERS[1], "DBSCAN minimum points, or auto.", min_samples_schema()),
    _query(
        HOTSPOT_PARAMETERS[2], "1: only statistically significant hotspots.", {"type": "string"}
    ),
]


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    ok_json = {"200": {"description": "JSON"}, "400": _ERROR, "401": _ERROR}
    ok_geojson = {
        "200": {"description": "GeoJSON", "content": {"application/geo+json": {}}},
        "400": _ERROR,
        "401": _ERROR,
        "404": _ERROR,
    }
    collection_id = _path("collectionId", "One of " + ", ".join(COLLECTIONS))
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "Landing page", "operationId": "landing", "responses": ok_json}},
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "conformance",
                "responses": ok_json,
            }
        },
        "/api": {"get": {"summary": "This document", "operationId": "api", "responses": ok_json}},
        "/collections": {
            "get": {"summary": "Collections", "operationId": "collections", "responses": ok_json}
        },
        "/collections/{collectionId}": {
            "get": {
                "summary": "One collection",
                "operationId": "collection",
                "parameters": [collection_id],
                "responses": ok_json,
            }
        },
        "/collections/{collectionId}/items": {
            "get": {
                "summary": "Features (paged: follow rel=next)",
                "operationId": "items",
                "parameters": [collection_id, *_ITEMS_PARAMETERS, *_HOTSPOT_PARAMETERS],
                "responses": ok_geojson,
            }
        },
        "/collections/{collectionId}/items/{featureId}": {
            "get": {
                "summary": "One feature",
                "operationId": "item",
                "parameters": [
                    collection_id,
                    _path("featureId", "The feature's id"),
                    *[p for p in _ITEMS_PARAMETERS if p["name"] in ("datetime", "crs", "f")],
                    *_HOTSPOT_PARAMETERS,
                ],
                "responses": ok_geojson,
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Drug hotspots: OGC API - Features",
            "version": "1.0",
            "description": "Personal API token as 'Authorization: Bearer <token>' or HTTP "
            "Basic (account name, token). What each role sees: docs/ogc.md.",
        },
        "paths": paths,
    }
