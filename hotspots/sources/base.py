"""What every reader returns: kept events in the canonical schema and rejected rows with reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots import schema
from hotspots.sources.lines import RowLines
from hotspots.validate import RowVerdicts, rejected_frame, take_column, take_rows, text_array


@dataclass
class SourceRead:
    """The result of reading one source file.

    Attributes
    ----------
    path : Path
        The file read.
    kind : str
        ``"street"``, ``"stop_search"`` or ``"raids"``.
    sha256 : str
        Checksum of the file's bytes.
    rows_read : int
        Data rows in the file (header excluded).
    events : pandas.DataFrame
        Kept rows in the canonical schema (:data:`hotspots.schema.EVENT_COLUMNS` plus the layer's
        extra columns) and ``x_m``/``y_m``, British National Grid metres (EPSG:27700).
    rejected : pandas.DataFrame
        Rejected rows: ``source_file``, ``source_row``, ``reason``, ``detail``, then the file's own
        fields unchanged. Made from ``raw`` and ``verdicts`` when first asked for, unless given
        (the spatial checks of the ingest reject more rows first: the frame is made once).
    """

    path: Path
    kind: str
    sha256: str
    rows_read: int
    events: pd.DataFrame
    given_rejected: InitVar[pd.DataFrame | None] = None
    raw: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: The line of each row of ``raw``: the ``source_row`` of its event or rejected row.
    lines: RowLines = field(repr=False, default_factory=lambda: RowLines(2))
    #: The reader's verdicts on the rows of ``raw`` (``rejected`` is made from them), if given.
    verdicts: RowVerdicts | None = field(repr=False, default=None)
    _rejected: pd.DataFrame | None = field(init=False, repr=False, default=None)

    def __post_init__(self, given_rejected: pd.DataFrame | None) -> None:
        if given_rejected is None and self.verdicts is None:
            raise ValueError("a SourceRead needs its rejected rows or the verdicts they come from")
        self._rejected = given_rejected

    @property
    def rejected(self) -> pd.DataFrame:
        if self._rejected is None:
            assert self.verdicts is not None
            self._rejected = rejected_frame(self.raw, self.verdicts, self.path.name, self.lines.of)
        return self._rejected

    @rejected.setter
    def rejected(self, frame: pd.DataFrame) -> None:
        self._rejected = frame

    def reject_kept(
        self,
        mask: np.ndarray,
        reason: str,
        detail: np.ndarray | str | Callable[[np.ndarray], np.ndarray],
    ) -> None:
        """Move kept events in ``mask`` to the rejected rows with ``reason`` (e.g. after the
        spatial checks, which run once the readers are done).

        ``detail`` is one text, per-event texts (aligned with :attr:`events`), or a function of
        the positions of the events moved returning their texts (built only for those).
        """
        self.reject_kept_all([(mask, reason, detail)])

    def reject_kept_all(
        self,
        rejections: Sequence[
            tuple[np.ndarray, str, np.ndarray | str | Callable[[np.ndarray], np.ndarray]]
        ],
        *,
        order: np.ndarray | None = None,
    ) -> None:
        """:meth:`reject_kept` for several ``(mask, reason, detail)`` at once, every mask over
        the events as they are now (an event in several takes the first reason): the rejected
        rows are made again once, not once per reason. ``order``: the positions of the events
        that stay, in the order they are to be kept in (default: their order now)."""
        masks: list[np.ndarray] = []
        taken = np.zeros(len(self.events), dtype=bool)
        for mask, _, _ in rejections:
            own = np.asarray(mask, dtype=bool) & ~taken
            taken |= own
            masks.append(own)
        if order is not None and len(order) != int((~taken).sum()):
            raise ValueError(f"order names {len(order)} events; {int((~taken).sum())} stay")
        if not taken.any():
            if order is not None:
                self.events = take_rows(self.events, order)
            return
        source_rows = self.events[schema.SOURCE_ROW].to_numpy()
        positions = self.lines.positions(source_rows)
        remake = self.verdicts is not None and bool(self.verdicts.kept[positions[taken]].all())
        for own, (_, reason, detail) in zip(masks, rejections, strict=True):
            if not own.any():
                continue
            moved = np.flatnonzero(own)
            if callable(detail):
                details: object = detail(moved)
            elif isinstance(detail, np.ndarray):
                details = detail[own]
            else:
                details = detail
            if remake:
                self._record_rejection(positions[moved], reason, details)
            else:
                self._merge_rejected(moved, source_rows[moved], reason, details)
        if remake:
            self._rejected = None  # made again from the verdicts when next asked for
        self.events = take_rows(self.events, ~taken if order is None else order)

    def _record_rejection(self, positions: np.ndarray, reason: str, details: object) -> None:
        """Record the rejection of the rows at ``positions`` of :attr:`raw` in the verdicts."""
        assert self.verdicts is not None
        rows = np.zeros(len(self.verdicts), dtype=bool)
        rows[positions] = True
        texts = details if isinstance(details, str) else (lambda _rows: details)
        self.verdicts.reject(rows, reason, texts)

    def _merge_rejected(
        self, moved: np.ndarray, source_rows: np.ndarray, reason: str, details: object
    ) -> None:
        """Add the moved events' rows to the rejected ones, in source row order."""
        head = pd.DataFrame(
            {
                schema.SOURCE_FILE: take_column(self.events[schema.SOURCE_FILE], moved),
                schema.SOURCE_ROW: source_rows,
                "reason": reason,
                "detail": details,
            }
        )
        fields = take_rows(self.raw, self.lines.positions(source_rows))
        combined = pd.concat([self.rejected, pd.concat([head, fields], axis=1)], ignore_index=True)
        order = np.argsort(_first(combined, schema.SOURCE_ROW).to_numpy(), kind="stable")
        self.rejected = take_rows(combined, order)

    @property
    def layer(self) -> str:
        """The store layer the file feeds (``offence``, ``search`` or ``raid``)."""
        return schema.LAYER_OF_KIND[self.kind]

    def rejected_by_reason(self) -> dict[str, int]:
        """Rejected rows counted by reason."""
        if self._rejected is None and self.verdicts is not None:
            return self.verdicts.counts()
        if self.rejected.empty:
            return {}
        counts = _first(self.rejected, "reason").value_counts()
        return {str(k): int(v) for k, v in counts.sort_index().items()}

    def reconciles(self) -> bool:
        """True when rows read equal rows kept plus rows rejected."""
        if self._rejected is None and self.verdicts is not None:
            rejected = len(self.verdicts) - int(self.verdicts.kept.sum())
        else:
            rejected = len(self.rejected)
        return self.rows_read == len(self.events) + rejected


@dataclass
class ReadGroup:
    """Several files of one kind read and checked as one table.

    ``combined`` reads the files' rows one after another as if they were one file (with
    several files its ``source_row`` numbers the combined rows, one line each; ``source_file``
    names each row's own file), so that later checks (the ingest's spatial ones) run once for
    all of them; :meth:`split` and :meth:`reads` then give each file its own share, numbered
    with the file's own lines.
    """

    combined: SourceRead
    paths: list[Path]
    sha256: list[str]
    raws: list[pd.DataFrame]
    #: Each file's first row in the combined rows, and the number of combined rows last.
    starts: np.ndarray
    #: The line of each row of each file, in its file.
    lines: list[RowLines]

    def file_of(self, events: pd.DataFrame) -> np.ndarray:
        """The file (0, 1, ...) of each of the combined ``events``."""
        rows = self.combined.lines.positions(events[schema.SOURCE_ROW].to_numpy())
        return np.searchsorted(self.starts, rows, side="right") - 1

    def split(self, events: pd.DataFrame) -> list[pd.DataFrame]:
        """Each file's share of ``events`` (rows of :attr:`combined`, ordered by file), its
        ``source_row`` the file's own line."""
        if len(self.paths) == 1:
            return [events]
        bounds = np.searchsorted(self.file_of(events), np.arange(len(self.paths) + 1))
        parts: list[pd.DataFrame] = []
        for i in range(len(self.paths)):
            part = events.iloc[bounds[i] : bounds[i + 1]].reset_index(drop=True)
            rows = self.combined.lines.positions(part[schema.SOURCE_ROW].to_numpy())
            part[schema.SOURCE_ROW] = self.lines[i].of(rows - self.starts[i])
            parts.append(part)
        return parts

    def reads(self) -> list[SourceRead]:
        """One read per file, with its share of the combined events and verdicts."""
        if len(self.paths) == 1:
            return [self.combined]
        verdicts = self.combined.verdicts
        assert verdicts is not None
        return [
            SourceRead(
                path=path,
                kind=self.combined.kind,
                sha256=sha,
                rows_read=len(raw),
                events=events,
                given_rejected=rejected,
                raw=raw,
                lines=lines,
                verdicts=verdicts.slice(start, stop),
            )
            for path, sha, raw, lines, events, rejected, start, stop in zip(
                self.paths,
                self.sha256,
                self.raws,
                self.lines,
                self.split(self.combined.events),
                self._split_rejected(),
                self.starts[:-1],
                self.starts[1:],
                strict=True,
            )
        ]

    def _split_rejected(self) -> list[pd.DataFrame]:
        """Each file's rejected rows, made once for all the files (one layout: the same
        columns), then cut at the files' first rows."""
        combined = self.combined.rejected  # source_file, source_row, reason, detail, fields
        rows = self.combined.lines.positions(combined.iloc[:, 1].to_numpy())  # combined rows
        bounds = np.searchsorted(rows, self.starts)
        parts: list[pd.DataFrame] = []
        for i, path in enumerate(self.paths):
            a, b = bounds[i], bounds[i + 1]
            name = pa.repeat(pa.scalar(path.name, type=pa.large_string()), int(b - a))
            head = pd.DataFrame(
                {
                    schema.SOURCE_FILE: text_array(name),
                    schema.SOURCE_ROW: self.lines[i].of(rows[a:b] - self.starts[i]),
                }
            )
            rest = combined.iloc[a:b, 2:].reset_index(drop=True)
            parts.append(pd.concat([head, rest], axis=1))
        return parts


def _first(frame: pd.DataFrame, name: str) -> pd.Series:
    """The first column called ``name`` (a file's own fields may repeat the name)."""
    return frame.iloc[:, list(frame.columns).index(name)]


def canonical_frame(
    n_rows: int,
    *,
    event_id: object,
    layer: str,
    category: object,
    month: object,
    date: object,
    location: object,
    outcome: object,
    source_file: object,
    source_row: np.ndarray,
    synthetic: object,
    x_m: np.ndarray,
    y_m: np.ndarray,
    extra: dict[str, object] | None = None,
) -> pd.DataFrame:
    """Assemble kept rows in the canonical column order (the one place that order is written)."""
    columns: dict[str, object] = {
        schema.EVENT_ID: event_id,
        schema.LAYER: layer,
        schema.CATEGORY: category,
        schema.MONTH: month,
        schema.DATE: date,
        schema.LOCATION: location,
        schema.OUTCOME: outcome,
        schema.SOURCE_FILE: source_file,
        schema.SOURCE_ROW: np.asarray(source_row, dtype="int64"),
        schema.SYNTHETIC: synthetic,
    }
    columns.update(extra or {})
    columns["x_m"] = np.asarray(x_m, dtype="float64")
    columns["y_m"] = np.asarray(y_m, dtype="float64")
    # One text for every row: repeated in Arrow (pandas would repeat a Python string per row).
    columns = {
        name: text_array(pa.repeat(pa.scalar(value, type=pa.large_string()), n_rows))
        if isinstance(value, str)
        else value
        for name, value in columns.items()
    }
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n_rows))
    frame[schema.SYNTHETIC] = frame[schema.SYNTHETIC].astype(bool)
    return frame
