"""No silent loss on replacement: a file that would replace a stored source with no rows, or
fewer than half its stored rows, is refused with both counts unless confirmed (``--allow-shrink``
/ ``allow_shrink``), and the store is left byte for byte as it was.

The hand-made world (tests/conftest.py): rows at (500100..500400, 200100) are in ward Alpha, so
every drug row of these files is kept; the stored January holds 4.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hotspots.cli import main
from hotspots.errors import ReplacementRefused
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.helpers import snapshot, street_row

JANUARY = "2025-01-toyshire-street.csv"


def rows(n: int, prefix: str = "r") -> list[list[str]]:
    """``n`` drug offences in ward Alpha, ids ``<prefix>0..``."""
    return [street_row(f"{prefix}{i}", 500100 + 100 * i, 200100) for i in range(n)]


@pytest.fixture
def cli_ingest(toy_boundaries: tuple[Path, Path], tmp_path: Path) -> Callable[..., int]:
    wards, area = toy_boundaries

    def run(file: Path, *extra: str) -> int:
        args = ["ingest", str(file), "--wards", str(wards), "--force-area", str(area)]
        return main([*args, "--store", str(tmp_path / "store"), *extra])

    return run


@pytest.fixture
def stored_january(
    cli_ingest: Callable[..., int], write_street: Callable[..., Path], tmp_path: Path
) -> Store:
    """A store holding January with 4 kept rows (ingested with the command)."""
    assert cli_ingest(write_street(rows(4), JANUARY)) == 0
    store = Store(tmp_path / "store")
    assert store.manifest()["sources"]["street:2025-01:toyshire"]["kept"] == 4
    return store


def test_a_header_only_file_for_a_stored_month_is_refused(
    stored_january: Store,
    cli_ingest: Callable[..., int],
    write_street: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(stored_january.path)
    capsys.readouterr()
    empty = write_street([], JANUARY)
    assert cli_ingest(empty) == 2
    err = capsys.readouterr().err
    assert f"{JANUARY}: would replace the stored {JANUARY}" in err
    assert "stored 4 rows kept, new 0 (none)" in err
    assert "--allow-shrink" in err
    assert str(empty.parent) not in err and str(stored_january.path) not in err  # no paths
    assert snapshot(stored_january.path) == before


def test_fewer_than_half_the_rows_is_refused_half_is_accepted(
    stored_january: Store,
    cli_ingest: Callable[..., int],
    write_street: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(stored_january.path)
    capsys.readouterr()
    assert cli_ingest(write_street(rows(1), JANUARY)) == 2
    assert "stored 4 rows kept, new 1 (fewer than half)" in capsys.readouterr().err
    assert snapshot(stored_january.path) == before
    assert cli_ingest(write_street(rows(2), JANUARY)) == 0  # exactly half: a correction
    assert len(stored_january.load()) == 2


def test_allow_shrink_confirms_and_is_recorded(
    stored_january: Store, cli_ingest: Callable[..., int], write_street: Callable[..., Path]
) -> None:
    assert cli_ingest(write_street([], JANUARY), "--allow-shrink") == 0
    manifest = stored_january.manifest()
    assert manifest["sources"]["street:2025-01:toyshire"]["kept"] == 0
    assert len(stored_january.load()) == 0
    assert manifest["ingests"][-1]["allowed_shrinks"] == [
        {
            "key": "street:2025-01:toyshire",
            "file": JANUARY,
            "stored_file": JANUARY,
            "stored": 4,
            "new": 0,
        }
    ]


def test_a_refusal_names_every_shrinking_file_and_stores_none_of_the_batch(
    stored_january: Store, toy_boundaries: tuple[Path, Path], write_street: Callable[..., Path]
) -> None:
    """The library refuses the whole batch (a good new month in it is not stored either)."""
    before = snapshot(stored_january.path)
    wards, area = read_wards(toy_boundaries[0]), read_force_area(toy_boundaries[1])
    february = write_street(
        [street_row(f"f{i}", 500100, 200100, month="2025-02") for i in range(3)],
        "2025-02-toyshire-street.csv",
    )
    with pytest.raises(ReplacementRefused) as refused:
        ingest(
            [february, write_street(rows(1), JANUARY)],
            wards=wards,
            force_area=area,
            store=stored_january,
        )
    assert [(s["file"], s["stored"], s["new"]) for s in refused.value.shrinks] == [(JANUARY, 4, 1)]
    assert snapshot(stored_january.path) == before
    # a source never stored, or stored with no rows, is never a shrink
    report = ingest([february], wards=wards, force_area=area, store=stored_january)
    assert report.sources[0]["kept"] == 3


def test_a_republished_real_month_with_the_same_ids_is_accepted(
    real_data: Path, tmp_path: Path
) -> None:
    """Merseyside 2019-09 downloaded twice (same crime ids, rows in another order)."""
    boundaries = real_data / "boundaries" / "merseyside_dec2023_bsc"
    wards = read_wards(boundaries / "merseyside_wards_dec2023_bsc.geojson")
    area = read_force_area(boundaries / "merseyside_pfa_dec2023_bsc.geojson")
    name = "2019-09-merseyside-street.csv"
    first = real_data / "police_uk" / "merseyside" / "street" / name
    again = real_data / "police_uk" / "merseyside" / "street_alt_download" / name
    store = Store(tmp_path / "store")
    kept = ingest([first], wards=wards, force_area=area, store=store).sources[0]["kept"]
    assert kept > 0
    report = ingest([again], wards=wards, force_area=area, store=store)
    assert report.sources[0]["kept"] == kept
    entry = store.manifest()["sources"]["street:2019-09:merseyside"]
    assert entry["kept"] == kept and len(store.load()) == kept
    assert "allowed_shrinks" not in store.manifest()["ingests"][-1]
