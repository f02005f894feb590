"""Rules that had copies, now each in one place (issue 13, "copies of one rule that differ"):
each test would fail if a copy came back and drifted from the rule."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.sources.boundaries import read_force_area
from hotspots.validate import RowVerdicts, check_bng

# -- the British National Grid extent: points and boundaries -------------------------------------

E_LOW, E_HIGH = schema.BNG_EASTING_M
N_LOW, N_HIGH = schema.BNG_NORTHING_M


def _point_on_grid(easting: float, northing: float) -> bool:
    verdicts = RowVerdicts(1)
    check_bng(verdicts, pd.Series([repr(easting)]), pd.Series([repr(northing)]))
    return bool(verdicts.kept[0])


def _area_on_grid(tmp_path: Path, x0: float, y0: float, x1: float, y1: float) -> bool:
    path = tmp_path / f"area-{x0}-{y0}-{x1}-{y1}.gpkg"
    frame = gpd.GeoDataFrame(
        {"PFA24CD": ["E23000099"], "PFA24NM": ["Edgeshire"]},
        geometry=[box(x0, y0, x1, y1)],
        crs=schema.CRS_BNG,
    )
    frame.to_file(path, driver="GPKG")
    try:
        read_force_area(path)
    except BoundaryError as exc:
        assert "off the British National Grid" in str(exc)
        return False
    return True


@pytest.mark.parametrize(
    ("x0", "y0", "x1", "y1", "on"),
    [
        (E_HIGH - 1000, 500_000, E_HIGH, 501_000, True),  # touching the east edge
        (E_HIGH - 1000, 500_000, E_HIGH + 1, 501_000, False),  # 1 m beyond it
        (E_LOW, 500_000, E_LOW + 1000, 501_000, True),
        (E_LOW - 1, 500_000, E_LOW + 1000, 501_000, False),
        (300_000, N_HIGH - 1000, 301_000, N_HIGH, True),
        (300_000, N_HIGH - 1000, 301_000, N_HIGH + 1, False),
        (300_000, N_LOW, 301_000, N_LOW + 1000, True),
        (300_000, N_LOW - 1, 301_000, N_LOW + 1000, False),
    ],
)
def test_points_and_boundaries_share_the_grid_extent(
    tmp_path: Path, x0: float, y0: float, x1: float, y1: float, on: bool
) -> None:
    """A polygon is on the grid exactly when its outermost corners are points on the grid."""
    assert (_point_on_grid(x0, y0) and _point_on_grid(x1, y1)) is on
    assert _area_on_grid(tmp_path, x0, y0, x1, y1) is on
