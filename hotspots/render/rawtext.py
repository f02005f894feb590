"""Render folium maps without branca's second template pass (an injection hole, and slow).

branca (folium's page model) renders each element's ``header``/``html``/``script`` macro and adds
the resulting *text* to the page as ``Element(text)``. ``Element(text)`` compiles that text as a
new Jinja template, which the page then renders a second time. Two consequences:

- **security**: any data text that reaches a map and looks like Jinja (``{{ ... }}``,
  ``{% ... %}``) is executed on the server: a ward popup or a raid operation named
  ``{{ 7*7 }}`` shows ``49``, and Jinja without a sandbox reaches Python objects;
- **speed**: every map compiles its GeoJSON (hundreds of kB) as a template: more than half of
  the time :func:`hotspots.render.render_html` took.

:class:`RawText` holds text already rendered and renders to exactly that text. :func:`install`
replaces :meth:`branca.element.MacroElement.render` with a copy that adds :class:`RawText`
instead of ``Element(text)``; the page is otherwise byte for byte the same (tested). It is
installed when :mod:`hotspots.render` is imported; our own code adds fixed HTML with
:class:`RawText` too.
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, Figure, MacroElement

__all__ = ["RawText", "install", "installed"]


class RawText(Element):
    """Text that is already rendered: put into the page as it is, never read as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawText"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        """The text, unchanged."""
        return self.text


def _render_macro(self: MacroElement, **kwargs: Any) -> None:
    """:meth:`branca.element.MacroElement.render` (branca 0.8), adding :class:`RawText`."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("You cannot render this Element if it is not in a Figure.")
    macros = self._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(RawText(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


_ORIGINAL = MacroElement.render


def install() -> None:
    """Make every :class:`~branca.element.MacroElement` render through :class:`RawText`."""
    MacroElement.render = _render_macro  # type: ignore[method-assign]


def installed() -> bool:
    """True when :func:`install` is in effect."""
    return MacroElement.render is _render_macro


def original_render(element: MacroElement, **kwargs: Any) -> None:
    """branca's own ``MacroElement.render`` (for the tests that compare the two)."""
    _ORIGINAL(element, **kwargs)
