"""A large force's year of police.uk street CSVs, placed on that force's real wards (run by hand).

No large force's street files could be had (public copies leave out files of 4 MiB and more;
docs/data.md, "Tried on other forces"), so this writes a year at the Metropolitan Police's scale
on the real ONS wards of the real force area::

    .venv/bin/python benchmarks/make_large_force.py WARDS PFA_SHP "Metropolitan Police" OUT_DIR \
        [--rows-per-month 90000] [--drugs-share 0.06] [--months 2024-01:2024-12] [--seed 5]

``WARDS``: a ward GeoJSON in lon/lat (e.g. ONS Wards Dec 2023, all UK); ``PFA_SHP``: ONS police
force areas (``PFA23NM``); the wards whose representative point falls in the force area carry
the points. Snap points (``--snap-points``, 110,000 by default: London's share of police.uk's
~750,000) are spread evenly over those wards (London's wards hold similar numbers of people)
and uniformly inside each ward; a log-normal popularity stacks crimes on popular points, as
police.uk's snapping does. Drugs are half background (the same popularity) and half around
``--drug-centres`` centres (each offence on one of the 40 snap points nearest its centre), so the
year has the dense, recurring clusters of a city force. ~2 % of rows have no location, ~0.3 %
lie outside the force area (moved 0.8 degrees north). Each month's total varies by +-6 %.
Written as ``<YYYY-MM>-<slug>-street.csv``, the standard 12 columns.
"""

from __future__ import annotations

import argparse
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
    STREET_KINDS,
    STREET_WORDS,
    _crime_ids,
)

#: police.uk's "Falls within" names of the four large forces, by the ONS ``PFA23NM``.
POLICE_UK_NAME = {
    "Metropolitan Police": "Metropolitan Police Service",
    "West Midlands": "West Midlands Police",
    "Greater Manchester": "Greater Manchester Police",
    "West Yorkshire": "West Yorkshire Police",
}


def force_wards(wards_path: Path, pfa_path: Path, pfa_name: str) -> tuple[object, object]:
    """The wards (lon/lat) whose representative point lies in the force area, and the area."""
    import geopandas as gpd

    pfa = gpd.read_file(pfa_path)
    area = pfa[pfa["PFA23NM"] == pfa_name].to_crs(4326)
    if area.empty:
        raise SystemExit(f"no force area named {pfa_name!r} in {pfa_path}")
    wards = gpd.read_file(wards_path).to_crs(4326)
    inside = wards.representative_point().within(area.geometry.iloc[0])
    return wards[inside].reset_index(drop=True), area


def snap_points(rng: np.random.Generator, wards: object, n_points: int) -> pd.DataFrame:
    """``n_points`` points spread evenly over the wards, uniform inside each ward."""
    import shapely

    per_ward = max(1, n_points // len(wards))  # type: ignore[arg-type]
    xs, ys, ward_ix = [], [], []
    for ix, geom in enumerate(wards.geometry):  # type: ignore[attr-defined]
        x0, y0, x1, y1 = geom.bounds
        got_x: list[np.ndarray] = []
        got = 0
        while got < per_ward:
            cx = rng.uniform(x0, x1, per_ward * 4)
            cy = rng.uniform(y0, y1, per_ward * 4)
            keep = shapely.contains_xy(geom, cx, cy)
            got_x.append(np.column_stack([cx[keep], cy[keep]]))
            got += int(keep.sum())
        pts = np.concatenate(got_x)[:per_ward]
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
        ward_ix.append(np.full(per_ward, ix))
    ix = np.concatenate(ward_ix)
    n = len(ix)
    words = np.asarray(STREET_WORDS, dtype=object)
    kinds = np.asarray(STREET_KINDS, dtype=object)
    location = (
        "On or near "
        + words[rng.integers(0, len(words), n)]
        + " "
        + kinds[rng.integers(0, len(kinds), n)]
    )
    lad = wards["LAD23NM"].to_numpy()[ix]  # type: ignore[index]
    lsoa_no = rng.integers(1, 40, n)
    return pd.DataFrame(
        {
            "lon": np.concatenate(xs),
            "lat": np.concatenate(ys),
            "location": location,
            "lsoa_code": np.char.mod("E01%06d", 30000 + ix * 40 + lsoa_no).astype(object),
            "lsoa_name": lad + " " + np.char.mod("%03dA", lsoa_no).astype(object),
        }
    )


def drug_weights(
    rng: np.random.Generator, snaps: pd.DataFrame, popularity: np.ndarray, centres: int
) -> np.ndarray:
    """Drugs' weights: half the background popularity, half on the points near ``centres``."""
    from scipy.spatial import cKDTree

    xy = np.column_stack([snaps["lon"].to_numpy() * 0.62, snaps["lat"].to_numpy()])
    tree = cKDTree(xy)
    chosen = rng.choice(len(snaps), size=centres, replace=False, p=popularity)
    _, near = tree.query(xy[chosen], k=40)
    hot = np.zeros(len(snaps))
    strength = rng.lognormal(0.0, 0.8, centres)
    np.add.at(hot, near.ravel(), np.repeat(strength, near.shape[1]))
    hot /= hot.sum()
    return 0.5 * popularity + 0.5 * hot


def months_between(first: str, last: str) -> list[str]:
    """The ``YYYY-MM`` months from ``first`` to ``last``, both included."""
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def main(argv: list[str] | None = None) -> int:
    """Write the force-year."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("wards", type=Path)
    ap.add_argument("pfa", type=Path)
    ap.add_argument("pfa_name")
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows-per-month", type=int, default=90_000)
    ap.add_argument("--drugs-share", type=float, default=0.06)
    ap.add_argument("--months", default="2024-01:2024-12")
    ap.add_argument("--snap-points", type=int, default=110_000)
    ap.add_argument("--drug-centres", type=int, default=250)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    wards, _area = force_wards(args.wards, args.pfa, args.pfa_name)
    print(f"{len(wards)} wards in {args.pfa_name}")  # type: ignore[arg-type]
    snaps = snap_points(rng, wards, args.snap_points)
    popularity = rng.lognormal(0.0, 1.3, len(snaps))
    popularity /= popularity.sum()
    drugs_p = drug_weights(rng, snaps, popularity, args.drug_centres)
    others = {k: v for k, v in CRIME_MIX.items() if k != "Drugs"}
    other_types = np.asarray(list(others), dtype=object)
    other_p = np.asarray(list(others.values()), dtype=float)
    other_p /= other_p.sum()
    outcomes = np.asarray(list(OUTCOME_MIX), dtype=object)
    outcome_p = np.asarray(list(OUTCOME_MIX.values()), dtype=float)
    outcome_p /= outcome_p.sum()
    name = POLICE_UK_NAME.get(args.pfa_name, args.pfa_name)
    slug = name.lower().replace(" police service", "").replace(" police", "").replace(" ", "-")
    args.out.mkdir(parents=True, exist_ok=True)
    first, last = args.months.split(":")
    total = 0
    for month in months_between(first, last):
        n = int(args.rows_per_month * rng.uniform(0.94, 1.06))
        n_drugs = int(n * args.drugs_share * rng.uniform(0.85, 1.15))
        snap = np.concatenate(
            [
                rng.choice(len(snaps), size=n_drugs, p=drugs_p),
                rng.choice(len(snaps), size=n - n_drugs, p=popularity),
            ]
        )
        crime_type = np.concatenate(
            [
                np.full(n_drugs, "Drugs", dtype=object),
                other_types[rng.choice(len(other_types), size=n - n_drugs, p=other_p)],
            ]
        )
        outcome = outcomes[rng.choice(len(outcomes), size=n, p=outcome_p)]
        crime_id = _crime_ids(rng, n)
        asb = crime_type == ASB
        outcome[asb] = ""
        crime_id[asb] = ""
        frame = pd.DataFrame(
            {
                "Crime ID": crime_id,
                "Month": month,
                "Reported by": name,
                "Falls within": name,
                "Longitude": snaps["lon"].to_numpy()[snap].round(6),
                "Latitude": snaps["lat"].to_numpy()[snap].round(6),
                "Location": snaps["location"].to_numpy()[snap],
                "LSOA code": snaps["lsoa_code"].to_numpy()[snap],
                "LSOA name": snaps["lsoa_name"].to_numpy()[snap],
                "Crime type": crime_type,
                "Last outcome category": outcome,
                "Context": "",
            }
        ).sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
        away = rng.random(n) < 0.003
        frame.loc[away, "Latitude"] = frame.loc[away, "Latitude"] + 0.8
        nowhere = rng.random(n) < 0.02
        frame["Longitude"] = frame["Longitude"].map("{:.6f}".format)
        frame["Latitude"] = frame["Latitude"].map("{:.6f}".format)
        frame.loc[nowhere, ["Longitude", "Latitude", "LSOA code", "LSOA name"]] = ""
        frame.loc[nowhere, "Location"] = "No Location"
        frame.to_csv(
            args.out / f"{month}-{slug}-street.csv", index=False, header=STREET_HEADER.split(",")
        )
        total += n
        print(
            f"{month}: {n:,} rows, {n_drugs:,} drugs ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    print(f"{total:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
