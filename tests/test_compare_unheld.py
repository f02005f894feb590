"""``/compare`` of a period whose comparison period the store does not hold: the period's
figures and "no data for the comparison period ..." naming the months not held (the words of
:func:`hotspots.figures.comparison_note`), a link to the period's map and the period form
filled in, never a 400 the user must correct ("a change needs both periods").

On the shared demo store (read-only): it holds Jan-Dec 2025, so Jan-Mar 2025's previous
period, Oct-Dec 2024, is not held at all and Dec 2024-Feb 2025 is held in part.
"""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from hotspots.figures import comparison_note
from hotspots.periods import Period
from tests.helpers import AppFactory


def _text(body: bytes) -> str:
    """A page's visible text, one space between words."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.mark.parametrize(
    ("query", "other", "missing"),
    [
        # the previous period, not named: Oct-Dec 2024
        ("from=2025-01&to=2025-03", "Oct–Dec 2024", "Oct–Dec 2024"),
        # named by the user, not held at all, then in part (Dec 2024 missing)
        ("from=2025-01&to=2025-03&from2=2024-10&to2=2024-12", "Oct–Dec 2024", "Oct–Dec 2024"),
        ("from=2025-01&to=2025-03&from2=2024-12&to2=2025-02", "Dec 2024–Feb 2025", "Dec 2024"),
    ],
)
def test_a_comparison_period_not_held_is_no_data_not_an_error(
    client: FlaskClient, query: str, other: str, missing: str
) -> None:
    response = client.get(f"/compare?{query}")
    assert response.status_code == 200, _text(response.data)[:400]
    text = _text(response.data)
    assert f"Compare Jan–Mar 2025 with {other}" in text
    assert "There is a problem" not in text and 'role="alert"' not in response.data.decode()
    # the period's own figure, with the change "no data" in the figure rule's words
    period = {
        "Oct–Dec 2024": Period.months("2024-10", "2024-12"),
        "Dec 2024–Feb 2025": Period.months("2024-12", "2025-02"),
    }[other]
    held = [f"2025-{m:02d}" for m in range(1, 13)]
    note = comparison_note("offence", period, held)
    assert note.startswith(f"no data for the comparison period {other}")
    assert f"426 drug offences in Jan–Mar 2025; {note}." in text
    assert f"The store holds no records for {missing} (it holds Jan–Dec 2025)" in text
    # a way on: the period's map, and the form with the period filled in
    page = response.data.decode()
    assert 'href="/?from=2025-01&amp;to=2025-03' in page
    assert re.search(r'<select id="from" name="from"[^>]*>.*?value="2025-01" selected', page, re.S)
    assert re.search(r'<select id="to" name="to"[^>]*>.*?value="2025-03" selected', page, re.S)


def test_a_held_comparison_is_still_the_two_maps(client: FlaskClient) -> None:
    """The held case is unchanged: both periods' figures and the frame of two maps."""
    text = _text(client.get("/compare?from=2025-04&to=2025-06").data)
    assert "Compare Apr–Jun 2025 with Jan–Mar 2025" in text and "no data" not in text


def test_a_malformed_comparison_month_is_still_a_400(client: FlaskClient) -> None:
    response = client.get("/compare?from=2025-04&to=2025-06&from2=2024-13&to2=2025-01")
    assert response.status_code == 400


def test_the_public_gets_the_same_page_for_its_first_quarter(app_factory: AppFactory) -> None:
    """The public's quarter picker sends ``to`` only: Jan-Mar 2025 against Oct-Dec 2024."""
    public = app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0).test_client()
    response = public.get("/compare?to=2025-03")
    assert response.status_code == 200
    text = _text(response.data)
    assert "Compare Jan–Mar 2025 with Oct–Dec 2024" in text
    assert "; no data for the comparison period Oct–Dec 2024." in text
    assert re.search(
        r'<select id="to" name="to"[^>]*>.*?value="2025-03" selected', response.data.decode(), re.S
    )


# -- the frame, and a comparison period given by one end only ------------------------------------

#: (query, the comparison period the page names, the months of it not held or None when held).
#: One of ``from2``/``to2`` alone: the period of as many months as the first that starts at
#: ``from2`` or ends at ``to2`` (docs/periods.md), held or "no data" like a period given whole.
HALF_GIVEN = [
    ("from=2025-04&to=2025-06&to2=2025-03", "Jan–Mar 2025", None),
    ("from=2025-04&to=2025-06&from2=2025-01", "Jan–Mar 2025", None),
    ("from=2025-05&to=2025-06&from2=2025-01", "Jan–Feb 2025", None),
    ("from=2025-04&to=2025-06&to2=2025-02", "Dec 2024–Feb 2025", "Dec 2024"),
    ("from=2025-04&to=2025-06&from2=2024-11", "Nov 2024–Jan 2025", "Nov–Dec 2024"),
    ("from=2025-10&to=2025-12&from2=2025-11", "Nov 2025–Jan 2026", "Jan 2026"),
]


@pytest.mark.parametrize(("query", "other", "missing"), HALF_GIVEN)
def test_a_comparison_given_by_one_end_has_the_first_periods_length(
    client: FlaskClient, query: str, other: str, missing: str | None
) -> None:
    response = client.get(f"/compare?{query}")
    assert response.status_code == 200, _text(response.data)[:400]
    text = _text(response.data)
    assert re.search(rf"Compare \w+–\w+ 2025 with {other}\b", text), text[:300]
    if missing is None:
        assert "no data for the comparison period" not in text
    else:
        assert f"no data for the comparison period {other}" in text
        assert f"The store holds no records for {missing}" in text


@pytest.mark.parametrize(
    ("query", "other", "missing"),
    [
        ("from=2025-01&to=2025-03", "Oct–Dec 2024", "Oct–Dec 2024"),
        ("from=2025-01&to=2025-03&from2=2024-12&to2=2025-02", "Dec 2024–Feb 2025", "Dec 2024"),
        *[case for case in HALF_GIVEN if case[2] is not None],
    ],
)
def test_the_frame_of_an_unheld_comparison_says_no_data(
    client: FlaskClient, query: str, other: str, missing: str
) -> None:
    """``/compare/frame`` answers as ``/compare`` does (was a 400): the rule's words, the
    months not held, a way to the period's map; no map of a period not held."""
    response = client.get(f"/compare/frame?{query}")
    assert response.status_code == 200, _text(response.data)[:400]
    text = _text(response.data)
    assert f"no data for the comparison period {other}" in text
    assert f"the store holds no records for {missing} (it holds Jan–Dec 2025)" in text
    assert 'target="_top"' in response.data.decode()
    assert "leaflet" not in response.data.decode().lower()


def test_a_held_comparison_frame_is_still_the_two_maps(client: FlaskClient) -> None:
    response = client.get("/compare/frame?from=2025-04&to=2025-06&to2=2025-03")
    assert response.status_code == 200
    assert "Jan–Mar 2025 (left) and Apr–Jun 2025 (right)" in response.data.decode()
