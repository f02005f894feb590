"""The bad-input campaign, file names and the store: no file name writes outside the store or
makes two sources share a file; a failed ingest (a bad file anywhere in the batch, a write that
fails during the commit) leaves the store byte-for-byte as it was.

(``tests/test_store.py`` has one hand-made case of each failure; these generate many.)
"""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotspots.errors import SourceFormatError, StoreError
from hotspots.ingest import ingest
from hotspots.sources.boundaries import Boundaries
from hotspots.store import SourceBatch, Store, source_key
from tests.badinput import RAID_HEADER, valid_file
from tests.helpers import STREET_HEADER, snapshot, street_row

SLOW = settings(
    max_examples=25,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: File names Linux allows: anything but "/" and NUL, not "." or "..", at most 255 bytes.
NAME = st.text(
    st.characters(codec="utf-8", exclude_characters="/\x00"),
    min_size=1,
    max_size=60,
).filter(lambda n: n not in (".", "..") and len(n.encode()) <= 200)
AWKWARD_NAMES = [
    "..\\..\\x.csv",
    "...csv",
    " .csv",
    "a\nb.csv",
    "a b.csv",
    "a_b.csv",
    "%2e%2e%2fetc.csv",
    "2025-01-..-street.csv",
    "2025-01-\u202e-street.csv",
    "-rf.csv",
    "x" * 200 + ".csv",
]


def _written(store: Store, kind: str, name: str) -> tuple[str, str]:
    """Write a source of no rows from a file called ``name``; its events and rejected files."""
    empty = gpd.GeoDataFrame({"month": []}, geometry=gpd.GeoSeries([], crs="EPSG:27700"))
    batch = SourceBatch(source_key(kind, name), {"layer": "raid"}, empty, pd.DataFrame({"a": []}))
    entry = store.write_source(batch, "T0")
    return entry["events_file"], entry["rejected_file"]


@settings(max_examples=100, deadline=2000)
@given(kind=st.sampled_from(["street", "stop_search", "raids"]), name=NAME, other=NAME)
@example(kind="raids", name="a b.csv", other="a_b.csv")  # one slug: 'raids_a_b.csv'
@example(kind="raids", name="x" * 130 + "1.csv", other="x" * 130 + "2.csv")  # cut at 120
@example(kind="street", name="2025-01-a:b-street.csv", other="2025-01-a_b-street.csv")
def test_a_source_file_name_never_leaves_the_store_nor_shares_a_file(
    kind: str, name: str, other: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "store")
        placed = _written(store, kind, name)
        for rel in placed:
            parts = Path(rel).parts
            assert not Path(rel).is_absolute() and ".." not in parts and "." not in parts
            assert not any(c in rel for c in "\\\x00\n\r")
            assert (store.path / rel).resolve().is_relative_to(store.path.resolve())
        if source_key(kind, name) != source_key(kind, other):
            assert set(placed).isdisjoint(_written(store, kind, other))
        on_disk = [p for p in Path(folder).rglob("*") if p.is_file()]
        assert all(p.is_relative_to(store.path) for p in on_disk)


def _raid_file(folder: Path, name: str, raid_id: str) -> Path:
    path = folder / name
    path.write_text(f"{RAID_HEADER}\n{raid_id},2025-02-03,,,500500,200500,,,supply,,,,,false\n")
    return path


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_ingest_of_an_awkward_name_writes_only_under_the_store(
    name: str, toy, tmp_path: Path
) -> None:
    inputs = tmp_path / "in" / "deeper"
    inputs.mkdir(parents=True)
    path = inputs / name
    if name.endswith("street.csv"):
        path.write_text(STREET_HEADER + "\n" + ",".join(street_row("c1", 500500, 200500)) + "\n")
    else:
        _raid_file(inputs, name, "R1")
    # The file given by a path through "..": read where it is, stored under its name only.
    roundabout = tmp_path / "in" / "deeper" / ".." / "deeper" / name
    before = snapshot(tmp_path)
    store = Store(tmp_path / "store")
    ingest([roundabout], wards=toy[0], force_area=toy[1], store=store)
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("store/")} == before
    assert store.load()["source_file"].tolist() == [name]


@SLOW
@given(names=st.lists(NAME, min_size=2, max_size=3, unique=True))
@example(names=["a b.csv", "a_b.csv"])  # once overwrote each other's files
def test_ingest_of_generated_names_keeps_every_source_apart(
    names: list[str], toy: tuple[Boundaries, Boundaries], tmp_path: Path
) -> None:
    folder = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    inputs = folder / "in"
    inputs.mkdir(parents=True)
    paths = [_raid_file(inputs, n, f"R{i}") for i, n in enumerate(names)]
    store = Store(folder / "store")
    ingest(paths, wards=toy[0], force_area=toy[1], store=store)
    loaded = store.load().sort_values("event_id")
    assert loaded["event_id"].tolist() == [f"R{i}" for i in range(len(names))]
    assert loaded["source_file"].tolist() == names
    assert sorted(p.name for p in inputs.iterdir()) == sorted(names)  # inputs untouched


def test_unusable_paths_are_refused_before_the_store_is_touched(toy, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    with pytest.raises(FileNotFoundError, match="no such file"):
        ingest([tmp_path / "a\x00b.csv"], wards=toy[0], force_area=toy[1], store=store)
    with pytest.raises(FileNotFoundError, match="no such file"):
        ingest([tmp_path / "../../etc/nothing.csv"], wards=toy[0], force_area=toy[1], store=store)
    not_utf8 = _raid_file(tmp_path, os.fsdecode(b"raids-\xff.csv"), "R1")
    with pytest.raises(SourceFormatError, match=r"raids-\\xff\.csv: the file's path is not UTF-8"):
        ingest([not_utf8], wards=toy[0], force_area=toy[1], store=store)
    assert not store.path.exists()


def test_a_tampered_manifest_cannot_make_a_commit_delete_outside_the_store(
    toy, tmp_path: Path
) -> None:
    store = Store(tmp_path / "store")
    ingest([_raid_file(tmp_path, "raids.csv", "R1")], wards=toy[0], force_area=toy[1], store=store)
    victims = [tmp_path / "victim.parquet", tmp_path / "victim.csv"]
    for victim in victims:
        victim.write_text("not the store's")
    manifest = (store.path / "manifest.json").read_text()
    (entry,) = store.sources()
    manifest = manifest.replace(entry["events_file"], str(victims[0]))
    manifest = manifest.replace(entry["rejected_file"], "../victim.csv")
    (store.path / "manifest.json").write_text(manifest)
    ingest([_raid_file(tmp_path, "raids.csv", "R2")], wards=toy[0], force_area=toy[1], store=store)
    assert all(v.read_text() == "not the store's" for v in victims)
    assert store.load()["event_id"].tolist() == ["R2"]


# -- a failed ingest leaves the store as it was ------------------------------------------------
def _month(folder: Path, month: str) -> Path:
    rows = [street_row(f"{month}-{i}", 500100 + 10 * i, 200500, month=month) for i in range(3)]
    path = folder / f"{month}-toyshire-street.csv"
    path.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
    return path


def _spoil(data: bytes, how: str, at: float) -> bytes:
    """A valid file made bad: each way must stop the ingest."""
    lines = data.split(b"\n")
    line = 1 + int(at * (len(lines) - 3))  # a data line (the last "line" is the empty tail)
    if how == "short row":
        lines[line] = lines[line].rsplit(b",", 1)[0]
    elif how == "long row":
        lines[line] += b",extra"
    elif how == "latin-1":
        lines[line] = lines[line].replace(b",", b",\xe9", 1)
    elif how == "cut character":
        lines[line] += b"\xe2\x82"
    elif how == "repeated column":
        lines[0] += b",Month"
        lines[1:] = [ln + b",x" if ln else ln for ln in lines[1:]]
    elif how == "utf-16":
        return data.decode().encode("utf-16")
    else:  # binary
        return b"\x00\x01PK\x03\x04" + data
    return b"\n".join(lines)


SPOILS = ["short row", "long row", "latin-1", "cut character", "repeated column", "utf-16", "bin"]


@SLOW
@given(how=st.sampled_from(SPOILS), at=st.floats(0, 1), position=st.integers(0, 2))
@example(how="short row", at=1.0, position=2)  # the last data row, the last file
def test_a_bad_file_anywhere_in_a_batch_leaves_the_store_unchanged(
    how: str, at: float, position: int, toy, tmp_path: Path
) -> None:
    folder = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    store = Store(folder / "store")
    ingest([_month(folder, "2025-01")], wards=toy[0], force_area=toy[1], store=store)
    before = snapshot(store.path)
    bad = folder / "2025-03-toyshire-street.csv"
    bad.write_bytes(_spoil(valid_file("street"), how, at))
    batch = [_month(folder, "2025-02"), _month(folder, "2025-04")]
    batch.insert(position, bad)
    with pytest.raises(SourceFormatError, match=r"2025-03-toyshire-street\.csv, line \d+: "):
        ingest(batch, wards=toy[0], force_area=toy[1], store=store)
    assert snapshot(store.path) == before


@SLOW
@given(fail_at=st.integers(1, 8), writer=st.sampled_from(["parquet", "csv"]))
def test_a_write_failing_during_the_commit_leaves_the_store_unchanged(
    fail_at: int, writer: str, toy, tmp_path: Path
) -> None:
    folder = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    store = Store(folder / "store")
    ingest([_month(folder, "2025-01")], wards=toy[0], force_area=toy[1], store=store)
    before = snapshot(store.path)
    module, name = (pq, "write_table") if writer == "parquet" else (pacsv, "write_csv")
    real = getattr(module, name)
    calls = {"n": 0}
    lock = threading.Lock()

    def disk_full_at_the_nth_write(table: object, where: str, *args: Any, **kwargs: Any) -> Any:
        with lock:
            calls["n"] += 1
            failing = calls["n"] == fail_at
        if failing:
            Path(where).write_bytes(b"half a file")  # what a full disk leaves
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    files = [_month(folder, "2025-02"), _month(folder, "2025-03")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, name, disk_full_at_the_nth_write)
        try:
            ingest(files, wards=toy[0], force_area=toy[1], store=store)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            assert snapshot(store.path) == before
            assert len(store.load()) == 3
            return
    assert calls["n"] < fail_at  # the commit made fewer writes: it must have succeeded
    assert len(store.load()) == 9


@settings(max_examples=150, deadline=None)  # the first example imports the web app
@given(raw=st.lists(st.one_of(NAME, st.sampled_from(AWKWARD_NAMES), st.text()), max_size=4))
@example(raw=["../../etc/passwd.csv", "..\\..\\x.csv", "/abs/a.csv", "C:\\x\\a.csv", "a.csv"])
@example(raw=["..", "a\x00b.csv", "a\nb.csv", "a.csv", "a.csv"])
def test_uploaded_file_names_are_saved_only_inside_the_upload_folder(raw: list[str]) -> None:
    upload = pytest.importorskip("web.upload")
    try:
        names = upload._safe_names(raw)
    except ValueError as exc:
        assert "expected a .csv file" in str(exc)
        return
    folder = Path("/store/uploads/x")
    assert len(names) == len(set(names)) == len(raw)
    for name in names:
        assert name.lower().endswith(".csv") and not name.startswith(".")
        assert not any(c in name for c in "/\\\x00\n\r")
        assert (folder / name).resolve().parent == folder


def test_a_tampered_manifest_cannot_make_a_reader_read_outside_the_store(
    toy, tmp_path: Path
) -> None:
    store = Store(tmp_path / "store")
    ingest([_raid_file(tmp_path, "raids.csv", "R1")], wards=toy[0], force_area=toy[1], store=store)
    outside = tmp_path / "outside.parquet"
    (entry,) = store.sources()
    (store.path / entry["events_file"]).rename(outside)
    text = (store.path / "manifest.json").read_text()
    for name in (str(outside), "../outside.parquet", "events/../../outside.parquet"):
        (store.path / "manifest.json").write_text(text.replace(entry["events_file"], name))
        with pytest.raises(StoreError, match="outside the store"):
            store.load()
        with pytest.raises(StoreError, match="outside the store"):
            store.event_files()
