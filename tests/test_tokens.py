"""Personal API tokens: made and listed by ``hotspots users``, accepted on the machine routes as
``Authorization: Bearer`` or as HTTP Basic's password, acting as their account with its role;
never a password; ended by revocation, expiry or disabling the account; audited; stored hashed.
"""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from hotspots.cli import main
from hotspots.tokens import AUDIT_EVERY_S, PREFIX, issue_token, list_tokens
from hotspots.users import UserStore
from tests.accounts import PASSWORD, ensure_user
from tests.helpers import AppFactory

AUTUMN = "from=2025-09&to=2025-11"
EVENTS = f"/api/v1/events?{AUTUMN}&format=geojson"
WARDS = f"/api/v1/wards?{AUTUMN}"


@pytest.fixture
def app(app_factory: AppFactory, tmp_path: Path) -> Flask:
    return app_factory(
        USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0, CACHE_DIR="", TESTING=True
    )


def _users(app: Flask) -> UserStore:
    return UserStore(app.config["USERS_DB"], actor="test")


def _cli(app: Flask, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["users", "--users-db", app.config["USERS_DB"], *args]) == 0
    return capsys.readouterr().out


def _token(app: Flask, role: str, **kwargs: float) -> tuple[str, str]:
    name = ensure_user(app, role)
    return name, issue_token(_users(app), name, kwargs.get("expires_days"))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _basic(name: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{name}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def test_cli_prints_the_token_once_last_and_lists_without_it(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    name = ensure_user(app, "analyst")
    out = _cli(app, capsys, "token", name, "--expires-days", "30")
    token = out.rstrip("\n").splitlines()[-1]
    assert token.startswith(PREFIX) and len(token) >= 40
    assert app.test_client().get(WARDS, headers=_bearer(token)).status_code == 200
    listed = _cli(app, capsys, "tokens", name)
    assert token not in listed and token[len(PREFIX) :][:8] not in listed
    lines = listed.splitlines()
    assert len(lines) == 2 and lines[1].split()[0] == "1" and lines[1].endswith("active")
    assert "never" not in lines[1].split()[2]  # it expires
    assert lines[1].split()[3] != "never"  # used once above
    second = _cli(app, capsys, "token", name).splitlines()[-1]
    assert second != token and second.startswith(PREFIX)
    assert _cli(app, capsys, "revoke-token", name, "1").strip().endswith("revoked")
    assert [t.state() for t in list_tokens(_users(app), name)] == ["revoked", "active"]
    assert app.test_client().get(WARDS, headers=_bearer(token)).status_code == 401
    assert app.test_client().get(WARDS, headers=_bearer(second)).status_code == 200


def test_bearer_and_basic_act_as_the_account_with_its_role(app: Flask) -> None:
    analyst, analyst_token = _token(app, "analyst")
    officer, officer_token = _token(app, "officer")
    client = app.test_client()
    for headers in (_bearer(analyst_token), _basic(analyst, analyst_token)):
        response = client.get(EVENTS, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert len(response.get_json()["features"]) > 0
        assert "Set-Cookie" not in response.headers  # no session from a token
    everyone = client.get(WARDS, headers=_bearer(analyst_token)).get_json()["features"]
    assert len({f["properties"]["district_code"] for f in everyone}) > 1
    for headers in (_bearer(officer_token), _basic(officer, officer_token)):
        assert client.get(EVENTS, headers=headers).status_code == 403  # no exact points
        theirs = client.get(WARDS, headers=headers)
        assert theirs.status_code == 200
        districts = {f["properties"]["district_code"] for f in theirs.get_json()["features"]}
        assert districts == {"E07000008"}  # the officer's scope, as signed in on the web
    # Basic with another account's name and a valid token: refused.
    assert client.get(WARDS, headers=_basic(officer, analyst_token)).status_code == 401


def test_a_password_is_never_accepted_and_pages_ignore_tokens(app: Flask) -> None:
    name, token = _token(app, "analyst")
    client = app.test_client()
    refused = client.get(WARDS, headers=_basic(name, PASSWORD))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "password is never accepted" in refused.get_json()["error"]["message"]
    assert client.get(WARDS, headers=_bearer(PASSWORD)).status_code == 401
    assert client.get(WARDS, headers={"Authorization": f"Token {token}"}).status_code == 401
    assert client.get(WARDS).status_code == 401  # nothing sent: as before
    page = client.get("/upload", headers=_bearer(token))
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    # No failed sign-ins were counted against the account (no password was checked).
    with sqlite3.connect(app.config["USERS_DB"]) as con:
        assert con.execute("SELECT COUNT(*) FROM login_attempts").fetchone()[0] == 0


def test_revoked_expired_and_disabled_account_tokens_are_refused(app: Flask) -> None:
    users = _users(app)
    name, token = _token(app, "analyst")
    client = app.test_client()
    assert client.get(WARDS, headers=_bearer(token)).status_code == 200
    users.set_disabled(name, True)
    disabled = client.get(WARDS, headers=_bearer(token))
    assert disabled.status_code == 401 and "disabled" in disabled.get_json()["error"]["message"]
    assert client.get(WARDS, headers=_basic(name, token)).status_code == 401
    users.set_disabled(name, False)
    assert client.get(WARDS, headers=_bearer(token)).status_code == 200
    short = issue_token(users, name, expires_days=1)
    assert client.get(WARDS, headers=_bearer(short)).status_code == 200
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    with sqlite3.connect(app.config["USERS_DB"]) as con:
        con.execute("UPDATE api_tokens SET expires = ? WHERE id = 2", (past,))
    expired = client.get(WARDS, headers=_bearer(short))
    assert expired.status_code == 401 and "expired" in expired.get_json()["error"]["message"]
    assert main(["users", "--users-db", app.config["USERS_DB"], "revoke-token", name, "1"]) == 0
    assert client.get(WARDS, headers=_bearer(token)).status_code == 401
    reasons = [e.detail["reason"] for e in users.recent(action="token_refused")]
    assert reasons == ["revoked", "expired", "account disabled", "account disabled"]


def test_uses_are_audited_once_a_minute_per_token(app: Flask) -> None:
    users = _users(app)
    name, token = _token(app, "analyst")
    _, other = _token(app, "commissioner")
    client = app.test_client()
    for _ in range(3):
        assert client.get(WARDS, headers=_bearer(token)).status_code == 200
    assert client.get(WARDS, headers=_bearer(other)).status_code == 200
    used = users.recent(action="token_used")
    assert [(e.username, e.detail["token"], e.detail["path"]) for e in used] == [
        ("test-commissioner", 2, "/api/v1/wards"),
        (name, 1, "/api/v1/wards"),
    ]
    assert used[1].address == "127.0.0.1"
    # A minute later the next use writes a new row.
    earlier = (datetime.now(UTC) - timedelta(seconds=AUDIT_EVERY_S)).isoformat(timespec="seconds")
    with sqlite3.connect(app.config["USERS_DB"]) as con:
        con.execute("UPDATE api_tokens SET last_used = ? WHERE id = 1", (earlier,))
    assert client.get(WARDS, headers=_basic(name, token)).status_code == 200
    assert len(users.recent(action="token_used")) == 3
    assert [e.action for e in users.recent(action="token_issued")] == ["token_issued"] * 2


def test_the_token_is_not_in_the_accounts_file(app: Flask) -> None:
    _, token = _token(app, "analyst")
    assert app.test_client().get(WARDS, headers=_bearer(token)).status_code == 200
    stored = b"".join(
        path.read_bytes() for path in Path(app.config["USERS_DB"]).parent.glob("u.sqlite3*")
    )
    assert token.encode() not in stored and token[len(PREFIX) :].encode() not in stored
    with sqlite3.connect(app.config["USERS_DB"]) as con:
        (digest,) = con.execute("SELECT token_sha256 FROM api_tokens").fetchone()
    assert len(digest) == 64 and digest != token


def test_an_accounts_file_from_before_tokens_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
            "role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '[]', disabled INTEGER NOT NULL "
            "DEFAULT 0, created TEXT NOT NULL, updated TEXT NOT NULL)"
        )
        con.execute("INSERT INTO users VALUES ('jo', 'x', 'analyst', '[]', 0, 'then', 'then')")
    con.close()
    users = UserStore(path)
    token = issue_token(users, "jo")
    assert [t.username for t in list_tokens(users, "jo")] == ["jo"]
    from hotspots.tokens import token_account

    account = token_account(users, token)
    assert account is not None and (account.username, account.role) == ("jo", "analyst")
    assert token_account(users, PREFIX + "not-a-token") is None
