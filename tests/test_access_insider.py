"""A hostile insider and a careless visitor against the web app: what the method text and the
hotspot parameters give away, and what a role can make the server compute.

Found by asking every route as every role with hostile query strings (the route x role truth
table, tests/test_route_role_table.py, checks statuses and coordinates; these check figures and
cost that the table's scan does not look at).

Everything runs on the shared demo store (read-only).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from tests.accounts import client_as
from tests.helpers import AppFactory

AUTUMN = "from=2025-09&to=2025-11"
#: A DBSCAN pair nobody asks for by default (every new pair was a new analysis of seconds).
TUNED = "eps_m=73&min_samples=7"


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0)


def _get_json(app: Flask, role: str | None, url: str) -> dict[str, Any]:
    response = client_as(app, role).get(url)
    assert response.status_code == 200, (role, url, response.status_code)
    data: dict[str, Any] = response.get_json()
    return data


def _force_offences(app: Flask) -> int:
    """The force's drug offences in the period (what an analyst's map gives)."""
    total = _get_json(app, "analyst", f"/map.json?{AUTUMN}")["totals"]["offence_count"]
    assert isinstance(total, int) and total > 100
    return total


def _mentions(data: Any, number: int) -> list[str]:
    """Where ``number`` appears in ``data`` (a JSON value): as a number, or in a text with or
    without a thousands separator."""
    found = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")
        elif isinstance(value, bool):
            return
        elif _is(value, number):
            found.append(where)

    walk(data, "")
    return found


def _is(value: Any, number: int) -> bool:
    if isinstance(value, str):
        return bool(re.search(rf"\b({number}|{number:,})\b", value))
    return isinstance(value, (int, float)) and value == number


@pytest.mark.parametrize("role", ["officer", None])
def test_the_method_names_no_force_figure_to_an_area_or_the_public(
    app: Flask, role: str | None
) -> None:
    """The DBSCAN parameters every output carries (``/map.json``'s metadata, the API's, the
    page's "How these hotspots were found") held the force's offence count of the period
    (``n_samples``, ``total_weight``, the ``min_samples`` reason, the significance test's
    counts): an officer sees their area's totals, never the force's, and the public ward counts
    with small ones blank (a force total would give away the sum of the blanks)."""
    force = _force_offences(app)
    data = _get_json(app, role, f"/map.json?{AUTUMN}")
    assert _mentions(data["metadata"], force) == []
    if role == "officer":
        assert data["totals"]["offence_count"] != force  # the area's own
        assert _mentions(data, force) == []
        page = client_as(app, role).get(f"/?{AUTUMN}").get_data(as_text=True)
        assert not re.search(rf"\b({force}|{force:,})\b", page)
        api = _get_json(app, role, f"/api/v1/hotspots?{AUTUMN}")
        assert _mentions(api, force) == []
        area = data["totals"]["offence_count"]
        in_hotspots = data["metadata"]["parameters"]["offences_in_hotspots"]
        assert 0 < in_hotspots <= area  # of the area's offences, as the page says
        assert f"{in_hotspots} of\n  {area:,} offences fall in hotspots" in page


def test_the_public_gets_no_parameter_of_the_hotspot_search(app: Flask) -> None:
    """The public sees no hotspot, yet got the hotspot search's parameters and the store's
    back-tested choice and scores: now none, on every door that carries them. (They gave no
    count away: ``min_samples`` of the demo's Jul-Sep 2025 was 8, the force's 749 offences to
    100, and the public's headline gives the 749.)"""
    quarter = "from=2025-07&to=2025-09"
    for url in (f"/map.json?{quarter}", f"/api/v1/wards?{quarter}"):
        assert _get_json(app, None, url)["metadata"]["parameters"] == {}, url
    response = client_as(app, None).get(f"/api/v1/wards?{quarter}&format=csv")
    assert json.loads(response.headers["X-Hotspots-Metadata"])["parameters"] == {}
    officer = _get_json(app, "officer", f"/map.json?{quarter}")["metadata"]["parameters"]
    assert officer["min_samples"] >= 5 and officer["area_parameters"]  # theirs, not the force's


def test_the_commissioner_and_analyst_still_get_the_force_figures(app: Flask) -> None:
    """Force figures stay for the roles that see them (the rule is not "drop everything")."""
    force = _force_offences(app)
    for role in ("commissioner", "analyst"):
        parameters = _get_json(app, role, f"/map.json?{AUTUMN}")["metadata"]["parameters"]
        assert parameters["n_samples"] == force, role


@pytest.mark.parametrize(
    "role,url",
    [
        (None, f"/map.json?{AUTUMN}&{TUNED}"),
        ("officer", f"/map.json?{AUTUMN}&{TUNED}"),
        ("officer", f"/api/v1/hotspots?{AUTUMN}&{TUNED}"),
        ("commissioner", f"/map.json?{AUTUMN}&{TUNED}"),
        ("commissioner", f"/api/v1/hotspots?{AUTUMN}&{TUNED}"),
        ("commissioner", f"/compare?{AUTUMN}&from2=2025-06&to2=2025-08&{TUNED}"),
        ("commissioner", f"/ogc/collections/hotspots/items?datetime=2025-09/2025-11&{TUNED}"),
    ],
)
def test_only_analysts_choose_hotspot_parameters(app: Flask, role: str | None, url: str) -> None:
    """Every new ``eps_m`` / ``min_samples`` pair is a new DBSCAN, significance test and
    back-test of seconds (cached per pair: 1,991 x 9,999 of them), so any visitor could keep
    the server busy, the public too, who is shown no hotspot at all; and tiny radii on exact
    points tell apart offences within one ``SNAP_M`` cell. Roles without exact points get the
    ``auto`` analysis whatever they send (as searches and raids are left off their maps)."""
    response = client_as(app, role).get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    if response.mimetype.endswith("json"):
        meta = json.loads(body)["metadata"]
        parameters = meta.get("parameters", meta)
        if role is None:  # the public gets no parameter of the hotspot search at all
            assert parameters == {}, parameters
        else:
            assert parameters.get("requested_eps_m", parameters.get("eps_m")) == "auto"
    else:
        assert 'name="eps_m"' not in body  # no form field for it either
        assert "eps_m=73" not in body
    tuned = _get_json(app, "analyst", f"/map.json?{AUTUMN}&{TUNED}")["metadata"]["parameters"]
    assert (tuned["requested_eps_m"], tuned["requested_min_samples"]) == (73, 7)


@pytest.mark.parametrize(
    "role,url,field",
    [
        ("admin", "/admin/audit?page=99999999999999999999", "page"),  # SQLite: integer overflow
        ("admin", "/admin/audit?page=%C2%B2", "page"),  # "²".isdigit(), int("²") fails
        ("officer", "/patrol?to=2025-11&n=%C2%B2", "n"),
        ("officer", "/patrol.csv?to=2025-11&n=%C2%B9%C2%B2", "n"),
    ],
)
def test_numbers_out_of_range_or_not_ascii_are_a_400_naming_the_field(
    app: Flask, role: str, url: str, field: str
) -> None:
    """A careless or hostile number is the form again with its message (400), never a 500."""
    response = client_as(app, role).get(url)
    assert response.status_code == 400, response.status_code
    body = response.get_data(as_text=True)
    marks = (f'id="{field}-error"', f'href="#audit-{field}"', f"Field <code>{field}</code>")
    assert any(mark in body for mark in marks), body[:2000]


@pytest.mark.parametrize("url", ["/", f"/map.json?{AUTUMN}", f"/api/v1/wards?{AUTUMN}"])
def test_an_officer_whose_area_names_no_stored_ward_gets_no_false_zero(
    app: Flask, url: str
) -> None:
    """An officer's scope is checked for its form when the account is made, not against the
    store's wards (a code of another boundary vintage, a typo of a real one): such an officer
    was shown "0 vs 0" drug offences, a 0 where nothing is held. Refused instead, saying why."""
    response = client_as(app, "officer", ("E05999999",)).get(url)
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    assert "E05999999" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role,url,field",
    [
        ("officer", "/?from=2025-09&to=2025-11&from=2025-06", "from"),
        ("officer", "/map/frame?from=2025-09&to=2025-11&to=2025-08", "to"),
        ("officer", "/map.json?from=2025-09&to=2025-11&measure=count&measure=change", "measure"),
        ("commissioner", "/compare?from2=2025-06&from2=2025-03", "from2"),
        ("commissioner", "/briefing.pdf?to=2025-11&to=2025-08", "to"),
        ("officer", "/patrol?to=2025-11&n=5&n=50", "n"),
        ("officer", "/patrol.gpx?to=2025-11&to=2025-08", "to"),
        ("analyst", "/api/v1/hotspots?format=csv&format=geojson", "format"),
        ("analyst", "/ogc/collections/wards/items?limit=5&limit=500", "limit"),
        ("admin", "/admin/audit?page=1&page=2", "page"),
        ("officer", "/map.json?significant=1&significant=0", "significant"),
        ("officer", "/map.json?searches=1&searches=0&searches=1", "searches"),
    ],
)
def test_a_repeated_parameter_is_a_400_naming_it_on_every_door(
    app: Flask, role: str, url: str, field: str
) -> None:
    """``?period=a&period=b`` is ambiguous: the map pages took the first value, the period
    filters the last; one rule now refuses it everywhere, naming the parameter."""
    response = client_as(app, role).get(url)
    assert response.status_code == 400, (url, response.status_code)
    body = response.get_data(as_text=True)
    assert f"sent {field}= " in body and "times" in body, body[:1500]


@pytest.mark.parametrize(
    "role,url",
    [
        ("officer", "/map.json?from=2025-09&to=2025-11&searches=0&searches=1&significant=0"),
        ("analyst", "/api/v1/events?from=2025-09&to=2025-11&layer=offence&layer=raid"),
        ("analyst", "/api/v1/wards?from=2025-09&to=2025-11&district=E07000008&district=E06000031"),
        ("analyst", "/patrol.csv?to=2025-11&area=wards&wards=E05013056&wards=E05013057"),
    ],
)
def test_checkboxes_and_list_parameters_may_repeat(app: Flask, role: str, url: str) -> None:
    """A checkbox sends its hidden 0 then its value; the API's filters and the plan's wards
    take several values: these stay answered."""
    response = client_as(app, role).get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])


@pytest.mark.parametrize("scope", [("E05013056",), ("E07000008",)])
def test_an_officers_ward_ranks_are_within_their_area(app: Flask, scope: tuple[str, ...]) -> None:
    """An officer of one ward was told its ``offence_rank`` among the force's 120 wards (3:
    two wards elsewhere have more): ranks are now within the wards the officer sees, ties
    sharing the lowest rank, as the force table ranks them."""
    import io

    import pandas as pd

    response = client_as(app, "officer", scope).get(f"/api/v1/wards?{AUTUMN}&format=csv")
    table = pd.read_csv(io.StringIO(response.get_data(as_text=True)), comment="#")
    expected = table["offence_count"].rank(method="min", ascending=False).astype(int)
    assert table["offence_rank"].tolist() == expected.tolist()
    assert table["offence_rank"].min() == 1
    rows = client_as(app, "officer", scope).get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    assert sorted(f["properties"]["offence_rank"] for f in rows) == sorted(expected.tolist())


def test_the_public_meta_gives_no_force_count(app: Flask) -> None:
    """``/api/v1/meta`` gave the public each layer's force-wide count and its categories' counts
    over every month held: with the ward counts it publishes, a force total gives away the sum
    of the blank (small) wards, so the public gets the months held and no count. Signed-in roles
    keep theirs."""
    public = _get_json(app, None, "/api/v1/meta")
    for name, layer in public["layers"].items():
        assert not {"events", "categories", "synthetic_events"} & set(layer), name
        assert layer["months_held"], name
        assert "ward" in layer["note"]
    analyst = _get_json(app, "analyst", "/api/v1/meta")
    assert analyst["layers"]["offence"]["events"] > 0
    assert analyst["layers"]["offence"]["categories"]


#: Periods an insider asks for to take one from another: every period of 1 to 3 months ending
#: in Aug-Nov 2025, and Jan-Oct / Jan-Nov 2025 (Jan-Nov minus Jan-Oct is November).
DIFFERENCING_PERIODS = [
    (f"2025-{end - n + 1:02d}", f"2025-{end:02d}") for end in range(8, 12) for n in (1, 2, 3)
] + [("2025-01", "2025-10"), ("2025-01", "2025-11")]


def _months(start: str, end: str) -> frozenset[str]:
    first, last = int(start[5:]), int(end[5:])
    return frozenset(f"2025-{m:02d}" for m in range(first, last + 1))


def _published_counts(
    app: Flask, role: str | None, column: str, door: str
) -> dict[frozenset[str], dict[str, float]]:
    """The ward (or hotspot) counts of ``column`` shown to ``role`` through ``door`` for each
    period it answered (the period the answer says it is, which may differ from the one
    asked)."""
    shown: dict[frozenset[str], dict[str, float]] = {}
    for start, end in DIFFERENCING_PERIODS:
        if door.startswith("api"):
            table = "hotspots" if door == "api-hotspots" else "wards"
            data = _get_json(app, role, f"/api/v1/{table}?from={start}&to={end}")
            asked = data["metadata"]["extra"]["request"]
            months = _months(asked["from"], asked["to"])
        else:
            url = f"/ogc/collections/wards/items?datetime={start}/{end}&limit=1000"
            data = _get_json(app, role, url)
            months = frozenset(data["metadata"]["parameters"]["months"])
        key = "hotspot_id" if door == "api-hotspots" else "ward_code"
        counts = {
            str(f["properties"][key]): f["properties"][column]
            for f in data["features"]
            if f["properties"].get(column) is not None
        }
        if counts:
            assert shown.setdefault(months, counts) == counts, (door, sorted(months))
    return shown


@pytest.mark.parametrize("door", ["api", "ogc"])
@pytest.mark.parametrize("role,column", [(None, "offence_count"), ("commissioner", "raid_count")])
def test_no_two_periods_ward_counts_give_a_blank_one_back_by_difference(
    app: Flask, role: str | None, column: str, door: str
) -> None:
    """The public's ward counts (and the commissioner's raid counts by ward) with small ones
    blank were given for any period: Sep-Nov minus Sep-Oct gave November's count of 15 wards
    whose November count the public sees blank (1, 2, 2, 4, 0, ...; the commissioner: Jan-Nov
    minus Jan-Oct, 4 wards' November raids). Those counts are now given for whole calendar
    quarters only, which never overlap: any two periods whose counts are shown are the same
    period or share no month. The public is moved to the latest whole quarter ending by the
    period's end, whose counts are shown."""
    shown = _published_counts(app, role, column, door)
    _assert_no_overlap(shown)
    if role is None:  # the quarters ending by Aug (Apr-Jun) and by Sep, Oct or Nov (Jul-Sep)
        assert set(shown) == {_months("2025-04", "2025-06"), _months("2025-07", "2025-09")}


def test_the_commissioners_hotspot_raid_counts_give_none_back_by_difference(app: Flask) -> None:
    """The commissioner's raid counts near each hotspot (under 5 blank) were given for any
    period too: hotspot 2 has the same (snapped) shape in Jan-Nov and Jan-Oct 2025 with 9 and 8
    raids near it, so 1 raid near it in November. They follow the ward counts' rule now: a
    whole calendar quarter's only."""
    _assert_no_overlap(_published_counts(app, "commissioner", "raids", "api-hotspots"))


def test_no_total_of_raids_near_hotspots_lets_a_blank_one_back(app: Flask) -> None:
    """Secondary suppression of the commissioner's raids near each hotspot: a blank count (1 to
    4) would come back as a published total minus the counts shown. The only totals they add
    to are the raids near any hotspot and outside them (the raid coverage), which only exact
    roles get: for the commissioner every list of it is empty. (Ward and district raid totals
    are not sums of the hotspots': a hotspot's 100 m zone crosses wards and zones overlap.)
    Worked on the demo's Jul-Sep 2025: hotspot 1 has 9 raids near it, hotspots 2 and 3 blank."""
    quarter = "from=2025-07&to=2025-09"
    data = _get_json(app, "commissioner", f"/map.json?{quarter}")
    near = [h["raids"] for h in data["hotspots"]]
    assert near[0] == 9 and near[1:] == [None, None]
    coverage = data["coverage"]
    assert [coverage[k] for k in sorted(coverage) if k != "near_m"] == [[], [], []]
    analyst = _get_json(app, "analyst", f"/map.json?{quarter}")["coverage"]
    assert analyst["hotspots_with_raids"]  # the analyst's is not empty: the test can fail


def _assert_no_overlap(shown: dict[frozenset[str], dict[str, float]]) -> None:
    """Any two periods whose counts are shown are the same period or share no month."""
    periods = list(shown)
    for i, first in enumerate(periods):
        for second in periods[i + 1 :]:
            assert not first & second, (sorted(first), sorted(second))


@pytest.mark.parametrize("scope", [("E05013056",), ("E07000008",), ("E05013056", "E05010824")])
def test_an_officers_analysis_holds_no_district_figure_beyond_their_wards(
    app: Flask, scope: tuple[str, ...]
) -> None:
    """The analysis an officer's outputs are made from kept the district row of every district
    one of their wards is in: an officer of King's Hedges held Cambridge's whole total, which
    minus their ward's is the rest of Cambridge (no door showed it yet: the district table is
    the briefing's). Only districts wholly inside the area are kept, and each district figure
    is then the sum of the area's wards in it."""
    from flask import g
    from werkzeug.datastructures import MultiDict

    from web.access import Access
    from web.analyses import current_view, get_analysis

    with app.test_request_context("/"):
        g.access = Access("officer", "test-officer", scope)
        analysis = get_analysis(current_view(MultiDict({"from": "2025-09", "to": "2025-11"})))
        wards = analysis.wards.groupby("district_code")["offence_count"].sum()
        for _, row in analysis.districts.iterrows():
            assert row["offence_count"] == wards[row["district_code"]], row["district_code"]
        assert (len(analysis.districts) == 1) == (scope == ("E07000008",))
