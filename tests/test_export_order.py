"""A store kept in spatial (Morton) order exports and loads exactly as one in source order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotspots.export import ExportMetadata, export_events
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import DEMO

BOUNDARIES = DEMO / "boundaries"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Store]:
    files = [*sorted((DEMO / "police_uk").glob("*.csv")), *sorted((DEMO / "raids").glob("*.csv"))]
    wards = read_wards(BOUNDARIES / "wards_dec2023_bsc.geojson")
    area = read_force_area(BOUNDARIES / "force_area_pfa_dec2023_bsc.geojson")
    out = []
    for spatial in (False, True):
        store = Store(tmp_path_factory.mktemp("order") / "store", spatial_order=spatial)
        ingest(files, wards=wards, force_area=area, store=store)
        out.append(store)
    return out[0], out[1]


def test_files_are_stored_in_the_order_asked(stores: tuple[Store, Store]) -> None:
    source, spatial = stores
    assert {e["row_order"] for e in source.sources()} == {"source"}
    assert {e["row_order"] for e in spatial.sources()} == {"morton-1km"}
    # the rows on disk really are in another order (a busy month has rows all over the force)
    import pyarrow.parquet as pq

    (entry,) = [e for e in spatial.sources() if e["key"] == "street:2025-10:cambridgeshire"]
    rows = pq.read_table(spatial.path / entry["events_file"], columns=["source_row"])
    assert rows.column("source_row").to_pylist() != sorted(rows.column("source_row").to_pylist())


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_exports_and_loads_are_the_same(
    stores: tuple[Store, Store], tmp_path: Path, fmt: str
) -> None:
    source, spatial = stores
    texts = []
    for store in (source, spatial):
        out = export_events(
            store,
            tmp_path / f"{store.path.parent.name}.{fmt}",
            fmt,
            ExportMetadata("2025", generated="fixed"),
            chunk_rows=100,
        )
        text = out.read_text(encoding="utf-8")
        # the two stores differ only in their data version, which the metadata records
        texts.append(json.loads(text)["features"] if fmt == "geojson" else text)
    assert len(texts[0]) > 2000
    assert texts[0] == texts[1]
    a, b = source.load(), spatial.load()
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()
