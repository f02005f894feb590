"""An officer's significance columns hold no figure of the force's offences.

The significance test (:mod:`hotspots.significance`) compares a hotspot's zone (``c`` drug
offences among ``n`` offences of any type) with the whole force's period (``C`` among ``N``):
``expected_drug_offences = n x C / N`` and ``llr`` is Kulldorff's Bernoulli log-likelihood
ratio of (c, n, C, N). An officer was given both for a hotspot wholly inside their area, with
``c`` and ``n``: ``expected / n`` is the force's ``C / N``, and the one ``llr`` then gives ``C``
(the force's drug offences of the period) exactly. They are blank for an officer now
(``hotspots.area_hotspots.FORCE_TOTAL_COLUMNS``); ``p``, ``q`` and ``significant`` stay.

The hand-made world (tests/conftest.py ``toy_boundaries``), Apr-Jun 2025: hotspot ``A`` in ward
Alpha (5 points 20 m apart, 6 drug offences each a month: 90), hotspot ``B`` in Bravo (5 points,
10 each a month: 150), and 4 burglaries a month at each of 8 points spread over both wards
(96). The force holds C = 240 drug offences among N = 336.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from scipy.optimize import brentq

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import STREET_HEADER, AppFactory, street_row

PERIOD = "from=2025-04&to=2025-06"
MONTHS = ("2025-04", "2025-05", "2025-06")
ALPHA = "E05000001"
C_FORCE, N_FORCE = 240, 336


@pytest.fixture(scope="module")
def app(
    app_factory: AppFactory,
    toy_boundaries: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    folder = tmp_path_factory.mktemp("significance_toy")
    groups = [((500300, 200300), 6, "A"), ((501700, 200800), 10, "B")]
    background = [(500100 + 250 * i, 200100 + 100 * (i % 3)) for i in range(8)]
    paths = []
    for month in MONTHS:
        rows = [
            street_row(f"{name}{month}-{p}-{k}", x + 20 * p, y, month=month)
            for (x, y), each, name in groups
            for p in range(5)
            for k in range(each)
        ]
        rows += [
            street_row(f"Z{month}-{p}-{k}", x, y, month=month, crime_type="Burglary")
            for p, (x, y) in enumerate(background)
            for k in range(4)
        ]
        path = folder / f"{month}-toyshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
        paths.append(path)
    wards_path, area_path = toy_boundaries
    ingest(
        paths,
        wards=read_wards(wards_path),
        force_area=read_force_area(area_path),
        store=Store(folder / "store"),
        all_crime_types=True,
    )
    return app_factory(folder / "store", TESTING=True, WARM_PRESETS=0, SIGNIFICANCE_SIMS=19)


def _hotspots(app: Flask, role: str) -> pd.DataFrame:
    scope = (ALPHA,) if role == "officer" else ()
    response = client_as(app, role, scope).get(f"/api/v1/hotspots?{PERIOD}&format=csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), comment="#")


def _llr(c: float, n: float, big_c: float, big_n: float) -> float:
    """Kulldorff's Bernoulli LLR, as :mod:`hotspots.significance` writes it."""

    def t(a: float, b: float) -> float:
        return a * math.log(a / b) if a > 0 else 0.0

    return (
        t(c, n)
        + t(n - c, n)
        + t(big_c - c, big_n - n)
        + t(big_n - n - big_c + c, big_n - n)
        - t(big_c, big_n)
        - t(big_n - big_c, big_n)
    )


def force_drug_offences(c: float, n: float, expected: float, llr: float) -> float:
    """The force's C from one hotspot's c, n, expected drug offences and LLR."""
    share = expected / n  # C / N
    return brentq(lambda big_c: _llr(c, n, big_c, big_c / share) - llr, c + 1e-6, 1e7)


def test_the_world_gives_the_force_count_away_through_the_analysts_columns(app: Flask) -> None:
    """Worked out: the analyst's row of hotspot A (c, n, expected, llr) gives C = 240."""
    analyst = _hotspots(app, "analyst")
    row = analyst.loc[analyst["zone_drug_offences"] == 90].iloc[0]
    assert row["expected_drug_offences"] == pytest.approx(row["zone_offences"] * C_FORCE / N_FORCE)
    recovered = force_drug_offences(
        row["zone_drug_offences"], row["zone_offences"], row["expected_drug_offences"], row["llr"]
    )
    assert recovered == pytest.approx(C_FORCE, abs=0.01)


def test_an_officer_gets_no_significance_column_made_from_the_force_totals(app: Flask) -> None:
    officer = _hotspots(app, "officer")
    assert len(officer) == 1 and officer["offences"].tolist() == [90]  # A, whole in Alpha
    assert officer["expected_drug_offences"].isna().all()
    assert officer["llr"].isna().all()
    assert officer["p_value"].notna().all()  # the verdict stays
    assert officer["zone_drug_offences"].tolist() == [90]  # the zone's own counts stay


@pytest.mark.parametrize("door", ["/", "/map/frame", "/map.json", "/api/v1/hotspots"])
def test_no_officer_door_shows_the_expected_count(app: Flask, door: str) -> None:
    """The analyst's expected drug offences of hotspot A, 90 x 240 / 336 = 64.29, on no door."""
    response = client_as(app, "officer", (ALPHA,)).get(f"{door}?{PERIOD}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "64.2" not in body and "64.3" not in body


def test_the_servers_analysis_keeps_its_significance_but_not_the_other_offences(app: Flask) -> None:
    """The 96 burglaries are the test's background (N = 336 = 240 + 96): the analysis the server
    caches (memory and disk) has its p-values but does not carry them (a large force's year with
    every crime type: ~1M rows, seconds to pickle; docs/benchmarks.md "A large force")."""
    from werkzeug.datastructures import MultiDict

    from web.analyses import full_analysis
    from web.data import state
    from web.filters import parse_view

    with app.test_request_context(f"/?{PERIOD}"):
        view = parse_view(MultiDict({"from": "2025-04", "to": "2025-06"}), list(MONTHS), 3)
        analysis = full_analysis(view)
        assert state().events is not None
        burglaries = (state().events["category"] == "Burglary").sum()
    assert burglaries == 96
    assert analysis.other_offences is None
    significance = analysis.parameters["significance"]
    assert significance["available"] is True, significance
    assert analysis.hotspots["p_value"].notna().all() and len(analysis.hotspots) == 2
