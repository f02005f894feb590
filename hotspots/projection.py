"""One thread for the projections to British National Grid.

pyproj gives each thread that uses a transformer its own PROJ object, made again on that thread's
first use: for WGS84 to British National Grid ~35 ms (the search of PROJ's database for the
candidate operations), as long as making the transformer itself. An ingest projects the wards on
the thread that reads them and the events on the main thread, so it paid that twice; the plain
geopandas pipeline, on one thread, once. :func:`on_projection_thread` runs the projections of
both on one thread of their own: one PROJ object, the same numbers (the same transformer, its
operations chosen per point as before). Hand-written because neither pyproj nor geopandas share
a PROJ object across threads (PROJ's objects are not thread-safe).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_T = TypeVar("_T")
_NAME = "projection"
_pool: ThreadPoolExecutor | None = None
_made = threading.Lock()


def on_projection_thread(work: Callable[[], _T]) -> _T:
    """``work()`` run on the projection thread (at once when called from it); its result or
    its exception."""
    global _pool
    if threading.current_thread().name.startswith(_NAME):
        return work()
    with _made:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_NAME)
        pool = _pool
    return pool.submit(work).result()
