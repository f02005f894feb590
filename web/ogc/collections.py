"""The OGC API collections: what each holds, who may see it, and its features for a request.

Every frame comes from the functions the analyst API (``/api/v1``) uses: hotspots and wards
from :func:`web.analyses.get_analysis` (the whole analysis, then :func:`web.access.redact` for the
visitor's role and area); the point layers from the store's events filtered by month, as
``/api/v1/events`` does, for the roles :mod:`web.access` lets see exact points (and raids), and
only the drug offences and searches for controlled drugs that the maps count
(:func:`hotspots.analysis.other_than_drugs`), in a store of every crime type too.
A collection a role may not see is absent from its ``collections`` and 404 everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from hotspots import schema
from hotspots.analysis import other_than_drugs
from web.access import Access
from web.analyses import get_analysis
from web.data import state
from web.filters import ViewRequest


@dataclass(frozen=True)
class Collection:
    """One OGC collection."""

    id: str
    title: str
    description: str
    #: :class:`web.access.Access` capabilities a visitor needs (all of them).
    needs: tuple[str, ...]
    #: The column whose value is each feature's ``id``.
    id_column: str
    #: The event layer of a point collection (None: from the analysis).
    layer: str | None = None
    #: Extra query parameters of its ``items`` (DBSCAN parameters on hotspots).
    extra_parameters: tuple[str, ...] = ()

    def visible(self, access: Access) -> bool:
        """Whether ``access`` may see this collection at all."""
        return all(access.allows(need) for need in self.needs)


#: DBSCAN parameters of the hotspots collection, as on the maps and ``/api/v1/hotspots``.
HOTSPOT_PARAMETERS = ("eps_m", "min_samples", "significant")

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "hotspots",
            "Drug hotspots",
            "DBSCAN clusters of drug offences in the period (polygons), ranked by offences, "
            "as your role sees them on /api/v1/hotspots (officers: their area). "
            "eps_m, min_samples and significant as there.",
            ("hotspots",),
            "hotspot_id",
            extra_parameters=HOTSPOT_PARAMETERS,
        ),
        Collection(
            "wards",
            "Wards",
            "Each ward's drug offence, stop-and-search (and, for analysts, raid) counts, "
            "change and rate for the period; for the public, small counts are blank.",
            ("any",),
            schema.WARD_CODE,
        ),
        Collection(
            "offences",
            "Drug offences",
            "Each drug offence of the period where it happened (exact points).",
            ("exact_points",),
            schema.EVENT_ID,
            layer="offence",
        ),
        Collection(
            "searches",
            "Stop and search for drugs",
            "Each stop-and-search for controlled drugs of the period where it happened "
            "(exact points).",
            ("exact_points",),
            schema.EVENT_ID,
            layer="search",
        ),
        Collection(
            "raids",
            "Raids and warrants",
            "Each drug raid or warrant of the period where it happened (exact points).",
            ("exact_points", "raids"),
            schema.EVENT_ID,
            layer="raid",
        ),
    )
}


def visible_collections(access: Access) -> list[Collection]:
    """The collections ``access`` may see, in a fixed order."""
    return [c for c in COLLECTIONS.values() if c.visible(access)]


def collection_months(collection: Collection) -> list[str]:
    """The months the store holds for the collection's layer, from its ingested sources (a
    month held with no record is held); every month held for the analysis collections."""
    st = state()
    if collection.layer is None:
        return list(st.months)
    months: set[str] = set()
    for entry in st.store.sources(collection.layer):
        months.update(entry["months"])
    return sorted(months)


def bbox_wgs84() -> list[float] | None:
    """The force area's extent in lon/lat (the same for every collection)."""
    area = state().force_area
    if area is None or area.empty:
        return None
    x0, y0, x1, y1 = area.to_crs(schema.CRS_WGS84).total_bounds
    return [round(float(v), 6) for v in (x0, y0, x1, y1)]


def features(collection: Collection, view: ViewRequest) -> gpd.GeoDataFrame:
    """Every feature of ``collection`` in ``view``'s period that the visitor may see
    (EPSG:27700, in a stable order: hotspots by rank, wards as stored, events as stored)."""
    if collection.layer is None:
        analysis = get_analysis(view)
        frame = analysis.hotspots if collection.id == "hotspots" else analysis.wards
        return frame.reset_index(drop=True)
    events = state().events
    if events is None:
        return gpd.GeoDataFrame(geometry=[], crs=schema.CRS_BNG)
    keep = events[schema.MONTH].isin(view.period.months) & (
        events[schema.LAYER] == collection.layer
    )
    # the drug events the maps count (a store of every crime type keeps the others too)
    keep &= ~other_than_drugs(events)
    columns = [
        *schema.EVENT_COLUMNS,
        *schema.WARD_COLUMNS,
        *schema.EXTRA_COLUMNS.get(collection.layer, ()),
    ]
    columns = [c for c in dict.fromkeys(columns) if c in events.columns]
    if schema.GEOMETRY not in columns:
        columns.append(schema.GEOMETRY)
    return events.loc[keep.to_numpy(), columns].reset_index(drop=True)


def in_bbox_27700(frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Rows whose geometry (EPSG:27700) meets a box in the same metres."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return frame.geometry.intersects(box(*bbox)).to_numpy(dtype=bool)
