"""The app in headless Chromium: maps draw from the app alone, the period form works (also by
keyboard), the compare view draws two maps, pages meet WCAG 2.2 AA (axe-core) and work 360 px wide.

Layers are found the way a user finds them, by their names in the map's layer control
(``Drug offences per ward, <period>``, ``Hotspots, <period> (<n>)``; see
:mod:`hotspots.render.maps`), and counted from Leaflet's own objects and the SVG it drew.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browsing import BrowsedPage

#: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AUTUMN = "/?from=2025-09&to=2025-11"
PAGES = {
    "map": ("/?from=2025-09&to=2025-11", 200),
    "compare": ("/compare?from=2025-09&to=2025-11", 200),
    "error": ("/?from=2025-13", 400),
    "patrol-error": ("/patrol?to=2025-11&n=ten", 400),
    "briefing": ("/briefing?from=2025-09&to=2025-11", 200),
    "patrol": ("/patrol?to=2025-11", 200),
    "api-docs": ("/api/docs", 200),
    "upload": ("/upload", 200),
}
#: Pages with a map frame (the others have none to draw).
MAP_PAGES = {"map", "compare"}
WIDTHS = [1280, 360]

#: Run in a map frame: Leaflet's version and, per map and per layer-control entry, what was
#: drawn. ``polygons`` counts Leaflet polygons in the layer, ``drawn`` those with an SVG path in
#: the document, ``markers`` the (numbered) markers with their icon in the document.
LAYERS_JS = """() => {
  const isPoly = (l) => l instanceof L.Polygon;
  function walk(layer, out) {
    if (layer.getLayers) { layer.getLayers().forEach((l) => walk(l, out)); return out; }
    if (isPoly(layer)) {
      out.polygons += 1;
      const p = layer._path;
      if (p && p.isConnected && (p.getAttribute('d') || 'M0 0') !== 'M0 0') {
        out.drawn += 1;
        out.fills.push(p.getAttribute('fill'));
      }
    } else if (layer instanceof L.Marker) {
      out.markers += 1;
      if (layer._icon && layer._icon.isConnected) { out.markers_drawn += 1; }
    }
    return out;
  }
  const maps = Array.from(document.querySelectorAll('.folium-map')).map((el) => el.id);
  const controls = Object.keys(window).filter((k) => /^layer_control_[0-9a-f]+_layers$/.test(k));
  const layers = [];
  for (const key of controls) {
    for (const [name, layer] of Object.entries(window[key].overlays)) {
      const stats = walk(layer, {polygons: 0, drawn: 0, fills: [], markers: 0, markers_drawn: 0});
      stats.name = name;
      stats.map = layer._map ? layer._map.getContainer().id : null;
      layers.push(stats);
    }
  }
  const text = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => e.textContent);
  return {version: window.L ? L.version : null, maps: maps, layers: layers,
          titles: text('.hs-title'), keys: text('[aria-label="Map key"] h2')};
}"""


def draw_map(page: BrowsedPage) -> tuple[Any, dict[str, Any]]:
    """Wait for the map iframe to draw and return its frame and :data:`LAYERS_JS`'s answer."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    frame = page.frame()
    try:
        frame.wait_for_function("() => window.L && window.L.version", timeout=10_000)
        frame.wait_for_selector("path.leaflet-interactive", timeout=10_000)
    except PlaywrightTimeout as exc:
        pytest.fail(
            f"the map in {frame.url} did not draw ({exc.message.splitlines()[0]}); "
            f"errors: {page.errors}; failed requests: {page.bad_requests}; "
            f"other hosts: {page.external}",
            pytrace=False,
        )
    return frame, frame.evaluate(LAYERS_JS)


def layer(stats: dict[str, Any], prefix: str, map_id: str | None = None) -> dict[str, Any]:
    found = [
        s
        for s in stats["layers"]
        if s["name"].startswith(prefix) and (map_id is None or s["map"] == map_id)
    ]
    assert len(found) == 1, (prefix, [s["name"] for s in stats["layers"]])
    return found[0]


def hotspot_count(name: str) -> int:
    match = re.search(r"\((\d+)\)$", name)
    assert match, name
    return int(match.group(1))


def axe_violations(target: Any, *, iframes: bool = False) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on a page or frame, with the elements concerned."""
    from axe_playwright_python.sync_playwright import Axe

    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "iframes": iframes,
        "resultTypes": ["violations"],
    }
    results = Axe().run(target, options=options)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {
                    "target": n["target"],
                    "html": n["html"][:200],
                    "summary": n.get("failureSummary", ""),
                }
                for n in v["nodes"]
            ],
        }
        for v in results.response["violations"]
    ]


def report(violations: list[dict[str, Any]]) -> str:
    """axe violations as text: rule, impact, help, then each element and what to fix."""
    lines = []
    for v in violations:
        lines.append(f"{v['rule']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            lines.append(f"  {' '.join(map(str, node['target']))}: {node['html']}")
            lines.extend("    " + s for s in node["summary"].splitlines())
    return "\n".join(lines)


#: Run in a map frame: for each map, the share of a 20 x 20 grid of points over the map where
#: a control (layer list, key, title, attribution, scale...) is on top, and the zoom buttons
#: that something else covers at their centre.
COVER_JS = """() => Array.from(document.querySelectorAll('.folium-map')).map((el) => {
  const box = el.getBoundingClientRect();
  let covered = 0;
  for (let i = 0; i < 20; i++) {
    for (let j = 0; j < 20; j++) {
      const hit = document.elementFromPoint(box.left + (i + 0.5) * box.width / 20,
                                            box.top + (j + 0.5) * box.height / 20);
      if (hit && hit.closest('.leaflet-control-container')) { covered += 1; }
    }
  }
  const hidden = Array.from(el.querySelectorAll('.leaflet-control-zoom a')).filter((a) => {
    const r = a.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !(hit && a.contains(hit));
  }).map((a) => a.title);
  return {map: el.id, width: Math.round(box.width), height: Math.round(box.height),
          covered: covered / 400, zoom_buttons_covered: hidden};
})"""


def wards_in_store(store: Path) -> int:
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest["boundaries"]["wards"]["features"])


# -- the map ---------------------------------------------------------------------------------------


def test_map_page_draws_wards_and_hotspots_from_the_app_alone(
    page: BrowsedPage, live_store: Path
) -> None:
    page.goto(AUTUMN)
    frame, stats = draw_map(page)
    assert stats["version"] == "1.9.3"
    assert len(stats["maps"]) == 1
    wards = layer(stats, "Drug offences per ward, Sep–Nov 2025")
    n_wards = wards_in_store(live_store)
    assert 100 <= n_wards <= 140  # ≈120 December 2023 wards in Cambridgeshire and Peterborough
    assert wards["polygons"] == wards["drawn"] == n_wards
    hotspots = layer(stats, "Hotspots, Sep–Nov 2025")
    n = hotspot_count(hotspots["name"])
    assert n >= 1
    assert hotspots["polygons"] == hotspots["drawn"] == n
    assert hotspots["markers"] == hotspots["markers_drawn"] == n  # the numbered badges
    layer(stats, "Force area boundary")
    assert stats["titles"] == ["Drug offences, Sep–Nov 2025"]
    assert stats["keys"] == ["Drug offences per ward, Sep–Nov 2025"]  # the legend
    control = frame.locator(".leaflet-control-layers-overlays")
    assert control.get_by_text("Hotspots, Sep–Nov 2025", exact=False).is_visible()
    assert frame.locator(".hs-rank").count() == n
    page.screenshot("map-sep-nov-2025")
    page.clean()


def test_requests_to_other_hosts_are_aborted_and_recorded(page: BrowsedPage) -> None:
    """The harness itself: a request to another host is caught (so an empty list means none).

    (On the app's pages the Content-Security-Policy stops such a request before it is made,
    so the harness is shown on a blank page.)"""
    page.page.goto("about:blank")
    page.page.evaluate(
        "() => new Promise((done) => { const img = new Image();"
        " img.onload = img.onerror = done; img.src = 'https://tiles.example.test/9/1/2.png'; })"
    )
    assert page.external == ["GET https://tiles.example.test/9/1/2.png"]


def test_changing_the_period_with_the_form_changes_what_is_shown(page: BrowsedPage) -> None:
    page.goto(AUTUMN)
    _, before = draw_map(page)
    page.page.select_option("#from", "2025-03")
    page.page.select_option("#to", "2025-05")
    with page.page.expect_navigation():
        page.page.get_by_role("button", name="Update").click()
    assert page.page.locator("h1").inner_text() == "Drug hotspots, Mar–May 2025"
    src = page.page.locator("iframe.map-frame").get_attribute("src")
    assert "from=2025-03&to=2025-05" in src
    _, after = draw_map(page)
    assert after["titles"] == ["Drug offences, Mar–May 2025"]
    wards_before = layer(before, "Drug offences per ward, Sep–Nov 2025")
    wards_after = layer(after, "Drug offences per ward, Mar–May 2025")
    assert wards_after["drawn"] == wards_before["drawn"]
    assert wards_after["fills"] != wards_before["fills"]  # the choropleth changed
    assert layer(after, "Hotspots, Mar–May 2025")["drawn"] >= 1
    page.screenshot("map-mar-may-2025-after-form")
    page.clean()


def test_the_period_can_be_changed_with_the_keyboard_alone(page: BrowsedPage) -> None:
    kb = page.page.keyboard
    page.goto("/")  # default: the latest quarter with its comparison, Oct–Dec 2025
    assert page.page.locator("h1").inner_text() == "Drug hotspots, Oct–Dec 2025"

    def focused() -> str:
        return page.page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || e.getAttribute('class') || e.tagName.toLowerCase(); }"
        )

    labels = {
        "From": "from",
        "To": "to",
        "Wards shaded by": "measure",
        "Offences as": "offences",
        "Stop and search for drugs": "searches",
        "Raids and warrants": "raids",
    }
    for text, control in labels.items():  # every control is found by its visible label
        assert page.page.get_by_label(text, exact=True).get_attribute("id") == control
    kb.press("Tab")
    assert focused() == "skip-link", "the first Tab stop is the skip link"
    for _ in range(20):  # the map (under the headline) is passed by its skip link
        if focused() == "skip-map":
            break
        kb.press("Tab")
    assert focused() == "skip-map", "Tab reaches 'Skip the map'"
    kb.press("Enter")
    for _ in range(30):  # past the view's JSON and downloads
        if focused() == "from":
            break
        kb.press("Tab")
    assert focused() == "from", "Tab reaches the period form"
    kb.press("ArrowUp")  # 2025-10 -> 2025-09
    kb.press("Tab")
    assert focused() == "to"
    kb.press("ArrowUp")  # 2025-12 -> 2025-11
    assert page.page.input_value("#from") == "2025-09"
    assert page.page.input_value("#to") == "2025-11"
    for _ in range(15):
        if page.page.evaluate("() => document.activeElement.type") == "submit":
            break
        kb.press("Tab")
    with page.page.expect_navigation():
        kb.press("Enter")
    assert page.page.locator("h1").inner_text() == "Drug hotspots, Sep–Nov 2025"
    assert "from=2025-09&to=2025-11" in page.page.url
    _, stats = draw_map(page)
    assert stats["titles"] == ["Drug offences, Sep–Nov 2025"]
    page.clean()


def test_compare_page_draws_two_maps(page: BrowsedPage, live_store: Path) -> None:
    page.goto(PAGES["compare"][0])
    assert page.page.locator("h1").inner_text() == "Compare Sep–Nov 2025 with Jun–Aug 2025"
    _, stats = draw_map(page)
    assert len(stats["maps"]) == 2
    assert stats["titles"] == ["A: Jun–Aug 2025", "B: Sep–Nov 2025"]
    n_wards = wards_in_store(live_store)
    for map_id, period in zip(stats["maps"], ["Jun–Aug 2025", "Sep–Nov 2025"], strict=True):
        wards = layer(stats, f"Drug offences per ward, {period}", map_id)
        assert wards["drawn"] == n_wards
        hotspots = layer(stats, f"Hotspots, {period}", map_id)
        assert hotspots["drawn"] == hotspot_count(hotspots["name"]) >= 1
    page.screenshot("compare-sep-nov-vs-jun-aug-2025")
    page.clean()


# -- every page: accessibility, phones, screenshots ------------------------------------------------


@pytest.mark.parametrize("viewport_width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_meets_wcag_aa_and_fits_the_screen(
    page: BrowsedPage, name: str, viewport_width: int
) -> None:
    path, status = PAGES[name]
    page.goto(path, status=status)
    if name in MAP_PAGES:
        draw_map(page)
    assert page.page.evaluate("() => window.innerWidth") == viewport_width
    scroll = page.page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(f"page-{name}")
    if name in MAP_PAGES:
        page.screenshot(f"page-{name}-map-only", "iframe.map-frame")
    assert scroll <= viewport_width, "the page scrolls sideways"
    violations = axe_violations(page.page)
    assert violations == [], report(violations)
    if status == 400:  # the error page itself, answered 400 on purpose
        page.clean(allow=lambda e: "400" in e and path in e.replace("&amp;", "&"))
    else:
        page.clean()


@pytest.mark.parametrize("viewport_width", WIDTHS)
@pytest.mark.parametrize("name", ["map", "compare"])
def test_map_frame_meets_wcag_aa(page: BrowsedPage, name: str, viewport_width: int) -> None:
    page.goto(PAGES[name][0])
    frame, _ = draw_map(page)
    violations = axe_violations(frame)
    assert violations == [], report(violations)
    page.clean()


@pytest.mark.parametrize("viewport_width", WIDTHS)
@pytest.mark.parametrize("name", ["map", "compare"])
def test_map_controls_leave_the_map_usable(
    page: BrowsedPage, name: str, viewport_width: int
) -> None:
    """On a phone the layer list, key, title and attribution must not bury the map."""
    page.goto(PAGES[name][0])
    frame, _ = draw_map(page)
    for pane in frame.evaluate(COVER_JS):
        assert pane["zoom_buttons_covered"] == [], pane
        assert pane["covered"] <= 0.4, pane
    page.clean()


@pytest.mark.parametrize("viewport_width", [1280])
@pytest.mark.parametrize("name", ["briefing", "patrol"])
def test_printed_products_hide_navigation_and_forms(
    page: BrowsedPage, name: str, viewport_width: int, tmp_path: Path
) -> None:
    page.goto(PAGES[name][0])
    page.page.emulate_media(media="print")
    hidden = page.page.evaluate(
        """() => Array.from(document.querySelectorAll('nav, form, .skip-link'))
                 .map((el) => getComputedStyle(el).display)"""
    )
    assert hidden and set(hidden) == {"none"}
    assert page.page.locator("h1").is_visible()
    assert page.page.get_by_text("OFFICIAL").first.is_visible()  # the marking prints
    printed = tmp_path / f"print-{name}.pdf"
    page.page.pdf(path=str(printed))  # what Chromium's print dialog would produce
    assert printed.stat().st_size > 10_000
    page.clean()
