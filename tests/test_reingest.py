"""Re-ingesting what the store already holds changes nothing (hotspots/store/sameness.py).

The same files again keep the data version, the manifest and every data file byte for byte (so
every cache keyed on the version stays); a re-published month with real changes, or the same
file read another way, still replaces and makes a new version. The hand-made world
(tests/conftest.py): rows at (500100..500400, 200100) are in ward Alpha.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.ingest import ingest
from hotspots.sources.boundaries import Boundaries, read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import snapshot, street_row

JANUARY = "2025-01-toyshire-street.csv"
FEBRUARY = "2025-02-toyshire-street.csv"


def rows(n: int, prefix: str, month: str = "2025-01", where: str = "Toy Street") -> list[list[str]]:
    """``n`` drug offences in ward Alpha, ids ``<prefix>0..``."""
    return [
        street_row(f"{prefix}{i}", 500100 + 100 * i, 200100, month=month, location=where)
        for i in range(n)
    ]


def test_the_same_files_twice_change_nothing(
    toy_boundaries: tuple[Path, Path],
    write_street: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = [write_street(rows(4, "a"), JANUARY), write_street(rows(3, "b", "2025-02"), FEBRUARY)]
    wards, area = toy_boundaries
    command = ["ingest", *map(str, files), "--wards", str(wards), "--force-area", str(area)]
    command += ["--store", str(tmp_path / "store")]
    assert main(command) == 0
    store = Store(tmp_path / "store")
    before, version = snapshot(store.path), store.manifest()["version"]
    capsys.readouterr()
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "Nothing changed: the store already holds these rows" in out
    assert f"data version {version} kept" in out
    assert snapshot(store.path) == before  # manifest and every data file, byte for byte
    assert main([*command, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] is False and report["version"] == version
    assert report["unchanged"] == [JANUARY, FEBRUARY]
    assert snapshot(store.path) == before


def test_a_changed_month_replaces_itself_only(
    toy: tuple[Boundaries, Boundaries], write_street: Callable[..., Path], tmp_path: Path
) -> None:
    wards, area = toy
    store = Store(tmp_path / "store")
    january = write_street(rows(4, "a"), JANUARY)
    first = ingest(
        [january, write_street(rows(3, "b", "2025-02"), FEBRUARY)],
        wards=wards,
        force_area=area,
        store=store,
    )
    held = store.manifest()
    # February re-published: the same ids, another location text
    february = write_street(rows(3, "b", "2025-02", where="Other Street"), FEBRUARY)
    report = ingest([january, february], wards=wards, force_area=area, store=store)
    after = store.manifest()
    assert report.changed and report.version == after["version"] != first.version
    assert report.unchanged == [JANUARY]
    key_jan, key_feb = "street:2025-01:toyshire", "street:2025-02:toyshire"
    assert after["sources"][key_jan] == held["sources"][key_jan]  # not written again
    assert after["sources"][key_feb]["events_file"] != held["sources"][key_feb]["events_file"]
    assert set(store.load()["location"]) == {"Toy Street", "Other Street"}
    assert after["ingests"][-1]["files"] == [JANUARY, FEBRUARY]


@pytest.mark.parametrize(
    "options", [{"all_crime_types": True}, {"nearest_ward_m": 5.0}], ids=["crime types", "ward m"]
)
def test_the_same_file_read_another_way_is_a_change(
    toy: tuple[Boundaries, Boundaries],
    write_street: Callable[..., Path],
    tmp_path: Path,
    options: dict[str, object],
) -> None:
    wards, area = toy
    store = Store(tmp_path / "store")
    january = write_street(rows(4, "a"), JANUARY)
    first = ingest([january], wards=wards, force_area=area, store=store)
    again = ingest([january], wards=wards, force_area=area, store=store, **options)  # type: ignore[arg-type]
    assert again.changed and again.version != first.version
    assert store.manifest()["version"] == again.version


def test_the_same_ward_file_read_with_another_code_column_is_a_change(
    toy_boundaries: tuple[Path, Path], write_street: Callable[..., Path], tmp_path: Path
) -> None:
    """The ward file's checksum is the same; the codes the events get are not."""
    wards_path, area_path = toy_boundaries
    frame = gpd.read_file(wards_path)
    frame["ALTCD"] = ["E05000902", "E05000901"]  # Bravo, Alpha
    both = tmp_path / "wards-two-codes.gpkg"
    frame.to_file(both, driver="GPKG")
    area = read_force_area(area_path)
    store = Store(tmp_path / "store")
    january = write_street(rows(4, "a"), JANUARY)
    first = ingest([january], wards=read_wards(both), force_area=area, store=store)
    assert set(store.load()["ward_code"]) == {"E05000001"}
    again = ingest(
        [january], wards=read_wards(both, code_column="ALTCD"), force_area=area, store=store
    )
    assert again.changed and again.version != first.version
    assert set(store.load()["ward_code"]) == {"E05000901"}


def test_rows_held_by_other_sources_count_not_only_the_bytes(
    toy: tuple[Boundaries, Boundaries], write_street: Callable[..., Path], tmp_path: Path
) -> None:
    """February repeats January's ids: its rows are stored as rejected duplicates. Once
    January is re-published with other ids, the same February bytes keep their rows: a
    check on the file's bytes alone would call that ingest a no-op and lose 3 offences."""
    wards, area = toy
    store = Store(tmp_path / "store")
    february = write_street(rows(3, "a", "2025-02"), FEBRUARY)
    ingest(
        [write_street(rows(4, "a"), JANUARY), february], wards=wards, force_area=area, store=store
    )
    feb = store.manifest()["sources"]["street:2025-02:toyshire"]
    assert feb["kept"] == 0 and feb["rejected"] == {"duplicate": 3}
    ingest([write_street(rows(4, "z"), JANUARY)], wards=wards, force_area=area, store=store)
    report = ingest([february], wards=wards, force_area=area, store=store)
    assert report.changed and report.unchanged == []
    assert store.manifest()["sources"]["street:2025-02:toyshire"]["kept"] == 3
    again = ingest([february], wards=wards, force_area=area, store=store)
    assert not again.changed and again.version == report.version


def test_a_store_written_before_content_is_replaced_once(
    toy: tuple[Boundaries, Boundaries], write_street: Callable[..., Path], tmp_path: Path
) -> None:
    wards, area = toy
    store = Store(tmp_path / "store")
    january = write_street(rows(4, "a"), JANUARY)
    ingest([january], wards=wards, force_area=area, store=store)
    manifest_file = store.path / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for entry in manifest["sources"].values():
        del entry["content"]  # as an older version wrote it
    manifest_file.write_text(json.dumps(manifest))
    assert ingest([january], wards=wards, force_area=area, store=store).changed
    assert store.manifest()["sources"]["street:2025-01:toyshire"]["content"]
    assert not ingest([january], wards=wards, force_area=area, store=store).changed


def test_cambridgeshire_twice_keeps_version_and_manifest(real_data: Path, tmp_path: Path) -> None:
    files = sorted((real_data / "police_uk" / "cambridgeshire" / "street").glob("2025-*.csv"))
    assert len(files) == 12
    wards = read_wards(
        real_data / "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson"
    )
    area = read_force_area(
        real_data / "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson"
    )
    store = Store(tmp_path / "store")
    first = ingest(files, wards=wards, force_area=area, store=store, all_crime_types=True)
    before = snapshot(store.path)
    again = ingest(files, wards=wards, force_area=area, store=store, all_crime_types=True)
    assert not again.changed and again.version == first.version
    assert len(again.unchanged) == 12 and again.reconciles()
    assert [e["kept"] for e in again.sources] == [e["kept"] for e in first.sources]
    assert snapshot(store.path) == before


def test_a_republished_month_with_other_outcomes_replaces(real_data: Path, tmp_path: Path) -> None:
    """Merseyside 2019-09 downloaded twice: the same rows in another order, 4,185 of them
    with another last outcome. The second download replaces the first (a new version), keeps
    as many rows, and the store then holds its outcomes."""
    boundaries = real_data / "boundaries" / "merseyside_dec2023_bsc"
    wards = read_wards(boundaries / "merseyside_wards_dec2023_bsc.geojson")
    area = read_force_area(boundaries / "merseyside_pfa_dec2023_bsc.geojson")
    name = "2019-09-merseyside-street.csv"
    first_file = real_data / "police_uk" / "merseyside" / "street" / name
    alt_file = real_data / "police_uk" / "merseyside" / "street_alt_download" / name
    store = Store(tmp_path / "store")
    first = ingest([first_file], wards=wards, force_area=area, store=store, all_crime_types=True)
    again = ingest([first_file], wards=wards, force_area=area, store=store, all_crime_types=True)
    assert not again.changed
    held = store.load(columns=["event_id", "outcome"])
    alt = ingest([alt_file], wards=wards, force_area=area, store=store, all_crime_types=True)
    assert alt.changed and alt.version != first.version == again.version
    assert alt.sources[0]["kept"] == first.sources[0]["kept"]
    assert alt.sources[0]["rejected"] == first.sources[0]["rejected"]
    stored = store.load(columns=["event_id", "outcome", "source_row"])
    assert len(stored) == first.sources[0]["kept"]
    text = pd.read_csv(alt_file, dtype=str, keep_default_na=False)
    expected = text["Last outcome category"].to_numpy()[stored["source_row"].to_numpy() - 2]
    assert (stored["outcome"].fillna("").to_numpy() == expected).all()  # the new outcomes
    # The kept rows whose outcome the store changed are those whose outcome differs between
    # the two files (by crime id; of the 4,185 such rows with an id, the ones kept)
    old = pd.read_csv(first_file, dtype=str, keep_default_na=False)
    with_id = [f[f["Crime ID"] != ""] for f in (old, text)]
    both = with_id[0].merge(with_id[1], on="Crime ID", suffixes=("_old", "_new"))
    differ = both["Last outcome category_old"] != both["Last outcome category_new"]
    assert int(differ.sum()) == 4185
    kept_ids = set(stored["event_id"])
    moved = set(both.loc[differ, "Crime ID"]) & kept_ids
    before = held.set_index("event_id")["outcome"].fillna("")
    now = stored.set_index("event_id")["outcome"].fillna("")
    ids = sorted(kept_ids & set(both["Crime ID"]))
    assert set(before[ids].index[before[ids] != now[ids]]) == moved
    assert len(moved) > 4000
