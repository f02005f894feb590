"""A force wider than the web map, in Debian's Chromium at 1280 px: the City of London (2.9
km², three times as wide as tall) opened with its hotspot 2 of 2 under the layer list, which
stands open top right on a wide screen (`docs/data.md`, "Tried on other forces"). The opening
view is now fitted again inside the strips the controls take when a hotspot's number lies
under one (`hotspots.render.elements.MapSetup`).

The hand-made force (tests/conftest.py: wards Alpha and Bravo side by side, 2 km x 1 km, the
force area 2 km x 1.5 km): 6 offences on one point in Bravo's north-east corner (501,950 E,
200,950 N), the place the layer list covers, and 5 in Alpha's south-west corner: by hand two
hotspots (at least 5 offences within 150 m), their numbers at the two corners.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.accounts import ensure_user
from tests.e2e.browsing import browsed_page, serving, sign_in_page
from tests.helpers import store_of_rows, street_row
from tests.test_gaps import APP_CONFIG

#: Run in the map frame: the hotspot numbers that meet a control (the key, the title, the layer
#: list, the zoom buttons; not the attribution or the scale), and how many numbers there are.
COVERED_JS = """() => {
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom &&
                          b.top < a.bottom;
  const controls = Array.from(document.querySelectorAll('.leaflet-control'))
    .filter((c) => !c.classList.contains('leaflet-control-attribution') &&
                   !c.classList.contains('leaflet-control-scale'))
    .map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0);
  const ranks = Array.from(document.querySelectorAll('.hs-rank span'))
    .filter((m) => m.getBoundingClientRect().width > 0);
  return {ranks: ranks.length,
          covered: ranks.filter((m) => controls.some((c) => meets(m.getBoundingClientRect(), c)))
                        .map((m) => m.innerText.trim())};
}"""


def test_no_hotspot_number_opens_under_a_control_on_a_wide_force(
    browser: Any, toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    from web import create_app

    rows = [street_row(f"ne{k}", 501950, 200950, month="2025-01") for k in range(6)]
    rows += [street_row(f"sw{k}", 500050, 200050, month="2025-01") for k in range(5)]
    store = store_of_rows(rows, toy_boundaries, tmp_path)
    app = create_app({**APP_CONFIG, "STORE": str(store), "CACHE_DIR": str(tmp_path / "cache")})
    user = ensure_user(app, "analyst")
    with serving(app) as url, browsed_page(browser, url, 1280) as b:
        sign_in_page(b.page, url, user)  # lands on the map of January 2025, the one month
        frame = b.frame()
        frame.wait_for_selector(".hs-rank span")
        b.page.wait_for_timeout(500)  # the opening view refitted after the controls are drawn
        seen = frame.evaluate(COVERED_JS)
        assert seen["ranks"] == 2, seen
        assert seen["covered"] == [], seen
        b.clean()
