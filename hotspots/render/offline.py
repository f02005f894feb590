"""Make folium pages use only vendored assets, and prove it.

folium and its plugins name their scripts and stylesheets as CDN URLs in the class attributes
``default_js`` / ``default_css`` of every :class:`folium.elements.JSCSSMixin`. At render time
:func:`render_html` walks the element tree and gives each such *instance* new lists in which
every known CDN URL is replaced by ``asset_base + "/" + <path under static/vendor>`` (the class
lists, shared by every map, are never changed). Resources our maps do not need (Bootstrap,
Font Awesome, glyphicons, awesome-markers) are dropped, and so is jQuery unless an element needs
it. Any other external URL fails the render (:class:`OfflineError`): fail closed.

Asset URL scheme
----------------
``{asset_base}/{package}@{version}/{file}`` is served from
``hotspots/render/static/vendor/{package}@{version}/{file}`` (:data:`VENDOR_DIR`), e.g.
``/static/vendor/leaflet@1.9.3/leaflet.js``. Leaflet's stylesheet loads its images relative to
itself (``leaflet@1.9.3/images/*.png``), so the whole folder must be served, not only the files
named in the page. ``static/vendor/VENDORED.md`` lists versions, sources and licences.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

from hotspots.errors import HotspotsError

__all__ = [
    "CDN_TO_VENDORED",
    "VENDOR_DIR",
    "OfflineError",
    "asset_paths",
    "external_urls",
    "localise",
    "render_html",
]

#: Folder of the vendored files (serve it at ``asset_base``).
VENDOR_DIR: Path = Path(__file__).resolve().parent / "static" / "vendor"

_LEAFLET = "leaflet@1.9.3"
_CLUSTER = "leaflet.markercluster@1.5.3"
_JQUERY_URL = "https://code.jquery.com/jquery-3.7.1.min.js"
_CDNJS_CLUSTER = "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0"
_FOLIUM_MAIN = "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates"

#: Every CDN URL folium 0.20 uses for what our maps need -> file under :data:`VENDOR_DIR`.
#: markercluster 1.1.0 (folium's pin) is served as 1.5.3 (same API, fixes for Leaflet 1.9).
CDN_TO_VENDORED: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": f"{_LEAFLET}/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": f"{_LEAFLET}/leaflet.css",
    _JQUERY_URL: "jquery@3.7.1/jquery.min.js",
    f"{_CDNJS_CLUSTER}/leaflet.markercluster.js": f"{_CLUSTER}/leaflet.markercluster.js",
    f"{_CDNJS_CLUSTER}/MarkerCluster.css": f"{_CLUSTER}/MarkerCluster.css",
    f"{_CDNJS_CLUSTER}/MarkerCluster.Default.css": f"{_CLUSTER}/MarkerCluster.Default.css",
    f"{_FOLIUM_MAIN}/leaflet_heat.min.js": "folium@0.20.0/leaflet_heat.min.js",
}

#: folium's Map defaults that our maps do not use (no Bootstrap, no icon fonts, no
#: awesome-markers); dropped from every page.
DROPPED_URLS: frozenset[str] = frozenset(
    {
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
    }
)

#: The rest of a URL after its ``//`` (up to a quote, space, bracket or backslash).
_URL_REST = re.compile(r"//[^\s\"'\\)<>]*")
#: What must come just before an external URL for the page to fetch it: an attribute that
#: loads (``src=``, ``href=``, ...) or CSS ``url(`` / ``@import`` (quotes optional).
_LOADS_BEFORE = re.compile(
    r"(?:\b(?:src|href|srcset|poster|action|formaction|data)\s*=|url\(|@import)"
    r"\s*\\?[\"']?\s*\Z",
    re.IGNORECASE,
)
#: The longest text checked before a URL (attribute name, spaces, an escaped quote).
_LOOKBEHIND_CHARS = 64
_VIEWPORT_NO_ZOOM = re.compile(r",\s*maximum-scale=1\.0,\s*user-scalable=no")


class OfflineError(HotspotsError, RuntimeError):
    """A page would load something from outside the app (an unknown or external URL)."""


def external_urls(html: str) -> list[str]:
    """Every URL in ``html`` that would be fetched from another host.

    Parameters
    ----------
    html
        A page (or any text: scripts and JSON strings inside it are searched too).

    Returns
    -------
    list of str
        Each distinct URL starting ``http:``, ``https:`` or ``//`` that is the value of a
        ``src=``, ``href=`` (and similar) attribute, a CSS ``url(...)`` or an ``@import``, in
        order of first appearance. Empty for a page that works on a closed network.
    """
    # Find each "//" with str.find (fast, in C), then look at what precedes it: far quicker on
    # a 400 kB map page than a case-insensitive alternation tried at every position.
    found: dict[str, None] = {}
    at = html.find("//")
    while at != -1:
        rest = _URL_REST.match(html, at)
        assert rest is not None  # "//" always matches
        start = at
        for scheme in ("https:", "http:"):
            if html[at - len(scheme) : at].lower() == scheme:
                start = at - len(scheme)
                break
        if _LOADS_BEFORE.search(html[max(0, start - _LOOKBEHIND_CHARS) : start]):
            found.setdefault(html[start : rest.end()], None)
        at = html.find("//", max(rest.end(), at + 2))
    return list(found)


def asset_paths(html: str, asset_base: str) -> list[str]:
    """Paths under ``asset_base`` that ``html`` loads (``src=``/``href=``), relative to it."""
    base = asset_base.rstrip("/") + "/"
    pattern = re.compile(r"\b(?:src|href)\s*=\s*[\"']" + re.escape(base) + r"([^\"'?#]+)")
    return list(dict.fromkeys(m.group(1) for m in pattern.finditer(html)))


def localise(element: Element, asset_base: str) -> None:
    """Point every script and stylesheet of ``element``'s page at the vendored copies.

    Parameters
    ----------
    element
        A folium Map, branca Figure or any element of the page (its root is used).
    asset_base
        URL prefix the web app serves :data:`VENDOR_DIR` at, e.g. ``"/static/vendor"``;
        a relative prefix (``"static/vendor"``) works for a page saved beside a copy.

    Raises
    ------
    OfflineError
        An element names a URL with no vendored copy, or needs a library that is not vendored.
    ValueError
        ``asset_base`` points at another host.
    """
    base = _check_base(asset_base)
    root = element.get_root()
    elements = list(_walk(root))
    jquery = _needs_jquery(elements)
    for el in elements:
        if isinstance(el, folium.Icon):
            raise OfflineError(
                "folium.Icon needs awesome-markers and Font Awesome, which are not vendored; "
                "use a CircleMarker or a DivIcon"
            )
        if isinstance(el, JSCSSMixin):
            # new lists on the instance: the class lists are shared by every map
            el.default_js = _local_links(el.default_js, base, jquery)
            el.default_css = _local_links(el.default_css, base, jquery)
    if isinstance(root, Figure):
        # links left in the header by an earlier render of the same page
        for name, child in list(root.header._children.items()):
            if isinstance(child, JavascriptLink | CssLink) and _is_external(child.url):
                local = _local_url(child.url, base, jquery)
                if local is None:
                    del root.header._children[name]
                else:
                    child.url = local


def render_html(
    map_or_figure: Element, asset_base: str, *, title: str | None = None, lang: str = "en-GB"
) -> str:
    """The complete HTML page of a map, using only vendored assets.

    Parameters
    ----------
    map_or_figure
        A :class:`folium.Map` or a :class:`branca.element.Figure` holding maps.
    asset_base
        URL prefix at which the app serves :data:`VENDOR_DIR` (see :func:`localise`).
    title
        Page title (plain text, escaped here).
    lang
        Language of the page (``<html lang=...>``).

    Returns
    -------
    str
        The page. Its scripts are inline: a Content-Security-Policy must allow
        ``script-src 'self' 'unsafe-inline'`` (and ``style-src 'self' 'unsafe-inline'``).

    Raises
    ------
    OfflineError
        The page would still load something from another host (lists the URLs).
    """
    localise(map_or_figure, asset_base)
    root = map_or_figure.get_root()
    if title is not None and isinstance(root, Figure):
        root.title = _escape(title)
    html = root.render()
    if "L.AwesomeMarkers" in html:
        raise OfflineError("the page uses awesome-markers, which is not vendored")
    # folium forbids pinch zoom (maximum-scale=1, user-scalable=no): WCAG 1.4.4 needs it
    html = _VIEWPORT_NO_ZOOM.sub("", html)
    html = html.replace("<html>", f'<html lang="{_escape(lang)}">', 1)
    left = external_urls(html)
    if left:
        raise OfflineError(f"the page would load {len(left)} external URL(s): {', '.join(left)}")
    return html


# -- helpers -------------------------------------------------------------------------------------


def _walk(element: Element) -> Iterator[Element]:
    yield element
    if isinstance(element, Figure):
        for part in (element.header, element.html, element.script):
            yield from _walk(part)
    for child in list(element._children.values()):
        yield from _walk(child)


def _needs_jquery(elements: list[Element]) -> bool:
    """True when an element's template uses jQuery (folium 0.20: these three)."""
    for el in elements:
        if isinstance(el, folium.Popup) and el.html._children:
            return True
        if isinstance(el, folium.GeoJson) and not el.embed:
            return True
        if isinstance(el, folium.Map) and el.objects_to_stay_in_front:
            return True
    return False


def _local_links(links: list[tuple[str, str]], base: str, jquery: bool) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        local = _local_url(url, base, jquery)
        if local is not None:
            out.append((name, local))
    return out


def _local_url(url: str, base: str, jquery: bool) -> str | None:
    """Vendored URL for ``url``; None to drop it; raises for an unknown external URL."""
    if not _is_external(url):
        return url
    if url in DROPPED_URLS or (url == _JQUERY_URL and not jquery):
        return None
    path = CDN_TO_VENDORED.get(url)
    if path is None:
        raise OfflineError(
            f"no vendored copy of {url}; vendor it under {VENDOR_DIR} and add it to "
            "CDN_TO_VENDORED, or stop using the element that needs it"
        )
    if not (VENDOR_DIR / path).is_file():
        raise OfflineError(f"vendored file missing: {VENDOR_DIR / path}")
    return f"{base}/{path}"


def _is_external(url: str) -> bool:
    return url.startswith(("http:", "https:", "//"))


def _check_base(asset_base: str) -> str:
    if not isinstance(asset_base, str) or not asset_base.strip("/ "):
        raise ValueError(
            f"asset_base must be a URL path such as '/static/vendor'; got {asset_base!r}"
        )
    if _is_external(asset_base) or ":" in asset_base.split("/")[0]:
        raise ValueError(
            f"asset_base must be a path on the app's own host (e.g. '/static/vendor'); "
            f"got {asset_base!r}"
        )
    return asset_base.rstrip("/")


def _escape(text: Any) -> str:
    return _html.escape(str(text), quote=True)
