"""A cache on disk shared by every worker process of the server.

gunicorn runs several worker processes, each with its own memory: without a shared cache, the
map page and its map frame (two requests, often answered by two workers) would each analyse the
same period, and a view first asked of one worker would be made again by the next. Here each
value is one file, ``<folder>/<data version>/<key digest>.<kind>``:

- written to a temporary name and renamed into place (readers never see half a file);
- made once across processes: the maker holds an exclusive ``flock`` on the key's lock file,
  and the others wait for it, then read the file;
- keyed on the data version, so a new ingest never serves a stale value; folders of older
  versions are deleted when a newer one is first written.

The folder is created private (mode 0700): analyses are stored with :mod:`pickle`, which must
only ever read files this app wrote.
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

__all__ = ["DiskCache"]

T = TypeVar("T")

#: Folders of other data versions untouched for this long are deleted (seconds).
STALE_VERSION_S = 300


class DiskCache:
    """Values shared between processes, one file each, under ``folder`` (see the module)."""

    def __init__(self, folder: str | os.PathLike[str], max_entries: int = 4096) -> None:
        self.folder = Path(folder)
        self.max_entries = max_entries
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
            return _decoded(path, decode)
        except FileNotFoundError:
            pass
        except OSError:
            return make()
        try:
            self._prepare(folder)
            lock = open(folder / f"{name}.lock", "a+b")  # noqa: SIM115 (held across the make)
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
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        folder.mkdir(mode=0o700, exist_ok=True)
        # a new data version: values of versions unused for a while are never asked for again
        # (the grace period lets workers still finishing requests on the old version finish)
        cutoff = time.time() - STALE_VERSION_S
        for other in self.folder.iterdir():
            if other.is_dir() and other != folder and other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)

    def _write(self, path: Path, data: bytes) -> None:
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
            self.writes += 1
            if self.writes % 64 == 0:
                self._trim(path.parent)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)

    def _trim(self, folder: Path) -> None:
        """Keep at most ``max_entries`` values in ``folder``: the oldest go first."""
        entries = [p for p in folder.iterdir() if p.is_file() and "." not in p.name]
        if len(entries) <= self.max_entries:
            return
        entries.sort(key=lambda p: p.stat().st_mtime)
        for old in entries[: len(entries) - self.max_entries]:
            with contextlib.suppress(OSError):
                old.unlink()


def _decoded(path: Path, decode: Callable[[bytes], T]) -> T:
    """The value in ``path``; FileNotFoundError when it is missing or does not decode."""
    data = path.read_bytes()
    try:
        return decode(data)
    except Exception:  # e.g. a pickle of a class this code no longer has
        raise FileNotFoundError(path) from None


def _safe(version: str) -> str:
    """A folder name for a data version (store tokens as they are; anything else hashed)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", version):
        return version
    return hashlib.sha256(version.encode()).hexdigest()[:32]
