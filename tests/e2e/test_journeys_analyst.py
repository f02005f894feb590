"""The analyst's journey in Debian's Chromium, from the map to QGIS: the map page shows the
address of the live layers (OGC API – Features) to copy and links to how to add them; that
page lists the collections the analyst may add, and the address it shows answers a personal
API token with those collections, as QGIS and GDAL ask (``tests/test_ogc.py`` drives GDAL and
QGIS themselves). Every request stays on the app's own origin.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.e2e.browsing import BrowsedPage, small_targets, tab_to
from tests.e2e.test_browser import axe_violations, report


@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_an_analyst_finds_the_qgis_address_on_the_map_and_it_answers_a_token(
    page: BrowsedPage, viewport_width: int, live_store: Path
) -> None:
    from hotspots.tokens import issue_token
    from hotspots.users import UserStore
    from tests.accounts import ensure_user
    from web import create_app

    p = page.page
    page.goto("/")
    hint = p.locator("#ogc-hint")
    assert hint.is_visible()
    address = hint.locator("code").inner_text()
    assert address == page.base_url + "/ogc"  # the service's own address, ready to copy
    assert "personal API token" in hint.inner_text()
    assert axe_violations(p) == [], report(axe_violations(p))
    hint.get_by_role("link", name="How to add the layers").click()  # one tap from the map
    p.wait_for_load_state("load")
    assert p.locator("h1").inner_text() == "Drug hotspots: OGC API - Features"
    text = " ".join(p.locator("body").inner_text().split())
    assert f"URL {address}" in text and "Add WFS / OGC API – Features Layer" in text
    listed = [t.split(":")[0] for t in p.locator("h2 + ul li").all_inner_texts()]
    assert {"hotspots", "wards", "offences"} <= set(listed), listed
    assert p.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    assert small_targets(p) == []
    assert axe_violations(p) == [], report(axe_violations(p))
    p.get_by_role("link", name="Back to the map").click()
    p.wait_for_url(page.base_url + "/")
    # the address as QGIS uses it: Basic with the account name and a token, never a password
    app = create_app({"STORE": str(live_store), "WARM_PRESETS": 0})
    name = ensure_user(app, "analyst")
    token = issue_token(UserStore(app.config["USERS_DB"], actor="test"), name)
    basic = base64.b64encode(f"{name}:{token}".encode()).decode()
    answer = p.request.get(address + "/collections", headers={"Authorization": f"Basic {basic}"})
    assert answer.status == 200
    assert {c["id"] for c in answer.json()["collections"]} == set(listed)
    page.clean()


@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_an_analyst_sets_period_and_parameters_by_keyboard_and_the_export_records_them(
    page: BrowsedPage, viewport_width: int
) -> None:
    """Keyboard only, from the top of the map page: a skip link past the map and its 12
    downloads to the form (before: 28 Tab presses to its first field at 360 px, 33 at 1280),
    Jul–Sep 2025 chosen, radius 200 m and 4 offences typed, sent; the page and the hotspots'
    GeoJSON say the period and the parameters as given."""
    p = page.page
    page.goto("/")
    p.locator("body").focus()
    keys = tab_to(p, "Skip to changing the view") + 1
    p.keyboard.press("Enter")
    keys += tab_to(p, "from", limit=1)
    for key in ["ArrowUp"] * 3 + ["Tab"] + ["ArrowUp"] * 3:  # Oct -> Jul, Dec -> Sep
        p.keyboard.press(key)
    keys += 7
    assert p.evaluate("() => document.activeElement.value") == "2025-09"
    keys += tab_to(p, "Hotspot parameters", limit=10) + 2
    p.keyboard.press("Enter")  # opens the analysts' parameters
    p.keyboard.press("Tab")  # the radius, its "auto" selected: typing replaces it
    p.keyboard.type("200")
    p.keyboard.press("Tab")
    p.keyboard.type("4")
    keys += 3 + 1 + 1
    with p.expect_navigation():
        p.keyboard.press("Enter")
    keys += 1
    assert "from=2025-07" in p.url and "eps_m=200" in p.url and "min_samples=4" in p.url
    assert p.locator("h1").inner_text() == "Drug hotspots, Jul–Sep 2025"
    method = " ".join(p.locator("#method-heading + p").inner_text().split())
    assert "radius 200 m (given), at least 4 offences (given)" in method, method
    # 4 keys to the form's first field (2 Tabs, Enter, Tab), 25 for the whole change (before:
    # 49 at 360 px, 54 at 1280)
    assert keys == 25, keys
    link = p.get_by_role("link", name="GeoJSON of the hotspots, Jul–Sep 2025")
    href = link.get_attribute("href")
    assert href is not None and "eps_m=200&min_samples=4" in href
    got = p.request.get(page.base_url + href).json()
    parameters = got["metadata"]["parameters"]
    assert (parameters["eps_m"], parameters["eps_m_reason"]) == (200, "given")
    assert (parameters["min_samples"], parameters["min_samples_reason"]) == (4, "given")
    assert got["metadata"]["period"] == "Jul–Sep 2025" and len(got["features"]) >= 1
    assert p.evaluate("() => document.documentElement.scrollWidth") <= viewport_width
    assert axe_violations(p) == [], report(axe_violations(p))
    page.clean()
