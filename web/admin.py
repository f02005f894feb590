"""The audit log page (admins): who signed in, exported and uploaded what, and when."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web.auth import users
from web.errors import BadParameter

bp = Blueprint("admin", __name__)

ACTIONS = (
    "login", "login_failed", "login_blocked", "logout", "export", "upload", "upload_refused",
    "user_added", "role_changed", "password_changed", "user_disabled", "user_enabled",
)  # fmt: skip


@bp.get("/admin/audit")
def audit() -> str:
    """The latest entries of the audit log, newest first (``?action=`` filters)."""
    action = request.args.get("action", "").strip() or None
    if action is not None and action not in ACTIONS:
        raise BadParameter("action", action, "one of " + ", ".join(ACTIONS))
    entries = users().recent(500, action)
    return render_template("audit.html", entries=entries, action=action, actions=ACTIONS)
