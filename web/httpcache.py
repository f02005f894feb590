"""ETags and cached responses: an ETag on every answer and 304 before any work.

An answer's ETag (:func:`etag_for`) is a digest of its parts, the data version, the settings
and what the visitor may see. Pages and files are answered by :func:`cached_response` (304 when
the client holds the ETag, else the cached body). What every visitor of a role shares
(analyses, map frames, files) is cached in memory and in the disk cache all workers share; a
page with the site banner (the visitor's name, this session's sign-out token) is kept only in
this process's memory (bounded by ``CACHE_SIZE``), never written to disk.

The analyst API (:mod:`web.api`) and OGC API - Features (:mod:`web.ogc`) answer the same way
(:func:`revalidated`): an answer's ETag is a digest of its path, query, data version, settings
and the caller's access, so a caller holding it gets 304 before the view runs (never before
the sign-in check, which runs first), and every answer says which data version it came from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from web.access import current_access
from web.budget import charge_drawing
from web.csrf import csrf_token
from web.data import StoreState, config_fingerprint, shared, state

__all__ = [
    "SESSION_ETAG_PREFIX",
    "cached_body",
    "cached_response",
    "etag_for",
    "revalidated",
]


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


def cached_body(etag: str, make_body: Callable[[], str | bytes]) -> str | bytes:
    """The body whose ETag is ``etag``, made by ``make_body`` when not cached yet.

    A body shared by every visitor of a role is cached in memory and on disk; a page made for
    one session (its ETag from ``etag_for(..., page=True)``) only in this process's memory.
    Drawing a shared body anew (a map frame, the briefing's PNG or PDF, a patrol plan's CSV or
    GPX: up to a second or more of CPU each) is counted against the account's budget
    (:func:`web.budget.charge_drawing`); a page made for a session (a template around them)
    is not."""
    per_session = etag.startswith(SESSION_ETAG_PREFIX)

    def make() -> str | bytes:
        if not per_session:  # a map frame, briefing image or file drawn anew: web.budget
            charge_drawing()
        return make_body()

    return shared("pages", ("page", etag), make, _encode_body, _decode_body, disk=not per_session)


def cached_response(etag: str, make_body: Any, mimetype: str = "text/html") -> Response:
    """304 when the client holds ``etag``; else the (cached, :func:`cached_body`) body with the
    ETag set."""
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(cached_body(etag, make_body), mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = int(current_app.config["CACHE_MAX_AGE"])
    return response


def _encode_body(body: str | bytes) -> bytes:
    """A page (text) or a file (bytes) for the disk cache: one tag byte, then the content."""
    return b"b" + body if isinstance(body, bytes) else b"t" + body.encode()


def _decode_body(data: bytes) -> str | bytes:
    return data[1:] if data[:1] == b"b" else data[1:].decode()


def revalidated(bp: Blueprint, etag: Callable[[], str]) -> None:
    """Give every GET/HEAD answer of ``bp`` the ETag ``etag()`` and answer 304 to a caller that
    holds it; every answer carries ``X-Data-Version`` and is private to the caller."""

    @bp.before_request
    def _not_modified() -> Response | None:
        if request.method in ("GET", "HEAD") and etag() in request.if_none_match:
            response = Response(status=304)
            response.set_etag(etag())
            return response
        return None

    @bp.after_request
    def _headers(response: Response) -> Response:
        st: StoreState = current_app.extensions["hotspots"]["state"]
        response.headers["X-Data-Version"] = st.version or ""
        response.cache_control.private = True
        if response.status_code == 200 and request.method in ("GET", "HEAD"):
            response.set_etag(etag())
            response.cache_control.no_cache = True  # may keep it, but ask (304 when unchanged)
        return response
