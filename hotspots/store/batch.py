"""One source's contribution to a commit, and where in the store its files go.

:func:`_placed_entry` names a batch's files (``events/<layer>/force=<force>/<slug>.<token>
.parquet`` and ``rejected/<slug>.<token>.csv``) and completes its manifest entry with the
partition (``force``), the extent (``bbox``) and the ``row_order``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.store.keys import _slug, source_force


@dataclass(frozen=True)
class SourceBatch:
    """One source's contribution to a commit (built by :mod:`hotspots.ingest`)."""

    key: str
    entry: dict[str, Any]
    events: gpd.GeoDataFrame
    rejected: pd.DataFrame
    #: The events' point coordinates ``(n, 2)`` in their order, when the caller made the points
    #: from them: the writer then need not read them back from a million Points.
    xy: np.ndarray | None = None


def _placed_entry(
    batch: SourceBatch, token: str, spatial_order: bool
) -> tuple[dict[str, Any], str, str]:
    """A batch's manifest entry with its partition, extent and file names (and the names)."""
    slug = _slug(batch.key)
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,100}", batch.key.partition(":")[2]):
        # A lossy slug ('a b.csv' and 'a_b.csv' both give 'a_b.csv'; long names are cut):
        # a digest of the key keeps two sources of one ingest from sharing one file.
        digest = hashlib.sha256(batch.key.encode("utf-8", "surrogatepass")).hexdigest()
        slug = f"{slug[:100]}-{digest[:12]}"
    force = source_force(batch.key)
    events_rel = f"events/{batch.entry['layer']}/force={force}/{slug}.{token}.parquet"
    rejected_rel = f"rejected/{slug}.{token}.csv"
    bbox = None
    if len(batch.events):
        if batch.xy is not None and len(batch.xy) == len(batch.events):
            bounds = np.concatenate([batch.xy.min(axis=0), batch.xy.max(axis=0)])
        else:
            bounds = batch.events.geometry.total_bounds
        bbox = [float(v) for v in bounds] if np.isfinite(bounds).all() else None
    entry = {
        **batch.entry,
        "key": batch.key,
        "force": force,
        "bbox": bbox,
        "row_order": "morton-1km" if spatial_order else "source",
        "events_file": events_rel,
        "rejected_file": rejected_rel,
    }
    return entry, events_rel, rejected_rel
