"""Maps never read data text as a template, and render as branca would otherwise.

branca adds every element's rendered text to the page as ``Element(text)``, which compiles the
text as a Jinja template and renders it again: ``{{ 7*7 }}`` in a ward name became ``49``.
:mod:`hotspots.render.rawtext` (installed by ``import hotspots.render``) adds the text as it is.
"""

from __future__ import annotations

import dataclasses
import re

import folium
import geopandas as gpd
import pytest

from hotspots import Analysis, Period, Store, analyse, schema
from hotspots.render import compare_map, period_map, rawtext, render_html

JINJA = "{{ 7*7 }} {% if true %}yes{% endif %} {# note #}"


@pytest.fixture(scope="module")
def year(demo_store: Store) -> Analysis:
    return analyse(demo_store, Period("2025-01", "2025-12"))


def planted(year: Analysis) -> Analysis:
    """Jinja syntax in a ward name, an offence location, a raid operation and a hotspot place."""
    wards = year.wards.copy()
    wards.loc[wards.index[0], schema.WARD_NAME] = JINJA
    events = year.events.copy()
    offence = events.index[(events[schema.LAYER] == "offence").to_numpy()][0]
    raid = events.index[(events[schema.LAYER] == "raid").to_numpy()][0]
    events.loc[[offence, raid], schema.LOCATION] = JINJA
    events.loc[raid, "operation"] = JINJA
    hotspots = year.hotspots.copy()
    hotspots.loc[hotspots.index[0], "top_location"] = JINJA
    return dataclasses.replace(year, wards=wards, events=events, hotspots=hotspots)


def test_installed_by_importing_render() -> None:
    assert rawtext.installed()


@pytest.mark.parametrize("offences", ["heat", "clusters"])
def test_jinja_in_data_is_shown_as_text_never_run(
    year: Analysis, demo_store: Store, offences: str
) -> None:
    page = render_html(
        period_map(
            planted(year),
            show_offences=offences,  # type: ignore[arg-type]
            force_area=demo_store.load_boundary("force_area"),
        ),
        "/static/vendor",
    )
    assert page.count("{{ 7*7 }}") >= 4  # ward popup and label, raid popup, hotspot popup
    assert "{% if true %}yes{% endif %}" in page
    assert "{# note #}" in page
    assert " 49 " not in page


def test_compare_map_shows_jinja_as_text(year: Analysis, demo_store: Store) -> None:
    a = planted(year)
    page = render_html(compare_map(a, a), "/static/vendor")
    assert "{{ 7*7 }}" in page
    assert " 49 " not in page


def normalised(page: str) -> str:
    """``page`` with folium's random element ids numbered in order of appearance."""
    ids: dict[str, str] = {}
    number = lambda m: ids.setdefault(m[0], str(len(ids)))  # noqa: E731
    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", number, page)


def test_same_page_as_branca_for_ordinary_text(year: Analysis, demo_store: Store) -> None:
    """The same map rendered by branca's own MacroElement.render gives the same page."""
    area = demo_store.load_boundary("force_area")
    ours = render_html(period_map(year, force_area=area), "/static/vendor")
    try:
        folium.elements.MacroElement.render = rawtext.original_render  # type: ignore[method-assign]
        assert not rawtext.installed()
        theirs = render_html(period_map(year, force_area=area), "/static/vendor")
    finally:
        rawtext.install()
    assert rawtext.installed()
    assert len(ours) > 100_000
    assert ours != theirs  # different random ids...
    assert normalised(ours) == normalised(theirs)  # ...and nothing else


def test_raw_text_renders_unchanged() -> None:
    text = "<script>var a = '{{ x }}';</script>"
    assert rawtext.RawText(text).render() == text
    figure = folium.Figure()
    figure.header.add_child(rawtext.RawText(text), name="t")
    assert text in figure.render()


def test_render_outside_a_figure_is_refused() -> None:
    element = folium.elements.MacroElement()
    with pytest.raises(TypeError, match="not in a Figure"):
        element.render()


def test_geometry_memo_gives_the_same_map(year: Analysis, demo_store: Store) -> None:
    """Wards drawn from the memo equal wards projected afresh; changed wards are not reused."""
    from hotspots.render import layers

    fresh = layers.to_wgs84(year.wards, "wards")
    memo1 = layers.to_wgs84(year.wards, "wards", fixed=True)
    memo2 = layers.to_wgs84(year.wards, "wards", fixed=True)
    assert memo1.geometry.geom_equals_exact(fresh.geometry, tolerance=0).all()
    assert memo2.geometry.to_numpy()[0] is memo1.geometry.to_numpy()[0]  # from the memo
    moved = year.wards.copy()
    moved["geometry"] = moved.geometry.translate(1000, 0)
    shifted = layers.to_wgs84(gpd.GeoDataFrame(moved, crs=year.wards.crs), "wards", fixed=True)
    assert not shifted.geometry.geom_equals_exact(fresh.geometry, tolerance=1e-6).any()
