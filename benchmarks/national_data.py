"""Synthetic national inputs for ``bench_national.py``: police.uk street CSVs per force and month.

Reuses ``bench_ingest.py``'s generators: the same England & Wales-like outline, the same town
density (the towns the 7,000 wards were drawn from), its snap points, crime-type and outcome
mixes. Nationally ``SNAP_POINTS`` snap points (police.uk has ~750,000) carry every crime, with a
log-normal popularity so that many crimes stack on popular points; each snap point belongs to
the force of its nearest large town (40 forces). Rows are spread evenly over the months; each
month's rows are written as one ``<YYYY-MM>-force-<NN>-street.csv`` per force, the standard 12
columns, ~3 % without a location and ~0.1 % outside the area, as in ``bench_ingest.py``.

Cached under ``benchmarks/out/national-<rows>-s<seed>-v<N>/`` (git ignores ``out/``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import (
    ASB,
    CRIME_MIX,
    OUTCOME_MIX,
    STREET_HEADER,
    Towns,
    _add_out_of_area,
    _crime_ids,
    _snap_points,
    ensure_inputs,
    outline_polygon,
)

GENERATOR_VERSION = 1
SNAP_POINTS = 750_000
FORCES = 40


def months_of(n_months: int, first_year: int = 2023) -> list[str]:
    """``n_months`` consecutive ``YYYY-MM`` months from January of ``first_year``."""
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(n_months)]


def national_inputs(
    rows: int, n_months: int, n_wards: int, seed: int, out: Path
) -> tuple[list[Path], str, str]:
    """Make (unless cached) the street CSVs; return them and the wards / force-area files."""
    wards = out / f"wards-{n_wards}-s{seed}-v1.gpkg"
    area = out / f"force-area-{n_wards}-s{seed}-v1.gpkg"
    if not (wards.is_file() and area.is_file()):
        ensure_inputs(50_000, n_wards, seed, out)  # makes the wards (and a small street CSV)
    folder = out / f"national-{rows}-m{n_months}-s{seed}-v{GENERATOR_VERSION}"
    done = folder / "DONE"
    if not done.is_file():
        _generate(rows, n_months, n_wards, seed, folder)
        done.write_text("ok\n")
    return sorted(folder.glob("*-street.csv")), str(wards), str(area)


def _generate(rows: int, n_months: int, n_wards: int, seed: int, folder: Path) -> None:
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    towns = Towns(np.random.default_rng([seed, n_wards, 1]), outline_polygon())  # the wards' towns
    rng = np.random.default_rng([seed, rows, 3])
    snaps = _snap_points(rng, towns, SNAP_POINTS)
    snaps["force"] = np.char.mod("force-%02d", _force_of(snaps, towns)).astype(object)
    popularity = rng.lognormal(0.0, 1.3, SNAP_POINTS)
    popularity /= popularity.sum()
    types = np.asarray(list(CRIME_MIX), dtype=object)
    mix = np.asarray(list(CRIME_MIX.values()), dtype=float)
    outcomes = np.asarray(list(OUTCOME_MIX), dtype=object)
    outcome_p = np.asarray(list(OUTCOME_MIX.values()), dtype=float)
    months = months_of(n_months)
    per_month = np.full(n_months, rows // n_months)
    per_month[: rows % n_months] += 1
    for month, n in zip(months, per_month, strict=True):
        snap = rng.choice(SNAP_POINTS, size=int(n), p=popularity)
        crime_type = types[rng.choice(len(types), size=int(n), p=mix / mix.sum())]
        asb = crime_type == ASB
        outcome = outcomes[rng.choice(len(outcomes), size=int(n), p=outcome_p / outcome_p.sum())]
        outcome[asb] = ""
        crime_id = _crime_ids(rng, int(n))
        crime_id[asb] = ""
        frame = pd.DataFrame(
            {
                "Crime ID": crime_id,
                "Month": month,
                "Reported by": snaps["force"][snap],
                "Falls within": snaps["force"][snap],
                "Longitude": snaps["lon"][snap],
                "Latitude": snaps["lat"][snap],
                "Location": snaps["location"][snap],
                "LSOA code": snaps["lsoa_code"][snap],
                "LSOA name": snaps["lsoa_name"][snap],
                "Crime type": crime_type,
                "Last outcome category": outcome,
                "Context": "",
            }
        )
        _add_out_of_area(rng, towns.outline, frame, share=0.001)
        nowhere = rng.random(int(n)) < 0.03
        frame.loc[nowhere, ["Longitude", "Latitude", "LSOA code", "LSOA name"]] = ""
        frame.loc[nowhere, "Location"] = "No Location"
        for force, part in frame.groupby("Falls within", sort=True):
            path = folder / f"{month}-{force}-street.csv"
            tmp = path.with_name(f"tmp-{path.name}")
            part.to_csv(tmp, index=False, header=STREET_HEADER.split(","))
            os.replace(tmp, path)
        print(f"  {month}: {n:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)


def _force_of(snaps: dict[str, np.ndarray], towns: Towns) -> np.ndarray:
    """Each snap point's force: the nearest of the ``FORCES`` largest towns."""
    from pyproj import Transformer

    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(snaps["lon"].astype(float), snaps["lat"].astype(float))
    d2 = (x[:, None] - towns.x[None, :FORCES]) ** 2 + (y[:, None] - towns.y[None, :FORCES]) ** 2
    return np.argmin(d2, axis=1)


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "out"
    files, _, _ = national_inputs(int(sys.argv[1]), int(sys.argv[2]), 7000, 20240101, out)
    print(f"{len(files)} files")
