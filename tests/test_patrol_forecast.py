"""Next month's forecast (:mod:`hotspots.evaluate.next_month`) and the patrol plan ranked by it,
on the hand-made patrol store of ``tests/test_patrol.py`` (places P, Q, R; 2025-01..06).

P (500500, 200500) has 5, 7, 2, 8, 1, 6 offences in months 01..06: busy every month, so the
forecast for 2025-07 puts its cell first and expects more there than at Q (6 in 06 only) or R
(5 in 05 only).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hotspots.evaluate import drug_offences
from hotspots.evaluate.next_month import next_month, top_cells
from hotspots.patrol import PatrolArea, patrol_plan
from hotspots.patrol.formats import plan_gpx
from hotspots.store import Store
from tests.helpers import AppFactory
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
    """Places are forecast cells with an offence before, by expected offences; the hotspots
    merge into the cells they overlap."""
    plan = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100, forecast=True)
    # Only the cells of P, R and Q ever had an offence: three places, whatever top_n.
    assert [p.location for p in plan.places] == [PLACES["P"][1], PLACES["Q"][1], PLACES["R"][1]]
    offences = [p.forecast_offences for p in plan.places]
    assert all(v is not None for v in offences) and offences == sorted(offences, reverse=True)
    info = plan.parameters["forecast"]
    assert info["month"] == "2025-07" and info["cell_m"] == 250
    for p in plan.places:
        # One 250 m cell of the forecast grid (origin on whole km): a ~150 m micro-place.
        x0, y0, x1, y1 = p.polygon.bounds
        assert (x1 - x0, y1 - y0) == (250, 250) and x0 % 250 == 0 and y0 % 250 == 0
        # Shares are of the plan area's expected total (here the whole toy force).
        assert p.forecast_share == pytest.approx(p.forecast_offences / info["expected_total"])
        assert len(p.hotspot_ranks) == 1  # each place overlaps its own basis hotspot
    # P's counts (tests/test_patrol.py): Apr-Jun 8 + 1 + 6, Jan-Mar 5 + 7 + 2.
    assert (plan.places[0].offences, plan.places[0].offences_prev) == (15, 14)
    assert plan.places[0].change == 1
    # Without the option nothing changes: hotspots, no forecast fields.
    plain = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100)
    assert plain.parameters["forecast"] is None
    assert all(p.forecast_offences is None and not p.hotspot_ranks for p in plain.places)
    # The handheld's file names what it holds, in words: the GPX of a forecast plan said
    # "hotspots of Apr-Jun 2025" and "Expected in 2025-07" (seen on Merseyside).
    gpx = plan_gpx(plan)
    assert "<name>Patrol plan: the whole force area, places expected in Jul 2025</name>" in gpx
    assert "Expected in Jul 2025: " in gpx and "2025-07" not in gpx
    assert "hotspots of Apr–Jun 2025</name>" in plan_gpx(plain)


def test_plan_capture_is_the_back_test_of_the_same_rule(toy_store: Path) -> None:  # noqa: F811
    """By hand, one place: Feb-Apr only P's cell had had offences and every offence was there
    (100%); in May P held 1 of 6 (R's cell had none before May); in June 6 of 12 (P first)."""
    plan = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100, forecast=True, top_n=1)
    capture = plan.parameters["forecast"]["capture"]
    assert capture["months"] == 5
    assert (capture["median"], capture["min"], capture["max"]) == pytest.approx((1.0, 1 / 6, 1))
    assert capture["text"] == (
        "In back-tests, the 1 place the forecast ranked first in this area held 100% of the "
        "area's drug offences the next month (median of 5 months, 17-100%)."
    )
    # An area of one ward: Bravo held only Q's cell, with no offence before June: no place.
    bravo = patrol_plan(
        Store(toy_store),
        end_month="2025-05",
        eps_m=100,
        forecast=True,
        area=PatrolArea.wards(["E05000002"]),
    )
    assert bravo.places == () and bravo.parameters["forecast"]["capture"]["months"] == 0


def test_readers_without_exact_points_get_cell_centres_only(toy_store: Path) -> None:  # noqa: F811
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    exact = patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100, forecast=True)
    snapped = patrol_plan(
        Store(toy_store), end_month="2025-06", eps_m=100, forecast=True, snap_m=250.0
    )
    xy, _ = drug_offences(Store(toy_store))
    at_p = xy[np.hypot(*(xy - np.array(PLACES["P"][0])).T) < 1.0][0]
    # Exact readers: the busiest offence location of the cell (P's point).
    assert (exact.places[0].lon, exact.places[0].lat) == pytest.approx(
        to_wgs84.transform(*at_p), abs=1e-5
    )
    for place in snapped.places:  # others: the 250 m cell's centre, nothing finer
        cx, cy = place.polygon.centroid.x, place.polygon.centroid.y
        assert (cx % 250, cy % 250) == (125, 125)
        assert (place.lon, place.lat) == pytest.approx(to_wgs84.transform(cx, cy), abs=1e-5)
    with pytest.raises(ValueError, match="snap_m"):
        patrol_plan(Store(toy_store), end_month="2025-06", eps_m=100, forecast=True, snap_m=300.0)


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


def test_analysts_map_has_a_forecast_layer_others_do_not(app_factory: AppFactory) -> None:
    from tests.accounts import sign_in

    app = app_factory(WARM_PRESETS=0)
    view = "/map/frame?from=2025-09&to=2025-11"
    analyst = sign_in(app.test_client(), "analyst").get(view).get_data(as_text=True)
    assert "Forecast for Dec 2025 (top cells)" in analyst
    assert "expected drug offences in 2025-12" in analyst
    quote = r".{1,12}"  # the apostrophe, escaped for HTML inside the map's script
    assert re.search(
        rf"In back-tests, the forecast{quote}s top \d+ cells \(1% of the area\) "
        rf"held \d+% of the next month{quote}s drug offences \(median of \d+ months",
        analyst,
    )
    for role in ("officer", "commissioner"):
        page = sign_in(app.test_client(), role).get(view).get_data(as_text=True)
        assert "Forecast for" not in page and "Forecast cell" not in page, role


def test_a_forecast_place_outside_every_hotspot_does_not_say_it_is_one(demo_store: Store) -> None:
    """A place ranked by the forecast need not be part of a hotspot of the basis period
    (``hotspot_ranks`` empty: the page says "listed by the forecast alone"); its reason and
    summary then say so, never "the 3 months together make it a hotspot"."""
    plan = patrol_plan(
        demo_store,
        end_month="2025-11",
        area=PatrolArea.district("E07000008"),
        top_n=10,
        forecast=True,
    )
    outside = [p for p in plan.places if not p.hotspot_ranks]
    inside = [p for p in plan.places if p.hotspot_ranks]
    assert outside and inside  # the demo's Cambridge plan has both (checked by hand)
    for place in outside:
        assert "make it a hotspot" not in place.reason, place.reason
        assert "over the months together" not in place.why, place.why
        assert "not part of a hotspot of Sep–Nov 2025" in place.reason, place.reason
    for place in plan.places:  # never "a hotspot in 0 of the last 6 months"
        assert "a hotspot in 0 " not in place.why + place.reason, (place.why, place.reason)
    for place in inside:
        assert "not part of a hotspot" not in place.reason


def test_capture_wording_says_so_with_one_or_no_back_tested_month(toy_store: Path) -> None:  # noqa: F811
    """M = the months actually back-tested: with one ("2025-02", forecast from January alone)
    the plan, the map's layer and ``capture_at`` name that month and give no median or range;
    with none (January alone stored up to the end) they say there is nothing to back-test."""
    from hotspots.render.maps import forecast_overlay

    store = Store(toy_store)
    one = next_month(store, "2025-02")
    assert [m for m, _, _ in one.backtest] == ["2025-02"]
    area = np.ones(one.grid.n_cells, dtype=bool)
    plan = patrol_plan(store, end_month="2025-02", eps_m=100, forecast=True, basis_months=2)
    texts = [
        one.area_capture(area, 2)["text"],
        forecast_overlay(one).capture_text,
        plan.parameters["forecast"]["capture"]["text"],
    ]
    for text in texts:
        assert "median" not in text and "months" not in text, text
        assert "the one back-tested month (Feb 2025)" in text, text
        assert re.search(r"held \d+% of", text), text
    # P held 7 of February's 7 offences (Q and R none): the top 2 cells by January's forecast
    # (P first, the only cell with an offence before) held all of them.
    assert "held 100% of" in texts[0]
    none = next_month(store, "2025-01")
    assert none.backtest == []
    for text in (
        none.area_capture(area, 2)["text"],
        forecast_overlay(none).capture_text,
    ):
        assert text == "No earlier month to back-test the forecast on.", text


def test_short_stores_forecast_from_what_they_hold(toy_store: Path) -> None:  # noqa: F811
    """One, two and three months up to the end: history, inner months and the choice say what
    was possible. One month: no inner month, the long-run count plus its 250 m neighbourhood
    (P's 5 offences lead), expected total 5; two: one inner month (February, forecast from
    January); three: two."""
    store = Store(toy_store)
    one, two, three = (next_month(store, f"2025-0{i}") for i in (1, 2, 3))
    assert one.info["n_history_months"] == 1 and one.info["inner_months"] == 0
    assert all(c["candidates"] == ["cell+250 m h=inf"] for c in one.info["chosen"].values())
    assert one.info["expected_total"] == pytest.approx(5.0)
    p_cell = int(np.argmax(one.counts["2025-01"]))
    assert int(np.argmax(one.score)) == p_cell
    assert (two.info["inner_months"], three.info["inner_months"]) == (1, 2)
    assert [m for m, _, _ in three.backtest] == ["2025-02", "2025-03"]
    assert all(c["blend_months"] == 0 for c in three.info["chosen"].values())  # < 3: the rule
    again = next_month(store, "2025-03")
    assert np.array_equal(again.score, three.score) and again.info == three.info


def test_tiny_force_map_layer_states_the_area_it_shows(toy_store: Path) -> None:  # noqa: F811
    """The toy force is 2 x 1.5 km (48 cells of 250 m, about City of London's 2.9 km²): 1% of
    it is 0.48 of a cell, so the layer shows the top cell, 2.1% of the area, and says so."""
    from hotspots.render.maps import forecast_overlay

    ahead = next_month(Store(toy_store), "2025-06")
    assert ahead.grid.n_cells == 48
    overlay = forecast_overlay(ahead)
    assert len(overlay.cells) == 1
    assert overlay.capture_text.startswith(
        "In back-tests, the forecast's top cell (2.1% of the area)"
    )
    capture = ahead.capture_at(1 / 48)
    assert f"held {100 * capture['median']:.0f}% of" in overlay.capture_text


@pytest.mark.parametrize("end", ["2025-03", "2025-12"])
def test_next_month_from_the_events_in_memory_is_the_same(demo_store: Store, end: str) -> None:
    """The web app passes its events in memory rather than have the store read again: the same
    forecast to the byte, for the force and for an area of wards (its months, cells, shares,
    back-test and choice)."""
    import pickle

    events = demo_store.load()
    wards = frozenset(sorted(events["ward_code"].dropna().unique())[:8])
    for area in (None, wards):
        read = next_month(demo_store, end, area=area)
        given = next_month(demo_store, end, area=area, events=events)
        assert read.backtest and len(read.score) > 0  # something to compare
        assert pickle.dumps(given) == pickle.dumps(read), area


def test_each_cells_nearest_ward_is_kept_per_grid_and_boundaries(toy_store: Path) -> None:  # noqa: F811
    """The nearest-ward join is kept for the next plan of the same grid and boundaries (it was
    made anew for every plan), and is made again when a ward's boundary differs."""
    import shapely

    from hotspots import schema
    from hotspots.patrol import forecast_places as fp

    store = Store(toy_store)
    grid = next_month(store, "2025-06").grid
    wards = store.load_boundary("wards")
    fp._NEAREST.clear()
    first = fp._nearest_wards(grid, wards)
    assert fp._nearest_wards(grid, wards) is first  # kept, not made again
    assert not first.flags.writeable  # callers copy before they change it
    # the toy wards: Alpha west of x = 501000, Bravo east (tests/conftest.py)
    x = grid.centres()[:, 0]
    assert set(first[x < 500900]) == {"E05000001"} and set(first[x > 501100]) == {"E05000002"}
    alpha_away = shapely.affinity.translate(wards.geometry.iloc[0], xoff=-5000)
    moved = wards.set_geometry([alpha_away, *wards.geometry.iloc[1:]], crs=wards.crs)
    again = fp._nearest_wards(grid, moved)
    assert again is not first and len(fp._NEAREST) == 2
    assert set(again) == {wards[schema.WARD_CODE].iloc[1]}  # Alpha moved 5 km away
