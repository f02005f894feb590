"""Who may see what: one :class:`Access` per request, enforced on the server.

=============  ============  =================  ================  ========  ========  ======  =====
role           exact points  raid figures       hotspots          patrol    briefing  events  upload
                                                                                      API
=============  ============  =================  ================  ========  ========  ======  =====
analyst        yes           all                exact             yes       yes       yes     yes
admin          yes           all                exact             yes       yes       yes     yes
officer        no            none               own area, cells   own area  no        no      no
commissioner   no            force, district;   cells             no        yes       no      no
                             ward < 5 blank
public         no            none               no                no        no        no      no
=============  ============  =================  ================  ========  ========  ======  =====

(The audit log: admin only.) Counts: analysts and admins see every figure. **Officers** see the
wards of their scope (districts or wards), the hotspots whose main ward is one of them, and the
totals and headline of that area, never the force's (:func:`hotspots.figures.period_totals` on
the area's wards and events); stop-and-search as aggregate counts; nothing about raids: no
count, month or column names a raid. The **commissioner's office** sees force and district
totals of every layer, raid arrests and seizures included, and ward counts with searches and
raids under ``SUPPRESS_BELOW`` blank (offence counts in full). The **public** level (anonymous
visitors when ``PUBLIC_MODE`` is on) sees ward aggregates only, every count under
``SUPPRESS_BELOW`` blank, no raid figure, and no hotspots, heat or points. Ward counts with
small ones blank are given for one whole calendar quarter only, blank for any other period
(:func:`hotspots.publicsafe.whole_quarter`: the difference of two overlapping periods' tables
would give blank counts back); the public's views are moved to a whole quarter
(:func:`web.analyses.within_access`).

Figures are made from the whole analysis first and then reduced by :func:`redact`, so a role
never gets a 0 where a layer was only hidden from it. Every figure follows the rule of
:mod:`hotspots.figures` (no number for a layer not held for every month of the period).

"No exact points" means the analysis a page, map, export or API answer is made from holds only
drug offences, each moved to the centre of its ``SNAP_M`` grid cell, and hotspot polygons that
are the union of the ``SNAP_M`` cells of their offences ("cells" above;
:func:`hotspots.publicsafe.snapped_hotspots`): no stop-and-search or raid is in it, and no
shape, centroid, label, popup or coordinate places an offence more precisely than its cell.
Officers' patrol plans name the places to patrol (their purpose), with polygons and positions
made from the same cells.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from flask import current_app, g
from werkzeug.exceptions import Forbidden

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.area_hotspots import area_hotspots
from hotspots.cluster import DetectorCore
from hotspots.figures import HOTSPOT_COUNTS, blank_unknown, layer_figures, period_totals
from hotspots.gss import districts_held
from hotspots.parameters import AUTO
from hotspots.periods import Period
from hotspots.publicsafe import (
    blank_counts,
    snap_to_grid,
    snapped_hotspots,
    suppress_small_counts,
    whole_quarter,
)
from hotspots.summary import BUFFER_M, NEAR_M, RaidCoverage
from web.data import state

__all__ = [
    "BLUEPRINT_NEEDS",
    "ENDPOINT_NEEDS",
    "Access",
    "area_name",
    "area_parameters",
    "current_access",
    "need_of",
    "redact",
    "require_in_scope",
    "scope_wards",
    "wards_parameters",
]

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
        """Raid and warrant figures: counts, arrests, seizures (their locations also need
        :attr:`exact_points`)."""
        return self.role in (*FULL_ROLES, "commissioner")

    @property
    def area_parts(self) -> bool:
        """Hotspots as their part inside the visitor's area, numbered within it (scoped
        visitors: :func:`hotspots.area_hotspots.area_hotspots`), in every output: list, popups,
        map, exports and the patrol plan."""
        return bool(self.scope)

    @property
    def hotspots(self) -> bool:
        """Hotspot polygons and tables."""
        return self.role != "public"

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers whose counts, months and columns this access may see (no raid layer
        without :attr:`raids`: no count, month or column names a raid)."""
        return schema.LAYERS if self.raids else tuple(x for x in schema.LAYERS if x != "raid")

    @property
    def suppressed_layers(self) -> tuple[str, ...]:
        """Layers whose ward (and hotspot) counts under ``SUPPRESS_BELOW`` are blank: every
        layer for the public, searches and raids for the commissioner's office (who sees
        every force and district total), none for the others."""
        if self.public:
            return schema.LAYERS
        return ("search", "raid") if self.role == "commissioner" else ()

    @property
    def quarter_layers(self) -> tuple[str, ...]:
        """The :attr:`suppressed_layers` this access is shown (no raid layer without
        :attr:`raids`): their ward counts are given for whole calendar quarters only
        (:func:`hotspots.publicsafe.whole_quarter`; the words: ``quarter_note``)."""
        return tuple(x for x in self.suppressed_layers if x in self.layers)

    @property
    def tune_parameters(self) -> bool:
        """Choosing DBSCAN parameters other than ``auto`` (analysts): each new pair is a new
        analysis, significance test and back-test of seconds, and tiny radii on exact points
        would tell apart offences within one ``SNAP_M`` cell; other roles get the ``auto``
        analysis whatever they send (:func:`web.analyses.within_access`)."""
        return self.exact_points

    @property
    def choose_classes(self) -> bool:
        """Choosing how the map's wards are classed (``scheme``, ``k``: analysts and admins).
        The others get the default (quartiles; terciles of change sizes) whatever they send
        (:func:`web.analyses.within_access`): the public's, officers' and commissioner's maps
        and the briefing are read month after month and side by side, and one scheme keeps
        "the darkest quarter of the wards" meaning the same on every one; and a visitor
        without an account cannot fill the frame caches with up to 20 keys per view."""
        return self.role in FULL_ROLES

    @property
    def forecast(self) -> bool:
        """The map's layer of next month's forecast cells (analysts; officers' patrol plans
        use the forecast on the snap grid, :mod:`web.patrol`)."""
        return self.role in FULL_ROLES

    @property
    def patrol(self) -> bool:
        """Patrol plans."""
        return self.role in (*FULL_ROLES, "officer")

    @property
    def home(self) -> str:
        """The endpoint a sign-in lands on when no other page was asked for: an officer's own
        patrol plan (their job on a phone: one page, not the map and then the menu), the
        commissioner's office its briefing (its job: the headline figures, each district's and
        a ward's in words, the PDF), the map for every other role."""
        homes = {"officer": "patrol.page", "commissioner": "briefing.page"}
        return homes.get(self.role, "maps.index")

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
    def accounts(self) -> bool:
        """Adding accounts, resetting their passwords, disabling them."""
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
    "useradmin": "accounts",
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
    """The access of this request (set by :mod:`web.gate` before the view runs)."""
    access: Access | None = g.get("access")
    if access is None:
        raise RuntimeError("no access decided for this request")
    return access


def scope_wards(wards: pd.DataFrame, scope: tuple[str, ...]) -> set[str]:
    """Ward codes of a scope of district and/or ward codes.

    A scope that names none of the store's wards or districts (an account made for other
    boundaries, or another force's codes) is refused (403) with what the store holds: its area
    would otherwise be empty, and every figure of it a false 0."""
    codes = set(scope)
    inside = wards[schema.WARD_CODE].isin(codes) | wards[schema.DISTRICT_CODE].isin(codes)
    if codes and not inside.any():
        held = districts_held(wards)
        raise Forbidden(
            f"Your account's area ({', '.join(sorted(codes))}) is none of this service's wards "
            f"or districts ({held}): ask an admin to set it "
            "(hotspots users role NAME officer --scope CODES)."
        )
    return set(wards.loc[inside, schema.WARD_CODE])


def area_name(wards: pd.DataFrame, scope: tuple[str, ...]) -> str:
    """A scope named as people name it: districts by name (``Cambridge``), wards by name with
    their district (``Abbey (Cambridge)``), never by code; a code the wards do not know is
    kept as it is. Empty for no scope (the whole force)."""
    names = []
    for code in scope:
        district = wards.loc[wards[schema.DISTRICT_CODE] == code, schema.DISTRICT_NAME]
        ward = wards.loc[wards[schema.WARD_CODE] == code]
        if len(district):
            names.append(str(district.iloc[0]))
        elif len(ward):
            row = ward.iloc[0]
            names.append(f"{row[schema.WARD_NAME]} ({row[schema.DISTRICT_NAME]})")
        else:
            names.append(code)
    return ", ".join(names)


def require_in_scope(
    wards: pd.DataFrame,
    access: Access,
    *,
    ward_codes: Iterable[str] = (),
    district_codes: Iterable[str] = (),
) -> None:
    """Refuse (403) a request that names wards or districts outside a scoped visitor's area.

    The one rule for every door that takes an area (API filters, patrol plans): an empty answer
    for another area would read as "no offences there", so it is refused instead.
    """
    if not access.scope:
        return
    districts = set(district_codes)
    asked = set(ward_codes) | set(
        wards.loc[wards[schema.DISTRICT_CODE].isin(districts), schema.WARD_CODE]
    )
    if not asked <= scope_wards(wards, access.scope):
        raise Forbidden(
            f"Your area is {area_name(wards, access.scope)}: choose wards or a district inside it."
        )


def redact(analysis: Analysis, access: Access) -> Analysis:
    """The part of ``analysis`` that ``access`` may see (the same object for full access).

    ``analysis`` is the whole analysis (every layer, exact points). Figures are made from it
    first and then reduced: an officer's totals and headline are their area's (remade from the
    area's wards and events, and so are the hotspots' shares of offences and the count of
    offences in hotspots), a role without raid access gets no raid count, month or column,
    and the counts of :attr:`Access.suppressed_layers` under ``SUPPRESS_BELOW`` are blank in
    the ward and hotspot tables. Without exact points, the events are the snapped drug offences
    and the hotspot polygons the union of their offences' ``SNAP_M`` cells
    (:func:`hotspots.publicsafe.snapped_hotspots`), so no shape, centroid, label, popup or
    coordinate is finer than the snap grid.
    """
    if access.exact_points and not access.scope:
        return analysis
    snap_m = float(current_app.config["SNAP_M"])
    below = int(current_app.config["SUPPRESS_BELOW"])
    events = analysis.events
    wards, districts = analysis.wards, analysis.districts
    hotspots, coverage, totals = analysis.hotspots, analysis.coverage, dict(analysis.totals)
    parameters = analysis.parameters
    if access.area_parts:
        keep = scope_wards(wards, access.scope)
        # districts wholly in the area only: a district's total minus the area's wards in it
        # is the rest of the district
        partial = set(wards.loc[~wards[schema.WARD_CODE].isin(keep), schema.DISTRICT_CODE])
        wards = _area_ranks(wards[wards[schema.WARD_CODE].isin(keep)])
        districts = districts[
            districts[schema.DISTRICT_CODE].isin(set(wards[schema.DISTRICT_CODE]) - partial)
        ]
        hotspots = _area_parts(analysis, keep)
        events = events[events[schema.WARD_CODE].isin(keep)].reset_index(drop=True)
        hotspots, events = _area_ids(hotspots, events)
        totals = period_totals(wards, events, analysis.period.months, analysis.comparison_available)
        parameters = _area_parameters(analysis.parameters, events, hotspots)
        if analysis.parameters.get("area_parameters"):
            parameters = {k: v for k, v in parameters.items() if k not in FORCE_BACKTEST_PARAMETERS}
    if not access.exact_points:
        hotspots = snapped_hotspots(hotspots, events, snap_m)
        events = snapped_offences(events, snap_m)
        coverage = RaidCoverage([], [], coverage.raids_outside_hotspots.iloc[:0], coverage.near_m)
    layers = tuple(x for x in analysis.layers if x in access.layers)
    if not access.raids:
        wards = wards.drop(columns=[c for c in wards.columns if c.startswith("raid_")])
        districts = districts.drop(columns=[c for c in districts.columns if c.startswith("raid_")])
        hotspots = hotspots.drop(columns=["raids"], errors="ignore")
        totals = {k: v for k, v in totals.items() if not k.startswith("raid_")}
        gaps = totals.get("months_without_events") or {}
        totals["months_without_events"] = {k: v for k, v in gaps.items() if k != "raid"}
    if access.suppressed_layers:
        # only a whole quarter's: else two periods' difference gives blank counts back
        published = whole_quarter(analysis.period)
        wards = suppress_small_counts(
            wards, below, drop_raids=not access.raids, layers=access.suppressed_layers
        )
        if not published:
            wards = blank_counts(wards, access.suppressed_layers)
        hotspots = _suppress_hotspot_counts(
            hotspots, below if published else None, access.suppressed_layers
        )
    if access.public:
        events = events.iloc[:0]
        hotspots = hotspots.iloc[:0]
    if access.scope or access.public:
        parameters = _no_force_figures(parameters, public=access.public)
    return dataclasses.replace(
        analysis,
        events=events,
        wards=wards,
        districts=districts,
        hotspots=hotspots,
        coverage=coverage,
        totals=totals,
        parameters=parameters,
        layers=layers,
        layer_months={k: v for k, v in analysis.layer_months.items() if k in layers},
        other_offences=analysis.other_offences if access.exact_points else None,
        unlocated={k: v for k, v in analysis.unlocated.items() if k in layers},
        # an area's records without a location cannot be told: no force count for an officer
        area_only=analysis.area_only or bool(access.scope),
    )


def _area_ranks(wards: pd.DataFrame) -> pd.DataFrame:
    """The ``<layer>_rank`` columns of an area's wards ranked within the area (1 is the most,
    ties sharing the lowest rank, as :mod:`hotspots.ward_summary` ranks the force's), never the
    force's ranks: a ward's force rank tells how many wards elsewhere have more. A blank
    count keeps a blank rank."""
    out = wards.copy()
    for column in [c for c in out.columns if c.endswith("_rank")]:
        count = pd.to_numeric(out[column.removesuffix("_rank") + "_count"], errors="coerce")
        out[column] = count.rank(method="min", ascending=False).astype("Int64")
    return out


def _area_ids(
    hotspots: gpd.GeoDataFrame, events: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The area parts' ids renumbered as the detector numbers hotspots, 0 for the most offences
    (``rank - 1``), in the parts and the events alike: the force's ids run by force size, so
    ids 1 and 3 would tell an officer that hotspots 0 and 2 lie elsewhere."""
    new_ids = dict(
        zip(
            hotspots["hotspot_id"].astype("int64"),
            hotspots["rank"].astype("int64") - 1,
            strict=True,
        )
    )
    ids = events["hotspot_id"].map(new_ids).fillna(-1).astype("int64")
    return hotspots.assign(hotspot_id=hotspots["rank"].astype("int64") - 1), events.assign(
        hotspot_id=ids
    )


def _area_parts(analysis: Analysis, keep: set[str]) -> gpd.GeoDataFrame:
    """The area part of each hotspot with an offence in the wards ``keep``, ranked within the
    area (:func:`hotspots.area_hotspots.area_hotspots`: counts, change, shape and number made
    from the area's offences only), following the figure rule as the whole table does."""
    previous = None
    events = state().events
    if analysis.comparison_available and events is not None:
        wanted = (
            events[schema.MONTH].isin(analysis.compare_to.months)
            & (events[schema.LAYER] == "offence")
            & (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE)
            & events[schema.WARD_CODE].isin(keep)
        )
        previous = events[wanted.to_numpy()]
    parts = area_hotspots(
        analysis.hotspots,
        analysis.events,
        keep,
        previous_offences=previous,
        buffer_m=float(analysis.parameters.get("buffer_m", BUFFER_M)),
        near_m=float(analysis.parameters.get("near_m", NEAR_M)),
    )
    figures = layer_figures(
        analysis.totals, analysis.period, analysis.compare_to, analysis.layer_months
    )
    return blank_unknown(parts, figures)


#: The parameters of a scoped reader's analysis chosen by the automatic rules on their area's
#: offences (:func:`area_parameters`).
AREA_PARAMETER_KEYS = ("eps_m", "eps_m_reason", "eps_m_knee", "min_samples", "min_samples_reason")
#: Back-tests of the force's offences (the store's choice of ``auto`` and its score): a scoped
#: reader's parameters are their area's, and these figures would be the force's.
FORCE_BACKTEST_PARAMETERS = ("parameter_choice", "parameter_score")


def area_parameters(access: Access, period: Period) -> dict[str, Any] | None:
    """The automatic ``eps_m`` and ``min_samples`` of a scoped reader's analysis of ``period``:
    the rules of :mod:`hotspots.cluster.auto` applied to the drug offences of their area only
    (what they may see), with the rules' reasons; None for a reader without a scope.

    On the force's offences the rules give figures of the whole force: ``min_samples`` is
    ``ceil(1% of the period's offences)`` when that term decides, so an officer read the force's
    total to 1% from it, and the radius is the knee of the force's curve (and the store's
    back-test choice, the force's). Hotspots are still found among the force's offences, with
    these parameters, and cut to the area (:func:`redact`); two stores that differ only
    outside the area give the officer the same answers (``tests/test_route_outside_area.py``).
    """
    if not access.scope:
        return None
    return wards_parameters(frozenset(scope_wards(state().wards, access.scope)), period)


def wards_parameters(ward_codes: frozenset[str], period: Period) -> dict[str, Any]:
    """The automatic ``eps_m`` and ``min_samples`` of ``period`` from the drug offences of the
    wards ``ward_codes`` only, with the rules' reasons (a scoped reader's analysis, and every
    reader's patrol plan of an area: :func:`web.plans.get_plan`)."""
    st = state()
    events = st.events
    if events is None:
        events = st.store.load(months=list(period.months))
    keep = ward_codes
    wanted = (
        (events[schema.LAYER] == "offence")
        & (events[schema.CATEGORY] == schema.DRUGS_CRIME_TYPE)
        & events[schema.MONTH].isin(period.months)
        & events[schema.WARD_CODE].isin(keep)
    ).to_numpy()
    offences = events[wanted]
    detector = DetectorCore(eps_m=AUTO, min_samples=AUTO, n_months=period.n_months)
    params = detector.fit(offences).params_
    out = {k: _plain_number(params.get(k)) for k in AREA_PARAMETER_KEYS}
    out["min_samples_reason"] = str(out["min_samples_reason"]).replace(
        "weight term: at most 1% of all", "weight term: at most 1% of your area's"
    )
    out["area_parameters"] = True
    return out


def _plain_number(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


#: Counts of the whole force's offences the detector and the significance test report among
#: the parameters; a scoped visitor's parameters carry the area's count instead, never these.
FORCE_COUNT_PARAMETERS = ("n_samples", "n_locations", "total_weight")
FORCE_COUNT_SIGNIFICANCE = ("drug_offences", "all_offences")


def _area_parameters(
    parameters: dict[str, Any], events: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame
) -> dict[str, Any]:
    """The analysis parameters as an area's visitor sees them: ``offences_in_hotspots`` is the
    area's offences in the area's hotspots (the page reads it against the area's total), and the
    force's counts are left out."""
    offences = events[events[schema.LAYER] == "offence"]
    in_area_hotspots = offences["hotspot_id"].isin(set(hotspots["hotspot_id"]))
    out = {k: v for k, v in parameters.items() if k not in FORCE_COUNT_PARAMETERS}
    out["offences_in_hotspots"] = int(in_area_hotspots.sum())
    if isinstance(out.get("significance"), dict):
        significance = out["significance"]
        out["significance"] = {
            k: v for k, v in significance.items() if k not in FORCE_COUNT_SIGNIFICANCE
        }
    return out


def _suppress_hotspot_counts(
    hotspots: gpd.GeoDataFrame, below: int | None, layers: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Hotspot counts of ``layers`` under ``below`` blank (NaN), as in the ward table; every one
    of them for ``below`` None (a period that is not a whole quarter: a hotspot of the same
    shape in Jan-Nov and Jan-Oct gives November's count by difference)."""
    out = hotspots.copy()
    for layer in layers:
        column = HOTSPOT_COUNTS[layer]
        if column in out and layer != "offence":
            counts = out[column].astype("float64")
            out[column] = counts.mask(counts.notna() if below is None else counts < below)
    return out


def snapped_offences(events: gpd.GeoDataFrame, snap_m: float) -> gpd.GeoDataFrame:
    """Drug offences only, each moved to the centre of its ``snap_m`` grid cell (EPSG:27700)."""
    offences = events[events[schema.LAYER] == "offence"].reset_index(drop=True)
    return snap_to_grid(offences, snap_m)


_WEIGHT_TERM = re.compile(r"ceil\([0-9.]+ x total weight [0-9.e+]+\) = \d+")


def _no_force_figures(parameters: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """The parameters without the force's offence count for an area's visitor or the public:
    the ``min_samples`` reason of the force's parameters names its weight term without its
    figures ("total weight 1125" is the force's offences of the period; an officer's own are
    their area's, :func:`area_parameters`, and named). The public, who sees ward counts with
    small ones blank and no hotspot, gets no parameter of the hotspot search at all: they
    describe hotspots it is not shown (with the store's back-tested choice and scores)."""
    if public:
        return {}
    out = dict(parameters)
    if isinstance(out.get("min_samples_reason"), str) and not out.get("area_parameters"):
        out["min_samples_reason"] = _WEIGHT_TERM.sub(
            "1% of the force's offences (not shown for an area)", out["min_samples_reason"]
        )
    return out
