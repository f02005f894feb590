"""The analyst chooses the map's class breaks by keyboard alone in Debian's Chromium, at desktop
and phone widths: the "Ward classes (analysts)" fields are labelled, reached by Tab, set with
the arrow keys, and the map key then names the scheme and k (docs/map.md, "Class breaks");
the page has no axe violation and no sideways scroll.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import BrowsedPage
from tests.e2e.test_browser import axe_violations, report


def _tab_to(page: BrowsedPage, element_id: str, limit: int = 80) -> int:
    """Tab until the element with ``element_id`` has the focus; the presses it took."""
    for presses in range(1, limit + 1):
        page.page.keyboard.press("Tab")
        if page.page.evaluate("() => document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} not reached in {limit} Tab presses")


@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_an_analyst_chooses_natural_breaks_by_keyboard(
    page: BrowsedPage, viewport_width: int
) -> None:
    p = page.page
    page.goto("/?from=2025-10&to=2025-12")
    summary = p.locator("summary", has_text="Ward classes (analysts)")
    summary.focus()
    p.keyboard.press("Enter")  # opens the disclosure
    scheme = p.get_by_label("Class breaks (scheme)")
    k = p.get_by_label("Number of classes (k)")
    assert scheme.is_visible() and k.is_visible()
    assert axe_violations(p) == [], report(axe_violations(p))
    _tab_to(page, "scheme")
    scheme.select_option("natural_breaks")  # what ArrowDown does; a select keeps the keyboard
    _tab_to(page, "k")
    k.select_option("5")
    _tab_to(page, "k")  # still there: the next Tab goes on to the button
    p.keyboard.press("Tab")
    with p.expect_navigation():
        p.keyboard.press("Enter")  # the form's Update button
    assert "scheme=natural_breaks" in p.url and "k=5" in p.url
    frame = p.frame_locator("iframe.map-frame")
    note = frame.locator(".hs-note", has_text="Scheme:").first
    note.wait_for(state="attached")  # on a phone the key starts closed (docs/map.md)
    assert "Scheme: natural_breaks, k = 5." in (note.text_content() or "")
    assert p.get_by_label("Class breaks (scheme)").input_value() == "natural_breaks"
    assert p.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    assert axe_violations(p) == [], report(axe_violations(p))
    page.clean()
