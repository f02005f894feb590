"""Journeys (issue 14 item 10): a sergeant's patrol plan on a phone, an admin's audit search.

Real Chromium at 360 x 740 (the phone of ``conftest.PHONE_HEIGHT``), the demo store, axe-core
WCAG 2.2 AA. (``docs/screenshot-patrol.png`` is made by ``test_screenshots.py``.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotspots.patrol import GPX_NS
from tests.accounts import PASSWORD
from tests.e2e.browsing import (
    PHONE_HEIGHT,
    BrowsedPage,
    browsed_page,
    page_weight,
    sign_in_page,
    small_targets,
)
from tests.e2e.test_browser import axe_violations, report


@pytest.mark.parametrize("viewport_width", [360])
def test_a_sergeant_on_a_phone_gets_the_places_into_gpx_and_opens_one_in_maps(
    browser: Any, live_server: str, live_store: Path, viewport_width: int, tmp_path: Path
) -> None:
    from tests.accounts import ensure_user
    from web import create_app

    officer = ensure_user(create_app({"STORE": str(live_store), "WARM_PRESETS": 0}), "officer")
    with browsed_page(browser, live_server, viewport_width) as page:
        _sergeant_journey(page, officer, viewport_width, tmp_path)


def _sergeant_journey(page: BrowsedPage, officer: str, viewport_width: int, tmp_path: Path) -> None:
    p = page.page
    page.goto("/login?next=/")  # the site's address, before signing in
    taps = 0
    p.get_by_label("Username").fill(officer)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Sign in").tap()
    taps += 3
    # an officer lands on their own plan (web.access.Access.home): before, the map came first
    # and the plan was a tap on the menu away
    p.wait_for_url(page.base_url + "/patrol")
    assert p.title() == "Patrol plan, Cambridge – Drug hotspots"
    places = p.locator(".place-list li")
    page.screenshot("journey-patrol")  # docs/screenshot-patrol.png: tests/e2e/test_screenshots.py
    assert places.count() >= 1
    first = places.first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= 640 < PHONE_HEIGHT  # 1st screen
    assert p.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    # the downloads are on the first screen too
    gpx_link = p.get_by_role("link", name="GPX for map apps")
    box = gpx_link.bounding_box()
    assert box is not None and box["y"] < first["y"]
    with p.expect_download() as download_info:
        gpx_link.click()
    download = download_info.value
    assert download.suggested_filename.startswith(
        "patrol-"
    ) and download.suggested_filename.endswith(".gpx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    waypoints = list(ET.parse(saved).getroot().iter(f"{{{GPX_NS}}}wpt"))
    assert len(waypoints) == places.count()
    name = waypoints[0].findtext(f"{{{GPX_NS}}}name")
    assert p.locator(".place-list .place-name").first.inner_text() == name
    # the first place opens in the phone's maps at the waypoint
    geo = places.first.get_by_role("link", name="Open place 1").get_attribute("href")
    lat, lon = (waypoints[0].get(k) for k in ("lat", "lon"))
    assert geo is not None and geo.startswith(f"geo:{lat},{lon}?q={lat},{lon}(")
    assert axe_violations(p) == [], report(axe_violations(p))
    assert small_targets(p) == []  # every control at least 24 x 24 px
    taps += 1  # the GPX
    # the A4 sheet and the plan's address for the team, beside the files on the first screen
    # (before: Print was the browser's menu, found from a hint at the page's foot, and no way
    # to share the plan; the phone's print dialog and share sheet are stood in for here)
    p.evaluate(
        "() => { window.printed = 0; window.print = () => { window.printed += 1; };"
        " navigator.share = (data) => { window.shared = data; return Promise.resolve(); }; }"
    )
    for label in ("Print", "Share"):
        button = p.get_by_role("button", name=label, exact=True)
        box = button.bounding_box()
        assert box is not None and box["y"] < first["y"] and box["height"] >= 24, label
        button.tap()
        taps += 1
    assert p.evaluate("() => window.printed") == 1
    shared = p.evaluate("() => window.shared")
    plan_url = page.base_url + "/patrol?" + download.url.split("?", 1)[1]
    assert shared == {"title": p.title(), "url": plan_url}, shared
    # a place opened from the list: its card, with its small map, on the screen
    p.locator(".place-list .place-name").first.tap()
    taps += 1
    card = p.locator("#place-1 .place-map-wrap")
    box = card.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT, box
    # sign in (2 fields, 1 tap), the GPX, Print, Share, a place
    assert taps == 7, taps
    # the address shared opens the same plan for whoever it was sent to (signed in), and the
    # plan is light for a phone on a weak signal: 22 KB sent in 7 requests on the demo (19.5 KB
    # in 6 before Print and Share's script)
    listed = p.locator(".place-list .place-name").all_inner_texts()
    weight, requests = page_weight(p, plan_url)
    assert p.locator(".place-list .place-name").all_inner_texts() == listed
    assert weight < 50_000 and requests <= 10, (weight, requests)
    page.clean()


@pytest.mark.parametrize("role", ["admin"])
@pytest.mark.parametrize("viewport_width", [1280])
def test_an_admin_finds_a_users_sign_ins_in_the_audit_log(
    page: BrowsedPage,
    viewport_width: int,
    role: str,
    signed_in_states: Callable[[str], Any],
    live_store: Path,
) -> None:
    from tests.accounts import ensure_user
    from web import create_app

    signed_in_states("officer")  # the officer has signed in through the sign-in page
    officer = ensure_user(create_app({"STORE": str(live_store), "WARM_PRESETS": 0}), "officer")
    p = page.page
    page.goto("/admin/audit")
    p.get_by_label("Account").fill(officer)
    p.get_by_label("Action").select_option("login")
    p.get_by_role("button", name="Show").click()
    p.wait_for_url("**/admin/audit?*")
    rows = p.locator("tbody tr")
    assert rows.count() >= 1
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert {c[1] for c in cells} == {officer} and {c[2] for c in cells} == {"login"}
    assert all(c[4] == "role: officer" for c in cells)  # details as text
    assert "matching the filter" in p.locator("#entries-heading").inner_text()
    assert axe_violations(p) == [], report(axe_violations(p))
    page.clean()


@pytest.mark.parametrize("viewport_width", [1280])
def test_a_new_view_shows_work_under_way_and_disables_its_button(
    page: BrowsedPage, viewport_width: int
) -> None:
    p = page.page
    page.goto("/patrol?to=2025-11")
    # the result opens in a new tab, so this page (and its busy form) can be read while it loads
    p.evaluate("() => { document.querySelector('.patrol-form').target = '_blank'; }")
    button = p.get_by_role("button", name="Make plan")
    with p.context.expect_page() as new_tab:
        button.click()
    status = p.locator(".patrol-form .busy-status")
    status.wait_for()
    assert "Working on it" in status.inner_text() and status.get_attribute("role") == "status"
    assert button.is_disabled()
    assert p.locator(".patrol-form").get_attribute("aria-busy") == "true"
    result = new_tab.value
    result.wait_for_load_state("load")
    assert "n=10" in result.url and "to=2025-11" in result.url  # sent with the form's values
    result.close()
    page.clean()


@pytest.mark.parametrize("viewport_width", [360])
def test_a_sergeant_whose_ward_has_no_offences_is_told_so_with_a_way_on(
    browser: Any, live_server: str, live_store: Path, viewport_width: int
) -> None:
    from hotspots.store import Store
    from tests.accounts import ensure_user
    from web import create_app

    # a ward of the demo store where no drug offence was ever recorded (found, not assumed)
    store = Store(live_store)
    wards = store.load_boundary("wards")
    offences = store.load(layers=["offence"])
    empty = sorted(set(wards["ward_code"]) - set(offences["ward_code"]))
    assert empty, "the demo store has no ward without offences"
    app = create_app({"STORE": str(live_store), "WARM_PRESETS": 0})
    officer = ensure_user(app, "officer", (empty[0],))
    with browsed_page(browser, live_server, viewport_width) as page:
        p = page.page
        sign_in_page(p, live_server, officer)
        assert p.url == live_server + "/patrol"
        headline = " ".join(p.locator(".headline").inner_text().split())
        assert headline.startswith("No drug offence is recorded in "), headline
        assert "so there is no place to list for Jan 2026." in headline
        # no empty GPX or CSV to download, no jargon, and a way on
        assert p.get_by_role("link", name="GPX for map apps").count() == 0
        text = p.locator("main").inner_text()
        assert "forecast cell" not in text and "Try a later month" not in text
        assert small_targets(p) == []
        assert axe_violations(p) == [], report(axe_violations(p))
        page.screenshot("journey-patrol-empty-ward")
        p.get_by_role("link", name="See the map of your area").click()
        p.wait_for_url(live_server + "/")
        said = p.locator(".headline").inner_text()
        assert said == (  # both periods, and why a record without a location is in neither
            "No located drug offences in Oct–Dec 2025 or Jul–Sep 2025: drug offence records "
            "without a location are in no area's count"
        ), said
        assert axe_violations(p) == [], report(axe_violations(p))
        page.clean()


@pytest.mark.parametrize("role", ["officer"])
@pytest.mark.parametrize("viewport_width", [1280])
def test_share_copies_the_plans_address_where_the_browser_has_no_share_sheet(
    page: BrowsedPage, viewport_width: int, role: str
) -> None:
    """A desktop browser without Web Share: Share copies the plan's address and says so in
    its status, by keyboard as by pointer."""
    p = page.page
    p.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base_url)
    page.goto("/patrol?to=2025-11&n=5")
    p.evaluate("() => Object.defineProperty(navigator, 'share', {value: undefined})")
    share = p.get_by_role("button", name="Share", exact=True)
    share.focus()
    p.keyboard.press("Enter")
    status = p.locator("#share-status")
    status.wait_for()
    assert status.inner_text() == "The plan's address is copied: paste it into a message."
    assert status.get_attribute("role") == "status"
    copied = p.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(page.base_url + "/patrol?") and "to=2025-11" in copied
    assert "n=5" in copied
    assert axe_violations(p) == [], report(axe_violations(p))
    page.clean()
