"""The audit log page (admins): who signed in, exported and uploaded what, and when.

``/admin/audit?user=NAME&action=login&from=2025-12-01&to=2025-12-07&page=2``: filters by
account, action and UTC day (both days included), 50 entries a page, newest first; each entry's
details are shown as text (``role: analyst``), not JSON. A bad filter re-shows the form with the
message beside its field (400).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from hotspots.dates import DAY_FORMS, day_words, parse_day
from web.accounts import users
from web.errors import BadParameter

bp = Blueprint("admin", __name__)

ACTIONS = (
    "login", "login_failed", "login_blocked", "logout", "export", "upload", "upload_refused",
    "user_added", "role_changed", "password_changed", "user_disabled", "user_enabled",
)  # fmt: skip
PAGE_SIZE = 50
#: Far beyond any audit log (50 million entries), far below SQLite's 64-bit OFFSET.
MAX_PAGE = 1_000_000


def detail_text(detail: Any) -> str:
    """An entry's details as text: ``{"role": "analyst", "files": ["a.csv", "b.csv"]}`` ->
    ``"role: analyst; files: a.csv, b.csv"`` (nested mappings as ``key (inner: value)``)."""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            if value is None or value == "" or value == [] or value == {}:
                continue
            text = detail_text(value)
            label = str(key).replace("_", " ")
            parts.append(f"{label} ({text})" if isinstance(value, dict) else f"{label}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return ", ".join(detail_text(v) for v in detail)
    return str(detail)


def _day(field: str, text: str) -> str | None:
    if not text:
        return None
    try:
        return parse_day(text).isoformat()
    except ValueError:
        raise BadParameter(field, text, DAY_FORMS) from None


def _filters() -> dict[str, Any]:
    """The validated filters of the request (BadParameter names the first bad one)."""
    args = request.args
    action = args.get("action", "").strip() or None
    if action is not None and action not in ACTIONS:
        raise BadParameter("action", action, "one of " + ", ".join(ACTIONS))
    page_text = args.get("page", "").strip() or "1"
    # ASCII digits only ("²".isdigit() is true; int() refuses it) and bounded: SQLite's OFFSET
    # is a 64-bit integer
    if not (page_text.isascii() and page_text.isdigit()) or not 1 <= int(page_text) <= MAX_PAGE:
        raise BadParameter("page", page_text, f"a page number from 1 to {MAX_PAGE:,}")
    since = _day("from", args.get("from", "").strip())
    until = _day("to", args.get("to", "").strip())
    if since and until and since > until:
        raise BadParameter("to", until, f"a day on or after {day_words(since)} (the 'from' day)")
    user = args.get("user", "").strip().lower() or None
    return {"user": user, "action": action, "from": since, "to": until, "page": int(page_text)}


@bp.get("/admin/audit")
def audit() -> tuple[str, int]:
    """The audit log, newest first, filtered by account, action and day, a page at a time."""
    accounts = [u.username for u in users().users()]
    form = {k: request.args.get(k, "").strip() for k in ("user", "action", "from", "to")}
    try:
        chosen = _filters()
    except BadParameter as exc:  # the form again, the message beside its field
        return render_template(
            "audit.html",
            entries=[],
            total=0,
            error=exc,
            form=form,
            accounts=accounts,
            actions=ACTIONS,
            page=1,
            pages=0,
            link=None,
            detail_text=detail_text,
        ), 400
    entries, total = users().search_audit(
        username=chosen["user"],
        action=chosen["action"],
        since=chosen["from"],
        until=chosen["to"],
        limit=PAGE_SIZE,
        offset=(chosen["page"] - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: v for k, v in form.items() if v}

    def link(page: int) -> str:
        return "?" + urlencode({**kept, "page": page})

    return render_template(
        "audit.html",
        entries=entries,
        total=total,
        error=None,
        form=form,
        accounts=accounts,
        actions=ACTIONS,
        page=chosen["page"],
        pages=pages,
        link=link,
        detail_text=detail_text,
        first=(chosen["page"] - 1) * PAGE_SIZE + 1,
    ), 200
