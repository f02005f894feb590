"""The app's store and its caches (like Flask's ``get_db``: one accessor, set up by init_app).

Analyses and rendered maps are cached in memory, least recently used first, keyed on every
filter **and** the store's data version, so a new ingest never serves a stale map.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from flask import Flask, current_app

from hotspots.analysis import store_months
from hotspots.errors import StoreError
from hotspots.store import Store
from web.diskcache import DiskCache
from web.settings import SETTINGS

T = TypeVar("T")


class LRUCache:
    """A small thread-safe least-recently-used cache.

    Concurrent requests for the same missing key compute it once ("single flight"): the others
    wait for the first one's result instead of repeating the work.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key]
        return False, None

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value for ``key``, made once (outside the cache lock) when missing."""
        found, value = self._lookup(key)
        if found:
            return value
        with self._lock:
            flight = self._pending.setdefault(key, threading.Lock())
        with flight:  # one maker per key; the others wait here, then find the value
            found, value = self._lookup(key)
            if found:
                return value
            with self._lock:
                self.misses += 1
            try:
                made = make()
                with self._lock:
                    self._items[key] = made
                    self._items.move_to_end(key)
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._pending.pop(key, None)
        return made


class StoreState:
    """The store, its manifest version and months, re-read when the manifest file changes."""

    def __init__(self, path: Path) -> None:
        self.store = Store(path)
        self._stamp: tuple[float, int] | None = None
        self.version: str | None = None
        self.months: list[str] = []
        self.events: gpd.GeoDataFrame | None = None
        self.wards: gpd.GeoDataFrame | None = None
        self.force_area: gpd.GeoDataFrame | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Re-read the manifest if it changed on disk (cheap: one ``stat``); True if it did."""
        manifest = self.store.path / "manifest.json"
        try:
            st = manifest.stat()
            stamp = (st.st_mtime, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return False
        with self._lock:
            self.version = self.store.manifest()["version"]
            self.months = store_months(self.store)
            # A force's events, in memory per version (a large force's year with every crime
            # type: ~1M rows, ~0.8 GB with its geometry; docs/benchmarks.md, "A large force").
            self.events = _plain_text(self.store.load()) if stamp else None
            has_wards = stamp and "wards" in self.store.manifest()["boundaries"]
            self.wards = self.store.load_boundary("wards") if has_wards else None
            self.force_area = self.store.load_boundary("force_area") if has_wards else None
            self._stamp = stamp
        return True


def _plain_text(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``events`` with Arrow-backed text columns as plain Python strings: the server filters
    this frame for every new view, and taking rows of ~20 Arrow text columns costs more than
    the analysis itself (values and missing values are unchanged: ``None`` stays missing).

    Each distinct value is one Python string shared by its rows (``pandas.factorize``, then the
    rows take from the distinct values): a string per row made the frame of a large force's
    year with every crime type (1.06M rows) 1.1 GB larger than its Arrow copy, the shared
    strings 0.24 GB (docs/benchmarks.md, "A large force")."""
    out = events.copy()
    for name in out.columns:
        if name != out.geometry.name and isinstance(out[name].dtype, pd.StringDtype):
            codes, distinct = pd.factorize(out[name])  # missing: code -1
            values = np.empty(len(distinct) + 1, dtype=object)
            values[:-1] = distinct.astype(object)
            values[-1] = None
            out[name] = pd.Series(values[codes], index=out.index, dtype=object)
    return out


def init_app(app: Flask, on_new_version: Callable[[Flask], object] | None = None) -> None:
    """Attach the store state and caches to the app; ``on_new_version(app)`` is called when a
    request first sees a new data version (the app factory passes
    :func:`web.warm.warm_in_background`, which makes pages with this module's caches)."""
    state = StoreState(Path(app.config["STORE"]))
    try:
        state.refresh()  # load once at start-up (with gunicorn --preload, once for all workers)
    except StoreError as exc:  # serve anyway: every page then explains the problem
        app.logger.error("store unusable at start-up: %s", exc)
    folder = app.config.get("CACHE_DIR")
    if folder is None:
        folder = Path(app.instance_path) / "cache"
    app.extensions["hotspots"] = {
        "state": state,
        "analyses": LRUCache(int(app.config["CACHE_SIZE"])),
        "pages": LRUCache(int(app.config["CACHE_SIZE"])),
        "disk": DiskCache(folder, _megabytes(app.config["CACHE_MAX_MB"])) if folder else None,
        "on_new_version": on_new_version,
    }


def _megabytes(value: Any) -> int:
    """``CACHE_MAX_MB`` in bytes."""
    return int(float(value) * 1024 * 1024)


def state() -> StoreState:
    """The store state, refreshed."""
    extensions = current_app.extensions["hotspots"]
    st: StoreState = extensions["state"]
    on_new_version = extensions["on_new_version"]
    if st.refresh() and st.events is not None and on_new_version is not None:
        # a new ingest: make the presets' pages for this version before anyone asks
        on_new_version(current_app._get_current_object())  # type: ignore[attr-defined]
    return st


def cache(name: str) -> LRUCache:
    """The ``analyses`` or ``pages`` cache (this process's memory)."""
    c: LRUCache = current_app.extensions["hotspots"][name]
    return c


def shared(
    kind: str,
    key: Hashable,
    make: Callable[[], T],
    encode: Callable[[T], bytes],
    decode: Callable[[bytes], T],
    *,
    disk: bool = True,
) -> T:
    """``kind``'s value for ``key`` and the current data version, made once for the server.

    Looked up in this process's memory (:func:`cache`), then in the disk cache every worker
    process shares (:class:`web.diskcache.DiskCache`), and made only when in neither.
    ``disk=False`` for values that must never be written to disk (a page carrying one
    visitor's name and token): this process's memory only.
    """
    st = state()
    on_disk: DiskCache | None = current_app.extensions["hotspots"]["disk"] if disk else None
    version = st.version

    def from_disk() -> T:
        if on_disk is None:
            return make()
        return on_disk.get_or_make(
            version, f"{kind}:{config_fingerprint()}:{key!r}", make, encode, decode
        )

    return cache(kind).get_or_make((key, version), from_disk)


#: The code whose change can change what the app outputs: its Python, templates, styles, scripts.
CODE_SUFFIXES = (".py", ".html", ".css", ".js")
_PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "hotspots")


@functools.cache
def code_fingerprint(roots: tuple[Path, ...] = _PACKAGES) -> str:
    """A digest of the app's code (every file of :data:`CODE_SUFFIXES` under ``roots``, by
    path and content): part of :func:`config_fingerprint`, so an upgrade never serves pages,
    map frames or files made by the old code from the disk cache or as a 304 (seen: a fixed map
    frame stayed the old one until the data changed). About 2 MB read once per process."""
    digest = hashlib.sha256()
    for root in roots:
        files = sorted(f for f in root.rglob("*") if f.suffix in CODE_SUFFIXES and f.is_file())
        for file in files:
            digest.update(str(file.relative_to(root.parent)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def config_fingerprint() -> str:
    """A digest of every setting that can change what the app outputs (all but the signing key)
    and of the code (:func:`code_fingerprint`): part of every cache key and ETag, so a restart
    with another marking, tile server, test setting or release never serves pages made under
    the old one from the disk cache."""
    extensions = current_app.extensions["hotspots"]
    if "config_fingerprint" not in extensions:
        values = sorted(
            (s.name, repr(current_app.config.get(s.name)))
            for s in SETTINGS
            if s.name != "SECRET_KEY"
        )
        values.append(("code", code_fingerprint()))
        extensions["config_fingerprint"] = hashlib.sha256(repr(values).encode()).hexdigest()[:16]
    return str(extensions["config_fingerprint"])
