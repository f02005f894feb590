"""The part of each hotspot inside an area: what an officer scoped to some wards sees.

A DBSCAN hotspot is found on the whole force's offences and may straddle an area's boundary.
Shown whole, its count, busiest place, wards and change would hold offences outside the area
(figures a scoped reader may not see); shown only when its main ward is in the area, the area's
own offences in a hotspot next door would be missing. The rule, stated once:

- **A hotspot is in the area when at least one of its offences was recorded in one of the
  area's wards** (the offence's ward, as the ward table counts it), and what is shown of it is
  its **area part**: the hotspot's offences in those wards only.
- **Every figure of the part is made from the part**, as :func:`hotspots.summary
  .summarise_hotspots` makes a whole hotspot's: offences, locations, busiest place, main ward,
  wards, months, the polygon (the buffered hull of the part's offences; readers without exact
  points then get its snapped cells), area and density, searches and raids near that polygon
  (the area's only), and the previous period's offences inside it (the area's only).
- **Ranks are the area's own**: parts ordered by their offences (ties: the force order), numbered
  1, 2, 3, ... with no gap, so no number tells how many hotspots lie elsewhere.
- **Whole-hotspot verdicts stay, whole-hotspot counts go**: the significance test's verdict
  (``p_value``, ``q_value``, ``significant``) and the trend (dynamics) are of the whole hotspot
  and kept; its zone counts (``zone_drug_offences``, ``zone_offences``,
  ``expected_drug_offences``, ``llr``) count offences outside the area, so they are blank for a
  hotspot that reaches outside it (``whole`` is False); ``expected_drug_offences`` and ``llr``
  are made with the force's totals of the period, so they are blank for every part.

``whole`` says whether the part is the whole hotspot (every offence inside the area).
"""

from __future__ import annotations

from collections.abc import Collection

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema
from hotspots.summary import BUFFER_M, NEAR_M, summarise_hotspots

__all__ = ["FORCE_TOTAL_COLUMNS", "WHOLE_HOTSPOT_COUNTS", "area_hotspots"]

#: Columns counted over a whole hotspot's zone (:mod:`hotspots.significance`): blank for a part.
WHOLE_HOTSPOT_COUNTS = ("zone_drug_offences", "zone_offences", "expected_drug_offences", "llr")
#: Columns made with the force's totals of the period (``expected = n x C / N``, the LLR of
#: (c, n, C, N)): blank in every part, a whole one too. With a zone's ``c`` and ``n`` they gave
#: the force's drug offences ``C`` exactly (``tests/test_access_area_significance.py``).
FORCE_TOTAL_COLUMNS = ("expected_drug_offences", "llr")


def area_hotspots(
    hotspots: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    ward_codes: Collection[str],
    *,
    previous_offences: gpd.GeoDataFrame | None = None,
    buffer_m: float = BUFFER_M,
    near_m: float = NEAR_M,
) -> gpd.GeoDataFrame:
    """The area parts of ``hotspots`` (see the module's rule), ranked within the area.

    Parameters
    ----------
    hotspots
        The force's hotspot table (:func:`hotspots.summary.summarise_hotspots`, perhaps assessed).
    events
        The period's events with ``hotspot_id`` on the offences (``Analysis.events``), any area.
    ward_codes
        The area's wards.
    previous_offences
        The comparison period's drug offences (any area; None: no comparison, the change
        columns are empty).
    buffer_m, near_m
        The analysis' hotspot buffer and the distance within which searches and raids count.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of ``hotspots`` plus ``whole``; one row per hotspot with an offence in the
        area, best first, ``rank`` 1..n.
    """
    codes = set(ward_codes)
    in_area = events[schema.WARD_CODE].isin(codes).to_numpy()
    layer = events[schema.LAYER].to_numpy()
    offences = events[in_area & (layer == "offence")].reset_index(drop=True)
    labels = offences["hotspot_id"].to_numpy(dtype="int64")
    labels = np.where(np.isin(labels, hotspots["hotspot_id"].astype("int64")), labels, -1)
    previous = None
    if previous_offences is not None:
        previous = previous_offences[previous_offences[schema.WARD_CODE].isin(codes).to_numpy()]
    parts = summarise_hotspots(
        offences,
        labels,
        searches=events[in_area & (layer == "search")],
        raids=events[in_area & (layer == "raid")],
        previous_offences=previous,
        buffer_m=buffer_m,
        near_m=near_m,
    )
    whole = hotspots.set_index(hotspots["hotspot_id"].astype("int64"))
    ids = parts["hotspot_id"].astype("int64").to_numpy()
    extra = [c for c in hotspots.columns if c not in parts.columns and c != "geometry"]
    for column in extra:
        parts[column] = whole[column].reindex(ids).to_numpy()
    parts["whole"] = parts["offences"].to_numpy() == whole["offences"].reindex(ids).to_numpy()
    for column in WHOLE_HOTSPOT_COUNTS:
        if column in parts:
            parts[column] = parts[column].astype("float64").where(parts["whole"])
    for column in FORCE_TOTAL_COLUMNS:
        if column in parts:
            parts[column] = np.nan
    force_rank = whole["rank"].reindex(ids).to_numpy()
    order = np.lexsort((force_rank, -parts["offences"].to_numpy(dtype="int64")))
    parts = parts.iloc[order].reset_index(drop=True)
    parts["rank"] = np.arange(1, len(parts) + 1)
    columns = [c for c in hotspots.columns if c != "geometry"] + ["whole"]
    out = gpd.GeoDataFrame(
        pd.DataFrame(parts[columns]), geometry=parts.geometry.to_numpy(), crs=hotspots.crs
    )
    return out
