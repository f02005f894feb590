"""Column names, layer and category vocabularies, and CRS constants.

Every reader produces the *canonical event schema* below, whatever its source, so that the
store, the analysis and the exports never see a source's own column names.
"""

from __future__ import annotations

from typing import Final, Literal

#: Analysis CRS: British National Grid, metres. Everything is projected to it once, at ingest.
CRS_BNG: Final = "EPSG:27700"
#: British National Grid's extent in metres (easting, northing), per EPSG:27700's area of use,
#: generous: the one test of "on the grid" for points (:mod:`hotspots.validate`, which also
#: tells swapped easting/northing by it) and boundary polygons (:mod:`hotspots.sources.boundaries`).
BNG_EASTING_M: Final = (-100_000.0, 800_000.0)
BNG_NORTHING_M: Final = (-100_000.0, 1_400_000.0)
#: Interchange CRS: WGS84 longitude/latitude. Used only at the edges (readers, exports, maps,
#: patrol places, police.uk queries, the API's bbox: docs/layout.md).
CRS_WGS84: Final = "EPSG:4326"

Layer = Literal["offence", "search", "raid"]
LAYERS: Final[tuple[str, ...]] = ("offence", "search", "raid")

#: Source kinds a file can be recognised as (see ``hotspots.sources.detect_kind``).
SourceKind = Literal["street", "stop_search", "raids"]
LAYER_OF_KIND: Final[dict[str, str]] = {
    "street": "offence",
    "stop_search": "search",
    "raids": "raid",
}

# -- canonical event columns (all layers) -----------------------------------------------------
EVENT_ID: Final = "event_id"  # str, unique within a layer
LAYER: Final = "layer"  # "offence" | "search" | "raid"
CATEGORY: Final = "category"  # crime type / object of search / warrant type
MONTH: Final = "month"  # "YYYY-MM" (UK local time)
DATE: Final = "date"  # "YYYY-MM-DD" or missing when the source gives only a month
LOCATION: Final = "location"  # free text, e.g. "On or near Market Street"
OUTCOME: Final = "outcome"  # last outcome / search outcome, may be missing
SOURCE_FILE: Final = "source_file"  # file name the row came from
SOURCE_ROW: Final = "source_row"  # 1-based line number in that file (header is line 1)
SYNTHETIC: Final = "synthetic"  # bool: True for generated (demo) records
GEOMETRY: Final = "geometry"  # Point, EPSG:27700
WARD_CODE: Final = "ward_code"
WARD_NAME: Final = "ward_name"
DISTRICT_CODE: Final = "district_code"
DISTRICT_NAME: Final = "district_name"
#: How the ward was found: "within" (interior), "edge" (on a shared boundary, lowest code wins),
#: "nearest" (inside the force area but in no ward polygon; nearest ward within tolerance).
WARD_MATCH: Final = "ward_match"

EVENT_COLUMNS: Final[tuple[str, ...]] = (
    EVENT_ID,
    LAYER,
    CATEGORY,
    MONTH,
    DATE,
    LOCATION,
    OUTCOME,
    SOURCE_FILE,
    SOURCE_ROW,
    SYNTHETIC,
)
WARD_COLUMNS: Final[tuple[str, ...]] = (
    WARD_CODE,
    WARD_NAME,
    DISTRICT_CODE,
    DISTRICT_NAME,
    WARD_MATCH,
)

#: Extra columns kept per layer (stored, exported, never required by the analysis).
SEARCH_EXTRA: Final[tuple[str, ...]] = (
    "search_type",
    "legislation",
    "gender",
    "age_range",
    "officer_defined_ethnicity",
    "outcome_linked_to_object",
    "policing_operation",
)
RAID_EXTRA: Final[tuple[str, ...]] = (
    "operation",
    "arrests",
    "charges",
    "seizure_gbp",
    "drugs_seized",
)
OFFENCE_EXTRA: Final[tuple[str, ...]] = ("lsoa_code",)
EXTRA_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "offence": OFFENCE_EXTRA,
    "search": SEARCH_EXTRA,
    "raid": RAID_EXTRA,
}

# -- vocabularies ------------------------------------------------------------------------------
DRUGS_CRIME_TYPE: Final = "Drugs"
CONTROLLED_DRUGS_OBJECT: Final = "Controlled drugs"
WARRANT_TYPES: Final[tuple[str, ...]] = (
    "cultivation",
    "supply",
    "county line",
    "possession",
    "other",
)

# -- rejection reasons (the reconciliation vocabulary) ------------------------------------------
REASON_NO_LOCATION: Final = "no location"
REASON_OUTSIDE_AREA: Final = "outside force area"
REASON_BAD_DATE: Final = "bad date"
REASON_BAD_COORDS: Final = "coordinates out of range"
REASON_SWAPPED_COORDS: Final = "coordinates swapped"
REASON_DUPLICATE: Final = "duplicate"
REASON_NOT_DRUGS: Final = "not a drug record"
REASON_BAD_VALUE: Final = "bad value"
REASON_NO_WARD: Final = "no ward"
REASON_BLANK_ROW: Final = "blank row"
REJECTION_REASONS: Final[tuple[str, ...]] = (
    REASON_NO_LOCATION,
    REASON_OUTSIDE_AREA,
    REASON_BAD_DATE,
    REASON_BAD_COORDS,
    REASON_SWAPPED_COORDS,
    REASON_DUPLICATE,
    REASON_NOT_DRUGS,
    REASON_BAD_VALUE,
    REASON_NO_WARD,
    REASON_BLANK_ROW,
)
