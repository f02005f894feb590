"""A bad field re-shows the page's own form with the message beside it (issue 14 item 8).

On the demo store: the patrol plan, map, compare and briefing pages answer a bad field with a 400
that is their own form (same class, action and button as the page's), every other value as sent,
only the bad field ``aria-invalid`` and described by the message (``aria-describedby`` naming an
element that holds it), and a summary linking to the field. The upload page's refusal is shown
beside the file field, its box kept. A store without offences shows what it holds (200), and a
store without 3 consecutive months says why there is no patrol plan (200).
"""

from __future__ import annotations

import html as htmllib
import io
import re
from pathlib import Path

import pytest
from flask import Flask

from tests.accounts import csrf_token, sign_in
from tests.helpers import AppFactory
from tests.test_gaps import APP_CONFIG

_TAG = r"<(?:input|select|div)\b[^>]*\bid=\"{}\"[^>]*>"


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(**APP_CONFIG)


def tag(html: str, element_id: str) -> str:
    """The start tag of the element with ``element_id``."""
    match = re.search(_TAG.format(re.escape(element_id)), html)
    assert match, f"no element #{element_id}"
    return match[0]


def text_of(html: str, element_id: str) -> str:
    """The text of the ``<p>`` with ``element_id`` (tags removed)."""
    match = re.search(rf'<p [^>]*id="{re.escape(element_id)}"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no message #{element_id}"
    return htmllib.unescape(re.sub(r"<[^>]+>", "", match[1]))


def selected(html: str, select_id: str) -> list[str]:
    """The values of the selected options of a select."""
    body = html.split(tag(html, select_id), 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)" selected>', body)


#: path, the page's form (class, action, button), the bad field's control id, its message,
#: and (control id, what it must still hold) for the other values sent.
CASES = [
    (
        "/patrol?area=district&district=E07000010&to=2025-11&n=ten&significant=0&significant=1",
        ('class="filters patrol-form"', 'action="/patrol"', ">Make plan</button>"),
        "n",
        "a whole number of places from 1 to 50",
        [
            ("district", ["E07000010"]),
            ("to", ["2025-11"]),
            ("area-district", "checked"),
            ("significant", "checked"),
            ("n", 'value="ten"'),
        ],
    ),
    (
        "/patrol?area=district&district=E07999999&to=2025-11&n=7",
        ('class="filters patrol-form"', 'action="/patrol"', ">Make plan</button>"),
        "district",
        "E07000008",  # the codes it could be: Cambridge's is one
        [("district", ["E07999999"]), ("n", 'value="7"'), ("to", ["2025-11"])],
    ),
    (
        "/?from=2025-13&to=2025-11&measure=change&eps_m=150&raids=0",
        ('class="filters"', 'action="/"', ">Update</button>"),
        "from",
        "a month as YYYY-MM",
        [
            ("from", ["2025-13"]),
            ("to", ["2025-11"]),
            ("measure", ["change"]),
            ("eps_m", 'value="150"'),
        ],
    ),
    (
        "/compare?from=2025-07&to=2025-09&from2=2024-13&to2=2025-06",
        ('class="filters"', 'action="/compare"', ">Update</button>"),
        "from2",
        "a month as YYYY-MM",
        [("from", ["2025-07"]), ("to", ["2025-09"]), ("to2", ["2025-06"])],
    ),
    (
        "/briefing?from=2025-09&to=2025-1",
        ('class="filters"', 'action="/briefing"', ">Update</button>"),
        "to",
        "a month as YYYY-MM",
        [("from", ["2025-09"]), ("to", ["2025-1"])],
    ),
]


@pytest.mark.parametrize(("path", "form", "field", "message", "kept"), CASES)
def test_a_bad_field_reshows_the_pages_own_form_with_the_message_beside_it(
    app: Flask,
    path: str,
    form: tuple[str, ...],
    field: str,
    message: str,
    kept: list[tuple[str, object]],
) -> None:
    analyst = sign_in(app.test_client(), "analyst")
    response = analyst.get(path)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: " in html
    form_html = html.split("<form ", 2)[2] if "Sign out" in html else html  # past the banner's
    assert all(part in form_html for part in form), form
    # the bad field: marked, and described by its message
    bad = tag(html, field)
    assert 'aria-invalid="true"' in bad
    described = re.search(r'aria-describedby="([^"]+)"', bad)
    assert described and f"{field}-error" in described[1].split()
    assert message in text_of(html, f"{field}-error")
    assert html.count('aria-invalid="true"') == 1
    # the summary links to it
    assert f'<a href="#{field}">' in html.split('class="error-summary"', 1)[1].split("</div>")[0]
    # every other value as sent
    for control, held in kept:
        if isinstance(held, list):
            assert selected(html, control) == held, control
        else:
            assert str(held) in tag(html, control), control


def test_the_pages_still_show_no_error_markup(app: Flask) -> None:
    analyst = sign_in(app.test_client(), "analyst")
    for path in ("/", "/compare", "/briefing", "/patrol"):
        html = analyst.get(path).get_data(as_text=True)
        assert "aria-invalid" not in html and "field-error" not in html, path
        assert "(not available)" not in html, path


def test_a_refused_upload_says_why_beside_the_file_field_and_keeps_the_box(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = app_factory(**APP_CONFIG, USERS_DB=str(tmp_path / "users.sqlite3"))
    analyst = sign_in(app.test_client(), "analyst")
    data = {
        "csrf_token": csrf_token(analyst, "/upload"),
        "allow_shrink": "1",
        "files": [(io.BytesIO(b"not a csv"), "notes.txt")],
    }
    response = analyst.post("/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    files = tag(html, "files")
    assert 'aria-invalid="true"' in files and 'aria-describedby="files-hint files-error"' in files
    assert "'notes.txt': expected a .csv file" in text_of(html, "files-error")
    assert "checked" in tag(html, "allow_shrink")
    page = analyst.get("/upload").get_data(as_text=True)
    assert "aria-invalid" not in page and "checked" not in tag(page, "allow_shrink")


def test_a_bad_field_the_roles_form_does_not_show_is_named_in_the_summary(app: Flask) -> None:
    officer = sign_in(app.test_client(), "officer")  # no exact points: no raids box
    html = officer.get("/?raids=maybe").get_data(as_text=True)
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'id="raids"' not in html and 'href="#raids"' not in summary
    assert "Raids (1 or 0) (<code>raids</code>): expected 1 or 0; got <code>maybe</code>" in summary
