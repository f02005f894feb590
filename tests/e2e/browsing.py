"""What the browser tests share besides fixtures: Chromium's path and flags, page sizes,
:func:`serving` (an app on a free loopback port) and :class:`BrowsedPage` (a Playwright page and
what it did that it should not have). Fixtures are in ``tests/e2e/conftest.py``; test modules
import these names from here, never from the conftest.
"""

from __future__ import annotations

import contextlib
import re
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
    would (the form's labelled fields and its button), and wait for the page it lands on (the
    role's home: :attr:`web.access.Access.home`)."""
    from tests.accounts import PASSWORD

    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(signed_in)


def focused_name(page: Any) -> str:
    """The focused element's text (a form field's id, a select's too: its text is every
    option), else its aria-label, id or tag name; spaces collapsed."""
    return " ".join(
        str(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " const text = e.tagName === 'SELECT' ? '' : e.innerText;"
                " return text || e.getAttribute('aria-label') || e.id || e.tagName; }"
            )
        ).split()
    )


def tab_to(page: Any, text: str, limit: int = 40) -> int:
    """Press Tab until :func:`focused_name` starts with ``text``, each element on the way
    with a visible outline (at least 2 px: WCAG 2.4.7, 2.4.11); the presses taken."""
    import pytest

    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert outline[0] != "none" and outline[1] >= 2, (focused_name(page), outline)
        if focused_name(page).startswith(text):
            return presses
    pytest.fail(f"{text!r} not reached in {limit} Tab presses")


def signed_in(url: str) -> bool:
    """For ``wait_for_url``: a page past the sign-in form (the map, or an officer's patrol
    plan)."""
    return "/login" not in url


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


#: Run in a map frame: the names drawn (district and ward) that touch a hotspot's number, an
#: offence cluster, a control of the map or another name, or cross the map's edge; and the
#: district names not shown at all.
LABEL_CLASHES_JS = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                               w: r.width}; };
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
                          b.top < a.bottom;
  const marks = Array.from(document.querySelectorAll(
      '.hs-rank span, .hs-cluster span, .leaflet-control'))
    .map((m) => [m.innerText.trim(), box(m)]).filter(([, r]) => r.w > 0);
  const names = Array.from(document.querySelectorAll('.hs-label'))
    .filter((el) => getComputedStyle(el).visibility !== 'hidden')
    .map((el) => [el.innerText.trim(), box(el.firstElementChild)])
    .filter(([, r]) => r.w > 0);
  const edge = document.querySelector('.folium-map').getBoundingClientRect();
  const clashes = [];
  names.forEach(([name, r], i) => {
    marks.forEach(([rank, m]) => {
      if (meets(r, m)) { clashes.push(name + ' on ' + rank.slice(0, 20)); }
    });
    if (r.left < edge.left || r.right > edge.right || r.top < edge.top ||
        r.bottom > edge.bottom) { clashes.push(name + ' over the edge'); }
    names.slice(i + 1).forEach(([other, o]) => {
      if (meets(r, o)) { clashes.push(name + ' on ' + other); }
    });
  });
  const hidden = Array.from(document.querySelectorAll('.hs-label-district'))
    .filter((el) => getComputedStyle(el).display !== 'none' &&
                    getComputedStyle(el).visibility === 'hidden')
    .map((el) => el.textContent.trim());
  const ranks = Array.from(document.querySelectorAll('.hs-rank span, .hs-cluster span'))
    .filter((m) => m.getBoundingClientRect().width > 0).length;
  return {clashes: clashes, hidden: hidden, names: names.length, ranks: ranks};
}"""


def label_clashes(frame: Any) -> dict[str, Any]:
    """In a drawn map frame: ``clashes`` (names on a hotspot's number, a control or another
    name, or over the map's edge),
    ``hidden`` (district names not shown), and how many ``names`` and hotspot numbers and
    clusters (``ranks``) were drawn."""
    frame.wait_for_selector(".hs-label", state="attached")
    frame.wait_for_timeout(900)  # the names are placed once the markers have settled
    return dict(frame.evaluate(LABEL_CLASHES_JS))


#: Run in a page or frame: controls smaller than 24 x 24 CSS px (WCAG 2.2 2.5.8), as
#: [text, width, height]; a link inside a sentence (its parent holds more text) is excepted, as
#: the criterion excepts it.
SMALL_TARGETS_JS = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, summary, [role=button]'))
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .filter((e) => !e.closest('.skip-link, .skip-map'))  // shown only when focused
  .filter((e) => {
    const parent = e.parentElement;
    const inSentence = e.tagName === 'A' && getComputedStyle(e).display === 'inline' &&
      parent && parent.innerText.trim().length > e.innerText.trim().length + 2;
    return !inSentence;
  })
  .map((e) => { const own = e.getBoundingClientRect();
                // a map marker's box is its icon's (the marker itself has no size)
                const r = own.width || own.height || !e.firstElementChild ? own
                  : e.firstElementChild.getBoundingClientRect();
                return [(e.innerText || e.getAttribute('aria-label') || e.id).trim().slice(0, 40),
                        Math.round(r.width), Math.round(r.height)]; })
  .filter(([, w, h]) => w < 24 || h < 24)"""


def small_targets(target: Any) -> list[list[Any]]:
    """Controls of a page or frame under 24 x 24 px (links in a sentence excepted)."""
    return list(target.evaluate(SMALL_TARGETS_JS))


def text_problems(page: Any, selector: str) -> tuple[int, float, list[Any]]:
    """The texts drawn in ``selector`` (e.g. ``svg.trend text``): how many, the smallest one's
    height in CSS px, and the pairs drawn over each other."""
    boxes = page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
             .map(t => t.getBoundingClientRect()).filter(r => r.width > 0)
             .map(r => [r.left, r.top, r.right, r.bottom])""",
        selector,
    )
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    return len(boxes), min((b[3] - b[1] for b in boxes), default=0.0), overlaps


def download_context(browser: Any, url: str, width: int) -> Any:
    """A browser context at ``width`` CSS px (a phone's below 600) that accepts downloads and
    aborts every request to a host other than the app at ``url``: for journeys that save the
    files a user downloads (GPX, CSV, PDF)."""
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": PHONE_HEIGHT if phone else DESKTOP_HEIGHT},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
        locale="en-GB",
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    return context


def page_weight(page: Any, url: str) -> tuple[int, int]:
    """Open ``url`` in ``page`` (a fresh load, the browser's cache bypassed) and return the bytes
    its responses took over the network (headers and bodies as sent, compressed where the app
    compresses) and how many requests, counting the map frame's and its scripts'."""
    responses: list[Any] = []

    def on_response(response: Any) -> None:
        responses.append(response)

    page.on("response", on_response)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
    finally:
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        page.remove_listener("response", on_response)
    sizes = []
    for response in responses:
        with contextlib.suppress(Exception):  # a request that never finished has no sizes
            sent = response.request.sizes()
            sizes.append(sent["responseBodySize"] + sent["responseHeadersSize"])
    return sum(sizes), len(responses)


#: A map tile's address: one cancelled by zooming or panning is not a failed request.
_TILE = re.compile(r"/\d+/\d+/\d+\.(png|jpe?g|webp|pbf)(\?|$)")


@contextlib.contextmanager
def browsed_page(
    browser: Any, base_url: str, width: int, storage_state: Any = None, locale: str = "en-GB"
) -> Iterator[BrowsedPage]:
    """A new browser context at ``width`` CSS px (a phone's below 600) on the app at
    ``base_url`` (``storage_state``: a signed-in session, None: anonymous; ``locale``: the
    browser's language, e.g. ``"en-US"`` to show that no date is left to it): requests to other
    hosts aborted and recorded, with page and console errors and failed or 4xx/5xx requests to
    the app. The ``page`` fixture's pages are made here; a test with an app of its own (e.g. one
    in ``PUBLIC_MODE``) calls it directly."""
    phone = width < 600
    context = browser.new_context(
        storage_state=storage_state,
        viewport={"width": width, "height": PHONE_HEIGHT if phone else DESKTOP_HEIGHT},
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
        locale=locale,
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
            where = message.location.get("url", "") if message.location else ""
            browsed.errors.append(f"console: {message.text} [{where}]")

    def on_failed(request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure and _TILE.search(request.url):
            return  # a tile cancelled by zooming or panning
        if request.url.startswith(base_url + "/"):
            browsed.bad_requests.append(f"{failure}: {request.url}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.url.startswith(base_url + "/"):
            browsed.bad_requests.append(f"HTTP {response.status}: {response.url}")

    context.route("**/*", route)
    browsed.page.on("pageerror", lambda exc: browsed.errors.append(f"pageerror: {exc}"))
    browsed.page.on("console", on_console)
    browsed.page.on("requestfailed", on_failed)
    browsed.page.on("response", on_response)
    try:
        yield browsed
    finally:
        context.close()
