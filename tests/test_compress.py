"""Compressed responses (web/compress.py): text and GeoJSON compressed when the client accepts
it, the same bytes after decoding, binary formats never recompressed, and a client holding a
compressed answer's ETag still gets 304."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import pytest
from flask import Flask

from tests.accounts import ensure_user
from tests.helpers import AppFactory

AUTUMN = "from=2025-09&to=2025-11"
EVERY = "zstd, br, gzip, deflate"


@pytest.fixture
def app(app_factory: AppFactory, tmp_path: Path) -> Flask:
    app = app_factory(
        USERS_DB=str(tmp_path / "u.sqlite3"),
        WARM_PRESETS=0,
        CACHE_DIR="",
        TESTING=True,
        TRUSTED_USER_HEADER="X-User",
    )
    ensure_user(app, "analyst", name="ana")
    return app


USER = {"X-User": "ana"}


def test_map_frame_is_gzipped_when_accepted_and_identical_decoded(app: Flask) -> None:
    client = app.test_client()
    plain = client.get(f"/map/frame?{AUTUMN}", headers=USER)
    assert "Content-Encoding" not in plain.headers  # nothing accepted: nothing compressed
    zipped = client.get(f"/map/frame?{AUTUMN}", headers={**USER, "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 4  # a map frame is mostly repeated text
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'


@pytest.mark.parametrize(
    "url",
    [
        f"/map/frame?{AUTUMN}",  # a cached page body
        f"/api/v1/wards?{AUTUMN}",  # a streamed download
        "/ogc/collections/wards/items?datetime=2025-11",
    ],
)
@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_a_repeat_with_the_compressed_etag_gets_304(app: Flask, url: str, encoding: str) -> None:
    client = app.test_client()
    first = client.get(url, headers={**USER, "Accept-Encoding": encoding})
    assert first.status_code == 200
    etag = first.headers.get("ETag")
    if etag is None:
        pytest.skip(f"{url} sends no ETag")
    assert first.headers["Content-Encoding"] == encoding and etag.endswith(f':{encoding}"')
    again = client.get(url, headers={**USER, "Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag  # the tag the client holds
    assert again.data == b""


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_streamed_geojson_is_compressed_and_decodes(app: Flask, encoding: str) -> None:
    client = app.test_client()
    plain = client.get(f"/api/v1/wards?{AUTUMN}", headers=USER)
    assert plain.is_streamed and "Content-Encoding" not in plain.headers
    packed = client.get(f"/api/v1/wards?{AUTUMN}", headers={**USER, "Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    decode = brotli.decompress if encoding == "br" else gzip.decompress
    got, want = json.loads(decode(packed.data)), json.loads(plain.data)
    got["metadata"].pop("generated"), want["metadata"].pop("generated")  # the export's clock
    assert got == want
    assert len(packed.data) < len(plain.data) / 3


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        (f"/api/v1/wards?{AUTUMN}&format=gpkg", "application/geopackage+sqlite3"),
        (f"/api/v1/wards?{AUTUMN}&format=parquet", "application/vnd.apache.parquet"),
        (f"/briefing.png?{AUTUMN}", "image/png"),
        (f"/briefing.pdf?{AUTUMN}", "application/pdf"),
    ],
)
def test_binary_formats_are_never_recompressed(app: Flask, url: str, mimetype: str) -> None:
    response = app.test_client().get(url, headers={**USER, "Accept-Encoding": EVERY})
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "Content-Encoding" not in response.headers
