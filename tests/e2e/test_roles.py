"""Signing in, and what each role's browser is shown (real Chromium, axe-core WCAG 2.2 AA)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.users import UserStore
from tests.accounts import PASSWORD
from tests.e2e.browsing import BrowsedPage
from tests.e2e.test_browser import axe_violations, draw_map, report

WIDTHS = [1280, 360]


@pytest.mark.parametrize("role", ["anonymous"])
@pytest.mark.parametrize("viewport_width", WIDTHS)
def test_sign_in_page_meets_wcag_aa_and_signs_in(
    page: BrowsedPage, viewport_width: int, role: str, live_store: Path
) -> None:
    users = UserStore(live_store / "users.sqlite3")
    if users.get("test-commissioner") is None:
        users.add("test-commissioner", PASSWORD, "commissioner")

    response = page.page.goto(page.base_url + "/briefing")
    assert response is not None and response.ok
    assert "/login" in page.page.url  # sent to sign in first
    scroll = page.page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= viewport_width
    page.screenshot("page-login")
    violations = axe_violations(page.page)
    assert violations == [], report(violations)
    # a wrong password: told so, in an alert, on the same page (401)
    page.page.get_by_label("Username").fill("nobody")
    page.page.get_by_label("Password").fill("not the password")
    page.page.keyboard.press("Enter")
    page.page.get_by_role("alert").wait_for()
    assert "not right" in page.page.get_by_role("alert").inner_text()
    # the page's own files loaded before typing on: a navigation aborts a load still under way
    # (busy.js is deferred), which the clean-page check would count as a failed request
    page.page.wait_for_load_state("load")
    page.clean(allow=lambda e: "401" in e and "/login" in e)
    page.errors.clear()
    page.bad_requests.clear()
    # the right one, by keyboard alone: back to the page asked for
    page.page.get_by_label("Username").fill("test-commissioner")
    page.page.get_by_label("Password").fill(PASSWORD)
    page.page.keyboard.press("Enter")
    page.page.wait_for_url(page.base_url + "/briefing")
    assert page.page.get_by_role("heading", level=1).first.is_visible()
    page.clean()


@pytest.mark.parametrize("role", ["officer"])
@pytest.mark.parametrize("viewport_width", WIDTHS)
def test_an_officer_sees_their_area_without_raids(
    page: BrowsedPage, viewport_width: int, role: str
) -> None:
    page.goto("/?from=2025-09&to=2025-11")
    nav = page.page.get_by_role("navigation", name="Main").inner_text()
    assert "Patrol plan" in nav and "Briefing" not in nav and "Upload" not in nav
    assert page.page.get_by_label("Raids and warrants").count() == 0
    frame, _ = draw_map(page)
    layers = frame.evaluate(
        "() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map((l) => l.textContent.trim())"
    )
    assert layers and not any("Raid" in name or "Stop-and-search" in name for name in layers)
    page.screenshot("page-map-officer")
    assert axe_violations(page.page) == []
    page.clean()


@pytest.mark.parametrize("role", ["admin"])
@pytest.mark.parametrize("viewport_width", WIDTHS)
def test_the_audit_log_meets_wcag_aa_and_reads_on_a_phone(
    page: BrowsedPage, viewport_width: int, role: str
) -> None:
    page.goto("/admin/audit")
    assert page.page.locator("tbody tr").count() >= 1  # at least this admin's sign-in
    assert page.page.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    # what the table holds is said in full on the screen, never cut off inside the table that
    # scrolls sideways; the table is named by it and its scrolling box is reachable by keyboard
    summary = page.page.get_by_role("heading", name="newest first (times in UTC)")
    box = summary.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport_width
    assert summary.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert page.page.get_by_role("table", name="newest first").count() == 1
    assert page.page.locator(".table-wrap").get_attribute("tabindex") == "0"
    violations = axe_violations(page.page)
    assert violations == [], report(violations)
    page.clean()
