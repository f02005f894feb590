"""Plain-text and JSON summaries of an ingest and of the store (the reconciliation).

The text tables are aligned by :func:`_table` (ten lines) rather than with ``tabulate``: two
columns of names and right-aligned counts need no dependency.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from hotspots import schema
from hotspots.edge import near_edge_warning
from hotspots.periods import describe_months

if TYPE_CHECKING:  # annotations only: `hotspots status` must not import the ingest pipeline
    from hotspots.ingest import IngestReport
    from hotspots.store import Store


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]


#: What an ingest that changed nothing says (the CLI and the upload page).
NOTHING_CHANGED = "Nothing changed: the store already holds these rows"


def ingest_warnings(report: IngestReport) -> list[str]:
    """Plain warnings about what an ingest kept, one per file (the CLI and the upload page).

    A file of which no row lies in the force area (rows outside it, none kept and none inside
    it without a ward) is most likely another force's: its rows are rejected as usual (nothing
    lost), and this says so rather than leaving a file of 0 rows kept unremarked. One more, for
    the whole ingest, when many rows lie just outside the force area's edge (a generalised
    boundary: :mod:`hotspots.edge`)."""
    warnings = []
    for entry in report.sources:
        outside = int(entry["rejected"].get(schema.REASON_OUTSIDE_AREA, 0))
        inside = entry["kept"] + int(entry["rejected"].get(schema.REASON_NO_WARD, 0))
        if outside and not inside:
            warnings.append(
                f"no row of {entry['name']} lies in the force area ({outside:,} rows outside): "
                "is it another force's file?"
            )
    edge = near_edge_warning(report.sources)
    if edge:
        warnings.append(edge)
    return warnings


def format_ingest(report: IngestReport) -> str:
    """The reconciliation printed by ``hotspots ingest``: read = kept + rejected, by reason."""
    layers = report.by_layer()
    if not report.changed:
        lines = [
            f"{NOTHING_CHANGED} ({len(report.sources)} file(s) in {report.store}, data version "
            f"{report.version} kept; wards {report.wards_vintage})"
        ]
    else:
        lines = [
            f"Ingested {len(report.sources)} file(s) into {report.store} "
            f"(wards {report.wards_vintage}; data version {report.version})"
        ]
        if report.unchanged:
            lines.append(
                f"{len(report.unchanged)} of them unchanged (the store already held their rows; "
                f"not written again): {', '.join(report.unchanged)}"
            )
    rows = [["layer", "read", "kept", "rejected"]]
    for layer in schema.LAYERS:
        if layer not in layers:
            continue
        t = layers[layer]
        rows.append([layer, f"{t['read']:,}", f"{t['kept']:,}", f"{t['rejected']:,}"])
        for reason, n in sorted(t["reasons"].items()):
            rows.append([f"  {reason}", "", "", f"{n:,}"])
    lines += _table(rows)
    synthetic = sum(e["synthetic_rows"] for e in report.sources)
    if synthetic:
        lines.append(
            f"{synthetic:,} kept rows are SYNTHETIC (demo raids), labelled so in the store."
        )
    if report.wards_note:
        lines.append(report.wards_note)
    for note in report.skipped:
        lines.append(f"skipped {note}")
    lines += [f"WARNING: {w}" for w in ingest_warnings(report)]
    if report.reconciles():
        lines.append("Reconciled: for every file, rows read = kept + rejected.")
    else:
        lines.append("NOT RECONCILED: some file's rows read differ from kept + rejected.")
    lines.append(f"Rejected rows, with reasons: {report.store / 'rejected'}/")
    return "\n".join(lines)


def status_dict(store: Store) -> dict[str, Any]:
    """What ``hotspots status --json`` prints: per layer events, months, rejections, vintage."""
    manifest = store.manifest()
    layers: dict[str, Any] = {}
    for entry in store.sources():
        layer = layers.setdefault(
            entry["layer"],
            {
                "events": 0,
                "rows_read": 0,
                "months": set(),
                "sources": 0,
                "rejected": Counter(),
                "ward_match": Counter(),
                "synthetic": 0,
            },
        )
        layer["events"] += entry["kept"]
        layer["rows_read"] += entry["rows_read"]
        layer["months"].update(entry["months"])
        layer["sources"] += 1
        layer["rejected"].update(entry["rejected"])
        layer["ward_match"].update(entry["ward_match"])
        layer["synthetic"] += entry["synthetic_rows"]
    for layer in layers.values():
        layer["months"] = sorted(layer["months"])
        layer["rejected"] = dict(sorted(layer["rejected"].items()))
        layer["ward_match"] = dict(sorted(layer["ward_match"].items()))
    return {
        "store": str(store.path),
        "version": manifest["version"],
        "updated": manifest["updated"],
        "crs": manifest["crs"],
        "boundaries": {
            name: {k: v for k, v in b.items() if k != "file"}
            for name, b in manifest["boundaries"].items()
        },
        "layers": layers,
    }


def format_status(store: Store) -> str:
    """The table printed by ``hotspots status``."""
    status = status_dict(store)
    lines = [f"Store {status['store']}  (version {status['version']}, updated {status['updated']})"]
    for name, b in status["boundaries"].items():
        files = ", ".join(str(s["name"]) for s in b["sources"])
        outside = int(b.get("outside_force_area") or 0)
        lines.append(
            f"{name}: {b['vintage']}, {b['features']} feature(s) from {files}"
            + (f" ({outside:,} outside the force area not kept)" if outside else "")
        )
    rows = [["layer", "events", "months", "files", "rejected"]]
    for layer in schema.LAYERS:
        t = status["layers"].get(layer)
        if t is None:
            continue
        rows.append(
            [
                layer,
                f"{t['events']:,}",
                describe_months(t["months"]) or "-",
                str(t["sources"]),
                f"{sum(t['rejected'].values()):,}",
            ]
        )
        for reason, n in t["rejected"].items():
            rows.append([f"  {reason}", "", "", "", f"{n:,}"])
    if len(rows) == 1:
        lines.append("(no events stored yet)")
    else:
        lines += _table(rows)
    synthetic = sum(t["synthetic"] for t in status["layers"].values())
    if synthetic:
        lines.append(f"{synthetic:,} stored events are SYNTHETIC (demo raids).")
    matches: Counter[str] = Counter()
    for t in status["layers"].values():
        matches.update(t["ward_match"])
    if matches:
        lines.append("ward join: " + ", ".join(f"{k} {v:,}" for k, v in sorted(matches.items())))
    return "\n".join(lines)
