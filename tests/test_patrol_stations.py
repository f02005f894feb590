"""A place at a police station's map point says so on every output of the plan, and is listed
after the street places by default (same places, so the plan's statements stay true).

Hand-made store (toy wards of ``conftest.py``; the same offences in each of Apr, May and Jun
2025, the plan's three basis months; ``eps_m=100``), places far apart (>= 400 m) so each is its
own hotspot:

- S (500300, 200300): 9 a month, 27 in all, ``On or near Police Station`` (the most offences:
  rank 1 by offences);
- A (500700, 200700): 7 a month, 21, ``On or near Apple Street``;
- B (500300, 200800): 5 a month, 15, ``On or near Police Station Road`` (a street, not a
  station).

By offences the order is S, A, B; with the station last it is A, B, S.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import gpxpy
import pytest

from hotspots.patrol import patrol_plan, plan_csv, plan_gpx
from hotspots.patrol.plan import PatrolPlan
from hotspots.stations import STATION_NOTE, at_police_station
from hotspots.store import Store
from tests.helpers import AppFactory, store_of_rows, street_row

PLACES = (
    ((500300, 200300), "On or near Police Station", 9),
    ((500700, 200700), "On or near Apple Street", 7),
    ((500300, 200800), "On or near Police Station Road", 5),
)
MOVED = f"{STATION_NOTE} Listed after the other places (by its rank it would be place 1)."


@pytest.fixture(scope="module")
def store(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        street_row(f"{i}-{month}-{k}", x, y, month=month, location=location)
        for month in ("2025-04", "2025-05", "2025-06")
        for i, ((x, y), location, count) in enumerate(PLACES)
        for k in range(count)
    ]
    return store_of_rows(rows, toy_boundaries, tmp_path_factory.mktemp("stations_toy"))


def _plan(store: Path, **kwargs: Any) -> PatrolPlan:
    return patrol_plan(Store(store), end_month="2025-06", eps_m=100, **kwargs)


def test_the_rule_names_a_station_and_not_a_street_named_after_one() -> None:
    assert at_police_station("On or near Police Station")
    assert at_police_station("  on or near  POLICE station ")
    assert at_police_station("Police Station")
    assert not at_police_station("On or near Police Station Road")
    assert not at_police_station("")
    assert not at_police_station(None)


def test_the_station_is_listed_last_and_flagged(store: Path) -> None:
    plan = _plan(store)
    assert [(p.rank, p.location, p.offences) for p in plan.places] == [
        (1, "On or near Apple Street", 21),
        (2, "On or near Police Station Road", 15),
        (3, "On or near Police Station", 27),
    ]
    assert [p.at_station for p in plan.places] == [False, False, True]
    assert plan.places[2].note == MOVED
    assert plan.parameters["stations_last"] is True
    # every place is stacked on one point; the station's own note says where its offences are,
    # so the co-location warning names the other two only
    assert plan.warning.startswith("Places 1 and 2: 100% of their offences are on one map point")


def test_keeping_rank_lists_the_same_places_by_offences(store: Path) -> None:
    plan = _plan(store, stations_last=False)
    assert [p.location for p in plan.places] == [
        "On or near Police Station",
        "On or near Apple Street",
        "On or near Police Station Road",
    ]
    assert plan.places[0].note == STATION_NOTE and plan.places[0].at_station


def test_top_n_lists_the_same_places_either_way(store: Path) -> None:
    # the top 2 by offences are S and A: moving S changes their order, not which are listed
    moved = {p.location for p in _plan(store, top_n=2).places}
    kept = {p.location for p in _plan(store, top_n=2, stations_last=False).places}
    assert moved == kept == {"On or near Police Station", "On or near Apple Street"}


def test_csv_and_gpx_say_so_on_the_place(store: Path) -> None:
    plan = _plan(store)
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    assert [r["location"] for r in rows][-1] == "On or near Police Station"
    assert rows[-1]["rank"] == "3" and rows[-1]["note"] == MOVED
    assert STATION_NOTE not in rows[0]["note"] + rows[1]["note"]
    gpx = gpxpy.parse(plan_gpx(plan))
    assert [w.name for w in gpx.waypoints][-1] == "3. On or near Police Station"
    assert (gpx.waypoints[-1].description or "").startswith(MOVED)
    assert all(STATION_NOTE not in (w.description or "") for w in gpx.waypoints[:2])


def test_the_page_says_so_on_the_list_and_the_card(app_factory: AppFactory, store: Path) -> None:
    from tests.accounts import sign_in

    app = app_factory(store, TESTING=True)
    html = sign_in(app.test_client()).get("/patrol?to=2025-06&rank=hotspots").get_data(as_text=True)
    assert "busiest first (a police station last)" in html
    card = html.split('id="place-3"', 1)[1].split("</article>", 1)[0]
    assert "3. On or near Police Station" in card
    assert 'class="warning station-note" role="note"' in card and MOVED in card
    listed = html.split('class="place-list"', 1)[1].split("</ol>", 1)[0]
    assert listed.count(STATION_NOTE) == 1


def test_the_map_popup_of_a_hotspot_busiest_at_a_station_says_so() -> None:
    from hotspots.render.popups import hotspot_popup

    def popup(location: str) -> str:
        row = {"rank": 1, "offences": 27, "top_location": location, "colocated": True}
        row["colocation_share"] = 1.0
        return hotspot_popup(
            row, n_hotspots=3, period="Apr–Jun 2025", compare_to=None, near_m=200,
            raids_synthetic=False, raids=False,
        )  # fmt: skip

    assert STATION_NOTE in popup("On or near Police Station")
    assert "check whether it is a street location" not in popup("On or near Police Station")
    street = popup("On or near Police Station Road")
    assert STATION_NOTE not in street and "check whether it is a street location" in street


def test_the_map_pages_hotspot_table_says_so(app_factory: AppFactory, store: Path) -> None:
    from tests.accounts import sign_in

    app = app_factory(store, TESTING=True)
    html = sign_in(app.test_client()).get("/?to=2025-06").get_data(as_text=True)
    rows = [r for r in html.split("<tr>") if 'data-label="Place"' in r]
    station = [r for r in rows if ">On or near Police Station<" in r]
    assert len(station) == 1 and STATION_NOTE in station[0]
    assert all(STATION_NOTE not in r for r in rows if r not in station)
