"""The audit log page (issue 14 item 8): filters by account, action and day, pages of 50, details
as text, and a bad filter re-shown beside its field; and a 400 of a page without a form of its own
re-showing its request as a form (web.errors.form_fields; pages with their own form:
tests/test_form_errors.py). Accounts in their own users file beside the
shared demo store, so the entries counted here are only this module's."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.users import UserStore
from tests.accounts import sign_in
from tests.helpers import AppFactory
from web.admin import detail_text


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    users_db = tmp_path_factory.mktemp("audit") / "users.sqlite3"
    app = app_factory(TESTING=True, USERS_DB=str(users_db))
    log = UserStore(str(users_db), actor="test")
    for i in range(60):  # 60 exports by alice, then 3 sign-ins of bob on two days
        log.audit("alice", "export", {"name": f"file-{i}.csv", "format": "csv"}, "10.0.0.1")
    with log._db() as con:
        for day in ("2025-12-01", "2025-12-02", "2025-12-02"):
            con.execute(
                "INSERT INTO audit (at, username, action, detail, address) VALUES (?, ?, ?, ?, ?)",
                (f"{day}T08:30:00+00:00", "bob", "login", '{"role": "officer"}', "10.0.0.2"),
            )
    return app


@pytest.fixture(scope="module")
def admin(app: Flask) -> FlaskClient:
    return sign_in(app.test_client(), "admin")


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_filter_by_user_and_action_finds_a_users_sign_ins(admin: FlaskClient) -> None:
    html = admin.get("/admin/audit?user=bob&action=login").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 3 and {r[1] for r in rows} == {"bob"} and {r[2] for r in rows} == {"login"}
    assert rows[0][4] == "role: officer"  # details as text, not JSON
    assert "Entries 1–3 of 3 matching the filter" in html


def test_filter_by_day_includes_both_days(admin: FlaskClient) -> None:
    one = _rows(admin.get("/admin/audit?user=bob&from=2025-12-02&to=2025-12-02").get_data(True))
    assert [r[0] for r in one] == ["2 December 2025, 08:30:00 UTC"] * 2  # hotspots.dates
    both = _rows(admin.get("/admin/audit?from=2025-12-01&to=2025-12-02").get_data(as_text=True))
    assert len(both) == 3
    # a day as a person in the UK writes it (the field is text: a date input shows the
    # browser's own format, mm/dd/yyyy in a US-English browser)
    for day in ("2 December 2025", "2 Dec 2025", "02/12/2025"):
        same = _rows(admin.get(f"/admin/audit?user=bob&from={day}&to={day}").get_data(True))
        assert same == one, day


def test_pages_of_fifty_newest_first(admin: FlaskClient) -> None:
    first = admin.get("/admin/audit?user=alice").get_data(as_text=True)
    rows = _rows(first)
    assert len(rows) == 50 and rows[0][4] == "name: file-59.csv; format: csv"
    assert "Page 1 of 2" in first and 'href="?user=alice&amp;page=2" rel="next"' in first
    second = _rows(admin.get("/admin/audit?user=alice&page=2").get_data(as_text=True))
    assert len(second) == 10 and second[-1][4] == "name: file-0.csv; format: csv"


def test_a_bad_filter_reshows_the_form_with_the_message_beside_the_field(
    admin: FlaskClient,
) -> None:
    response = admin.get("/admin/audit?user=bob&from=2025-13-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = html.split('id="audit-from"', 1)[1].split("</div>", 1)[0]
    assert 'aria-invalid="true"' in field and 'value="2025-13-01"' in field
    assert 'id="from-error">Expected a day such as 7 December 2026' in field
    assert 'aria-describedby="audit-from-hint from-error"' in field  # the hint and the error
    assert 'name="user" list="audit-accounts" value="bob"' in html  # the other filters kept
    assert admin.get("/admin/audit?action=nonsense").status_code == 400
    assert admin.get("/admin/audit?from=2025-12-02&to=2025-12-01").status_code == 400


def test_detail_text() -> None:
    assert detail_text({}) == ""
    assert detail_text({"files": ["a.csv", "b.csv"], "reason": None}) == "files: a.csv, b.csv"
    assert detail_text({"sources": {"offence": 3}}) == "sources (offence: 3)"


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/patrol.csv?n=ten&to=2025-11", "n", "ten"),
        ("/map/frame?from=2025-13&to=2025-11", "from", "2025-13"),
        ("/compare/frame?from=2025-01&to=2025-03&from2=2024-13&to2=2024-12", "from2", "2024-13"),
    ],
)
def test_a_400_without_its_own_form_reshows_the_request_as_a_form_beside_the_bad_field(
    app: Flask, path: str, field: str, value: str
) -> None:
    client = sign_in(app.test_client(), "analyst")
    response = client.get(path)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    form = html.split('<form class="filters fix-form" method="get" action="', 1)[1]
    assert form.startswith(path.split("?")[0] + '"')
    bad = form.split(f'name="{field}"', 1)[1].split("</div>", 1)[0]
    assert bad.startswith(f' value="{value}" aria-invalid="true"')
    assert 'class="field-error"' in bad and "Expected " in bad
    # the other fields keep their values, not marked
    assert 'name="to" value="2025-' in form and form.count('aria-invalid="true"') == 1
