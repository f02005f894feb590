"""`hotspots ingest/analyse --scheduler local` (and HOTSPOTS_DASK_SCHEDULER): the same store and
the same printed analysis as the single-process commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.cli.distributed import SCHEDULER_ENV, scheduler_address
from hotspots.store import Store
from tests.helpers import DEMO

BOUNDARIES = DEMO / "boundaries"


def ingest_args(store: Path) -> list[str]:
    files = sorted((DEMO / "police_uk").glob("*.csv")) + sorted((DEMO / "raids").glob("*.csv"))
    return [
        "ingest",
        *map(str, files),
        "--wards",
        str(BOUNDARIES / "wards_dec2023_bsc.geojson"),
        "--force-area",
        str(BOUNDARIES / "force_area_pfa_dec2023_bsc.geojson"),
        "--store",
        str(store),
        "--json",
    ]


def without_timings(value: object) -> object:
    """``value`` without the ``seconds`` a step took (which differ between any two runs)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    return value


def test_the_scheduler_comes_from_the_options_then_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert scheduler_address(argparse.Namespace(scheduler=None, distributed=False)) is None
    assert scheduler_address(argparse.Namespace(scheduler=None, distributed=True)) == "local"
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.5:8786")
    assert scheduler_address(argparse.Namespace()) == "tcp://10.0.0.5:8786"
    args = argparse.Namespace(scheduler="tcp://other:8786", distributed=False)
    assert scheduler_address(args) == "tcp://other:8786"
    monkeypatch.setenv(SCHEDULER_ENV, " ")
    assert scheduler_address(argparse.Namespace()) is None


def test_distributed_commands_give_the_same_store_and_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert main(ingest_args(tmp_path / "single")) == 0
    single_report = json.loads(capsys.readouterr().out)
    assert main([*ingest_args(tmp_path / "dask"), "--distributed"]) == 0
    dask_report = json.loads(capsys.readouterr().out)
    assert [s["kept"] for s in dask_report["sources"]] == [
        s["kept"] for s in single_report["sources"]
    ]
    pd.testing.assert_frame_equal(
        Store(tmp_path / "single").load(), Store(tmp_path / "dask").load()
    )

    analyse = [
        "analyse",
        "--from",
        "2025-06",
        "--to",
        "2025-11",
        "--json",
        "--eps-m",
        "150",
        "--min-samples",
        "9",
    ]
    assert main([*analyse, "--store", str(tmp_path / "single")]) == 0
    want = json.loads(capsys.readouterr().out)
    monkeypatch.setenv(SCHEDULER_ENV, "local")
    assert main([*analyse, "--store", str(tmp_path / "dask")]) == 0
    got = json.loads(capsys.readouterr().out)
    got_parameters = got["metadata"].pop("parameters")
    want_parameters = want["metadata"].pop("parameters")
    assert got_parameters.pop("distributed")["workers"] == 2
    for key in ("engine_reason", "engine"):
        got_parameters.pop(key), want_parameters.pop(key)
    assert without_timings(got_parameters) == without_timings(want_parameters)
    for data in (got, want):
        data["metadata"].pop("data_version")
    assert without_timings(got) == without_timings(want)
    assert len(got["hotspots"]) > 3


def test_without_a_scheduler_analyses_use_hotspot_detector() -> None:
    from hotspots.cluster import HotspotDetector
    from hotspots.distributed import detector_factory
    from web.settings import DEFAULTS

    assert DEFAULTS["DASK_SCHEDULER"] is None
    assert detector_factory(DEFAULTS["DASK_SCHEDULER"]) is HotspotDetector
    assert detector_factory("") is HotspotDetector


def test_an_unreachable_scheduler_is_one_clear_error() -> None:
    from hotspots.distributed.client import connect
    from hotspots.errors import HotspotsError

    with pytest.raises(HotspotsError, match=r"dask scheduler 'tcp://127.0.0.1:9': cannot connect"):
        connect("tcp://127.0.0.1:9", timeout_s=1)
