"""The accounts page without a browser (the browser journeys: tests/e2e/test_journeys_admin.py):
an officer added by district name gets its code, a password shown once that signs in, every
change in the audit log under the admin's name and address; a scope the store does not hold is
refused beside its field; an admin cannot disable their own account. Accounts in a users file
of this module's own beside the shared demo store."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.users import UserStore
from tests.accounts import csrf_token, ensure_user, sign_in
from tests.helpers import AppFactory


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    users_db = tmp_path_factory.mktemp("useradmin") / "users.sqlite3"
    return app_factory(TESTING=True, USERS_DB=str(users_db))


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return sign_in(app.test_client(), "admin")


def _post(client: FlaskClient, path: str, **fields: str) -> tuple[int, str]:
    response = client.post(path, data={"csrf_token": csrf_token(client, "/admin/users"), **fields})
    return response.status_code, response.get_data(as_text=True)


def _password(page: str) -> str:
    match = re.search(r'<code class="password">([^<]+)</code>', page)
    assert match, "no password shown"
    return match[1]


def test_an_officer_added_by_district_name_signs_in_with_the_password_shown_once(
    app: Flask, admin: FlaskClient
) -> None:
    status, page = _post(admin, "/admin/users", username="PC.Ali", role="officer", area="cambridge")
    assert status == 200
    assert "Account pc.ali added: officer for Cambridge." in page
    password = _password(page)
    users = UserStore(app.config["USERS_DB"])
    added = users.get("pc.ali")
    assert added is not None and added.role == "officer" and added.scope == ("E07000008",)
    assert users.authenticate("pc.ali", password) == added
    # the listing names the area, never the code, and never shows the password again
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "Officer: Cambridge. Can sign in." in listing
    assert password not in listing and "E07000008" not in listing
    entry = users.recent(1, "user_added")[0]
    admin_name = ensure_user(app, "admin")
    assert (entry.username, entry.address) == (admin_name, "127.0.0.1")
    assert entry.detail == {"user": "pc.ali", "role": "officer", "scope": ["E07000008"]}
    # a reset: a new password, the old one refused, audited under the admin's name
    status, page = _post(admin, "/admin/users/pc.ali/password")
    assert status == 200 and "New password for pc.ali; their sessions have ended." in page
    new = _password(page)
    assert users.authenticate("pc.ali", password) is None
    assert users.authenticate("pc.ali", new) is not None
    assert users.recent(1, "password_changed")[0].username == admin_name
    # disabled: no sign-in
    status, page = _post(admin, "/admin/users/pc.ali/disable")
    assert status == 200 and "Account pc.ali disabled: it cannot sign in." in page
    assert users.authenticate("pc.ali", new) is None
    status, page = _post(admin, "/admin/users/pc.ali/enable")
    assert status == 200 and users.authenticate("pc.ali", new) is not None


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        (
            {"username": "pc.bo", "role": "officer", "area": "E07000999"},
            "area",
            "not among the store&#39;s wards or districts; its districts are E06000031",
        ),
        ({"username": "pc.bo", "role": "officer", "area": ""}, "area", "An officer needs an area"),
        (
            {"username": "boss", "role": "analyst", "area": "Cambridge"},
            "area",
            "Only officers have an area; the analyst role sees the whole force",
        ),
        ({"username": "x", "role": "officer", "area": "Cambridge"}, "username", "expected 2-64"),
        ({"username": "pc.bo", "role": "", "area": ""}, "role", "expected one of"),
    ],
)
def test_a_bad_account_is_refused_beside_its_field(
    app: Flask, admin: FlaskClient, fields: dict[str, str], field: str, said: str
) -> None:
    status, page = _post(admin, "/admin/users", **fields)
    assert status == 400
    error = re.search(rf'<p class="field-error" id="new-{field}-error">(.*?)</p>', page, re.S)
    assert error and said in error[1], page[-3000:]
    assert page.count('aria-invalid="true"') == 1
    assert UserStore(app.config["USERS_DB"]).get(fields["username"] or "-") is None


def test_an_admin_cannot_disable_their_own_account(app: Flask, admin: FlaskClient) -> None:
    me = ensure_user(app, "admin")
    status, page = _post(admin, f"/admin/users/{me}/disable")
    assert status == 400 and "You cannot disable your own account" in page
    user = UserStore(app.config["USERS_DB"]).get(me)
    assert user is not None and not user.disabled


@pytest.mark.parametrize("field", ["username", "area"])
def test_a_refused_megabyte_value_is_named_by_its_start_and_length(
    admin: FlaskClient, field: str
) -> None:
    """A refusal repeated the whole value sent (a 2 MB name came back twice: a 4 MB page); it
    now gives its first 80 characters and its length."""
    fields = {"username": "pc.bo", "role": "officer", "area": "Cambridge"}
    fields[field] = "x" * 2_000_000
    status, page = _post(admin, "/admin/users", **fields)
    assert status == 400
    assert "(2,000,000 characters)" in page and len(page) < 100_000
