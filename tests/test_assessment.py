"""Significance, dynamics and parameter score of an analysis, through exports, the patrol plan
and the CLI, on the shipped (drugs-only) demo data and a toy store holding every crime type."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from hotspots.analysis import analyse
from hotspots.assessment import ASSESSMENT_COLUMNS, assess, significant_only
from hotspots.cli import main
from hotspots.dynamics import CLASSES
from hotspots.export import ExportMetadata, export
from hotspots.ingest import ingest
from hotspots.patrol import patrol_plan, plan_csv, plan_gpx
from hotspots.periods import Period
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import STREET_HEADER, ClientFor, street_row

AUTUMN = Period.months("2025-09", "2025-11")


@pytest.fixture(scope="module")
def mixed_store(
    toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """Toyshire, 3 months, every crime type: a drug market at P (12 drug offences a month on
    one point, nothing else there) and a town centre at T (a few drug offences among 40 thefts
    a month), plus thefts spread over the area."""
    folder = tmp_path_factory.mktemp("assess_mixed")
    rng = np.random.default_rng(2)
    paths = []
    for month in ("2025-01", "2025-02", "2025-03"):
        rows = [street_row(f"P{month}{k}", 500_300, 200_300, month=month) for k in range(12)]
        rows += [street_row(f"D{month}{k}", 501_600, 200_600, month=month) for k in range(2)]
        rows += [
            street_row(f"T{month}{k}", 501_600, 200_600, month=month, crime_type="Shoplifting")
            for k in range(40)
        ]
        for k, (x, y) in enumerate(rng.uniform([500_000, 200_000], [502_000, 201_000], (60, 2))):
            rows.append(street_row(f"O{month}{k}", x, y, month=month, crime_type="Other theft"))
        path = folder / f"{month}-toyshire-street.csv"
        path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
        paths.append(path)
    wards, area = toy_boundaries
    store = Store(folder / "store")
    ingest(
        paths,
        wards=read_wards(wards),
        force_area=read_force_area(area),
        store=store,
        all_crime_types=True,
    )
    return store


def test_drug_market_is_significant_and_the_town_centre_is_not(mixed_store: Store) -> None:
    period = Period.months("2025-01", "2025-03")
    analysis = analyse(mixed_store, period, eps_m=50, min_samples=10)
    # Only drug offences are clustered; other crime types are the test's background.
    assert analysis.totals["offence_count"] == 3 * 14
    assert len(analysis.other_offences) == 3 * 100
    assessed = assess(analysis, mixed_store, n_sims=99, seed=1, dynamics_periods=3)
    table = assessed.hotspots.set_index("top_location")
    assert len(table) == 1  # T's 6 drug offences are below min_samples
    market = assessed.hotspots.iloc[0]
    assert market["offences"] == 36 and bool(market["significant"])
    assert market["p_value"] == pytest.approx(0.01) and market["dynamics_class"] == "persistent"
    info = assessed.parameters["significance"]
    assert info["available"] and info["n_sims"] == 99 and info["seconds"] > 0
    again = assess(analysis, mixed_store, n_sims=99, seed=1, dynamics_periods=3)
    assert again.hotspots["p_value"].equals(assessed.hotspots["p_value"])
    # With min_samples 6, T becomes a hotspot too, but 6 drug offences among 126 there is no
    # more than chance.
    lower = assess(analyse(mixed_store, period, eps_m=50, min_samples=6), mixed_store, n_sims=99)
    by_offences = lower.hotspots.set_index("offences")
    assert bool(by_offences.loc[36, "significant"]) and not bool(by_offences.loc[6, "significant"])
    assert len(significant_only(lower.hotspots)) == 1


def test_demo_data_has_no_p_values_and_says_why(demo_store: Store) -> None:
    analysis = assess(analyse(demo_store, AUTUMN), demo_store, n_sims=19)
    hot = analysis.hotspots
    assert set(ASSESSMENT_COLUMNS) <= set(hot.columns)
    assert hot["p_value"].isna().all() and hot["significant"].isna().all()
    reason = analysis.parameters["significance"]["reason"]
    assert "drug offences only" in reason and "--all-crime-types" in reason
    assert set(hot["dynamics_class"]) <= set(CLASSES)
    assert hot["dynamics_hot"].str.len().eq(6).all()
    score = analysis.parameters["parameter_score"]
    assert score["area_km2"] == 1.41 and score["months"] >= 1 and score["pai_median"] > 1
    assert len(significant_only(hot)) == 0


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_exports_carry_the_columns_and_the_metadata(
    demo_store: Store, tmp_path: Path, fmt: str
) -> None:
    analysis = assess(analyse(demo_store, AUTUMN), demo_store, n_sims=19)
    meta = ExportMetadata(period=analysis.period.label, parameters=analysis.parameters)
    path = export(analysis.hotspots, tmp_path / f"h.{fmt}", fmt, meta)
    if fmt == "geojson":
        data = json.loads(path.read_text())
        props = data["features"][0]["properties"]
        assert {"p_value", "q_value", "significant", "dynamics_class"} <= set(props)
        assert props["significant"] is None
        params = data["metadata"]["parameters"]
    else:
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        assert rows[0]["dynamics_class"] and "q_value" in rows[0]
        params = json.loads(path.with_name("h.metadata.json").read_text())["parameters"]
    assert params["significance"]["available"] is False
    assert params["parameter_score"]["k"] == 3


def test_patrol_plan_carries_significance_and_dynamics(
    mixed_store: Store, demo_store: Store
) -> None:
    plan = patrol_plan(
        mixed_store, end_month="2025-03", eps_m=50, min_samples=6, assess_places=True, n_sims=99
    )
    places = {p.offences: p for p in plan.places}
    assert places[36].significant is True and places[6].significant is False
    assert places[36].dynamics_class == "persistent"
    header, *_ = list(csv.reader(io.StringIO(plan_csv(plan))))
    at = header.index("p_value")  # the forecast's columns follow (blank in a plan of hotspots)
    assert header[at : at + 4] == ["p_value", "q_value", "significant", "dynamics_class"]
    assert "Significant (q = " in plan_gpx(plan)
    only = patrol_plan(
        mixed_store, end_month="2025-03", eps_m=50, min_samples=6, significant_only=True, n_sims=99
    )
    assert [p.offences for p in only.places] == [36]
    assert only.parameters["significant_only"] is True
    # Drugs-only data: significant-only leaves nothing, and the plan says why.
    none = patrol_plan(demo_store, end_month="2025-11", significant_only=True, n_sims=9)
    assert none.places == () and "drug offences only" in none.parameters["significance"]["reason"]


def test_cli_analyse_and_export_show_significance_dynamics_and_score(
    mixed_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(mixed_store.path)]
    args = ["--from", "2025-01", "--to", "2025-03", "--eps-m", "50", "--min-samples", "6"]
    assert main(["analyse", *args, "--sims", "99", *store]) == 0
    text = capsys.readouterr().out
    assert "Parameters' back-test score:" in text
    assert "Significance: 99 simulations, seed 0" in text
    assert "persistent ###" in text
    assert main(["analyse", *args, "--significant-only", "--json", *store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [h["offences"] for h in data["hotspots"]] == [36]
    assert data["metadata"]["parameters"]["significant_only"] is True
    out = tmp_path / "h.geojson"
    export = ["export", "hotspots", *args, "--format", "geojson", "-o", str(out)]
    assert main([*export, "--significant-only", "--dynamics-periods", "0", *store]) == 0
    features = json.loads(out.read_text())["features"]
    assert len(features) == 1 and features[0]["properties"]["significant"] is True


def test_the_command_line_and_the_web_give_one_parameter_score(
    demo_store: Store, client_for: ClientFor, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: for a period whose end leaves fewer than 4 months before it (Jan-Mar 2025 of a
    store holding all 2025), ``hotspots analyse`` and exports said the score was "not available
    ... (the store holds 2025-01..2025-03)" while the map page and briefing of the same period
    gave a PAI over every stored month. One figure, one rule: every stored month."""
    early = ["--from", "2025-01", "--to", "2025-03"]
    assert main(["analyse", *early, "--sims", "0", "--json", "--store", str(demo_store.path)]) == 0
    cli = json.loads(capsys.readouterr().out)["metadata"]["parameters"]["parameter_score"]
    web = client_for("analyst").get("/map.json?from=2025-01&to=2025-03").get_json()
    page = web["metadata"]["parameters"]["parameter_score"]
    assert cli["pai_median"] is not None and cli["reason"] is None
    assert cli["months"] == page["months"] > 3  # every stored month with 3 before it
    assert cli["pai_median"] == pytest.approx(page["pai_median"])


def test_loading_one_crime_type_reads_the_rows_loading_all_would_keep(mixed_store: Store) -> None:
    """``Store.load(categories=...)`` leaves the other crime types out as the files are read:
    per month 12 + 2 drug offences of 114 (the back-test's and forecast's drug offences read
    this way; docs/benchmarks.md "A large force")."""
    every = mixed_store.load(["offence"])
    drugs = mixed_store.load(["offence"], categories=["Drugs"])
    assert len(every) == 3 * 114 and len(drugs) == 3 * 14
    expected = every[every["category"] == "Drugs"].reset_index(drop=True)
    assert drugs["event_id"].tolist() == expected["event_id"].tolist()  # same rows, same order
    assert drugs.geometry.equals(expected.geometry)
    some = mixed_store.load(["offence"], ["2025-02"], ["month"], categories=["Shoplifting"])
    assert len(some) == 40 and set(some["month"]) == {"2025-02"}
    assert len(mixed_store.load(["offence"], categories=["Robbery"])) == 0
