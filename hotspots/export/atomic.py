"""Atomic writes: temporary files beside their targets, moved into place together on success.

Written here (``os.replace`` and ``fsync``): the PyPI ``atomicwrites`` was archived by its author
(last release 1.4.1, July 2022) and replaces one file at a time, while an export replaces several
together (the data and its metadata sidecar), only when all are written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from hotspots.export.formats import _EXT


class _Staging:
    """Temporary files beside their targets, moved into place together only on success."""

    def __init__(self) -> None:
        self._pairs: list[tuple[Path, Path]] = []

    def add(self, target: Path, ext: str) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp.{_EXT.get(ext, ext)}")
        self._pairs.append((tmp, target))
        return tmp

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                for tmp, _ in self._pairs:
                    _fsync(tmp)
                for tmp, target in self._pairs:
                    os.replace(tmp, target)
                for folder in {target.parent for _, target in self._pairs}:
                    _fsync(folder)
        finally:
            for tmp, _ in self._pairs:
                for leftover in (tmp, *(Path(f"{tmp}{s}") for s in ("-journal", "-wal", "-shm"))):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
