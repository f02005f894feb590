"""The briefing PDF is legible (issue 14, deliverable 7): its key draws the hotspot marks the map
draws (same symbol, colour and size) and no ward or place name is cut or runs into the next
column. Read back from the PDF with poppler (``pdftotext``, ``pdftoppm``) as a reader's viewer
would draw it, and from matplotlib's own Agg rendering of the map.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image
from scipy import ndimage
from shapely.geometry import box

from hotspots.analysis import Analysis, analyse, store_months
from hotspots.briefing import briefing_figures, briefing_image, monthly_counts, trend_months
from hotspots.briefing.style import HOTSPOT
from hotspots.briefing.textfit import fill, width_pt
from hotspots.briefing.ward_map import distance_label, draw_map, scale_bar_m
from hotspots.periods import Period
from hotspots.render import classes as cls
from hotspots.store import Store
from tests.helpers import store_of_rows, street_row

#: The demo store's latest quarter (the briefing's default period).
LATEST = ("2025-10", "2025-12")
DPI = 150


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install poppler-utils ({tool}) to check the PDF briefing")
        pytest.skip(f"{tool} (Debian poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def latest(demo_store: Store) -> tuple[Analysis, dict[str, Any]]:
    analysis = analyse(demo_store, Period.months(*LATEST))
    months = trend_months(analysis.period, analysis.compare_to, store_months(demo_store))
    monthly = monthly_counts(demo_store.load(columns=["layer", "month"]), months)
    return analysis, briefing_figures(analysis, monthly=monthly, wards_vintage="December 2023")


def _pdf(analysis: Analysis, figures: dict[str, Any], path: Path) -> Path:
    path.write_bytes(
        briefing_image(
            analysis, figures, marking="OFFICIAL", data_date="Data to Dec 2025", fmt="pdf"
        )
    )
    return path


class _Words(HTMLParser):
    """``pdftotext -bbox`` output as (text, xMin, yMin, xMax, yMax) in points, y down."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[tuple[str, float, float, float, float]] = []
        self._box: tuple[float, float, float, float] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "word":
            a = {k: float(v or 0) for k, v in attrs}
            self._box = (a["xmin"], a["ymin"], a["xmax"], a["ymax"])

    def handle_data(self, data: str) -> None:
        if self._box is not None:
            self.words.append((data, *self._box))
            self._box = None


def _words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    out = subprocess.run(
        [_poppler("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    parser = _Words()
    parser.feed(out.stdout)
    return parser.words


def _text(pdf: Path) -> str:
    out = subprocess.run(
        [_poppler("pdftotext"), "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(out.stdout.split())


def _names(figures: dict[str, Any]) -> list[str]:
    """Every ward and place name the briefing's tables print."""
    movers = [
        f"{w['ward_name']} ({w['district_name']})"
        for k in ("rising", "falling")
        for w in figures[k]
    ]
    places = [h["place"].removeprefix("On or near ") for h in figures["hotspots"]]
    return movers + places + [h["ward_name"] for h in figures["hotspots"]]


def _clear_of_the_next_column(
    words: list[tuple[str, float, float, float, float]], name: str, columns: int
) -> None:
    """Each line of ``name`` in the PDF ends before the next word on its line (the next
    column: a count), by at least 2 points; ``columns`` words at least follow its first line."""
    tokens = name.split()
    for i in range(len(words)):
        if [w[0] for w in words[i : i + len(tokens)]] != tokens:
            continue
        found = words[i : i + len(tokens)]
        lines: dict[float, list[tuple[str, float, float, float, float]]] = {}
        for w in found:
            lines.setdefault(round(w[2]), []).append(w)
        for y, on_line in lines.items():
            end = max(w[3] for w in on_line)
            start = min(w[1] for w in on_line)
            after = [w for w in words if abs(w[2] - y) < 2 and w[1] > start and w not in found]
            if y == round(found[0][2]):
                assert len(after) >= columns, (name, after)
            if after:
                gap = min(w[1] for w in after) - end
                assert gap >= 2, f"{name!r} runs into {after[0][0]!r} (gap {gap:.1f} pt)"
        return
    pytest.fail(f"{name!r} is not in the PDF as whole words")


def _laid_out(words: list[tuple[str, float, float, float, float]]) -> None:
    """Every word lies inside the page's margins (1.5% of its width each side: a printer's
    unprintable edge) and no word is drawn over another."""
    page_w = 841.9  # A4 landscape, points
    outside = [w for w in words if w[1] < 0.015 * page_w - 1 or w[3] > 0.985 * page_w + 1]
    assert outside == [], outside[:5]
    # poppler's boxes run from the font's ascent to its descent: keep the middle 40% of each
    # line's height (where letters overlap if lines or columns do), less 0.5 pt each side
    boxes = np.array([w[1:] for w in words])
    height = boxes[:, 3] - boxes[:, 1]
    boxes += np.c_[np.full(len(boxes), 0.5), 0.3 * height, np.full(len(boxes), -0.5), -0.3 * height]
    x0, y0, x1, y1 = boxes.T
    over = (x0[:, None] < x1) & (x0 < x1[:, None]) & (y0[:, None] < y1) & (y0 < y1[:, None])
    np.fill_diagonal(over, False)
    pairs = [(words[i][0], words[j][0]) for i, j in zip(*np.nonzero(np.triu(over)), strict=True)]
    assert pairs == [], pairs[:5]


def test_no_name_is_cut_in_the_latest_quarters_pdf(latest: tuple, tmp_path: Path) -> None:
    analysis, f = latest
    assert f["period"] == "Oct–Dec 2025"
    pdf = _pdf(analysis, f, tmp_path / "latest.pdf")
    text = _text(pdf)
    assert "…" not in text and "..." not in text
    assert "Eye, Thorney and Newborough (Peterborough)" in _names(f)  # the name once cut
    for name in _names(f):
        assert name in text, name
    words = _words(pdf)
    _laid_out(words)
    for w in f["falling"] + f["rising"]:
        _clear_of_the_next_column(words, f"{w['ward_name']} ({w['district_name']})", 3)


def test_the_longest_names_in_the_store_are_printed_whole(
    latest: tuple, demo_store: Store, tmp_path: Path
) -> None:
    """The store's longest ward (district) and place names, in each table of the PDF."""
    analysis, f = latest
    wards = analysis.wards
    full = wards["ward_name"] + " (" + wards["district_name"] + ")"
    longest = wards.loc[full.str.len().idxmax()]
    assert len(f"{longest.ward_name} ({longest.district_name})") >= 50
    place = max(analysis.hotspots["top_location"], key=len)
    g = copy.deepcopy(f)
    for key in ("rising", "falling"):
        g[key][0]["ward_name"] = str(longest.ward_name)
        g[key][0]["district_name"] = str(longest.district_name)
    g["hotspots"][0]["ward_name"] = str(longest.ward_name)
    g["hotspots"][0]["place"] = str(place)
    pdf = _pdf(analysis, g, tmp_path / "long.pdf")
    text = _text(pdf)
    for name in _names(g):
        assert name in text, name
    words = _words(pdf)
    _laid_out(words)
    _clear_of_the_next_column(words, f"{longest.ward_name} ({longest.district_name})", 3)
    _clear_of_the_next_column(words, str(place).removeprefix("On or near "), 1)
    _clear_of_the_next_column(words, str(longest.ward_name), 2)


# -- the hotspot key -------------------------------------------------------------------------------


def _map_figure(analysis: Analysis, f: dict[str, Any]) -> tuple[Figure, Any, np.ndarray]:
    """The ward map alone, drawn as the briefing draws it, with its Agg pixels (RGB, y down)."""
    fig = Figure(figsize=(4.7, 5.3), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_map(ax, analysis.wards, None, analysis, f)
    canvas.draw()
    return fig, ax, np.asarray(canvas.buffer_rgba())[..., :3]


def _marks(ax: Any, size_pt: float) -> list[Line2D]:
    return [ln for ln in ax.lines if ln.get_marker() == "o" and ln.get_markersize() == size_pt]


def _style(line: Line2D) -> tuple:
    return (
        line.get_marker(),
        line.get_markersize(),
        line.get_markerfacecolor(),
        line.get_markeredgecolor(),
        line.get_markeredgewidth(),
    )


def test_the_wards_are_shaded_in_the_map_pages_classes(latest: tuple) -> None:
    # Before: the briefing cut its own classes (quantiles 25/50/75/95%, YlGnBu, "0" and "41+")
    # while the map page, its GeoPackage style and the docs used none + quartiles in Blues: two
    # keys for the same wards. Now both come from hotspots.render.classes.
    analysis, f = latest
    _, ax, _ = _map_figure(analysis, f)
    counts = analysis.wards["offence_count"].to_numpy(dtype=float)
    classes = cls.sequential_classes(counts, integer=True)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[: len(classes.labels)] == list(classes.labels)
    assert texts[0] == "none" and len(classes.labels) >= 3
    wards = ax.collections[0]
    want = [to_rgba(classes.colour(c)) for c in counts]
    assert [tuple(c) for c in wards.get_facecolors()] == want


def test_the_key_draws_the_hotspot_marks_of_the_map(latest: tuple) -> None:
    analysis, f = latest
    _, ax, _ = _map_figure(analysis, f)
    dots, badges = _marks(ax, HOTSPOT.dot_pt), _marks(ax, HOTSPOT.badge_pt)
    assert len(dots) == len(badges) == len(f["hotspots"]) == 5
    ranks = [
        t.get_text()
        for t in ax.texts
        if t.get_fontsize() == HOTSPOT.rank_font_pt and t.get_weight() == "bold"
    ]
    assert ranks == ["1", "2", "3", "4", "5"]
    handles = ax.get_legend().legend_handles
    key_dot, key_badge = handles[-2], handles[-1]
    assert {_style(d) for d in dots} == {_style(key_dot)}
    assert {_style(b) for b in badges} == {_style(key_badge)}
    assert _style(key_dot)[2] == HOTSPOT.fill and _style(key_badge)[2] == HOTSPOT.badge_fill


def _white_disc_width(pixels: np.ndarray, line: Line2D) -> int:
    """Width in pixels of the white inside of a rank's circle drawn by ``line`` (the part of
    the white region left of the rank's digit, mirrored: the digit sits in the middle)."""
    x, y = line.get_transform().transform(line.get_xydata()[0])
    row, col = round(pixels.shape[0] - y), round(x)
    white = (pixels > 235).all(axis=2)
    labels, _ = ndimage.label(white)
    radius_px = HOTSPOT.badge_pt / 72 * DPI / 2
    seed = (row, round(col - radius_px * 0.6))  # between the digit and the ring
    label = labels[seed]
    assert label, f"no white inside the circle at {seed}"
    cols = np.nonzero((labels == label).any(axis=0))[0]
    assert cols.max() - cols.min() < 2 * radius_px, "the circle's ring is open"
    return int(2 * (col - cols.min()))


def test_the_keys_marks_are_the_maps_size_and_colour_in_pixels(
    latest: tuple, tmp_path: Path
) -> None:
    analysis, f = latest
    _, ax, pixels = _map_figure(analysis, f)
    key_badge = ax.get_legend().legend_handles[-1]
    widths = {_white_disc_width(pixels, b) for b in _marks(ax, HOTSPOT.badge_pt)}
    widths.add(_white_disc_width(pixels, key_badge))
    assert max(widths) - min(widths) <= 2, widths  # one size, to anti-aliasing
    expected = (HOTSPOT.badge_pt - HOTSPOT.badge_edge_pt) / 72 * DPI
    assert abs(min(widths) - expected) <= 3, (widths, expected)

    # the PDF as poppler draws it: one orange dot per top hotspot on the map and one in the key,
    # each the same size (the hotspot areas alone are specks: the key must not promise more)
    pdf = _pdf(analysis, f, tmp_path / "latest.pdf")
    subprocess.run(
        [_poppler("pdftoppm"), "-png", "-r", str(DPI), str(pdf), str(tmp_path / "page")],
        check=True,
    )
    with Image.open(next(tmp_path.glob("page*.png"))) as image:
        page = np.asarray(image.convert("RGB")).astype(int)
    fill = np.array([int(HOTSPOT.fill[i : i + 2], 16) for i in (1, 3, 5)])
    orange = (np.abs(page - fill) <= 24).all(axis=2)
    h, w = orange.shape
    orange[:, int(0.42 * w) :] = False  # the map's column only
    orange[: int(0.28 * h), :] = False  # below the cards
    labels, n = ndimage.label(orange)
    sizes = np.bincount(labels.ravel())[1:]
    assert n == len(f["hotspots"]) + 1, sizes
    dot_px = np.pi * (HOTSPOT.dot_pt / 72 * DPI / 2) ** 2
    assert all(0.5 * dot_px < s < 1.3 * dot_px for s in sizes), (sizes, dot_px)
    assert sizes.max() - sizes.min() <= 0.2 * sizes.max(), sizes


def test_fill_breaks_by_the_fonts_width_not_by_characters() -> None:
    narrow = "iiii iiii"
    column = width_pt(narrow, 7) + 0.1
    assert width_pt("WWWW WWWW", 7) > column  # same characters, wider letters
    assert fill("iiii iiii WWWW WWWW", column, 7) == "iiii iiii\nWWWW\nWWWW"
    assert fill("Supercalifragilistic word", 10, 7) == "Supercalifragilistic\nword"  # kept whole
    assert fill("a b c", 100, 7, indent="  ") == "a b c"
    assert fill("• aaaa bbbb", width_pt("• aaaa", 7) + 0.1, 7, indent="  ") == "• aaaa\n  bbbb"


# -- the key's place ---------------------------------------------------------------------------


def _hidden_by_key(analysis: Analysis, f: dict[str, Any]) -> tuple[int, float]:
    """How many top hotspot marks (dots and ranks) the map's key covers, and the share of the
    wards' area under it."""
    fig, ax, _ = _map_figure(analysis, f)
    renderer = fig.canvas.get_renderer()
    key = ax.get_legend().get_window_extent(renderer)
    marks = _marks(ax, HOTSPOT.dot_pt) + _marks(ax, HOTSPOT.badge_pt)
    spots = [m.get_transform().transform(m.get_xydata()[0]) for m in marks]
    hidden = sum(bool(key.contains(x, y)) for x, y in spots)
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(key.x0, key.y0), (key.x1, key.y1)])
    wards = analysis.wards.geometry
    under = float(wards.intersection(box(x0, y0, x1, y1)).area.sum() / wards.area.sum())
    return hidden, under


def test_the_key_hides_no_hotspot_and_little_of_another_forces_wards(
    merseyside_store: Store,
) -> None:
    """Before: the key sat in the lower left, where Cambridgeshire has no wards; on Merseyside
    that is the Wirral: it covered 22% of the force's ward area (140 km²) and the dot and rank of
    hotspot 5 (Dawson Avenue, Bidston) in the Oct-Dec 2019 briefing."""
    analysis = analyse(merseyside_store, Period.months("2019-10", "2019-12"))
    months = trend_months(analysis.period, analysis.compare_to, store_months(merseyside_store))
    monthly = monthly_counts(merseyside_store.load(columns=["layer", "month"]), months)
    f = briefing_figures(analysis, monthly=monthly)
    hidden, under = _hidden_by_key(analysis, f)
    assert hidden == 0
    assert under < 0.01, under


def test_the_key_hides_no_hotspot_on_the_demo(latest: tuple) -> None:
    hidden, under = _hidden_by_key(*latest)
    assert hidden == 0
    assert under < 0.02, under  # its lower left, as before


def test_the_key_lies_beside_a_force_wider_than_its_map(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    """South Wales (Swansea to Cardiff, 2019) and the City of London are wider than the map's
    panel: the map was fitted to the force, so the panel shrank to its shape, and every corner
    of the key lay on wards (the Gower; Farringdon Without). Now the map fills the panel and
    the key lies in the room above or below. The hand-made force is 2 km wide and 1 km tall
    (wards Alpha and Bravo), the panel 4.7 x 5.3 in: by hand the key, about 1.2 x 1.3 in, fits in
    the (5.3 - 4.7 / 2) / 2 = 1.5 in left above and below the wards."""
    rows = [street_row(f"o{k}", 500500 + 10 * k, 200500, month="2025-01") for k in range(6)]
    rows += [street_row(f"b{k}", 501500, 200500, month="2025-01") for k in range(2)]
    store = Store(store_of_rows(rows, toy_boundaries, tmp_path))
    analysis = analyse(store, Period.months("2025-01", "2025-01"))
    monthly = monthly_counts(store.load(columns=["layer", "month"]), ["2025-01"])
    hidden, under = _hidden_by_key(analysis, briefing_figures(analysis, monthly=monthly))
    assert hidden == 0
    assert under == 0.0, under


@pytest.mark.parametrize(
    ("width_m", "bar"),
    [(2_000, "200 m"), (3_000, "500 m"), (41_534, "5 km"), (69_955, "10 km"), (250_000, "50 km")],
)
def test_the_scale_bar_fits_the_forces_own_map(width_m: float, bar: str) -> None:
    """Before: a 10 km bar on every map, longer than the whole map of a city force 3 km
    wide. Now a fifth of the map or less, 1, 2 or 5 times a power of ten (widths: the hand-made
    world, a city, Merseyside's and Cambridgeshire's wards, a county force)."""
    length = scale_bar_m(width_m)
    assert length <= width_m / 5
    assert distance_label(length) == bar


def test_the_demo_map_keeps_its_10_km_bar(latest: tuple) -> None:
    _, ax, _ = _map_figure(*latest)
    assert "10 km" in [t.get_text() for t in ax.texts]
