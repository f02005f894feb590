"""Thin stores in Debian's Chromium: a store of one month says why there is no patrol plan and
nothing to compare, a store of searches only says what it holds, each page axe-clean at a
phone's width, reached from the menu (that no link answers an error is checked on every link,
without a browser, on subsets of the real data: ``tests/test_journeys_real_stores.py``).

Stores are made from the demo's monthly files (``tests/test_gaps.py``'s), served on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import ensure_user
from tests.e2e.browsing import PHONE_HEIGHT, serving, sign_in_page
from tests.e2e.test_browser import axe_violations, report
from tests.helpers import DEMO_ALWAYS as ALWAYS
from tests.helpers import DEMO_AREA as AREA
from tests.helpers import DEMO_STREET as STREET
from tests.helpers import DEMO_WARDS as WARDS
from tests.test_gaps import APP_CONFIG

#: name -> the demo files it holds: July's street crime alone; July's searches alone.
THIN = {
    "one-month": [STREET["2025-07"]],
    "searches-only": [p for p in ALWAYS if "stop-and-search" in p.name],
}


@pytest.fixture(scope="module")
def thin_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each thin store behind the app on its own port: name -> base URL."""
    from contextlib import ExitStack

    from web import create_app

    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name, files in THIN.items():
            path = tmp_path_factory.mktemp("thin") / name
            report_ = ingest(
                files,
                wards=read_wards([WARDS]),
                force_area=read_force_area(AREA),
                store=Store(path),
            )
            assert report_.reconciles()
            app = create_app({"STORE": str(path), **APP_CONFIG})
            ensure_user(app, "analyst")
            urls[name] = stack.enter_context(serving(app))
        yield urls


def _phone(browser: Any, url: str) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": PHONE_HEIGHT}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    sign_in_page(page, url, "test-analyst")
    return page


def _check(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert violations == [], report(violations)


def test_one_month_says_why_no_plan_and_nothing_to_compare(
    browser: Any, thin_servers: dict[str, str]
) -> None:
    page = _phone(browser, thin_servers["one-month"])
    try:
        statuses = []
        page.on("response", lambda r: statuses.append(r.status))
        page.get_by_role("link", name="Patrol plan").click()
        page.wait_for_load_state("load")
        text = " ".join(page.locator("main").inner_text().split())
        assert "the store holds no 3 months in a row: it holds Jul 2025" in text
        _check(page)
        page.get_by_role("link", name="Compare periods").click()
        page.wait_for_load_state("load")
        said = page.locator("main").inner_text()
        assert "there is no other period to compare it with" in said
        # the analyst may upload: the way on is a link to do it
        assert page.get_by_role("link", name="Upload the street file of another month").count()
        _check(page)
        assert statuses and max(statuses) < 400, statuses
    finally:
        page.context.close()


def test_searches_only_says_what_the_store_holds(
    browser: Any, thin_servers: dict[str, str]
) -> None:
    page = _phone(browser, thin_servers["searches-only"])
    try:
        assert page.locator("h1").inner_text() == "No drug offences held yet"
        items = page.locator("main li").all_inner_texts()
        assert "Stop-and-search records: held for Jul 2025" in items
        assert page.get_by_role("link", name="Upload street-crime files").is_visible()
        _check(page)
    finally:
        page.context.close()
