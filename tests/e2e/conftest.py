"""Browser tests: the app served on a free port, driven by Playwright in Debian's headless Chromium.

- ``live_store``, ``live_server``: a demo store of their own (the server writes to it) behind
  ``web.create_app`` in a background werkzeug server bound to ``127.0.0.1`` port 0 (Chromium
  refuses some ports, so never a fixed one).
- ``browser``: ``/usr/bin/chromium`` (never a Playwright-downloaded browser) with the flags from
  ``shared/docs/maps-offline.md``. Absent Chromium skips this folder on a user's machine and
  **fails** it when the environment variable ``CI`` is set, so CI cannot pass without it.
- ``page``: a fresh browser context ``viewport_width`` px wide (parametrize ``viewport_width`` to
  change it) that aborts every request to another host and records it, and records page errors,
  console errors and failed or 4xx/5xx requests to the test server. Tests call ``page.clean()``.

Screenshots go to ``tests/artifacts/screenshots/`` (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browsing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    BrowsedPage,
    browsed_page,
    serving,
    signed_in,
)


def _require_browser() -> None:
    """Skip (a user's machine) or fail (``CI`` set) when the browser tooling is missing."""
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} (Debian's chromium: apt-get install chromium)")
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        missing.append(f"{exc.name} is not installed (pip install -e '.[test]')")
    if not missing:
        return
    reason = "browser tests need " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason}. CI is set, so this is a failure, not a skip.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _browser_tooling() -> None:
    """Every test in this folder: skip or fail up front when Chromium or Playwright is missing."""
    _require_browser()


@pytest.fixture(scope="session")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store of the browser tests' own: the live server writes to it (accounts, sessions,
    caches), so it is not the suite's read-only ``demo_store``."""
    from hotspots.cli import main

    path = tmp_path_factory.mktemp("e2e") / "store"
    assert main(["demo", "--store", str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def live_server(live_store: Path) -> Iterator[str]:
    """The app on the demo store, served from a background thread; yields its base URL."""
    from web import create_app

    # COMPUTE_PER_MINUTE off, as app_factory's: the browser tests' few accounts draw many new
    # maps a minute (each map frame drawn anew counts, web.budget)
    with serving(create_app({"STORE": str(live_store), "COMPUTE_PER_MINUTE": 0})) as url:
        yield url


@pytest.fixture(scope="session")
def signed_in_states(browser: Any, live_server: str, live_store: Path) -> Callable[[str], Any]:
    """Cookies per role, each signed in once through the sign-in page (as a person would):
    ``states(role)``; ``"anonymous"`` gives None (no session)."""
    from tests.accounts import PASSWORD, ensure_user
    from web import create_app

    app = create_app({"STORE": str(live_store), "WARM_PRESETS": 0})
    made: dict[str, Any] = {"anonymous": None}

    def states(role: str) -> Any:
        if role not in made:
            context = browser.new_context()
            try:
                page = context.new_page()
                page.goto(live_server + "/")  # redirected to the sign-in page
                assert "/login" in page.url
                page.get_by_label("Username").fill(ensure_user(app, role))
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(signed_in)
                made[role] = context.storage_state()
            finally:
                context.close()
            assert any(c["name"] == "hotspots_session" for c in made[role]["cookies"])
        return made[role]

    return states


@pytest.fixture
def role() -> str:
    """Who the browser is signed in as (tests parametrize it): analyst by default."""
    return "analyst"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def viewport_width() -> int:
    """Width of the page in CSS px; tests parametrize it (1280 desktop, 360 phone)."""
    return 1280


@pytest.fixture
def page(
    browser: Any,
    live_server: str,
    viewport_width: int,
    role: str,
    signed_in_states: Callable[[str], Any],
) -> Iterator[BrowsedPage]:
    """A page as ``role`` at ``viewport_width`` (:func:`tests.e2e.browsing.browsed_page`)."""
    with browsed_page(browser, live_server, viewport_width, signed_in_states(role)) as browsed:
        yield browsed
