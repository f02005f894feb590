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

from tests.e2e.browsing import BrowsedPage, small_targets
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
