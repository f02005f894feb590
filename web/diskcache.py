"""A cache on disk shared by every worker process of the server.

gunicorn runs several worker processes, each with its own memory: without a shared cache, the
map page and its map frame (two requests, often answered by two workers) would each analyse the
same period, and a view first asked of one worker would be made again by the next. Here each
value is one file, ``<folder>/<data version>/<key digest>.<kind>``:

- written to a temporary name and renamed into place (readers never see half a file);
- made once across processes: the maker holds an exclusive ``flock`` on the key's lock file,
  and the others wait for it, then read the file;
- keyed on the data version, so a new ingest never serves a stale value; folders of older
  versions are deleted when a newer one is first written;
- bounded in bytes (``max_bytes``, the ``CACHE_MAX_MB`` setting): after each write, while the
  values of every version together exceed it, the least recently used go first (a read
  refreshes a value's modification time, the order kept on disk that every process sees).
  A value larger than the cap alone is never written. The check lists the folder after every
  write (about 30 ms of CPU with 4,096 values, measured on a loaded 2-core machine; a write
  follows an analysis or a rendered map, which take far longer), so the cap holds across
  processes without a shared ledger.

The folders are created private (mode 0700) and every file 0600: analyses are stored with
:mod:`pickle`, which must only ever read files this app wrote. Only values shared by every
visitor of a role belong here (analyses, map frames, files), never a page carrying a visitor's
name or token (see :func:`web.httpcache.cached_response`).

Why hand-written and not the ``diskcache`` package (which has ``size_limit`` and LRU eviction):
its LRU policy writes an access time to its SQLite database on every read (a write transaction
per cache hit across workers); it has no blocking cross-process single flight (its
``memoize_stampede`` recomputes early, probabilistically, and its ``Lock`` polls); it creates its
files with the process umask and no explicit mode; and the layout of one folder per data
version, dropped as a whole, would become tags to evict. The additions here (a byte count and an
``os.utime`` per hit) are a few lines over files this module already manages.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from hotspots.private import DIR_MODE, FILE_MODE, private_dirs

__all__ = ["DiskCache"]

T = TypeVar("T")

#: Folders of other data versions untouched for this long are deleted (seconds).
STALE_VERSION_S = 300
#: Default byte cap (the ``CACHE_MAX_MB`` setting's default, 512 MB).
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


class DiskCache:
    """Values shared between processes, one file each, under ``folder`` (see the module).

    ``max_bytes`` caps the bytes of every value stored (all versions together); the least
    recently used values are deleted first.
    """

    def __init__(self, folder: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.writes = 0

    def get_or_make(
        self,
        version: str | None,
        key: str,
        make: Callable[[], T],
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
    ) -> T:
        """The value of ``key`` for data ``version``: read from disk, or made once and stored.

        Concurrent callers in any process wait for the one maker. Disk errors (full disk,
        read-only folder) make the value in memory instead of failing the request; a file that
        no longer decodes (written by an older version of the code) is made again.
        """
        name = hashlib.sha256(key.encode()).hexdigest()[:40]
        folder = self.version_folder(version)
        path = folder / name
        try:
            return _decoded(path, decode, touch=True)
        except FileNotFoundError:
            pass
        except OSError:
            return make()
        try:
            self._prepare(folder)
            fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
            lock = os.fdopen(fd, "a+b")
        except OSError:
            return make()
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with contextlib.suppress(FileNotFoundError):
                    return _decoded(path, decode)
                value = make()
                self._write(path, encode(value))
                return value
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
                with contextlib.suppress(OSError):
                    os.unlink(folder / f"{name}.lock")

    def version_folder(self, version: str | None) -> Path:
        """The folder holding the values of data ``version``."""
        return self.folder / _safe(version or "none")

    def _prepare(self, folder: Path) -> None:
        if folder.is_dir():
            return
        private_dirs(self.folder)
        os.chmod(self.folder, DIR_MODE)
        private_dirs(folder)
        # a new data version: values of versions unused for a while are never asked for again
        # (the grace period lets workers still finishing requests on the old version finish)
        cutoff = time.time() - STALE_VERSION_S
        for other in self.folder.iterdir():
            if other.is_dir() and other != folder and other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)

    def _write(self, path: Path, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return  # could never be kept: served from memory only
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
            self.writes += 1
            self.trim()
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def size_bytes(self) -> int:
        """Bytes of every value stored (all versions)."""
        return sum(size for _, size, _ in self._values())

    def trim(self) -> None:
        """Delete the least recently used values until the rest fit in ``max_bytes``."""
        values = self._values()
        total = sum(size for _, size, _ in values)
        if total <= self.max_bytes:
            return
        values.sort(key=lambda v: v[2])
        for path, size, _ in values:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                total -= size

    def _values(self) -> list[tuple[Path, int, int]]:
        """(path, bytes, last use in ns) of every stored value (no locks, no temporaries)."""
        out = []
        with contextlib.suppress(FileNotFoundError):
            for version in os.scandir(self.folder):
                if not version.is_dir(follow_symlinks=False):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    for item in os.scandir(version.path):
                        if "." in item.name:
                            continue
                        with contextlib.suppress(FileNotFoundError):
                            info = item.stat(follow_symlinks=False)
                            out.append((Path(item.path), info.st_size, info.st_mtime_ns))
        return out


def _decoded(path: Path, decode: Callable[[bytes], T], touch: bool = False) -> T:
    """The value in ``path``; FileNotFoundError when it is missing or does not decode.
    ``touch`` marks it as just used (its modification time: the LRU order of :meth:`trim`)."""
    data = path.read_bytes()
    try:
        value = decode(data)
    except Exception:  # e.g. a pickle of a class this code no longer has
        raise FileNotFoundError(path) from None
    if touch:
        with contextlib.suppress(OSError):
            os.utime(path)
    return value


def _safe(version: str) -> str:
    """A folder name for a data version (store tokens as they are; anything else hashed)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", version):
        return version
    return hashlib.sha256(version.encode()).hexdigest()[:32]
