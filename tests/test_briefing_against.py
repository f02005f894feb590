"""The briefing's comparison choice (``against``): the period before, or the same months a year
before, on every output (page, PDF, PNG) from the one view (:func:`web.briefing.briefing_view`).

A hand-made store of two years in the toy wards, drug offences per month worked out by hand:
Apr-Jun 2024: 3 + 3 + 4 = 10; Jul-Dec 2024: 2 a month; Jan-Mar 2025: 4 a month = 12;
Apr-Jun 2025: 5 a month = 15. So Apr-Jun 2025 is 25% more than Jan-Mar 2025 (15 vs 12) and
50% more than Apr-Jun 2024 (15 vs 10).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from tests.accounts import client_as
from tests.helpers import AppFactory, store_of_rows, street_row

PER_MONTH = {"2024-04": 3, "2024-05": 3, "2024-06": 4}
PER_MONTH |= {f"2024-{m:02d}": 2 for m in range(7, 13)}
PER_MONTH |= {f"2025-{m:02d}": 4 for m in (1, 2, 3)} | {f"2025-{m:02d}": 5 for m in (4, 5, 6)}
Q2 = "from=2025-04&to=2025-06"
YEAR = "50% more drug offences in Apr–Jun 2025 than in Apr–Jun 2024 (15 vs 10)"
PREVIOUS = "25% more drug offences in Apr–Jun 2025 than in Jan–Mar 2025 (15 vs 12)"


@pytest.fixture(scope="module")
def two_years(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        street_row(f"{month}-{i}", 500300 + 20 * i, 200300, month=month)  # ward Alpha
        for month, n in PER_MONTH.items()
        for i in range(n)
    ]
    return store_of_rows(rows, toy_boundaries, tmp_path_factory.mktemp("two_years"))


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, two_years: Path) -> Flask:
    return app_factory(two_years, TESTING=True, WARM_PRESETS=0)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    (tmp_path / "b.pdf").write_bytes(data)
    out = subprocess.run([tool, "-raw", str(tmp_path / "b.pdf"), "-"], capture_output=True)
    return " ".join(out.stdout.decode().split())


@pytest.mark.parametrize("role", ["analyst", "commissioner"])
def test_year_before_on_page_and_pdf(app: Flask, role: str, tmp_path: Path) -> None:
    client = client_as(app, role)
    html = client.get(f"/briefing?{Q2}&against=year").get_data(as_text=True)
    assert YEAR in html
    assert PREVIOUS not in html
    assert 'href="/briefing.pdf?from=2025-04&amp;to=2025-06&amp;against=year"' in html
    assert '<option value="year" selected>' in html
    response = client.get(f"/briefing.pdf?{Q2}&against=year")
    assert response.status_code == 200
    assert "vs-2024-04_2024-06" in response.headers["Content-Disposition"]
    assert YEAR in _pdf_text(response.data, tmp_path)
    png = client.get(f"/briefing.png?{Q2}&against=year")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_previous_is_the_default_and_not_served_from_the_year_cache(app: Flask) -> None:
    client = client_as(app, "analyst")
    year = client.get(f"/briefing?{Q2}&against=year")
    for query in (Q2, f"{Q2}&against=previous", f"{Q2}&against="):
        response = client.get(f"/briefing?{query}")
        html = response.get_data(as_text=True)
        assert PREVIOUS in html and YEAR not in html
        assert response.headers["ETag"] != year.headers["ETag"]


def test_a_bad_against_is_a_400_naming_the_field_and_values(app: Flask) -> None:
    client = client_as(app, "analyst")
    for path in ("/briefing", "/briefing.pdf", "/briefing.png"):
        response = client.get(f"{path}?{Q2}&against=month")
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "against" in text and "previous, year" in text


def test_demo_store_has_no_year_before(app_factory: AppFactory, tmp_path: Path) -> None:
    client = client_as(app_factory(TESTING=True, WARM_PRESETS=0), "commissioner")
    html = client.get("/briefing?from=2025-04&to=2025-06&against=year").get_data(as_text=True)
    assert "Apr–Jun 2024" in html
    assert "No comparison with Apr–Jun 2024" in html
    assert "than in Apr–Jun 2024" not in html
    pdf = client.get("/briefing.pdf?from=2025-04&to=2025-06&against=year")
    text = _pdf_text(pdf.data, tmp_path)
    assert "Apr–Jun 2024" in text and "than in Apr–Jun 2024" not in text
