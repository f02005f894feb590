"""Reading ward polygons from one or more files (e.g. one file per district).

The code and name columns of any ONS vintage (``WD13CD``, ``WD19CD``, ``WD23CD``...) are
detected, or named by the caller; the district (``LAD..CD``/``LAD..NM``) too when present, else a
file named after a district's GSS code (``E07000008.json``) gives it. Invalid polygons are
repaired (and counted); a ward with no polygon is refused. Wards of several features are
dissolved into one (:mod:`hotspots.sources.boundaries.dissolve`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.gss import is_district_code, is_ward_code
from hotspots.sources.boundaries.columns import (
    LAD_CODE,
    LAD_NAME,
    WARD_CODE,
    WARD_NAME,
    pick_column,
)
from hotspots.sources.boundaries.dissolve import dissolve_by_code
from hotspots.sources.boundaries.layers import layer_of
from hotspots.sources.boundaries.model import Boundaries
from hotspots.sources.boundaries.reading import read_polygons, repair
from hotspots.sources.csvio import sha256_soon


def read_wards(
    paths: str | Path | Sequence[str | Path],
    *,
    code_column: str | None = None,
    name_column: str | None = None,
    district_code_column: str | None = None,
    district_name_column: str | None = None,
) -> Boundaries:
    """Read ward polygons from one or more files (e.g. one file per district).

    Parameters
    ----------
    paths
        Any OGR-readable files (GeoJSON, GeoPackage, Shapefile, TopoJSON...), any CRS.
    code_column, name_column, district_code_column, district_name_column
        Column names, when not the ONS ``WDyyCD``/``WDyyNM``/``LADyyCD``/``LADyyNM`` forms.

    Returns
    -------
    Boundaries
        In EPSG:27700, one row per ward code (multi-part wards dissolved).

    Raises
    ------
    BoundaryError
        No ward code column, a ward code missing, or unreadable files.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    parts: list[gpd.GeoDataFrame] = []
    sources: list[dict[str, object]] = []
    vintages: set[str] = set()
    repaired = 0
    for raw_path in paths:
        path = Path(raw_path)
        digest = sha256_soon(path)  # hashed on another thread while the layer is read
        frame, left_out = read_polygons(
            path, layer_of(path, _holds_ward_codes(code_column), "ward codes")
        )
        columns = list(frame.columns)
        code = pick_column(columns, WARD_CODE, code_column, "ward code", path)
        if code is None:
            raise BoundaryError(
                f"{path}: no ward code column found among {columns}; expected an ONS column "
                "such as WD23CD (or name it with --ward-code-column)"
            )
        name = pick_column(columns, WARD_NAME, name_column, "ward name", path)
        lad_code = pick_column(columns, LAD_CODE, district_code_column, "district code", path)
        lad_name = pick_column(columns, LAD_NAME, district_name_column, "district name", path)
        match = WARD_CODE.match(code)
        vintages.add(f"WD{match.group(1)}" if match and code_column is None else "custom")
        frame, n_fixed = repair(frame)
        repaired += n_fixed
        codes = frame[code].astype("string").str.strip()
        if codes.isna().any() or (codes == "").any():
            raise BoundaryError(
                f"{path}: {int((codes.isna() | (codes == '')).sum())} features have no {code}"
            )
        _check_every_ward_shaped(path, frame, left_out, code, name)
        file_district = path.stem if is_district_code(path.stem) else None
        district = frame[lad_code].astype(str).to_numpy() if lad_code else file_district
        parts.append(
            gpd.GeoDataFrame(
                {
                    schema.WARD_CODE: codes.to_numpy(dtype=object),
                    schema.WARD_NAME: frame[name].astype(str).to_numpy()
                    if name
                    else codes.to_numpy(dtype=object),
                    schema.DISTRICT_CODE: district,
                    # No name column: the district's code names it ('West (E07000008)').
                    schema.DISTRICT_NAME: frame[lad_name].astype(str).to_numpy()
                    if lad_name
                    else district,
                },
                geometry=frame.geometry.to_numpy(),
                crs=schema.CRS_BNG,
            )
        )
        sources.append({"name": path.name, "sha256": digest.result(), "features": len(frame)})
    wards = dissolve_by_code(pd.concat(parts, ignore_index=True))
    vintage = vintages.pop() if len(vintages) == 1 else "mixed(" + ",".join(sorted(vintages)) + ")"
    return Boundaries(frame=wards, vintage=vintage, sources=sources, repaired=repaired)


def _holds_ward_codes(code_column: str | None) -> Callable[[pd.DataFrame], bool]:
    """Whether a layer's attributes have a ward code column (``code_column``, else an ONS
    ``WDyyCD``) of ward GSS codes only (:func:`hotspots.gss.is_ward_code`)."""

    def holds(table: pd.DataFrame) -> bool:
        columns = [c for c in table.columns if c == code_column or WARD_CODE.match(str(c))]
        if code_column is not None:
            columns = [c for c in columns if c == code_column]
        return len(table) > 0 and any(
            table[c].astype(str).str.strip().map(is_ward_code).all() for c in columns
        )

    return holds


def _check_every_ward_shaped(
    path: Path, frame: gpd.GeoDataFrame, left_out: pd.DataFrame, code: str, name: str | None
) -> None:
    """Refuse a file in which a ward has no polygon (only features without geometry, with an
    empty one, or points): left out, the ward would vanish from every map and table and its
    offences go to a neighbour. Label points beside a ward's polygon lose nothing."""
    if code not in left_out:
        return
    shaped = set(frame[code].astype(str).str.strip())
    lost = left_out[~left_out[code].astype(str).str.strip().isin(shaped)]
    if lost.empty:
        return
    named = [
        f"{str(c).strip()} ({n})" if name else str(c).strip()
        for c, n in zip(lost[code], lost[name] if name else lost[code], strict=True)
    ]
    raise BoundaryError(
        f"{path}: {len(lost)} ward(s) without a polygon: {', '.join(named[:5])}"
        + (" ..." if len(named) > 5 else "")
        + "; expected a polygon or multipolygon for every ward (a feature's geometry is missing, "
        "empty or of another type)"
    )
