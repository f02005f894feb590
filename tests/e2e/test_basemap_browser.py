"""The base map from a file in a real browser: the map frame loads its tiles from /tiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accounts import ensure_user
from tests.basemaps import make_pmtiles
from tests.e2e.browsing import SCREENSHOTS, TIMEOUT_MS, serving, sign_in_page


@pytest.fixture(scope="module")
def basemap_server(live_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:

    from web import create_app

    base = make_pmtiles(tmp_path_factory.mktemp("basemap") / "base.pmtiles")
    app = create_app({"STORE": str(live_store), "BASEMAP": str(base), "WARM_PRESETS": 0})
    ensure_user(app, "officer")
    with serving(app) as url:
        yield url


def test_map_frame_draws_the_file_tiles_with_attribution(browser: Any, basemap_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    tiles: list[tuple[str, int]] = []

    def route(route: Any) -> None:
        if route.request.url.startswith(basemap_server + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on(
        "response",
        lambda r: tiles.append((r.url, r.status)) if "/tiles/" in r.url else None,
    )
    try:
        sign_in_page(page, basemap_server, "test-officer-e07000008")
        page.goto(basemap_server + "/")  # an officer lands on their patrol plan: the map
        frame = page.wait_for_selector("iframe.map-frame").content_frame()
        assert frame is not None
        frame.wait_for_selector("img.leaflet-tile-loaded", state="attached")
        frame.wait_for_selector("path.leaflet-interactive", state="attached")
        loaded = frame.eval_on_selector_all(
            "img.leaflet-tile-loaded", "els => els.map(e => new URL(e.src).pathname)"
        )
        assert loaded and all(p.startswith("/tiles/1/") for p in loaded)
        assert tiles and all(status in (200, 304) for _, status in tiles)
        credit = frame.inner_text(".leaflet-control-attribution")
        assert "Test tiles © Nobody & friends" in credit
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "basemap-map-1280px.png"))
        assert outside == [] and errors == []
    finally:
        context.close()
