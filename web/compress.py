"""Compressed responses where the client accepts them: zstd, Brotli, gzip or deflate by
``flask-compress``, so that ``hotspots serve`` and gunicorn without a proxy send small map frames
and GeoJSON too (a proxy that compresses by itself sees ``Content-Encoding`` and leaves it).

What is compressed: text, HTML, JSON, GeoJSON, CSV, GPX and JavaScript/CSS (:data:`MIMETYPES`,
at least ``COMPRESS_MIN_SIZE`` = 500 bytes). PDFs, PNGs, GeoParquet and GeoPackage are never
recompressed: their types are not listed (PNG and Parquet are compressed already; a PDF's
streams are). Streamed downloads (``/api/v1`` exports) are compressed as they stream, gzip
included (flask-compress leaves gzip out of streaming by default, though its chunked gzip
writer works: ``tests/test_compress.py`` decodes it; GDAL, QGIS and scripts often offer only
gzip and deflate). Figures: ``benchmarks/README.md``.

ETags: flask-compress gives a compressed answer its own strong ETag, the plain one with
``:<algorithm>`` appended (``"abc"`` → ``"abc:gzip"``), as a representation's ETag must differ
by encoding. The app's views decide 304s on the plain ETag before any work (``web.maps``,
``web.api``, ``web.ogc``), so :class:`EncodedETags` adds the plain form of each such tag to
``If-None-Match`` before Flask sees it, and :func:`_encoded_304` gives a 304 the tag the
client holds. A client holding the current compressed answer therefore still gets a cheap
304.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from flask import Flask, Response, request
from flask_compress import Compress

#: Media types compressed (flask-compress's text and JSON types, plus ours).
MIMETYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/vnd.oai.openapi+json",
    "application/gpx+xml",
    "application/xml",
    "image/svg+xml",
)
#: Encodings flask-compress may choose (each may end an ETag as ``:<name>``).
ALGORITHMS = ("zstd", "br", "gzip", "deflate")
_SUFFIX = re.compile(r":(?:" + "|".join(ALGORITHMS) + r')"')


class EncodedETags:
    """WSGI middleware: ``If-None-Match: "abc:gzip"`` also names ``"abc"``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        value = environ.get("HTTP_IF_NONE_MATCH")
        if value:
            plain = _SUFFIX.sub('"', value)
            if plain != value:
                environ["HTTP_IF_NONE_MATCH"] = f"{value}, {plain}"
        return self.app(environ, start_response)


def _encoded_304(response: Response) -> Response:
    """A 304 carries the ETag the client sent (``"abc:gzip"``), not the plain one."""
    if response.status_code == 304:
        etag, weak = response.get_etag()
        if etag and not weak:
            for name in ALGORITHMS:
                if request.if_none_match.contains(f"{etag}:{name}"):
                    response.set_etag(f"{etag}:{name}")
                    break
    return response


def _file_in_memory(response: Response) -> Response:
    """A compressible file answer (``send_file``: the stylesheets and scripts) read into memory
    and its file closed, before flask-compress wraps it: compressing the file wrapper as a
    stream left the file open (a ``ResourceWarning`` per page in the browser tests)."""
    body = response.response
    if (
        response.status_code == 200
        and response.direct_passthrough
        and response.mimetype in MIMETYPES
        and hasattr(body, "close")
    ):
        try:
            data = b"".join(cast(Iterable[bytes], body))
        finally:
            body.close()
        response.direct_passthrough = False
        response.set_data(data)
    return response


def init_app(app: Flask) -> None:
    """Compress the app's responses (settings: flask-compress's ``COMPRESS_*`` keys)."""
    app.config.setdefault("COMPRESS_MIMETYPES", list(MIMETYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", list(ALGORITHMS))
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", list(ALGORITHMS))
    Compress(app)
    # after_request functions run last-registered first: these see the answer before
    # flask-compress does.
    app.after_request(_file_in_memory)
    app.after_request(_encoded_304)
    app.wsgi_app = EncodedETags(app.wsgi_app)  # type: ignore[method-assign]


__all__ = ["ALGORITHMS", "MIMETYPES", "EncodedETags", "init_app"]
