"""The pictures in ``docs/``: the map page at 1366×900 (the README's) and the phone patrol plan at
360×740 (docs/patrol.md's), each the first screen as a person sees it on the demo data.

Every run makes both (in ``tests/artifacts/screenshots/``) and checks they stay small; with
``UPDATE_SCREENSHOTS=1`` they replace ``docs/screenshot-map.png`` and
``docs/screenshot-patrol.png``, and the test checks the files were rewritten::

    UPDATE_SCREENSHOTS=1 pytest tests/e2e/test_screenshots.py

The pictures are taken here, as soon as the page has drawn and before any other check, so a
failing check elsewhere never leaves a stale picture; they are reduced to 256 colours and
optimised with Pillow (``small_png``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.browsing import DESKTOP_HEIGHT, PHONE_HEIGHT, SCREENSHOTS, BrowsedPage
from tests.e2e.test_browser import draw_map

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The largest picture kept in docs/, bytes.
MAX_BYTES = 150_000


def small_png(png: bytes) -> bytes:
    """``png`` in 256 colours, optimised: what docs/ keeps."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    return out.getvalue()


def keep(name: str, png: bytes, size: tuple[int, int]) -> Path:
    """Write the small picture ``name`` to the artifacts (and to docs/ with UPDATE_SCREENSHOTS);
    check its size in pixels and bytes and, when updating, that docs/ holds it now."""
    data = small_png(png)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / name).write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == size
    assert len(data) < MAX_BYTES, f"{name}: {len(data):,} bytes"
    target = DOCS / name
    if os.environ.get("UPDATE_SCREENSHOTS"):
        target.write_bytes(data)
        assert target.read_bytes() == data, f"{target} was not rewritten"
    return target


@pytest.mark.parametrize("viewport_width", [1366])
def test_the_map_screenshot(page: BrowsedPage, viewport_width: int) -> None:
    page.goto("/")
    frame, _ = draw_map(page)
    frame.wait_for_selector(".leaflet-marker-icon.hs-rank", state="attached")  # the hotspots
    page.page.evaluate("() => document.fonts.ready")
    keep("screenshot-map.png", page.page.screenshot(), (viewport_width, DESKTOP_HEIGHT))
    page.clean()


@pytest.mark.parametrize("role", ["officer"])
@pytest.mark.parametrize("viewport_width", [360])
def test_the_phone_patrol_plan_screenshot(page: BrowsedPage, viewport_width: int) -> None:
    page.goto("/patrol")
    page.page.locator(".place-list li").first.wait_for()
    page.page.evaluate("() => document.fonts.ready")
    keep("screenshot-patrol.png", page.page.screenshot(), (viewport_width, PHONE_HEIGHT))
    page.clean()
