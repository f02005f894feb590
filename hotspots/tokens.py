"""Personal API tokens: for tools that cannot use the browser sign-in (QGIS, ArcGIS Pro, GDAL,
scripts). A token acts as its account, with the account's role and scope, on the machine routes.

A token is ``hst_`` followed by :func:`secrets.token_urlsafe` of 32 random bytes (256 bits). It
is shown once, when issued; the accounts file keeps only its SHA-256 digest (``api_tokens``
table), so a copy of the file gives no usable token. A plain digest is enough here, unlike
passwords: a slow, salted hash (scrypt) protects low-entropy secrets people choose against
guessing, while nobody can guess one of 2**256 random values whatever the hash costs; and a fast
digest lets each request be checked by one indexed look-up instead of an scrypt per request.
(Hand-written: a table and a few lines of SQL in the file the accounts already live in.)

A token works until it is revoked, until it expires (``expires``, optional) and only while its
account exists and is enabled: disabling the account stops its tokens at once, enabling it
again lets unexpired, unrevoked tokens work again. Password, role and scope changes do not end
tokens (a token acts with the account's role and scope as they are at each request).

Use is audited: ``token_used`` at most once per token per minute (GIS clients page through
features with many requests a minute; one row per request would swamp the audit log), with the
first request's path; ``last_used`` has the same one-minute resolution. Refusals of a known
token (revoked, expired, account disabled, or sent with another account's name) are audited as
``token_refused`` every time; unknown values are not (they hold nobody's name).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotspots.users import USER_COLUMNS, User, UserError, UserStore, check_username, user_of_row

__all__ = [
    "AUDIT_EVERY_S",
    "PREFIX",
    "ApiToken",
    "TokenRefused",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "token_account",
]

#: Every token starts with this (so secret scanners and people can recognise one).
PREFIX = "hst_"
#: Seconds between two ``token_used`` audit rows (and ``last_used`` updates) for one token.
AUDIT_EVERY_S = 60.0
#: Longest lifetime accepted for ``--expires-days``.
MAX_EXPIRES_DAYS = 3650


class TokenRefused(Exception):
    """A known token that may not be used now; ``reason`` says why (for the audit log)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ApiToken:
    """A token's record (never the token itself)."""

    id: int
    username: str
    created: str
    expires: str | None
    last_used: str | None
    revoked: str | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.revoked:
            return "revoked"
        moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        if self.expires and self.expires <= moment:
            return "expired"
        return "active"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def issue_token(users: UserStore, username: str, expires_days: float | None = None) -> str:
    """Make a token for the account (audited as ``token_issued``); returns the token, which is
    not kept anywhere: show it once."""
    user = users.get(username)
    if user is None:
        raise UserError(f"no user {username!r}")
    if expires_days is not None and not 0 < expires_days <= MAX_EXPIRES_DAYS:
        raise UserError(
            f"--expires-days {expires_days:g}: expected more than 0 and at most {MAX_EXPIRES_DAYS}"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    now = _now()
    expires = (now + timedelta(days=expires_days)).isoformat() if expires_days else None
    with users.connection() as con:
        cursor = con.execute(
            "INSERT INTO api_tokens (username, token_sha256, created, expires) VALUES (?, ?, ?, ?)",
            (user.username, _digest(token), now.isoformat(), expires),
        )
    detail = {"user": user.username, "token": int(cursor.lastrowid or 0), "expires": expires}
    users.audit(users.actor, "token_issued", detail)
    return token


def list_tokens(users: UserStore, username: str) -> list[ApiToken]:
    """The account's tokens, oldest first (revoked and expired ones included)."""
    name = check_username(username)
    if users.get(name) is None:
        raise UserError(f"no user {username!r}")
    with users.connection() as con:
        rows = con.execute(
            "SELECT id, username, created, expires, last_used, revoked FROM api_tokens "
            "WHERE username = ? ORDER BY id",
            (name,),
        ).fetchall()
    return [ApiToken(*row) for row in rows]


def revoke_token(users: UserStore, username: str, token_id: int) -> ApiToken:
    """Revoke the account's token ``token_id`` (audited as ``token_revoked``)."""
    name = check_username(username)
    with users.connection() as con:
        updated = con.execute(
            "UPDATE api_tokens SET revoked = ? WHERE id = ? AND username = ? AND revoked IS NULL",
            (_now().isoformat(), int(token_id), name),
        ).rowcount
    token = next((t for t in list_tokens(users, name) if t.id == int(token_id)), None)
    if token is None:
        raise UserError(f"user {name!r} has no token {token_id}")
    if updated:
        users.audit(users.actor, "token_revoked", {"user": name, "token": token.id})
    return token


def token_account(
    users: UserStore,
    token: str,
    *,
    username: str | None = None,
    path: str = "",
    address: str | None = None,
) -> User | None:
    """The enabled account ``token`` acts as, else None for a value that is no token;
    :class:`TokenRefused` for a known token that may not be used now.

    ``username``: the name sent with it (HTTP Basic), which must be the token's account. A use
    is audited (``token_used``, at most every :data:`AUDIT_EVERY_S` per token); a refusal of a
    known token is audited (``token_refused``).
    """
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    now = _now()
    with users.connection() as con:
        columns = ", ".join(f"u.{column.strip()}" for column in USER_COLUMNS.split(","))
        row = con.execute(
            f"SELECT t.id, t.username, t.expires, t.revoked, t.last_used, {columns} "
            "FROM api_tokens t LEFT JOIN users u ON u.username = t.username "
            "WHERE t.token_sha256 = ?",
            (_digest(token),),
        ).fetchone()
        if row is None:
            return None
        token_id, owner, expires, revoked, last_used = row[:5]
        account = None if row[5] is None else user_of_row(row[5:])
        reason = None
        if revoked:
            reason = "revoked"
        elif expires and expires <= now.isoformat():
            reason = "expired"
        elif account is None:
            reason = "account removed"
        elif account.disabled:
            reason = "account disabled"
        elif username is not None and str(username).strip().lower() != owner:
            reason = "sent with another account's name"
        since = (now - timedelta(seconds=AUDIT_EVERY_S)).isoformat()
        first_this_minute = 0
        if reason is None and (last_used is None or last_used <= since):
            # Written only when stale (most requests only read); the condition settles a race
            # between workers: one of them writes the row and audits.
            first_this_minute = con.execute(
                "UPDATE api_tokens SET last_used = ? WHERE id = ? "
                "AND (last_used IS NULL OR last_used <= ?)",
                (now.isoformat(), token_id, since),
            ).rowcount
    detail = {"token": token_id, "path": path}
    if reason is not None:
        users.audit(owner, "token_refused", {**detail, "reason": reason}, address)
        raise TokenRefused(reason)
    if first_this_minute:
        users.audit(owner, "token_used", detail, address)
    assert account is not None
    return account
