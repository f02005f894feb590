"""The commissioner's briefing on another force (Merseyside 2019, real data): its headline
figures by district and ward are the figures recounted by hand from the police.uk CSVs, and a
period whose comparison months are only partly held names what is held, never a 0 or a change.

The recount is independent of the store: pandas reads the street CSVs, keeps ``Drugs`` rows with
a location and geopandas joins them to the ONS wards (``intersects``).
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import REAL, AppFactory

pytestmark = pytest.mark.realdata

MERSEY = REAL / "police_uk" / "merseyside" / "street"
WARDS = REAL / "boundaries" / "merseyside_dec2023_bsc" / "merseyside_wards_dec2023_bsc.geojson"


@pytest.fixture(scope="module")
def recount() -> pd.DataFrame:
    """Drug offences per ward and month, counted from the CSVs by hand."""
    rows = pd.concat(pd.read_csv(f) for f in sorted(MERSEY.glob("2019-*.csv")))
    rows = rows[(rows["Crime type"] == "Drugs") & rows["Longitude"].notna()]
    points = gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows["Longitude"], rows["Latitude"]), crs=4326
    )
    wards = gpd.read_file(WARDS)[["WD23NM", "LAD23NM", "geometry"]]
    joined = gpd.sjoin(points, wards, predicate="intersects", how="inner")
    return joined.groupby(["LAD23NM", "WD23NM", "Month"]).size().rename("n").reset_index()


@pytest.fixture(scope="module")
def commissioner(merseyside_store: Store, app_factory: AppFactory, tmp_path_factory: Any) -> Any:
    users = tmp_path_factory.mktemp("mersey-users") / "users.sqlite3"
    app = app_factory(merseyside_store.path, USERS_DB=str(users), WARM_PRESETS=0)
    return client_as(app, "commissioner")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _sum(recount: pd.DataFrame, months: tuple[str, ...], **where: str) -> int:
    rows = recount[recount["Month"].isin(months)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return int(rows["n"].sum())


OND, JAS = ("2019-10", "2019-11", "2019-12"), ("2019-07", "2019-08", "2019-09")


def test_each_districts_headline_is_the_hand_count(
    commissioner: Any, recount: pd.DataFrame
) -> None:
    """Before: the briefing gave the force's headline only; a district's was nowhere."""
    page = commissioner.get("/briefing?from=2019-10&to=2019-12")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "Drug offences by district" in text
    districts = sorted(set(recount["LAD23NM"]))
    assert len(districts) == 5
    for name in districts:
        now, then = _sum(recount, OND, LAD23NM=name), _sum(recount, JAS, LAD23NM=name)
        pct = round(abs(100 * (now - then) / then))
        word = "more" if now > then else "fewer"
        sentence = (
            f"{name}: {pct}% {word} drug offences in Oct–Dec 2019 than in Jul–Sep 2019 "
            f"({now:,} vs {then:,})."
        )
        assert sentence in text, sentence
    # e.g. Liverpool 1,808 vs 1,500: 21% more (worked out from the CSVs, 2019)
    assert "Liverpool: 21% more drug offences" in text
    # the wards' figures in the same page are the hand counts too
    for ward in ("City Centre North", "Brownlow Hill", "Linacre"):
        now, then = _sum(recount, OND, WD23NM=ward), _sum(recount, JAS, WD23NM=ward)
        assert f"{ward} (Liverpool) {now:,} {then:,} {now - then:+,}" in text or (
            f"{ward} (Sefton) {now:,} {then:,} {now - then:+,}" in text
        ), ward


def test_a_comparison_partly_held_names_its_months_never_a_change(commissioner: Any) -> None:
    """Aug-Oct 2019 against May-Jul 2019: only July of the comparison is held, and the
    searches only Aug and Sep. Before: "no data for May–Jul 2019" beside a chart of July's
    1,088 offences; "No data is held for the comparison period May–Jul 2019"."""
    text = _text(commissioner.get("/briefing?from=2019-08&to=2019-10").get_data(as_text=True))
    assert "No comparison with May–Jul 2019: drug offence records held for Jul 2019 only" in text
    assert "No data is held for the comparison period" not in text
    assert (  # the headline too (the map page's and hotspots analyse's)
        "3,037 drug offences in Aug–Oct 2019; no data for the comparison period May–Jul 2019 "
        "(drug offence records held for Jul 2019 only)." in text
    )
    assert "stop-and-search records held for Aug–Sep 2019 only" in text
    assert (
        "Liverpool: 1,566 drug offences in Aug–Oct 2019; no comparison with May–Jul 2019 "
        "(drug offence records held for Jul 2019 only)." in text
    )
    assert not re.search(r"Liverpool: [^.]*(more|fewer|%)", text)


@pytest.mark.parametrize(
    ("period", "liverpool"),
    [
        (OND, "Liverpool 1,808 1,500 +308"),
        (("2019-08", "2019-09", "2019-10"), "Liverpool 1,566 – –"),
    ],
)
def test_the_pdf_lists_each_district_and_every_word_fits(
    commissioner: Any, tmp_path: Any, period: tuple[str, ...], liverpool: str
) -> None:
    """The PDF's district table holds the page's figures ("–" where there is none), and the
    notes below it still end above the footer, every word clear of the others."""
    from tests.test_briefing_legible import _laid_out, _text, _words

    answer = commissioner.get(f"/briefing.pdf?from={period[0]}&to={period[-1]}")
    assert answer.status_code == 200
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(answer.get_data())
    text = _text(pdf)
    assert "Drug offences by district" in text
    assert liverpool in text
    for name in ("Sefton", "Knowsley", "Wirral", "St. Helens"):
        assert re.search(rf"{re.escape(name)} [\d,]+ ", text), name
    _laid_out(_words(pdf))
