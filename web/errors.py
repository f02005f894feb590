"""Errors: 400 naming the field, the value and what is expected; 404; never a stack trace.

A 400 of a page with a form (map, compare, briefing, patrol plan) re-shows that page's own form
with the values sent and the message beside the bad field (:mod:`web.formpages`); any other GET
re-shows the request's fields as a plain form, the bad one marked (``aria-invalid``), so a
mistyped month is corrected in place rather than retyped from the start.

Pages get an HTML page; machine routes (``/api/...``, ``/ogc...``, ``*.json``, ``*.geojson``,
or a client that asks for JSON) get one JSON shape::

    {"error": {"status": 400, "message": "...", "field": "from", "value": "2025-13",
               "expected": "a month as YYYY-MM"}}

Under ``/ogc`` the same body also carries the OGC API - Features exception members (Part 1,
``exception.yaml``): ``code`` (:data:`OGC_CODES`) and ``description`` (the message), which GDAL
and QGIS show to the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from hotspots.errors import StoreError

log = logging.getLogger(__name__)


#: Characters of a bad value a refusal repeats; a longer one is cut, its length said.
ECHO_CHARS = 100


@dataclass
class BadParameter(Exception):
    """A request parameter with a bad value (becomes a 400). A value longer than
    :data:`ECHO_CHARS` is kept as its start and its length, so a refusal stays small."""

    field: str
    value: str
    expected: str

    def __post_init__(self) -> None:
        if len(self.value) > ECHO_CHARS:
            self.value = f"{self.value[:ECHO_CHARS]}… ({len(self.value):,} characters)"

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: expected {self.expected}"


def no_offences_held() -> BadParameter:
    """The refusal of a view, plan or API call on a store without drug offence records: it
    may hold searches (West Midlands' search files of Jul-Sep 2019 alone were answered
    "store='empty'"), and the words are the CLI's (``hotspots.cli.analysis``)."""
    return BadParameter(
        "store",
        "no drug offence records",
        "drug offence records: hotspots, ward figures and periods are made from them "
        "(ingest police.uk street files)",
    )


#: OGC exception ``code`` of each status (OGC API - Common's names); others: ``ServerError``.
OGC_CODES = {
    400: "InvalidParameterValue",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}


def _ogc_route() -> bool:
    return request.path == "/ogc" or request.path.startswith("/ogc/")


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


#: Labels of the request fields a form re-shows (others are labelled by their name).
FIELD_LABELS = {
    "from": "From (YYYY-MM)", "to": "To (YYYY-MM)", "from2": "Compare with: from (YYYY-MM)",
    "to2": "Compare with: to (YYYY-MM)", "n": "Number of places", "area": "Area",
    "district": "District code", "wards": "Ward codes", "measure": "Wards shaded by",
    "offences": "Offences as", "eps_m": "Radius, metres (eps_m)",
    "min_samples": "Offences that make a hotspot core (min_samples)", "user": "Account",
    "action": "Action", "page": "Page", "significant": "Only significant hotspots (1 or 0)",
    "searches": "Stop and search (1 or 0)", "raids": "Raids (1 or 0)",
}  # fmt: skip


def form_fields(field: str) -> list[dict[str, str | bool]]:
    """The current GET request's fields to re-show in a form, the bad ``field`` marked (added
    when the request did not send it, e.g. a default that does not hold)."""
    fields: list[dict[str, str | bool]] = []
    names = list(dict.fromkeys([*request.args.keys(), field]))
    for name in names:
        for i, value in enumerate(request.args.getlist(name) or [""]):
            fields.append(
                {
                    "name": name,
                    "id": f"fix-{name}-{i}",
                    "value": value,
                    "bad": name == field,
                    "label": FIELD_LABELS.get(name, name),
                }
            )
    return fields


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
        if _ogc_route():
            code = OGC_CODES.get(status, "ServerError")
            return jsonify({"code": code, "description": message, "error": body}), status
        return jsonify({"error": body}), status
    if status == 400 and field and request.method == "GET":
        from web.formpages import form_page, no_offences_page  # (not at module load)

        if field == "store":  # no offences held: not the request's fault; say what is held
            return no_offences_page(), 200
        page = form_page(request.endpoint)
        if page is not None:  # the page's own form, the message beside the bad field
            return page(body), status
    fields = form_fields(field) if status == 400 and field and request.method == "GET" else []
    return render_template("error.html", error=body, fields=fields), status


def _too_large() -> str:
    """What a 413 says: the limit that was passed, in the units people set it in."""
    config = current_app.config
    limit = int(config.get("MAX_CONTENT_LENGTH") or 0)
    if limit and (request.content_length or 0) > limit:
        return (
            f"At most {float(config.get('UPLOAD_MAX_MB') or limit / 2**20):g} MB may be sent "
            "at once (all files of one upload "
            "together, UPLOAD_MAX_MB): upload fewer files at a time."
        )
    return (
        f"A form field is larger than {int(config.get('MAX_FORM_MEMORY_SIZE') or 0):,} bytes, "
        f"or the form has more than {int(config.get('MAX_FORM_PARTS') or 0):,} fields."
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(BadParameter)
    def _bad_parameter(exc: BadParameter) -> tuple[Response | str, int]:
        return error_response(400, str(exc), exc.field, exc.value, exc.expected)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int]:
        status = exc.code or 500
        messages = {
            404: "No such page.",
            405: "That method is not allowed here.",
            413: _too_large(),
        }
        body, status = error_response(status, messages.get(status, exc.description or exc.name))
        retry_after = dict(exc.get_headers()).get("Retry-After")
        if retry_after is None:
            return body, status
        response = make_response(body, status)
        response.headers["Retry-After"] = retry_after  # a 429 says when to come back
        return response, status

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
