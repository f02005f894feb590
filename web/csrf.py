"""Cross-site request forgery protection for every form that changes something (POST).

Each session holds a random token; every POST form carries it in a hidden ``csrf_token`` field
(templates call ``csrf_token()``), and a POST without the session's token is refused with 400
before the view runs. GET forms (the period and layer filters) change nothing and carry none.

Written here rather than with Flask-WTF's ``CSRFProtect``: the forms are plain Jinja HTML (no
WTForms), so it would bring WTForms for nothing, and its signed tokens expire after an hour by
default (``WTF_CSRF_TIME_LIMIT``), refusing a patrol form left open on a phone through a shift. The
check is OWASP's synchronizer-token pattern: a random token in the session, compared in constant
time (:func:`hmac.compare_digest`).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from werkzeug.exceptions import BadRequest

__all__ = ["csrf_token", "init_app"]

FIELD = "csrf_token"


def csrf_token() -> str:
    """This session's token (made on first use)."""
    token = session.get(FIELD)
    if not token:
        token = session[FIELD] = secrets.token_urlsafe(32)
    return str(token)


def check() -> None:
    """Refuse a state-changing request whose form token is not the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.routing_exception is not None:
        return  # reads change nothing; unknown routes and methods get their 404 / 405
    sent = request.form.get(FIELD, "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get(FIELD, "")
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise BadRequest(
            "The form has expired or did not come from this service (CSRF check failed): "
            "reload the page and try again."
        )


def init_app(app: Flask) -> None:
    """Check every POST; give templates ``csrf_token()``."""
    app.before_request(check)
    app.jinja_env.globals["csrf_token"] = csrf_token
