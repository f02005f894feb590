"""Make a bigger force-year from real street files: each row kept plus 1.35 jittered copies.

Run by hand (not collected by pytest)::

    .venv/bin/python benchmarks/make_force_year.py OUT_DIR [FILES...]

Default FILES: the 12 Cambridgeshire 2025 street files of the shared real data (85,143 rows), which
give 199,611 rows. Each file is written to ``OUT_DIR`` under its own name with its rows, then a
full copy and a 35 % sample (seeded) whose non-blank crime ids get the suffix ``b`` / ``c`` and
whose snap points move together (every distinct point of a copy by the same random offset, up to
0.0035 degrees of longitude and 0.0022 of latitude, ~250 m): stacking survives, and the copies'
offences are new crimes at new places in the same months. Rows without a location stay so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"


def grow(path: Path, rng: np.random.Generator) -> pd.DataFrame:
    """The rows of ``path`` plus the jittered copies."""
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    parts = [rows]
    for tag, share in (("b", 1.0), ("c", 0.35)):
        if share < 1:
            copy = rows.sample(frac=share, random_state=int(rng.integers(1 << 30))).copy()
        else:
            copy = rows.copy()
        codes, distinct = pd.factorize(copy["Longitude"] + "," + copy["Latitude"])
        dlon = rng.uniform(-0.0035, 0.0035, len(distinct))[codes]
        dlat = rng.uniform(-0.0022, 0.0022, len(distinct))[codes]
        located = (copy["Longitude"] != "").to_numpy()
        lon = pd.to_numeric(copy.loc[located, "Longitude"]) + dlon[located]
        lat = pd.to_numeric(copy.loc[located, "Latitude"]) + dlat[located]
        copy.loc[located, "Longitude"] = lon.map("{:.6f}".format)
        copy.loc[located, "Latitude"] = lat.map("{:.6f}".format)
        has_id = copy["Crime ID"] != ""
        copy.loc[has_id, "Crime ID"] = copy.loc[has_id, "Crime ID"] + tag
        parts.append(copy)
    return pd.concat(parts, ignore_index=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[0])
    files = [Path(f) for f in argv[1:]] or sorted(
        (REAL / "police_uk" / "cambridgeshire" / "street").glob("2025-*.csv")
    )
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(17)
    for path in files:
        grown = grow(path, rng)
        grown.to_csv(out / path.name, index=False)
        print(f"{path.name}: {len(grown):,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
