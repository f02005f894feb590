"""Text of the briefing fitted to a width in points, as the page's font draws it.

:func:`fill` breaks text at spaces so that no line is wider than a column, measured with the
font matplotlib draws it in (:class:`matplotlib.textpath.TextToPath`, the same DejaVu Sans
metrics the PNG and PDF use). Hand-written because :func:`textwrap.fill` counts characters,
not widths: a line of 58 characters ran 1 pt past its column and 6 pt past the page's margin,
and a 36-character ward name could run into the counts beside it. A word wider than the column
is kept whole on its own line (never cut), and :func:`width_pt` lets a caller size columns.
"""

from __future__ import annotations

from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

__all__ = ["fill", "width_pt"]

_MEASURE = TextToPath()


@lru_cache(maxsize=4096)
def width_pt(text: str, size_pt: float, weight: str = "normal") -> float:
    """Width of one line of ``text`` at ``size_pt`` points, in points."""
    prop = FontProperties(size=size_pt, weight=weight)
    width, _height, _descent = _MEASURE.get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def fill(
    text: str, column_pt: float, size_pt: float, *, indent: str = "", weight: str = "normal"
) -> str:
    """``text`` on lines no wider than ``column_pt`` points (breaking at spaces), later lines
    starting with ``indent``; a single word wider than the column gets a line of its own."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else (indent if lines else "") + word
        if line and width_pt(candidate, size_pt, weight) > column_pt:
            lines.append(line)
            line = indent + word
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)
