"""What the browser tests share besides fixtures: Chromium's path and flags, page sizes,
:func:`serving` (an app on a free loopback port) and :class:`BrowsedPage` (a Playwright page and
what it did that it should not have). Fixtures are in ``tests/e2e/conftest.py``; test modules
import these names from here, never from the conftest.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE_HEIGHT = 740
DESKTOP_HEIGHT = 900
#: Milliseconds to wait for a page, a frame or a map to draw.
TIMEOUT_MS = 20_000


def sign_in_page(page: Any, base_url: str, username: str) -> None:
    """Sign ``page`` in at ``base_url`` as ``username`` with the tests' password, as a person
    would (the form's labelled fields and its button), and wait for the map it lands on."""
    from tests.accounts import PASSWORD

    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/")


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served on a free loopback port from a background thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class BrowsedPage:
    """A Playwright page on the test server and what it did that it should not have."""

    page: Any
    base_url: str
    width: int
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bad_requests: list[str] = field(default_factory=list)

    def goto(self, path: str, *, status: int = 200) -> Any:
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None and response.status == status, (path, response)
        return response

    def frame(self, selector: str = "iframe.map-frame") -> Any:
        """The frame of the map iframe, once its document has loaded."""
        handle = self.page.wait_for_selector(selector, state="attached")
        frame = handle.content_frame()
        assert frame is not None, f"{selector} has no frame"
        frame.wait_for_load_state("load")
        return frame

    def screenshot(self, name: str, selector: str | None = None) -> Path:
        """The whole page (or the element ``selector``) as ``<name>-<width>px.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.width}px.png"
        if selector is None:
            self.page.screenshot(path=str(path), full_page=True)
        else:
            self.page.locator(selector).screenshot(path=str(path))
        return path

    def clean(self, *, allow: Callable[[str], bool] = lambda _: False) -> None:
        """Assert: nothing asked of another host, no page or console errors, no failed or
        4xx/5xx request to the test server (``allow`` may excuse expected entries)."""
        assert self.external == [], "requests to other hosts (aborted)"
        assert [e for e in self.errors if not allow(e)] == [], "page or console errors"
        assert [r for r in self.bad_requests if not allow(r)] == [], "failed requests"


@contextlib.contextmanager
def browsed_page(
    browser: Any, base_url: str, width: int, storage_state: Any = None
) -> Iterator[BrowsedPage]:
    """A new browser context at ``width`` CSS px (a phone's below 600) on the app at
    ``base_url`` (``storage_state``: a signed-in session, None: anonymous), as the ``page``
    fixture makes it: requests to other hosts aborted and recorded, with page and console
    errors and failed or 4xx/5xx requests to the app (for an app of the test's own, e.g. one
    in ``PUBLIC_MODE``)."""
    phone = width < 600
    context = browser.new_context(
        storage_state=storage_state,
        viewport={"width": width, "height": PHONE_HEIGHT if phone else DESKTOP_HEIGHT},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
        locale="en-GB",
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    browsed = BrowsedPage(context.new_page(), base_url, width)

    def route(route: Any) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            browsed.external.append(f"{route.request.method} {route.request.url}")
            route.abort()

    def on_console(message: Any) -> None:
        if message.type == "error":
            browsed.errors.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.url.startswith(base_url + "/"):
            browsed.bad_requests.append(f"HTTP {response.status}: {response.url}")

    context.route("**/*", route)
    browsed.page.on("pageerror", lambda exc: browsed.errors.append(f"pageerror: {exc}"))
    browsed.page.on("console", on_console)
    browsed.page.on("response", on_response)
    try:
        yield browsed
    finally:
        context.close()
