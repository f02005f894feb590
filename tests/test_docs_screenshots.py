"""The pictures in docs/ are the small first screens the browser tests make
(``tests/e2e/test_screenshots.py``, renewed with ``UPDATE_SCREENSHOTS=1``), and the README shows
the map's at its top."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
#: Each picture's size in CSS px (the browser tests' viewports) and where it is shown.
PICTURES = {
    "screenshot-map.png": ((1366, 900), "README.md"),
    "screenshot-patrol.png": ((360, 740), "docs/patrol.md"),
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_the_docs_pictures_are_small_first_screens_and_shown(name: str) -> None:
    size, shown_in = PICTURES[name]
    path = ROOT / "docs" / name
    assert path.stat().st_size < 150_000, f"{name}: {path.stat().st_size:,} bytes"
    with Image.open(path) as image:
        assert image.size == size
        assert image.mode == "P"  # 256 colours (tests/e2e/test_screenshots.py: small_png)
    text = (ROOT / shown_in).read_text(encoding="utf-8")
    target = f"{'docs/' if shown_in == 'README.md' else ''}{name}"
    assert f"]({target})" in text or f'src="{target}"' in text  # Markdown or an <img> with a width


def test_the_readme_opens_with_the_map() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    first_picture = next(line for line in readme if line.startswith(("![", "<img ")))
    assert "(docs/screenshot-map.png)" in first_picture or 'src="docs/screenshot-map.png"' in (
        first_picture
    )
    assert 'alt="' in first_picture or first_picture.startswith("![")  # a text alternative
    assert readme.index(first_picture) < 5
