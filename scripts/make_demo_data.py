"""Build the demo data that ships in ``data/`` from the real public data in ``../shared/data/real``.

Run from the repository root::

    python scripts/make_demo_data.py --shared ../shared/data/real --out data

It writes (deterministically: re-running gives byte-identical files)

* ``police_uk/2025-MM-cambridgeshire-street.csv``: the ``Drugs`` rows of the 12 street files of
  2025, byte for byte (only line endings are normalised to LF), no-location and out-of-area rows
  included so the ingest can see and reject them;
* ``police_uk/2025-07-cambridgeshire-stop-and-search.csv``: the ``Controlled drugs`` rows;
* ``boundaries/``: the Dec 2023 wards and the force-area polygon (unchanged bytes) and the ward
  licence text;
* ``raids/SYNTHETIC-raids-2025.csv``: SYNTHETIC raids, made by ``make_synthetic_raids.py`` from the
  street files written above;
* ``README.md``: what each file is, with counts measured here.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import make_synthetic_raids as msr
import pandas as pd
import shapely

from hotspots.sources.police_uk import STREET_COLUMNS
from hotspots.sources.stop_search import SEARCH_COLUMNS

YEAR = "2025"
MONTHS = tuple(f"{YEAR}-{m:02d}" for m in range(1, 13))
SEARCH_MONTH = "2025-07"
N_RAIDS = 150
SEED = 2025

STREET_HEADER = STREET_COLUMNS  # the reader's own list: one definition of the format
SEARCH_HEADER = SEARCH_COLUMNS  # the published order, defined beside the reader

WARDS_SRC = "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson"
WARDS_LICENCE_SRC = "boundaries/wards_dec2023_bsc/LICENCE.txt"
PFA_SRC = "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson"
WARDS_OUT = "boundaries/wards_dec2023_bsc.geojson"
WARDS_LICENCE_OUT = "boundaries/LICENCE-wards.txt"
PFA_OUT = "boundaries/force_area_pfa_dec2023_bsc.geojson"
RAIDS_OUT = "raids/SYNTHETIC-raids-2025.csv"


def split_records(data: bytes) -> list[bytes]:
    """Split CSV bytes into records, keeping each record's original bytes (without line end).

    A record ends at a newline outside double quotes, so quoted fields may hold newlines.
    """
    records: list[bytes] = []
    current = b""
    for line in data.splitlines(keepends=True):
        current += line
        if current.count(b'"') % 2 == 0:
            records.append(current.rstrip(b"\r\n"))
            current = b""
    if current:
        records.append(current.rstrip(b"\r\n"))
    return records


def filter_csv(src: Path, expected_header: Sequence[str], column: str, value: str) -> bytes:
    """Return the header and the rows of ``src`` whose ``column`` equals ``value``, unchanged.

    Each record keeps its original bytes; records end with LF.
    """
    records = split_records(src.read_bytes())
    if not records:
        raise ValueError(f"{src}: empty file; expected a header {list(expected_header)}")
    header = _parse(records[0].decode("utf-8-sig"))
    if header != list(expected_header):
        raise ValueError(f"{src}: header {header}; expected {list(expected_header)}")
    index = header.index(column)
    kept = [records[0]]
    for record in records[1:]:
        if not record.strip():
            continue
        fields = _parse(record.decode("utf-8"))
        if len(fields) != len(header):
            raise ValueError(
                f"{src}: a record has {len(fields)} fields; expected {len(header)}: {record!r:.120}"
            )
        if fields[index] == value:
            kept.append(record)
    return b"\n".join(kept) + b"\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, required=True, help="the real data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder (e.g. data)")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    out: Path = args.out
    if not (shared / "police_uk").is_dir():
        raise SystemExit(f"{shared}: expected the real data folder with police_uk/ and boundaries/")

    street_dir = out / "police_uk"
    street_dir.mkdir(parents=True, exist_ok=True)
    for month in MONTHS:
        name = f"{month}-cambridgeshire-street.csv"
        src = shared / "police_uk" / "cambridgeshire" / "street" / name
        (street_dir / name).write_bytes(filter_csv(src, STREET_HEADER, "Crime type", "Drugs"))

    name = f"{SEARCH_MONTH}-cambridgeshire-stop-and-search.csv"
    src = shared / "police_uk" / "cambridgeshire" / "stop_and_search" / name
    (street_dir / name).write_bytes(
        filter_csv(src, SEARCH_HEADER, "Object of search", "Controlled drugs")
    )

    (out / "boundaries").mkdir(parents=True, exist_ok=True)
    for src_rel, out_rel in (
        (WARDS_SRC, WARDS_OUT),
        (PFA_SRC, PFA_OUT),
        (WARDS_LICENCE_SRC, WARDS_LICENCE_OUT),
    ):
        shutil.copyfile(shared / src_rel, out / out_rel)

    msr.main(
        [
            "--street-dir",
            str(street_dir),
            "--force-area",
            str(out / PFA_OUT),
            "--n-raids",
            str(N_RAIDS),
            "--seed",
            str(SEED),
            "--out",
            str(out / RAIDS_OUT),
        ]
    )

    (out / "README.md").write_bytes(_readme(out).encode("utf-8"))
    return 0


# -- README ----------------------------------------------------------------------------------------
def _readme(out: Path) -> str:
    area = msr.read_force_area(out / PFA_OUT)
    shapely.prepare(area)

    street_rows = []
    totals = {"rows": 0, "located": 0, "no_location": 0, "outside": 0}
    for month in MONTHS:
        path = out / "police_uk" / f"{month}-cambridgeshire-street.csv"
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        located = (df["Longitude"] != "") & (df["Latitude"] != "")
        lon = pd.to_numeric(df.loc[located, "Longitude"])
        lat = pd.to_numeric(df.loc[located, "Latitude"])
        outside = int((~shapely.contains_xy(area, lon, lat)).sum())
        counts = {
            "rows": len(df),
            "located": int(located.sum()),
            "no_location": int((~located).sum()),
            "outside": outside,
        }
        for key, val in counts.items():
            totals[key] += val
        street_rows.append(
            f"| `{path.name}` | {counts['rows']:,} | {counts['located']:,} | "
            f"{counts['no_location']:,} | {outside:,} | {counts['located'] - outside:,} | "
            f"{_size(path)} |"
        )

    search_path = out / "police_uk" / f"{SEARCH_MONTH}-cambridgeshire-stop-and-search.csv"
    search = pd.read_csv(search_path, dtype=str, keep_default_na=False)
    s_located = (search["Longitude"] != "") & (search["Latitude"] != "")
    s_out = int(
        (
            ~shapely.contains_xy(
                area,
                pd.to_numeric(search.loc[s_located, "Longitude"]),
                pd.to_numeric(search.loc[s_located, "Latitude"]),
            )
        ).sum()
    )

    raids = pd.read_csv(out / RAIDS_OUT, dtype=str, keep_default_na=False)
    rural = int((raids["location"] == msr.RURAL_LOCATION).sum())
    by_type = raids["warrant_type"].value_counts()
    type_text = ", ".join(f"{t} {int(by_type.get(t, 0))}" for t in msr.WARRANT_TYPES)
    by_month = raids["date"].str[:7].value_counts()
    month_text = ", ".join(f"{m[5:]}: {int(by_month.get(m, 0))}" for m in MONTHS)
    operations = ", ".join(f"`{o}`" for o in sorted(raids["operation"].unique()))

    wards = gpd.read_file(out / WARDS_OUT)
    n_lads = wards["LAD23CD"].nunique()

    t = totals
    return _README.format(
        street_table="\n".join(street_rows),
        rows=t["rows"],
        located=t["located"],
        no_location=t["no_location"],
        outside=t["outside"],
        inside=t["located"] - t["outside"],
        search_rows=len(search),
        search_located=int(s_located.sum()),
        search_outside=s_out,
        search_size=_size(search_path),
        n_raids=len(raids),
        rural=rural,
        urban=len(raids) - rural,
        type_text=type_text,
        month_text=month_text,
        operations=operations,
        raids_size=_size(out / RAIDS_OUT),
        n_wards=len(wards),
        n_lads=n_lads,
        wards_size=_size(out / WARDS_OUT),
        pfa_size=_size(out / PFA_OUT),
        licence_size=_size(out / WARDS_LICENCE_OUT),
        n_seed=SEED,
        n_raids_arg=N_RAIDS,
    )


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1024:,.1f} KiB"


def _parse(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


_README = """\
# Demo data

<!-- Generated by scripts/make_demo_data.py; edit the template there, not this file. -->

Small data set for the demo and the tests: the real 2025 drug offences and drug searches of
Cambridgeshire Constabulary (data.police.uk), the ward and force-area boundaries, and a
**SYNTHETIC** raid/warrant layer. Made from the real public data in `../shared/data/real` by

```
python scripts/make_demo_data.py --shared ../shared/data/real --out data
```

run from the repository root. The script is deterministic: re-running it gives byte-identical
files (`tests/test_demo_data.py` checks this when the real data is present).

> **The raid file is SYNTHETIC.** No public point-level data on drug raids, warrants or cannabis
> farms exists. Every record in `raids/SYNTHETIC-raids-2025.csv` is made up: the file name says
> `SYNTHETIC`, every row has `synthetic` = `true`, every `operation` starts with `SYNTHETIC ` and
> every `location` starts with `SYNTHETIC – `. Do not present it as police data.

## Files

| file | what | made how |
|---|---|---|
| `police_uk/2025-MM-cambridgeshire-street.csv` (12) | street-level crimes, \
`Crime type` = `Drugs` only | rows of the real monthly files, unchanged |
| `police_uk/2025-07-cambridgeshire-stop-and-search.csv` | stop and search, \
`Object of search` = `Controlled drugs` only | rows of the real file, unchanged |
| `boundaries/wards_dec2023_bsc.geojson` | {n_wards} wards (Dec 2023) of the {n_lads} \
Cambridgeshire and Peterborough districts, WGS84 | copied unchanged ({wards_size}) |
| `boundaries/force_area_pfa_dec2023_bsc.geojson` | Cambridgeshire police force area \
(PFA Dec 2023), one polygon, WGS84 | copied unchanged ({pfa_size}) |
| `boundaries/LICENCE-wards.txt` | licence and attribution text of the ward source | \
copied unchanged ({licence_size}) |
| `raids/SYNTHETIC-raids-2025.csv` | **SYNTHETIC** drug raids/warrants in 2025 | \
`scripts/make_synthetic_raids.py`, seed {n_seed} |

### Drug offences (street-level crime, 2025)

The rows of the 12 monthly Cambridgeshire street files of 2025 whose `Crime type` is `Drugs`, with
the same 12-column header, columns, field text and order as the source (each row's original bytes;
LF line endings). Rows without a location and rows outside the force area are kept on purpose:
the ingest must see and reject them. "Outside" is measured against
`boundaries/force_area_pfa_dec2023_bsc.geojson`.

| file | rows | located | no location | located outside force area | located inside | size |
|---|---:|---:|---:|---:|---:|---:|
{street_table}
| **total** | **{rows:,}** | **{located:,}** | **{no_location:,}** | **{outside:,}** | \
**{inside:,}** | |

police.uk snaps every crime to an anonymous map point (many offences share one point, e.g.
"On or near Police Station"), gives months but no dates, and uses LSOA 2021 codes in 2025 files.
Offences rose from 130–250 a month to 314, 409 and 455 in September–November 2025.

### Drug searches (stop and search, July 2025)

`police_uk/2025-07-cambridgeshire-stop-and-search.csv`: the {search_rows} rows of the real July 2025
file whose `Object of search` is `Controlled drugs` ({search_located} with coordinates,
{search_outside} of them outside the force area; {search_size}), same 15-column header. Note the
column order `Latitude,Longitude` (the reverse of the street files) and ISO-8601 dates with an
offset (`2025-07-01T03:40:00+00:00`).

### Boundaries

- Wards: ONS Wards (December 2023) Boundaries UK BSC (super-generalised, 200 m), filtered to the
  6 districts of Cambridgeshire and Peterborough: {n_wards} wards, properties `WD23CD`, `WD23NM`,
  `LAD23CD`, `LAD23NM`, …. Ward vintage: **December 2023** (Cambridge was re-warded in 2021 and
  Fenland in 2023; older vintages have 126 or 147 wards). Say which vintage a map uses.
- Force area: ONS Police Force Areas (December 2023) EW BSC, the Cambridgeshire row (`PFA23CD`
  `E23000023`), reprojected from British National Grid to WGS84.

### SYNTHETIC raids

`raids/SYNTHETIC-raids-2025.csv` ({raids_size}): {n_raids} made-up raids/warrant executions in
2025, from

```
python scripts/make_synthetic_raids.py --street-dir data/police_uk \\
    --force-area data/boundaries/force_area_pfa_dec2023_bsc.geojson \\
    --n-raids {n_raids_arg} --seed {n_seed} --out data/raids/SYNTHETIC-raids-2025.csv
```

(`make_demo_data.py` runs this step.) How they are made:

- {urban} raids near real drug-offence concentrations: an offence of the street files above (inside
  the force area) is drawn with probability proportional to the number of offences within 400 m,
  and the raid is placed 20–150 m from it in a random direction (in British National Grid metres),
  then converted back to WGS84 and rounded to 6 decimals. `location` is
  `SYNTHETIC – near <the nearest real offence's location>` (police.uk's "On or near " dropped).
- {rural} rural cannabis farms (`location` = `SYNTHETIC – rural premises`, warrant type
  `cultivation`): random points in the force area at least 1.5 km from any recorded drug offence
  and 2 km from each other.
- All points lie at least 30 m inside the force-area polygon (checked).
- Months follow the monthly offence counts, so there are more raids in the autumn; days are
  weekdays. Raids per month:
  {month_text}.
- Warrant types:
  {type_text}.
- Arrests 0–6, charges never more than arrests; seizure value in GBP by warrant type
  (cultivation finds thousands to hundreds of thousands); `drugs_seized` text.
- Operation names are invented and prefixed `SYNTHETIC `:
  {operations}.
- Ids `SYN-2025-0001` onwards, in date order.

`make_synthetic_raids.py --coords bng` writes the same raids with `easting`/`northing` instead.

## Raid CSV format

The documented format a force can export its own raid/warrant records to. Header required, UTF-8,
any column order, names case-sensitive.

| column | required | meaning |
|---|---|---|
| `raid_id` | yes | unique id of the raid/warrant execution |
| `date` | yes | date executed, `YYYY-MM-DD` |
| `longitude`, `latitude` | one of these two pairs | WGS84 decimal degrees |
| `easting`, `northing` | (alternative pair) | British National Grid (EPSG:27700) metres |
| `location` | no | free-text place description |
| `operation` | no | operation name |
| `warrant_type` | yes | one of `cultivation`, `supply`, `county line`, `possession`, `other` |
| `arrests` | no | whole number ≥ 0 |
| `charges` | no | whole number ≥ 0 |
| `seizure_gbp` | no | estimated street value seized, GBP, ≥ 0 |
| `drugs_seized` | no | free text, `;`-separated, e.g. `cannabis; cocaine` |
| `synthetic` | no | `true` for generated records (default `false`) |

The demo file has the columns
`raid_id,date,longitude,latitude,location,operation,warrant_type,arrests,charges,seizure_gbp,drugs_seized,synthetic`.

## Provenance

All real files come from `../shared/data/real` (see its `README.md` and `provenance.json` for the
source repository, commit and sha256 of each file):

- Street and stop-and-search CSVs: data.police.uk downloads for Cambridgeshire Constabulary,
  months 2025-01 to 2025-12 (street) and 2025-07 (stop and search), as published in the GitHub
  repositories `PriteshParekh/ML-Foundations-Portfolio-Project` (street) and
  `RobertI321/data_engineering_project` (stop and search).
- Wards Dec 2023 BSC: ONS, via the R package `jimgar/wardboundaries` (`wards_dec2023`), converted
  to GeoJSON without geometry change and filtered to the 6 districts.
- Force area: ONS PFA Dec 2023 BSC shapefile, via `burysek/immigration_and_crime`, Cambridgeshire
  row, reprojected to WGS84.

## Attribution and licences

- Police data (`police_uk/`, data.police.uk):
  "Contains public sector information licensed under the Open Government Licence v3.0."
- Boundaries (`boundaries/`, ONS): \
"Source: Office for National Statistics licensed under the Open Government Licence v3.0. \
Contains OS data © Crown copyright and database right 2023." See
  `boundaries/LICENCE-wards.txt` (the ward source's licence file, with the OGL v3.0 text).
- `raids/SYNTHETIC-raids-2025.csv`: synthetic, made by this project; no real records.
"""


if __name__ == "__main__":
    raise SystemExit(main())
