"""Hostile or careless query parameters on the machine routes (analyst API, OGC API - Features,
map JSON) and the map, compare and briefing pages: every answer is a 200, a 400 naming the field
in the route's error shape (a page: its form under the message), or a 404; never a 500, never a
server folder, and a page of features is bounded.

Run against the shared demo store as each signed-in role would send them; Hypothesis draws the
values from the awkward ones (NaN, infinities, huge numbers, control characters, other digits,
reversed intervals, absurd years).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import ClientFor
from web.ogc.params import MAX_LIMIT

ROLES = ("analyst", "officer", "commissioner")
#: The routes and the parameters each accepts (with the values drawn for them).
ROUTES = {
    "/api/v1/hotspots": ("from", "to", "eps_m", "min_samples", "bbox", "district", "format"),
    "/api/v1/wards": ("from", "to", "district", "format"),
    "/api/v1/events": ("from", "to", "bbox", "layer", "category", "format"),
    "/ogc/collections/wards/items": ("datetime", "limit", "offset", "bbox", "crs", "f"),
    "/ogc/collections/hotspots/items": ("datetime", "limit", "offset", "bbox", "eps_m", "bbox-crs"),
    "/map.json": ("from", "to", "eps_m", "min_samples", "significant"),
    # pages: a 400 re-shows the page's form with the message beside the field
    "/": ("from", "to", "eps_m", "min_samples", "measure", "offences"),
    "/compare": ("from", "to", "from2", "to2"),
    "/briefing": ("from", "to"),
}

_NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "1e-320", "0x10", "1_000", "١٠٠", "２", ""]),
)
_MONTH_TEXT = st.one_of(
    st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 99)),
    st.sampled_from(["0000-01", "9999-12", "2025-7", "２０２５-０７", "2025-07\x00", "10000-01"]),
    st.text(max_size=12),
)
_BBOX_TEXT = st.one_of(
    st.lists(_NUMBER_TEXT, min_size=0, max_size=7).map(",".join),
    st.sampled_from(["5,5,1,1", "0,0,1,1,2,2", "-180,-90,180,90", "a,b,c,d", ",,,"]),
)
_DATETIME_TEXT = st.one_of(
    _MONTH_TEXT,
    st.builds(
        "{}/{}".format, st.one_of(_MONTH_TEXT, st.just("..")), st.one_of(_MONTH_TEXT, st.just(".."))
    ),
    st.sampled_from(
        ["../..", "/", "2025-12/2025-01", "0001-01/9999-12", "2025-07-01T00:00:00+25:00"]
    ),
)
VALUES: dict[str, st.SearchStrategy[str]] = {
    "from": _MONTH_TEXT,
    "to": _MONTH_TEXT,
    "from2": _MONTH_TEXT,
    "to2": _MONTH_TEXT,
    "measure": st.text(max_size=8),
    "offences": st.text(max_size=8),
    "eps_m": _NUMBER_TEXT,
    "min_samples": _NUMBER_TEXT,
    "significant": st.text(max_size=4),
    "bbox": _BBOX_TEXT,
    "bbox-crs": st.sampled_from(["x", "http://www.opengis.net/def/crs/EPSG/0/27700"]),
    "district": st.text(max_size=20),
    "layer": st.text(max_size=20),
    "category": st.text(max_size=20),
    "format": st.sampled_from(["csv", "geojson", "xml", ""]),
    "datetime": _DATETIME_TEXT,
    "limit": _NUMBER_TEXT,
    "offset": _NUMBER_TEXT,
    "crs": st.sampled_from(["", "EPSG:4326", "http://www.opengis.net/def/crs/EPSG/0/27700"]),
    "f": st.sampled_from(["json", "html", "xml", ""]),
}


@st.composite
def _requests(draw: Any) -> tuple[str, dict[str, str]]:
    path = draw(st.sampled_from(sorted(ROUTES)))
    names = draw(st.lists(st.sampled_from(ROUTES[path]), unique=True, max_size=4))
    return path, {name: draw(VALUES[name]) for name in names}


def _check(client: FlaskClient, path: str, query: dict[str, str]) -> Any:
    response = client.get(path, query_string=query)
    body = response.get_data().decode("utf-8", "replace")
    assert response.status_code in (200, 400, 403, 404, 429), (path, query, body[:300])
    assert "/tmp" not in body and "/work" not in body and "Traceback" not in body
    if response.status_code == 400 and response.is_json:
        error = response.get_json()["error"]
        assert error["field"] and error["expected"], error
    elif response.status_code == 400:  # a page: its form under the message naming the field
        assert 'class="error-summary"' in body and "expected" in body, body[:300]
    return response


@pytest.mark.parametrize("role", ROLES)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=_requests())
def test_any_query_is_answered_or_refused_naming_the_field(
    client_for: ClientFor, role: str, request: tuple[str, dict[str, str]]
) -> None:
    path, query = request
    _check(client_for(role), path, query)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "1" + "0" * 40},
        {"limit": str(MAX_LIMIT + 1), "offset": "1" + "0" * 40},
        {"offset": "99999999999999999999"},
    ],
)
def test_a_page_of_features_is_never_above_the_maximum(
    client_for: ClientFor, query: dict[str, str]
) -> None:
    response = _check(client_for("analyst"), "/ogc/collections/offences/items", query)
    assert response.status_code == 200
    page = response.get_json()
    assert page["numberReturned"] <= MAX_LIMIT
    assert all(
        int(link["href"].split("limit=")[1].split("&")[0]) <= MAX_LIMIT
        for link in page["links"]
        if "limit=" in link["href"]
    )


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/ogc/collections/wards/items?bbox=5,5,1,1", 400, "InvalidParameterValue"),
        ("/ogc/collections/wards/items?datetime=2025-12/2025-01", 400, "InvalidParameterValue"),
        ("/ogc/collections/wards/items?colour=red", 400, "InvalidParameterValue"),
        ("/ogc/collections/nothing-here/items", 404, "NotFound"),
        ("/ogc/collections/raids/items", 404, "NotFound"),  # hidden from the commissioner
    ],
)
def test_ogc_errors_are_in_the_standards_exception_format(
    client_for: ClientFor, url: str, status: int, code: str
) -> None:
    """OGC API - Features (Part 1, ``exception.yaml``) answers errors with ``code`` and
    ``description``; GDAL and QGIS show ``description`` to the person. The app's own ``error``
    member stays beside them (one shape for every machine route)."""
    response = client_for("commissioner").get(url)
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == code
    assert body["description"] == body["error"]["message"]
    assert body["error"]["status"] == status


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/hotspots", "district"),
        ("/ogc/collections/wards/items", "datetime"),
        ("/map.json", "from"),
        ("/", "from"),
    ],
)
def test_a_long_bad_value_is_echoed_cut_short(client_for: ClientFor, path: str, name: str) -> None:
    """A 60 kB bad value is named by its start (at most :data:`web.errors.ECHO_CHARS`
    characters and its length), so a refusal is not several times the request: the JSON error
    stays small (was 120 kB) and a page's message does not repeat it (its form keeps what was
    sent)."""
    sent = "2" * 60_000
    response = client_for("analyst").get(path, query_string={name: sent})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "60,000 characters" in body
    if response.is_json:
        assert len(body) < 2_000, len(body)
    else:
        # the form's own field shows what was sent (a select's option: value and text), once
        assert len(body) < 2 * len(sent) + 30_000, len(body)  # was 245,889 bytes (4x)
