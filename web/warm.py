"""Make the period presets' maps before anyone asks for them.

Most visits open a preset (the default view, the latest quarter, is usually the first: "Last 3
months"). The app makes the analysis and map frame of the first ``WARM_PRESETS`` presets, as an
analyst and as the commissioner's office see them, when it starts (before gunicorn forks its
workers, with ``--preload``) and again, in the background, when a worker first sees a new data
version (after an ingest). They go through the normal views into the caches, and so into the
disk cache that every worker shares. The page around a map is made per session, cheaply, from
the same analysis (its banner carries the visitor's name and sign-out token). Officers' maps
depend on their area and are made on request.
"""

from __future__ import annotations

import threading

from flask import Flask, g

from web.access import Access
from web.filters import presets

__all__ = ["WARM_ROLES", "preset_urls", "warm_in_background", "warm_presets"]

#: The access levels whose preset pages are made in advance.
WARM_ROLES = ("analyst", "commissioner")


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
    # the map frames (and through them the analyses); pages are made per session, cheaply,
    # because their banner carries the visitor's name and sign-out token
    frames = [url for url in preset_urls(state.months, n) if url.startswith("/map/frame")]
    for role in WARM_ROLES:
        for url in dict.fromkeys(frames):
            with app.test_request_context(url):
                g.access = Access(role, f"warm-up ({role})")
                try:
                    view = app.view_functions[app.url_map.bind("").match(url.split("?")[0])[0]]
                    response = app.make_response(view())  # type: ignore[arg-type]
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
