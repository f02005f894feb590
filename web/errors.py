"""Errors: 400 naming the field, the value and what is expected; 404; never a stack trace.

Pages get an HTML page; machine routes (``/api/...``, ``/ogc...``, ``*.json``, ``*.geojson``,
or a client that asks for JSON) get one JSON shape::

    {"error": {"status": 400, "message": "...", "field": "from", "value": "2025-13",
               "expected": "a month as YYYY-MM"}}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hotspots.errors import StoreError

log = logging.getLogger(__name__)


@dataclass
class BadParameter(Exception):
    """A request parameter with a bad value (becomes a 400)."""

    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: expected {self.expected}"


def wants_json() -> bool:
    """Whether the current request is for a machine route."""
    path = request.path
    if (
        path.startswith(("/api/", "/ogc/"))
        or path == "/ogc"
        or path.endswith((".json", ".geojson"))
    ):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(
    status: int,
    message: str,
    field: str | None = None,
    value: str | None = None,
    expected: str | None = None,
) -> tuple[Response | str, int]:
    """The error in the shape the client wants."""
    body = {"status": status, "message": message}
    if field is not None:
        body.update({"field": field, "value": value, "expected": expected})
    if wants_json():
        return jsonify({"error": body}), status
    return render_template("error.html", error=body), status


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(BadParameter)
    def _bad_parameter(exc: BadParameter) -> tuple[Response | str, int]:
        return error_response(400, str(exc), exc.field, exc.value, exc.expected)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        messages = {404: "No such page.", 405: "That method is not allowed here."}
        return error_response(status, messages.get(status, exc.description or exc.name))

    @app.errorhandler(StoreError)
    def _store(exc: StoreError) -> tuple[Response | str, int]:
        log.error("store unavailable: %s", exc)
        return error_response(
            503,
            "The data store is unavailable or damaged; an administrator must re-run the "
            "ingest. The problem has been logged.",
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unhandled error on %s", request.path)
        return error_response(500, "Something went wrong on the server; it has been logged.")
