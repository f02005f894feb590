"""The server's in-memory events: Arrow text as plain Python strings, one string per distinct
value (a large force's year with every crime type is ~1M rows: a string per row cost 1.1 GB,
docs/benchmarks.md "A large force")."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from web.data import _plain_text


def test_text_columns_become_shared_python_strings_and_missing_stays_none() -> None:
    text = pd.StringDtype("pyarrow")
    events = gpd.GeoDataFrame(
        {
            "category": pd.array(["Drugs", "Burglary", None, "Drugs", "Drugs"], dtype=text),
            "ward_code": pd.array(["E05000001", None, None, "E05000002", "E05000001"], dtype=text),
            "source_row": [2, 3, 4, 5, 6],
        },
        geometry=[Point(i, i) for i in range(5)],
        crs="EPSG:27700",
        index=[10, 11, 12, 13, 14],
    )
    out = _plain_text(events)
    assert out["category"].dtype == object and out["ward_code"].dtype == object
    assert out["category"].tolist() == ["Drugs", "Burglary", None, "Drugs", "Drugs"]
    assert out["ward_code"].tolist() == ["E05000001", None, None, "E05000002", "E05000001"]
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert out.geometry.equals(events.geometry)
    # the three "Drugs" rows hold one string object, not three copies
    drugs = [v for v in out["category"] if v == "Drugs"]
    assert len({id(v) for v in drugs}) == 1
    assert out["category"].isna().tolist() == [False, False, True, False, False]
    # the store's frame is left as it was
    assert isinstance(events["category"].dtype, pd.StringDtype)
