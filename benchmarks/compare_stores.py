"""Check that two stores written from the same inputs hold the same data (run by hand).

Used to show that a change to the ingest's speed changed nothing it writes::

    PYTHONPATH=OLD python -m hotspots.cli ingest FILES --wards W --force-area F --store A
    PYTHONPATH=NEW python -m hotspots.cli ingest FILES --wards W --force-area F --store B
    python benchmarks/compare_stores.py A B

Compared: the manifests (every key and value, the ingest's token, times and the files' names,
which carry the token, set aside), each source's events table as read back (its columns, their
types and the rows in the order written), the GeoParquet ``geo`` metadata of every events file
(its bounding box included), the rejected rows' CSV byte for byte, and the stored boundaries'
tables. Exit status 0 when all agree; otherwise each difference is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

_VOLATILE = {
    "ingest",
    "token",
    "version",
    "started",
    "finished",
    "updated",
    "file",
    "events_file",
    "rejected_file",
    # each source's digest of what decided its rows (hotspots/store/sameness.py): it holds the
    # code's digest, so two checkouts differ there by design; the rows are compared below
    "content",
}


def _stable(value: Any) -> Any:
    """``value`` without the keys that differ between two runs of one ingest."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def compare(a: Path, b: Path) -> list[str]:
    """The differences between the stores at ``a`` and ``b`` (none: the same data)."""
    problems: list[str] = []
    ma = json.loads((a / "manifest.json").read_text())
    mb = json.loads((b / "manifest.json").read_text())
    if json.dumps(_stable(ma)) != json.dumps(_stable(mb)):  # key order too
        problems.append("manifests differ")
    for key, sa in ma["sources"].items():
        sb, name = mb["sources"].get(key), sa["name"]
        if sb is None:
            problems.append(f"{name}: only in {a}")
            continue
        ta, tb = pq.read_table(a / sa["events_file"]), pq.read_table(b / sb["events_file"])
        if not ta.equals(tb):
            problems.append(f"{name}: events tables differ")
        ga = pq.read_schema(a / sa["events_file"]).metadata.get(b"geo")
        gb = pq.read_schema(b / sb["events_file"]).metadata.get(b"geo")
        if ga != gb:
            problems.append(f"{name}: GeoParquet metadata differs: {ga!r} / {gb!r}")
        if (a / sa["rejected_file"]).read_bytes() != (b / sb["rejected_file"]).read_bytes():
            problems.append(f"{name}: rejected rows differ")
    for key in ma.get("boundaries", {}):
        fa, fb = ma["boundaries"][key].get("file"), mb["boundaries"][key].get("file")
        if fa and fb and not pq.read_table(a / fa).equals(pq.read_table(b / fb)):
            problems.append(f"boundaries {key}: tables differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    problems = compare(args.a, args.b)
    sources = len(json.loads((args.a / "manifest.json").read_text())["sources"])
    for problem in problems:
        print(problem)
    print(f"{'DIFFERENT' if problems else 'same'}: {sources} sources compared")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
