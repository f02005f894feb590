"""The accounts page (admins): add an account, reset its password, disable or enable it.

``/admin/users`` lists every account with its role, its area named as people name it
(``Cambridge``, never ``E07000008``) and whether it may sign in, with a form to add one. An
officer's area is given as ``hotspots users add --scope`` takes it: district or ward names or
codes, comma-separated, each checked against the store's wards
(:func:`hotspots.users.scope_in_store`: a name that fits several areas or none is refused,
listing the candidates).

The admin never chooses or keeps a password: a new account and a reset get a random one
(:func:`hotspots.users.generated_password`), shown once on the page that answers the form, to be
handed to the person. Every change ends that account's sessions and is in the audit log under
the admin's account name and address. A bad field re-shows the form with the message beside it
(400). An admin cannot disable their own account (no one would be left to enable it).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request

from hotspots.users import (
    ROLES,
    User,
    UserError,
    UserStore,
    generated_password,
    scope_in_store,
)
from web.access import area_name, current_access
from web.accounts import users
from web.data import state

bp = Blueprint("useradmin", __name__)


@dataclass(frozen=True)
class Done:
    """What the last form did, said at the top of the page (``password``: shown once)."""

    text: str
    password: str | None = None


def _acting() -> UserStore:
    """The account store with this admin as the actor of its audit entries."""
    return UserStore(users().path, actor=current_access().username, address=request.remote_addr)


def _area(user: User) -> str:
    wards = state().wards
    if not user.scope:
        return "whole force"
    return area_name(wards, user.scope) if wards is not None else ", ".join(user.scope)


def _districts() -> list[str]:
    wards = state().wards
    if wards is None or "district_name" not in wards:
        return []
    return sorted({str(n) for n in wards["district_name"].dropna()})


#: Most characters of a refused field the form is re-filled with (a list of 25 ward names
#: fits; a name is at most 64).
REFILL_CHARS = 2_000


def _page(
    *, done: Done | None = None, error: tuple[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    """The page: ``error`` is (field, message) of the add form, re-shown with what was sent."""
    # re-shown as sent, up to REFILL_CHARS (a longer value is never valid: it is refused by its
    # start and length, hotspots.users._shown, not sent back whole)
    form = {k: request.form.get(k, "").strip()[:REFILL_CHARS] for k in ("username", "role", "area")}
    if error is None and done is not None:
        form = {"username": "", "role": "", "area": ""}  # added: an empty form for the next
    return render_template(
        "users.html",
        accounts=[(u, _area(u)) for u in users().users()],
        roles=ROLES,
        districts=_districts(),
        done=done,
        error=error,
        form=form,
        me=current_access().username,
    ), status


@bp.get("/admin/users")
def page() -> tuple[str, int]:
    """Every account, and the form to add one."""
    return _page()


def _field_of(message: str) -> str:
    """The add form's field a :class:`UserError` is about."""
    for field, words in (("username", "username"), ("area", "scope"), ("role", "role")):
        if message.startswith(words) or f" {words}" in message:
            return field
    return "username" if "exists" in message else "area"


@bp.post("/admin/users")
def add() -> tuple[str, int]:
    """Add an account with a random password, shown once."""
    name = request.form.get("username", "").strip()
    role = request.form.get("role", "").strip()
    area = request.form.get("area", "").strip()
    try:
        entries = [part.strip() for part in area.split(",") if part.strip()]
        if role != "officer" and entries:
            raise UserError(
                f"scope: only officers have an area; the {role} role sees the whole force"
            )
        wards = state().wards
        codes = scope_in_store(wards, entries) if entries and wards is not None else entries
        password = generated_password()
        user = _acting().add(name, password, role, codes)
    except UserError as exc:
        field = _field_of(str(exc))
        said = str(exc).removeprefix("scope: ").replace("a scope", "an area", 1)
        said = said.replace("scope", "area", 1)
        return _page(error=(field, _sentence(said if field == "area" else str(exc))), status=400)
    what = user.role + (f" for {_area(user)}" if user.scope else "")
    return _page(done=Done(f"Account {user.username} added: {what}.", password))


@bp.post("/admin/users/<username>/password")
def reset(username: str) -> tuple[str, int]:
    """A new random password for the account (shown once); its sessions end."""
    password = generated_password()
    try:
        _acting().set_password(username, password)
    except UserError as exc:
        return _page(done=Done(_sentence(str(exc))), status=404)
    return _page(done=Done(f"New password for {username}; their sessions have ended.", password))


@bp.post("/admin/users/<username>/<any(disable, enable):change>")
def switch(username: str, change: str) -> tuple[str, int]:
    """Stop the account signing in (its sessions end), or allow it again."""
    if change == "disable" and username == current_access().username:
        return _page(
            done=Done("You cannot disable your own account: ask another admin."), status=400
        )
    try:
        user = _acting().set_disabled(username, change == "disable")
    except UserError as exc:
        return _page(done=Done(_sentence(str(exc))), status=404)
    said = "disabled: it cannot sign in" if user.disabled else "enabled: it can sign in again"
    return _page(done=Done(f"Account {user.username} {said}."))


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "?")) else text + "."
