"""Issue 15's goal on the real Merseyside 2019-07..12 months (docs/forecast.md figures).

The goal is met against KDE, Gi* and DBSCAN at every k; against previous-grid counts it is not
(docs/forecast.md says so), so that comparison is asserted as documented, not as the goal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspots.evaluate import backtest_store
from hotspots.evaluate.forecast_features import FAVOURED
from hotspots.evaluate.methods import MethodOptions
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def merseyside(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Every crime type and the stop-and-searches (2019-07..09) the shared data holds (the
    default forecast and the baselines read its drug offences only)."""
    real = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
    if not (real / "police_uk/merseyside/stop_and_search").is_dir():
        pytest.skip(f"real Merseyside data not found under {real}")
    files = sorted((real / "police_uk/merseyside/street").glob("2019-*.csv"))
    files += sorted((real / "police_uk/merseyside/stop_and_search").glob("2019-*.csv"))
    bounds = real / "boundaries/merseyside_dec2023_bsc"
    wards = read_wards(bounds / "merseyside_wards_dec2023_bsc.geojson")
    area = read_force_area(bounds / "merseyside_pfa_dec2023_bsc.geojson")
    store = Store(tmp_path_factory.mktemp("mersey_every") / "store")
    ingest(files, wards=wards, force_area=area, store=store, all_crime_types=True)
    return store


def test_forecast_beats_kde_gi_dbscan_on_merseyside(merseyside: Store) -> None:
    result = backtest_store(
        merseyside,
        methods=("forecast", "kde", "grid", "gi", "dbscan"),
        ks=(1, 3),
        coverages=(0.0005, 0.01),
        curve_coverages=(),
        common_months=True,
    )
    assert result.settings["test_months"] == ["2019-10", "2019-11", "2019-12"]
    pai = result.summary().set_index(["method", "k", "coverage_label"])["pai_median"]
    for k in (1, 3):
        for base in ("kde", "gi", "dbscan"):
            assert pai[("forecast", k, "0.05%")] >= 1.10 * pai[(base, k, "0.05%")], (base, k)
            assert pai[("forecast", k, "1%")] >= 1.05 * pai[(base, k, "1%")], (base, k)
        # Previous-grid counts: above 1.0x at 0.05% but short of 1.10x (docs/forecast.md).
        assert pai[("forecast", k, "0.05%")] >= pai[("grid", k, "0.05%")]
    # docs/forecast.md figures.
    assert pai[("forecast", 1, "0.05%")] == pytest.approx(204.1, abs=0.05)
    assert pai[("forecast", 1, "1%")] == pytest.approx(30.7, abs=0.05)
    assert pai[("grid", 3, "1%")] == pytest.approx(31.2, abs=0.05)


def test_forecast_with_the_other_layers_on_merseyside(merseyside: Store) -> None:
    """docs/forecast.md's figures for the kept families (all crime + searches, offered at 1%)."""
    result = backtest_store(
        merseyside,
        options=MethodOptions(forecast_features=FAVOURED),
        methods=("forecast", "grid"),
        ks=(1, 3),
        coverages=(0.0005, 0.01),
        curve_coverages=(),
        common_months=True,
    )
    assert result.settings["forecast_features"] == ["all-crime", "searches"]
    pai = result.summary().set_index(["method", "k", "coverage_label"])["pai_median"]
    assert pai[("forecast", 1, "0.05%")] == pytest.approx(204.1, abs=0.05)  # unchanged
    assert pai[("forecast", 1, "1%")] == pytest.approx(30.6, abs=0.05)  # was 30.7
    assert pai[("grid", 3, "1%")] == pytest.approx(31.2, abs=0.05)  # still 0.98x
