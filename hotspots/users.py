"""Accounts, roles and the audit log: an embedded SQLite file (no server), beside the store.

Roles (what each may see is decided by the web app, :mod:`web.access`):

- ``analyst``: everything, exact points and raids included; uploads new monthly files;
- ``officer``: a neighbourhood officer, scoped to chosen districts or wards: their area's
  hotspots and patrol plans, no exact points, no raid locations;
- ``commissioner``: the police and crime commissioner's office: aggregates, hotspot polygons and
  briefings, no exact points, no raid locations;
- ``admin``: everything an analyst has, and the audit log.

Passwords are stored as salted scrypt hashes (``scrypt$n$r$p$salt$hash``, standard library
:func:`hashlib.scrypt`); a password is never stored or logged. (Werkzeug's
``generate_password_hash``, installed with Flask, also uses scrypt but in its own format,
``scrypt:32768:8:1$salt$hash``; the accounts files already hold this one, so switching would
mean reading both for no gain in strength.) Every change to an account and
every sign-in, export and upload is appended to the ``audit`` table (who, what, when, details).
Several server processes share the file: SQLite's write-ahead log and a busy timeout serialise
their writes.

Sessions can be ended: each account has a ``session_version``, stored in a session when it
starts; a password, role or scope change, disabling or enabling the account, and signing out
(:meth:`UserStore.end_sessions`) add one to it, so every session started before no longer
matches. Files made before the column existed gain it when first opened.

Personal API tokens (for GIS tools and scripts that cannot sign in with a browser) live in the
``api_tokens`` table of the same file; :mod:`hotspots.tokens` issues, checks and revokes them.

Sign-in limits (:meth:`UserStore.sign_in`): each attempt is written to ``login_attempts`` as
pending in the same ``BEGIN IMMEDIATE`` transaction that counts the recent failures of its
account and of its address, before its password is checked, so parallel attempts (threads or
worker processes) cannot all pass the count; pending attempts count as failures until they are
settled. The account limit counts failures for that name from any address; the address limit,
meant to be far higher, counts failures for any name from that address. Successes count for
neither. (Hand-written: a few lines of SQL on the file the accounts already live in; a limiter
library would keep its counts per process or need a server.)
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hotspots.errors import HotspotsError
from hotspots.gss import (
    DISTRICT_PREFIXES,
    WARD_PREFIXES,
    districts_held,
    is_district_code,
    is_ward_code,
)

__all__ = [
    "ROLES",
    "AuditEntry",
    "SignInLimits",
    "TooManyFailures",
    "User",
    "UserError",
    "UserStore",
    "generated_password",
    "hash_password",
    "resolve_scope",
    "scope_in_store",
    "verify_password",
]

ROLES: tuple[str, ...] = ("analyst", "officer", "commissioner", "admin")
#: Shortest password accepted (NCSC guidance: length over complexity rules).
#: The accounts file's name inside the store (the default place of the accounts).
USERS_FILE = "users.sqlite3"
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]',
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    session_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    address TEXT
);
CREATE INDEX IF NOT EXISTS audit_action_at ON audit (action, at);
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    username TEXT NOT NULL,
    address TEXT,
    outcome TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS login_attempts_username ON login_attempts (username, at);
CREATE INDEX IF NOT EXISTS login_attempts_address ON login_attempts (address, at);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    expires TEXT,
    last_used TEXT,
    revoked TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_username ON api_tokens (username);
"""
#: Columns added since the first release: (table, column, definition), added in place. (Tables
#: added since, such as ``api_tokens``, are made by the ``CREATE TABLE IF NOT EXISTS`` above.)
_MIGRATIONS = (("users", "session_version", "INTEGER NOT NULL DEFAULT 0"),)
#: The columns :func:`user_of_row` reads, in order.
USER_COLUMNS = "username, role, scope, disabled, session_version"
_USER_COLUMNS = USER_COLUMNS


class UserError(HotspotsError, ValueError):
    """A bad username, role, scope or password, or an unknown account."""


class TooManyFailures(HotspotsError):
    """A sign-in refused before its password is checked: too many recent failures.

    ``limit`` is ``"account"`` or ``"address"``.
    """

    def __init__(self, limit: str) -> None:
        self.limit = limit
        self.where = "for this account" if limit == "account" else "from this address"
        super().__init__(f"too many failures {self.where}")


@dataclass(frozen=True)
class SignInLimits:
    """Failed sign-ins allowed per account and per address in ``window_minutes``."""

    per_account: int
    per_address: int
    window_minutes: float


@dataclass(frozen=True)
class User:
    """An account (never holds the password)."""

    username: str
    role: str
    scope: tuple[str, ...]
    disabled: bool
    #: Sessions started when this was the account's version are live; any change bumps it.
    session_version: int = 0


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: str
    username: str | None
    action: str
    detail: dict[str, Any]
    address: str | None


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (``scrypt$n$r$p$salt$hash``, hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


@functools.cache
def _dummy_hash() -> str:
    """A hash nothing matches, checked for unknown users so that timing does not reveal them.

    Made on first use, not at import: scrypt costs ~0.2 s, which every ``hotspots`` command paid.
    """
    return hash_password(secrets.token_hex(16))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Most characters of a refused value a message repeats (a form may send megabytes).
ECHO_CHARS = 80


def _shown(value: str) -> str:
    """``value`` quoted as a message repeats it: its start and its length when it is long."""
    value = str(value)
    if len(value) <= ECHO_CHARS:
        return repr(value)
    return f"{value[:ECHO_CHARS]!r}… ({len(value):,} characters)"


def check_username(username: str) -> str:
    """``username`` lower-cased, or :class:`UserError` saying what is allowed."""
    name = str(username).strip().lower()
    if not _USERNAME.fullmatch(name):
        raise UserError(
            f"username {_shown(username)}: expected 2-64 characters, letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else :class:`UserError`."""
    if role not in ROLES:
        raise UserError(f"role {_shown(role)}: expected one of {', '.join(ROLES)}")
    return role


def check_scope(role: str, scope: Sequence[str]) -> tuple[str, ...]:
    """Scope codes: district or ward GSS codes by :mod:`hotspots.gss`, checked."""
    codes = tuple(sorted({str(c).strip().upper() for c in scope if str(c).strip()}))
    bad = [c for c in codes if not (is_district_code(c) or is_ward_code(c))]
    if bad:
        raise UserError(
            f"scope codes {bad}: expected district ({'/'.join(DISTRICT_PREFIXES)}…) or ward "
            f"({'/'.join(WARD_PREFIXES)}…) GSS codes such as E07000008 or E05013051"
        )
    if role == "officer" and not codes:
        raise UserError("an officer needs a scope: the district or ward codes of their area")
    if role != "officer" and codes:
        raise UserError(f"only officers have a scope; a {role} sees the whole force")
    return codes


def resolve_scope(wards: Any, entries: Sequence[str]) -> list[str]:
    """District and ward codes of a scope given by codes and/or names, against a ward table
    (``wards``: a DataFrame with ``ward_code``, ``ward_name``, ``district_code`` and
    ``district_name``): ``["Cambridge", "King's Hedges"]`` -> ``["E07000008", "E05013056"]``.

    An entry shaped like a district or ward code is a code (checked against the store by the
    caller, as before). Otherwise it is a name, matched without regard to case or surrounding
    spaces against the district names, the ward names, and wards as the app names them,
    ``"Abbey (Cambridge)"``; it must match exactly one area. A name that matches several (a ward
    name used in two districts, a district and a ward of the same name) or none is refused
    (:class:`UserError`) listing the candidates with their codes: the matches, or the closest
    names (:func:`difflib.get_close_matches`).
    """
    areas: dict[str, list[tuple[str, str]]] = {}  # folded name -> [(label, code)]

    def known(name: str, label: str, code: str) -> None:
        entry = (label, code)
        bucket = areas.setdefault(name.strip().casefold(), [])
        if entry not in bucket:
            bucket.append(entry)

    for code, name in zip(wards["district_code"], wards["district_name"], strict=True):
        known(str(name), f"{name} district", str(code))
    for code, name, district in zip(
        wards["ward_code"], wards["ward_name"], wards["district_name"], strict=True
    ):
        known(str(name), f"{name} ({district})", str(code))
        known(f"{name} ({district})", f"{name} ({district})", str(code))
    codes: list[str] = []
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        if is_district_code(entry.upper()) or is_ward_code(entry.upper()):
            codes.append(entry.upper())
            continue
        found = areas.get(entry.casefold(), [])
        if len(found) == 1:
            codes.append(found[0][1])
            continue
        if found:
            raise UserError(
                f"scope {_shown(entry)} names {len(found)} areas: "
                + "; ".join(f"{label} {code}" for label, code in found)
                + ". Give the code, or a ward as 'Ward (District)'"
            )
        close = difflib.get_close_matches(entry.casefold(), list(areas), n=5, cutoff=0.6)
        candidates = [f"{label} {code}" for name in close for label, code in areas[name]]
        raise UserError(
            f"scope {_shown(entry)} is no district or ward of the store"
            + (f"; did you mean: {'; '.join(dict.fromkeys(candidates))}?" if candidates else "")
        )
    return list(dict.fromkeys(codes))


def scope_in_store(wards: Any, entries: Sequence[str]) -> list[str]:
    """The district and ward codes of a scope given by codes and/or names
    (:func:`resolve_scope`), each held by ``wards`` (the store's ward table): a code it does not
    hold (a typo, or another force's code: the officer's area would be empty) is refused
    (:class:`UserError`) naming the districts it holds. The one check of a scope against a
    store, for ``hotspots users --scope`` and the admins' accounts page."""
    codes = resolve_scope(wards, entries)
    held = set(wards["district_code"]) | set(wards["ward_code"])
    unknown = sorted({c.strip().upper() for c in codes} - held)
    if unknown:
        raise UserError(
            f"scope codes {unknown}: not among the store's wards or districts; its districts "
            f"are {districts_held(wards)} (ward codes: `hotspots export wards`)"
        )
    return codes


def generated_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def user_of_row(row: Sequence[Any]) -> User:
    """A :class:`User` from a row of :data:`_USER_COLUMNS`."""
    return User(row[0], row[1], tuple(json.loads(row[2])), bool(row[3]), int(row[4]))


def _migrate(con: sqlite3.Connection) -> None:
    """Add the columns of :data:`_MIGRATIONS` that a file made by an older release lacks."""
    for table, column, definition in _MIGRATIONS:
        present = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if column in present:
            continue
        try:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.OperationalError as error:  # another process added it first
            if "duplicate column" not in str(error):
                raise


def check_password(password: str) -> str:
    """``password`` if long enough, else :class:`UserError`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password too short: expected at least {MIN_PASSWORD_LENGTH} characters")
    return password


class UserStore:
    """The accounts and audit log in one SQLite file (created on first use, mode 0600).

    ``actor`` is who makes the account changes, recorded in the audit log (e.g. ``cli:alice``,
    or an admin's account name on the web), with ``address`` (the admin's client address).
    """

    def __init__(
        self, path: str | Path, actor: str | None = None, address: str | None = None
    ) -> None:
        self.path = Path(path)
        self.actor = actor
        self.address = address
        self._ready = False

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            if not self._ready:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                _migrate(con)
                self._ready = True
            yield con
        finally:
            con.close()

    def connection(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A connection to the accounts file (schema made and migrated), closed on exit; for
        modules that keep their own tables in it (:mod:`hotspots.tokens`)."""
        return self._db()

    # -- accounts --------------------------------------------------------------------------------
    def add(self, username: str, password: str, role: str, scope: Sequence[str] = ()) -> User:
        """Create an account; :class:`UserError` if the name is taken or a value is bad."""
        name, role = check_username(username), check_role(role)
        codes = check_scope(role, scope)
        digest = hash_password(check_password(password))
        now = _now()
        with self._db() as con:
            try:
                con.execute(
                    "INSERT INTO users (username, password_hash, role, scope, disabled, created, "
                    "updated) VALUES (?, ?, ?, ?, 0, ?, ?)",
                    (name, digest, role, json.dumps(list(codes)), now, now),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"user {name!r} already exists") from None
        self.audit(
            self.actor,
            "user_added",
            {"user": name, "role": role, "scope": list(codes)},
            self.address,
        )
        return User(name, role, codes, False)

    def get(self, username: str) -> User | None:
        """The account, or None."""
        try:
            name = check_username(username)
        except UserError:
            return None
        with self._db() as con:
            row = con.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", (name,)
            ).fetchone()
        return None if row is None else user_of_row(row)

    def users(self) -> list[User]:
        """Every account, by name."""
        with self._db() as con:
            rows = con.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username").fetchall()
        return [user_of_row(r) for r in rows]

    def authenticate(self, username: str, password: str) -> User | None:
        """The enabled account whose password this is, else None (same cost either way)."""
        user = self.get(username)
        with self._db() as con:
            row = (
                con.execute(
                    "SELECT password_hash FROM users WHERE username = ?", (user.username,)
                ).fetchone()
                if user
                else None
            )
        ok = verify_password(password, row[0] if row else _dummy_hash())
        return user if ok and user is not None and not user.disabled else None

    def set_role(self, username: str, role: str, scope: Sequence[str] = ()) -> User:
        """Change an account's role (and scope); its sessions end."""
        user = self._existing(username)
        role = check_role(role)
        codes = check_scope(role, scope)
        self._update(user.username, role=role, scope=json.dumps(list(codes)))
        detail = {"user": user.username, "role": role, "scope": list(codes)}
        self.audit(self.actor, "role_changed", detail, self.address)
        return self._existing(user.username)

    def set_password(self, username: str, password: str) -> None:
        """Change an account's password; its sessions end."""
        user = self._existing(username)
        self._update(user.username, password_hash=hash_password(check_password(password)))
        self.audit(self.actor, "password_changed", {"user": user.username}, self.address)

    def set_disabled(self, username: str, disabled: bool) -> User:
        """Disable (no sign-in) or enable an account; either way its sessions end."""
        user = self._existing(username)
        self._update(user.username, disabled=int(disabled))
        action = "user_disabled" if disabled else "user_enabled"
        self.audit(self.actor, action, {"user": user.username}, self.address)
        return self._existing(user.username)

    def end_sessions(self, username: str) -> None:
        """End every session of the account at its next request (on signing out)."""
        self._update(self._existing(username).username)

    def _existing(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise UserError(f"no user {_shown(username)}")
        return user

    def _update(self, name: str, **values: Any) -> None:
        """Set ``values`` on the account and bump its session version: every change to an
        account ends the sessions started before it."""
        columns = "".join(f"{column} = ?, " for column in values)
        with self._db() as con:
            con.execute(
                f"UPDATE users SET {columns}session_version = session_version + 1, updated = ? "
                "WHERE username = ?",
                (*values.values(), _now(), name),
            )

    # -- audit -----------------------------------------------------------------------------------
    def audit(
        self,
        username: str | None,
        action: str,
        detail: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Append one entry to the audit log."""
        with self._db() as con:
            con.execute(
                "INSERT INTO audit (at, username, action, detail, address) VALUES (?, ?, ?, ?, ?)",
                (_now(), username, action, json.dumps(detail or {}, default=str), address),
            )

    def recent(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        """The latest audit entries, newest first (optionally of one action)."""
        query = "SELECT at, username, action, detail, address FROM audit"
        args: tuple[Any, ...] = ()
        if action:
            query += " WHERE action = ?"
            args = (action,)
        query += " ORDER BY id DESC LIMIT ?"
        with self._db() as con:
            rows = con.execute(query, (*args, int(limit))).fetchall()
        return [AuditEntry(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def search_audit(
        self,
        *,
        username: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[AuditEntry], int]:
        """One page of the audit log, newest first, and how many entries match in all.

        Filters (each optional, all must hold): the account's ``username`` (exact), the
        ``action``, and the UTC days ``since`` and ``until`` (``YYYY-MM-DD``, both included).
        """
        where: list[str] = []
        args: list[Any] = []
        if username:
            where.append("username = ?")
            args.append(username)
        if action:
            where.append("action = ?")
            args.append(action)
        if since:
            where.append("at >= ?")
            args.append(since)
        if until:
            where.append("at < ?")
            args.append((date.fromisoformat(until) + timedelta(days=1)).isoformat())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._db() as con:
            (total,) = con.execute(f"SELECT count(*) FROM audit{clause}", args).fetchone()
            rows = con.execute(
                "SELECT at, username, action, detail, address FROM audit"
                f"{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*args, int(limit), int(offset)),
            ).fetchall()
        entries = [AuditEntry(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]
        return entries, int(total)

    # -- sign-in limits --------------------------------------------------------------------------
    def sign_in(
        self, username: str, password: str, address: str | None, limits: SignInLimits
    ) -> User | None:
        """The enabled account whose password this is, else None; :class:`TooManyFailures`
        (before the password is checked) when the account or the address has had too many
        failed sign-ins in the window."""
        username = str(username).strip().lower()[:64]
        attempt = self._claim_attempt(username, address, limits)
        user: User | None = None
        try:
            user = self.authenticate(username, password)
        finally:
            with self._db() as con:
                con.execute(
                    "UPDATE login_attempts SET outcome = ? WHERE id = ?",
                    ("success" if user is not None else "failure", attempt),
                )
        return user

    def _claim_attempt(self, username: str, address: str | None, limits: SignInLimits) -> int:
        """Count recent failures and record this attempt as pending, in one transaction."""
        since = time.time() - float(limits.window_minutes) * 60
        counted = "at >= ? AND outcome != 'success'"
        with self._db() as con:
            con.execute("BEGIN IMMEDIATE")  # one writer at a time: counts cannot go stale
            try:
                con.execute("DELETE FROM login_attempts WHERE at < ?", (since,))
                (by_account,) = con.execute(
                    f"SELECT COUNT(*) FROM login_attempts WHERE username = ? AND {counted}",
                    (username, since),
                ).fetchone()
                (by_address,) = con.execute(
                    f"SELECT COUNT(*) FROM login_attempts WHERE address = ? AND {counted}",
                    (address, since),
                ).fetchone()
                if by_account >= limits.per_account:
                    raise TooManyFailures("account")
                if address is not None and by_address >= limits.per_address:
                    raise TooManyFailures("address")
                cursor = con.execute(
                    "INSERT INTO login_attempts (at, username, address) VALUES (?, ?, ?)",
                    (time.time(), username, address),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return int(cursor.lastrowid or 0)
