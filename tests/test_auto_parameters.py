"""What ``auto`` stands for: the automatic rule or the pair the store's nested back-test favours
(issue 15, deliverable 4), worked out by hand on a made-up world, and its explanation in the
command line's text and JSON and on the map page.

The world, on a 3 x 3 km square of 250 m cells (144 cells), one cell as the patrol area
(0.0625 km², so PAI = 144 x the share of the month's offences in the chosen cell), fit 3 months:

- place A: 12 offences a month on one point (36 in any fit window);
- each month a one-off burst somewhere new: 5 points 40 m apart in a row, 10 offences each
  (50; never again).

Pairs: ``eps_m`` 50 or 150 m with ``min_samples`` 33, and the automatic rule.

- (50, 33): A is a core point (36 >= 33); a burst point has at most 10 + 10 + 10 = 30 within
  50 m: no burst is a hotspot. The top cell is A's: 12 of the month's 62 offences, PAI
  144 x 12 / 62 = 27.87, every month.
- (150, 33): every burst point has the whole burst (50) within 150 m: each burst is a hotspot
  of 50 offences, ranked above A (36); the top cell is a past burst's: PAI 0.
- automatic rule: ``min_samples`` = max(5, min(ceil(3 x 3) = 9, ceil(1% of 186) = 2)) = 5 and
  ``eps_m`` >= 50 m (its floor), so each burst chains into one hotspot of 50 above A: PAI 0.

Test months (3 fit months before them): April to September; a nested choice needs 2 earlier
test months: June onwards. Each month the pair best on the earlier months is (50, 33)
(27.87 against 0), so out of sample the nested choice scores 27.87 every month and the
automatic rule 0: with 3 or more months (to August onwards) the back-test favours the pair, and
``auto`` becomes eps_m 50, min_samples 33; with 2 (to July) it is undecided.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from flask import Flask
from shapely.geometry import box

from hotspots.analysis import store_months
from hotspots.cli import main
from hotspots.evaluate import Grid
from hotspots.evaluate.auto_parameters import (
    BACK_TEST,
    ParameterChoice,
    choice_from_table,
    choice_key,
    choose_parameters,
    store_choice,
    store_table,
)
from hotspots.presentation import parameter_choice_text
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import AppFactory, ClientFor

X0, Y0 = 500_000.0, 200_000.0
MONTHS = [f"2025-{m:02d}" for m in range(1, 10)]
A = (X0 + 125.0, Y0 + 125.0)
AREA_KM2 = 0.0625  # one cell
KW = {"k": 3, "area_km2": AREA_KM2, "eps_values": (50.0, 150.0), "min_samples_values": (33,)}
PAI_A = 144 * 12 / 62


@pytest.fixture(scope="module")
def grid() -> Grid:
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 3_000, Y0 + 3_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _world() -> tuple[np.ndarray, np.ndarray]:
    xy: list[tuple[float, float]] = []
    months: list[str] = []
    for i, m in enumerate(MONTHS):
        xy += [A] * 12
        bx, by = X0 + 625.0, Y0 + 500.0 + 250.0 * i  # a new cell row each month
        for j in range(5):
            xy += [(bx + 40.0 * j, by)] * 10
        months += [m] * 62
    return np.array(xy), np.array(months)


def test_the_back_test_favours_the_pair_worked_out_by_hand(grid: Grid) -> None:
    xy, months = _world()
    choice = choose_parameters(xy, months, grid, up_to="2025-09", **KW)
    assert (choice.rule, choice.eps_m, choice.min_samples) == ("back-test", 50.0, 33)
    assert choice.favoured == "nested" and choice.up_to == "2025-09"
    s = choice.nested
    assert s["months"] == 4  # June..September
    assert s["pai_median"] == pytest.approx(PAI_A) and s["pai_min"] == pytest.approx(PAI_A)
    assert s["auto_pai_median"] == 0 and s["auto_pai_max"] == 0
    assert s["next_choice"]["inner_months"] == 6  # April..September
    assert s["next_choice"]["inner_pai_median"] == pytest.approx(PAI_A)
    text = parameter_choice_text(
        {"eps_m": 50.0, "min_samples": 33, "parameter_choice": choice.as_dict()}
    )
    assert text is not None
    assert "chosen by the store's own back-test: eps_m 50 m (back-test), min_samples 33" in text
    assert "the automatic rule median PAI 0.0 [0.0-0.0] over 4 test months" in text
    assert f"earlier months {PAI_A:.1f} [{PAI_A:.1f}-{PAI_A:.1f}]" in text
    assert "favours the pair" in text


def test_undecided_or_untested_keeps_the_automatic_rule(grid: Grid) -> None:
    xy, months = _world()
    undecided = choose_parameters(xy, months, grid, up_to="2025-07", **KW)  # June, July
    assert undecided.rule == "automatic rule"
    assert (undecided.eps_m, undecided.min_samples) == ("auto", "auto")
    assert undecided.favoured == "undecided (2 months; 3 needed)"
    params = {"eps_m": 150.0, "min_samples": 5, "parameter_choice": undecided.as_dict()}
    text = parameter_choice_text(params)
    assert text is not None and "automatic rule: eps_m by the k-distance knee → 150 m" in text
    assert "undecided (2 months; 3 needed): the automatic rule stays" in text
    untested = choose_parameters(xy, months, grid, up_to="2025-05", **KW)  # no June yet
    assert untested.rule == "automatic rule" and untested.favoured == "not tested"
    assert untested.reason is not None and "2025-05" in untested.reason
    assert parameter_choice_text({"eps_m": 100.0, "min_samples": 7}) is None  # given, not auto


def test_offences_after_the_end_never_change_the_choice(grid: Grid) -> None:
    xy, months = _world()
    before = choose_parameters(xy, months, grid, up_to="2025-08", **KW)
    later = months > "2025-08"
    moved = xy.copy()
    moved[later] = [X0 + 2_900.0, Y0 + 2_900.0]  # September's offences all somewhere else
    extra_xy = np.vstack([moved, np.repeat([[X0 + 10.0, Y0 + 10.0]], 30, axis=0)])
    extra_months = np.concatenate([months, ["2025-10"] * 30])
    after = choose_parameters(extra_xy, extra_months, grid, up_to="2025-08", **KW)
    assert after == before and after.rule == "back-test"
    # ... while the end month itself counts: without A in August the pair loses there
    no_a = ~((months == "2025-08") & (xy[:, 0] == A[0]) & (xy[:, 1] == A[1]))
    changed = choose_parameters(xy[no_a], months[no_a], grid, up_to="2025-08", **KW)
    assert changed.nested["pai_min"] == 0 and changed != before


def test_the_cache_is_read_by_content_and_written_privately(grid: Grid, tmp_path: Path) -> None:
    xy, months = _world()
    folder = tmp_path / "choices"
    made = choose_parameters(xy, months, grid, up_to="2025-09", cache_dir=folder, **KW)
    key = choice_key(
        xy[months <= "2025-09"], months[months <= "2025-09"], grid, up_to="2025-09", **KW
    )  # type: ignore[arg-type]
    path = folder / f"{key}.json"
    assert ParameterChoice.from_dict(json.loads(path.read_text())) == made
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left
    # the same offences in another order and with later months: the same key, read back
    shuffled = np.random.default_rng(0).permutation(len(xy))
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "favoured": "read from the cache"}))
    again = choose_parameters(
        xy[shuffled], months[shuffled], grid, up_to="2025-09", cache_dir=folder, **KW
    )
    assert again.favoured == "read from the cache"
    path.write_text("{not json")  # a damaged file is made again
    assert choose_parameters(xy, months, grid, up_to="2025-09", cache_dir=folder, **KW) == made


def test_cli_explains_the_choice_in_text_and_json(
    demo_store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(demo_store_path)]
    choice = store_choice(Store(demo_store_path), "2025-12")
    assert main(["analyse", "--year", "2025", "--json", "--top", "1", "--sims", "0", *store]) == 0
    data = json.loads(capsys.readouterr().out)
    params = data["metadata"]["parameters"]
    assert params["parameter_choice"] == json.loads(json.dumps(choice.as_dict()))
    text = parameter_choice_text(params)
    assert text is not None and data["parameter_choice_text"] == text
    assert "Out of sample (nested back-test on the months to Dec 2025" in text
    if choice.rule == "automatic rule":
        assert f"→ {params['eps_m']:g} m" in text and params["requested_eps_m"] == "auto"
    assert main(["analyse", "--year", "2025", "--top", "1", "--sims", "0", *store]) == 0
    assert text in capsys.readouterr().out
    # given parameters: no choice, no explanation
    assert (
        main(["analyse", "--year", "2025", "--json", "--eps-m", "100", "--sims", "0", *store]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert "parameter_choice" not in data["metadata"]["parameters"]
    assert data["parameter_choice_text"] is None


def test_map_page_states_the_same_explanation(app: Flask, client_for: ClientFor) -> None:
    analyst = client_for("analyst")
    data = analyst.get("/map.json?from=2025-10&to=2025-12").get_json()
    text = data["parameter_choice_text"]
    with app.app_context():
        store = Store(app.config["STORE"])
    expected = store_choice(store, "2025-12").as_dict()
    assert data["metadata"]["parameters"]["parameter_choice"] == json.loads(json.dumps(expected))
    assert text == parameter_choice_text(data["metadata"]["parameters"])
    page = analyst.get("/?from=2025-10&to=2025-12").get_data(as_text=True)
    assert "How these parameters were chosen:" in page
    assert "Out of sample (nested back-test on the months to Dec 2025" in page


# A store where the back-test favours a pair at the default patrol area (1.41 km², 22.6 cells of
# a 10 x 10 km force), for the command line end to end. Each month: A, 12 offences on one point,
# and 10 new bursts of 13 points 40 m apart with 3 offences each (39 > A's 36 in a fit window).
# The automatic rule's min_samples is max(5, min(ceil(3 x 3) = 9, ceil(1% of 1,206) = 13)) = 9:
# every burst point has 9 within 50 m, so each burst is a hotspot ranked above A, and the 30
# bursts of a fit window fill the patrol area with cells where nothing happens next: PAI 0.
# With min_samples 15 a burst point needs the points 80 m away too, so at eps 50 or 75 m (and
# at the automatic eps, which is not above 75 m here) only A is a hotspot: its cell holds 12 of
# the next month's 402, PAI (12 / 402) / (1.41 / 100) = 2.117.
BIG = 10_000.0


def _big_world(n_months: int) -> tuple[np.ndarray, np.ndarray]:
    xy: list[tuple[float, float]] = []
    months: list[str] = []
    for i in range(n_months):
        m = f"2025-{i + 1:02d}"
        if i == 9:  # October, after the period analysed: A gone, a burst on A's point instead
            xy += [A] * 60
            months += [m] * 60
            continue
        xy += [A] * 12
        for b in range(10):
            bx, by = X0 + 1_000.0 + 900.0 * b, Y0 + 1_000.0 + 1_000.0 * i + 30.0
            xy += [(bx + 40.0 * j, by) for j in range(13) for _ in range(3)]
        months += [m] * 402
    return np.array(xy), np.array(months)


def _ingest_world(folder: Path, xy: np.ndarray, months: np.ndarray) -> Path:
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from tests.helpers import STREET_HEADER, lonlat, street_row

    half = X0 + BIG / 2
    wards = gpd.GeoDataFrame(
        {
            "WD24CD": ["E05000001", "E05000002"],
            "WD24NM": ["West", "East"],
            "LAD24CD": ["E07000001", "E07000001"],
            "LAD24NM": ["Bigshire", "Bigshire"],
        },
        geometry=[box(X0, Y0, half, Y0 + BIG), box(half, Y0, X0 + BIG, Y0 + BIG)],
        crs="EPSG:27700",
    )
    wards.to_file(folder / "wards.gpkg", driver="GPKG")
    area = gpd.GeoDataFrame(
        {"PFA24CD": ["E23000098"], "PFA24NM": ["Bigshire"]},
        geometry=[box(X0, Y0, X0 + BIG, Y0 + BIG)],
        crs="EPSG:27700",
    )
    area.to_file(folder / "area.gpkg", driver="GPKG")
    text = {tuple(p): lonlat(*p) for p in np.unique(xy, axis=0)}
    files = []
    for m in sorted(set(months.tolist())):
        rows = [
            ",".join(street_row(f"c{m}-{i}", None, None, month=m, lon_lat=text[tuple(p)]))
            for i, p in enumerate(xy[months == m])
        ]
        path = folder / f"{m}-bigshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *rows]) + "\n", encoding="utf-8")
        files.append(path)
    store = folder / "store"
    report = ingest(
        files,
        wards=read_wards(folder / "wards.gpkg"),
        force_area=read_force_area(folder / "area.gpkg"),
        store=Store(store),
    )
    assert report.reconciles()
    return store


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The big world's January..October in a store (October after the periods analysed)."""
    return _ingest_world(tmp_path_factory.mktemp("big"), *_big_world(10))


def test_cli_uses_the_pair_the_back_test_favours_and_never_a_later_month(
    big_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = big_store
    args = ["analyse", "--from", "2025-07", "--to", "2025-09", "--json", "--sims", "0"]
    assert main([*args, "--store", str(store)]) == 0
    data = json.loads(capsys.readouterr().out)
    params = data["metadata"]["parameters"]
    choice = params["parameter_choice"]
    assert choice["rule"] == "back-test" and choice["favoured"] == "nested"
    assert (choice["eps_m"], choice["min_samples"]) == ("auto", 15)
    assert params["min_samples"] == 15 and params["requested_min_samples"] == 15
    assert params["requested_eps_m"] == "auto" and params["eps_m"] <= 75
    s = choice["nested"]
    assert s["auto_pai_median"] == 0 and s["months"] == 4  # June..September
    assert s["pai_median"] == pytest.approx((12 / 402) / (1.41 / 100), rel=1e-3)
    # only A is a hotspot: the bursts of July..September are not
    assert len(data["hotspots"]) == 1 and data["hotspots"][0]["offences"] == 36
    text = data["parameter_choice_text"]
    assert text.startswith("Parameters chosen by the store's own back-test: eps_m ")
    assert "min_samples 15 (back-test)" in text
    # October (held, different) never reached it: the choice from the months up to September
    grid = Grid.over(
        gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + BIG, Y0 + BIG)], crs="EPSG:27700"), 250
    )
    alone = choose_parameters(*_big_world(9), grid, up_to="2025-09")
    assert alone.as_dict()["favoured"] == choice["favoured"]
    assert (alone.eps_m, alone.min_samples, alone.rule) == ("auto", 15, "back-test")
    assert s["pai_median"] == pytest.approx(alone.nested["pai_median"], rel=1e-4)
    text_args = [a for a in args if a != "--json"]
    assert main([*text_args, "--store", str(store)]) == 0  # the text output says the same
    out = capsys.readouterr().out
    assert text in out and "Parameters' back-test score (in-sample: the pair was chosen" in out


def test_the_web_uses_and_states_the_same_choice(
    big_store: Path, app_factory: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["analyse", "--from", "2025-07", "--to", "2025-09", "--json", "--sims", "0"]
    assert main([*args, "--store", str(big_store)]) == 0
    cli = json.loads(capsys.readouterr().out)
    analyst = client_as(app_factory(big_store, TESTING=True), "analyst")
    web = analyst.get("/map.json?from=2025-07&to=2025-09").get_json()
    params = web["metadata"]["parameters"]
    assert params["parameter_choice"] == cli["metadata"]["parameters"]["parameter_choice"]
    assert (params["eps_m"], params["min_samples"]) == (
        cli["metadata"]["parameters"]["eps_m"],
        15,
    )
    assert web["parameter_choice_text"] == cli["parameter_choice_text"]
    page = analyst.get("/?from=2025-07&to=2025-09").get_data(as_text=True)
    assert "How well these parameters forecast (in-sample: the pair was chosen" in page
    assert "own back-test: eps_m" in page


@pytest.mark.parametrize("which", ["demo", "big"])
def test_the_choice_read_from_the_stores_table_is_the_choice_of_every_end(
    which: str, demo_store_path: Path, big_store: Path
) -> None:
    """The web app makes one table of back-test PAIs per data version (every stored month) and
    reads each end's choice from it: the same choice as back-testing the months up to that end
    alone, for every month of two stores (the big world's back-test favours a pair from
    September: a rule other than the automatic one is checked too)."""
    store = Store(demo_store_path if which == "demo" else big_store)
    table = store_table(store)
    again = store_table(store, events=store.load())  # from the events in memory: the same
    assert again.coverage == table.coverage and list(again.pai) == list(table.pai)
    assert all(again.pai[pair].equals(series) for pair, series in table.pai.items())
    choices = {end: store_choice(store, end) for end in store_months(store)}
    for end, fresh in choices.items():
        assert choice_from_table(table, end) == fresh, end
    if which == "big":
        assert choices["2025-09"].rule == BACK_TEST
        assert len({json.dumps(c.as_dict(), sort_keys=True) for c in choices.values()}) > 3


def test_the_web_choice_is_the_fresh_one_and_never_an_officers(
    app: Flask, client_for: ClientFor
) -> None:
    """Through the app's caches (the table made once, each end's choice read from it): the
    analyst's choice for a mid-year end is the command line's, made afresh; an officer asking
    for the same period after it was cached gets their area's automatic parameters, never the
    force's choice or its numbers."""
    period = "from=2025-04&to=2025-06"
    analyst = client_for("analyst").get(f"/map.json?{period}").get_json()
    with app.app_context():
        store = Store(app.config["STORE"])
    fresh = json.loads(json.dumps(store_choice(store, "2025-06").as_dict()))
    assert analyst["metadata"]["parameters"]["parameter_choice"] == fresh
    officer = client_for("officer").get(f"/map.json?{period}").get_json()
    parameters = officer["metadata"]["parameters"]
    assert parameters["area_parameters"] is True
    assert "parameter_choice" not in parameters and "parameter_score" not in parameters
    assert "your area's" in parameters["min_samples_reason"]
    force = analyst["metadata"]["parameters"]
    pair = (parameters["eps_m"], parameters["min_samples"])
    assert pair != (force["eps_m"], force["min_samples"])
