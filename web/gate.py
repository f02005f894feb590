"""The gate every request passes (signing in and out: :mod:`web.auth`).

Before each request the visitor's :class:`web.access.Access` is decided:

0. on the machine routes tools call (:data:`TOKEN_PATHS`: ``/api/v1/…`` and ``/ogc``), a request
   with an ``Authorization`` header is decided by it alone: ``Bearer <token>``, or HTTP Basic with
   the account's name and a personal API token as the password (:mod:`hotspots.tokens`), acts as
   that account with its role and scope; anything else there, a password included, is 401 (no
   password is ever checked here, so it is no way round the sign-in limits). No session is
   started and no cookie is set. Pages ignore the header (a proxy's own Basic sign-in passes
   through to them harmlessly) and never accept a token: tokens are for tools, not browsers.
   CSRF: token requests are GETs (the machine routes only read); a POST still needs the form
   token of a session (:mod:`web.csrf`), since browsers resend cached Basic credentials;
1. a signed-in session (``/login``): its account must still exist and be enabled, the session
   is at most ``SESSION_HOURS`` old, and it carries the account's current session version
   (signing out, a password, role or scope change, disabling or enabling the account bump it,
   from the web or from ``hotspots users``, so every older session of that account ends at its
   next request: pages redirect to ``/login``, machine routes answer 401);
2. else, when ``TRUSTED_USER_HEADER`` is set (the force's single sign-on proxy puts the signed-in
   user's name in that header, and strips it from what clients send), that account;
3. else, when ``PUBLIC_MODE`` is on, the public-safe level;
4. else pages redirect to ``/login`` and machine routes answer 401.

Then the endpoint's capability (:func:`web.access.need_of`) is checked: 403 without it; and an
officer's area must be some of the store's wards (:func:`web.access.scope_wards`): 403 naming the
store's districts otherwise, on every route but signing in and out.

Written here rather than with Flask-Login (0.6.3, last release October 2023): Flask-Login keeps an
account id in the session and reloads the account per request, and its ``request_loader`` and
alternative ids could carry tokens and session versions, but the rules above (tokens on machine
routes only and never a password there, the session's age and version, the single sign-on header,
the public level, 401 or redirect by route) would all still be written here; what it would replace
is the few lines that read and write the session.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden, Unauthorized
from werkzeug.wrappers import Response as BaseResponse

from hotspots.tokens import TokenRefused, token_account
from web.access import Access, need_of, scope_wards
from web.accounts import users
from web.data import state
from web.errors import wants_json

__all__ = ["OPEN_ENDPOINTS", "TOKEN_PATHS", "gate", "init_app", "token_route"]

#: Endpoints anyone may reach (the sign-in page and the files every page needs).
OPEN_ENDPOINTS = frozenset({"auth.login", "auth.login_submit", "static", "assets.vendor"})

#: Path prefixes where a personal API token is accepted (machine routes that tools call).
TOKEN_PATHS = ("/api/v1/", "/ogc/")
_NOT_A_TOKEN = (
    "Not a valid API token. Send a personal API token (`hotspots users token NAME`) as "
    "'Authorization: Bearer <token>', or as the password of HTTP Basic with the account's name; "
    "an account's password is never accepted here."
)


def token_route() -> bool:
    """Whether the request is for a route that accepts personal API tokens."""
    path = request.path
    return path.startswith(TOKEN_PATHS) or path == TOKEN_PATHS[1].rstrip("/")


def _token_access() -> Access | None:
    """The account of the request's API token; None when it sends no ``Authorization`` header
    or is for a page; 401 for anything but a valid token."""
    header = request.headers.get("Authorization", "")
    if not header or not token_route():
        return None
    scheme, _, value = header.strip().partition(" ")
    name: str | None = None
    if scheme.lower() == "bearer":
        token = value.strip()
    elif scheme.lower() == "basic" and request.authorization is not None:
        name = request.authorization.username or ""
        token = request.authorization.password or ""
    else:
        raise Unauthorized(_NOT_A_TOKEN)
    try:
        user = token_account(
            users(), token, username=name, path=request.path, address=request.remote_addr
        )
    except TokenRefused as refused:
        raise Unauthorized(f"This API token may not be used: {refused.reason}.") from None
    if user is None:
        raise Unauthorized(_NOT_A_TOKEN)
    return Access(user.role, user.username, user.scope)


def _challenge(response: BaseResponse) -> BaseResponse:
    """401s of the token routes say how to authenticate (Bearer: browsers show no prompt)."""
    if response.status_code == 401 and token_route():
        response.headers["WWW-Authenticate"] = 'Bearer realm="hotspots"'
    return response


def _session_access() -> Access | None:
    name = session.get("user")
    if not name:
        return None
    hours = float(current_app.config["SESSION_HOURS"])
    if time.time() - float(session.get("since", 0)) > hours * 3600:
        session.clear()
        return None
    user = users().get(name)
    if user is None or user.disabled or session.get("version") != user.session_version:
        session.clear()
        return None
    return Access(user.role, user.username, user.scope)


def _header_access() -> Access | None:
    header = current_app.config.get("TRUSTED_USER_HEADER")
    name = request.headers.get(header) if header else None
    if not name:
        return None
    user = users().get(name)
    if user is None or user.disabled:
        raise Forbidden(f"the signed-in user {name!r} has no enabled account in this service")
    return Access(user.role, user.username, user.scope)


def gate() -> BaseResponse | None:
    """Decide :class:`Access` for the request; redirect, 401 or 403 when it may not go on."""
    endpoint = request.endpoint or ""
    access = _token_access() or _session_access() or _header_access()
    if access is None and current_app.config.get("PUBLIC_MODE"):
        access = Access("public")
    g.access = access
    if endpoint in OPEN_ENDPOINTS or not endpoint or request.method == "OPTIONS":
        return None  # no endpoint: a 404 (or 405) for everyone; OPTIONS only lists methods
    if access is None:
        if wants_json():
            raise Unauthorized("Sign in first: this service needs an account.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    need = need_of(endpoint)
    if not access.allows(need):
        raise Forbidden(f"Your role ({access.role}) may not see this.")
    if access.scope and not endpoint.startswith("auth."):  # signing out stays open
        wards = state().wards
        if wards is not None:
            scope_wards(wards, access.scope)  # 403 when the area is none of the store's wards
    return None


def init_app(app: Flask) -> None:
    """Register the gate and the session cookie's settings."""
    app.permanent_session_lifetime = timedelta(hours=float(app.config["SESSION_HOURS"]))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["COOKIE_SECURE"]),
        SESSION_COOKIE_NAME="hotspots_session",
    )
    app.before_request(gate)
    app.after_request(_challenge)

    @app.context_processor
    def _who() -> dict[str, Any]:
        return {"access": g.get("access")}
