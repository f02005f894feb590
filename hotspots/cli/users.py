"""``hotspots users``: create, change, disable and list accounts; read the audit log.

A change of password, role or scope, and disabling or enabling an account, end every session of
that account at its next request (see :mod:`hotspots.users`), as they do from the web app.

The accounts file defaults to ``users.sqlite3`` in the store folder (``--users-db`` or
``HOTSPOTS_USERS_DB`` to put it elsewhere; the web app's ``USERS_DB`` setting must then match).
Passwords are read from standard input (``--password-stdin``) or asked for without echo; with
``--generate`` a random one is made and printed once.

Personal API tokens (:mod:`hotspots.tokens`): ``token NAME`` prints a new one once, as the last
line of standard output (so ``hotspots users token alice | tail -n 1`` captures it), ``tokens
NAME`` lists them (never the token), ``revoke-token NAME ID`` revokes one.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from hotspots.cli.environment import setting
from hotspots.errors import StoreError
from hotspots.tokens import issue_token, list_tokens, revoke_token
from hotspots.users import (
    ROLES,
    USERS_FILE,
    User,
    UserError,
    UserStore,
    generated_password,
    scope_in_store,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "add_users_parser",
    "area_names",
    "demo_accounts",
    "run_users",
    "users_db_path",
]

#: The demo's accounts: one per role; the officer's area is Cambridge (district E07000008).
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("demo-analyst", "analyst", ()),
    ("demo-officer", "officer", ("E07000008",)),
    ("demo-commissioner", "commissioner", ()),
    ("demo-admin", "admin", ()),
)
DEMO_ACCOUNTS_FILE = "DEMO-ACCOUNTS.txt"


def users_db_path(store: Path, users_db: str | None = None) -> Path:
    """Where the accounts live: ``--users-db``, else ``$HOTSPOTS_USERS_DB``, else in the store."""
    chosen = users_db or setting("USERS_DB")
    return Path(chosen) if chosen else store / USERS_FILE


def add_users_parser(sub: argparse._SubParsersAction, help_text: str) -> argparse.ArgumentParser:
    """Add ``hotspots users ...`` to the command's subparsers; returns its parser."""
    p = sub.add_parser("users", help=help_text)
    p.add_argument("--users-db", metavar="FILE", help="accounts file (default: in the store)")
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--scope",
        default="",
        metavar="CODES",
        help="officers: their area, comma-separated district (E07…/E06…) or ward (E05…) codes "
        "or names ('Cambridge', 'Abbey (Cambridge)')",
    )
    _password_options(add)
    role = actions.add_parser("role", help="change an account's role (and scope)")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--scope", default="", metavar="CODES", help="as for add")
    passwd = actions.add_parser("passwd", help="set a new password")
    passwd.add_argument("username")
    _password_options(passwd)
    for name, text in (("disable", "stop an account signing in"), ("enable", "allow it again")):
        actions.add_parser(name, help=text).add_argument("username")
    actions.add_parser("list", help="list the accounts").add_argument("--json", action="store_true")
    token = actions.add_parser(
        "token", help="make a personal API token (printed once, as the last line)"
    )
    token.add_argument("username")
    token.add_argument(
        "--expires-days", type=float, metavar="N", help="it stops working after N days"
    )
    tokens = actions.add_parser("tokens", help="list an account's API tokens (never the token)")
    tokens.add_argument("username")
    tokens.add_argument("--json", action="store_true")
    revoke = actions.add_parser("revoke-token", help="revoke an API token (by its id)")
    revoke.add_argument("username")
    revoke.add_argument("token_id", type=int, metavar="ID")
    audit = actions.add_parser("audit", help="print the latest audit log entries")
    audit.add_argument("--last", type=int, default=50, metavar="N")
    audit.add_argument("--action", metavar="NAME", help="e.g. login, login_failed, export, upload")
    return p


def _password_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    group.add_argument("--generate", action="store_true", help="make a random one, print it")


def _password(args: argparse.Namespace) -> str:
    if args.generate:
        return generated_password()
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise UserError("the two passwords differ")
    return first


def run_users(args: argparse.Namespace, store: Path) -> int:
    """Carry out ``hotspots users ...``; returns the exit status."""
    users = UserStore(users_db_path(store, args.users_db), actor=f"cli:{_os_user()}")
    command = args.users_command
    if command in ("add", "passwd"):
        password = _password(args)
        if command == "add":
            user = users.add(args.username, password, args.role, _scope(store, args.scope))
            print(f"added {_describe(user)}")
        else:
            users.set_password(args.username, password)
            print(f"password changed for {args.username}")
        if args.generate:
            print(f"password: {password}")
    elif command == "role":
        scope = _scope(store, args.scope)
        print(f"now {_describe(users.set_role(args.username, args.role, scope))}")
    elif command in ("disable", "enable"):
        print(f"now {_describe(users.set_disabled(args.username, command == 'disable'))}")
    elif command == "list":
        everyone = users.users()
        if args.json:
            fields = ("username", "role", "scope", "disabled")
            print(json.dumps([{f: getattr(u, f) for f in fields} for u in everyone], indent=2))
        for user in [] if args.json else everyone:
            print(_describe(user))
    elif command in ("token", "tokens", "revoke-token"):
        _run_tokens(args, users)
    else:
        for entry in users.recent(args.last, args.action):
            detail = json.dumps(entry.detail, sort_keys=True)
            print(f"{entry.at}  {entry.username or '-':20} {entry.action:16} {detail}")
    return 0


def _run_tokens(args: argparse.Namespace, users: UserStore) -> None:
    command = args.users_command
    if command == "token":
        token = issue_token(users, args.username, args.expires_days)
        made = list_tokens(users, args.username)[-1]
        until = f"until {made.expires}" if made.expires else "until revoked"
        print(f"token {made.id} for {made.username}, {until}; shown once, keep it secret:")
        print(token, flush=True)
    elif command == "tokens":
        listed = list_tokens(users, args.username)
        if args.json:
            print(json.dumps([{**vars(t), "state": t.state()} for t in listed], indent=2))
            return
        print(f"{'id':>4}  {'created':25} {'expires':25} {'last used':25} state")
        for t in listed:
            cells = (t.created, t.expires or "never", t.last_used or "never")
            print(f"{t.id:>4}  {cells[0]:25} {cells[1]:25} {cells[2]:25} {t.state()}")
    else:
        revoked = revoke_token(users, args.username, args.token_id)
        print(f"token {revoked.id} of {revoked.username}: {revoked.state()}")


def demo_accounts(store: Path) -> list[tuple[str, str, str]]:
    """Create the demo's accounts with random passwords (once); returns (name, role, password).

    The passwords are also written to ``DEMO-ACCOUNTS.txt`` in the store (mode 0600). Accounts
    that already exist are left as they are (and not returned).
    """
    users = UserStore(users_db_path(store), actor="hotspots demo")
    made = []
    for name, role, scope in DEMO_ACCOUNTS:
        if users.get(name) is None:
            password = generated_password()
            users.add(name, password, role, scope)
            made.append((name, role, password))
    if made:
        file = store / DEMO_ACCOUNTS_FILE
        file.touch(mode=0o600, exist_ok=True)
        with open(file, "a", encoding="utf-8") as handle:
            for name, role, password in made:
                handle.write(f"{name}\t{role}\t{password}\n")
    return made


def area_names(store: Path, codes: Sequence[str]) -> str:
    """An account's area by name, ``"Cambridge"`` or ``"Arbury, Castle"`` (district or ward
    names of the store's wards); a code the store does not hold is given as it is."""
    import geopandas as gpd  # only when a demo lists its accounts

    from hotspots.store import Store

    try:
        wards: gpd.GeoDataFrame = Store(store).load_boundary("wards")
    except (StoreError, OSError):  # no store or no wards yet: the codes are all there is
        return ", ".join(codes)
    names = dict(zip(wards["district_code"], wards["district_name"], strict=True))
    names.update(zip(wards["ward_code"], wards["ward_name"], strict=True))
    return ", ".join(str(names.get(code, code)) for code in codes)


def _scope(store: Path, text: str) -> list[str]:
    """The codes of ``--scope``: comma-separated district or ward codes or names, names resolved
    against the store's wards (:func:`hotspots.users.resolve_scope`: one area each, else the
    candidates are listed), codes the store does not hold refused (a typo, or another force's
    codes: the officer's area would be empty), naming the districts it holds. Without a store
    or wards yet, only codes are taken, checked for their shape (:func:`check_scope`); with them,
    :func:`hotspots.users.scope_in_store`."""
    import geopandas as gpd  # only when a scope is given

    from hotspots.store import Store

    entries = _codes(text)
    if not entries:
        return []
    try:
        wards: gpd.GeoDataFrame = Store(store).load_boundary("wards")
    except (StoreError, OSError):
        return entries  # no wards to name: check_scope takes codes only
    return scope_in_store(wards, entries)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _codes(text: str) -> list[str]:
    return [c for c in (part.strip() for part in text.split(",")) if c]


def _describe(user: User) -> str:
    scope = f" ({', '.join(user.scope)})" if user.scope else ""
    state = " [disabled]" if user.disabled else ""
    return f"{user.username}: {user.role}{scope}{state}"
