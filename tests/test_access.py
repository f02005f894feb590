"""Accounts, roles and hardening through the web app: who sees what, sign-in, CSRF, headers.

Everything runs on the shipped demo store (real police.uk drug offences, SYNTHETIC raids).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from flask import Flask
from pyproj import Transformer

from hotspots.users import UserStore
from tests.accounts import PASSWORD, csrf_token, ensure_user, sign_in
from tests.helpers import AppFactory, ClientFor

AUTUMN = "from=2025-09&to=2025-11"
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    cache = tmp_path_factory.mktemp("access-cache")
    return app_factory(CACHE_DIR=str(cache), WARM_PRESETS=0)


# -- who may see what --------------------------------------------------------------------------

# Which role may call which route, and that no answer places an event more precisely than the
# role may see: the route x role truth table, tests/test_route_role_table.py.


def test_every_route_is_gated(app: Flask) -> None:
    """Only the sign-in page and static files are open; every other route needs access."""
    from web.access import need_of
    from web.gate import OPEN_ENDPOINTS

    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS:
            continue
        need = need_of(rule.endpoint)
        if rule.endpoint.split(".")[0] in ("patrol", "briefing", "upload", "admin"):
            assert need != "any", rule.endpoint
    assert {"auth.login", "auth.login_submit", "static", "assets.vendor"} == OPEN_ENDPOINTS


def test_anonymous_pages_go_to_sign_in_and_come_back(app: Flask) -> None:
    client = app.test_client()
    response = client.get(f"/compare?{AUTUMN}")
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert unquote(location.split("next=", 1)[1]) == f"/compare?{AUTUMN}"
    token = csrf_token(client)
    name = ensure_user(app, "analyst")
    back = client.post(
        "/login",
        data={
            "username": name,
            "password": PASSWORD,
            "csrf_token": token,
            "next": f"/compare?{AUTUMN}",
        },
    )
    assert back.status_code == 302 and back.headers["Location"] == f"/compare?{AUTUMN}"
    # never to another site after signing in
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        again = client.post(
            "/login",
            data={
                "username": name,
                "password": PASSWORD,
                "csrf_token": csrf_token(client),
                "next": evil,
            },
        )
        assert again.headers["Location"] == "/", evil


def test_officers_see_their_area_without_raids_or_exact_points(client_for: ClientFor) -> None:
    client = client_for("officer")  # Cambridge, E07000008
    frame = client.get(f"/map/frame?{AUTUMN}&raids=1&searches=1&offences=clusters").get_data(
        as_text=True
    )
    assert "Raids" not in frame and "Stop-and-searches for drugs" not in frame  # no such layers
    assert "Heat" in frame or "heat" in frame  # clusters asked for, heat of snapped points given
    hotspots = client.get(f"/api/v1/hotspots?{AUTUMN}").get_json()["features"]
    assert hotspots and {f["properties"]["district_code"] for f in hotspots} == {"E07000008"}
    assert all("raids" not in f["properties"] for f in hotspots)
    wards = client.get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    assert {f["properties"]["district_code"] for f in wards} == {"E07000008"}
    assert not any(k.startswith("raid_") for k in wards[0]["properties"])
    page = client.get("/patrol?to=2025-11").get_data(as_text=True)
    assert "Cambridge" in page
    outside = client.get("/patrol?to=2025-11&area=district&district=E06000031")  # Peterborough
    assert outside.status_code == 403


def test_an_officer_whose_area_is_none_of_the_stores_wards_is_told_so(
    client_for: ClientFor,
) -> None:
    """Before: an officer account scoped to another force's district (here Liverpool's, on the
    Cambridgeshire demo store) got a map frame 500 and a headline of "0 vs 0" offences."""
    client = client_for("officer", ("E08000012",))
    for url in (
        f"/?{AUTUMN}",
        f"/map/frame?{AUTUMN}",
        f"/map.json?{AUTUMN}",
        f"/compare?{AUTUMN}",
        "/patrol?to=2025-11",
        f"/api/v1/wards?{AUTUMN}",
        "/api/v1/meta",
    ):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 403, (url, response.status_code)
        assert "E08000012" in text and "E07000008 (Cambridge)" in text, url
        assert "0 vs 0" not in text, url
    token = csrf_token(client, "/login")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302  # still open


def test_without_exact_points_offences_are_snapped_to_grid_centres(
    app: Flask, client_for: ClientFor
) -> None:
    snap_m = float(app.config["SNAP_M"])
    for role in ("commissioner", "officer"):
        heat_view = f"/map/frame?{AUTUMN}&offences=heat"  # heat is an option (issue 14)
        frame = client_for(role).get(heat_view).get_data(as_text=True)
        heat = re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", frame, re.S)
        assert heat, role
        points = np.array(eval(heat[1]))
        x, y = _TO_BNG.transform(points[:, 1], points[:, 0])
        # every point is a cell centre (to the ~1 m of the 5 decimals the page keeps)
        offset_x, offset_y = np.mod(x, snap_m) - snap_m / 2, np.mod(y, snap_m) - snap_m / 2
        assert np.abs(offset_x).max() < 3 and np.abs(offset_y).max() < 3, role
    exact = client_for("analyst").get(f"/map/frame?{AUTUMN}&offences=heat").get_data(as_text=True)
    points = np.array(eval(re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", exact, re.S)[1]))
    x, _ = _TO_BNG.transform(points[:, 1], points[:, 0])
    assert np.abs(np.mod(x, snap_m) - snap_m / 2).max() > 50  # analysts: where they happened


def test_pages_for_different_roles_never_share_a_cache_entry(client_for: ClientFor) -> None:
    analyst = client_for("analyst").get(f"/map/frame?{AUTUMN}")
    officer = client_for("officer").get(f"/map/frame?{AUTUMN}")
    assert analyst.headers["ETag"] != officer.headers["ETag"]
    assert "Raids" in analyst.get_data(as_text=True)
    assert "Raids" not in officer.get_data(as_text=True)
    # the analyst's ETag does not unlock the analyst's page for the officer
    again = client_for("officer").get(
        f"/map/frame?{AUTUMN}", headers={"If-None-Match": analyst.headers["ETag"]}
    )
    assert again.status_code == 200 and "Raids" not in again.get_data(as_text=True)


def test_public_mode_shows_suppressed_ward_aggregates_only(app_factory: AppFactory) -> None:
    app = app_factory(PUBLIC_MODE=True, WARM_PRESETS=0, CACHE_DIR="")
    client = app.test_client()
    assert client.get(f"/?{AUTUMN}").status_code == 200
    frame = client.get(f"/map/frame?{AUTUMN}&offences=heat").get_data(as_text=True)
    assert "heatLayer" not in frame and "Hotspots," not in frame and "Raids" not in frame
    below = int(app.config["SUPPRESS_BELOW"])
    wards = client.get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    counts = [f["properties"]["offence_count"] for f in wards]
    assert None in counts  # small counts suppressed...
    assert all(c is None or c >= below for c in counts)  # ...and no count under the threshold
    assert client.get(f"/api/v1/hotspots?{AUTUMN}").status_code == 403
    assert client.get(f"/api/v1/events?{AUTUMN}").status_code == 403
    assert client.get("/patrol").status_code == 403


# -- signing in ----------------------------------------------------------------------------------


def test_wrong_password_is_refused_and_audited(app: Flask) -> None:
    name = ensure_user(app, "commissioner")
    client = app.test_client()
    response = client.post(
        "/login", data={"username": name, "password": "wrong", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 401
    assert "not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    entry = UserStore(app.config["USERS_DB"]).recent(1, "login_failed")[0]
    assert entry.username == name and entry.address == "127.0.0.1"


def test_sign_in_is_rate_limited(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(
        USERS_DB=str(tmp_path / "u.sqlite3"),
        WARM_PRESETS=0,
        LOGIN_MAX_FAILURES=3,
        LOGIN_WINDOW_MINUTES=15,
        CACHE_DIR="",
    )
    name = ensure_user(app, "analyst")
    client = app.test_client()
    for _ in range(3):
        data = {"username": name, "password": "nope", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=data).status_code == 401
    data = {"username": name, "password": PASSWORD, "csrf_token": csrf_token(client)}
    blocked = client.post("/login", data=data)
    assert blocked.status_code == 429  # even the right password, until the window passes
    assert UserStore(tmp_path / "u.sqlite3").recent(1)[0].action == "login_blocked"


def test_session_cookie_is_http_only_secure_and_same_site(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": ensure_user(app, "analyst"), "password": PASSWORD, "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hotspots_session=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_disabling_an_account_ends_its_session(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0, CACHE_DIR="")
    client = sign_in(app.test_client(), "analyst")
    assert client.get("/api/v1/meta").status_code == 200
    UserStore(tmp_path / "u.sqlite3").set_disabled(ensure_user(app, "analyst"), True)
    assert client.get("/api/v1/meta").status_code == 401


def test_sessions_expire(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(
        USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0, CACHE_DIR="", SESSION_HOURS=1 / 3600
    )
    client = sign_in(app.test_client(), "analyst")
    assert client.get("/api/v1/meta").status_code == 200
    time.sleep(1.2)
    assert client.get("/api/v1/meta").status_code == 401


def test_sign_out_needs_the_form_token(client_for: ClientFor) -> None:
    client = client_for("analyst")
    assert client.post("/logout").status_code == 400  # a cross-site POST cannot sign you out
    assert client.get("/api/v1/meta").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert client.get("/api/v1/meta").status_code == 401


def test_sign_in_form_needs_its_token(app: Flask) -> None:
    client = app.test_client()
    data = {"username": ensure_user(app, "analyst"), "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 400


def test_trusted_proxy_header_signs_in_known_users_only(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    config = {"USERS_DB": str(tmp_path / "u.sqlite3"), "WARM_PRESETS": 0, "CACHE_DIR": ""}
    plain = app_factory(**config)
    name = ensure_user(plain, "commissioner")
    # off by default: the header means nothing
    response = plain.test_client().get("/api/v1/meta", headers={"X-Remote-User": name})
    assert response.status_code == 401
    sso = app_factory(**config, TRUSTED_USER_HEADER="X-Remote-User")
    client = sso.test_client()
    assert client.get("/api/v1/meta", headers={"X-Remote-User": name}).status_code == 200
    assert client.get("/api/v1/events", headers={"X-Remote-User": name}).status_code == 403
    assert client.get("/api/v1/meta", headers={"X-Remote-User": "stranger"}).status_code == 403


def test_one_signing_key_for_every_worker(app_factory: AppFactory, tmp_path: Path) -> None:
    config = {"USERS_DB": str(tmp_path / "u.sqlite3"), "WARM_PRESETS": 0, "CACHE_DIR": ""}
    first, second = app_factory(**config), app_factory(**config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    key_file = tmp_path / ".secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    client = sign_in(first.test_client(), "analyst")
    cookie = client.get_cookie("hotspots_session")
    other = second.test_client()
    other.set_cookie("hotspots_session", cookie.value)
    assert other.get("/api/v1/meta").status_code == 200  # a session from worker 1 works on 2


# -- headers, escaping, audit ------------------------------------------------------------------


def test_security_headers(app: Flask, client_for: ClientFor) -> None:
    client = client_for("analyst")
    page = client.get(f"/?{AUTUMN}")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    frame = client.get(f"/map/frame?{AUTUMN}")
    assert "script-src 'self' 'unsafe-inline'" in frame.headers["Content-Security-Policy"]
    for response in (page, frame, client.get("/api/v1/meta"), app.test_client().get("/login")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_tile_server_is_allowed_for_map_images_only(app_factory: AppFactory) -> None:
    app = app_factory(
        WARM_PRESETS=0,
        CACHE_DIR="",
        TILE_URL="https://tiles.force.example/{z}/{x}/{y}.png",
        TILE_ATTRIBUTION="OS",
    )
    client = sign_in(app.test_client(), "analyst")
    frame = client.get(f"/map/frame?{AUTUMN}").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.force.example" in frame
    page = client.get(f"/?{AUTUMN}").headers["Content-Security-Policy"]
    assert "tiles.force.example" not in page


def test_exports_are_audited_with_their_filters(app: Flask, client_for: ClientFor) -> None:
    client = client_for("analyst")
    assert client.get(f"/api/v1/events?{AUTUMN}&layer=raid&format=csv").status_code == 200
    entry = UserStore(app.config["USERS_DB"]).recent(1, "export")[0]
    assert entry.username == ensure_user(app, "analyst")
    assert entry.detail["format"] == "csv"
    assert entry.detail["request"]["layer"] == "raid"
    assert entry.detail["request"]["from"] == "2025-09"
    assert client_for("analyst").get("/patrol.gpx?to=2025-11").status_code == 200
    assert UserStore(app.config["USERS_DB"]).recent(1, "export")[0].detail["format"] == "gpx"
    audit = client_for("admin").get("/admin/audit?action=export").get_data(as_text=True)
    assert "patrol-" in audit and "events_2025-09_2025-11" in audit
    assert client_for("admin").get("/admin/audit?action=nonsense").status_code == 400


def test_a_cached_page_never_shows_another_visitors_name_or_token(
    app: Flask, client_for: ClientFor
) -> None:
    """Pages carry the banner (name, sign-out token): the data is shared, the page is not."""
    url = f"/?{AUTUMN}"
    ensure_user(app, "analyst", name="second-analyst")
    first = client_for("analyst")
    assert "test-analyst" in first.get(url).get_data(as_text=True)
    second = app.test_client()
    token = csrf_token(second)
    second.post(
        "/login", data={"username": "second-analyst", "password": PASSWORD, "csrf_token": token}
    )
    page = second.get(url).get_data(as_text=True)
    assert "second-analyst" in page and "test-analyst" not in page
    # the sign-out form on the page carries this session's token, so signing out works
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    assert second.post("/logout", data={"csrf_token": form_token}).status_code == 302
