"""Small Leaflet elements folium lacks: HTML controls, label layers, map setup, map sync, CSS.

Data reach the page's script only as JSON made by :func:`js_value`, which escapes ``<``, ``>``
and ``&`` so no string can close the ``<script>`` element; text shown as HTML is escaped by the
caller (see :mod:`hotspots.render.popups`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from branca.element import Element, Figure, MacroElement
from folium.template import Template

from hotspots.render.rawtext import RawText

__all__ = [
    "CSS",
    "FEATURE_EVENTS_JS",
    "HtmlControl",
    "LabelLayer",
    "MapSetup",
    "SyncMaps",
    "add_css",
    "js_value",
]

#: Zoom from which ward names replace district names.
WARD_LABEL_ZOOM = 11

#: Page styles of our elements (popups, legend, labels, hotspot numbers, clusters).
CSS = """
.hs-popup { font: 13px/1.35 Arial, Helvetica, sans-serif; color: #1a1a1a; max-width: 340px; }
.hs-popup h3 { font-size: 15px; margin: 0 0 2px; }
.hs-popup .hs-sub { margin: 0 0 6px; color: #444; }
.hs-popup table { border-collapse: collapse; }
.hs-popup th { text-align: left; font-weight: normal; padding: 1px 10px 1px 0; color: #333; }
.hs-popup td { text-align: right; font-weight: bold; padding: 1px 0; }
.hs-popup .hs-note { margin: 6px 0 0; font-style: italic; }
.hs-popup ul { margin: 4px 0 0; padding-left: 18px; }
.hs-popup li { margin-bottom: 4px; }
.hs-panel { background: rgba(255,255,255,0.96); color: #1a1a1a; padding: 6px 9px;
  border: 1px solid #767676; border-radius: 4px; font: 12px/1.35 Arial, Helvetica, sans-serif;
  max-width: 260px; }
.hs-panel h2 { font-size: 13px; margin: 0 0 4px; }
.hs-panel h3 { font-size: 12px; margin: 6px 0 2px; }
.hs-panel ul { list-style: none; margin: 0; padding: 0; }
.hs-panel li { display: flex; align-items: center; margin: 1px 0; }
.hs-panel .hs-note { margin: 4px 0 0; color: #333; }
.hs-swatch { display: inline-block; width: 18px; height: 12px; margin-right: 6px;
  border: 1px solid #555; flex: none; }
.hs-dot { display: inline-block; width: 12px; height: 12px; margin: 0 9px 0 3px;
  border-radius: 50%; flex: none; }
.hs-line { display: inline-block; width: 18px; height: 0; margin-right: 6px;
  border-top: 3px solid #1a1a1a; flex: none; }
.hs-ramp { display: inline-block; width: 120px; height: 10px; margin-right: 6px;
  border: 1px solid #555; flex: none; }
.hs-title { font-size: 14px; font-weight: bold; }
.hs-panel summary { cursor: pointer; font-weight: bold; font-size: 12px; padding: 4px 0; }
.hs-panel details[open] summary { margin-bottom: 4px; }
.hs-panel details { max-height: 60vh; overflow-y: auto; }
.leaflet-container .leaflet-control-attribution { font-size: 11px; color: #1a1a1a;
  max-width: calc(100% - 140px); }
.hs-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 12px/1.2 Arial, Helvetica, sans-serif; color: #1a1a1a; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.hs-label-district span { font-size: 14px; font-weight: bold; letter-spacing: 0.5px; }
.leaflet-container .hs-label-ward { display: none; }
.hs-zoomed.leaflet-container .hs-label-ward { display: block; }
.hs-zoomed.leaflet-container .hs-label-district { display: none; }
.hs-rank span { position: absolute; transform: translate(-50%, -50%); display: flex;
  align-items: center; justify-content: center;
  box-sizing: border-box; min-width: 24px; height: 24px; padding: 0 4px;
  border-radius: 3px; text-align: center; font: bold 13px Arial, Helvetica, sans-serif;
  border: 2px solid #1a1a1a; }
.hs-rank:focus span { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.leaflet-container a:focus-visible, .leaflet-container input:focus-visible,
.hs-panel summary:focus-visible { outline: 3px solid #b45309; outline-offset: 2px; }
.folium-map.leaflet-container:focus-visible { outline: 3px solid #b45309; outline-offset: -3px; }
.hs-cluster span { display: flex; align-items: center; justify-content: center;
  width: 34px; height: 34px; border-radius: 17px; font: bold 12px Arial, Helvetica, sans-serif;
  border: 2px solid #1a1a1a; box-sizing: border-box; }
.folium-map.leaflet-container { background: #f2f2ef; }
"""

#: onEachFeature of our GeoJson layers: tooltip ``tip`` and popup ``popup`` from the feature's
#: properties (escaped HTML made in Python), and a hover outline.
FEATURE_EVENTS_JS = """function(feature, layer) {
    var p = feature.properties || {};
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360}); }
    if (p.style && layer.setStyle) {
        layer.on('mouseover', function () { layer.setStyle({weight: p.style.weight + 2}); });
        layer.on('mouseout', function () { layer.setStyle(p.style); });
    }
}"""


def js_value(value: Any) -> str:
    """JSON for an inline script: ``<``, ``>``, ``&`` escaped so nothing can end the script."""
    return (
        json.dumps(value, ensure_ascii=False, allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def add_css(figure: Figure) -> None:
    """Add :data:`CSS` to the page once."""
    figure.header.add_child(RawText(f"<style>{CSS}</style>"), name="hotspots_css")


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (already escaped), e.g. a legend or a title.

    Elements inside with ``data-layer="<folium layer name>"`` are shown only while that layer
    is on the map, so a legend follows the layer control. With ``collapse_below``, a
    ``<details>`` inside starts closed on maps narrower than that many pixels, and there it
    takes turns with the layer list: opening one closes the other, so neither covers the other.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                {%- if this.collapse_below %}
                if (map.getSize().x < {{ this.collapse_below }}) {
                    var details = div.querySelector('details');
                    if (details) { details.open = false; }
                }
                {%- endif %}
                {%- if this.label %}
                div.setAttribute('role', 'region');
                div.setAttribute('aria-label', {{ this.label|tojson }});
                {%- endif %}
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            {%- if this.collapse_below %}
            // on a narrow map the key and the layer list take turns: opening one closes the
            // other, so neither covers the other (each is tall beside a phone's small map)
            (function () {
                var details = control.getContainer().querySelector('details');
                var expanded = 'leaflet-control-layers-expanded';
                function narrow() { return map.getSize().x < {{ this.collapse_below }}; }
                function lists() {
                    return map.getContainer().querySelectorAll('.leaflet-control-layers');
                }
                if (!details) { return; }
                details.addEventListener('toggle', function () {
                    if (!details.open || !narrow()) { return; }
                    lists().forEach(function (el) { el.classList.remove(expanded); });
                });
                setTimeout(function () {  // the layer list is added after the key
                    lists().forEach(function (el) {
                        new MutationObserver(function () {
                            if (narrow() && details.open && el.classList.contains(expanded)) {
                                details.open = false;
                            }
                        }).observe(el, {attributes: true, attributeFilter: ['class']});
                    });
                }, 0);
            })();
            {%- endif %}
            function follow() {
                var parts = control.getContainer().querySelectorAll('[data-layer]');
                for (var i = 0; i < parts.length; i++) {
                    var layer = window[parts[i].getAttribute('data-layer')];
                    parts[i].hidden = !(layer && map.hasLayer(layer));
                }
            }
            map.on('overlayadd overlayremove', follow);
            follow();
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html: str,
        *,
        position: str = "bottomright",
        css_class: str = "hs-panel",
        label: str | None = None,
        collapse_below: int | None = None,
    ) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.collapse_below = collapse_below
        self.html_json = js_value(html)
        self.position = position
        self.css_class = css_class
        self.label = label


class LabelLayer(MacroElement):
    """DivIcon markers added to the parent layer: ``rows`` of ``[lat, lon, html, title, popup]``
    and optionally a sixth ``stack``: added to ``z_index`` (Leaflet's ``zIndexOffset``), so a
    marker of a higher stack is drawn over one of a lower whatever their latitudes (Leaflet
    otherwise puts the southern marker on top).

    ``html`` and ``popup`` must already be escaped; ``title`` is set as plain text (the
    marker's tooltip for the keyboard and screen readers). Interactive labels are focusable
    and open their popup with Enter.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var rows = {{ this.rows_json }};
            var group = {{ this._parent.get_name() }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var marker = L.marker([r[0], r[1]], {
                    icon: L.divIcon({className: {{ this.css_class|tojson }}, html: r[2],
                                     iconSize: null}),
                    title: r[3] || '',
                    interactive: {{ this.interactive|tojson }},
                    keyboard: {{ this.interactive|tojson }},
                    zIndexOffset: {{ this.z_index|tojson }} + (r[5] || 0)
                });
                if (r[4]) { marker.bindPopup(r[4], {maxWidth: 360}); }
                marker.addTo(group);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        *,
        css_class: str,
        interactive: bool = False,
        z_index: int = 0,
    ) -> None:
        super().__init__()
        self._name = "LabelLayer"
        self.rows_json = js_value([list(r) for r in rows])
        self.css_class = css_class
        self.interactive = interactive
        self.z_index = z_index


class MapSetup(MacroElement):
    """Attribution lines (plain text), an accessible name, and the label zoom switch."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            map.attributionControl.setPrefix('Leaflet');
            {{ this.attribution_json }}.forEach(function (line) {
                map.attributionControl.addAttribution(line);
            });
            var box = map.getContainer();
            box.setAttribute('role', 'region');
            box.setAttribute('aria-label', {{ this.label|tojson }});
            // Shapes and markers are not Tab stops (about 200 of them would stand between the
            // keyboard and the map's controls): each keeps tabindex -1 and is named by its
            // tooltip (or title) for screen readers; the page's tables give the same figures.
            function quiet(layer) {
                var el = layer.getElement && layer.getElement();
                if (!el || !el.classList || !el.classList.contains('leaflet-interactive')) {
                    return;
                }
                el.setAttribute('tabindex', '-1');
                var tip = layer.getTooltip && layer.getTooltip();
                var text = tip ? tip.getContent() : (layer.options || {}).title;
                if (typeof text === 'string' && text) {
                    var doc = new DOMParser().parseFromString(text, 'text/html');
                    // a shape (SVG path) is a graphic; a marker keeps Leaflet's role
                    if (!el.getAttribute('role')) { el.setAttribute('role', 'img'); }
                    el.setAttribute('aria-label', doc.body.textContent.trim());
                }
            }
            map.on('layeradd', function (e) { quiet(e.layer); });
            map.whenReady(function () { map.eachLayer(quiet); });
            function zoomed() {
                box.classList.toggle('hs-zoomed', map.getZoom() >= {{ this.label_zoom }});
            }
            // Names are placed by one rule, whatever the force: a name never lies on a hotspot's
            // number (or an offence cluster), on a control (zoom, key, layers, title,
            // attribution), on a name already placed, nor over the map's edge. A district name
            // that would is moved to the nearest free place around its own, as a map maker
            // would; a ward name (many, small areas) waits for a closer zoom. Placed in the
            // order drawn.
            function rect(r, dx, dy) {
                return {left: r.left + dx, right: r.right + dx, top: r.top + dy,
                        bottom: r.bottom + dy};
            }
            function meets(a, b) {
                return a.left < b.right && b.left < a.right && a.top < b.bottom &&
                    b.top < a.bottom;
            }
            // Places for a name, nearest first (a step is a quarter of its width across, its
            // height up or down; up to ``far`` times its width across and three times its
            // height up or down): its own, then the others by distance, above first on a tie.
            function places(r, far) {
                var w = (r.right - r.left) / 4, h = r.bottom - r.top + 2;
                var out = [];
                for (var i = -4 * far; i <= 4 * far; i++) {
                    for (var j = -3 * far; j <= 3 * far; j++) {
                        out.push([i * w, j * h, Math.hypot(i * w, j * h) + (j > 0 ? 0.5 : 0)]);
                    }
                }
                return out.sort(function (a, b) { return a[2] - b[2]; });
            }
            function declutter() {
                var marks = [];
                box.querySelectorAll(
                    '.hs-rank span, .hs-cluster span, .leaflet-control'
                ).forEach(function (m) {
                    var r = m.getBoundingClientRect();
                    if (r.width) { marks.push(rect(r, 0, 0)); }
                });
                var edge = box.getBoundingClientRect();
                function inside(r) {
                    return r.left >= edge.left && r.right <= edge.right &&
                        r.top >= edge.top && r.bottom <= edge.bottom;
                }
                var kept = [];
                box.querySelectorAll('.hs-label').forEach(function (el) {
                    el.style.visibility = '';
                    var name = el.firstElementChild;
                    if (!name) { return; }
                    name.style.transform = '';
                    var r = name.getBoundingClientRect();
                    if (!r.width) { return; }  // not shown at this zoom
                    var far = el.classList.contains('hs-label-district') ? 2 : 0;
                    var free = places(r, far).find(function (d) {
                        var moved = rect(r, d[0], d[1]);
                        return inside(moved) &&
                            !marks.concat(kept).some(function (k) { return meets(moved, k); });
                    });
                    if (!free) { el.style.visibility = 'hidden'; return; }
                    if (free[0] || free[1]) {
                        name.style.transform = 'translate(calc(-50% + ' + free[0] + 'px), ' +
                            'calc(-50% + ' + free[1] + 'px))';
                    }
                    kept.push(rect(r, free[0], free[1]));
                });
            }
            // again once markers have settled (clusters animate after a zoom), and whenever
            // markers come or go (a cluster layer adds its markers after the map is ready)
            var pending = null;
            function settle() {
                clearTimeout(pending);
                declutter();
                pending = setTimeout(declutter, 400);
            }
            function later() { clearTimeout(pending); pending = setTimeout(declutter, 80); }
            map.on('zoomend', function () { zoomed(); settle(); });
            map.on('overlayadd overlayremove', settle);
            map.on('layeradd layerremove', later);
            zoomed();
            // The opening view: the force fitted to the map, then, if a hotspot's number lies
            // under a control (the key bottom left, the title and layer list top right: open on
            // a wide screen), fitted again inside the strips those controls take, when they
            // leave most of the map. A force wider than the map (the City of London) had its
            // hotspot 2 of 2 under the layer list.
            function uncovered() {
                var bounds = {{ this.bounds_json }};
                if (!bounds) { return; }
                var edge = box.getBoundingClientRect();
                var controls = [];
                box.querySelectorAll('.leaflet-control').forEach(function (c) {
                    var r = c.getBoundingClientRect();
                    if (r.width && !c.classList.contains('leaflet-control-attribution') &&
                            !c.classList.contains('leaflet-control-scale')) {
                        controls.push(r);
                    }
                });
                var hidden = Array.prototype.some.call(
                    box.querySelectorAll('.hs-rank span'), function (m) {
                        var r = m.getBoundingClientRect();
                        return r.width && controls.some(function (c) { return meets(r, c); });
                    });
                if (!hidden) { return; }
                var left = 0, right = 0;
                controls.forEach(function (c) {
                    if (c.left - edge.left < edge.right - c.right) {
                        left = Math.max(left, c.right - edge.left);
                    } else {
                        right = Math.max(right, edge.right - c.left);
                    }
                });
                if (left + right > 0.6 * edge.width) { return; }  // a phone: no room
                map.fitBounds(bounds,
                              {paddingTopLeft: [left, 0], paddingBottomRight: [right, 0]});
            }
            map.whenReady(function () {
                setTimeout(function () { uncovered(); settle(); }, 0);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        *,
        attribution: Sequence[str],
        label: str,
        bounds: Sequence[Sequence[float]] | None = None,
    ) -> None:
        super().__init__()
        self._name = "MapSetup"
        # the force's [[south, west], [north, east]]: the opening view refitted clear of the
        # controls when a hotspot's number lies under one (null: never)
        self.bounds_json = js_value([list(map(float, b)) for b in bounds] if bounds else None)
        # plain text, escaped for HTML (Leaflet shows attributions as HTML)
        self.attribution_json = js_value([html.escape(line) for line in attribution])
        self.label = label
        self.label_zoom = WARD_LABEL_ZOOM


class SyncMaps(MacroElement):
    """Keep two maps on the same centre and zoom (moving either moves the other)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var maps = [{{ this.first.get_name() }}, {{ this.second.get_name() }}];
            var busy = false;
            function follow(source, target) {
                source.on('move', function () {
                    if (busy) { return; }
                    busy = true;
                    target.setView(source.getCenter(), source.getZoom(), {animate: false});
                    busy = false;
                });
            }
            follow(maps[0], maps[1]);
            follow(maps[1], maps[0]);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, first: Element, second: Element) -> None:
        super().__init__()
        self._name = "SyncMaps"
        self.first = first
        self.second = second
