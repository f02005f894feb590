"""Reader for ward and force-area boundaries in any OGR format and any CRS.

Wards: the code and name columns of any ONS vintage (``WD13CD``, ``WD19CD``, ``WD23CD``...) are
detected, or named by the caller; the district (``LAD..CD``/``LAD..NM``) too when present, else a
file named after a district's GSS code (``E07000008.json``) gives it. Invalid polygons are repaired
(and counted). Everything is returned in British National Grid (EPSG:27700, metres).

A file with no CRS is taken as WGS84 when its coordinates fit longitude/latitude (RFC 7946 says
GeoJSON is WGS84), or as British National Grid when they fit that grid; anything else is refused.
So is a file said to be WGS84 whose coordinates cannot be degrees (GDAL says so of every GeoJSON
without a ``"crs"`` member, also one in National Grid metres).
So are polygons that do not land on the grid once projected (NaN or infinite coordinates, a
longitude or latitude out of range, a place outside Great Britain), and files GDAL or GEOS cannot
read: each with a :class:`~hotspots.errors.BoundaryError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from hotspots import schema
from hotspots.errors import BoundaryError
from hotspots.gss import is_district_code, is_ward_code
from hotspots.projection import on_projection_thread
from hotspots.sources.csvio import sha256_of, sha256_soon

_WARD_CODE = re.compile(r"^WD(\d\d)CD$", re.IGNORECASE)
_WARD_NAME = re.compile(r"^WD(\d\d)NM$", re.IGNORECASE)
_LAD_CODE = re.compile(r"^LAD(\d\d)CD$", re.IGNORECASE)
_LAD_NAME = re.compile(r"^LAD(\d\d)NM$", re.IGNORECASE)
_PFA_CODE = re.compile(r"^PFA(\d\d)CD$", re.IGNORECASE)
_PFA_NAME = re.compile(r"^PFA(\d\d)NM$", re.IGNORECASE)
# A ring whose last point is not its first is an error in the file: GDAL would close it with a
# warning (raised from a C callback, where nothing can catch it); with NO it reads as an empty
# geometry, which is refused below like any other file without usable polygons.
pyogrio.set_gdal_config_options({"OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"})

_OGR_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)
_BNG_E = schema.BNG_EASTING_M  # the extent points are checked against too
_BNG_N = schema.BNG_NORTHING_M


@dataclass
class Boundaries:
    """Wards (or a force area) ready for the join, in EPSG:27700.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        ``ward_code``, ``ward_name``, ``district_code``, ``district_name``, ``geometry``.
    vintage : str
        E.g. ``"WD23"`` (December 2023 wards) or ``"custom"`` when columns were named.
    sources : list of dict
        ``{"name", "sha256", "features"}`` per file read.
    repaired : int
        Invalid polygons repaired with ``shapely.make_valid``.
    outside : int
        Wards of the files not kept: outside the force area (:func:`force_wards`).
    """

    frame: gpd.GeoDataFrame
    vintage: str
    sources: list[dict[str, object]] = field(default_factory=list)
    repaired: int = 0
    outside: int = 0


def read_layer(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any OGR vector file and return it in EPSG:27700 with only (multi)polygons.

    Raises
    ------
    BoundaryError
        Unreadable file, no polygons, or no CRS and coordinates fitting neither WGS84 nor BNG.
    """
    return _read_polygons(path, layer)[0]


def _read_polygons(
    path: str | Path, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`read_layer`, and the attributes of the features left out (no geometry, an empty
    one, or not a polygon)."""
    path = Path(path)
    if not path.exists():
        raise BoundaryError(f"{path}: no such file")
    try:
        with np.errstate(invalid="ignore"):  # NaN coordinates: refused below, off the grid
            frame = gpd.read_file(path, layer=layer)
    except (*_OGR_ERRORS, shapely.errors.GEOSException, ValueError) as exc:
        # GEOS refuses broken geometries (a one-point ring...); ValueError covers bad text.
        raise BoundaryError(f"{path}: cannot read as a vector layer ({str(exc).strip()})") from None
    shapes = frame.geometry.to_numpy()  # shapely directly: GeoSeries.notna warns on empties
    shaped = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
    polygonal = shaped & frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not polygonal.any():
        raise BoundaryError(
            f"{path}: no polygons found (geometry types: "
            f"{sorted(set(frame[shaped].geom_type))}); expected ward or force-area polygons"
        )
    left_out = pd.DataFrame(frame[~polygonal].drop(columns=frame.geometry.name))
    frame = frame[polygonal]
    if frame.crs is None or _not_degrees(frame):
        frame = frame.set_crs(_guess_crs(path, frame), allow_override=True)
    try:
        # On the projection thread: the events' projection shares its PROJ object.
        frame = on_projection_thread(lambda: frame.to_crs(schema.CRS_BNG))
    except pyproj.exceptions.CRSError as exc:
        raise BoundaryError(f"{path}: cannot project to {schema.CRS_BNG} ({exc})") from None
    _check_on_the_grid(path, frame)
    return frame, left_out


def _layer_of(path: Path, holds: Callable[[pd.DataFrame], bool], what: str) -> str | None:
    """The layer of ``path`` to read: ``None`` for a file of one layer (or one GDAL cannot
    list: reading it says why); of several (a GeoPackage such as OS Boundary-Line, whose first
    layer is the counties), the one layer whose attributes ``holds`` accepts. GDAL would read
    the first layer, warning only in Python.

    Raises
    ------
    BoundaryError
        Several layers and not exactly one holds ``what``.
    """
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except (*_OGR_ERRORS, OSError, ValueError):
        return None
    if len(layers) < 2:
        return None
    chosen = [
        layer
        for layer in layers
        if holds(pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False)))
    ]
    if len(chosen) == 1:
        return chosen[0]
    held = "none holds" if not chosen else f"{len(chosen)} hold ({', '.join(chosen)})"
    raise BoundaryError(
        f"{path}: {len(layers)} layers ({', '.join(layers)}); {held} {what}; expected one "
        "layer of them (save it on its own, e.g. with ogr2ogr)"
    )


def _check_on_the_grid(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Refuse polygons that projection left without finite coordinates (longitude or latitude
    out of range) or that lie off British National Grid's extent (not in Great Britain)."""
    bounds = frame.geometry.bounds.to_numpy()
    inside = (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= _BNG_E[0])
        & (bounds[:, 2] <= _BNG_E[1])
        & (bounds[:, 1] >= _BNG_N[0])
        & (bounds[:, 3] <= _BNG_N[1])
    )
    if not inside.all():
        first = int(np.flatnonzero(~inside)[0])
        raise BoundaryError(
            f"{path}: {int((~inside).sum())} polygon(s) off the British National Grid after "
            f"projection (the first, feature {first}, has bounds "
            f"{', '.join(f'{v:.1f}' for v in bounds[first])}); expected polygons in Great "
            f"Britain: easting {_BNG_E[0]:,.0f} to {_BNG_E[1]:,.0f} m, northing "
            f"{_BNG_N[0]:,.0f} to {_BNG_N[1]:,.0f} m (longitude/latitude in range)"
        )


#: Coordinates said to be degrees but beyond this (in absolute value) are taken as metres.
_METRES_ABOVE = 1_000.0


def _not_degrees(frame: gpd.GeoDataFrame) -> bool:
    """True when ``frame`` says WGS84 but its coordinates cannot be degrees. GDAL gives every
    GeoJSON without a ``"crs"`` member WGS84 (RFC 7946), also one written in British National
    Grid metres by a tool that leaves the member out: such a CRS is no more than a default."""
    crs = frame.crs
    if crs is None or not crs.is_geographic or crs.to_epsg() != 4326:
        return False
    bounds = frame.total_bounds
    minx, miny, maxx, maxy = bounds
    degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    # Metres: finite and far beyond any degree (a vertex at 200 or infinity is an error in a
    # file of degrees, refused as off the grid once projected).
    return not degrees and bool(np.isfinite(bounds).all()) and max(abs(bounds)) > _METRES_ABOVE


def _guess_crs(path: Path, frame: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return schema.CRS_WGS84
    if minx >= -100_000 and maxx <= 800_000 and miny >= -100_000 and maxy <= 1_400_000:
        return schema.CRS_BNG
    recorded = "no CRS recorded" if frame.crs is None else "WGS84 said (the GeoJSON default)"
    raise BoundaryError(
        f"{path}: {recorded} and the bounds {minx:.1f}, {miny:.1f}, {maxx:.1f}, {maxy:.1f} "
        "fit neither WGS84 longitude/latitude nor British National Grid metres; "
        "save the file with its CRS"
    )


def _repair(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons (GEOS "structure" method: the result is always polygonal)."""
    invalid = ~frame.geometry.is_valid
    n_invalid = int(invalid.sum())
    if n_invalid:
        frame = frame.copy()
        frame.loc[invalid, "geometry"] = shapely.make_valid(
            frame.geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
        )
    return frame, n_invalid


def _pick(
    columns: Sequence[str], pattern: re.Pattern[str], given: str | None, what: str, path: Path
) -> str | None:
    if given is not None:
        if given not in columns:
            raise BoundaryError(
                f"{path}: no column {given!r} for the {what}; columns are {list(columns)}"
            )
        return given
    matches = sorted((c for c in columns if pattern.match(c)), reverse=True)
    return matches[0] if matches else None


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
        frame, left_out = _read_polygons(
            path, _layer_of(path, _holds_ward_codes(code_column), "ward codes")
        )
        columns = list(frame.columns)
        code = _pick(columns, _WARD_CODE, code_column, "ward code", path)
        if code is None:
            raise BoundaryError(
                f"{path}: no ward code column found among {columns}; expected an ONS column "
                "such as WD23CD (or name it with --ward-code-column)"
            )
        name = _pick(columns, _WARD_NAME, name_column, "ward name", path)
        lad_code = _pick(columns, _LAD_CODE, district_code_column, "district code", path)
        lad_name = _pick(columns, _LAD_NAME, district_name_column, "district name", path)
        match = _WARD_CODE.match(code)
        vintages.add(f"WD{match.group(1)}" if match and code_column is None else "custom")
        frame, n_fixed = _repair(frame)
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
    wards = _dissolve_by_code(pd.concat(parts, ignore_index=True))
    vintage = vintages.pop() if len(vintages) == 1 else "mixed(" + ",".join(sorted(vintages)) + ")"
    return Boundaries(frame=wards, vintage=vintage, sources=sources, repaired=repaired)


def _holds_ward_codes(code_column: str | None) -> Callable[[pd.DataFrame], bool]:
    """Whether a layer's attributes have a ward code column (``code_column``, else an ONS
    ``WDyyCD``) of ward GSS codes only (:func:`hotspots.gss.is_ward_code`)."""

    def holds(table: pd.DataFrame) -> bool:
        columns = [c for c in table.columns if c == code_column or _WARD_CODE.match(str(c))]
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


def _dissolve_by_code(parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


#: A ward is the force's when at least this share of its area lies in the force area. Wards nest
#: in districts and districts in force areas, so a ward is all in or all out, but for the slivers
#: that two generalised ONS products leave along a shared edge: measured on the LAD May 2024 BGC
#: file against the PFA Dec 2023 BSC force areas, neighbouring districts have at most 0.6% of
#: their area inside Merseyside or Cambridgeshire, their own at least 97%.
WARD_IN_AREA_SHARE = 0.5


def force_wards(wards: Boundaries, force_area: Boundaries) -> Boundaries:
    """The wards of the force: those with at least :data:`WARD_IN_AREA_SHARE` of their area in
    the force area (ONS publishes wards for the whole UK in one file; the other forces' wards
    would be listed and mapped with counts of 0, figures this store does not hold), each with a
    district name (wards of no district are the force's: :func:`_districts_named`).

    A point in the force area but in a ward left out (a sliver) gets the nearest ward by the
    join's rule (:mod:`hotspots.wards`). Idempotent: the stored wards give themselves back.

    Raises
    ------
    BoundaryError
        No ward lies in the force area (another force's wards, or the wrong force area).
    """
    frame = wards.frame
    area = force_area.frame.geometry.iloc[0]
    shapes = frame.geometry.to_numpy()
    shapely.prepare(area)
    # The prepared area on the left (where shapely uses it): nearly every ward of the force is
    # in its interior and needs no overlay.
    inside = shapely.contains(area, shapes)
    touching = ~inside & shapely.intersects(area, shapes)
    shares = np.zeros(len(frame))
    shares[inside] = 1.0
    if touching.any():
        cut = shapely.intersection(shapes[touching], area)
        shares[touching] = shapely.area(cut) / shapely.area(shapes[touching])
    keep = shares >= WARD_IN_AREA_SHARE
    wards = _districts_named(wards, force_area)
    frame = wards.frame
    if not keep.any():
        names = ", ".join(str(s["name"]) for s in wards.sources)
        area_names = ", ".join(str(s["name"]) for s in force_area.sources)
        raise BoundaryError(
            f"{names}: none of the {len(frame)} ward(s) lies in the force area of {area_names}; "
            "expected the wards of that force (or of the whole country)"
        )
    if keep.all():
        return wards
    return replace(
        wards,
        frame=frame[keep].reset_index(drop=True),
        outside=wards.outside + int((~keep).sum()),
    )


def _districts_named(wards: Boundaries, force_area: Boundaries) -> Boundaries:
    """``wards`` with every ward's district named, to be labelled 'Ward (District)' everywhere:
    a ward of no district (a ward file without district columns) is the force's, named as the
    force area is ('West (Cambridgeshire)', never 'West (None)')."""
    names = wards.frame[schema.DISTRICT_NAME]
    missing = names.isna().to_numpy()
    if not missing.any():
        return wards
    frame = wards.frame.copy()
    frame[schema.DISTRICT_NAME] = names.where(
        ~missing, str(force_area.frame[schema.WARD_NAME].iloc[0])
    )
    return replace(wards, frame=frame)


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
        return any(_PFA_CODE.match(str(c)) for c in table.columns)

    frame = read_layer(path, _layer_of(path, holds_forces, "force areas (a PFAyyCD column)"))
    frame, repaired = _repair(frame)
    columns = list(frame.columns)
    code = _pick(columns, _PFA_CODE, None, "force code", path)
    name = _pick(columns, _PFA_NAME, None, "force name", path)
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
    pfa = _PFA_CODE.match(code) if code else None
    vintage = f"PFA{pfa.group(1)}" if pfa else "custom"
    return Boundaries(
        frame=area,
        vintage=vintage,
        sources=[{"name": path.name, "sha256": sha256_of(path), "features": len(frame)}],
        repaired=repaired,
    )
