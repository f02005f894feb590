"""What an export records about itself: :class:`ExportMetadata` and the licence text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from hotspots.export.jsonvalues import _dumps, _json_value

LICENCE: Final = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(data.police.uk). Boundaries: Source: Office for National Statistics licensed under the "
    "Open Government Licence v3.0. Contains OS data © Crown copyright and database right."
)
SYNTHETIC_NOTE: Final = (
    "Raid records marked synthetic=true are SYNTHETIC demonstration data, not real police records."
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExportMetadata:
    """What an export records about itself.

    Parameters
    ----------
    period
        Label of the period exported, e.g. ``str(Period.calendar_year(2025))``.
    parameters
        Analysis parameters, e.g. ``{"eps_m": 150, "min_samples": 36}`` (JSON-serialisable).
    data_version
        The store manifest's ``version`` the data came from (``""``: not from a store;
        :func:`export_events` fills it in).
    generated
        ISO 8601 UTC time of generation (default: now).
    licence
        Attribution text (default :data:`LICENCE`); :data:`SYNTHETIC_NOTE` is appended when
        ``synthetic``.
    synthetic
        Whether the export holds (or is derived from) synthetic records. The export functions set
        it when a row has ``synthetic`` true; they never clear it.
    extra
        Anything else worth recording (JSON-serialisable).
    """

    period: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    data_version: str = ""
    generated: str = field(default_factory=_now)
    licence: str = LICENCE
    synthetic: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The metadata as a JSON-safe dict (raises :class:`ExportError` on values JSON lacks)."""
        licence = self.licence
        if self.synthetic and SYNTHETIC_NOTE not in licence:
            licence = f"{licence} {SYNTHETIC_NOTE}"
        data = {
            "period": str(self.period),
            "parameters": dict(self.parameters),
            "data_version": self.data_version,
            "generated": self.generated,
            "licence": licence,
            "synthetic": bool(self.synthetic),
            "extra": dict(self.extra),
        }
        result: dict[str, Any] = json.loads(_dumps(_json_value(data, "export metadata")))
        return result
