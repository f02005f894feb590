"""Who may see what: one :class:`Access` per request, enforced on the server.

=============  ============  =======  ======  =========  ========  ==========  ======  =====
role           exact points  raids    hotspots  patrol   briefing  events API  upload  audit
=============  ============  =======  ======  =========  ========  ==========  ======  =====
analyst        yes           yes      yes       yes      yes       yes         yes     no
admin          yes           yes      yes       yes      yes       yes         yes     yes
officer        no            no       own area  own area no        no          no      no
commissioner   no            no       yes       no       yes       no          no      no
public         no            no       no        no       no        no          no      no
=============  ============  =======  ======  =========  ========  ==========  ======  =====

"No exact points" means the analysis a page, map, export or API answer is made from holds only
drug offences, each moved to the centre of its ``SNAP_M`` grid cell: no stop-and-search or raid
is in it, so no output can place one. Officers see the wards of their scope (districts or
wards) and the hotspots whose main ward is one of them. The **public** level (anonymous visitors
when ``PUBLIC_MODE`` is on) sees ward aggregates only, with counts under ``SUPPRESS_BELOW``
suppressed (blank), and no hotspots, heat or points.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from flask import current_app, g

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.publicsafe import snap_to_grid, suppress_small_counts

__all__ = ["BLUEPRINT_NEEDS", "ENDPOINT_NEEDS", "Access", "current_access", "need_of", "redact"]

FULL_ROLES = ("analyst", "admin")


@dataclass(frozen=True)
class Access:
    """What the current visitor may see (``role`` is a :data:`hotspots.users.ROLES` or
    ``"public"``)."""

    role: str
    username: str | None = None
    scope: tuple[str, ...] = ()

    @property
    def exact_points(self) -> bool:
        """Individual offences, searches and raids where they happened."""
        return self.role in FULL_ROLES

    @property
    def raids(self) -> bool:
        """Raid and warrant records (locations and counts)."""
        return self.role in FULL_ROLES

    @property
    def hotspots(self) -> bool:
        """Hotspot polygons and tables."""
        return self.role != "public"

    @property
    def patrol(self) -> bool:
        """Patrol plans."""
        return self.role in (*FULL_ROLES, "officer")

    @property
    def briefing(self) -> bool:
        """The commissioner's briefing."""
        return self.role in (*FULL_ROLES, "commissioner")

    @property
    def upload(self) -> bool:
        """Uploading new monthly files."""
        return self.role in FULL_ROLES

    @property
    def audit(self) -> bool:
        """Reading the audit log."""
        return self.role == "admin"

    @property
    def public(self) -> bool:
        """The public-safe level."""
        return self.role == "public"

    def key(self) -> tuple[str, tuple[str, ...]]:
        """What makes data outputs differ between visitors (for cache keys and ETags): analysts
        and admins see the same data; every other role its own (officers: per area)."""
        return ("full" if self.exact_points else self.role, self.scope)

    def allows(self, need: str) -> bool:
        """True when this access has the capability ``need`` (a property name, or "any")."""
        return need == "any" or bool(getattr(self, need))


#: The capability every endpoint of a blueprint needs.
BLUEPRINT_NEEDS: dict[str, str] = {
    "patrol": "patrol",
    "briefing": "briefing",
    "upload": "upload",
    "admin": "audit",
}
#: The capability single endpoints need (beyond their blueprint's).
ENDPOINT_NEEDS: dict[str, str] = {
    "api.hotspots": "hotspots",
    "api.events": "exact_points",
}


def need_of(endpoint: str) -> str:
    """The capability ``endpoint`` needs: ``"any"`` (a signed-in user, or public mode, seeing
    only what :func:`redact` leaves) unless listed above."""
    if endpoint in ENDPOINT_NEEDS:
        return ENDPOINT_NEEDS[endpoint]
    return BLUEPRINT_NEEDS.get(endpoint.split(".", 1)[0], "any")


def current_access() -> Access:
    """The access of this request (set by :mod:`web.auth` before the view runs)."""
    access: Access | None = g.get("access")
    if access is None:
        raise RuntimeError("no access decided for this request")
    return access


def scope_wards(wards: pd.DataFrame, scope: tuple[str, ...]) -> set[str]:
    """Ward codes of a scope of district and/or ward codes."""
    codes = set(scope)
    inside = wards[schema.WARD_CODE].isin(codes) | wards[schema.DISTRICT_CODE].isin(codes)
    return set(wards.loc[inside, schema.WARD_CODE])


def redact(analysis: Analysis, access: Access) -> Analysis:
    """The part of ``analysis`` that ``access`` may see (the same object for full access)."""
    if access.exact_points and not access.scope:
        return analysis
    events = analysis.events
    wards = analysis.wards
    hotspots = analysis.hotspots
    coverage = analysis.coverage
    if not access.exact_points:
        events = snapped_offences(events, float(current_app.config["SNAP_M"]))
    if not access.raids:
        wards = wards.drop(columns=[c for c in wards.columns if c.startswith("raid_")])
        hotspots = hotspots.drop(columns=["raids"], errors="ignore")
        coverage = dataclasses.replace(
            coverage,
            hotspots_with_raids=[],
            raids_outside_hotspots=coverage.raids_outside_hotspots.iloc[:0],
        )
    if access.scope:
        keep = scope_wards(wards, access.scope)
        wards = wards[wards[schema.WARD_CODE].isin(keep)]
        events = events[events[schema.WARD_CODE].isin(keep)].reset_index(drop=True)
        hotspots = hotspots[hotspots[schema.WARD_CODE].isin(keep)].reset_index(drop=True)
    if access.public:
        events = events.iloc[:0]
        hotspots = hotspots.iloc[:0]
        wards = suppress_small_counts(wards, int(current_app.config["SUPPRESS_BELOW"]))
    return dataclasses.replace(
        analysis, events=events, wards=wards, hotspots=hotspots, coverage=coverage
    )


def snapped_offences(events: gpd.GeoDataFrame, snap_m: float) -> gpd.GeoDataFrame:
    """Drug offences only, each moved to the centre of its ``snap_m`` grid cell (EPSG:27700)."""
    offences = events[events[schema.LAYER] == "offence"].reset_index(drop=True)
    return snap_to_grid(offences, snap_m)
