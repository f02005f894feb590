"""Make the period presets' maps before anyone asks for them.

Most visits open a preset (the default view, the latest quarter, is usually the first: "Last 3
months"). The app makes the analysis and map frame of the first ``WARM_PRESETS`` presets, as an
analyst and as the commissioner's office see them, when it starts (before gunicorn forks its
workers, with ``--preload``) and again, in the background, when a worker first sees a new data
version (after an ingest). They are made by the same steps as the map frame route
(:func:`web.analyses.current_view`, :func:`web.frames.period_frame`, under the ETag of
:func:`web.frames.period_frame_etag`) into the same caches, and so into the disk cache that every
worker shares. The page around a map is made per session, cheaply, from the same analysis (its
banner carries the visitor's name and sign-out token). Officers' maps depend on their area and
are made on request.

The patrol page's default plan is made too (``WARM_PATROL``, :func:`warm_patrol`): next month's
forecast after the plan's default month (:func:`web.analyses.forecast_after`, the same for
every role and area, so every plan of that month and the analysts' map layer reuse it), on the
analysts' cells and on the snap grid of readers without exact points, and the whole force's plan
as analysts see it (with the parameters' score its page states). An officer's plan covers their
own area, so it is made on their first request, from the forecast already made.
"""

from __future__ import annotations

import threading
from functools import partial

from flask import Flask, g
from werkzeug.datastructures import MultiDict

from hotspots.evaluate.grid import CELL_M
from web.access import Access
from web.analyses import current_view, forecast_after, parameter_score_of
from web.filters import presets
from web.frames import period_frame, period_frame_etag
from web.httpcache import cached_body
from web.plans import default_request, get_plan

__all__ = [
    "WARM_ROLES",
    "preset_periods",
    "preset_urls",
    "warm_in_background",
    "warm_patrol",
    "warm_presets",
]

#: The access levels whose preset pages are made in advance.
WARM_ROLES = ("analyst", "commissioner")


def preset_periods(months: list[str], n: int) -> list[tuple[str, str]]:
    """First and last months of the first ``n`` presets of a store holding ``months``."""
    return [(start, end) for _label, start, end in presets(months)[: max(0, n)]]


def preset_urls(months: list[str], n: int) -> list[str]:
    """Page and map-frame URLs of the first ``n`` presets of a store holding ``months``."""
    urls = []
    for start, end in preset_periods(months, n):
        query = f"from={start}&to={end}"
        urls += [f"/?{query}", f"/map/frame?{query}"]
    return urls


def warm_presets(app: Flask) -> int:
    """Make the map frames of the first ``WARM_PRESETS`` presets; returns how many were made.

    A store that cannot be read is left to the pages to explain: nothing is made then.
    """
    n = int(app.config.get("WARM_PRESETS") or 0)
    state = app.extensions["hotspots"]["state"]
    if n <= 0 or state.version is None or state.events is None:
        return 0
    made = 0
    # the map frames (and through them the analyses); pages are made per session, cheaply,
    # because their banner carries the visitor's name and sign-out token
    periods = dict.fromkeys(preset_periods(state.months, n))
    for role in WARM_ROLES:
        with app.app_context():
            g.access = Access(role, f"warm-up ({role})")
            for start, end in periods:
                try:
                    view = current_view(MultiDict({"from": start, "to": end}))
                    cached_body(period_frame_etag(view), partial(period_frame, view))
                except Exception:  # never stop the server for a map it could not pre-make
                    app.logger.exception("could not pre-make the map of %s to %s", start, end)
                    continue
                made += 1
    return made


def warm_patrol(app: Flask) -> int:
    """Make the default patrol plan's forecasts and the whole force's plan as analysts see it,
    with the parameters' score its page states (``WARM_PATROL``); returns how many were made
    (forecasts, then the plan).

    Nothing when switched off, when the store cannot be read or when no month has the plan's
    basis months (the page then says why).
    """
    state = app.extensions["hotspots"]["state"]
    if not app.config.get("WARM_PATROL") or state.version is None or state.events is None:
        return 0
    made = 0
    with app.app_context():
        g.access = Access("analyst", "warm-up (patrol)")
        try:
            req = default_request()
        except Exception:  # no month with its basis months: the page explains, nothing to make
            return 0
        cells_m = dict.fromkeys((CELL_M, float(app.config["SNAP_M"])))  # officers: the snap grid
        try:
            for cell_m in cells_m:
                forecast_after(req.end, cell_m)
                made += 1
            get_plan(req)
            parameter_score_of("auto", "auto")  # the page states it (shared with the maps)
            made += 1
        except Exception:  # never stop the server for a plan it could not pre-make
            app.logger.exception("could not pre-make the patrol plan to %s", req.end)
    return made


_RUNNING = threading.Lock()


def warm_in_background(app: Flask) -> threading.Thread | None:
    """:func:`warm_presets` and :func:`warm_patrol` in a daemon thread (one at a time per
    process)."""
    wanted = int(app.config.get("WARM_PRESETS") or 0) > 0 or bool(app.config.get("WARM_PATROL"))
    if not wanted or not _RUNNING.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            warm_presets(app)
            warm_patrol(app)
        finally:
            _RUNNING.release()

    thread = threading.Thread(target=run, name="hotspots-warm", daemon=True)
    thread.start()
    return thread
