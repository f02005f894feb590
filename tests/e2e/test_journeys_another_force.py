"""Journeys on another force than the demo's (Merseyside 2019, real data), in Debian's Chromium:
a neighbourhood sergeant scoped to two Liverpool wards gets the patrol plan onto a phone with
the keyboard alone; the commissioner's office gets each district's headline and the PDF; an
analyst sees the top hotspots' numbers on the map, where a city centre's markers overlap.
Each page axe-clean (WCAG 2.2 AA) and within the screen at 360 px; screenshots at 1280 and
360 px go to ``tests/artifacts/screenshots/`` (``another-force-*``) for a reviewer to look at.

The store is ``merseyside_store`` (tests/conftest.py): drug offences 2019-07..12, searches
2019-07..09; accounts and caches are kept outside it.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotspots.patrol import GPX_NS
from hotspots.store import Store
from tests.accounts import PASSWORD, ensure_user
from tests.e2e.browsing import (
    PHONE_HEIGHT,
    SCREENSHOTS,
    download_context,
    label_clashes,
    serving,
    sign_in_page,
    signed_in,
    small_targets,
    tab_to,
    text_problems,
)
from tests.e2e.test_browser import axe_violations, report
from tests.helpers import AppFactory

pytestmark = pytest.mark.realdata

#: City Centre North and Brownlow Hill (Liverpool): the force's two busiest wards in 2019.
SERGEANT_WARDS = ("E05015288", "E05015283")


@pytest.fixture(scope="module")
def mersey(
    merseyside_store: Store, app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The app on the Merseyside store, served on a free port: (base URL, role -> username)."""
    users = tmp_path_factory.mktemp("mersey-e2e") / "users.sqlite3"
    app = app_factory(merseyside_store.path, USERS_DB=str(users), WARM_PRESETS=0)
    names = {
        "officer": ensure_user(app, "officer", SERGEANT_WARDS),
        "commissioner": ensure_user(app, "commissioner"),
        "analyst": ensure_user(app, "analyst"),
    }
    with serving(app) as url:
        yield url, names


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert violations == [], report(violations)


def _shot(page: Any, name: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"another-force-{name}-{width}px.png"), full_page=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_a_sergeant_gets_the_plan_with_the_keyboard_alone(
    browser: Any, mersey: tuple[str, dict[str, str]], width: int, tmp_path: Path
) -> None:
    url, names = mersey
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        page.goto(url + "/")
        assert "/login" in page.url
        keys = 0
        page.get_by_label("Username").focus()
        page.keyboard.type(names["officer"])
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/patrol")  # an officer lands on their plan (Access.home)
        keys += 3
        text = " ".join(page.locator("main").inner_text().split())
        assert text.startswith("Patrol plan: Brownlow Hill and City Centre North wards")
        assert "forecast from the drug offences to Dec 2019" in text
        # the form offers only what the sergeant may plan: their two wards, no district
        assert page.locator("#area-district").count() == 0
        assert page.locator("#district").count() == 0
        places = page.locator(".place-list li")
        assert places.count() == 10
        first = places.first.bounding_box()
        assert first is not None and first["y"] + first["height"] <= PHONE_HEIGHT
        _fits(page, width)
        _shot(page, "sergeant-patrol", width)
        keys += tab_to(page, "GPX")
        with page.expect_download() as download_info:
            page.keyboard.press("Enter")
        keys += 1
        saved = tmp_path / "plan.gpx"
        download_info.value.save_as(saved)
        waypoints = list(ET.parse(saved).getroot().iter(f"{{{GPX_NS}}}wpt"))
        assert len(waypoints) == places.count()
        # sign-in (3 keys after the fields), then to the download: a handful of presses (17 with
        # the map first, then the menu)
        assert keys <= 13, keys
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_commissioners_office_gets_each_districts_headline_and_the_pdf(
    browser: Any, mersey: tuple[str, dict[str, str]], width: int
) -> None:
    url, names = mersey
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, names["commissioner"])
        assert page.url == url + "/briefing"  # the office's home (Access.home)
        lines = page.locator(".district-lines li").all_inner_texts()
        assert len(lines) == 5
        assert lines[0] == (
            "Liverpool: 21% more drug offences in Oct–Dec 2019 than in Jul–Sep 2019 "
            "(1,808 vs 1,500)."
        )
        _fits(page, width)
        _shot(page, "commissioner-briefing", width)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="download PDF").click()
        assert download_info.value.suggested_filename == "drug-briefing-2019-10_2019-12.pdf"
        # a period whose comparison is partly held says what is held, never a change
        page.goto(url + "/briefing?from=2019-08&to=2019-10")
        meta = page.locator(".meta").inner_text()
        assert "No comparison with May–Jul 2019: drug offence records held for Jul 2019 only" in (
            " ".join(meta.split())
        )
        _fits(page, width)
        _shot(page, "commissioner-briefing-partial", width)
    finally:
        context.close()


_ON_TOP = """() => Array.from(document.querySelectorAll('.hs-rank')).map(m => {
    const r = m.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const marker = top && top.closest('.hs-rank');
    return [Number(m.innerText.trim()), marker ? Number(marker.innerText.trim()) : null];
})"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_top_hotspots_numbers_are_on_top_where_markers_overlap(
    browser: Any, mersey: tuple[str, dict[str, str]], width: int
) -> None:
    """Before: Leaflet stacked markers by latitude, so at the force's zoom hotspot 12 (south
    of the others in Liverpool's centre) covered the number of hotspot 1."""
    url, names = mersey
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, names["analyst"])
        frame = page.wait_for_selector("iframe.map-frame").content_frame()
        frame.wait_for_selector(".hs-rank", state="attached")
        page.wait_for_timeout(500)  # the map's first view settles
        on_top = dict(frame.evaluate(_ON_TOP))  # rank -> the rank drawn at its centre
        assert len(on_top) == 24
        assert on_top[1] == 1
        # a number is covered only by a better rank's, never by a lesser one's
        assert [r for r, top in on_top.items() if top is not None and top > r] == []
        _fits(page, width)
        _shot(page, "analyst-map", width)
    finally:
        context.close()


_NAMES = """() => Array.from(document.querySelectorAll('.hs-label')).map(el => {
    const r = el.firstElementChild.getBoundingClientRect();
    const shown = r.width > 0 && getComputedStyle(el).visibility !== 'hidden';
    return shown ? [r.left, r.top, r.right, r.bottom] : null;
}).filter(Boolean)"""


def test_ward_names_are_never_written_over_each_other(
    browser: Any, mersey: tuple[str, dict[str, str]]
) -> None:
    """Before: at zoom 11-12 over Liverpool (the ward names' zoom, set for Cambridgeshire's
    larger wards) 141 names were drawn and dozens overlapped; now the overlapping ones wait
    for a closer zoom."""
    url, names = mersey
    context = download_context(browser, url, 1280)
    page = context.new_page()
    try:
        sign_in_page(page, url, names["analyst"])
        page.goto(url + "/map/frame?from=2019-10&to=2019-12")
        page.wait_for_selector(".hs-label", state="attached")
        page.wait_for_timeout(1000)  # the first view (fitted to the force) settles
        name = page.evaluate("() => Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")
        for zoom in (11, 12, 13):
            page.evaluate(
                f"() => window['{name}'].setView([53.41, -2.95], {zoom}, {{animate: false}})"
            )
            page.wait_for_timeout(300)
            assert page.evaluate(f"() => window['{name}'].getZoom()") == zoom
            boxes = page.evaluate(_NAMES)
            assert len(boxes) >= 10, (zoom, len(boxes))
            overlaps = [
                (a, b)
                for i, a in enumerate(boxes)
                for b in boxes[i + 1 :]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            ]
            assert overlaps == [], (zoom, len(overlaps))
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", ["/", "/briefing", "/?from=2019-07&to=2019-09"])
def test_district_names_never_lie_under_hotspot_numbers(
    browser: Any, mersey: tuple[str, dict[str, str]], width: int, path: str
) -> None:
    """Before: on the force's first view "Liverpool" was drawn under the pile of hotspot
    numbers in the city centre ("…verpool" on the briefing's map) and "St. Helens" under
    number 21; now a name that would touch a number is moved to a free place beside its own.
    Jul-Sep 2019 has stop-and-search clusters too ("…owsley" under the 977 searches' circle)."""
    url, names = mersey
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, names["analyst"])
        page.goto(url + path)
        frame = page.wait_for_selector("iframe.map-frame").content_frame()
        frame.wait_for_selector(".hs-rank", state="attached")
        found = label_clashes(frame)
        assert found["ranks"] >= 24 and found["names"] == 5, found
        assert found["clashes"] == [] and found["hidden"] == [], found
        page.locator("iframe.map-frame").screenshot(
            path=str(
                SCREENSHOTS / f"another-force-names{re.sub(r'[/?&=]', '-', path)}-{width}px.png"
            )
        )
    finally:
        context.close()


# -- each audience on a phone: the steps (fields filled, taps) are counted and bounded -----------


class Steps:
    """A phone user's steps: each field filled, option chosen or tap is one."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def fill(self, label: str, text: str) -> None:
        self.page.get_by_label(label, exact=True).fill(text)
        self.count += 1

    def choose(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).select_option(value)
        self.count += 1

    def tap(self, target: Any) -> None:
        target.tap()
        self.count += 1

    def sign_in(self, url: str, name: str) -> None:
        self.page.goto(url + "/")
        self.fill("Username", name)
        self.fill("Password", PASSWORD)
        self.tap(self.page.get_by_role("button", name="Sign in"))
        self.page.wait_for_url(signed_in)


def _usable(page: Any, width: int, name: str) -> None:
    """Within the screen, axe-clean, every control (the map's too) at least 24 px; a shot."""
    _fits(page, width)
    assert small_targets(page) == []
    for frame in page.query_selector_all("iframe.map-frame"):
        inner = frame.content_frame()
        inner.wait_for_selector(".hs-rank", state="attached")
        assert small_targets(inner) == []
    _shot(page, name, width)


def _download(page: Any, steps: Steps, link: Any) -> bytes:
    with page.expect_download() as info:
        steps.tap(link)
    return Path(info.value.path()).read_bytes()


def test_the_sergeant_on_a_phone_taps_to_the_gpx(
    browser: Any, mersey: tuple[str, dict[str, str]]
) -> None:
    url, names = mersey
    context = download_context(browser, url, 360)
    page = context.new_page()
    try:
        steps = Steps(page)
        steps.sign_in(url, names["officer"])
        assert page.url == url + "/patrol"  # the officer's home: no map, no menu first
        places = page.locator(".place-list li")
        assert places.count() == 10
        _usable(page, 360, "phone-sergeant")
        gpx = _download(page, steps, page.get_by_role("link", name="GPX for map apps"))
        waypoints = list(ET.fromstring(gpx).iter(f"{{{GPX_NS}}}wpt"))
        names_shown = page.locator(".place-list .place-name").all_inner_texts()
        assert [w.findtext(f"{{{GPX_NS}}}name") for w in waypoints] == names_shown
        # sign in (2 fields, 1 tap), the file: 4 steps (5 when the map came first), no more
        assert steps.count == 4, steps.count
    finally:
        context.close()


def test_the_commissioner_on_a_phone_gets_the_briefing_and_the_same_figures_in_the_pdf(
    browser: Any, mersey: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, names = mersey
    context = download_context(browser, url, 360)
    page = context.new_page()
    try:
        steps = Steps(page)
        steps.sign_in(url, names["commissioner"])
        assert page.url == url + "/briefing"  # the office's home (Access.home): no menu tap
        lines = page.locator(".district-lines li").all_inner_texts()
        headline = " ".join(page.locator(".headline").inner_text().split())
        _usable(page, 360, "phone-commissioner")
        # the tables' figures on the screen, not scrolled out of a phone's view
        outside = page.evaluate(
            """() => Array.from(document.querySelectorAll('.briefing td'))
                 .filter(e => { const r = e.getBoundingClientRect();
                                return r.width > 0 && r.right > innerWidth; }).length"""
        )
        assert outside == 0
        # the chart's words and figures drawn at least 9 px high, none on another
        drawn, smallest, overlaps = text_problems(page, "svg.trend text")
        assert drawn >= 6 * 2 and smallest >= 9 and overlaps == [], (drawn, smallest, overlaps)
        # the chart's key names only what the chart draws (six months: no "other months")
        assert page.locator(".briefing .legend").inner_text().split() == (
            ["Oct–Dec", "2019", "Jul–Sep", "2019"]
        )
        pdf = tmp_path / "briefing.pdf"
        pdf.write_bytes(_download(page, steps, page.get_by_role("link", name="download PDF")))
        text = " ".join(
            subprocess.run(
                ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
            ).stdout.split()
        )
        # the page's headline, word for word, and every count of its district lines (the PDF
        # gives each district's change as a count, the page as a percentage)
        assert headline.rstrip(".") in text, text[:500]
        counts = re.findall(r"\((\d[\d,]*) vs (\d[\d,]*)\)", " ".join(lines))
        assert len(counts) == 5
        assert [c for pair in counts for c in pair if c not in text] == []
        # sign in (3), the file (5 when the map came first and the briefing was on the menu)
        assert steps.count == 4, steps.count
    finally:
        context.close()


def test_the_analyst_on_a_phone_changes_the_period_and_exports_what_the_page_shows(
    browser: Any, mersey: tuple[str, dict[str, str]]
) -> None:
    url, names = mersey
    context = download_context(browser, url, 360)
    page = context.new_page()
    try:
        steps = Steps(page)
        steps.sign_in(url, names["analyst"])
        steps.choose("From", "2019-07")
        steps.choose("To", "2019-09")
        steps.tap(page.locator("main form.filters").get_by_role("button", name="Update"))
        page.wait_for_url("**from=2019-07*")
        headline = page.locator(".headline").inner_text()
        assert headline.startswith("3,069 drug offences in Jul–Sep 2019")
        table = page.locator("section[aria-labelledby=hotspots-heading] tbody tr")
        first_offences = table.first.locator("td").nth(3).inner_text()
        _usable(page, 360, "phone-analyst")
        # the top hotspots' figures on the screen, not scrolled out of a phone's view
        outside = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 'section[aria-labelledby=hotspots-heading] td'))
                 .filter(e => { const r = e.getBoundingClientRect();
                                return r.width > 0 && r.right > innerWidth; }).length"""
        )
        assert outside == 0
        downloads = page.locator(".downloads li")
        hotspots = _download(
            page, steps, downloads.filter(has_text="Hotspots").get_by_role("link", name="CSV")
        )
        wards = _download(
            page, steps, downloads.filter(has_text="Wards").get_by_role("link", name="CSV")
        )
        rows = list(csv.DictReader(io.StringIO(hotspots.decode("utf-8-sig"))))
        assert rows[0]["rank"] == "1" and rows[0]["offences"] == first_offences
        ward_rows = csv.DictReader(io.StringIO(wards.decode("utf-8-sig")))
        assert f"{sum(int(r['offence_count']) for r in ward_rows):,}" == headline.split()[0]
        frame = page.wait_for_selector("iframe.map-frame").content_frame()
        layer = frame.get_by_text(re.compile(r"^ ?Hotspots, Jul–Sep 2019 \(\d+\)")).inner_text()
        assert f"({len(rows)})" in layer
        # sign in (3), the period (2 choices, 1 tap), two files
        assert steps.count == 8, steps.count
    finally:
        context.close()


def test_the_analyst_on_a_phone_reads_each_wards_change(
    browser: Any, mersey: tuple[str, dict[str, str]]
) -> None:
    """Before: at 360 px the compare page's ward table showed the ward, the district and the
    first count; the later count and the change (the point of the page) were out of view."""
    url, names = mersey
    context = download_context(browser, url, 360)
    page = context.new_page()
    try:
        steps = Steps(page)
        steps.sign_in(url, names["analyst"])
        steps.tap(page.get_by_role("link", name="Compare periods"))
        page.wait_for_url("**/compare*")
        outside = page.evaluate(
            """() => Array.from(document.querySelectorAll('main td'))
                 .filter(e => { const r = e.getBoundingClientRect();
                                return r.width > 0 && r.right > innerWidth; }).length"""
        )
        assert outside == 0
        first = page.locator("main tbody tr").first
        said = " ".join(first.inner_text().split())
        cells = first.locator("td")
        headers = page.locator("main thead th").all_inner_texts()
        assert [" ".join(h.split()) for h in headers] == [
            "Ward (district)", "Jul–Sep 2019", "Oct–Dec 2019", "Change"
        ]  # fmt: skip
        then, now, change = (cells.nth(i).inner_text() for i in (1, 2, 3))
        assert int(now) - int(then) == int(change), said
        # one row a ward: the table no longer runs to 20,000 px on a phone
        rows = page.locator("main tbody tr").count()
        height = page.locator("main table").last.bounding_box()["height"]
        assert height < 75 * rows, (height, rows)
        _usable(page, 360, "phone-analyst-compare")
        assert steps.count == 4, steps.count
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_merseysides_briefing_says_its_dates_in_words_on_the_page_and_in_the_pdf(
    browser: Any, mersey: tuple[str, dict[str, str]], merseyside_store: Store, width: int
) -> None:
    """In a browser set to US English (its own dates: mm/dd/yyyy), the real store's briefing
    writes its dates server-side in one UK form, and its PDF says the same words and figures."""
    from hotspots.dates import day_words

    url, names = mersey
    context = browser.new_context(
        viewport={"width": width, "height": PHONE_HEIGHT if width < 600 else 900},
        is_mobile=width < 600,
        locale="en-US",
        accept_downloads=True,
    )
    external: list[str] = []
    context.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(url)
            else (external.append(r.request.url), r.abort())
        ),
    )
    page = context.new_page()
    try:
        sign_in_page(page, url, names["commissioner"])
        page.goto(url + "/briefing")
        updated = day_words(merseyside_store.manifest()["updated"])
        said = f"Data to Dec 2019; store updated {updated}"
        assert said in " ".join(page.locator(".meta").inner_text().split())
        options = page.locator("select[name=to] option").all_inner_texts()
        assert options[-1] == "Dec 2019" and all(
            re.fullmatch(r"[A-Z][a-z]{2} \d{4}", o) for o in options
        )
        line = page.locator(".district-lines li").first.inner_text()
        with page.expect_download() as info:
            page.get_by_role("link", name="download PDF").click()
        pdf = Path(info.value.path())
        text = " ".join(
            subprocess.run(
                ["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
            ).stdout.split()
        )
        assert said in text
        # the district's figures: the page's sentence, the PDF's table row
        match = re.fullmatch(r"(\w+): .* \(([\d,]+) vs ([\d,]+)\)\.", line)
        assert match, line
        assert f"{match[1]} {match[2]} {match[3]}" in text, line
        assert not re.search(r"\b\d{4}-\d{2}\b", page.locator("main").inner_text())
        assert external == []
    finally:
        context.close()
