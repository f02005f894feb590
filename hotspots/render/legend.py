"""The map key: HTML sections with text for every colour and symbol (escaped here).

Each section names the folium layer it describes (``data-layer``), so the key shows only the
sections of the layers switched on (see :class:`hotspots.render.elements.HtmlControl`).

Its HTML is joined from f-strings, as the popups' are (:mod:`hotspots.render.popups` says why not
Jinja2 templates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import Element

from hotspots.render import classes as cls
from hotspots.render.elements import HtmlControl
from hotspots.render.popups import esc

#: Below this width (CSS px) the key starts closed, the layer list collapsed, panes stacked.
NARROW_PX = 700


def map_key(sections: Sequence[str]) -> HtmlControl:
    """The key control: a disclosure widget (open unless the map is narrow), bottom left, so
    it never covers the layer list and the title (top right) whatever its length."""
    html = f"<details open><summary>Map key</summary>{''.join(sections)}</details>"
    return HtmlControl(html, position="bottomleft", label="Map key", collapse_below=NARROW_PX)


def classes_section(title: str, classes: cls.ColourClasses, layer: Element) -> str:
    """A choropleth's classes: swatch and label each, "no data", and how classes were made."""
    items = "".join(
        _item(f'<span class="hs-swatch" style="background:{colour}"></span>', label)
        for colour, label in zip(classes.colours, classes.labels, strict=True)
    )
    items += _item(
        f'<span class="hs-swatch" style="background:{cls.NO_DATA_COLOUR}"></span>', "no data"
    )
    return (
        f'<section data-layer="{layer.get_name()}"><h2>{esc(title)}</h2><ul>{items}</ul>'
        f'<p class="hs-note">{esc(classes.note)}</p></section>'
    )


def heat_section(layer: Element, gradient: Mapping[float, str]) -> str:
    """The heat map's colour ramp, in words too."""
    stops = ", ".join(f"{colour} {int(stop * 100)}%" for stop, colour in gradient.items())
    ramp = f'<span class="hs-ramp" style="background:linear-gradient(to right, {stops})"></span>'
    return (
        f'<section data-layer="{layer.get_name()}"><h3>Drug offences (heat map)</h3><ul>'
        f"<li>{ramp}</li>{_item('', 'lighter = fewer, darker = more offences nearby')}</ul>"
        "</section>"
    )


def hotspot_section(layer: Element) -> str:
    """Hotspot rank colours."""
    items = "".join(
        _item(f'<span class="hs-swatch" style="background:{colour}"></span>', label)
        for colour, label in cls.hotspot_rank_labels()
    )
    return (
        f'<section data-layer="{layer.get_name()}">'
        "<h3>Hotspots (numbered squares, 1 = most offences)</h3>"
        f"<ul>{items}</ul></section>"
    )


def no_hotspots_section(period: str) -> str:
    return f"<h3>Hotspots</h3><p class='hs-note'>None found in {esc(period)}.</p>"


def no_data_section(title: str, note: str) -> str:
    """A layer the period holds no figure of (:mod:`hotspots.figures`' words, e.g. "no raid
    records held"): said in the key, so an absent layer is never read as "none"."""
    return f"<h3>{esc(title)}</h3><p class='hs-note'>No data: {esc(note)}.</p>"


def symbol_section(layer: Element, label: str, style: Mapping[str, Any]) -> str:
    """A point layer's circle symbol."""
    dot = (
        f'<span class="hs-dot" style="background:{style["fillColor"]};'
        f'border:2px solid {style["color"]};box-shadow:0 0 0 1px #1a1a1a"></span>'
    )
    return f'<section data-layer="{layer.get_name()}"><ul>{_item(dot, label)}</ul></section>'


def line_section(layer: Element, label: str) -> str:
    """A line layer (the force boundary)."""
    symbol = '<span class="hs-line"></span>'
    return f'<section data-layer="{layer.get_name()}"><ul>{_item(symbol, label)}</ul></section>'


def _item(symbol: str, label: str) -> str:
    return f"<li>{symbol}{esc(label)}</li>"
