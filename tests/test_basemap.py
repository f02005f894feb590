"""The base map from a file: readers, the /tiles route, the map frame, the static maps."""

from __future__ import annotations

import base64
import functools
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from hotspots.basemap import BaseMapError, image_bng, open_basemap
from tests.accounts import sign_in
from tests.basemaps import ATTRIBUTION, COLOURS, make_mbtiles, make_pmtiles, png
from tests.helpers import AppFactory

MAKERS: dict[str, Callable[[Path], Path]] = {
    "mbtiles": lambda folder: make_mbtiles(folder / "base.mbtiles"),
    "pmtiles": lambda folder: make_pmtiles(folder / "base.pmtiles"),
}


@pytest.fixture(params=sorted(MAKERS))
def basemap_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return MAKERS[request.param](tmp_path)


def test_files_give_each_xyz_tile_and_nothing_outside(basemap_file: Path) -> None:
    basemap = open_basemap(basemap_file)
    assert (basemap.min_zoom, basemap.max_zoom, basemap.format) == (0, 1, "png")
    assert basemap.attribution == ATTRIBUTION
    for (z, x, y), colour in COLOURS.items():  # y flipped back for MBTiles' TMS rows
        assert basemap.tile(z, x, y) == png(colour), (z, x, y)
    assert basemap.tile(2, 0, 0) is None  # deeper than the file
    assert basemap.tile(1, 2, 0) is None  # outside the world at zoom 1
    assert basemap.tile(1, 0, -1) is None


def test_bad_files_are_refused_with_their_name(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(BaseMapError, match=r"notes\.txt: neither an MBTiles"):
        open_basemap(text)
    vector = make_mbtiles(tmp_path / "vector.mbtiles", format="pbf")
    with pytest.raises(BaseMapError, match="expected raster tiles"):
        open_basemap(vector)
    with pytest.raises(BaseMapError, match=r"missing\.pmtiles: cannot read"):
        open_basemap(tmp_path / "missing.pmtiles")


def test_image_bng_is_the_tile_under_each_pixel(tmp_path: Path) -> None:
    basemap = open_basemap(make_mbtiles(tmp_path / "b.mbtiles"))
    # zoom 1 quarters meet at lon 0, lat 0; a BNG box straddling the Greenwich meridian
    # (x about 540 km at 51.5 N) gives red (north-west) on the left, green (north-east) on the
    # right; at 5 km per pixel the zoom chosen is the file's deepest, 1.
    image = image_bng(basemap, (500_000.0, 150_000.0, 580_000.0, 200_000.0), 16, 10)
    assert image is not None and image.shape == (10, 16, 4)
    assert tuple(image[5, 0, :3]) == (255, 0, 0)
    assert tuple(image[5, -1, :3]) == (0, 255, 0)
    assert (image[..., 3] == 255).all()
    empty = open_basemap(make_mbtiles(tmp_path / "e.mbtiles", {(1, 1, 1): (1, 2, 3)}))
    assert image_bng(empty, (500_000.0, 150_000.0, 580_000.0, 200_000.0), 4, 4) is None


@pytest.fixture
def tiles_app(app_factory: AppFactory, basemap_file: Path, tmp_path: Path) -> Flask:
    return app_factory(
        TESTING=True,
        BASEMAP=str(basemap_file),
        USERS_DB=str(tmp_path / "users.sqlite3"),
        CACHE_DIR="",
        WARM_PRESETS=0,
    )


def test_tile_route_serves_xyz_tiles_with_etag_and_404(tiles_app: Flask) -> None:
    client = sign_in(tiles_app.test_client(), "officer")
    for (z, x, y), colour in COLOURS.items():
        response = client.get(f"/tiles/{z}/{x}/{y}")
        assert response.status_code == 200, (z, x, y)
        assert response.data == png(colour)
        assert response.mimetype == "image/png"
    response = client.get("/tiles/1/0/1")
    assert response.headers["ETag"]
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    again = client.get("/tiles/1/0/1", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/tiles/1/1/1", headers={"If-None-Match": response.headers["ETag"]})
    assert other.status_code == 200
    for missing in ("/tiles/2/0/0", "/tiles/1/2/0", "/tiles/0/0/1", "/tiles/-1/0/0"):
        assert client.get(missing).status_code == 404, missing


def test_tile_route_needs_a_sign_in_unless_public_mode(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    base = make_pmtiles(tmp_path / "b.pmtiles")
    config = {
        "BASEMAP": str(base),
        "USERS_DB": str(tmp_path / "users.sqlite3"),
        "CACHE_DIR": "",
        "WARM_PRESETS": 0,
    }
    anonymous = app_factory(**config).test_client()
    response = anonymous.get("/tiles/0/0/0")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    json_client = anonymous.get("/tiles/0/0/0", headers={"Accept": "application/json"})
    assert json_client.status_code == 401
    public = app_factory(**config, PUBLIC_MODE=True).test_client()
    assert public.get("/tiles/0/0/0").data == png(COLOURS[0, 0, 0])


def test_without_basemap_the_tile_route_is_404(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0)
    assert sign_in(app.test_client()).get("/tiles/0/0/0").status_code == 404


def test_basemap_and_tile_url_together_are_refused(app_factory: AppFactory, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BASEMAP and HOTSPOTS_TILE_URL"):
        app_factory(
            BASEMAP=str(make_mbtiles(tmp_path / "b.mbtiles")),
            TILE_URL="https://tiles.test/{z}/{x}/{y}.png",
            TILE_ATTRIBUTION="x",
        )


def test_basemap_without_attribution_needs_the_setting(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    bare = make_mbtiles(tmp_path / "bare.mbtiles", attribution="")
    config = {"BASEMAP": str(bare), "WARM_PRESETS": 0}
    with pytest.raises(ValueError, match=r"bare\.mbtiles has no attribution"):
        app_factory(**config)
    app = app_factory(**config, BASEMAP_ATTRIBUTION="Ours © us")
    assert app.extensions["basemap"].attribution == "Ours © us"


def test_map_frame_draws_on_the_served_tiles_with_attribution(tiles_app: Flask) -> None:
    client = sign_in(tiles_app.test_client(), "analyst")
    html = client.get("/map/frame?from=2025-09&to=2025-11").get_data(as_text=True)
    assert '"/tiles/{z}/{x}/{y}"' in html
    # the attribution, HTML-escaped (Leaflet shows it as HTML) inside a JSON string
    assert '"attribution": "Test tiles \\u00a9 Nobody \\u0026amp; friends"' in html
    assert '"maxNativeZoom": 1' in html


def _colour_pixels(png_bytes: bytes, colour: tuple[int, int, int]) -> int:
    image = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"))
    return int((image == np.array(colour, dtype=np.uint8)).all(axis=2).sum())


def test_briefing_map_draws_the_tiles_under_the_wards(
    tiles_app: Flask, app_factory: AppFactory, tmp_path: Path
) -> None:
    # Cambridgeshire straddles the Greenwich meridian: the zoom-1 tiles there are red
    # (north-west) and green (north-east); no other part of the page uses those pure colours.
    query = "from=2025-09&to=2025-11"
    png_bytes = sign_in(tiles_app.test_client()).get(f"/briefing.png?{query}").data
    red, green = _colour_pixels(png_bytes, (255, 0, 0)), _colour_pixels(png_bytes, (0, 255, 0))
    assert red > 500 and green > 500
    plain = app_factory(USERS_DB=str(tmp_path / "plain.sqlite3"), CACHE_DIR="", WARM_PRESETS=0)
    blank = sign_in(plain.test_client()).get(f"/briefing.png?{query}").data
    assert _colour_pixels(blank, (255, 0, 0)) == 0 and _colour_pixels(blank, (0, 255, 0)) == 0
    pdf = sign_in(tiles_app.test_client()).get(f"/briefing.pdf?{query}").data
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" in pdf
    assert b"/Subtype /Image" not in sign_in(plain.test_client()).get(f"/briefing.pdf?{query}").data


def test_patrol_mini_maps_draw_on_the_tiles(tiles_app: Flask) -> None:
    html = sign_in(tiles_app.test_client()).get("/patrol?to=2025-11").get_data(as_text=True)
    images = re.findall(r'<image [^>]*href="data:image/png;base64,([^"]+)"', html)
    assert len(images) == html.count('class="place-map"') > 0
    seen = set()
    for encoded in images:
        pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGBA"))
        colours = {tuple(int(v) for v in c) for c in pixels.reshape(-1, 4)}
        assert len(colours) == 1  # a 700 m square lies in one zoom-1 quarter
        seen |= colours
    # places in Peterborough lie west of Greenwich (red, north-west quarter), those in
    # Cambridge east of it (green, north-east): never the southern quarters (rows not flipped)
    assert seen == {(255, 0, 0, 255), (0, 255, 0, 255)}
    assert "Test tiles © Nobody &amp; friends</text>" in html
    assert "Base map: Test tiles © Nobody &amp; friends." in html


def test_patrol_mini_maps_stay_blank_without_a_basemap(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    plain = app_factory(USERS_DB=str(tmp_path / "plain.sqlite3"), CACHE_DIR="", WARM_PRESETS=0)
    html = sign_in(plain.test_client()).get("/patrol?to=2025-11").get_data(as_text=True)
    assert 'class="place-map"' in html and "<image " not in html


@pytest.mark.skipif(
    shutil.which("gdal_translate") is None, reason="gdal-bin (gdal_translate) is not installed"
)
def test_a_file_made_with_gdal_puts_each_place_where_it_is(tmp_path: Path) -> None:
    """docs/basemap.md's recipe: a BNG GeoTIFF whose red rises west to east across 8 km,
    made into MBTiles with gdal_translate (and PMTiles with pmtiles-convert); the briefing's
    resampling gives back the red of each place (to within one source pixel, 20 m)."""
    ramp = np.zeros((400, 400, 3), dtype=np.uint8)
    ramp[:, :, 0] = np.linspace(0, 255, 400).astype(np.uint8)[None, :]
    ramp[:, :, 2] = 120
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    tif, mbtiles = tmp_path / "ramp.tif", tmp_path / "ramp.mbtiles"
    run = functools.partial(subprocess.run, check=True, capture_output=True)
    corners = ["-a_ullr", "540000", "262000", "548000", "254000"]  # west north east south
    run(
        [
            "gdal_translate",
            "-q",
            "-a_srs",
            "EPSG:27700",
            *corners,
            str(tmp_path / "ramp.png"),
            str(tif),
        ]
    )
    run(["gdal_translate", "-q", "-of", "MBTILES", str(tif), str(mbtiles)])
    files = [mbtiles]
    convert = Path(sys.executable).parent / "pmtiles-convert"
    if convert.exists():
        run([str(convert), str(mbtiles), str(tmp_path / "ramp.pmtiles")])
        files.append(tmp_path / "ramp.pmtiles")
    for file in files:
        image = image_bng(open_basemap(file), (541_000.0, 255_000.0, 547_000.0, 261_000.0), 50, 50)
        assert image is not None and (image[..., 3] == 255).all()
        for col in (5, 25, 45):
            x_m = 541_000 + (col + 0.5) * 120  # the pixel centre's easting
            expected = 255 * (x_m - 540_000) / 8_000
            assert abs(int(image[25, col, 0]) - expected) <= 255 / 400 + 2, (file.name, col)
            assert image[25, col, 2] == 120


def test_tiles_are_read_right_from_many_threads(basemap_file: Path) -> None:
    basemap = open_basemap(basemap_file)
    addresses = list(COLOURS) * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda zxy: basemap.tile(*zxy), addresses))
    assert got == [png(COLOURS[zxy]) for zxy in addresses]


def test_grid_projection_between_exact_points_is_far_below_a_pixel() -> None:
    from pyproj import Transformer

    from hotspots.basemap.raster import _to_mercator

    exact = Transformer.from_crs("EPSG:27700", "EPSG:3857", always_xy=True)
    xs = 500_000 + (np.arange(700) + 0.5) * 75_000 / 700  # a force, 107 m pixels
    ys = 320_000 - (np.arange(800) + 0.5) * 85_000 / 800
    mx, my = _to_mercator(xs, ys)
    ex, ey = exact.transform(*np.meshgrid(xs, ys))
    assert np.abs(mx - ex).max() < 0.5 and np.abs(my - ey).max() < 0.5  # metres
