"""The briefing's "Compare with" choice in a browser, by keyboard only (WCAG 2.1.1): from the
``To`` month, Tab to the labelled select, choose "the same months a year before" with the arrow
key, Tab to Update and press Enter. The demo store holds 2025 only, so the year before is said
to be without data, naming its months, never compared with 0.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import BrowsedPage
from tests.e2e.test_browser import axe_violations, report


@pytest.mark.parametrize("role", ["commissioner"])
@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_compare_with_the_year_before_by_keyboard(
    page: BrowsedPage, viewport_width: int, role: str
) -> None:
    page.goto("/briefing?from=2025-04&to=2025-06")
    p = page.page
    choice = p.get_by_label("Compare with")
    assert choice.input_value() == "previous"
    p.locator("select#to").focus()
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.id") == "against"
    p.keyboard.press("ArrowDown")
    assert choice.input_value() == "year"
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.textContent") == "Update"
    with p.expect_navigation():
        p.keyboard.press("Enter")
    assert re.search(r"[?&]against=year\b", p.url), p.url
    meta = " ".join(p.locator("main p.meta").first.inner_text().split())
    assert meta.startswith("No comparison with Apr–Jun 2024:"), meta
    headline = " ".join(p.locator("main .headline").first.inner_text().split())
    assert "than in" not in headline and "Apr–Jun 2024" in headline, headline
    assert p.get_by_label("Compare with").input_value() == "year"
    pdf = p.get_by_role("link", name="download PDF").get_attribute("href") or ""
    assert "against=year" in pdf
    assert axe_violations(p) == [], report(axe_violations(p))
    page.clean()
