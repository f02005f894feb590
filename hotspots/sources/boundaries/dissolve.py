"""One row per ward code: the union of its features' polygons and the first of each attribute.

Hand-written instead of ``GeoDataFrame.dissolve`` (the same result, vertex for vertex) so that
the wards of one feature, nearly all, are unioned in one vectorised call instead of a Python
function call per ward.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots import schema


def dissolve_by_code(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per ward code, sorted by code: the union of its polygons and, for the other
    columns, the first value that is not missing.

    The same as ``parts.dissolve(by="ward_code", as_index=False, aggfunc="first", sort=True)``
    (geometry included, vertex for vertex), without calling a Python function per ward: the
    wards that are one feature (nearly all) are unioned in one vectorised call.
    """
    codes = parts[schema.WARD_CODE].to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    geoms = parts.geometry.to_numpy()[order]
    if len(starts) == len(codes):
        merged = shapely.union_all(geoms[:, None], axis=1)
    else:
        ends = np.r_[starts[1:], len(codes)]
        merged = np.array(
            [shapely.union_all(geoms[a:b]) for a, b in zip(starts, ends, strict=True)],
            dtype=object,
        )
    attributes = [schema.WARD_NAME, schema.DISTRICT_CODE, schema.DISTRICT_NAME]
    first = pd.DataFrame(parts[[schema.WARD_CODE, *attributes]]).groupby(
        schema.WARD_CODE, sort=True, as_index=False
    )
    table = first.first()
    return gpd.GeoDataFrame(
        {
            schema.WARD_CODE: table[schema.WARD_CODE].to_numpy(dtype=object),
            **{name: table[name].to_numpy(dtype=object) for name in attributes},
        },
        geometry=merged,
        crs=schema.CRS_BNG,
    )
