"""How the Tracker tab changes shape in a run, so what the owner put around the pipeline's cells moves with it.

The pipeline owns a block of the Tracker: the header row and its rows, from column A to the last week. The
owner's cells right of the weeks belong to a row, and the owner's rows below the block belong below it.
Before the block is rewritten, both writers apply the same :class:`Reshape`: rows move, are inserted and
deleted so that every row that stays on the Tracker keeps its physical row (and with it the owner's cells
beside it, its height, its hidden state), new week columns are inserted at the block's right edge (the
owner's columns shift right), and a row that leaves the Tracker with the owner's cells beside it is moved
below the block rather than deleted. The Google Sheet writer sends the steps as ``moveDimension`` /
``insertDimension`` / ``deleteDimension`` requests; the workbook writer moves its cells by
:meth:`Reshape.row_after` and :meth:`Reshape.column_after`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Literal

from sheets_sync.cells import Grid, cell_text, is_blank_row
from sheets_sync.tracker_tab import RowKey, TrackerRow, TrackerRowState, block_width

_NEW = -1  # a row that did not exist on the tab


@dataclass(frozen=True)
class TrackerOrigin:
    """Where the rows of a new Tracker come from on the tab as it was read.

    Attributes:
        sources: For each row of the new grid (header first), its row on the old tab, ``None`` when new.
        old_height: Rows of the old tab that were the pipeline's (header included), up to its last KPI row;
            rows below are the owner's.
        old_width: Columns of the old tab that were the pipeline's (labels and weeks).
        foreign_rows: Rows inside the old block that are not the pipeline's (a line of the owner's text among
            the KPI rows): kept, not deleted, when they leave the layout.
    """

    sources: list[int | None] = field(default_factory=list)
    old_height: int = 0
    old_width: int = 0
    foreign_rows: frozenset[int] = frozenset()


def tracker_origin(
    old_grid: Grid,
    old_rows: Sequence[TrackerRowState],
    rows: Sequence[TrackerRow],
    states: Mapping[RowKey, TrackerRowState],
    unresolved: Sequence[TrackerRowState],
    section_titles: Set[str],
) -> TrackerOrigin:
    """Match the rows of the new layout to the rows of the tab as read.

    Args:
        old_grid: The Tracker as read (header first; empty = no tab).
        old_rows: Every row the model read from it (with the tab row each came from).
        rows: The new layout's rows below the header.
        states: The KPI rows by key, with the tab row each was read from.
        unresolved: The rows kept verbatim, in the order the layout writes them.
        section_titles: The titles a section header row of the pipeline can have.
    """
    width = block_width(old_grid)
    if not width:
        return TrackerOrigin([None] * (len(rows) + 1), 0, 0)
    height = 1 + max((row.source_row for row in old_rows if row.source_row is not None), default=0)
    read = {row.source_row for row in old_rows}
    sections: dict[str, list[int]] = {}
    foreign: set[int] = set()
    for index in range(1, height):
        block = old_grid[index][:width] if index < len(old_grid) else []
        if is_blank_row(block) or index in read:
            continue
        label, channel = cell_text(block[0]) if block else "", cell_text(block[1]) if len(block) > 1 else ""
        if label in section_titles and not channel and is_blank_row(block[2:]):
            sections.setdefault(label, []).append(index)
        else:
            foreign.add(index)  # the owner's line among the KPI rows
    sources: list[int | None] = [0]
    pending_unresolved = iter(unresolved)
    for row in rows:
        if row.kind == "section":
            taken = sections.get(row.name) or []
            sources.append(taken.pop(0) if taken else None)
        elif row.kind == "unresolved":
            state = next(pending_unresolved, None)
            sources.append(state.source_row if state is not None else None)
        else:
            known = states.get(row.key) if row.key is not None else None
            sources.append(known.source_row if known is not None else None)
    return TrackerOrigin(sources, height, width, frozenset(foreign))


Step = tuple[Literal["move", "insert", "delete"], int, int]
"""``("move", from, destination)`` (destination before the row is taken out, as Sheets' ``moveDimension``),
``("insert", at, count)`` or ``("delete", at, count)``: 0-based sheet rows."""


@dataclass(frozen=True)
class Reshape:
    """The row steps and column insertion that give the old tab the new Tracker's shape.

    Attributes:
        row_steps: Row steps, in order.
        columns_at: Where new week columns are inserted (the old block's right edge).
        columns_added: How many.
        extent: Rows the pipeline writes after the steps: the new Tracker plus the rows that left it with the
            owner's cells beside them (now right below it, their pipeline cells to be cleared).
        final_rows: The old row each row of ``[0, extent)`` holds after the steps (``None``: inserted).
        old_height: The old block's height (rows below it only shift).
    """

    row_steps: list[Step]
    columns_at: int
    columns_added: int
    extent: int
    final_rows: list[int | None]
    old_height: int

    @property
    def changes_rows(self) -> bool:
        return bool(self.row_steps)

    def row_after(self, old_row: int) -> int | None:
        """Where an old row sits after the steps (``None``: deleted)."""
        if old_row >= self.old_height:
            return old_row + self.extent - self.old_height
        try:
            return self.final_rows.index(old_row)
        except ValueError:
            return None

    def column_after(self, old_column: int) -> int:
        return old_column + self.columns_added if old_column >= self.columns_at else old_column


def plan_reshape(origin: TrackerOrigin, new_width: int, owner_rows: Set[int]) -> Reshape:
    """The steps from the old tab to the new Tracker's rows and columns.

    Args:
        origin: Where each new row comes from (:func:`tracker_origin`).
        new_width: Columns of the new Tracker.
        owner_rows: Old rows with something of the owner's beside the block (a value or a note right of it);
            the origin's foreign rows count too.
    """
    target = [_NEW if source is None else source for source in origin.sources]
    owner_rows = set(owner_rows) | origin.foreign_rows
    if origin.old_height == 0:
        return Reshape([], 0, 0, len(target), [None] * len(target), 0)
    current = list(range(origin.old_height))
    steps: list[Step] = []
    kept = set(target)
    leaving = [row for row in range(1, origin.old_height) if row not in kept]
    for row in sorted((r for r in leaving if r not in owner_rows), reverse=True):
        index = current.index(row)
        _add(steps, ("delete", index, 1))
        current.pop(index)
    for row in (r for r in leaving if r in owner_rows):
        index = current.index(row)
        if index != len(current) - 1:
            steps.append(("move", index, len(current)))
            current.append(current.pop(index))
    for position, wanted in enumerate(target):
        if position < len(current) and wanted != _NEW and current[position] == wanted:
            continue
        if wanted == _NEW or wanted not in current:
            _add(steps, ("insert", position, 1))
            current.insert(position, _NEW)
            continue
        index = current.index(wanted)
        steps.append(("move", index, position))
        current.insert(position, current.pop(index))
    added = max(0, new_width - origin.old_width)
    final_rows = [None if row == _NEW else row for row in current]
    return Reshape(steps, origin.old_width, added, len(current), final_rows, origin.old_height)


def _add(steps: list[Step], step: Step) -> None:
    """Append a step, merging it with the previous one when both insert (or delete) adjacent rows."""
    kind, at, count = step
    if steps:
        last_kind, last_at, last_count = steps[-1]
        if kind == last_kind == "insert" and at == last_at + last_count:
            steps[-1] = ("insert", last_at, last_count + count)
            return
        if kind == last_kind == "delete" and at + count == last_at:
            steps[-1] = ("delete", at, last_count + count)
            return
    steps.append(step)
