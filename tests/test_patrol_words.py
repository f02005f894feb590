"""The patrol plan in words a sergeant reads: the method names its months as a period label
(no repository path, no raw month range), and a place's change names what it is compared with,
the same words on the list, the card, the CSV and the GPX."""

from __future__ import annotations

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
