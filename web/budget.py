"""Bounded cost per account: how many new computations one account may start per minute.

A view already made (an analysis, a patrol plan) is served from the caches at no cost; a new one
costs seconds of the server's CPU (a patrol plan about 1.5 s on the demo, a tuned analysis more).
Every parameter is bounded (months held, ``n`` up to 50, at most ``MAX_PLAN_WARDS`` wards), but
their combinations are not: ward subsets, periods and, for analysts, DBSCAN pairs run to
millions. So one account could keep a 2-core server busy by asking for one new plan after
another. :func:`charge` counts each computation a request starts (called where the caches miss:
:func:`web.analyses.full_analysis`, :func:`web.plans.get_plan`, and every API download, which
is written anew each time; and :func:`charge_drawing` in :func:`web.httpcache.cached_body` for
a map frame, the briefing's PNG or PDF or a plan's CSV or GPX drawn anew, up to a second or
more of CPU each, unless the request already counted its analysis or plan) against its
account (or its
address, for the public level) and refuses the request with 429 and ``Retry-After`` once the
account has started ``COMPUTE_PER_MINUTE`` in the last minute (0: no limit). Pre-warming, which
runs outside any request, is never charged.

The limiter is pyrate-limiter's: a sliding-window log per account, a bucket per account routed
by a small :class:`~pyrate_limiter.BucketFactory`, kept in SQLite (pyrate-limiter's
:class:`~pyrate_limiter.SQLiteBucket`) in :data:`LEDGER_FILE` beside ``USERS_DB``, the folder
every worker process already shares (its secret key is there): so with ``gunicorn --workers 2``
an account's requests to either worker count against one budget. The check (the count of the
last minute) and the entry are one SQLite transaction (:class:`_OneTransaction`, ``BEGIN
IMMEDIATE``: one writer at a time), so workers checking at the same instant never let more than
the setting through; pyrate-limiter's own bucket counts, then opens a transaction for the entry
only, and eight processes at once let 6-7 through a budget of 5.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import current_app, g, has_request_context, request
from pyrate_limiter import (
    AbstractBucket,
    BucketFactory,
    Duration,
    Limiter,
    Rate,
    RateItem,
    SQLiteBucket,
)
from werkzeug.exceptions import TooManyRequests

__all__ = ["charge", "charge_drawing", "weight"]

#: The window of the limit, seconds (what ``Retry-After`` says at most).
WINDOW_S = 60


#: The budgets' file, beside ``USERS_DB`` (shared by the worker processes).
LEDGER_FILE = "compute-budget.sqlite3"


class _OneTransaction(SQLiteBucket):
    """pyrate-limiter's SQLite bucket with its count and its entry in one write transaction:
    ``BEGIN IMMEDIATE`` takes SQLite's write lock before the count, so another process's check
    waits for this one's entry (up to the connection's 5 s busy timeout). A refused item
    writes nothing and ends its transaction."""

    def put(self, item: RateItem) -> bool:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                admitted: bool = super().put(item)  # commits when it admits
            finally:
                if self.conn.in_transaction:
                    self.conn.rollback()
            return admitted


class _PerAccount(BucketFactory):
    """One bucket per account name, a table each in the ledger file ``db_path``."""

    def __init__(self, rates: list[Rate], db_path: Path) -> None:
        self._rates = rates
        self._db_path = db_path
        self._buckets: dict[str, AbstractBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, name: str) -> AbstractBucket:
        with self._lock:
            if name not in self._buckets:
                # a table name from the account's (any text) by digest: never SQL from a user
                table = "budget_" + hashlib.sha256(name.encode()).hexdigest()[:24]
                if not self._db_path.exists():  # private, as the accounts beside it
                    os.close(os.open(self._db_path, os.O_CREAT | os.O_WRONLY, 0o600))
                self._buckets[name] = _OneTransaction.init_from_file(
                    self._rates, table=table, db_path=str(self._db_path)
                )
            return self._buckets[name]

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        now = self._bucket(name).now()
        assert isinstance(now, int)  # the SQLite bucket's clock is synchronous
        return RateItem(name, now, weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        return self._bucket(item.name)


def _limiter(per_minute: int) -> Limiter:
    """This app's limiter for ``per_minute`` (made on first use)."""
    extensions = current_app.extensions.setdefault("compute_budget", {})
    if per_minute not in extensions:
        ledger = Path(current_app.config["USERS_DB"]).parent / LEDGER_FILE
        extensions[per_minute] = Limiter(
            _PerAccount([Rate(per_minute, Duration.SECOND * WINDOW_S)], ledger)
        )
    limiter: Limiter = extensions[per_minute]
    return limiter


def _who() -> str:
    """The account a request is charged to: its user, else its client address."""
    access = g.get("access")
    username = getattr(access, "username", None)
    return f"user:{username}" if username else f"address:{request.remote_addr}"


def charge(rows: int = 0) -> None:
    """Count one new computation against the current request's account; 429 (with
    ``Retry-After``) when it has started ``COMPUTE_PER_MINUTE`` in the last minute. Outside a
    request (pre-warming) or with the setting 0: free.

    ``rows``: a download of that many rows counts one per ``COMPUTE_ROWS_PER_COUNT`` of them,
    rounded up, at most the minute's whole budget (:func:`weight`): an events download of a
    large force's month (245,000 rows) took 9 s of CPU as GeoJSON, and counted as one."""
    if not has_request_context() or g.pop("prepaid", False):
        return
    per_minute = int(current_app.config["COMPUTE_PER_MINUTE"])
    if per_minute <= 0:
        return
    g.charged = True
    counts = weight(rows, int(current_app.config["COMPUTE_ROWS_PER_COUNT"]), per_minute)
    if not _limiter(per_minute).try_acquire(_who(), weight=counts, blocking=False):
        this = f" (this download of {rows:,} rows counts as {counts})" if counts > 1 else ""
        raise TooManyRequests(
            f"Your account has started {per_minute} new analyses, maps, patrol plans or downloads "
            "in the last minute, the most one account may (COMPUTE_PER_MINUTE)"
            f"{this}: try again in a minute. "
            "Views already made (the presets, links you have opened) still open at once.",
            retry_after=WINDOW_S,
        )


def weight(rows: int, rows_per_count: int, per_minute: int) -> int:
    """What a computation of ``rows`` rows counts: ``ceil(rows / rows_per_count)``, at least 1
    and at most ``per_minute`` (a larger one uses the whole minute, never refused for ever)."""
    if rows_per_count <= 0:
        return 1
    return max(1, min(per_minute, -(-rows // rows_per_count)))


def charge_drawing() -> None:
    """Count drawing a map frame, image or file anew (:func:`web.httpcache.cached_body`), before
    it is drawn: drawing a new analysis or plan is one computation with it, so a request already
    counted is not counted again, and the next analysis or plan this drawing starts is paid
    for."""
    if not has_request_context() or g.get("charged"):
        return
    charge()
    g.prepaid = True
