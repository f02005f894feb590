"""Journeys on the map (issue 14), in Debian's Chromium: an analyst downloads what the map
shows, the commissioner's office gets the latest quarter's briefing PDF, the keyboard reaches
the map's controls in a few presses, and the key leaves the layer list readable.

``docs/screenshot-map.png`` (the README's picture) is made by ``test_screenshots.py``.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.e2e.browsing import (
    PHONE_HEIGHT,
    BrowsedPage,
    browsed_page,
    label_clashes,
    sign_in_page,
    small_targets,
    text_problems,
)
from tests.e2e.test_browser import axe_violations, draw_map, report

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: A Cambridge ward of the demo with a count in both quarters (47 in Oct–Dec 2025, 15 before).
WARD = "King's Hedges (Cambridge)"
#: Tab presses from the top of the map page to the map's zoom-in button: the skip links (to
#: the main content, the form and the ward figures: 2 more presses to the map, 29 fewer to the
#: form), the menu, sign-out, "Find a ward's figures", "Skip the map", the map itself, then its
#: first control.
MAX_TABS_TO_ZOOM = 15

#: The element focused, looking into the map frame: its class and accessible name.
FOCUSED_JS = """() => {
  let el = document.activeElement;
  if (el && el.tagName === 'IFRAME' && el.contentDocument) {
    el = el.contentDocument.activeElement;
  }
  const name = el.className;
  const cls = name && name.baseVal !== undefined ? name.baseVal : name;
  return String(cls || el.tagName);
}"""


def _poppler(command: list[str]) -> str:
    """A poppler-utils command's output (Debian's poppler-utils, as CI installs)."""
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _pdf_pages(pdf: Path) -> int:
    """Pages of a PDF, as ``pdfinfo`` counts them."""
    match = re.search(r"^Pages:\s+(\d+)", _poppler(["pdfinfo", str(pdf)]), re.M)
    assert match, pdf
    return int(match.group(1))


def _download(page: BrowsedPage, link: Any) -> bytes:
    with page.page.expect_download() as info:
        link.click()
    path = info.value.path()
    return Path(path).read_bytes()


@pytest.mark.parametrize("viewport_width", [1366])
def test_an_analyst_downloads_the_maps_hotspots_as_geojson(page: BrowsedPage) -> None:
    page.goto("/")
    draw_map(page)
    link = page.page.get_by_role("link", name="GeoJSON of the hotspots", exact=False)
    href = link.get_attribute("href")
    assert href and href.startswith("/api/v1/hotspots?from=2025-10&to=2025-12")
    got = json.loads(_download(page, link))
    api = page.page.request.get(page.base_url + href.replace("&amp;", "&"))
    assert api.status == 200
    expected = api.json()
    assert got["features"] == expected["features"] and len(got["features"]) >= 1
    # the hotspots the map draws: as many as its hotspot layer says
    shown = page.page.locator("table").first.locator("tbody tr").count()
    assert len(got["features"]) >= shown
    page.clean()


@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_the_commissioners_office_gets_the_latest_quarters_briefing_pdf(
    browser: Any, live_server: str, live_store: Path, viewport_width: int, tmp_path: Path
) -> None:
    """From signing in: the briefing (the office's home, web.access.Access.home), a ward's
    figure in words from the ward finder, the PDF and the PNG: 7 steps (before: 4 without the
    ward's figure, read from a table of 120 wards at the page's foot, after a tap on the menu)."""
    from tests.accounts import ensure_user
    from web import create_app

    name = ensure_user(create_app({"STORE": str(live_store), "WARM_PRESETS": 0}), "commissioner")
    with browsed_page(browser, live_server, viewport_width) as page:
        _commissioners_journey(page, name, viewport_width, tmp_path)


def _commissioners_journey(
    page: BrowsedPage, name: str, viewport_width: int, tmp_path: Path
) -> None:
    sign_in_page(page.page, page.base_url, name)
    steps = 3  # two fields and the button
    assert page.page.url == page.base_url + "/briefing"  # no menu to go through
    assert "Oct–Dec 2025" in page.page.locator("h1").inner_text()  # the latest quarter
    # a ward's headline figure for the briefing, in the words of the district lines
    pick = page.page.get_by_label("Your ward")
    pick.select_option(label=WARD)
    steps += 2  # the list, the ward
    said = page.page.locator("#ward-said").inner_text()
    row = page.page.locator(".ward-table tbody tr", has_text=WARD)
    now, before = (row.locator("td").nth(i).inner_text() for i in (1, 2))
    assert said == (
        f"{WARD}: 213% more drug offences in Oct–Dec 2025 than in Jul–Sep 2025 ({now} vs {before})."
    ), said
    assert (now, before) == ("47", "15")  # the figures of the briefing's own ward table
    link = page.page.get_by_role("link", name="download PDF")
    box = link.bounding_box()
    height = PHONE_HEIGHT if viewport_width < 600 else 900
    assert box is not None and box["y"] + box["height"] <= height  # on the first screen
    assert small_targets(page.page) == []
    assert axe_violations(page.page) == [], report(axe_violations(page.page))
    pdf = _download(page, link)
    steps += 1
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    saved = tmp_path / "briefing.pdf"
    saved.write_bytes(pdf)
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (Debian poppler-utils) is not installed")
    # what the office got: the latest quarter's one-page briefing, against the quarter before
    assert _pdf_pages(saved) == 1
    text = " ".join(_poppler(["pdftotext", str(saved), "-"]).split())
    assert "Drug crime briefing: Oct–Dec 2025" in text
    assert "Oct–Dec 2025, compared with Jul–Sep 2025" in text
    # and its PNG twin: one A4 landscape sheet
    png = _download(page, page.page.get_by_role("link", name="download PNG"))
    steps += 1
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1754, 1240) or image.size == (1753, 1240), image.size
    assert steps == 7, steps
    page.clean()


@pytest.mark.parametrize("viewport_width", [1366])
def test_the_keyboard_reaches_the_maps_controls_in_a_few_presses(page: BrowsedPage) -> None:
    page.goto("/")
    frame, _ = draw_map(page)
    page.page.locator("body").focus()
    presses = 0
    focused = ""
    while "leaflet-control-zoom-in" not in focused and presses < 60:
        page.page.keyboard.press("Tab")
        presses += 1
        focused = page.page.evaluate(FOCUSED_JS)
        assert "leaflet-interactive" not in focused, f"a shape is a Tab stop ({presses})"
    assert presses <= MAX_TABS_TO_ZOOM, presses
    # the map's controls show focus as the page does (was the browser's 1 px ring)
    ring = frame.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring == ["solid", "3px"], ring
    # every interactive shape is named by its tooltip and is not in the Tab order
    shapes = frame.evaluate(
        """() => {
          const out = [];
          for (const map of Object.values(window).filter((v) => v instanceof L.Map)) {
            map.eachLayer((l) => {
              const el = l.getElement && l.getElement();
              if (!el || !el.classList || !el.classList.contains('leaflet-interactive')) return;
              const tip = l.getTooltip && l.getTooltip();
              const text = tip ? new DOMParser().parseFromString(tip.getContent(), 'text/html')
                .body.textContent.trim() : (l.options.title || null);
              out.push({label: el.getAttribute('aria-label'), tip: text,
                        tabindex: el.getAttribute('tabindex')});
            });
          }
          return out;
        }"""
    )
    assert len(shapes) > 100  # about 120 wards and the hotspots
    named = [s for s in shapes if s["tip"]]
    assert named and all(s["label"] == s["tip"] for s in named), named[:3]
    assert {s["tabindex"] for s in shapes} == {"-1"}
    page.clean()


@pytest.mark.parametrize("viewport_width", [1366, 360])
def test_the_compare_maps_come_first_and_the_keyboard_reaches_or_skips_them(
    page: BrowsedPage, viewport_width: int
) -> None:
    page.goto("/compare")
    draw_map(page)
    top = page.page.locator("iframe.compare-frame").bounding_box()["y"]
    # under the heading and the headline, before the form (the phone's banner is taller)
    assert top < (260 if viewport_width > 600 else 0.6 * PHONE_HEIGHT), top
    form = page.page.locator("main form.filters").bounding_box()
    assert form["y"] > top
    if viewport_width < 600:
        page.clean()
        return
    page.page.locator("body").focus()
    presses, focused = 0, ""
    while "leaflet-control-zoom-in" not in focused and presses < 60:
        page.page.keyboard.press("Tab")
        presses += 1
        focused = page.page.evaluate(FOCUSED_JS)
    assert presses <= MAX_TABS_TO_ZOOM, presses
    # "Skip the maps" takes the keyboard past both maps, to the form
    page.page.locator("body").focus()
    skip = page.page.get_by_role("link", name="Skip the maps")
    skip.focus()
    assert skip.is_visible()  # shown when focused
    page.page.keyboard.press("Enter")
    assert page.page.evaluate("() => document.activeElement.id") == "after-map"
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("() => document.activeElement.name") == "from"
    page.clean()


#: Run in a map frame: the boxes of the layer list and the key, and the share of a grid of
#: points over the layer list where something other than the layer list is on top.
KEY_AND_LAYERS_JS = """() => {
  const layers = document.querySelector('.leaflet-control-layers');
  const key = document.querySelector('[aria-label="Map key"]');
  const box = layers.getBoundingClientRect();
  let covered = 0;
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      const hit = document.elementFromPoint(box.left + (i + 0.5) * box.width / 10,
                                            box.top + (j + 0.5) * box.height / 10);
      if (!(hit && layers.contains(hit))) { covered += 1; }
    }
  }
  return {layers: box.toJSON(), key: key.getBoundingClientRect().toJSON(),
          covered: covered / 100};
}"""


def _apart(a: dict[str, float], b: dict[str, float]) -> bool:
    """Two boxes (getBoundingClientRect) do not overlap."""
    return (
        a["right"] <= b["left"]
        or a["left"] >= b["right"]
        or a["bottom"] <= b["top"]
        or a["top"] >= b["bottom"]
    )


@pytest.mark.parametrize("viewport_width", [1366, 360])
def test_the_key_never_covers_the_layer_list_and_heat_is_off_by_default(
    page: BrowsedPage, viewport_width: int
) -> None:
    page.goto("/")
    frame, stats = draw_map(page)
    # as the page opens (on a phone: the key closed, the layer list a button) ...
    first = frame.evaluate(KEY_AND_LAYERS_JS)
    assert _apart(first["key"], first["layers"]) and first["covered"] == 0, first
    # ... and as a reader opens the key, then the layer list (on a phone they take turns)
    key = frame.locator('[aria-label="Map key"] details')
    if not key.evaluate("(d) => d.open"):
        key.locator("summary").click()
    assert key.evaluate("(d) => d.open")
    toggle = frame.locator(".leaflet-control-layers-toggle")
    if toggle.is_visible():  # the collapsed list on a phone: its button opens it
        toggle.focus()
        page.page.keyboard.press("Enter")
    frame.wait_for_selector(".leaflet-control-layers-expanded")
    both = frame.evaluate(KEY_AND_LAYERS_JS)
    assert both["layers"]["height"] > 60, both  # the list is open
    assert _apart(both["key"], both["layers"]) and both["covered"] == 0, both
    if viewport_width < 600:  # then the key again: the list gives way
        key.locator("summary").click()
        # the details' toggle event comes a task after the click: wait for the list to close
        frame.wait_for_function(
            "() => !document.querySelector('.leaflet-control-layers-expanded')", timeout=5000
        )
        again = frame.evaluate(KEY_AND_LAYERS_JS)
        assert key.evaluate("(d) => d.open") and again["key"]["height"] > 100, again
        assert _apart(again["key"], again["layers"]) and again["covered"] == 0, again
    names = [s["name"] for s in stats["layers"]]
    assert not any("(heat map)" in n for n in names), names
    assert any(n.startswith("Drug offences per ward") for n in names)
    assert any(n.startswith("Hotspots,") for n in names)
    # the map starts near the top of the page (the phone's banner is taller)
    top = page.page.locator("iframe.map-frame").bounding_box()["y"]
    assert top < (260 if viewport_width > 600 else 0.6 * PHONE_HEIGHT), top
    assert axe_violations(page.page) == [], report(axe_violations(page.page))
    page.screenshot("journey-map")  # docs/screenshot-map.png: tests/e2e/test_screenshots.py
    # heat is an option of the form, drawn on request with the shades and hotspots
    option = page.page.locator("form.filters select[name=offences] option[value=heat]")
    assert option.count() == 1
    page.goto("/?offences=heat")
    _, heat = draw_map(page)
    names = [s["name"] for s in heat["layers"]]
    assert any(n.endswith("(heat map)") for n in names), names
    assert any(n.startswith("Drug offences per ward") for n in names)
    page.clean()


@pytest.mark.parametrize("role", ["commissioner"])
def test_the_web_briefing_shows_the_ward_map_and_prints_on_one_a4_page(
    page: BrowsedPage, tmp_path: Path
) -> None:
    page.goto("/briefing")
    _, stats = draw_map(page)  # the ward map, on the page
    assert any(
        s["name"].startswith("Drug offences per ward, Oct–Dec 2025") for s in stats["layers"]
    )
    page.page.wait_for_function(
        "() => { const i = document.querySelector('img.print-sheet'); return i && i.complete"
        " && i.naturalWidth > 0; }"
    )
    page.page.emulate_media(media="print")
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (Debian poppler-utils) is not installed")
    # as the print dialog gives it (the page's own A4 landscape), and on A4 paper as set
    for name, options in (
        ("css", {"landscape": True, "prefer_css_page_size": True}),
        ("paper", {}),
    ):
        printed = tmp_path / f"briefing-{name}.pdf"
        page.page.pdf(path=str(printed), format="A4", **options)
        assert _pdf_pages(printed) == 1, name
        # what prints is the one-page briefing sheet, the PDF's own image, with its title
        images = _poppler(["pdfimages", "-list", str(printed)]).splitlines()[2:]
        sizes = [(int(line.split()[3]), int(line.split()[4])) for line in images]
        assert (1754, 1240) in sizes or (1753, 1240) in sizes, sizes
        assert "Drug crime briefing: Oct–Dec 2025" in _poppler(["pdftotext", str(printed), "-"])
    page.clean()


@pytest.mark.parametrize("viewport_width", [360, 1280])
@pytest.mark.parametrize("path", ["/?from=2025-10&to=2025-12", "/briefing?from=2025-10&to=2025-12"])
def test_district_names_never_lie_under_hotspot_numbers_on_the_demo(
    page: BrowsedPage, viewport_width: int, path: str
) -> None:
    """The rule of the Merseyside test (tests/e2e/test_journeys_another_force.py) on the demo's
    larger districts: no name on a hotspot's number or on another name, every district named."""
    page.goto(path)
    found = label_clashes(page.frame())
    assert found["ranks"] >= 10 and found["names"] == 6, found
    assert found["clashes"] == [] and found["hidden"] == [], found
    page.screenshot(f"names-{path.split('?')[0].strip('/') or 'map'}", "iframe.map-frame")
    page.clean()


@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_the_briefings_chart_of_twelve_months_is_readable(
    page: BrowsedPage, viewport_width: int
) -> None:
    """Before: on a phone the chart (640 units wide) was drawn at half size, its figures and
    month names 5-6 px high; now a phone gets a chart drawn at its own width."""
    page.goto("/briefing?from=2025-10&to=2025-12")
    drawn, smallest, overlaps = text_problems(page.page, "svg.trend text")
    assert drawn >= 12 * 2 and smallest >= 8 and overlaps == [], (drawn, smallest, overlaps)
    page.clean()
