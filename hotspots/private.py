"""Files and folders private to the user running the service or the command (0600 / 0700).

The store holds exact offence, search and raid locations; uploads, rejected rows, the disk cache
and the accounts database are as sensitive. Two layers make everything this project creates
private to its user:

- :func:`private_umask`, set once at each entry point (``hotspots`` in :func:`hotspots.cli.main`
  and the web app in :func:`web.create_app`): every file and folder created afterwards, by this
  code or by a library (Arrow, SQLite, Folium exports), is at most 0600 / 0700;
- explicit modes where the store, uploads and the cache create files (:func:`private_dirs`,
  :func:`private_file`, :func:`make_private`), so the library used on its own (a notebook calling
  :func:`hotspots.ingest.ingest`) is private too.

Folders that already exist (a ``--store`` the user made) keep their mode: only what this code
creates is set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["DIR_MODE", "FILE_MODE", "UMASK", "make_private", "private_dirs", "private_file"]

#: Mode of every file created (owner read/write).
FILE_MODE = 0o600
#: Mode of every folder created (owner only).
DIR_MODE = 0o700
#: The process umask set by the entry points: no group or other bits.
UMASK = 0o077


def private_umask() -> int:
    """Set the process umask to :data:`UMASK`; return the previous one."""
    return os.umask(UMASK)


def private_dirs(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` and any missing parents, each new one with mode 0700; return it."""
    path = Path(folder)
    missing = []
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=DIR_MODE)
            os.chmod(new, DIR_MODE)  # exactly 0700, whatever the umask
    if not path.is_dir():
        raise NotADirectoryError(f"{path.name}: not a folder")
    return path


def make_private(path: str | os.PathLike[str]) -> None:
    """Set ``path`` (a file this code wrote) to mode 0600."""
    os.chmod(path, FILE_MODE)


@contextlib.contextmanager
def private_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open ``path`` for writing (created or truncated), mode 0600 from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        yield handle
