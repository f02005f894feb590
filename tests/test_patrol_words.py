"""The patrol plan in words a sergeant reads: the method names its months as a period label
(no repository path, no raw month range), and a place's change names what it is compared with,
the same words on the list, the card, the CSV and the GPX."""

from __future__ import annotations

import csv
import io
import re

from tests.helpers import ClientFor

URL = "/patrol?to=2025-11"


def _method(html: str) -> str:
    found = re.search(r'<section class="method".*?</section>', html, re.S)
    assert found is not None, "no method section"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0]))


def test_the_method_names_its_months_in_words_and_no_file(client_for: ClientFor) -> None:
    html = client_for("officer").get(URL).get_data(as_text=True)
    method = _method(html)
    assert "The forecast uses" in method  # the forecast's paragraph is there
    assert "docs/" not in method and ".md" not in method, method
    assert not re.search(r"\d{4}-\d{2}\.\.\d{4}-\d{2}", method), method
    # a period label as the map's: "Jan–Oct 2025" or "Nov 2024–Oct 2025"
    assert re.search(r"the months [A-Z][a-z]{2}( \d{4})?–[A-Z][a-z]{2} \d{4} ", method), method


def test_a_places_change_is_the_same_words_on_list_card_csv_and_gpx(
    client_for: ClientFor,
) -> None:
    """The list said "(-9)" with no word of what it is compared with; now every output says
    "down 9 on Jun–Aug 2025" (or "up ...", "the same as in ..."), from one function."""
    client = client_for("analyst")
    html = client.get(URL).get_data(as_text=True)
    whys = re.findall(r'<span class="why">([^<]*)</span>', html)
    cards = re.findall(r"<dt>Offences</dt><dd>([^<]*)</dd>", html)
    rows = list(csv.DictReader(io.StringIO(client.get(URL.replace("?", ".csv?")).text)))
    gpx = re.findall(r"<desc>([^<]*)</desc>", client.get(URL.replace("?", ".gpx?")).text)[1:]
    assert rows and len(whys) == len(cards) == len(rows) == len(gpx)
    told = 0
    for why, card, row, desc in zip(whys, cards, rows, gpx, strict=True):
        assert not re.search(r"\([+−-]\d", why), why  # no bare "(-9)"
        found = re.match(r"[^,;]+, ([^;]+);", row["reason"])
        assert found is not None, row["reason"]
        words = found[1]
        compare = row["compare_period"]
        if row["change"]:
            change = int(row["change"])
            expected = (
                f"up {change:,} on {compare}"
                if change > 0
                else f"down {-change:,} on {compare}"
                if change < 0
                else f"the same as in {compare}"
            )
            assert words == expected, (words, row)
            told += 1
        for text in (why, card, desc):
            assert words in text.replace("&#39;", "'"), (words, text)
    assert told, "no place of the demo plan has a change"
