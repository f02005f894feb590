"""Patrol area: where a plan looks, the whole force, one district or chosen wards.

:meth:`PatrolArea.resolve` checks the GSS codes against the stored wards and gives the area's
ward codes and a label for the plan's title.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd

from hotspots.errors import HotspotsError
from hotspots.gss import districts_held

__all__ = ["AreaKind", "PatrolArea", "PatrolAreaError"]

AreaKind = Literal["force", "district", "wards"]


class PatrolAreaError(HotspotsError, ValueError):
    """A patrol area names a district or ward the store does not hold, or is malformed."""


@dataclass(frozen=True)
class PatrolArea:
    """Where a plan looks: the whole force, one district (GSS code) or chosen wards (GSS codes).

    Build one with :meth:`force`, :meth:`district` or :meth:`wards`; :meth:`resolve` checks the
    codes against the stored wards.
    """

    kind: AreaKind = "force"
    codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("force", "district", "wards"):
            raise PatrolAreaError(
                f"area kind: got {self.kind!r}; expected 'force', 'district' or 'wards'"
            )
        if any(not isinstance(c, str) or not c.strip() for c in self.codes):
            raise PatrolAreaError(f"area codes: got {self.codes!r}; expected non-empty strings")
        object.__setattr__(self, "codes", tuple(sorted({c.strip() for c in self.codes})))
        wanted = {"force": (0, 0), "district": (1, 1), "wards": (1, math.inf)}[self.kind]
        if not wanted[0] <= len(self.codes) <= wanted[1]:
            what = {"force": "no codes", "district": "one district code", "wards": "ward codes"}
            raise PatrolAreaError(
                f"a {self.kind} area takes {what[self.kind]}; got {list(self.codes)}"
            )

    @classmethod
    def force(cls) -> PatrolArea:
        """The whole force area."""
        return cls("force")

    @classmethod
    def district(cls, code: str) -> PatrolArea:
        """One local authority district, by GSS code (e.g. ``"E07000008"``)."""
        return cls("district", (code,))

    @classmethod
    def wards(cls, codes: list[str] | tuple[str, ...]) -> PatrolArea:
        """One or more wards, by GSS code (e.g. ``["E05013050"]``)."""
        if isinstance(codes, str):
            codes = (codes,)
        return cls("wards", tuple(codes))

    def resolve(self, wards: gpd.GeoDataFrame) -> tuple[frozenset[str], str]:
        """The ward codes of the area and its label, checked against ``wards``.

        Parameters
        ----------
        wards
            The stored wards (``ward_code``, ``ward_name``, ``district_code``, ``district_name``).

        Raises
        ------
        PatrolAreaError
            A code the store does not hold (the message lists what it does hold).
        """
        missing = {"ward_code", "ward_name", "district_code", "district_name"} - set(wards.columns)
        if missing:
            raise PatrolAreaError(f"wards frame lacks columns {sorted(missing)}")
        if self.kind == "force":
            return frozenset(wards["ward_code"]), "the whole force area"
        if self.kind == "district":
            (code,) = self.codes
            if code not in set(wards["district_code"]):
                held = districts_held(wards)
                raise PatrolAreaError(
                    f"unknown district code {code!r}; expected one of the stored districts: {held}"
                )
            rows = wards[wards["district_code"] == code]
            return frozenset(rows["ward_code"]), str(rows["district_name"].iloc[0])
        known = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
        unknown = [c for c in self.codes if c not in known]
        if unknown:
            example = next(iter(sorted(known.items())), ("E05...", "?"))
            raise PatrolAreaError(
                f"unknown ward code(s) {', '.join(repr(c) for c in unknown)}; expected codes of "
                f"the {len(known)} stored wards, e.g. {example[0]} ({example[1]})"
            )
        names = sorted(known[c] for c in self.codes)
        if len(names) <= 3:
            label = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            return frozenset(self.codes), label + (" ward" if len(names) == 1 else " wards")
        return frozenset(self.codes), f"{len(names)} chosen wards"
