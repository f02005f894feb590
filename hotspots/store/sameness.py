"""Re-ingesting what the store already holds changes nothing (the one place it is decided).

Every source's manifest entry carries ``content``: a SHA-256 of what decides the rows the store
keeps of it and how (:func:`content_digest`): the file's bytes (its ``sha256``, computed while
it is read), its name and kind, the ingest's options (every crime type or drugs only, the
nearest-ward tolerance, the row order on disk), the boundaries it was joined to (their files'
checksums, and the wards' codes, names, districts, bounds and vertex counts and the force area's
geometry as held: the same files read with other columns or another force differ), the code
that reads and places it (:func:`code_digest`: the ``hotspots`` package's source, and the PROJ
version that projects the points) and, since a row whose id another
source already holds is rejected as a duplicate, the rows of the file so rejected. Given those,
the kept and rejected rows are the same, value for value and in the same order: the ingest is a
function of them.

A source whose new ``content`` equals the stored entry's is **unchanged** (:func:`unchanged`):
its files are not written again and its entry stays as it is. An ingest of which every source is
unchanged and whose boundaries are the stored ones is a **no-op**: the manifest is not replaced,
so the data version and every cache keyed on it are kept, and the ingest says "nothing changed".
An entry without ``content`` (a store written before it existed) is never unchanged: the first
re-ingest replaces it and records its ``content``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the store's core (and `hotspots status`) needs no numpy
    import numpy as np

_PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def code_digest() -> str:
    """SHA-256 of the ``hotspots`` package's Python source (every ``.py`` file, by path) and the
    PROJ version: a change to either may change what an ingest keeps. Once per process (~5 ms)."""
    import pyproj

    digest = hashlib.sha256(f"proj {pyproj.proj_version_str}\n".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def content_digest(fields: Mapping[str, Any], duplicate_rows: np.ndarray) -> str:
    """SHA-256 of ``fields`` (JSON values: file checksum, options, boundary checksums) with
    :func:`code_digest` and the sorted ``duplicate_rows`` (source rows rejected as duplicates)."""
    import numpy as np

    text = json.dumps({**fields, "code": code_digest()}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode())
    digest.update(np.sort(np.asarray(duplicate_rows, dtype="<i8")).tobytes())
    return digest.hexdigest()


def unchanged(stored: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> bool:
    """True when ``entry`` (a source about to be written) would store exactly what ``stored``
    (the manifest's entry of the same key, or None) holds: both carry the same ``content``."""
    if stored is None:
        return False
    content = entry.get("content")
    return bool(content) and stored.get("content") == content
