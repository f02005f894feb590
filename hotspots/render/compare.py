"""Two periods side by side on synchronised maps, with the change per ward."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from hotspots import schema
from hotspots.analysis import Analysis
from hotspots.parameters import DEFAULT_SCHEME, K_CHANGE_MAX
from hotspots.render import classes as cls
from hotspots.render import layers
from hotspots.render import legend as key
from hotspots.render.elements import HtmlControl, SyncMaps, add_css
from hotspots.render.legend import NARROW_PX
from hotspots.render.maps import (
    WARD_MEASURES,
    TileConfig,
    WardMeasure,
    add_hotspots,
    add_orientation,
    check_choice,
    force_area_wgs84,
    new_map,
    raids_synthetic,
    ward_classes,
    ward_layer_name,
    ward_tip,
    ward_values,
)
from hotspots.render.popups import esc, signed, ward_popup
from hotspots.render.rawtext import RawText

__all__ = ["compare_map"]


def compare_map(
    a: Analysis,
    b: Analysis,
    *,
    ward_measure: WardMeasure = "count",
    tiles: TileConfig | None = None,
    force_area: gpd.GeoDataFrame | None = None,
    show_raids: bool = True,
    fit_wards: bool = False,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> Figure:
    """Two periods side by side on synchronised maps, with the change per ward.

    Parameters
    ----------
    a, b
        Analyses of the earlier (left) and later (right) period. Both panes share one set of
        ward classes so the same colour means the same value.
    ward_measure
        As for :func:`hotspots.render.period_map`; ``"change"`` shows each period's change
        against its own comparison period.
    tiles, force_area, show_raids, fit_wards
        As for :func:`hotspots.render.period_map` (``show_raids``: raid counts in popups;
        ``fit_wards``: open on the analyses' wards, an officer's area).
    scheme, k
        How the ward shades are classed (as for :func:`hotspots.render.period_map`); the
        change layer takes the same scheme with ``k`` classes a side (at most
        :data:`hotspots.parameters.K_CHANGE_MAX`).

    Returns
    -------
    branca.element.Figure
        A page of two maps; the right one also has the layer "Change per ward, A to B"
        (``b`` minus ``a``, ColorBrewer PuOr), and every ward popup gives both periods.
    """
    check_choice("ward_measure", ward_measure, WARD_MEASURES)
    figure = Figure()
    add_css(figure)
    values = {id(x): ward_values(x.wards, ward_measure) for x in (a, b)}
    classes = ward_classes(ward_measure, list(values.values()), scheme, k)
    panes = []
    for side, (this, other) in enumerate(((a, b), (b, a))):
        wards = layers.to_wgs84(this.wards, "wards", fixed=True)
        area = force_area_wgs84(this, force_area, wards)
        period = this.period.label
        compare = this.compare_to.label if this.comparison_available else None
        m = new_map(
            wards if fit_wards else area,
            tiles,
            label=f"Map of drug offences, {period}",
            figure=figure,
            pane=side,
        )
        name = ward_layer_name(ward_measure, period, compare)
        layer = layers.ward_layer(
            wards,
            values[id(this)],
            classes,
            name=name,
            tip=ward_tip(ward_measure, compare),
            popup=_compare_popup(this, other, show_raids),
        )
        layer.add_to(m)
        legend = [key.classes_section(name, classes, layer)]
        if side == 1:
            change_k = None if k is None else min(k, K_CHANGE_MAX)
            legend.append(
                _change_layer(m, a, b, wards, raids=show_raids, scheme=scheme, k=change_k)
            )
        add_hotspots(m, this, legend, raids=show_raids)
        add_orientation(m, area, wards, legend)
        title = ("A" if side == 0 else "B") + f": {period}"
        HtmlControl(
            f'<div class="hs-title">{esc(title)}</div>', position="topright", label="Map title"
        ).add_to(m)
        key.map_key(legend).add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)
        panes.append(m)
    SyncMaps(panes[0], panes[1]).add_to(figure)
    figure.header.add_child(RawText(_pane_css(*panes)), name="hs_panes")
    return figure


def _change_layer(
    m: folium.Map,
    a: Analysis,
    b: Analysis,
    wards: gpd.GeoDataFrame,
    *,
    raids: bool,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> str:
    """B minus A per ward, on the right-hand map (hidden until chosen)."""
    before = a.wards.set_index(schema.WARD_CODE)["offence_count"]
    after = wards.set_index(schema.WARD_CODE)["offence_count"]
    change = (after - before.reindex(after.index)).astype(float)
    classes = cls.change_classes(change.to_numpy(), scheme=scheme, k=k)
    name = f"Change per ward, {a.period.label} to {b.period.label}"

    def tip(row: Mapping[str, Any], value: Any) -> str:
        return esc(f"{row[schema.WARD_NAME]}: {signed(value)} drug offences")

    layer = layers.ward_layer(
        wards,
        pd.Series(change.to_numpy()),
        classes,
        name=name,
        tip=tip,
        popup=lambda row: ward_popup(
            row,
            period=b.period.label,
            compare_to=None,
            raids_synthetic=raids_synthetic(b),
            raids=raids,
            other=_other_row(a.wards.set_index(schema.WARD_CODE), row),
            other_period=a.period.label,
        ),
        show=False,
    )
    layer.add_to(m)
    return key.classes_section(name, classes, layer)


def _compare_popup(
    this: Analysis, other: Analysis, raids: bool
) -> Callable[[Mapping[str, Any]], str]:
    """Ward popup of ``this`` period that also gives ``other``'s count and the change."""
    others = other.wards.set_index(schema.WARD_CODE)
    compare = this.compare_to.label if this.comparison_available else None
    synthetic = raids_synthetic(this)
    figures = this.figures()

    def popup(row: Mapping[str, Any]) -> str:
        return ward_popup(
            row,
            period=this.period.label,
            compare_to=compare,
            raids_synthetic=synthetic,
            raids=raids,
            other=_other_row(others, row),
            other_period=other.period.label,
            figures=figures,
        )

    return popup


def _other_row(others: pd.DataFrame, row: Mapping[str, Any]) -> dict[str, Any] | None:
    code = row.get(schema.WARD_CODE)
    if code is None or code not in others.index:
        return {"offence_count": None}
    return {"offence_count": others.at[code, "offence_count"]}


def _pane_css(left: folium.Map, right: folium.Map) -> str:
    """Side by side, a line between; stacked (A above B) on narrow screens."""
    a, b = f"#{left.get_name()}", f"#{right.get_name()}"
    return (
        f"<style>{b} {{ border-left: 2px solid #1a1a1a; box-sizing: border-box; }}\n"
        f"@media (max-width: {NARROW_PX}px) {{\n"
        f"  {a}, {b} {{ width: 100% !important; height: 50% !important; left: 0 !important; }}\n"
        f"  {a} {{ top: 0 !important; }}\n"
        f"  {b} {{ top: 50% !important; border-left: 0; border-top: 2px solid #1a1a1a; }}\n"
        "}</style>"
    )
