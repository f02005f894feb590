"""Location text as people write it: undo data.police.uk's title-casing after an apostrophe.

data.police.uk publishes street names title-cased word by word, so that a letter after an
apostrophe comes out as a capital: ``On or near St Bede'S Gardens``, ``Dean'S Court``,
``St Bene'T's`` (the published files hold them so; there is no case to restore from). A single
capital letter between an apostrophe and the end of the word is lower-cased again
(``St Bede's Gardens``); names whose part after the apostrophe is longer (``O'Brien Way``) and
everything else keep the source's case. Hand-written: one regular expression, no library does it.
"""

from __future__ import annotations

import re

__all__ = ["location_text"]

_APOSTROPHE_CAPITAL = re.compile(r"(?<=[A-Za-z])(['’])([A-Z])(?![A-Za-z])")


def location_text(text: str) -> str:
    """``"On or near St Bede'S Gardens"`` -> ``"On or near St Bede's Gardens"``."""
    return _APOSTROPHE_CAPITAL.sub(lambda m: m.group(1) + m.group(2).lower(), text)
