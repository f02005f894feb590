"""Next month's forecast (:mod:`hotspots.evaluate.next_month`) and the patrol plan ranked by it,
on the hand-made patrol store of ``tests/test_patrol.py`` (places P, Q, R; 2025-01..06).

P (500500, 200500) has 5, 7, 2, 8, 1, 6 offences in months 01..06: busy every month, so the
forecast for 2025-07 puts its cell first and expects more there than at Q (6 in 06 only) or R
(5 in 05 only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotspots.evaluate import drug_offences
from hotspots.evaluate.next_month import next_month, top_cells
from hotspots.patrol import patrol_plan
from hotspots.store import Store
from tests.test_patrol import PLACES, toy_store  # noqa: F401  (the fixture)


def test_next_month_puts_the_busy_place_first_and_back_tests_itself(toy_store: Path) -> None:  # noqa: F811
    ahead = next_month(Store(toy_store), "2025-06")
    assert ahead.month == "2025-07"
    assert ahead.info["history_months"] == "2025-01..2025-06"
    # P sits on a cell corner; its stored points (via lon/lat) fall in one cell next to it.
    xy, _ = drug_offences(Store(toy_store))
    at_p = xy[np.hypot(*(xy - np.array(PLACES["P"][0])).T) < 1.0]
    p_cell = int(ahead.grid.position(at_p[:1])[0])
    assert (ahead.grid.position(at_p) == p_cell).all()
    assert int(np.argmax(ahead.score)) == p_cell
    top = top_cells(ahead, 3)
    assert top["rank"].tolist() == [1, 2, 3]
    assert ahead.expected_share.sum() == pytest.approx(1.0)
    # Expected total: recency-weighted mean of the monthly totals (half-life 3 months).
    totals = np.array([5, 7, 2, 8, 6, 12], dtype=float)
    w = 0.5 ** ((np.arange(6, 0, -1) - 1) / 3.0)
    assert ahead.info["expected_total"] == pytest.approx(totals @ w / w.sum())
    assert ahead.expected_offences.sum() == pytest.approx(ahead.info["expected_total"])
    # Back-test: Feb..Jun each have a month before them.
    assert [m for m, _, _ in ahead.backtest] == [
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    capture = ahead.capture_at(1 / ahead.grid.n_cells)
    assert capture["months"] == 5 and 0 <= capture["min"] <= capture["median"] <= 1


def test_next_month_reads_nothing_after_its_end_month(toy_store: Path) -> None:  # noqa: F811
    store = Store(toy_store)
    early = next_month(store, "2025-05")  # forecast for June from Jan..May
    late = next_month(store, "2025-06")  # its back-test forecasts June from Jan..May too
    june = dict((m, s) for m, _, s in late.backtest)["2025-06"]
    assert np.array_equal(early.score, june)


def test_patrol_plan_ranked_by_forecast(toy_store: Path) -> None:  # noqa: F811
    plan = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100, forecast=True)
    offences = [p.forecast_offences for p in plan.places]
    assert plan.places and all(v is not None for v in offences)
    assert offences == sorted(offences, reverse=True)
    assert plan.places[0].location == PLACES["P"][1]
    assert all(0 < (p.forecast_share or 0) <= 1 for p in plan.places)
    info = plan.parameters["forecast"]
    assert info["month"] == "2025-07"
    assert info["capture"]["months"] == 5 and "median of 5 months" in info["capture"]["text"]
    # Without the option nothing changes: no forecast fields.
    plain = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100)
    assert plain.parameters["forecast"] is None
    assert all(p.forecast_offences is None for p in plain.places)


def test_forecast_layer_draws_the_top_cells(toy_store: Path) -> None:  # noqa: F811
    import folium
    import geopandas as gpd

    from hotspots.render.layers import forecast_layer

    ahead = next_month(Store(toy_store), "2025-06")
    cells = gpd.GeoDataFrame(top_cells(ahead, 4), geometry="geometry", crs="EPSG:27700")
    text = ahead.capture_at(4 / ahead.grid.n_cells)
    layer = forecast_layer(
        cells,
        name="Forecast (analysts)",
        month=ahead.month,
        capture_text=f"median capture {text['median']:.2f}",
    )
    assert layer is not None
    m = folium.Map(location=[52.2, 0.1], tiles=None)
    layer.add_to(m)
    page = m.get_root().render()
    assert "Forecast cell 1:" in page and "expected drug offences in 2025-07" in page
    assert "median capture" in page
    assert forecast_layer(cells.iloc[:0], name="x", month="2025-07") is None
