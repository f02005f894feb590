"""Street files checked as one table (``read_streets``) give what reading them one by one gives.

The fixture is three small files whose verdicts were worked out by hand: a Crime ID repeated
in its own file, kept in an earlier file, on an earlier file's rejected row (not a duplicate:
only kept rows carry an id to later files), in a file of another layout (no header: its own
group), and blank Crime IDs on identical rows (derived ids numbered within each file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.ingest import ingest
from hotspots.sources import police_uk
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.sources.police_uk import read_street, read_streets
from hotspots.store import Store, source_key
from tests.helpers import street_row

X, Y = 531_000.0, 258_000.0  # any point: these checks do not look at wards


@pytest.fixture
def three_files(write_street: Callable[..., Path]) -> list[Path]:
    january = [
        street_row("C1", X, Y),  # kept
        street_row("C2", None, None),  # no location
        street_row("C3", X, Y),  # kept
        street_row("C3", X + 10, Y),  # duplicate: row 4 repeats row 3 of its file
        street_row("", X, Y, month="2025-02"),  # derived id, first of its kind here: -0
    ]
    february = [
        street_row("C1", X, Y, month="2025-02"),  # duplicate: kept in January
        street_row("C2", X, Y, month="2025-02"),  # kept: January's C2 was rejected
        street_row("", X, Y, month="2025-02"),  # derived id -0 (this file numbers its own)
        street_row("", X, Y, month="2025-02"),  # the same fields: -1
    ]
    march = [street_row("C3", X, Y, month="2025-03")]  # duplicate: kept in January
    return [
        write_street(january, "2025-01-toyshire-street.csv"),
        write_street(february, "2025-02-toyshire-street.csv"),
        write_street(march, "2025-03-toyshire-street.csv", header=False),
    ]


def _one_by_one(paths: list[Path]) -> list[police_uk.SourceRead]:
    seen: set[str] = set()
    return [read_street(p, all_crime_types=True, seen_ids=seen) for p in paths]


def _grouped(paths: list[Path]) -> list[police_uk.SourceRead]:
    groups = read_streets(paths, all_crime_types=True, seen_ids=set())
    return [read for group in groups for read in group.reads()]


def test_the_hand_worked_verdicts(three_files: list[Path]) -> None:
    reads = _grouped(three_files)
    assert [r.rejected_by_reason() for r in reads] == [
        {"duplicate": 1, "no location": 1},
        {"duplicate": 1},
        {"duplicate": 1},
    ]
    assert [len(r.events) for r in reads] == [3, 3, 0]
    january, february, _ = reads
    assert january.events["source_row"].tolist() == [2, 4, 6]
    assert february.events["source_row"].tolist() == [3, 4, 5]
    assert february.events["event_id"].iloc[0] == "C2"
    derived = february.events["event_id"].iloc[1:].tolist()
    assert derived[0].endswith("-0") and derived[1].endswith("-1")
    assert january.events["event_id"].iloc[2] == derived[0]  # same fields, numbered per file
    assert february.rejected["detail"].tolist() == ["Crime ID=C1"]
    assert all(r.reconciles() for r in reads)


@pytest.mark.parametrize("group_rows", [police_uk.GROUP_ROWS, 6, 1])
def test_groups_read_as_the_files_one_by_one(
    three_files: list[Path], group_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(police_uk, "GROUP_ROWS", group_rows)  # groups cut at other files
    for grouped, single in zip(_grouped(three_files), _one_by_one(three_files), strict=True):
        assert grouped.path == single.path and grouped.rows_read == single.rows_read
        pd.testing.assert_frame_equal(grouped.events, single.events)
        pd.testing.assert_frame_equal(grouped.rejected, single.rejected)


def test_each_file_of_a_group_is_in_its_own_spatial_order(
    write_street: Callable[..., Path], tmp_path: Path
) -> None:
    """The store orders each events file by the Morton key of its 1 km cells, numbered from
    the file's own south-west cell. February alone: (501500, 201500) is cell (0, 1), key 2, and
    (502500, 200500) is cell (1, 0), key 1, so its second row comes first. Numbered from
    January's cell (0, 0) with it, they would be (1, 1), key 3, and (2, 0), key 4: the other way.
    """
    folder = tmp_path / "boundaries"
    folder.mkdir()
    square = box(500000, 200000, 508000, 208000)
    ward = {"WD24CD": ["E05000001"], "WD24NM": ["Alpha"], "LAD24CD": ["E07000001"]}
    gpd.GeoDataFrame(ward | {"LAD24NM": ["Northshire"]}, geometry=[square], crs=27700).to_file(
        folder / "wards.gpkg"
    )
    gpd.GeoDataFrame({"PFA24NM": ["Toyshire"]}, geometry=[square], crs=27700).to_file(
        folder / "area.gpkg"
    )
    wards, area = read_wards(folder / "wards.gpkg"), read_force_area(folder / "area.gpkg")
    january = write_street([street_row("J1", 500500, 200500)], "2025-01-toyshire-street.csv")
    february = write_street(
        [
            street_row("F1", 501500, 201500, month="2025-02"),
            street_row("F2", 502500, 200500, month="2025-02"),
        ],
        "2025-02-toyshire-street.csv",
    )
    together, alone = Store(tmp_path / "together"), Store(tmp_path / "alone")
    ingest([january, february], wards=wards, force_area=area, store=together)
    ingest([february], wards=wards, force_area=area, store=alone)

    def february_file(store: Store) -> pd.DataFrame:
        entry = store.manifest()["sources"][source_key("street", "2025-02-toyshire-street.csv")]
        return pd.read_parquet(store.path / entry["events_file"])

    assert february_file(together)["event_id"].tolist() == ["F2", "F1"]
    pd.testing.assert_frame_equal(february_file(together), february_file(alone))
