"""Revalidation for machine routes: an ETag on every answer and 304 before any work.

The analyst API (:mod:`web.api`) and OGC API - Features (:mod:`web.ogc`) answer the same way:
an answer's ETag is a digest of its path, query, data version, settings and the caller's access
(:func:`web.maps.etag_for`), so a caller holding it gets 304 before the view runs (never before
the sign-in check, which runs first), and every answer says which data version it came from.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from web.data import StoreState

__all__ = ["revalidated"]


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
