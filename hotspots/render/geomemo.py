"""A small memo for map parts that depend only on fixed geometry (wards, the force boundary).

Every map of a store draws the same wards and boundary: their WGS84 coordinates, GeoJSON
geometry and name labels are the same whatever the period. They are remembered here under a
digest of the geometry's WKB (and of any other input), so a changed boundary file can never be
served from the memo, and the memo never grows past :data:`MAX_ENTRIES`.

Written here (an ``OrderedDict`` behind a lock, 20 lines): :func:`functools.lru_cache` keys on its
arguments' hashes and GeoDataFrames are not hashable, so the key must be the digest made here;
``cachetools.LRUCache`` would replace only the ``OrderedDict`` and be one more dependency.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import shapely

__all__ = ["MAX_ENTRIES", "digest", "memo"]

#: Entries kept (least recently used dropped first): a few kinds for a few boundary sets.
MAX_ENTRIES = 32

T = TypeVar("T")
_ENTRIES: OrderedDict[Hashable, Any] = OrderedDict()
_LOCK = threading.Lock()


def digest(geometry: np.ndarray, *extra: Any) -> str:
    """A digest of ``geometry`` (array of shapely geometries) and ``extra`` values."""
    h = hashlib.blake2b(digest_size=20)
    for wkb in shapely.to_wkb(np.asarray(geometry, dtype=object)):
        h.update(b"-" if wkb is None else wkb)
    h.update(repr(extra).encode())
    return h.hexdigest()


def memo(kind: str, key: str, make: Callable[[], T]) -> T:
    """The remembered value of ``kind`` for ``key``, made (outside the lock) when missing.

    The value is shared by every caller: treat it as read-only.
    """
    with _LOCK:
        if (kind, key) in _ENTRIES:
            _ENTRIES.move_to_end((kind, key))
            return _ENTRIES[(kind, key)]
    value = make()
    with _LOCK:
        _ENTRIES[(kind, key)] = value
        while len(_ENTRIES) > MAX_ENTRIES:
            _ENTRIES.popitem(last=False)
    return value
