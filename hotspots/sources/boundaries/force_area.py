"""Reading a police force area (or any study area) as one dissolved polygon, and finding a force
by the name police.uk or ONS gives it (:func:`force_key`)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.sources.boundaries.columns import PFA_CODE, PFA_NAME, pick_column
from hotspots.sources.boundaries.layers import layer_of
from hotspots.sources.boundaries.model import Boundaries
from hotspots.sources.boundaries.reading import read_layer, repair
from hotspots.sources.csvio import sha256_of

#: Words a force's own name adds to the ONS name of its area ('Merseyside Police').
_FORCE_WORDS = frozenset({"police", "constabulary", "service", "force"})


def force_key(name: str) -> str:
    """A force's name as ``--force`` compares it: police.uk's ('Merseyside Police', 'City of
    London Police', 'Devon and Cornwall Police') and ONS's ('Merseyside', 'London, City of',
    'Devon & Cornwall') give one key, without case, '&', the words 'Police', 'Constabulary',
    'Service', 'Force', and with ONS's 'London, City of' read as 'City of London'."""
    text = name.casefold().replace("&", " and ")
    if "," in text:
        head, _, tail = text.partition(",")
        text = f"{tail} {head}"
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(w for w in words if w not in _FORCE_WORDS)


def read_force_area(path: str | Path, *, force: str | None = None) -> Boundaries:
    """Read a police force area (or any study area) as one dissolved polygon.

    Parameters
    ----------
    path
        Any OGR-readable polygon file, any CRS.
    force
        When the file holds several forces (e.g. all of England and Wales), the ``PFAyyCD`` code
        or ``PFAyyNM`` name of the one to use (or the force's own name: :func:`force_key`).

    Raises
    ------
    BoundaryError
        Several forces in the file and ``force`` not given or not found.
    """
    path = Path(path)

    def holds_forces(table: pd.DataFrame) -> bool:
        return any(PFA_CODE.match(str(c)) for c in table.columns)

    frame = read_layer(path, layer_of(path, holds_forces, "force areas (a PFAyyCD column)"))
    frame, repaired = repair(frame)
    columns = list(frame.columns)
    code = pick_column(columns, PFA_CODE, None, "force code", path)
    name = pick_column(columns, PFA_NAME, None, "force name", path)
    if force is not None:
        chosen = pd.Series(False, index=frame.index)
        if code:
            chosen |= frame[code].astype(str).str.casefold() == force.strip().casefold()
        if name:
            chosen |= frame[name].astype(str).map(force_key) == force_key(force)
        if not chosen.any():
            available = sorted(frame[name].astype(str)) if name else []
            raise BoundaryError(f"{path}: no force {force!r}; the file holds {available}")
        frame = frame[chosen]
    elif code and frame[code].nunique() > 1:
        available = sorted(frame[name].astype(str)) if name else sorted(frame[code].astype(str))
        raise BoundaryError(
            f"{path}: the file holds {frame[code].nunique()} force areas; choose one with "
            f"--force (one of {available})"
        )
    label = str(frame[name].iloc[0]) if name else path.stem
    area_code = str(frame[code].iloc[0]) if code else ""
    geometry = shapely.union_all(frame.geometry.to_numpy())
    area = gpd.GeoDataFrame(
        {
            schema.WARD_CODE: [area_code],
            schema.WARD_NAME: [label],
            schema.DISTRICT_CODE: [None],
            schema.DISTRICT_NAME: [None],
        },
        geometry=[geometry],
        crs=schema.CRS_BNG,
    )
    pfa = PFA_CODE.match(code) if code else None
    vintage = f"PFA{pfa.group(1)}" if pfa else "custom"
    return Boundaries(
        frame=area,
        vintage=vintage,
        sources=[{"name": path.name, "sha256": sha256_of(path), "features": len(frame)}],
        repaired=repaired,
    )
