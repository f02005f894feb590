"""Exception classes. Structural problems raise; bad rows are rejected into a report instead."""

from __future__ import annotations

from pathlib import Path


class HotspotsError(Exception):
    """Base class of every error the library raises on purpose."""


class SourceFormatError(HotspotsError):
    """A source file cannot be read as the kind it claims to be.

    The message names the file, the 1-based line (when one applies) and what was expected, so an
    analyst can open the file at that line.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class BoundaryError(HotspotsError):
    """A boundary file is unusable (no polygons, no code column, unknown CRS, ...)."""


class StoreError(HotspotsError):
    """The store is missing, locked, or its manifest does not match its files."""


class StoreBusy(StoreError):
    """Another ingest holds the store's write lock; nothing was written (try again later)."""


class ReplacementRefused(HotspotsError):
    """An ingest would replace stored sources with far fewer rows (see
    :mod:`hotspots.store.replacement`); nothing was written. ``shrinks`` lists each one."""

    def __init__(self, message: str, shrinks: list[dict[str, object]]) -> None:
        self.shrinks = shrinks
        super().__init__(message)
