"""GSS codes (the ONS Government Statistical Service codes of areas): which are wards, which are
local authority districts. The one rule, used wherever codes are classified (an officer's
scope, the patrol plan's default area, the OpenAPI documents' code pattern).

A GSS code is a letter for the country (E, W, S, N), two digits for the entity type and six
for the area: ``E05013051`` is an English ward, ``E07000008`` a district. The entity types:

- wards: ``E05`` (electoral wards and divisions), ``W05`` (Welsh electoral wards), ``S13``
  (Scottish multi-member wards), ``N08`` (Northern Irish wards);
- local authority districts: ``E06`` (unitary authorities), ``E07`` (non-metropolitan
  districts), ``E08`` (metropolitan districts), ``E09`` (London boroughs), ``W06`` (Welsh
  unitary authorities), ``S12`` (Scottish council areas), ``N09`` (Northern Irish local
  government districts).
"""

from __future__ import annotations

import re
from typing import Any, Final

#: The shape of any GSS code (a regular expression, for OpenAPI ``pattern`` too).
CODE_PATTERN: Final = r"^[ENSW]\d{8}$"
#: Entity types (the first three characters) of wards.
WARD_PREFIXES: Final = ("E05", "W05", "S13", "N08")
#: Entity types of local authority districts.
DISTRICT_PREFIXES: Final = ("E06", "E07", "E08", "E09", "W06", "S12", "N09")

_CODE = re.compile(CODE_PATTERN)


def is_gss_code(code: str) -> bool:
    """Whether ``code`` has the shape of a GSS code (``E07000008``; upper case)."""
    return bool(_CODE.match(code))


def is_ward_code(code: str) -> bool:
    """Whether ``code`` is a ward's GSS code (``E05…``, ``W05…``, ``S13…``, ``N08…``)."""
    return is_gss_code(code) and code[:3] in WARD_PREFIXES


def is_district_code(code: str) -> bool:
    """Whether ``code`` is a local authority district's GSS code (``E06…``-``E09…``,
    ``W06…``, ``S12…``, ``N09…``)."""
    return is_gss_code(code) and code[:3] in DISTRICT_PREFIXES


def districts_held(wards: Any) -> str:
    """The districts of a ward table as a message names them, by code:
    ``"E07000008 (Cambridge), E07000009 (East Cambridgeshire)"`` (``wards``: a DataFrame with
    ``district_code`` and ``district_name``). The one wording for every refusal of codes a
    store does not hold (an officer's scope, a patrol area, ``hotspots users --scope``)."""
    districts = wards.drop_duplicates("district_code").sort_values("district_code")
    return ", ".join(
        f"{code} ({name})"
        for code, name in zip(districts["district_code"], districts["district_name"], strict=True)
    )
