"""Security headers on every response.

Pages get a strict Content-Security-Policy: scripts, styles, images and fonts from this site
only, no inline script, no plugins, no framing by other sites, forms posting only here. The map
frames (``/map/frame``, ``/compare/frame``) are Folium pages whose scripts and styles are inline,
so for them alone ``'unsafe-inline'`` is allowed for scripts and styles, and images may also
come from the configured tile server. Every response also says: no MIME sniffing, no referrer
to other sites, no camera/microphone/geolocation, and (on HTTPS) HSTS.

No response names a software version: the app sets no ``Server`` header, and the development
server of ``hotspots serve`` answers ``Server: hotspots`` (:class:`QuietRequestHandler`; by
default Werkzeug's names itself and the Python version). gunicorn sends ``Server: gunicorn``.

Written here rather than with ``flask-talisman`` (last release 1.1.0, August 2023): the headers are
one dict per kind of page set in an ``after_request`` hook, and talisman's defaults
(``force_https`` redirects, secure session cookies, its own CSP) decide what the deployment's proxy
and ``web/__init__.py`` already decide, so every one would have to be turned off again; the two
policies (strict, and the map frames' inline Folium scripts) are the part that needs writing either
way.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.serving import WSGIRequestHandler

__all__ = ["QuietRequestHandler", "content_security_policy", "init_app"]

#: The ``Server`` header of ``hotspots serve``: the product, no versions.
SERVER_NAME = "hotspots"

MAP_FRAMES = frozenset({"maps.frame", "maps.compare_frame"})

_STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
    "frame-src": "'self'",
}


def content_security_policy(endpoint: str | None, tile_url: str | None) -> str:
    """The Content-Security-Policy header of a response of ``endpoint``."""
    policy = dict(_STRICT)
    if endpoint in MAP_FRAMES:
        policy["script-src"] = "'self' 'unsafe-inline'"
        policy["style-src"] = "'self' 'unsafe-inline'"
        if tile_url:
            parts = urlsplit(tile_url.replace("{s}", "a"))
            host = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
            if "{s}" in tile_url:
                host = f"{parts.scheme}://*.{parts.netloc.split('.', 1)[-1]}"
            policy["img-src"] += f" {host}" if host else ""
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        content_security_policy(request.endpoint, current_app.config.get("TILE_URL")),
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "Cookie" not in headers.get("Vary", ""):
        headers.add("Vary", "Cookie")
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(_headers)


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development request handler, naming no versions in ``Server`` (its own error
    answers included)."""

    @property
    def server_version(self) -> str:  # type: ignore[override]
        return SERVER_NAME

    def version_string(self) -> str:
        return SERVER_NAME
