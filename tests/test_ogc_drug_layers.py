"""OGC API – Features on a store of every crime type (``--all-crime-types``, as the significance
test needs): the "Drug offences" collection holds the drug offences the maps count, and the
searches collection the searches for controlled drugs, never every crime and search
(Merseyside walkthrough: QGIS showed 42,283 "Drug offences" for Oct-Dec 2019, the map 3,103).
Real data: Merseyside's street and stop-and-search files of Sep 2019.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from hotspots.tokens import issue_token
from hotspots.users import UserStore
from tests.accounts import client_as, ensure_user
from tests.helpers import REAL, AppFactory

pytestmark = pytest.mark.realdata

MERSEY = REAL / "police_uk" / "merseyside"
BOUNDS = REAL / "boundaries" / "merseyside_dec2023_bsc"
FILES = (
    MERSEY / "street" / "2019-09-merseyside-street.csv",
    MERSEY / "stop_and_search" / "2019-09-merseyside-stop-and-search.csv",
)


@pytest.fixture(scope="module")
def every_crime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not MERSEY.is_dir():
        pytest.skip(f"real Merseyside data not found under {REAL} (present in CI)")
    path = tmp_path_factory.mktemp("every-crime") / "store"
    report = ingest(
        FILES,
        wards=read_wards([BOUNDS / "merseyside_wards_dec2023_bsc.geojson"]),
        force_area=read_force_area(BOUNDS / "merseyside_pfa_dec2023_bsc.geojson"),
        store=Store(path),
        all_crime_types=True,
    )
    assert report.reconciles()
    return path


def _matched(client: Any, headers: dict[str, str], collection: str) -> dict[str, Any]:
    answer = client.get(
        f"/ogc/collections/{collection}/items?datetime=2019-09&limit=10000", headers=headers
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return json.loads(answer.get_data(as_text=True))


def test_the_drug_collections_hold_what_the_maps_count(
    every_crime: Path, app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory(every_crime, USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0)
    name = ensure_user(app, "analyst")
    headers = {"Authorization": "Bearer " + issue_token(UserStore(app.config["USERS_DB"]), name)}
    client = app.test_client()
    wards = _matched(client, headers, "wards")["features"]
    mapped = {
        layer: sum(int(w["properties"][f"{layer}_count"]) for w in wards)
        for layer in ("offence", "search")
    }
    # by hand from the CSVs: located rows of the drug kind (a few fall outside the force area)
    street = pd.read_csv(FILES[0])
    drugs = int(((street["Crime type"] == "Drugs") & street["Longitude"].notna()).sum())
    searches = pd.read_csv(FILES[1])
    # a blank object under the Misuse of Drugs Act is a search for controlled drugs (7 in Sep)
    under_drugs_act = searches["Object of search"].isna() & searches["Legislation"].str.startswith(
        "Misuse of Drugs Act", na=False
    )
    drug_searches = int(
        (
            ((searches["Object of search"] == "Controlled drugs") | under_drugs_act)
            & searches["Latitude"].notna()
        ).sum()
    )
    assert 0 <= drugs - mapped["offence"] <= 5, (drugs, mapped)
    assert 0 <= drug_searches - mapped["search"] <= 20, (drug_searches, mapped)
    offences = _matched(client, headers, "offences")
    assert offences["numberMatched"] == mapped["offence"]  # was every crime type: 13,333
    assert {f["properties"]["category"] for f in offences["features"]} == {"Drugs"}
    found = _matched(client, headers, "searches")
    assert found["numberMatched"] == mapped["search"]
    assert {f["properties"]["category"] for f in found["features"]} == {"Controlled drugs"}


def test_the_maps_events_download_holds_what_the_map_counts(
    every_crime: Path, app_factory: AppFactory, tmp_path: Path
) -> None:
    """The map's "Drug events" download gave every crime type on such a store (Merseyside
    walkthrough: 42,283 points for a map of 3,103 offences): its link asks the API for the drug
    events (``drugs=1``), the same rule as the maps; without it the API gives every event."""
    app = app_factory(every_crime, USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0)
    client = client_as(app, "analyst")
    page = client.get("/?from=2019-09&to=2019-09&searches=1").get_data(as_text=True)
    links = re.findall(r'href="(/api/v1/events\?[^"]+format=geojson)"', page)
    assert len(links) == 1 and "drugs=1" in links[0], links
    wards = client.get("/api/v1/wards?from=2019-09&to=2019-09").get_json()
    rows = wards["wards"] if "wards" in wards else wards["features"]
    counted = {
        layer: sum(int((r.get("properties", r))[f"{layer}_count"] or 0) for r in rows)
        for layer in ("offence", "search")
    }
    events = json.loads(client.get(links[0].replace("&amp;", "&")).get_data(as_text=True))
    by_layer = pd.Series([f["properties"]["layer"] for f in events["features"]]).value_counts()
    assert by_layer.to_dict() == counted, (by_layer.to_dict(), counted)
    assert events["metadata"]["parameters"]["drugs_only"] is True
    every = client.get("/api/v1/events?from=2019-09&to=2019-09&layer=offence").get_data()
    assert len(json.loads(every)["features"]) > 3 * counted["offence"]  # every crime type
