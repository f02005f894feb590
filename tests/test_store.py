"""The store: re-ingest never duplicates, failures and interruptions leave it as it was."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hotspots.errors import HotspotsError, SourceFormatError, StoreError
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_wards
from hotspots.store import Store, source_key
from tests.helpers import snapshot, street_row


def _ingest(paths, toy, store: Store, **kwargs):
    wards, area = toy
    return ingest(paths, wards=wards, force_area=area, store=store, **kwargs)


def _month(write_street, month: str, n: int, outcome: str = "Under investigation") -> Path:
    rows = []
    for i in range(n):
        row = street_row(f"{month}-{i}", 500100 + 10 * i, 200500, month=month)
        row[10] = outcome
        rows.append(row)
    return write_street(rows, f"{month}-toyshire-street.csv")


def test_source_key_identifies_a_police_uk_month_and_force() -> None:
    assert source_key("street", "2025-07-cambridgeshire-street.csv") == (
        "street:2025-07:cambridgeshire"
    )
    assert source_key("stop_search", "2025-07-cambridgeshire-stop-and-search.csv") == (
        "stop_search:2025-07:cambridgeshire"
    )
    assert source_key("raids", "raids.csv") == "raids:raids.csv"


def test_reingesting_the_same_files_never_duplicates(write_street, toy, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    files = [_month(write_street, "2025-01", 3), _month(write_street, "2025-02", 4)]
    _ingest(files, toy, store)
    first = store.load()
    _ingest(files, toy, store)
    _ingest(files[:1], toy, store)
    again = store.load()
    assert len(first) == len(again) == 7
    assert sorted(again["event_id"]) == sorted(first["event_id"])
    assert len(store.sources()) == 2
    # Replaced files are cleaned away: one events file and one rejected file per source.
    assert len(list((store.path / "events").rglob("*.parquet"))) == 2
    assert len(list((store.path / "rejected").glob("*.csv"))) == 2


def test_a_republished_month_replaces_the_old_one(write_street, toy, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-01", 3)], toy, store)
    # police.uk re-publishes the month: outcomes changed and one more crime was added
    _ingest([_month(write_street, "2025-01", 4, outcome="Awaiting court outcome")], toy, store)
    events = store.load()
    assert len(events) == 4
    assert set(events["outcome"]) == {"Awaiting court outcome"}


def test_two_downloads_of_one_month_in_one_ingest_are_refused(
    write_street, toy, tmp_path: Path
) -> None:
    """Before: ``ingest street/2019-09-merseyside-street.csv
    street_alt_download/2019-09-merseyside-street.csv`` printed "kept 930" but stored 0: the
    second download replaced the first, every drug row of it rejected as a duplicate of the
    first's. Now refused, naming both files, and the store left as it was."""
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-02", 2)], toy, store)
    before = snapshot(store.path)
    first = _month(write_street, "2025-01", 3)
    alt = tmp_path / "alt_download" / first.name
    alt.parent.mkdir()
    alt.write_text(first.read_text().replace("Under investigation", "Awaiting court outcome"))
    with pytest.raises(HotspotsError, match="two different files of one source") as refused:
        _ingest([first, alt], toy, store)
    assert str(first) in str(refused.value) and str(alt) in str(refused.value)
    assert "street:2025-01:toyshire" in str(refused.value)
    assert snapshot(store.path) == before
    _ingest([alt], toy, store)  # one download at a time: it replaces, nothing is lost
    assert len(store.load(months=["2025-01"])) == 3


def test_load_filters_by_layer_and_month(write_street, toy, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    files = [_month(write_street, "2025-01", 3), _month(write_street, "2025-02", 4)]
    _ingest(files, toy, store)
    assert len(store.load(months=["2025-02"])) == 4
    assert len(store.load(layers=["raid"])) == 0
    assert store.load(layers=["raid"]).crs == "EPSG:27700"
    assert list(store.load(columns=["event_id"]).columns) == ["event_id", "geometry"]


def test_malformed_file_leaves_the_store_byte_for_byte(write_street, toy, tmp_path) -> None:
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-01", 3)], toy, store)
    before = snapshot(store.path)
    good = _month(write_street, "2025-02", 2)
    bad = write_street([street_row("b1", 500500, 200500)], "2025-03-toyshire-street.csv")
    bad.write_text(bad.read_text() + "b2,2025-03,only,four fields\n")
    with pytest.raises(
        SourceFormatError, match=r"2025-03-toyshire-street\.csv, line 3: expected 12"
    ):
        _ingest([good, bad], toy, store)
    assert snapshot(store.path) == before


def test_wrong_header_names_the_missing_columns(tmp_path: Path, toy) -> None:
    path = tmp_path / "2025-01-toyshire-street.csv"
    path.write_text(
        "Crime ID,Month,Longitude,Latitude,Crime type,Falls within\nx,2025-01,0,52,Drugs,T\n"
    )
    with pytest.raises(SourceFormatError, match=r"line 1: .*lacks 'Reported by'.*'Location'"):
        _ingest([path], toy, Store(tmp_path / "store"))


def test_unrecognised_file_says_what_was_expected(tmp_path: Path, toy) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("name,age\nalice,3\n")
    with pytest.raises(SourceFormatError, match=r"notes\.csv, line 1: unrecognised file"):
        _ingest([path], toy, Store(tmp_path / "store"))


def test_non_utf8_bytes_name_the_line(write_street, tmp_path: Path, toy) -> None:
    path = write_street([street_row("u1", 500500, 200500), street_row("u2", 500500, 200500)])
    data = path.read_bytes().replace(b"Toy Street", b"Caf\xe9 Street", 2)
    path.write_bytes(data)
    with pytest.raises(SourceFormatError, match=r"line 2: not UTF-8"):
        _ingest([path], toy, Store(tmp_path / "store"))


def test_interrupted_commit_leaves_the_previous_store(
    write_street, toy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-01", 3)], toy, store)
    before = snapshot(store.path)
    calls = {"n": 0}
    real_write_table = pq.write_table  # every Parquet file of the store is written by it

    def ctrl_c_on_second_file(table, where, *args, **kwargs):
        calls["n"] += isinstance(where, (str, Path))  # a file of the store
        if calls["n"] == 2:
            Path(where).write_bytes(b"PAR1 half a file")  # a write cut off part-way
            raise KeyboardInterrupt
        return real_write_table(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", ctrl_c_on_second_file)
    files = [_month(write_street, "2025-02", 2), _month(write_street, "2025-03", 2)]
    with pytest.raises(KeyboardInterrupt):
        _ingest(files, toy, store)
    monkeypatch.undo()
    assert snapshot(store.path) == before
    assert len(store.load()) == 3


def test_a_crash_after_writing_files_is_invisible_and_cleaned(
    write_street, toy, tmp_path: Path
) -> None:
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-01", 3)], toy, store)
    # What a killed process leaves: orphan data files and a half-written manifest temp file.
    (store.path / "events" / "offence" / "orphan.x.parquet").write_bytes(b"partial")
    (store.path / ".manifest.json.dead.tmp").write_text("{")
    assert len(store.load()) == 3
    _ingest([_month(write_street, "2025-02", 1)], toy, store)
    assert not (store.path / "events" / "offence" / "orphan.x.parquet").exists()
    assert not list(store.path.glob(".manifest.json.*.tmp"))
    assert len(store.load()) == 4


def test_other_wards_for_an_existing_store_are_refused(
    write_street, toy, toy_boundaries, tmp_path: Path
) -> None:
    store = Store(tmp_path / "store")
    _ingest([_month(write_street, "2025-01", 1)], toy, store)
    wards = read_wards(toy_boundaries[0])
    wards.sources[0]["sha256"] = "another vintage"
    with pytest.raises(StoreError, match="joined to WD24 wards"):
        ingest([_month(write_street, "2025-02", 1)], wards=wards, force_area=toy[1], store=store)


def test_a_second_writer_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    with store.locked(), pytest.raises(StoreError, match="another ingest"), store.locked():
        pass


def test_status_of_an_empty_store_is_empty(tmp_path: Path) -> None:
    store = Store(tmp_path / "nothing")
    assert not store.exists()
    assert store.sources() == []
    assert len(store.load()) == 0
    with pytest.raises(StoreError, match="no wards stored"):
        store.load_boundary("wards")


def test_events_are_partitioned_by_force_and_sorted_spatially(
    write_street, toy, tmp_path: Path
) -> None:
    import json

    import pyarrow.parquet as pq

    # Rows A..D (source rows 2..5) in 1 km cells (1, 1), (0, 0), (1, 0), (0, 1) of the grid.
    xy = [(501500, 201100), (500100, 200100), (501500, 200100), (500100, 201100)]
    rows = [street_row(f"r{i}", x, y) for i, (x, y) in enumerate(xy)]
    csv = write_street(rows, "2025-01-toyshire-street.csv")
    plain = Store(tmp_path / "plain", spatial_order=False)  # rows on disk in source order
    _ingest([csv], toy, plain)
    (entry,) = plain.sources()
    assert entry["row_order"] == "source"
    on_disk = pq.read_table(plain.path / entry["events_file"], columns=["source_row"])
    assert on_disk.column("source_row").to_pylist() == [2, 3, 4, 5]
    store = Store(tmp_path / "store")  # the default: spatial order
    _ingest([csv], toy, store)
    (entry,) = store.sources()
    assert entry["row_order"] == "morton-1km"
    assert entry["force"] == "toyshire" and entry["months"] == ["2025-01"]
    assert entry["events_file"].startswith("events/offence/force=toyshire/")
    assert entry["bbox"] == pytest.approx([500100, 200100, 501500, 201100], abs=0.1)  # 6-dp lon/lat
    on_disk = pq.read_table(store.path / entry["events_file"], columns=["source_row"])
    assert on_disk.column("source_row").to_pylist() == [3, 4, 5, 2]  # Morton (Z) order
    assert store.load()["source_row"].tolist() == [2, 3, 4, 5]  # loads in source order
    assert store.load(columns=["event_id"])["event_id"].tolist() == ["r0", "r1", "r2", "r3"]
    assert json.loads((store.path / "manifest.json").read_text())["format"] == 2


def test_partitions_are_pruned_by_month_force_and_area(write_street, toy, tmp_path) -> None:
    store = Store(tmp_path / "store")
    files = [_month(write_street, "2025-01", 3), _month(write_street, "2025-02", 4)]
    _ingest(files, toy, store)
    assert [p.name.split(".")[0] for p in store.event_files(months=["2025-02"])] == [
        "street_2025-02_toyshire"
    ]
    assert len(store.event_files(forces=["toyshire"])) == 2
    assert store.event_files(forces=["kent"]) == []
    assert len(store.event_files(bbox=(500000, 200000, 500150, 200600))) == 2
    assert store.event_files(bbox=(600000, 300000, 600100, 300100)) == []
    assert len(store.load(forces=["toyshire"], months=["2025-01"])) == 3


def test_an_older_store_format_says_to_ingest_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    store.path.mkdir()
    (store.path / "manifest.json").write_text('{"format": 1, "sources": {}}')
    with pytest.raises(StoreError, match=r"format 1, older than.*re-run `hotspots demo`"):
        store.sources()
