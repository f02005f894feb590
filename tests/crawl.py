"""Walking the app as a person clicking through it: every page reached from ``/`` by menu links
(every ``<nav>``: the main menu, the period presets), the map frames those pages embed, and every
GET form on them sent as it stands (what its button sends untouched), with the status of each.

Used by the "no default link answers an error" tests (``tests/test_journeys_map.py`` on the demo
stores, ``tests/test_journeys_real_stores.py`` on subsets of the shared real data).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

from flask.testing import FlaskClient

_NAV = re.compile(r"<nav\b[^>]*>(.*?)</nav>", re.S)
_HREF = re.compile(r'href="([^"]+)"')


def menu_links(page: str) -> list[str]:
    """The local links of every ``<nav>`` of a page (the main menu, the period presets)."""
    links = []
    for block in _NAV.findall(page):
        for href in _HREF.findall(block):
            href = htmllib.unescape(href)
            if href.startswith("/") and not href.startswith("/static/"):
                links.append(href)
    return links


@dataclass
class Form:
    """A GET form of a page: its action and the values it would send untouched."""

    action: str
    values: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    """The GET forms of a page, with what each sends as it stands: checked boxes, each
    select's selected options (the first when none is), inputs' values."""

    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool, list[tuple[str, bool]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = Form(a.get("action") or self.path)
        if self._form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self._form.values.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [])
        elif tag == "option" and self._select is not None:
            self._select[2].append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options = self._select
            chosen = [v for v, selected in options if selected]
            if not chosen and options and not multiple:
                chosen = [options[0][0]]
            self._form.values += [(name, v) for v in chosen]
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def default_submissions(path: str, page: str) -> list[str]:
    """The URL each GET form of ``page`` (at ``path``) goes to when sent as it stands."""
    parser = _Forms(path.split("?", 1)[0])
    parser.feed(page)
    return [f"{f.action}?{urlencode(f.values)}" for f in parser.forms]


def frames(page: str) -> list[str]:
    """The local ``src`` of the page's iframes (its maps)."""
    out = []
    for chunk in page.split("<iframe")[1:]:
        src = chunk.split('src="', 1)[1].split('"', 1)[0] if 'src="' in chunk else ""
        if src.startswith("/"):
            out.append(htmllib.unescape(src))
    return out


def walk(client: FlaskClient, limit: int = 80) -> dict[str, int]:
    """Every page reached from ``/`` by menu links, its frames and its forms sent as they
    stand, and the status of each."""
    seen: dict[str, int] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        found = menu_links(page) + frames(page) + default_submissions(url, page)
        queue += [u for u in found if u not in seen and u not in queue]
    return seen
