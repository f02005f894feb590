"""The route x role truth table: the single source for who may call what.

:data:`TABLE` lists, for every route of the app (a test fails when ``app.url_map`` has a route
the table does not list) and every role, the status the route answers. Each 200 answer of a role
without exact points is then scanned (:mod:`tests.coordscan`) for coordinates within a metre of
a stored offence, search or raid, and for points worked out from its hotspot polygons (the
centre of a disc-shaped hotspot, the hull left by eroding the hotspot buffer). The roles and
what each may see are the role table of ``docs/roles.md``; ``docs/roles.md`` and the README's
role table are compared with this table by the tests at the end.

Roles (columns of :data:`TABLE`):

- ``anonymous``: not signed in, ``PUBLIC_MODE`` off: pages redirect to /login, machine routes
  answer 401;
- ``public``: not signed in, ``PUBLIC_MODE`` on;
- ``officer``: an officer scoped to Cambridge (E07000008), asking for their own area;
- ``officer_out``: the same officer asking for an area outside their scope (Peterborough): a
  door's ``other_area`` URL; doors without an area parameter ask the same URL (``—`` in the docs);
- ``commissioner``, ``analyst``, ``admin``.

Exact points: analysts and admins see every layer where it happened; every other role no
offence, search or raid location finer than the ``SNAP_M`` grid, through any door. An officer's
patrol plan names the places to patrol (that is its purpose) by their location text; their
positions and shapes are checked like every other output.
Raid figures: roles without them (anonymous, public, officers) get no JSON key, CSV column or
GeoPackage/Parquet column that names a raid.

Everything runs on the shared demo store (read-only: the one POST to /upload sends no file).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotspots.store import Store
from tests.accounts import (
    DEMO_OFFICER_SCOPE,
    PASSWORD,
    client_as,
    csrf_token,
    ensure_user,
)
from tests.basemaps import make_pmtiles
from tests.coordscan import ExactPoints, Leak, coordinate_leaks, geometry_leaks
from tests.helpers import AppFactory

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("anonymous", "public", "officer", "officer_out", "commissioner", "analyst", "admin")
#: Roles that see every layer where it happened.
EXACT_ROLES = frozenset({"analyst", "admin"})
#: Raid figures per role: "all", "aggregates" (force and district, small ward counts
#: suppressed) or "none" (nothing names a raid).
RAID_FIGURES = {
    "anonymous": "none",
    "public": "none",
    "officer": "none",
    "officer_out": "none",
    "commissioner": "aggregates",
    "analyst": "all",
    "admin": "all",
}

PERIOD = "from=2025-09&to=2025-11"
OWN_WARD = "E05013056"  # King's Hedges, Cambridge (E07000008, the officers' scope)
OTHER_DISTRICT = "E06000031"  # Peterborough
OTHER_WARD = "E05010824"  # Werrington, Peterborough

GEO_FILES = ("application/vnd.apache.parquet", "application/geopackage+sqlite3")
_TABLE_HEADER = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S | re.I)

PAGE = (302, 200, 200, 200, 200, 200, 200)  # any role; anonymous to sign in
MACHINE = (401, 200, 200, 200, 200, 200, 200)  # any role; anonymous 401
OPEN = (200,) * 7
BRIEFING = (302, 403, 403, 403, 200, 200, 200)
PATROL = (302, 403, 200, 403, 403, 200, 200)
UPLOAD = (302, 403, 403, 403, 403, 200, 200)
EVENTS = (401, 403, 403, 403, 403, 200, 200)
OGC_HOTSPOTS = (401, 404, 200, 200, 200, 200, 200)  # hidden from the public: not found
OGC_POINTS = (401, 404, 404, 404, 404, 200, 200)  # exact points: analyst and admin only
OGC_TIME = "datetime=2025-09/2025-11"


@dataclass(frozen=True)
class Door:
    """One request of the table and its status per role (in :data:`ROLES` order)."""

    method: str
    rule: str | None  # the url_map rule; None for unrouted requests (404, 405)
    url: str
    statuses: tuple[int, ...]
    #: The URL an officer asks for outside their scope (None: the door has no area parameter;
    #: the ``officer_out`` column then asks ``url``).
    other_area: str | None = None
    #: POST: None, "token" (the session's CSRF token) or "sign-in" (token and an account).
    form: str | None = None
    #: Where a 302 goes (the sign-in page, with ``?next=`` for pages).
    redirect: str = "/login"
    #: Roles whose 302 goes elsewhere: (role, location) pairs (a sign-in lands on the role's
    #: home, web.access.Access.home).
    redirects: tuple[tuple[str, str], ...] = ()
    #: The row of docs/roles.md when a route's answer depends on its path (e.g. which OGC
    #: collection): ``"<rule> (<which>)"``; None: the rule itself.
    doc: str | None = None

    @property
    def doc_rule(self) -> str | None:
        return f"{self.rule} ({self.doc})" if self.doc else self.rule

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"

    def redirect_for(self, role: str) -> str:
        return dict(self.redirects).get(role, self.redirect)

    def url_for(self, role: str) -> str:
        return self.other_area if role == "officer_out" and self.other_area else self.url

    def expected(self, role: str) -> int:
        return self.statuses[ROLES.index(role)]


# fmt: off
TABLE: tuple[Door, ...] = (
    # maps: every role (officers see their area, the public ward aggregates)
    Door("GET", "/", f"/?{PERIOD}", PAGE),
    Door("GET", "/map/frame", f"/map/frame?{PERIOD}", PAGE),
    Door("GET", "/map/frame", f"/map/frame?{PERIOD}&offences=clusters&searches=1&raids=1", PAGE),
    Door("GET", "/map.json", f"/map.json?{PERIOD}", MACHINE),
    Door("GET", "/compare", f"/compare?{PERIOD}", PAGE),
    Door("GET", "/compare/frame", f"/compare/frame?{PERIOD}&from2=2025-06&to2=2025-08", PAGE),
    # briefing: commissioner, analyst, admin
    Door("GET", "/briefing", f"/briefing?{PERIOD}", BRIEFING),
    Door("GET", "/briefing.png", f"/briefing.png?{PERIOD}", BRIEFING),
    Door("GET", "/briefing.pdf", f"/briefing.pdf?{PERIOD}", BRIEFING),
    # against the same months a year before: the same roles (two periods each may see)
    Door("GET", "/briefing", f"/briefing?{PERIOD}&against=year", BRIEFING),
    Door("GET", "/briefing.pdf", f"/briefing.pdf?{PERIOD}&against=year", BRIEFING),
    # patrol plans: officers (own area), analyst, admin
    Door("GET", "/patrol", "/patrol?to=2025-11", PATROL,
         other_area=f"/patrol?to=2025-11&area=district&district={OTHER_DISTRICT}"),
    Door("GET", "/patrol", f"/patrol?to=2025-11&area=wards&wards={OWN_WARD}", PATROL,
         other_area=f"/patrol?to=2025-11&area=wards&wards={OTHER_WARD}"),
    Door("GET", "/patrol.csv", "/patrol.csv?to=2025-11", PATROL,
         other_area=f"/patrol.csv?to=2025-11&area=district&district={OTHER_DISTRICT}"),
    Door("GET", "/patrol.gpx", "/patrol.gpx?to=2025-11", PATROL,
         other_area=f"/patrol.gpx?to=2025-11&area=district&district={OTHER_DISTRICT}"),
    # uploads: analyst, admin (the POST sends no file: 400 "choose files", the store unchanged)
    Door("GET", "/upload", "/upload", UPLOAD),
    Door("POST", "/upload", "/upload", (302, 403, 403, 403, 403, 400, 400), form="token"),
    # audit log: admin
    Door("GET", "/admin/audit", "/admin/audit", (302, 403, 403, 403, 403, 403, 200)),
    # accounts: admin (the POSTs name no account of the store or send no field: nothing changes)
    Door("GET", "/admin/users", "/admin/users", (302, 403, 403, 403, 403, 403, 200)),
    Door("POST", "/admin/users", "/admin/users", (302, 403, 403, 403, 403, 403, 400), form="token"),
    Door("POST", "/admin/users/<username>/password", "/admin/users/nobody/password",
         (302, 403, 403, 403, 403, 403, 404), form="token"),
    Door("POST", "/admin/users/<username>/<any(disable, enable):change>",
         "/admin/users/nobody/disable", (302, 403, 403, 403, 403, 403, 404), form="token"),
    # the API: any role; hotspots not for the public; events for exact roles; an officer
    # asking for another area is refused, as the patrol plan refuses it
    Door("GET", "/api/v1/meta", "/api/v1/meta", MACHINE),
    Door("GET", "/api/v1/periods", "/api/v1/periods", MACHINE),
    Door("GET", "/api/v1/wards", f"/api/v1/wards?{PERIOD}", (401, 200, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/wards?{PERIOD}&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/wards", f"/api/v1/wards?{PERIOD}&format=csv",
         (401, 200, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/wards?{PERIOD}&format=csv&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/hotspots", f"/api/v1/hotspots?{PERIOD}",
         (401, 403, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/hotspots?{PERIOD}&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/hotspots", f"/api/v1/hotspots?{PERIOD}&format=csv",
         (401, 403, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/hotspots?{PERIOD}&format=csv&ward={OTHER_WARD}"),
    Door("GET", "/api/v1/hotspots", f"/api/v1/hotspots?{PERIOD}&format=parquet",
         (401, 403, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/hotspots?{PERIOD}&format=parquet&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/hotspots", f"/api/v1/hotspots?{PERIOD}&format=gpkg",
         (401, 403, 200, 403, 200, 200, 200),
         other_area=f"/api/v1/hotspots?{PERIOD}&format=gpkg&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/events", f"/api/v1/events?{PERIOD}&layer=raid", EVENTS,
         other_area=f"/api/v1/events?{PERIOD}&layer=raid&district={OTHER_DISTRICT}"),
    Door("GET", "/api/v1/events", f"/api/v1/events?{PERIOD}&layer=offence&format=csv", EVENTS,
         other_area=f"/api/v1/events?{PERIOD}&layer=offence&format=csv&ward={OTHER_WARD}"),
    Door("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", MACHINE),
    Door("GET", "/api/docs", "/api/docs", MACHINE),
    # OGC API - Features (web/ogc): the API's roles; collections a role may not see are 404
    Door("GET", "/ogc", "/ogc", MACHINE),
    Door("GET", "/ogc/", "/ogc/", MACHINE),
    Door("GET", "/ogc/conformance", "/ogc/conformance", MACHINE),
    Door("GET", "/ogc/api", "/ogc/api", MACHINE),
    Door("GET", "/ogc/collections", "/ogc/collections", MACHINE),
    Door("GET", "/ogc/collections/<cid>", "/ogc/collections/wards", MACHINE, doc="wards"),
    Door("GET", "/ogc/collections/<cid>", "/ogc/collections/hotspots", OGC_HOTSPOTS,
         doc="hotspots"),
    Door("GET", "/ogc/collections/<cid>", "/ogc/collections/raids", OGC_POINTS,
         doc="offences, searches, raids"),
    Door("GET", "/ogc/collections/<cid>/items", f"/ogc/collections/wards/items?{OGC_TIME}",
         MACHINE, doc="wards"),
    Door("GET", "/ogc/collections/<cid>/items", f"/ogc/collections/hotspots/items?{OGC_TIME}",
         OGC_HOTSPOTS, doc="hotspots"),
    Door("GET", "/ogc/collections/<cid>/items", f"/ogc/collections/offences/items?{OGC_TIME}",
         OGC_POINTS, doc="offences, searches, raids"),
    Door("GET", "/ogc/collections/<cid>/items", f"/ogc/collections/raids/items?{OGC_TIME}",
         OGC_POINTS, doc="offences, searches, raids"),
    Door("GET", "/ogc/collections/<cid>/items/<path:fid>",
         f"/ogc/collections/wards/items/{OWN_WARD}?{OGC_TIME}",
         (401, 200, 200, 404, 200, 200, 200), doc="wards",
         other_area=f"/ogc/collections/wards/items/{OTHER_WARD}?{OGC_TIME}"),
    # base-map tiles (BASEMAP, a file): any signed-in role and public mode; no police data
    Door("GET", "/tiles/<int:z>/<int:x>/<int:y>", "/tiles/0/0/0", PAGE),
    # signing in and out: anyone (with the form's token). These come last among the signed-in
    # rows: signing out ends every session of the account (docs/security.md).
    Door("GET", "/login", "/login", OPEN),
    Door(
        "POST",
        "/login",
        "/login",
        (302,) * 7,
        form="sign-in",
        redirect="/",
        redirects=(("officer", "/patrol"), ("commissioner", "/briefing")),
    ),
    Door("POST", "/logout", "/logout", (302,) * 7, form="token"),
    # files every page needs
    Door("GET", "/static/<path:filename>", "/static/app.css", OPEN),
    Door("GET", "/static/vendor/<path:filename>", "/static/vendor/leaflet@1.9.3/leaflet.js", OPEN),
    # no such route, no such method: the same answer for everyone
    Door("GET", None, "/no-such-page", (404,) * 7),
    Door("POST", None, "/map.json", (405,) * 7, form="token"),
)
# fmt: on


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Flask]:
    """The app as signed-in roles and anonymous visitors meet it, and in public mode (one
    account store and one disk cache for both)."""
    folder = tmp_path_factory.mktemp("truth-table")
    config = {
        "USERS_DB": str(folder / "users.sqlite3"),
        "CACHE_DIR": str(folder / "cache"),
        "WARM_PRESETS": 0,
        "BASEMAP": str(make_pmtiles(folder / "basemap.pmtiles")),
    }
    return {"plain": app_factory(**config), "public": app_factory(**config, PUBLIC_MODE=True)}


def _client(apps: dict[str, Flask], role: str) -> FlaskClient:
    if role in ("public", "anonymous"):
        return client_as(apps["public" if role == "public" else "plain"], None)
    return client_as(apps["plain"], "officer" if role == "officer_out" else role)


@pytest.fixture(scope="module")
def clients(apps: dict[str, Flask]) -> dict[str, FlaskClient]:
    """One client per role for the GET requests."""
    return {role: _client(apps, role) for role in ROLES}


@pytest.fixture(scope="module")
def stored_points(demo_store: Store) -> ExactPoints:
    """Every stored event location: offences, searches and raids."""
    events = demo_store.load()
    xy = np.column_stack([events.geometry.x, events.geometry.y])
    labels = [
        f"{layer} {str(eid)[:12]}"
        for layer, eid in zip(events["layer"], events["event_id"], strict=True)
    ]
    return ExactPoints(xy, labels)


def _request(
    apps: dict[str, Flask], clients: dict[str, FlaskClient], door: Door, role: str
) -> TestResponse:
    url = door.url_for(role)
    if door.form is None:
        return clients[role].get(url)
    client = _client(apps, role)  # a fresh session: a POST may end or change it
    data = {"csrf_token": csrf_token(client)}
    if door.form == "sign-in":
        account = role if role in ("officer", "commissioner", "analyst", "admin") else "analyst"
        data.update(username=ensure_user(apps["plain"], account), password=PASSWORD)
    return client.open(url, method=door.method, data=data)


# -- reading bodies -------------------------------------------------------------------------------


def body_texts(response: TestResponse) -> Iterator[str]:
    """The text of a body to scan (PDF through pdftotext; GeoPackage and Parquet as GeoJSON
    with their columns; PNG none)."""
    mimetype = response.mimetype or ""
    data = response.get_data()
    if mimetype == "image/png":
        return
    if mimetype == "application/pdf":
        if shutil.which("pdftotext") is None:
            reason = "pdftotext (poppler-utils) is not installed: PDF text not scanned"
            if os.environ.get("CI"):
                pytest.fail(reason)  # CI installs poppler-utils (.ci/run)
            pytest.skip(reason)
        yield subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        return
    if mimetype in GEO_FILES:
        for frame in _geo_frames(data, mimetype):
            if isinstance(frame, gpd.GeoDataFrame):
                yield frame.to_crs("EPSG:4326").to_json()
            else:  # a table without geometry (e.g. the GeoPackage's layer_styles)
                yield frame.to_json(date_format="iso")
        return
    yield data.decode("utf-8")


def _geo_frames(data: bytes, mimetype: str) -> list[pd.DataFrame]:
    """Every layer (and table) of a Parquet or GeoPackage body."""
    if mimetype.endswith("parquet"):
        return [gpd.read_parquet(io.BytesIO(data))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "body.gpkg"
        path.write_bytes(data)
        return [gpd.read_file(path, layer=name) for name in gpd.list_layers(path)["name"]]


def raid_names(response: TestResponse) -> list[str]:
    """JSON keys, CSV columns, GeoPackage/Parquet columns and HTML table headers (pages, and
    the popups of map frames) of a body that name a raid."""
    mimetype = response.mimetype or ""
    names: list[str] = []
    if mimetype in ("application/json", "application/geo+json"):
        names = list(_json_keys(json.loads(response.get_data())))
    elif mimetype == "text/csv":
        lines = [ln for ln in response.get_data(as_text=True).splitlines() if "," in ln]
        names = lines[0].split(",") if lines else []
    elif mimetype in GEO_FILES:
        names = [str(c) for f in _geo_frames(response.get_data(), mimetype) for c in f.columns]
    elif mimetype == "text/html":
        text = response.get_data(as_text=True)
        text = text.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
        names = _TABLE_HEADER.findall(text)
    return sorted({n.strip() for n in names if "raid" in n.lower()})


def _json_keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_keys(item)


def forbidden(role: str, points: ExactPoints) -> ExactPoints | None:
    """The stored points ``role`` may not be placed near (None: it may see every one)."""
    return None if role in EXACT_ROLES else points


# -- the table ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("door", TABLE, ids=lambda d: d.label)
def test_route_role_cell(
    apps: dict[str, Flask],
    clients: dict[str, FlaskClient],
    stored_points: ExactPoints,
    door: Door,
    role: str,
) -> None:
    """The door answers the role with the table's status; a 200 holds no location the role may
    not see (coordinates or hotspot geometry within 1 m of a stored event) and, for roles
    without raid figures, no field naming a raid."""
    with _request(apps, clients, door, role) as response:
        status = response.status_code
        want = door.expected(role)
        assert status == want, f"{door.method} {door.url_for(role)} as {role}: {status}"
        if status == 302:
            location = response.headers["Location"]
            redirect = door.redirect_for(role)
            assert location == redirect or location.startswith(redirect + "?next="), location
        if status != 200:
            return
        problems: list[str] = []
        if RAID_FIGURES[role] == "none" and (named := raid_names(response)):
            problems.append(f"names raids: {named}")
        points = forbidden(role, stored_points)
        if points is not None:
            leaks: list[Leak] = []
            for text in body_texts(response):
                leaks += coordinate_leaks(text, points) + geometry_leaks(text, points)
            if leaks:
                shown = "; ".join(str(leak) for leak in leaks[:3])
                near = len({leak.event for leak in leaks})
                problems.append(
                    f"{len(leaks)} place(s) within 1 m of {near} stored event(s): {shown}"
                )
        assert not problems, f"{door.method} {door.url_for(role)} as {role}: " + " | ".join(
            problems
        )


@pytest.mark.parametrize("role", ["officer", "analyst"])
@pytest.mark.parametrize(
    "door", [d for d in TABLE if d.method == "GET" and d.rule], ids=lambda d: d.label
)
def test_every_door_refuses_an_ambiguous_parameter(
    apps: dict[str, Flask], door: Door, role: str
) -> None:
    """A parameter sent twice is a 400 naming it wherever the role is let in (one rule before
    every view, web.filters.refuse_repeated): no door takes the first or the last silently."""
    if door.expected(role) != 200:
        pytest.skip(f"{role} is not let in ({door.expected(role)})")
    url = door.url + ("&" if "?" in door.url else "?") + "period=a&period=b"
    with _client(apps, role).get(url) as response:  # a new session: the table signs out
        assert response.status_code == 400, (url, response.status_code)
        assert "sent period= 2 times" in response.get_data(as_text=True)


def test_the_table_lists_every_route(apps: dict[str, Flask]) -> None:
    """Every (method, rule) of the app is in the table, and the table names no route the app
    does not have: a new route fails here until its row says who may call it."""
    routes = {
        (method, rule.rule)
        for rule in apps["plain"].url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    listed = {(d.method, d.rule) for d in TABLE if d.rule is not None}
    assert routes - listed == set(), "routes missing from the truth table"
    assert listed - routes == set(), "the truth table lists routes the app does not have"


def test_the_table_is_consistent() -> None:
    """A row per request, a status per role; a door without an area parameter answers the
    officer the same whichever area they have in mind; every status is one the rules name."""
    assert len({d.label for d in TABLE}) == len(TABLE)
    for door in TABLE:
        assert len(door.statuses) == len(ROLES), door.label
        if door.other_area is None:
            assert door.expected("officer_out") == door.expected("officer"), door.label
        assert set(door.statuses) <= {200, 302, 400, 401, 403, 404, 405}, door.label
        if door.method == "GET" and door.rule is not None:
            # anonymous visitors: pages go to sign in, machine routes 401, open files 200
            assert door.expected("anonymous") in (200, 302, 401), door.label


def test_the_demo_data_lets_the_scan_tell_snapped_from_exact(
    apps: dict[str, Flask], demo_store: Store
) -> None:
    """Snapped roles see offences at grid cell centres, and hotspots drawn around them: the scan
    can only tell those from exact points when no stored event lies near its cell centre (within
    the 1 m tolerance, plus the half metre the erosion leaves and the rounding of 5 decimals;
    the demo's nearest is 4.0 m). The officer's scope and the other area are in the store."""
    snap_m = float(apps["plain"].config["SNAP_M"])
    events = demo_store.load()
    xy = np.column_stack([events.geometry.x, events.geometry.y])
    centres = (np.floor(xy / snap_m) + 0.5) * snap_m
    assert np.hypot(*(xy - centres).T).min() > 2.5
    districts = set(events["district_code"])
    assert set(DEMO_OFFICER_SCOPE) <= districts and OTHER_DISTRICT in districts
    wards = set(events["ward_code"])
    assert {OWN_WARD, OTHER_WARD} <= wards
    assert (
        events.loc[events["ward_code"] == OWN_WARD, "district_code"].iloc[0] in DEMO_OFFICER_SCOPE
    )


# -- the documents agree with the table ------------------------------------------------------------

DOC_ROLES = {  # docs/roles.md route table columns
    "anonymous": "anonymous",
    "public": "public",
    "officer": "officer",
    "officer, other area": "officer_out",
    "commissioner": "commissioner",
    "analyst": "analyst",
    "admin": "admin",
}
#: Capabilities of the role tables -> the routes (method, rule) they stand for; None: a rule of
#: the scan (exact points: :data:`EXACT_ROLES`; raid figures: :data:`RAID_FIGURES`).
CAPABILITIES: dict[str, tuple[tuple[str, str], ...] | None] = {
    "map and ward figures": (
        ("GET", "/"),
        ("GET", "/map/frame"),
        ("GET", "/map.json"),
        ("GET", "/compare"),
        ("GET", "/compare/frame"),
        ("GET", "/api/v1/wards"),
    ),
    "hotspots": (("GET", "/api/v1/hotspots"),),
    "patrol plan": (("GET", "/patrol"), ("GET", "/patrol.csv"), ("GET", "/patrol.gpx")),
    "briefing": (("GET", "/briefing"), ("GET", "/briefing.png"), ("GET", "/briefing.pdf")),
    "events api": (("GET", "/api/v1/events"),),
    "upload": (("GET", "/upload"), ("POST", "/upload")),
    "audit log": (("GET", "/admin/audit"),),
    "exact points": None,
    "raid figures": None,
}
#: Role names of the role tables -> the truth table's roles.
TABLE_ROLES = {
    "analyst": ("analyst",),
    "admin": ("admin",),
    "officer": ("officer", "officer_out"),
    "commissioner": ("commissioner",),
    "public": ("public",),
}
_VALUE = re.compile(r"(own area|aggregates|yes|no)\b")


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every pipe table of a Markdown text: rows of cells (header first, no rule row)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _table_with(text: str, first_header: str) -> list[list[str]]:
    for table in markdown_tables(text):
        if table[0][0].strip("` ").lower() == first_header:
            return table
    raise AssertionError(f"no table whose first column is {first_header!r}")


def _capability(name: str) -> str | None:
    """The capability a row or column name stands for (None: a row the tables only explain)."""
    name = name.strip("` ").lower()
    found = [c for c in CAPABILITIES if name.startswith(c)]
    return found[0] if found else None


def _role(name: str) -> str:
    """``officer`` from ``officer (`--scope` codes)``."""
    return name.strip("` ").split()[0].strip("`")


def check_capability(capability: str, name: str, cell: str) -> None:
    """A role table's ``cell`` for ``capability`` and role ``name`` says what the truth table
    answers: "yes" 200 for every request of the capability's routes (a 400 for a request that
    is refused for what it sends, not for who sends it), "own area" 200 in the officer's area
    and 403 outside it, "no" 403; for the scan's rules, what :data:`EXACT_ROLES` and
    :data:`RAID_FIGURES` say."""
    match = _VALUE.match(cell.strip("` ").lower())
    assert match, f"{capability} / {name}: {cell!r} starts with none of yes, no, own area"
    value, roles = match[1], TABLE_ROLES[name]
    where = f"{capability} / {name}: {cell!r}"
    if capability == "exact points":
        assert (value == "yes") == all(r in EXACT_ROLES for r in roles), where
        assert value in ("yes", "no"), where
        return
    if capability == "raid figures":
        said = {"yes": "all", "aggregates": "aggregates", "no": "none"}[value]
        assert all(RAID_FIGURES[r] == said for r in roles), where
        return
    routes = CAPABILITIES[capability] or ()
    doors = [d for d in TABLE if (d.method, d.rule) in routes]
    assert {(d.method, d.rule) for d in doors} == set(routes), routes
    for door in doors:
        for role in roles:
            if value == "yes":
                want = {200, 400} if door.method == "POST" else {200}
            elif value == "no":
                want = {403}
            else:
                assert value == "own area", where
                want = {403} if role == "officer_out" and door.other_area else {200}
            assert door.expected(role) in want, f"{where}: {door.label} as {role}"


def test_docs_route_table_is_the_truth_table() -> None:
    """docs/roles.md's route table has one row per (method, rule) of the truth table with the
    statuses (and sign-in redirects) of every one of its requests; ``—`` where the route has no
    area parameter."""
    table = _table_with((ROOT / "docs" / "roles.md").read_text(encoding="utf-8"), "route")
    assert [c.lower() for c in table[0][1:]] == list(DOC_ROLES), table[0]
    documented: dict[tuple[str, str], tuple[str, ...]] = {}
    for row in table[1:]:
        method, _, rule = row[0].strip("`").partition(" ")
        cells = []
        for cell in row[1:]:
            match = re.match(r"(\d{3})(?: → (\S+))?|—", cell)
            assert match, f"{row[0]}: not a status: {cell!r}"
            cells.append(match[0])
        documented[(method, rule)] = tuple(cells)
    truth: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for door in TABLE:
        if door.rule is None:
            continue  # unknown routes and methods: 404 and 405 for everyone, said in prose
        cells = []
        for role in ROLES:
            status = door.expected(role)
            if role == "officer_out" and door.other_area is None:
                cells.append("—")
            else:
                cells.append(f"302 → {door.redirect_for(role)}" if status == 302 else str(status))
        truth.setdefault((door.method, str(door.doc_rule)), set()).add(tuple(cells))
    for key, variants in truth.items():
        assert len(variants) == 1, f"{key}: requests of one route answer differently"
        assert documented.get(key) == next(iter(variants)), f"{key} in docs/roles.md"
    assert set(documented) == set(truth), "docs/roles.md lists routes the table does not"


def test_docs_role_table_agrees_with_the_truth_table() -> None:
    """docs/roles.md's "what each role sees" table: each capability row says what the truth
    table answers for each role (other rows only explain)."""
    table = _table_with((ROOT / "docs" / "roles.md").read_text(encoding="utf-8"), "what")
    header = [_role(c) for c in table[0][1:]]
    assert sorted(header) == sorted(TABLE_ROLES), header
    checked = set()
    for row in table[1:]:
        capability = _capability(row[0])
        if capability is None:
            continue
        checked.add(capability)
        for name, cell in zip(header, row[1:], strict=True):
            check_capability(capability, name, cell)
    assert checked == set(CAPABILITIES), "capabilities missing from docs/roles.md"


def test_readme_role_table_agrees_with_the_truth_table() -> None:
    """The README's compact role table: each capability column says what the truth table
    answers for each role."""
    table = _table_with((ROOT / "README.md").read_text(encoding="utf-8"), "role")
    header = table[0]
    columns = [_capability(c) for c in header[1:]]
    assert set(columns) == set(CAPABILITIES), header
    names = [_role(row[0]) for row in table[1:]]
    assert sorted(names) == sorted(TABLE_ROLES), names
    for row in table[1:]:
        for capability, cell in zip(columns, row[1:], strict=True):
            assert capability is not None
            check_capability(capability, _role(row[0]), cell)
