"""Dates as a person reads them, whatever the browser's language (Debian's Chromium set to
US English, whose own date format is mm/dd/yyyy): every page writes its dates and months
server-side in one UK form (``hotspots.dates``: "7 December 2026", "Sep 2025"), and the
briefing's PDF says the same words and figures as its page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hotspots.dates import day_words
from hotspots.store import Store
from tests.e2e.browsing import BrowsedPage, browsed_page
from tests.e2e.test_browser import axe_violations, report

#: A month or a day as a machine writes it: what no page's visible text should hold.
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")
#: A month select's option: "Sep 2025".
MONTH_OPTION = re.compile(r"[A-Z][a-z]{2} \d{4}")


@pytest.fixture
def us_page(
    browser: Any,
    live_server: str,
    viewport_width: int,
    role: str,
    signed_in_states: Callable[[str], Any],
) -> Iterator[BrowsedPage]:
    """A page as ``role`` in a browser whose language is US English."""
    with browsed_page(
        browser, live_server, viewport_width, signed_in_states(role), locale="en-US"
    ) as browsed:
        yield browsed


def _visible_text(page: BrowsedPage) -> str:
    return str(page.page.locator("main").inner_text())


def _month_options(page: BrowsedPage) -> list[str]:
    return [
        t.strip()
        for t in page.page.locator(
            "select[name=from] option, select[name=to] option"
        ).all_inner_texts()
    ]


@pytest.mark.parametrize("role", ["analyst"])
@pytest.mark.parametrize("viewport_width", [360, 1280])
@pytest.mark.parametrize("path", ["/", "/compare", "/briefing", "/patrol"])
def test_no_page_leaves_a_date_to_the_browser(
    us_page: BrowsedPage, viewport_width: int, role: str, path: str
) -> None:
    us_page.goto(path)
    assert us_page.page.locator("input[type=date], input[type=month]").count() == 0
    options = _month_options(us_page)
    assert options, "the page's period form lists months"
    assert all(MONTH_OPTION.fullmatch(o) for o in options), options
    text = _visible_text(us_page)
    assert ISO_DATE.findall(text) == [], [m.group(0) for m in ISO_DATE.finditer(text)]
    us_page.clean()


@pytest.mark.parametrize("role", ["commissioner"])
@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_the_briefing_page_and_its_pdf_say_the_same_dates_and_figures(
    us_page: BrowsedPage, viewport_width: int, role: str, live_store: Path, tmp_path: Path
) -> None:
    updated = Store(live_store).manifest()["updated"]
    said = f"Data to Dec 2025; store updated {day_words(updated)}"  # e.g. 7 December 2026
    us_page.goto("/briefing")
    p = us_page.page
    meta = " ".join(p.locator("main p.meta").first.inner_text().split())
    assert said in meta
    headline = " ".join(p.locator("main .headline").first.inner_text().split())
    assert re.fullmatch(r"\d+% (more|fewer) drug offences in Oct–Dec 2025 than in Jul–Sep 2025 "
                        r"\([\d,]+ vs [\d,]+\)\.", headline), headline  # fmt: skip
    # the chart's months: words, the year under the first month only
    ticks = p.locator("svg.trend text").evaluate_all("els => els.map(e => e.textContent)")
    assert "Jan" in ticks and "2025" in ticks and not any(ISO_DATE.search(t) for t in ticks)
    assert axe_violations(p) == [], report(axe_violations(p))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    with p.expect_download() as info:
        p.get_by_role("link", name="download PDF").click()
    pdf = tmp_path / "briefing.pdf"
    info.value.save_as(pdf)
    text = " ".join(subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout.split())  # fmt: skip
    assert said in text and headline in text
    assert ISO_DATE.findall(text) == []
    us_page.clean()


@pytest.mark.parametrize("role", ["admin"])
@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_an_admin_filters_the_audit_log_by_a_day_written_in_words(
    us_page: BrowsedPage, viewport_width: int, role: str
) -> None:
    today = day_words(datetime.now(UTC).date())  # the sign-ins of this test session
    us_page.goto("/admin/audit")
    p = us_page.page
    assert p.locator("input[type=date]").count() == 0  # the browser's own format: mm/dd/yyyy
    p.get_by_label("From (UTC day)").fill(today)
    p.get_by_label("To (UTC day, included)").fill(today)
    p.get_by_role("button", name="Show").click()
    p.wait_for_url("**/admin/audit?*")
    when = p.locator("tbody td[data-label=When]").all_inner_texts()
    assert when and all(w.startswith(today + ", ") and w.endswith(" UTC") for w in when), when
    assert p.get_by_label("From (UTC day)").input_value() == today  # kept as written
    assert axe_violations(p) == [], report(axe_violations(p))
    us_page.clean()
