"""Counts are whole numbers (JSON integers) or null at every door, for every role: the public's
ward counts with small ones blank, and the commissioner's search and raid counts by ward, are
``21`` in the GeoJSON of ``/api/v1/wards``, the OGC items and ``/map.json`` as in the CSV, never
``21.0`` (a blank made with NaN turns an integer column to floats).

Runs on the shared demo store (read-only): Jul-Sep 2025 is a whole quarter (counts given, small
ones blank) and Sep-Nov 2025 is not (the suppressed layers' counts all blank).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import client_as
from tests.helpers import AppFactory

#: A count property: a layer's count, previous count, change or rank; a hotspot's counts.
COUNT_SUFFIXES = ("_count", "_prev", "_change", "_rank")
HOTSPOT_COUNTS = ("offences", "searches", "raids")
PERIODS = (("2025-07", "2025-09"), ("2025-09", "2025-11"))


def _is_count(name: str) -> bool:
    return name.endswith(COUNT_SUFFIXES) or name in HOTSPOT_COUNTS


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0)


def _json(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return json.loads(response.get_data(as_text=True))


def _assert_whole(props: dict[str, Any], where: str) -> int:
    """Every count property of ``props`` is an int or None; the number of counts checked."""
    n = 0
    for name, value in props.items():
        if _is_count(name):
            assert value is None or (type(value) is int), (where, name, value)
            n += 1
    return n


def _csv_rows(client: FlaskClient, url: str) -> dict[str, dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    return {row["ward_code"]: row for row in rows}


def _ogc_items(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while url:
        page = _json(client, url)
        out += page["features"]
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nexts[0].removeprefix("http://localhost") if nexts else ""
    return out


@pytest.mark.parametrize("role", [None, "commissioner"])
@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_counts_are_whole_numbers_or_null_at_every_door(
    app: Flask, role: str | None, start: str, end: str
) -> None:
    client = client_as(app, role)
    query = f"from={start}&to={end}"
    table = _csv_rows(client, f"/api/v1/wards?{query}&format=csv")
    geojson = _json(client, f"/api/v1/wards?{query}")["features"]
    ogc = _ogc_items(client, f"/ogc/collections/wards/items?datetime={start}/{end}&limit=100")
    assert len(geojson) == len(ogc) == len(table) > 0
    checked = 0
    for door, features in (("api", geojson), ("ogc", ogc)):
        for feature in features:
            props = feature["properties"]
            checked += _assert_whole(props, f"{door} {props['ward_code']}")
            row = table[props["ward_code"]]
            for name, value in props.items():
                if _is_count(name):
                    # the CSV's text of the same count: "" for a blank, "21" for 21
                    assert row[name] == ("" if value is None else str(value)), (door, name)
    assert checked > 0
    # the public's whole quarter and the commissioner's raid counts: some counts are given
    given = [v for f in geojson for k, v in f["properties"].items() if _is_count(k)]
    if (start, end) == PERIODS[0] or role == "commissioner":
        assert any(isinstance(v, int) for v in given)
    data = _json(client, f"/map.json?{query}")
    for i, hotspot in enumerate(data["hotspots"]):
        _assert_whole(hotspot, f"map.json hotspot {i}")
    for side, movers in data["ward_movers"].items():
        for mover in movers:
            _assert_whole(mover, f"map.json {side}")
