"""The commissioner's briefing: figures hand-checked on the demo data, the page, PNG and PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from hotspots.analysis import analyse, store_months
from hotspots.briefing import (
    ATTRIBUTION,
    BriefingError,
    briefing_figures,
    briefing_image,
    monthly_counts,
    trend_months,
)
from hotspots.periods import Period
from hotspots.render import external_urls
from hotspots.store import Store
from tests.helpers import AppFactory
from web.briefing import bp

AUTUMN = "from=2025-09&to=2025-11"


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    app = app_factory(TESTING=True, PROTECTIVE_MARKING="OFFICIAL-SENSITIVE")
    if "briefing" not in app.blueprints:  # until web/__init__.py registers it
        app.register_blueprint(bp)
    return app


def _figures(store: Store, start: str, end: str) -> tuple[object, dict]:
    analysis = analyse(store, Period.months(start, end))
    months = trend_months(analysis.period, analysis.compare_to, store_months(store))
    monthly = monthly_counts(store.load(columns=["layer", "month"]), months)
    return analysis, briefing_figures(analysis, monthly=monthly, wards_vintage="December 2023")


@pytest.fixture(scope="module")
def autumn(demo_store: Store) -> tuple[object, dict]:
    return _figures(demo_store, "2025-09", "2025-11")


# -- figures --------------------------------------------------------------------------------------


def test_headline_figures_match_the_demo_data(demo_store: Store, autumn: tuple) -> None:
    _, f = autumn
    assert f["period"] == "Sep–Nov 2025" and f["compare_to"] == "Jun–Aug 2025"
    assert f["offences"]["count"] == 1125 and f["offences"]["prev"] == 593
    assert f["offences"]["change"] == 532
    assert round(f["offences"]["change_pct"]) == 90
    raids = demo_store.load(layers=["raid"])
    raids = raids[raids["month"].isin(["2025-09", "2025-10", "2025-11"])]
    assert f["raids"]["count"] == len(raids) == 71
    assert f["raids"]["arrests"] == int(raids["arrests"].sum()) == 110
    assert f["raids"]["seizure_gbp"] == float(raids["seizure_gbp"].sum()) == 1_003_560.0
    assert f["raids"]["synthetic"] is True
    assert f["cards"][2]["tag"] == "SYNTHETIC"
    # The demo holds stop-and-search for July 2025 only: say so, never "0%".
    assert f["searches"]["has_data"] is False and f["searches"]["action_rate"] is None
    assert f["cards"][1]["value"] == "No data"
    assert "90% more drug offences" in f["headline"]


def test_search_outcome_rates_in_july(demo_store: Store) -> None:
    _, f = _figures(demo_store, "2025-07", "2025-07")
    s = f["searches"]
    # 153 searches: 95 no further action, 31 arrests, 16 community resolutions, 10 cautions, 1
    # summons -> 58 with an action (37.9%), 31 arrests (20.3%).
    assert (s["count"], s["with_outcome"], s["action"], s["arrests"]) == (153, 153, 58, 31)
    assert s["action_rate"] == pytest.approx(100 * 58 / 153)
    assert s["arrest_rate"] == pytest.approx(100 * 31 / 153)
    assert f["cards"][1]["detail"].startswith("38% led to action")


def test_monthly_trend_and_movers(autumn: tuple) -> None:
    _, f = autumn
    by_month = {r["month"]: r for r in f["monthly"]}
    assert next(iter(by_month)) == "2025-01"  # 12 months to Nov 2025, as far as the store goes
    assert sum(by_month[m]["offences"] for m in ("2025-09", "2025-10", "2025-11")) == 1125
    assert sum(by_month[m]["offences"] for m in ("2025-06", "2025-07", "2025-08")) == 593
    assert by_month["2025-10"]["part"] == "period" and by_month["2025-07"]["part"] == "comparison"
    assert by_month["2025-01"]["part"] == "other"
    assert [w["ward_name"] for w in f["rising"][:2]] == ["Werrington", "Central"]
    assert f["rising"][0]["change"] == 61
    assert all(w["change"] < 0 for w in f["falling"])
    assert len(f["hotspots"]) <= 5 and f["hotspots"][0]["rank"] == 1
    caveats = " ".join(f["caveats"])
    for words in (
        "police activity as well as offending",
        "approximate",
        "December 2023",
        "SYNTHETIC",
    ):
        assert words in caveats


def test_monthly_counts_fills_months_without_events(demo_store: Store) -> None:
    table = monthly_counts(demo_store.load(columns=["layer", "month"]), ["2025-06", "2025-07"])
    assert table.loc["2025-07", "searches"] == 153 and table.loc["2025-06", "searches"] == 0
    assert table.loc["2025-06", "label"] == "Jun 2025"
    with pytest.raises(BriefingError, match="lack column"):
        monthly_counts(demo_store.load(columns=["month"]), ["2025-06"])


def test_monthly_counts_count_drug_events_only_in_a_store_of_every_crime_type() -> None:
    """A store ingested with --all-crime-types: the trend counts what the headline counts (the
    chart once showed ~6,500 "drug offences" a month on Cambridgeshire 2025: every crime)."""
    events = pd.DataFrame(
        {
            "layer": ["offence", "offence", "offence", "search", "search", "raid"],
            "month": ["2025-07"] * 6,
            "category": ["Drugs", "Burglary", "Drugs", "Controlled drugs", "Stolen goods", None],
        }
    )
    table = monthly_counts(events, ["2025-07"])
    assert table.loc["2025-07", ["offences", "searches", "raids"]].tolist() == [2, 1, 1]


# -- image ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def autumn_png(autumn: tuple) -> bytes:
    analysis, f = autumn
    return briefing_image(analysis, f, marking="OFFICIAL", data_date="Data to Dec 2025")


def test_png_is_an_a4_landscape_page_and_not_blank(autumn_png: bytes) -> None:
    image = Image.open(io.BytesIO(autumn_png))
    assert image.format == "PNG"
    width, height = image.size
    assert width > 1600 and width / height == pytest.approx(2**0.5, rel=0.01)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 500  # map, chart, text: not a blank page


def test_images_are_identical_on_rerender(autumn: tuple, autumn_png: bytes) -> None:
    analysis, f = autumn
    again = briefing_image(analysis, f, marking="OFFICIAL", data_date="Data to Dec 2025")
    assert again == autumn_png
    pdfs = [
        briefing_image(analysis, f, marking="OFFICIAL", data_date="x", fmt="pdf") for _ in (1, 2)
    ]
    assert pdfs[0] == pdfs[1]
    other = briefing_image(analysis, f, marking="OFFICIAL-SENSITIVE", data_date="Data to Dec 2025")
    assert other != autumn_png  # the marking is drawn


def test_pdf_is_one_page_with_its_text(autumn: tuple) -> None:
    analysis, f = autumn
    pdf = briefing_image(analysis, f, marking="OFFICIAL", data_date="x", fmt="pdf")
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)", pdf)
    assert box is not None
    assert float(box[1]) == pytest.approx(841.7, abs=1) and float(box[2]) == pytest.approx(
        595.4, abs=1
    )  # A4 landscape in points
    assert b"CreationDate" not in pdf


def test_image_rejects_a_bad_format_or_crs(autumn: tuple) -> None:
    analysis, f = autumn
    with pytest.raises(BriefingError, match="expected 'png' or 'pdf'"):
        briefing_image(analysis, f, marking="M", data_date="d", fmt="svg")  # type: ignore[arg-type]
    with pytest.raises(BriefingError, match="expected EPSG:27700"):
        briefing_image(analysis, f, marking="M", data_date="d", wards=analysis.wards.to_crs(4326))


# -- web ------------------------------------------------------------------------------------------


def test_briefing_page(client: FlaskClient) -> None:
    response = client.get(f"/briefing?{AUTUMN}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Drug crime briefing: Sep–Nov 2025" in html
    assert "90% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (1,125 vs 593)" in html
    assert html.count("OFFICIAL-SENSITIVE") >= 2  # top and bottom
    assert "1,125" in html and "£1,003,560" in html and "SYNTHETIC" in html
    assert "police activity as well as offending" in html
    assert "Open Government Licence v3.0" in html
    assert 'href="/briefing.pdf?from=2025-09&amp;to=2025-11"' in html
    assert "print.css" in html and "<svg" in html and "Werrington" in html
    assert external_urls(html) == []
    etag = response.headers["ETag"]
    assert client.get(f"/briefing?{AUTUMN}", headers={"If-None-Match": etag}).status_code == 304


def test_print_stylesheet_is_a4_landscape_and_hides_forms(client: FlaskClient) -> None:
    with client.get("/static/print.css") as response:  # closes the static file
        css = response.get_data(as_text=True)
    assert "size: A4 landscape" in css
    assert re.search(r"@media print \{[^@]*@page", css)
    assert "nav, form" in css


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")])
def test_downloads(client: FlaskClient, fmt: str, magic: bytes) -> None:
    response = client.get(f"/briefing.{fmt}?{AUTUMN}")
    assert response.status_code == 200
    assert response.data.startswith(magic)
    assert response.mimetype == {"png": "image/png", "pdf": "application/pdf"}[fmt]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="drug-briefing-2025-09_2025-11.{fmt}"'
    )
    again = client.get(
        f"/briefing.{fmt}?{AUTUMN}", headers={"If-None-Match": response.get_etag()[0]}
    )
    assert again.status_code == 304


def test_a_bad_period_is_a_400_as_on_the_map_page(client: FlaskClient) -> None:
    for path in ("/briefing", "/briefing.png", "/briefing.pdf"):
        response = client.get(f"{path}?from=2025-13")
        assert response.status_code == 400
        assert "2025-13" in response.get_data(as_text=True)
    assert client.get("/briefing?from=2024-01&to=2024-03").status_code == 400
    assert client.get("/briefing?from=2025-11&to=2025-09").status_code == 400


def test_no_comparison_data_is_said_not_read_as_zero(client: FlaskClient) -> None:
    html = client.get("/briefing?from=2025-01&to=2025-03").get_data(as_text=True)
    assert "no data for the comparison period Oct–Dec 2024" in html
    assert "No comparison" in html


def test_attribution_constant() -> None:
    assert "Open Government Licence v3.0" in ATTRIBUTION and "OS data" in ATTRIBUTION


def test_pdf_renders_to_a_page_that_is_not_blank(autumn: tuple, tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install poppler-utils (pdftoppm) to check the PDF briefing")
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    analysis, f = autumn
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(briefing_image(analysis, f, marking="OFFICIAL", data_date="x", fmt="pdf"))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    with Image.open(pages[0]) as image:
        assert image.width > image.height  # landscape
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200  # drawn, not an empty page


def test_briefing_page_states_the_forecast_check(client: FlaskClient) -> None:
    html = client.get("/briefing?from=2025-09&to=2025-11").get_data(as_text=True)
    match = re.search(r"Forecast check:.*?PAI of ([\d.]+) at a patrol area of ([\d.]+) km", html)
    assert match and float(match[1]) > 1 and float(match[2]) > 0
