"""The app's account store and its audit log, for every route that names or records a visitor.

The store is opened when the app starts (:func:`init_app`); :func:`audit` appends an
action of the current visitor (sign-ins, exports, uploads, account changes) to its log.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request

from hotspots.users import UserStore
from web.access import Access

__all__ = ["audit", "init_app", "users"]


def init_app(app: Flask) -> None:
    """Open the account store (``USERS_DB``)."""
    app.extensions["hotspots"]["users"] = UserStore(app.config["USERS_DB"], actor="web")


def users() -> UserStore:
    """The app's account store."""
    store: UserStore = current_app.extensions["hotspots"]["users"]
    return store


def audit(action: str, detail: dict[str, Any] | None = None, username: str | None = None) -> None:
    """Append ``action`` by the current visitor to the audit log."""
    access: Access | None = g.get("access")
    who = username if username is not None else (access.username if access else None)
    users().audit(who, action, detail, request.remote_addr)
