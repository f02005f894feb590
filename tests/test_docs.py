"""The README is a front door and the reference in ``docs/`` holds together.

- the README stays small (the reference lives in ``docs/``);
- its test command is the one CI runs, byte for byte;
- every relative link (Markdown or HTML ``src``/``href``) of the README and of ``docs/*.md``
  names a file that exists, and an anchor into a Markdown file names one of its headings;
- every module a page cites as ``hotspots/...py`` or ``web/...py`` exists, and every
  ``docs/*.md`` the code cites exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

#: The README's size limit: a front door, not a reference manual.
README_MAX_BYTES = 12_500

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_MD_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_LINK = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""")
_MODULE = re.compile(r"(?<![\w/.-])((?:hotspots|web)/[\w/]*?\w+\.py)\b")
_DOC_CITED = re.compile(r"(?<![\w/.-])docs/([\w.-]+\.md)\b")


def _prose(text: str) -> str:
    """``text`` without fenced code blocks and code spans (examples, not links)."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def relative_links(text: str) -> list[str]:
    """The relative link targets of a Markdown text (no URLs with a scheme, no mail)."""
    prose = _prose(text)
    targets = _MD_LINK.findall(prose) + _HTML_LINK.findall(prose)
    return [t for t in targets if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", t)]


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped,
    spaces to hyphens, repeats numbered ``-1``, ``-2``."""
    anchors: set[str] = set()
    for line in _FENCE.sub("", text).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match[1].lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def test_readme_is_a_front_door() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size:,} bytes; move reference text to docs/"


def test_readme_test_command_is_the_one_ci_runs() -> None:
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest"
    assert command in README.read_text(encoding="utf-8")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci_lines


def test_link_finder_on_a_hand_made_page() -> None:
    page = (
        'See [a](docs/a.md#part), ![pic](img.png) and <img src="b.png" width="9">, '
        "[web](https://example.org/x), `[code](not-a-link.md)`.\n"
        "```\n[fenced](nor-this.md)\n```\n"
        "## The store: a part\n## The store: a part\n"
    )
    assert relative_links(page) == ["docs/a.md#part", "img.png", "b.png"]
    assert heading_anchors(page) == {"the-store-a-part", "the-store-a-part-1"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path_part, _, anchor = target.partition("#")
        path = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif (
            anchor
            and path.suffix == ".md"
            and anchor not in heading_anchors(path.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    assert broken == [], f"{page.relative_to(ROOT)}: {broken}"


def test_every_cited_module_exists() -> None:
    missing = set()
    for page in PAGES:
        for module in _MODULE.findall(page.read_text(encoding="utf-8")):
            if not (ROOT / module).is_file():
                missing.add(f"{page.relative_to(ROOT)}: {module}")
    assert sorted(missing) == []


def test_every_docs_page_the_code_cites_exists() -> None:
    missing = set()
    for folder in ("hotspots", "web"):
        for source in (ROOT / folder).rglob("*.py"):
            for name in _DOC_CITED.findall(source.read_text(encoding="utf-8")):
                if not (DOCS / name).is_file():
                    missing.add(f"{source.relative_to(ROOT)}: docs/{name}")
    assert sorted(missing) == []
