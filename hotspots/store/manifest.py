"""The manifest: ``manifest.json``, the only file readers trust (format :data:`FORMAT_VERSION`).

Reading it (refusing older formats), replacing it atomically (a temporary file, fsynced, then one
``os.replace``), and deleting the data files it no longer names.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from hotspots import schema
from hotspots.errors import StoreError
from hotspots.private import FILE_MODE

MANIFEST = "manifest.json"
FORMAT_VERSION = 2


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of the store at ``root`` (an empty one for a store not yet written)."""
    file = root / MANIFEST
    if not file.is_file():
        return _empty_manifest()
    try:
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreError(f"{file}: unreadable manifest ({exc})") from None
    if data.get("format") != FORMAT_VERSION:
        if isinstance(data.get("format"), int) and data["format"] < FORMAT_VERSION:
            raise StoreError(
                f"{file}: store format {data['format']}, older than this version's "
                f"{FORMAT_VERSION} (events partitioned by force, extents in the manifest); "
                "re-run `hotspots demo` or `hotspots ingest` into a new --store (the "
                "source files are listed in this manifest)"
            )
        raise StoreError(f"{file}: store format {data.get('format')!r}, expected {FORMAT_VERSION}")
    return data


def replace_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Make ``manifest`` the store's manifest in one ``os.replace`` (crash-safe)."""
    from hotspots.store.writing import _fsync  # imported here: reading needs no pyarrow

    tmp = root / f".{MANIFEST}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, root / MANIFEST)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync(root)


def collect_garbage(root: Path, manifest: dict[str, Any]) -> None:
    """Delete data files the manifest does not name (left by replaced sources or crashes)."""
    keep = {e["events_file"] for e in manifest["sources"].values()}
    keep |= {e["rejected_file"] for e in manifest["sources"].values()}
    keep |= {b["file"] for b in manifest["boundaries"].values()}
    for folder in ("events", "rejected", "boundaries"):
        folder_path = root / folder
        if not folder_path.is_dir():
            continue
        for file in folder_path.rglob("*"):
            if file.is_file() and file.relative_to(root).as_posix() not in keep:
                with contextlib.suppress(OSError):
                    file.unlink()
    for stale in root.glob(f".{MANIFEST}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _empty_manifest() -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "version": None,
        "updated": None,
        "crs": schema.CRS_BNG,
        "boundaries": {},
        "sources": {},
        "ingests": [],
    }
