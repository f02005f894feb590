"""The ward join's rules on hand-made edge cases (answers worked out by hand), and on real wards
and offences against geopandas' ``sjoin(predicate="within")``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry import Polygon, box

from hotspots import schema
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.wards import assign_wards

X0, Y0 = 500_000.0, 200_000.0


def _toy() -> tuple[gpd.GeoDataFrame, Polygon]:
    """Alpha (code ...01) [0, 1000] x [0, 1000] and Bravo (...02) [1000, 2000] x [0, 1000],
    sharing the edge x = 1000; Charlie (...03) [0, 2000] x [1100, 2000] with a hole
    [500, 700]^2 + (0, 1100): a 100 m strip between them in no ward; the force area
    [0, 2000] x [0, 2100] (metres from X0, Y0)."""
    hole = [
        (X0 + 500, Y0 + 1600),
        (X0 + 700, Y0 + 1600),
        (X0 + 700, Y0 + 1800),
        (X0 + 500, Y0 + 1800),
    ]
    charlie = Polygon(
        [(X0, Y0 + 1100), (X0 + 2000, Y0 + 1100), (X0 + 2000, Y0 + 2000), (X0, Y0 + 2000)],
        [hole],
    )
    wards = gpd.GeoDataFrame(
        {
            schema.WARD_CODE: ["E05000001", "E05000002", "E05000003"],
            schema.WARD_NAME: ["Alpha", "Bravo", "Charlie"],
            schema.DISTRICT_CODE: ["D1", "D1", "D2"],
            schema.DISTRICT_NAME: ["One", "One", "Two"],
        },
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
            charlie,
        ],
        crs=schema.CRS_BNG,
    )
    return wards, box(X0, Y0, X0 + 2000, Y0 + 2100)


def test_edge_cases_by_hand() -> None:
    wards, area = _toy()
    special = np.array(
        [
            [1000, 500],  # on the shared edge of Alpha and Bravo: the lower code, Alpha
            [1000, 1000],  # their shared corner: Alpha
            [300, 1050],  # the strip, 50 m from Alpha and from Charlie: the lower code, Alpha
            [1500, 1090],  # the strip, 10 m from Charlie, 90 m from Bravo: Charlie
            [600, 1700],  # in Charlie's hole, 100 m from it: the nearest ward, Charlie
            [600, 1600],  # on the hole's edge: Charlie (edge)
            [1500, 2050],  # in the force area, 50 m above Charlie: Charlie (nearest)
            [1500, 2100],  # on the force area's boundary, 100 m from Charlie: Charlie
            [1500, 2200],  # outside the force area
            [500, 500],  # inside Alpha
            [1999.999, 999.999],  # inside Bravo, a millimetre from two of its edges
        ],
        dtype=float,
    ) + np.array([X0, Y0])
    want = [
        (0, "edge", True), (0, "edge", True), (0, "nearest", True), (2, "nearest", True),
        (2, "nearest", True), (2, "edge", True), (2, "nearest", True), (2, "nearest", True),
        (-1, "", False), (0, "within", True), (1, "within", True),
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    # Among other points (a 50 m lattice on edges and corners, a spread, stacked repeats).
    lattice = rng.integers(-2, 44, (3000, 2)) * 50.0 + [X0, Y0]
    spread = rng.uniform([X0 - 100, Y0 - 100], [X0 + 2100, Y0 + 2200], (4000, 2))
    xy = np.vstack([special, lattice, spread, spread[:500]])
    placed = assign_wards(xy[:, 0], xy[:, 1], wards, area)
    got = list(
        zip(
            placed.ward_index[:11].tolist(),
            placed.match[:11].tolist(),
            placed.in_area[:11].tolist(),
            strict=True,
        )
    )
    assert got == want
    stacked = slice(len(xy) - 500, len(xy))
    repeated = slice(len(xy) - 4500, len(xy) - 4000)
    assert (placed.ward_index[stacked] == placed.ward_index[repeated]).all()


def test_real_wards_within_answers_are_sjoins(real_data: Path) -> None:
    """Every located row of the real Cambridgeshire and Merseyside street files in the force
    area: "within" exactly where sjoin(predicate="within") finds a ward, and the same ward."""
    b = real_data / "boundaries"
    cases = [
        (
            b / "wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson",
            b / "pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson",
            sorted((real_data / "police_uk/cambridgeshire/street").glob("*.csv")),
        ),
        (
            b / "merseyside_dec2023_bsc/merseyside_wards_dec2023_bsc.geojson",
            b / "merseyside_dec2023_bsc/merseyside_pfa_dec2023_bsc.geojson",
            sorted((real_data / "police_uk/merseyside/street").glob("*.csv")),
        ),
    ]
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    for wards_path, area_path, files in cases:
        wards = read_wards(wards_path).frame
        area = read_force_area(area_path).frame.geometry.iloc[0]
        rows = pd.concat(
            [pd.read_csv(f, usecols=["Longitude", "Latitude"]) for f in files], ignore_index=True
        ).dropna()
        x, y = to_bng.transform(rows["Longitude"].to_numpy(), rows["Latitude"].to_numpy())
        fast = assign_wards(x, y, wards, area)
        assert (fast.match == "within").mean() > 0.9

        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=schema.CRS_BNG)
        joined = gpd.sjoin(points, wards[[schema.WARD_CODE, "geometry"]], predicate="within")
        sjoin_code = joined.groupby(level=0)[schema.WARD_CODE].min()  # lowest code if several
        # Rule 1 first: a few wards reach past the generalised force area (rejected rows).
        sjoin_code = sjoin_code[fast.in_area[sjoin_code.index.to_numpy()]]
        within = np.flatnonzero(fast.match == "within")
        codes = wards[schema.WARD_CODE].to_numpy()
        assert set(sjoin_code.index) == set(within.tolist())
        assert (codes[fast.ward_index[within]] == sjoin_code.loc[within].to_numpy()).all()
