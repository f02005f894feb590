"""District names of wards: every ward is labelled 'Ward (District)'; a ward of no district is
the force's."""

from __future__ import annotations

from dataclasses import replace

from hotspots import schema
from hotspots.sources.boundaries.model import Boundaries


def districts_named(wards: Boundaries, force_area: Boundaries) -> Boundaries:
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
