"""Make the period presets' pages before anyone asks for them.

Most visits open a preset (the default view is the last 12 months). The app makes the map page
and map frame of the first ``WARM_PRESETS`` presets when it starts (before gunicorn forks its
workers, with ``--preload``) and again, in the background, when a worker first sees a new data
version (after an ingest). They go through the normal routes into the caches, and so into the
disk cache that every worker shares: the first visitor of a preset is served from the cache.
"""

from __future__ import annotations

import threading

from flask import Flask

from web.filters import presets

__all__ = ["preset_urls", "warm_in_background", "warm_presets"]


def preset_urls(months: list[str], n: int) -> list[str]:
    """Page and map-frame URLs of the first ``n`` presets of a store holding ``months``."""
    urls = []
    for _label, start, end in presets(months)[: max(0, n)]:
        query = f"from={start}&to={end}"
        urls += [f"/?{query}", f"/map/frame?{query}"]
    return urls


def warm_presets(app: Flask) -> int:
    """Make the pages of the first ``WARM_PRESETS`` presets; returns how many were made.

    A store that cannot be read is left to the pages to explain: nothing is made then.
    """
    n = int(app.config.get("WARM_PRESETS") or 0)
    state = app.extensions["hotspots"]["state"]
    if n <= 0 or state.version is None or state.events is None:
        return 0
    made = 0
    client = app.test_client()
    for url in preset_urls(state.months, n):
        try:
            response = client.get(url)
        except Exception:  # never stop the server for a page it could not pre-make
            app.logger.exception("could not pre-make %s", url)
            continue
        made += response.status_code == 200
    return made


_RUNNING = threading.Lock()


def warm_in_background(app: Flask) -> threading.Thread | None:
    """:func:`warm_presets` in a daemon thread (one at a time per process)."""
    if int(app.config.get("WARM_PRESETS") or 0) <= 0 or not _RUNNING.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            warm_presets(app)
        finally:
            _RUNNING.release()

    thread = threading.Thread(target=run, name="hotspots-warm", daemon=True)
    thread.start()
    return thread
