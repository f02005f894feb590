"""Errors and waits in Debian's Chromium (issue 14 item 8): a bad field on the patrol form comes
back as the patrol form with the message beside the field and is corrected in place; sending the
upload form or the map's form shows that work is under way and disables the button
(``web/static/busy.js``; the patrol form's: ``test_journeys_patrol.py``).

To read a form while its answer loads, the tests open the answer in a new tab (the form's
``target``): the page that sent it stays, busy, as a person would see it until the answer came.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browsing import BrowsedPage
from tests.e2e.test_browser import axe_violations, report


def described_by(page: Any, selector: str) -> str:
    """The text of the elements named by ``selector``'s ``aria-describedby``."""
    return str(
        page.evaluate(
            """(sel) => (document.querySelector(sel).getAttribute('aria-describedby') || '')
                 .split(/\\s+/).filter(Boolean)
                 .map((id) => document.getElementById(id).textContent.trim()).join(' | ')""",
            selector,
        )
    )


@pytest.mark.parametrize("viewport_width", [360])
def test_a_bad_number_on_the_patrol_form_is_shown_beside_it_and_corrected_in_place(
    page: BrowsedPage, viewport_width: int
) -> None:
    p = page.page
    page.goto("/patrol?to=2025-11&area=district&district=E07000011")
    p.get_by_role("link", name="Change area or month").click()  # from the headline
    assert p.get_by_role("textbox", name="Number of places").is_visible()  # the form, open, at once
    p.get_by_role("textbox", name="Number of places").fill("ten")
    with p.expect_navigation():
        p.get_by_role("button", name="Make plan").click()
    assert "n=ten" in p.url
    # the patrol form again, not a generic one: same fields, the values sent, the message beside
    assert p.locator("h1").inner_text() == "Patrol plan"
    assert p.locator("form.patrol-form").count() == 1
    number = p.get_by_role("textbox", name="Number of places")
    assert number.input_value() == "ten" and number.get_attribute("aria-invalid") == "true"
    said = described_by(p, "#n")
    assert "1 to 50." in said and "a whole number of places from 1 to 50; got ten" in said
    assert p.get_by_label("One district").is_checked()
    assert p.get_by_label("District", exact=True).input_value() == "E07000011"
    assert p.get_by_label("Hotspots of the 3 months to").input_value() == "2025-11"
    assert p.locator("[aria-invalid=true]").count() == 1
    assert p.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    assert axe_violations(p) == [], report(axe_violations(p))
    # the summary's link takes the keyboard to the field
    p.locator(".error-summary a").click()
    assert p.evaluate("() => document.activeElement.id") == "n"
    number.fill("4")
    with p.expect_navigation():
        p.get_by_role("button", name="Make plan").click()
    assert p.locator("h1").inner_text() == "Patrol plan: Huntingdonshire"
    assert 1 <= p.locator(".place-list li").count() <= 4
    page.clean(allow=lambda e: "400" in e and "n=ten" in e)  # the 400 asked for


@pytest.mark.parametrize("viewport_width", [1280])
def test_an_upload_shows_work_under_way_and_disables_its_button(
    page: BrowsedPage, viewport_width: int
) -> None:
    p = page.page
    page.goto("/upload")
    # a file the service refuses before storing anything: the shared demo store stays as it is
    p.set_input_files(
        "#files", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"a,b\n1,2\n"}]
    )
    p.check("#allow_shrink")
    p.evaluate("() => { document.querySelector('form.upload').target = '_blank'; }")
    button = p.get_by_role("button", name="Upload and ingest")
    with p.context.expect_page() as new_tab:
        button.click()
    status = p.locator("form.upload .busy-status")
    status.wait_for()
    assert "Uploading and ingesting" in status.inner_text()
    assert status.get_attribute("role") == "status"
    assert button.is_disabled()
    assert p.locator("form.upload").get_attribute("aria-busy") == "true"
    # the answer: the refusal beside the file field, the box kept
    result = new_tab.value
    result.wait_for_load_state("load")
    assert "The upload was refused" in result.locator(".error-summary").inner_text()
    assert result.locator("#files").get_attribute("aria-invalid") == "true"
    assert "'notes.txt': expected a .csv file" in described_by(result, "#files")
    assert result.locator("#allow_shrink").is_checked()
    assert axe_violations(result) == [], report(axe_violations(result))
    result.close()
    page.clean()


@pytest.mark.parametrize("viewport_width", [1280])
def test_a_new_map_view_shows_work_under_way_and_disables_its_button(
    page: BrowsedPage, viewport_width: int
) -> None:
    p = page.page
    page.goto("/")
    form = p.locator("main form.filters")
    p.evaluate("() => { document.querySelector('main form.filters').target = '_blank'; }")
    p.get_by_label("From", exact=True).select_option("2025-06")
    p.get_by_label("To", exact=True).select_option("2025-08")
    button = form.get_by_role("button", name="Update")
    with p.context.expect_page() as new_tab:
        button.click()
    status = form.locator(".busy-status")
    status.wait_for()
    assert "Working on it" in status.inner_text() and status.get_attribute("role") == "status"
    assert button.is_disabled() and form.get_attribute("aria-busy") == "true"
    result = new_tab.value
    result.wait_for_load_state("load")
    assert "from=2025-06" in result.url and "to=2025-08" in result.url  # the form's values
    assert "Jun–Aug 2025" in result.locator("h1").inner_text()
    result.close()
    page.clean()
