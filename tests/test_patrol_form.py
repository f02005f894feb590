"""The patrol plan's form offers an officer only areas they may plan for: every district and
ward it lists answers a plan, never a 403 (Merseyside walkthrough: a sergeant scoped to two
Liverpool wards was offered "One district: Liverpool", which answered "Not available to your
role").
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import ClientFor

#: Two Peterborough wards (Bretton, Central); Peterborough (E06000031) has more.
TWO_WARDS = ("E05010806", "E05010807")
PETERBOROUGH = "E06000031"


def _options(html: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return [] if found is None else re.findall(r'<option value="([^"]+)"', found.group(1))


@pytest.mark.parametrize("scope", [TWO_WARDS, (PETERBOROUGH,)], ids=["wards", "district"])
def test_every_area_the_form_offers_an_officer_answers_a_plan(
    client_for: ClientFor, scope: tuple[str, ...]
) -> None:
    client = client_for("officer", scope)
    page = client.get("/patrol?rank=hotspots")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    districts = _options(html, "district")
    wards = _options(html, "wards")
    radios = re.findall(r'<input type="radio" id="area-(\w+)"', html)
    if scope == TWO_WARDS:
        # no district lies wholly in two wards: no district choice at all
        assert districts == [] and "district" not in radios
        assert sorted(wards) == sorted(TWO_WARDS)
    else:
        assert districts == [PETERBOROUGH] and "district" in radios
    for code in districts:
        answer = client.get(f"/patrol?rank=hotspots&area=district&district={code}")
        assert answer.status_code == 200, code
    answer = client.get(f"/patrol?rank=hotspots&area=wards&wards={wards[0]}")
    assert answer.status_code == 200


def test_the_forecast_plan_says_how_it_is_ordered_and_names_its_month_in_words(
    client_for: ClientFor,
) -> None:
    """Before: a plan ranked by the forecast was headed "Places, busiest first" (for screen
    readers) though its second place had more offences than its first (Merseyside: 96 after
    76), and its headline said "forecast from the drug offences to 2019-12"."""
    html = client_for("officer", TWO_WARDS).get("/patrol").get_data(as_text=True)
    heading = re.search(r'<h2 id="list-heading"[^>]*>([^<]*)</h2>', html)
    assert heading is not None and heading.group(1) == "Places, most expected first"
    headline = re.search(r'<p class="headline">(.*?)</p>', html, re.S)
    assert headline is not None
    assert "forecast from the drug offences to Dec 2025." in " ".join(headline.group(1).split())
    assert not re.search(r"\b20\d\d-\d\d\b", re.sub(r"<[^>]+>", "", headline.group(1)))
    hotspots = client_for("officer", (PETERBOROUGH,)).get("/patrol?rank=hotspots")
    hotspots = hotspots.get_data(as_text=True)
    assert '<h2 id="list-heading" class="visually-hidden">Places, busiest first</h2>' in hotspots
