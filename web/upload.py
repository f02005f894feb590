"""Upload new monthly files (analysts and admins): ingested at once, reconciliation shown.

Files are saved under safe names (no folders, no ``..``) in ``<store>/uploads/<time>-<id>/``,
their kind (street crime, stop-and-search or raids) is recognised from their header, and they
are ingested with the store's own wards and force area. A police.uk month already stored is
replaced, never duplicated. The page then shows, per file, rows read = kept + rejected by
reason. A file that cannot be read is refused with the reader's message (file, row and what
was expected) and the store is left exactly as it was. A file that would replace a stored month
with fewer than half its rows (or none) is refused with both counts unless the confirm box
(``allow_shrink``) is ticked (:mod:`hotspots.store.replacement`). Messages name files, never a
folder of the server. Uploads over ``UPLOAD_MAX_MB`` are refused with 413 before anything is
saved. Saved copies and their folder are private to the service's user (0600 / 0700). An upload
made while another upload or ingest writes the store (its lock) is a 409 asking to try again,
with nothing stored: two uploads of one month at once leave one whole copy. Each upload counts
against the account's budget of new work (:func:`web.budget.charge`), counted before anything
is saved: an upload that changes the store gives it a new data version, and every cached view
is then made again; one whose ingest changes nothing (:mod:`hotspots.store.sameness`: the page
says so, the data version and the caches are kept) still reads every row, seconds of CPU and
~1 GB for a 60 MB file, so it counts too, and its saved copy (bytes the store already holds) is
removed.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.utils import secure_filename

from hotspots.dates import months_words
from hotspots.errors import HotspotsError, ReplacementRefused, StoreBusy
from hotspots.ingest import IngestReport, ingest, stored_boundaries
from hotspots.private import private_dirs, private_file
from hotspots.report import NOTHING_CHANGED, ingest_warnings
from hotspots.store import Store
from web.accounts import audit
from web.budget import charge
from web.data import state

bp = Blueprint("upload", __name__)

#: Files per upload.
MAX_FILES = 40
ALLOWED_SUFFIXES = (".csv",)
#: The refusal of an upload made while another upload or ingest holds the store (a 409).
BUSY = (
    "Another upload or ingest is writing the store at this moment; nothing of this upload was "
    "stored: try again when it has finished."
)


def _safe_names(names: list[str]) -> list[str]:
    """File names with no path, unique, ending ``.csv`` (ValueError naming a bad one)."""
    out: list[str] = []
    for i, raw in enumerate(names, start=1):
        name = secure_filename(Path(raw.replace("\\", "/")).name) or f"upload-{i}.csv"
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            raise ValueError(f"{raw!r}: expected a .csv file (police.uk or the raid CSV)")
        while name in out:
            name = f"{i}-{name}"
        out.append(name)
    return out


@bp.get("/upload")
def page() -> str:
    """The upload form."""
    return render_template(
        "upload.html", report=None, error=None, max_files=MAX_FILES, shrink_refused=False
    )


@bp.post("/upload")
def submit() -> tuple[str, int]:
    """Save and ingest the uploaded files; show the reconciliation or the reason for refusal."""
    files = [f for f in request.files.getlist("files") if f and f.filename]
    error = None
    if not files:
        error = "Choose one or more CSV files to upload."
    elif len(files) > MAX_FILES:
        error = f"{len(files)} files: upload at most {MAX_FILES} at a time."
    if error is None:
        try:
            names = _safe_names([f.filename or "" for f in files])
        except ValueError as exc:
            error = str(exc)
    if error is not None:
        return _page(None, error, 400)
    # every upload is read in full, even one that changes nothing (web.budget): counted
    # before anything is saved
    charge()
    st = state()
    allow_shrink = request.form.get("allow_shrink") == "1"
    all_crime_types = _all_crime_types(st.store)
    folder = None
    held_before = _source_paths(st.store)
    try:
        folder = _upload_folder(st.store)
        paths = []
        for upload, name in zip(files, names, strict=True):
            path = folder / name
            with private_file(path) as handle:
                upload.save(handle)
            paths.append(path)
        report = ingest(
            paths,
            wards=stored_boundaries(st.store, "wards"),
            force_area=stored_boundaries(st.store, "force_area"),
            store=st.store,
            all_crime_types=all_crime_types,
            allow_shrink=allow_shrink,
        )
    except (HotspotsError, KeyError, OSError) as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        status = 409 if isinstance(exc, StoreBusy) else 400
        if isinstance(exc, StoreBusy):  # not the file's fault: the lock of the store is held
            message = BUSY
        elif isinstance(exc, HotspotsError):
            message = str(exc)
        else:
            message = f"could not ingest: {exc}"
        message = without_paths(message, st.store.path)
        audit("upload_refused", {"files": names, "reason": message})
        return _page(None, message, status, shrink_refused=isinstance(exc, ReplacementRefused))
    _keep_named(st.store, folder)  # a file that changed nothing: the store holds its bytes
    _drop_superseded(st.store, held_before)
    audit("upload", {"files": names, "sources": _summary(report), "changed": report.changed})
    return _page(report, None, 200)


def _source_paths(store: Store) -> set[str]:
    """The files the store's sources were read from (the manifest's ``path`` of each)."""
    return {str(e.get("path")) for e in store.manifest()["sources"].values() if e.get("path")}


def _keep_named(store: Store, folder: Path) -> None:
    """Keep of this upload's saved files those the store now names as a source's file (each
    the provenance of rows it holds); a file whose ingest changed nothing is a second copy of
    bytes the store holds, and goes (the folder too, when none is named)."""
    named = _source_paths(store)
    for path in folder.iterdir():
        if str(path.resolve()) not in named:
            path.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _drop_superseded(store: Store, held_before: set[str]) -> None:
    """Remove the saved upload copies of sources this upload replaced: each copy is kept while
    the store holds its rows (provenance), not after. Only files under ``store/uploads/`` that
    the manifest named before and names no more: never another upload still being ingested
    (the manifest never named it), never a file outside the store. Kept, every changed upload
    stayed: one analyst alternating two versions of a 60 MB file could fill 1.2 GB of disk a
    minute within the budget of new work."""
    uploads = (store.path / "uploads").resolve()
    for raw in held_before - _source_paths(store):
        path = Path(raw)
        if path.parent.parent != uploads or not path.is_file():
            continue
        path.unlink()
        with contextlib.suppress(OSError):  # its folder, once it holds no other file
            path.parent.rmdir()


def _page(
    report: IngestReport | None, error: str | None, status: int, shrink_refused: bool = False
) -> tuple[str, int]:
    rows = _summary(report) if report is not None else []
    html = render_template(
        "upload.html",
        report=report,
        rows=rows,
        reconciles=report.reconciles() if report is not None else None,
        warnings=ingest_warnings(report) if report is not None else [],
        error=error,
        max_files=MAX_FILES,
        shrink_refused=shrink_refused,
        nothing_changed=NOTHING_CHANGED,
    )
    return html, status


def _summary(report: IngestReport) -> list[dict[str, Any]]:
    return [
        {
            "name": e["name"],
            "kind": e["kind"],
            "months": months_words(e["months"]),
            "read": e["rows_read"],
            "kept": e["kept"],
            "rejected": sum(e["rejected"].values()),
            "reasons": dict(sorted(e["rejected"].items())),
        }
        for e in report.sources
    ]


def _upload_folder(store: Store) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = store.path / "uploads" / f"{stamp}-{secrets.token_hex(4)}"
    private_dirs(folder)
    return folder


def without_paths(message: str, store: Path) -> str:
    """``message`` with every server folder taken out: the store's (as given and resolved) and
    the upload folders under it, so a refusal names files only."""
    for root in sorted({str(store), str(store.resolve())}, key=len, reverse=True):
        message = re.sub(re.escape(root) + r"/uploads/[^/\s]+/", "", message)
        message = message.replace(root + "/", "").replace(root, "the store")
    return message


def _all_crime_types(store: Store) -> bool:
    """Keep every crime type when the store's last ingest did (so uploads match it)."""
    ingests = store.manifest().get("ingests") or []
    return bool(ingests and ingests[-1].get("all_crime_types"))
