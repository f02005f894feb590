"""Signing test clients in, as a person would: an account in the app's user store, the sign-in
form fetched (for its CSRF token) and posted."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import Flask
from flask.testing import FlaskClient

from hotspots.users import UserStore

PASSWORD = "correct horse battery staple"
#: The officers' default area: Cambridge (demo data) / Northshire (the hand-made world).
DEMO_OFFICER_SCOPE = ("E07000008",)


def ensure_user(app: Flask, role: str, scope: Sequence[str] = (), name: str | None = None) -> str:
    """The username of a test account with ``role`` (made if missing)."""
    users = UserStore(app.config["USERS_DB"])
    if role == "officer" and not scope:
        scope = DEMO_OFFICER_SCOPE
    name = name or f"test-{role}" + ("-" + "-".join(scope).lower() if scope else "")
    if users.get(name) is None:
        users.add(name, PASSWORD, role, scope)
    return name


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match[1]


def sign_in(
    client: FlaskClient, role: str = "analyst", scope: Sequence[str] = (), app: Flask | None = None
) -> FlaskClient:
    """``client`` signed in with a ``role`` account (made if missing); returns it."""
    flask_app = app or client.application
    name = ensure_user(flask_app, role, scope)
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def client_as(app: Flask, role: str | None, scope: Sequence[str] = ()) -> FlaskClient:
    """A new client of ``app``: signed in as ``role`` (see :func:`sign_in`), or anonymous for
    ``None``."""
    client = app.test_client()
    return client if role is None else sign_in(client, role, scope)
