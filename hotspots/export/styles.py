"""Default layer styles in a GeoPackage, so QGIS opens each layer looking like the web map.

QGIS keeps styles in a GeoPackage's ``layer_styles`` table (columns ``f_table_catalog``,
``f_table_schema``, ``f_table_name``, ``f_geometry_column``, ``styleName``, ``styleQML``,
``styleSLD``, ``useAsDefault``, ``description``, ``owner``, ``ui``, ``update_time``); a row with
``useAsDefault`` true is what ``QgsVectorLayer.loadDefaultStyle()`` (and opening the layer)
applies. :func:`write_default_styles` writes one such row per spatial layer: a QML document for
QGIS and the same rules as OGC SLD 1.1 (for other tools that read SLD).

The rules are the map's (:mod:`hotspots.render.classes`, :mod:`hotspots.render.layers`):

- ``hotspots``: filled by rank, ColorBrewer OrRd (rank 1, ranks 2–3, 4–6, 7 and below), dark
  outline, labelled with the rank;
- ``wards``: drug offences (``offence_count``) in the map's classes (none, then quartiles of the
  wards with any, or the scheme and ``k`` the export's metadata records under
  ``parameters.classes``; ColorBrewer Blues), grey "no data" where the count is missing (e.g.
  suppressed in a public-safe export); the style's ``description`` names the scheme and ``k``;
- ``offence``, ``search``, ``raid``: the map's circle markers; a layer of several event kinds
  (``events``) by its ``layer`` field;
- anything else: one plain symbol for its geometry type.

The XML is built with :mod:`xml.etree.ElementTree` (no templates), QML in the form QGIS 3.22
writes (``<Option type="Map">`` and the older ``<prop>`` elements both); the table is written with
pyogrio so that GDAL registers it like QGIS does (a non-spatial layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree as ET

import pandas as pd
import pyogrio

from hotspots import schema
from hotspots.export.formats import METADATA_LAYER
from hotspots.parameters import DEFAULT_K, DEFAULT_SCHEME
from hotspots.render import classes as cls
from hotspots.render.layers import OFFENCE_STYLE, RAID_STYLE, SEARCH_STYLE

__all__ = [
    "STYLES_TABLE",
    "Rule",
    "Symbol",
    "classes_of",
    "layer_rules",
    "qml",
    "sld",
    "ward_count_classes",
    "write_default_styles",
]

STYLES_TABLE: Final = "layer_styles"
#: Screen pixels to millimetres (QGIS symbol units), at 96 dpi.
PX_MM: Final = 25.4 / 96
#: The wards' fill opacity on the map (clusters view).
WARD_OPACITY: Final = 0.6
HOTSPOT_OPACITY: Final = 0.85
_POINT_STYLES: Final = {"offence": OFFENCE_STYLE, "search": SEARCH_STYLE, "raid": RAID_STYLE}
_POINT_LABELS: Final = {"offence": "Drug offences", "search": "Stop-and-searches", "raid": "Raids"}
_QGIS_VERSION: Final = "3.22.0"
#: Layers labelled with a field, as on the map (hotspots carry their rank).
_LABELS: Final = {"hotspots": "rank"}
_GEOMETRY_TYPE: Final = {"point": 0, "line": 1, "fill": 2}


@dataclass(frozen=True)
class Symbol:
    """A simple symbol: ``kind`` is ``"fill"`` (polygons), ``"line"`` or ``"point"`` (circle)."""

    kind: str
    fill: str
    fill_opacity: float
    stroke: str
    stroke_px: float
    size_px: float = 10.0


@dataclass(frozen=True)
class Rule:
    """One rule: a label, the conditions all features of the rule meet (``(field, op, value)``
    with op ``>``, ``<=`` or ``=``; empty with ``otherwise`` for the ELSE rule) and a symbol."""

    label: str
    conditions: tuple[tuple[str, str, float | str], ...]
    symbol: Symbol
    otherwise: bool = False


def layer_rules(
    name: str,
    geometry_type: str,
    offence_counts: Sequence[float] = (),
    *,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> list[Rule]:
    """The rules of a layer by its name (see the module docstring); ``offence_counts`` are the
    wards' counts (their classes are the map's, by ``scheme`` with ``k`` classes)."""
    kind = _kind(geometry_type)
    if name == "hotspots" and kind == "fill":
        return _hotspot_rules()
    if name == "wards" and kind == "fill":
        return _ward_rules(offence_counts, scheme, k)
    if name in _POINT_STYLES and kind == "point":
        return [Rule(_POINT_LABELS[name], (), _marker(_POINT_STYLES[name]), otherwise=True)]
    if name == "events" and kind == "point":
        return [
            Rule(_POINT_LABELS[layer], ((schema.LAYER, "=", layer),), _marker(style))
            for layer, style in _POINT_STYLES.items()
        ] + [Rule("other", (), _marker(OFFENCE_STYLE), otherwise=True)]
    plain = Symbol(kind, "#bdbdbd", 0.6, "#4d4d4d", 1.0)
    return [Rule(name, (), plain, otherwise=True)]


def _kind(geometry_type: str) -> str:
    text = geometry_type.lower()
    if "polygon" in text:
        return "fill"
    if "line" in text:
        return "line"
    return "point"


def _hotspot_rules() -> list[Rule]:
    rules = []
    low = 0
    for (colour, label), bound in zip(
        cls.hotspot_rank_labels(), [*cls.HOTSPOT_RANK_BOUNDS, None], strict=True
    ):
        conditions: tuple[tuple[str, str, float | str], ...] = (("rank", ">", low),)
        if bound is not None:
            conditions += (("rank", "<=", bound),)
            low = bound
        symbol = Symbol("fill", colour, HOTSPOT_OPACITY, "#1a1a1a", 2.0)
        rules.append(Rule(f"Hotspots, {label}", conditions, symbol))
    return rules


def ward_count_classes(
    counts: Sequence[float], scheme: str = DEFAULT_SCHEME, k: int | None = None
) -> cls.ColourClasses:
    """The classes of the wards' drug offence counts, as the map draws them: what a wards
    export's style draws and its metadata records (``parameters.classes``)."""
    return cls.sequential_classes(list(counts), integer=True, scheme=scheme, k=k)


def classes_of(parameters: Mapping[str, Any]) -> tuple[str, int | None]:
    """The scheme and ``k`` an export's ``parameters`` record (``classes``), else the default."""
    record = parameters.get("classes")
    if not isinstance(record, Mapping):
        return DEFAULT_SCHEME, None
    k = record.get("k")
    return str(record.get("scheme", DEFAULT_SCHEME)), None if k is None else int(k)


def _ward_rules(counts: Sequence[float], scheme: str, k: int | None) -> list[Rule]:
    classes = ward_count_classes(counts, scheme, k)
    rules = []
    for low, high, colour, label in zip(
        classes.lower, classes.upper, classes.colours, classes.labels, strict=True
    ):
        conditions: tuple[tuple[str, str, float | str], ...] = ()
        if not math.isinf(low):
            conditions += (("offence_count", ">", low),)
        if not math.isinf(high):
            conditions += (("offence_count", "<=", high),)
        symbol = Symbol("fill", colour, WARD_OPACITY, "#4d4d4d", 1.0)
        rules.append(Rule(f"Drug offences: {label}", conditions, symbol))
    no_data = Symbol("fill", cls.NO_DATA_COLOUR, WARD_OPACITY, "#4d4d4d", 1.0)
    rules.append(Rule("Drug offences: no data", (), no_data, otherwise=True))
    return rules


def _marker(style: dict[str, object]) -> Symbol:
    return Symbol(
        "point",
        str(style["fillColor"]),
        float(str(style["fillOpacity"])),
        str(style["color"]),
        float(str(style["weight"])),
    )


# -- QML ----------------------------------------------------------------------------------------


def qml(rules: Sequence[Rule], geometry_type: str, label_field: str | None = None) -> str:
    """A QGIS style document (QML) drawing ``rules`` with a rule-based renderer; with
    ``label_field``, each feature is labelled with that field (bold, white halo), as the map
    numbers its hotspots."""
    categories = "Symbology|Labeling" if label_field else "Symbology"
    attrs = {"version": _QGIS_VERSION, "styleCategories": categories}
    if label_field:
        attrs["labelsEnabled"] = "1"
    root = ET.Element("qgis", attrs)
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        {"type": "RuleRenderer", "symbollevels": "0", "enableorderby": "0", "forceraster": "0"},
    )
    tree = ET.SubElement(renderer, "rules", {"key": "{root}"})
    symbols = ET.SubElement(renderer, "symbols")
    for i, rule in enumerate(rules):
        attrs = {"key": f"{{rule-{i}}}", "symbol": str(i), "label": rule.label}
        attrs["filter"] = "ELSE" if rule.otherwise else _expression(rule.conditions)
        ET.SubElement(tree, "rule", attrs)
        symbols.append(_qml_symbol(str(i), rule.symbol))
    if label_field:
        root.append(_labeling(label_field))
    ET.SubElement(root, "layerGeometryType").text = str(_GEOMETRY_TYPE[_kind(geometry_type)])
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"


def _labeling(field: str) -> ET.Element:
    labeling = ET.Element("labeling", {"type": "simple"})
    settings = ET.SubElement(labeling, "settings", {"calloutType": "simple"})
    style = ET.SubElement(
        settings,
        "text-style",
        {
            "fieldName": field,
            "isExpression": "0",
            "fontSize": "9",
            "fontSizeUnit": "Point",
            "fontWeight": "75",
            "textColor": "26,26,26,255",
            "textOpacity": "1",
        },
    )
    buffer = {"bufferDraw": "1", "bufferSize": "0.8", "bufferSizeUnits": "MM"}
    ET.SubElement(style, "text-buffer", {**buffer, "bufferColor": "255,255,255,255"})
    # placement 1: over the polygon's centroid, always shown (the map numbers every hotspot)
    ET.SubElement(settings, "placement", {"placement": "1", "centroidInside": "1"})
    ET.SubElement(settings, "rendering", {"obstacle": "0", "displayAll": "1"})
    return labeling


def _expression(conditions: Sequence[tuple[str, str, float | str]]) -> str:
    parts = []
    for field, op, value in conditions:
        literal = f"'{value}'" if isinstance(value, str) else _number(value)
        parts.append(f'"{field}" {op} {literal}')
    return " AND ".join(parts) or "TRUE"


def _qml_symbol(name: str, symbol: Symbol) -> ET.Element:
    kind = "marker" if symbol.kind == "point" else symbol.kind
    element = ET.Element(
        "symbol",
        {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"},
    )
    fill = _rgba(symbol.fill, symbol.fill_opacity)
    stroke = _rgba(symbol.stroke, 1.0)
    width = _number(round(symbol.stroke_px * PX_MM, 2))
    if symbol.kind == "fill":
        layer_class = "SimpleFill"
        props = {
            "color": fill,
            "style": "solid",
            "outline_color": stroke,
            "outline_style": "solid",
            "outline_width": width,
            "outline_width_unit": "MM",
            "joinstyle": "round",
        }
    elif symbol.kind == "line":
        layer_class = "SimpleLine"
        props = {
            "line_color": stroke,
            "line_style": "solid",
            "line_width": width,
            "line_width_unit": "MM",
        }
    else:
        layer_class = "SimpleMarker"
        props = {
            "name": "circle",
            "color": fill,
            "outline_color": stroke,
            "outline_style": "solid",
            "outline_width": width,
            "outline_width_unit": "MM",
            "size": _number(round(symbol.size_px * PX_MM, 2)),
            "size_unit": "MM",
            "scale_method": "diameter",
        }
    layer = ET.SubElement(
        element, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    option_map = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(option_map, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return element


def _rgba(colour: str, opacity: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{round(255 * opacity)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# -- SLD ----------------------------------------------------------------------------------------

_SLD: Final = "http://www.opengis.net/sld"
_SE: Final = "http://www.opengis.net/se"
_OGC: Final = "http://www.opengis.net/ogc"
_OPS: Final = {
    ">": "PropertyIsGreaterThan",
    "<=": "PropertyIsLessThanOrEqualTo",
    "=": "PropertyIsEqualTo",
}


def sld(name: str, rules: Sequence[Rule]) -> str:
    """The same rules as an OGC Styled Layer Descriptor 1.1 (Symbology Encoding) document."""
    ET.register_namespace("", _SLD)
    ET.register_namespace("se", _SE)
    ET.register_namespace("ogc", _OGC)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", {"version": "1.1.0"})
    layer = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ET.SubElement(layer, f"{{{_SE}}}Name").text = name
    style = ET.SubElement(layer, f"{{{_SLD}}}UserStyle")
    ET.SubElement(style, f"{{{_SE}}}Name").text = name
    feature_style = ET.SubElement(style, f"{{{_SE}}}FeatureTypeStyle")
    for rule in rules:
        element = ET.SubElement(feature_style, f"{{{_SE}}}Rule")
        ET.SubElement(element, f"{{{_SE}}}Name").text = rule.label
        if rule.otherwise:
            ET.SubElement(element, f"{{{_SE}}}ElseFilter")
        elif rule.conditions:
            element.append(_ogc_filter(rule.conditions))
        element.append(_sld_symbolizer(rule.symbol))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _ogc_filter(conditions: Sequence[tuple[str, str, float | str]]) -> ET.Element:
    filter_element = ET.Element(f"{{{_OGC}}}Filter")
    parent = filter_element
    if len(conditions) > 1:
        parent = ET.SubElement(filter_element, f"{{{_OGC}}}And")
    for field, op, value in conditions:
        comparison = ET.SubElement(parent, f"{{{_OGC}}}{_OPS[op]}")
        ET.SubElement(comparison, f"{{{_OGC}}}PropertyName").text = field
        literal = value if isinstance(value, str) else _number(value)
        ET.SubElement(comparison, f"{{{_OGC}}}Literal").text = literal
    return filter_element


def _sld_symbolizer(symbol: Symbol) -> ET.Element:
    def parameters(parent: ET.Element, values: dict[str, str]) -> None:
        for key, value in values.items():
            ET.SubElement(parent, f"{{{_SE}}}SvgParameter", {"name": key}).text = value

    stroke = {"stroke": symbol.stroke, "stroke-width": _number(symbol.stroke_px)}
    fill = {"fill": symbol.fill, "fill-opacity": _number(symbol.fill_opacity)}
    if symbol.kind == "line":
        element = ET.Element(f"{{{_SE}}}LineSymbolizer")
        parameters(ET.SubElement(element, f"{{{_SE}}}Stroke"), stroke)
        return element
    if symbol.kind == "fill":
        element = ET.Element(f"{{{_SE}}}PolygonSymbolizer")
        parameters(ET.SubElement(element, f"{{{_SE}}}Fill"), fill)
        parameters(ET.SubElement(element, f"{{{_SE}}}Stroke"), stroke)
        return element
    element = ET.Element(f"{{{_SE}}}PointSymbolizer")
    graphic = ET.SubElement(element, f"{{{_SE}}}Graphic")
    mark = ET.SubElement(graphic, f"{{{_SE}}}Mark")
    ET.SubElement(mark, f"{{{_SE}}}WellKnownName").text = "circle"
    parameters(ET.SubElement(mark, f"{{{_SE}}}Fill"), fill)
    parameters(ET.SubElement(mark, f"{{{_SE}}}Stroke"), stroke)
    ET.SubElement(graphic, f"{{{_SE}}}Size").text = _number(symbol.size_px)
    return element


# -- the table ----------------------------------------------------------------------------------


def write_default_styles(
    path: Path,
    updated: datetime | None = None,
    *,
    scheme: str = DEFAULT_SCHEME,
    k: int | None = None,
) -> list[str]:
    """Add a default style for every spatial layer of the GeoPackage at ``path`` to its
    ``layer_styles`` table (made here; the file must not have one yet). Returns the layers
    styled. ``updated`` is the rows' ``update_time`` (default now, UTC); ``scheme`` and ``k``
    class the wards (:func:`ward_count_classes`)."""
    rows = []
    when = (updated or datetime.now(UTC)).replace(microsecond=0)
    for name, geometry_type in pyogrio.list_layers(path):
        if name in (METADATA_LAYER, STYLES_TABLE) or geometry_type is None:
            continue
        info = pyogrio.read_info(path, layer=name)
        counts: Sequence[float] = ()
        if name == "wards" and "offence_count" in list(info["fields"]):
            table = pyogrio.read_dataframe(
                path, layer=name, columns=["offence_count"], read_geometry=False
            )
            counts = table["offence_count"].astype(float).tolist()
        rules = layer_rules(name, str(geometry_type), counts, scheme=scheme, k=k)
        description = f"The hotspots web map's style for {name}"
        if name == "wards" and len(counts):
            description += f" (classes: scheme {scheme}, k = {k or DEFAULT_K})"
        rows.append(
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": name,
                "f_geometry_column": info["geometry_name"] or "geom",
                "styleName": name,
                "styleQML": qml(rules, str(geometry_type), _LABELS.get(name)),
                "styleSLD": sld(name, rules),
                "useAsDefault": True,
                "description": description,
                "owner": "",
                "ui": "",
                "update_time": pd.Timestamp(when.replace(tzinfo=None)),
            }
        )
    if rows:
        pyogrio.write_dataframe(
            pd.DataFrame(rows), path, layer=STYLES_TABLE, driver="GPKG", use_arrow=True
        )
    return [row["f_table_name"] for row in rows]
