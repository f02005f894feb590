"""Readers, one per source kind, all producing the canonical event schema."""

from __future__ import annotations

from pathlib import Path

from hotspots.errors import SourceFormatError
from hotspots.sources.base import SourceRead
from hotspots.sources.csvio import read_first_record
from hotspots.sources.police_uk import STREET_COLUMNS, looks_like_street, read_street
from hotspots.sources.raids import looks_like_raids, read_raids
from hotspots.sources.stop_search import looks_like_stop_search, read_stop_search

__all__ = ["SourceRead", "detect_kind", "read_source"]


def detect_kind(path: str | Path) -> str:
    """Recognise a source file's kind from its first record.

    Returns
    -------
    str
        ``"street"``, ``"stop_search"`` or ``"raids"``.

    Raises
    ------
    SourceFormatError
        When the first line matches none of them; the message lists what each kind starts with.
    """
    first = read_first_record(path)
    if looks_like_stop_search(first):
        return "stop_search"
    if looks_like_raids(first):
        return "raids"
    if looks_like_street(first):
        return "street"
    shown = ",".join(first)[:120]
    raise SourceFormatError(
        path,
        f"unrecognised file: first line is {shown!r}; expected a data.police.uk street CSV "
        f"({', '.join(STREET_COLUMNS[:4])}, ...; or the 12 fields without a header), a "
        "stop-and-search CSV (with an 'Object of search' column) or a raid CSV (raid_id, date, "
        "warrant_type, ...)",
        1,
    )


def read_source(
    path: str | Path,
    kind: str,
    *,
    all_crime_types: bool = False,
    seen_ids: set[str] | None = None,
) -> SourceRead:
    """Read ``path`` with the reader for ``kind`` (see :func:`detect_kind`)."""
    if kind == "street":
        return read_street(path, all_crime_types=all_crime_types, seen_ids=seen_ids)
    if kind == "stop_search":
        return read_stop_search(path, all_objects=all_crime_types)
    if kind == "raids":
        return read_raids(path, seen_ids=seen_ids)
    raise ValueError(f"unknown source kind {kind!r}; expected street, stop_search or raids")
