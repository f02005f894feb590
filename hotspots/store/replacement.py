"""The rule against silent loss when a source is replaced (the one place it is decided).

Ingesting a source whose key is already stored replaces it (a re-published month). A file that
is empty but for its header, cut short, or for another area would then silently remove a
month's events. So a replacement that would keep **no rows where rows are stored, or fewer than
half the stored rows**, is refused with both counts and the file names, unless the caller
confirms it (``allow_shrink``: ``hotspots ingest --allow-shrink``, the confirm box on the upload
page). :meth:`hotspots.store.Store.publish` applies it, so the single-machine ingest, the
distributed ingest and the upload page all do; a refusal leaves the store as it was. A confirmed
shrink is recorded in the ingest's manifest record (``allowed_shrinks``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hotspots.errors import ReplacementRefused


def shrinks(
    stored: Mapping[str, dict[str, Any]], entries: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The replacements among ``entries`` that keep fewer than half the rows ``stored`` holds for
    the same source key (none kept counts too): ``key``, ``file``, ``stored_file``, ``stored``
    and ``new`` (rows kept)."""
    out = []
    for entry in entries:
        old = stored.get(entry["key"])
        if old is None:
            continue
        before, after = int(old.get("kept", 0)), int(entry["kept"])
        if before > 0 and 2 * after < before:
            out.append(
                {
                    "key": entry["key"],
                    "file": entry["name"],
                    "stored_file": old.get("name", entry["name"]),
                    "stored": before,
                    "new": after,
                }
            )
    return out


def check_replacements(
    stored: Mapping[str, dict[str, Any]],
    entries: Sequence[dict[str, Any]],
    *,
    allow_shrink: bool = False,
) -> list[dict[str, Any]]:
    """Raise :class:`~hotspots.errors.ReplacementRefused` when a replacement shrinks a stored
    source (see the module) and ``allow_shrink`` is false; else return the shrinks allowed."""
    found = shrinks(stored, entries)
    if found and not allow_shrink:
        raise ReplacementRefused(refusal_message(found), found)
    return found


def refusal_message(found: Sequence[dict[str, Any]]) -> str:
    """One line per shrink (file names and counts only, never a path), then what to do."""
    lines = [
        f"{s['file']}: would replace the stored {s['stored_file']} ({s['key']}): stored "
        f"{s['stored']:,} rows kept, new {s['new']:,}"
        + (" (none)" if s["new"] == 0 else " (fewer than half)")
        for s in found
    ]
    return (
        "; ".join(lines) + ". Refused: nothing was stored. If the smaller file is right (a "
        "corrected re-publication), confirm the replacement: `hotspots ingest --allow-shrink`, "
        "or the confirm box on the upload page."
    )
