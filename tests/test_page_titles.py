"""Each page's title says where the person is, in words, and no two pages a role reaches share
one (WCAG 2.4.2): the map says it is the map (and whose area), an error page says what went
wrong rather than a status number, and a bad period's message names months as the form lists
them ("Oct 2024"), not as the URL does."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.accounts import client_as
from tests.helpers import AppFactory

PAGES = ("/", "/compare", "/briefing", "/patrol", "/upload", "/api/docs", "/admin/users",
         "/admin/audit")  # fmt: skip
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(html: str) -> str:
    match = TITLE.search(html)
    assert match, "no title"
    return " ".join(match[1].split())


@pytest.mark.parametrize("role", ["officer", "commissioner", "analyst", "admin"])
def test_every_page_a_role_reaches_has_its_own_title(app: Flask, role: str) -> None:
    client = client_as(app, role)
    titles = {}
    for path in PAGES:
        response = client.get(path)
        if response.status_code == 200:
            titles[path] = _title(response.get_data(as_text=True))
    assert len(set(titles.values())) == len(titles), titles
    assert all(t.endswith(" – Drug hotspots") for t in titles.values()), titles
    where = "Map of Cambridge, " if role == "officer" else "Map, "
    assert titles["/"].startswith(where), titles["/"]  # not the period alone


def test_the_publics_map_promises_no_hotspots(app_factory: AppFactory) -> None:
    public = app_factory(PUBLIC_MODE=True, WARM_PRESETS=0)
    html = client_as(public, None).get("/").get_data(as_text=True)
    assert "<h1>Drug offences by ward, Oct–Dec 2025</h1>" in html  # was "Drug hotspots, ..."
    assert "<h1>Drug hotspots, Oct–Dec 2025</h1>" in client_as(app_factory(), "analyst").get(
        "/"
    ).get_data(as_text=True)


def test_an_error_page_is_titled_in_words(app: Flask) -> None:
    client = client_as(app, "officer")
    assert _title(client.get("/no-such-page").get_data(as_text=True)) == (
        "Page not found – Drug hotspots"
    )
    assert _title(client.get("/briefing").get_data(as_text=True)) == (
        "Not available to your role – Drug hotspots"
    )


def test_a_bad_period_is_told_in_the_forms_words(app: Flask) -> None:
    # the period itself not held (a comparison period not held is "no data", not a fault)
    html = client_as(app, "analyst").get("/compare?from=2024-10&to=2024-12").get_data(True)
    alert = html.split('role="alert"')[1].split(">", 1)[1]
    summary = " ".join(re.sub(r"<[^>]+>", " ", alert).split())
    assert summary.startswith(
        "There is a problem From ( from ): expected a period whose every month "
        "holds data: the store holds Jan–Dec 2025 (none for Oct–Dec 2024); got Oct 2024 ."
    ), summary[:300]
    assert "(YYYY-MM)" not in summary.split("Correct it below")[0]


def test_a_one_month_store_tells_each_role_a_way_on_it_can_take(
    app_factory: AppFactory, store_of: Callable[[frozenset[str]], Path]
) -> None:
    """Only roles that may upload are told to upload; the others are told who can."""
    app = app_factory(store_of(frozenset({"2025-07"})), WARM_PRESETS=0)
    for role, upload in (("analyst", True), ("officer", False), ("commissioner", False)):
        text = client_as(app, role).get("/compare").get_data(as_text=True)
        assert "there is no other period to compare it with" in text, role
        assert ('href="/upload"' in text) is upload, role
        if not upload:
            assert "once an analyst or administrator uploads another month" in text
