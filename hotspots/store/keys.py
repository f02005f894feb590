"""Source keys: the identity of a published source file, its force partition, file-name slugs,
and the ingest token that makes every written file name fresh."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

_POLICE_UK_NAME = re.compile(
    r"^(?P<month>\d{4}-\d{2})-(?P<force>.+?)-(?P<what>street|stop-and-search|outcomes)\.csv$"
)


def source_key(kind: str, file_name: str) -> str:
    """The identity of a published source file (see the :mod:`hotspots.store` docstring)."""
    match = _POLICE_UK_NAME.match(file_name)
    if match and kind in ("street", "stop_search"):
        return f"{kind}:{match['month']}:{match['force']}"
    return f"{kind}:{file_name}"


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[:120]


def source_force(key: str) -> str:
    """The force partition of a source: police.uk's force name, else ``unknown``.

    >>> source_force("street:2025-07:cambridgeshire")
    'cambridgeshire'
    """
    kind, _, rest = key.partition(":")
    if kind in ("street", "stop_search") and re.fullmatch(r"\d{4}-\d{2}:.+", rest):
        return _slug(rest.split(":", 1)[1]) or "unknown"
    return "unknown"


def new_token() -> str:
    """A sortable, unique ingest token: UTC time plus random hex."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
