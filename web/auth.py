"""Signing in and out: ``/login`` (the form and its check) and ``/logout``.

Who a request is, and what it may reach, is decided before each request by the gate
(:mod:`web.gate`): a session started here lasts at most ``SESSION_HOURS`` and ends when its
account's session version changes. Sign-in failures are limited per account
(``LOGIN_MAX_FAILURES`` in ``LOGIN_WINDOW_MINUTES``) and, far higher, per address
(``LOGIN_MAX_FAILURES_PER_ADDRESS``): 429 after that, before the password is checked; each
attempt is counted atomically before its check (:meth:`hotspots.users.UserStore.sign_in`). The
address is the TCP peer, or with ``PROXY_COUNT`` trusted proxies in front the client address
they forward (Werkzeug's ``ProxyFix``, set up in :func:`web.create_app`). Sign-ins, failures and
sign-outs are audited.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from hotspots.users import SignInLimits, TooManyFailures
from web.access import Access
from web.accounts import audit, users

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only paths on this site (no scheme, no host, no ``//``) are followed after sign-in."""
    if not target:
        return url_for("maps.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("maps.index")
    return target


@bp.get("/login")
def login() -> str:
    """The sign-in form."""
    return render_template("login.html", next=_safe_next(request.args.get("next")), error=None)


@bp.post("/login")
def login_submit() -> BaseResponse | tuple[str, int]:
    """Check the password (rate limited) and start a session."""
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")[:1024]
    target = _safe_next(request.form.get("next"))
    config = current_app.config
    limits = SignInLimits(
        per_account=int(config["LOGIN_MAX_FAILURES"]),
        per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window_minutes=float(config["LOGIN_WINDOW_MINUTES"]),
    )
    try:
        user = users().sign_in(username, password, request.remote_addr, limits)
    except TooManyFailures as refused:
        audit("login_blocked", {"reason": str(refused)}, username=username)
        raise TooManyRequests(
            f"Too many failed sign-ins {refused.where}: try again in "
            f"{limits.window_minutes:g} minutes."
        ) from None
    if user is None:
        audit("login_failed", username=username)
        error = "The username or password is not right, or the account is disabled."
        return render_template("login.html", next=target, error=error), 401
    session.clear()
    session["user"] = user.username
    session["version"] = user.session_version
    session["since"] = time.time()
    session.permanent = True
    g.access = Access(user.role, user.username, user.scope)
    audit("login", {"role": user.role})
    if target == url_for("maps.index"):  # the site itself, no page in particular: the role's home
        target = url_for(g.access.home)
    return redirect(target)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the session, and every other session of the account (see :func:`web.gate.gate`)."""
    if session.get("user"):
        users().end_sessions(session["user"])
        audit("logout")
    session.clear()
    return redirect(url_for("auth.login"))


__all__ = ["bp"]
