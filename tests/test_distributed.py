"""The distributed path on a real dask LocalCluster: the same store and the same hotspots as the
single-machine path, and a store that dask-geopandas reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspots.cluster import HotspotDetector
from hotspots.distributed.client import close, connect
from hotspots.distributed.detector import TiledHotspotDetector
from hotspots.distributed.ingest import ingest_distributed
from hotspots.errors import ReplacementRefused, SourceFormatError
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import DEMO, snapshot, street_row


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """Two worker processes of one thread: what `--scheduler local` starts (smaller memory).
    A dask client: in this module it overrides the conftest's web ``client``."""
    dask_client = connect("local", n_workers=2, memory_limit="2GiB")
    yield dask_client
    close(dask_client)


@pytest.fixture(scope="module")
def demo_boundaries():
    boundaries = DEMO / "boundaries"
    return (
        read_wards(boundaries / "wards_dec2023_bsc.geojson"),
        read_force_area(boundaries / "force_area_pfa_dec2023_bsc.geojson"),
    )


def demo_files() -> list[Path]:
    return sorted((DEMO / "police_uk").glob("*.csv")) + sorted((DEMO / "raids").glob("*.csv"))


def without_tokens(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in ("ingest", "events_file", "rejected_file")}


def assert_same_store(one: Store, two: Store) -> None:
    a, b = one.manifest(), two.manifest()
    assert sorted(a["sources"]) == sorted(b["sources"])
    for key in a["sources"]:
        assert without_tokens(a["sources"][key]) == without_tokens(b["sources"][key])
        rejected_a = (one.path / a["sources"][key]["rejected_file"]).read_bytes()
        assert rejected_a == (two.path / b["sources"][key]["rejected_file"]).read_bytes()
    pd.testing.assert_frame_equal(one.load(), two.load())
    assert a["boundaries"]["wards"]["sha256"] == b["boundaries"]["wards"]["sha256"]


def test_demo_data_distributed_equals_single_machine(client, demo_boundaries, tmp_path) -> None:
    wards, area = demo_boundaries
    single, distributed = Store(tmp_path / "single"), Store(tmp_path / "dask")
    want = ingest(demo_files(), wards=wards, force_area=area, store=single)
    seen: list[Path] = []
    got = ingest_distributed(
        demo_files(),
        wards=wards,
        force_area=area,
        store=distributed,
        client=client,
        on_file=seen.append,
    )
    assert sorted(seen) == sorted(demo_files())
    assert got.reconciles() and got.by_layer() == want.by_layer()
    assert [without_tokens(e) for e in got.sources] == [without_tokens(e) for e in want.sources]
    assert_same_store(single, distributed)
    events = distributed.load()
    assert events["ward_code"].notna().all() and len(events) == 2689 + 153 + 150


def test_duplicate_ids_across_files_and_stored_sources_are_single_machines(
    client, toy, write_street, tmp_path
) -> None:
    wards, area = toy
    old = write_street(
        [street_row("X", 500100, 200100), street_row("Y", 500200, 200100)],
        "2025-01-toyshire-street.csv",
    )
    rows2 = [street_row(i, 500300, 200200, month="2025-02") for i in ("X", "A", "B", "A")]
    rows3 = [street_row(i, 501300, 200200, month="2025-03") for i in ("B", "C", "Y", "D")]
    rows4 = [street_row(i, 501500, 200900, month="2025-04") for i in ("D", "E")]
    new = [
        write_street(rows2, "2025-02-toyshire-street.csv"),
        write_street(rows3, "2025-03-toyshire-street.csv"),
        write_street(rows4, "2025-04-toyshire-street.csv"),
    ]
    single = Store(tmp_path / "single", spatial_order=True)
    distributed = Store(tmp_path / "dask", spatial_order=True)
    for store in (single, distributed):
        ingest([old], wards=wards, force_area=area, store=store)
    ingest(new, wards=wards, force_area=area, store=single)
    ingest_distributed(new, wards=wards, force_area=area, store=distributed, client=client)
    assert_same_store(single, distributed)
    kept = distributed.load()
    assert sorted(kept["event_id"]) == ["A", "B", "C", "D", "E", "X", "Y"]
    rejected = {e["name"]: e["rejected"] for e in distributed.sources()}
    assert rejected["2025-03-toyshire-street.csv"] == {"duplicate": 2}  # B (file 2), Y (stored)


def test_a_malformed_file_leaves_the_store_byte_for_byte(client, toy, write_street, tmp_path):
    wards, area = toy
    store = Store(tmp_path / "store")
    ingest(
        [write_street([street_row("a", 500100, 200100)])], wards=wards, force_area=area, store=store
    )
    before = snapshot(store.path)
    good = write_street(
        [street_row("g", 500100, 200100, month="2025-02")], "2025-02-toyshire-street.csv"
    )
    bad = write_street(
        [street_row("b1", 500500, 200500, month="2025-03")], "2025-03-toyshire-street.csv"
    )
    bad.write_text(bad.read_text() + "b2,2025-03,only,four fields\n")
    with pytest.raises(SourceFormatError, match=r"2025-03-toyshire-street\.csv, line 3"):
        ingest_distributed([good, bad], wards=wards, force_area=area, store=store, client=client)
    assert snapshot(store.path) == before


def test_a_shrinking_replacement_is_refused_as_on_one_machine(
    client, toy, write_street, tmp_path
) -> None:
    """The rule of hotspots.store.replacement applies to the distributed ingest too."""
    wards, area = toy
    store = Store(tmp_path / "store")
    rows = [street_row(f"a{i}", 500100 + 100 * i, 200100) for i in range(4)]
    ingest([write_street(rows)], wards=wards, force_area=area, store=store)
    before = snapshot(store.path)
    empty = write_street([])
    with pytest.raises(ReplacementRefused, match=r"stored 4 rows kept, new 0"):
        ingest_distributed([empty], wards=wards, force_area=area, store=store, client=client)
    assert snapshot(store.path) == before
    ingest_distributed(
        [empty], wards=wards, force_area=area, store=store, client=client, allow_shrink=True
    )
    assert store.manifest()["sources"]["street:2025-01:toyshire"]["kept"] == 0


def test_the_same_files_again_change_nothing_on_the_cluster(
    client, toy, write_street, tmp_path
) -> None:
    """A store ingested on one machine, the same files then ingested on the cluster: nothing
    written, the version kept (one content rule for both paths, hotspots.store.sameness); one
    file changed: only it is replaced, the workers' files for the other are deleted."""
    wards, area = toy
    store = Store(tmp_path / "store")
    january = write_street([street_row(f"a{i}", 500100 + 100 * i, 200100) for i in range(3)])
    february = write_street(
        [street_row("b", 500100, 200100, month="2025-02")], "2025-02-toyshire-street.csv"
    )
    first = ingest([january, february], wards=wards, force_area=area, store=store)
    before = snapshot(store.path)
    again = ingest_distributed(
        [january, february], wards=wards, force_area=area, store=store, client=client
    )
    assert not again.changed and again.version == first.version
    assert again.unchanged == [january.name, february.name]
    assert snapshot(store.path) == before
    held = store.manifest()["sources"]["street:2025-01:toyshire"]
    february.write_text(february.read_text().replace("Toy Street", "Other Street"))
    changed = ingest_distributed(
        [january, february], wards=wards, force_area=area, store=store, client=client
    )
    assert changed.changed and changed.unchanged == [january.name]
    assert store.manifest()["sources"]["street:2025-01:toyshire"] == held
    named = {e["events_file"] for e in store.manifest()["sources"].values()}
    on_disk = {p.relative_to(store.path).as_posix() for p in (store.path / "events").rglob("*")}
    assert {p for p in on_disk if p.endswith(".parquet")} == named  # no orphan left


def test_dask_geopandas_reads_the_store_partitions(client, demo_boundaries, tmp_path) -> None:
    import dask_geopandas

    wards, area = demo_boundaries
    store = Store(tmp_path / "store")
    ingest(demo_files(), wards=wards, force_area=area, store=store)
    files = store.event_files(layers=["offence"], months=["2025-03", "2025-04"])
    assert len(files) == 2 and all("force=cambridgeshire" in f.as_posix() for f in files)
    frame = dask_geopandas.read_parquet([str(f) for f in files])
    assert frame.npartitions == 2 and frame.crs == "EPSG:27700"
    assert frame.spatial_partitions is not None  # each file's bbox from its GeoParquet metadata
    got = frame.compute().sort_values(["month", "source_row"]).reset_index(drop=True)
    want = store.load(layers=["offence"], months=["2025-03", "2025-04"])
    want = want.sort_values(["month", "source_row"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


def test_tiled_hotspots_on_the_cluster_equal_single_machine(client) -> None:
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 20_000, size=(40, 2))
    which = rng.integers(0, 40, size=20_000)
    xy = np.round(centres[which] + rng.normal(0, 120, size=(20_000, 2)))
    ticks: list[tuple[int, int]] = []
    got = TiledHotspotDetector(
        150, 10, tile_m=2_000, client=client, on_tile=lambda *t: ticks.append(t)
    )
    got.fit(xy)
    want = HotspotDetector(150, 10).fit(xy)
    np.testing.assert_array_equal(got.labels_, want.labels_)
    np.testing.assert_array_equal(got.core_sample_indices_, want.core_sample_indices_)
    assert got.params_["distributed"]["workers"] == 2
    assert ticks[-1][0] == ticks[-1][1] == got.params_["distributed"]["tiles"] > 20


def test_clone_shares_the_live_client(client) -> None:
    from sklearn.base import clone

    det = TiledHotspotDetector(150, 10, tile_m=2_000, client=client)
    copy = clone(det)  # a live client cannot be deep-copied: the clone shares it
    assert copy.client is client and copy.get_params() == det.get_params()
    xy = np.column_stack([np.arange(0, 5_000, 10.0), np.zeros(500)])  # one hotspot, 3 tiles
    np.testing.assert_array_equal(copy.fit(xy).labels_, HotspotDetector(150, 10).fit(xy).labels_)
    assert copy.n_hotspots_ == 1 and copy.params_["distributed"]["workers"] == 2


def test_hotspots_from_the_store_partitions_equal_single_machine(
    client, demo_boundaries, tmp_path
) -> None:
    from hotspots.distributed.store_hotspots import detect_store_hotspots

    wards, area = demo_boundaries
    store = Store(tmp_path / "store")
    ingest(demo_files(), wards=wards, force_area=area, store=store)
    months = [f"2025-{m:02d}" for m in range(3, 9)]
    got, points, counts = detect_store_hotspots(
        store, months, eps_m=150, min_samples=9, client=client, tile_m=3_000
    )
    offences = store.load(layers=["offence"], months=months)
    want = HotspotDetector(150, 9).fit(offences)
    assert counts.sum() == len(offences) and got.params_["distributed"]["tiles"] > 4
    xy = np.column_stack([offences.geometry.x, offences.geometry.y])
    at = np.lexsort((points[:, 1], points[:, 0]))  # points are already in (x, y) order
    assert (at == np.arange(len(points))).all()
    location = {(x, y): i for i, (x, y) in enumerate(points.tolist())}
    row_location = [location[(x, y)] for x, y in xy.tolist()]
    np.testing.assert_array_equal(got.labels_[row_location], want.labels_)
    np.testing.assert_array_equal(got.hotspot_weight_, want.hotspot_weight_)
    assert got.n_hotspots_ == want.n_hotspots_ > 3


def test_id_hashes_do_not_depend_on_the_batch() -> None:
    from hotspots.distributed.ingest import _hash_ids

    ids = np.array(["a" * 64, "abc", "abc ", "é", "", "x" * 70, "abd"], dtype=object)
    hashes = _hash_ids(ids)
    assert len({tuple(h) for h in hashes.tolist()}) == len(ids)
    for i in range(len(ids)):
        np.testing.assert_array_equal(_hash_ids(ids[i : i + 1]), hashes[i : i + 1])
