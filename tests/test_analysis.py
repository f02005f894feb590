"""analyse() and the `hotspots analyse` / `export` commands on the shipped demo data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hotspots.analysis import analyse
from hotspots.cli import main
from hotspots.periods import Period, PeriodError
from hotspots.store import Store


@pytest.fixture(scope="module")
def autumn(demo_store: Store):
    return analyse(demo_store, Period.months("2025-09", "2025-11"), eps_m=150, min_samples=9)


def test_sep_to_nov_2025_rose_sharply(autumn) -> None:
    # Located offences in the force area (data/README.md): Sep-Nov 298+389+438, Jun-Aug 142+241+210
    assert autumn.comparison_available
    assert autumn.totals["offence_count"] == 1125
    assert autumn.totals["offence_prev"] == 593
    assert autumn.totals["offence_change_pct"] == pytest.approx(100 * 532 / 593)
    assert autumn.wards["offence_count"].sum() == 1125
    assert (autumn.wards["offence_change"] > 0).sum() > (autumn.wards["offence_change"] < 0).sum()


def test_hotspots_are_ranked_and_account_for_their_offences(autumn) -> None:
    h = autumn.hotspots
    assert len(h) > 0
    assert h["rank"].tolist() == list(range(1, len(h) + 1))
    assert h["hotspot_id"].tolist() == list(range(len(h)))
    assert (np.diff(h["offences"].to_numpy()) <= 0).all()  # ids follow rank
    offences = autumn.events[autumn.events["layer"] == "offence"]
    in_hotspots = offences[offences["hotspot_id"] >= 0]
    assert len(in_hotspots) == h["offences"].sum() == autumn.parameters["offences_in_hotspots"]
    counts = in_hotspots["hotspot_id"].value_counts().sort_index()
    assert counts.tolist() == h["offences"].tolist()
    assert str(h.crs) == "EPSG:27700"
    assert h.geometry.is_valid.all() and (h.geometry.area > 0).all()


def test_parameters_and_data_version_are_recorded(autumn, demo_store: Store) -> None:
    meta = autumn.metadata()
    assert meta["period"] == "Sep–Nov 2025" and meta["compare_to"] == "Jun–Aug 2025"
    assert meta["parameters"]["eps_m"] == 150 and meta["parameters"]["min_samples"] == 9
    assert meta["parameters"]["eps_m_reason"] == "given"
    assert meta["data_version"] == demo_store.manifest()["version"]


def test_auto_parameters_say_what_they_chose(demo_store: Store) -> None:
    result = analyse(demo_store, Period.calendar_year(2025))
    p = result.parameters
    assert 50 <= p["eps_m"] <= 150
    assert p["min_samples"] >= 5
    assert p["eps_m_reason"].startswith("auto") and p["min_samples_reason"].startswith("auto")


def test_no_comparison_data_leaves_change_empty(demo_store: Store) -> None:
    result = analyse(demo_store, Period.months("2025-01", "2025-03"), eps_m=150, min_samples=9)
    assert not result.comparison_available
    assert result.totals["offence_count"] == 148 + 123 + 155
    assert result.totals["offence_prev"] is None
    assert result.wards["offence_prev"].isna().all()
    assert result.metadata()["compare_to"] is None


def test_a_period_without_data_is_named(demo_store: Store) -> None:
    with pytest.raises(PeriodError, match="no data for 2026-01"):
        analyse(demo_store, Period.months("2025-12", "2026-02"))


def test_cli_analyse_table_and_json(demo_store: Store, capsys: pytest.CaptureFixture) -> None:
    store = ["--store", str(demo_store.path)]
    assert (
        main(
            [
                "analyse",
                "--from",
                "2025-09",
                "--to",
                "2025-11",
                "--eps-m",
                "150",
                "--min-samples",
                "9",
                *store,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Drug hotspots, Sep–Nov 2025 (vs Jun–Aug 2025)" in out
    assert "90% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (1,125 vs 593)" in out
    assert "SYNTHETIC" in out
    assert main(["analyse", "--last", "3", "--json", "--top", "3", *store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metadata"]["period"] == "3 months to Dec 2025"  # latest stored month
    assert len(data["hotspots"]) <= 3
    assert data["totals"]["offence_count"] == 389 + 438 + 272  # Oct-Dec, located in the area
    assert set(data["ward_movers"]) == {"rising", "falling"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13", "--to", "2025-14"], "2025-13"),
        (["--from", "2025-01"], "--from needs --to"),
        (["--year", "2025", "--last", "3"], "give one period"),
        (["--year", "2025", "--eps-m", "wide"], "--eps-m 'wide': expected a number"),
        (["--year", "2025", "--min-samples", "-3"], "expected a whole number from 2 to 10000"),
        (["--fy", "next"], "--fy 'next'"),
    ],
)
def test_cli_analyse_errors_name_the_field(
    demo_store: Store, capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    assert main(["analyse", *args, "--store", str(demo_store.path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hotspots: error: ") and message in err


def test_cli_export_hotspots_geojson(demo_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "hotspots.geojson"
    assert (
        main(
            [
                "export",
                "hotspots",
                "--year",
                "2025",
                "--format",
                "geojson",
                "-o",
                str(out),
                "--store",
                str(demo_store.path),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert data["metadata"]["period"] == "2025"
    assert data["metadata"]["data_version"] == demo_store.manifest()["version"]
    assert "Open Government Licence" in data["metadata"]["licence"]
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert -0.6 < lon < 0.6 and 52.0 < lat < 52.8  # Cambridgeshire, in lon/lat order


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "parquet"])
def test_cli_export_wards_and_events(demo_store: Store, tmp_path: Path, fmt: str) -> None:
    wards = tmp_path / f"wards.{fmt}"
    events = tmp_path / f"events.{fmt}"
    store = ["--store", str(demo_store.path)]
    assert (
        main(["export", "wards", "--fy", "2025", "--format", fmt, "-o", str(wards), *store]) == 2
    )  # FY 2025/26 runs to March 2026: no data
    assert (
        main(["export", "wards", "--year", "2025", "--format", fmt, "-o", str(wards), *store]) == 0
    )
    assert (
        main(
            [
                "export",
                "events",
                "--from",
                "2025-07",
                "--to",
                "2025-07",
                "--layers",
                "search",
                "--format",
                fmt,
                "-o",
                str(events),
                *store,
            ]
        )
        == 0
    )
    assert _rows(wards, fmt) == 120
    assert _rows(events, fmt) == 153


def _rows(path: Path, fmt: str) -> int:
    import geopandas as gpd
    import pandas as pd

    if fmt == "gpkg":
        import pyogrio

        (layer,) = [
            name
            for name, _ in pyogrio.list_layers(path)
            if name not in ("metadata", "layer_styles")
        ]
        return len(gpd.read_file(path, layer=layer))
    if fmt == "parquet":
        return len(gpd.read_parquet(path))
    return len(pd.read_csv(path))
