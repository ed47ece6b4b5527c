"""Notes on Tracker cells (Sheets notes, Excel comments): restatement notes and notes carried across runs.

Restated cells carry :meth:`~sheets_sync.update.Restatement.note`; :func:`carry_notes` moves the notes a tab
already had to their cells' new positions, so both writers keep them across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sheets_sync.cells import Grid, cell_text, parse_week
from sheets_sync.tabs import FIRST_WEEK_COLUMN, TRACKER_FIXED_HEADER
from sheets_sync.tracker_tab import row_labels
from sheets_sync.update import TrackerUpdate

LABEL_COLUMNS = {name: index for index, name in enumerate(TRACKER_FIXED_HEADER)}


@dataclass(frozen=True)
class CellNote:
    """A note (Sheets) / comment (Excel) on one Tracker cell.

    Attributes:
        row: 0-based Tracker row.
        col: 0-based Tracker column.
        text: The note text, e.g. ``"first reported 1,234 on 2026-11-10"``.
        author: Who wrote it when known (an ``.xlsx`` comment's author); ``None`` means the pipeline.
    """

    row: int
    col: int
    text: str
    author: str | None = None


def carry_notes(
    old_tracker: Grid, old_notes: Mapping[tuple[int, int], str | tuple[str, str | None]], update: TrackerUpdate
) -> list[CellNote]:
    """Move notes from their cells on the Tracker as it was to the same cells on the new Tracker.

    Rows are matched by their ``KPI, Channel`` labels (a blank KPI cell reads as the KPI of its block) and
    columns by their week header, so a note follows its cell when rows or weeks are inserted, or when the
    tab moves from the earlier six label columns to the current two. Notes on cells that no longer exist
    are dropped.

    Args:
        old_tracker: The Tracker grid as read before the write (header row first).
        old_notes: ``{(row, col): text}`` or ``{(row, col): (text, author)}`` in ``old_tracker`` coordinates.
        update: The update about to be written.

    Returns:
        The notes in the new Tracker's coordinates, in row-major order.
    """

    if not old_tracker:
        return []
    new_rows = {label: index for index, label in enumerate(row_labels(update.tracker)) if label is not None}
    new_cols = {str(cell): index for index, cell in enumerate(update.tracker[0]) if index >= FIRST_WEEK_COLUMN}
    old_labels = row_labels(old_tracker)
    old_header = old_tracker[0]
    old_first_week = next(
        (index for index, cell in enumerate(old_header) if parse_week(cell) is not None), len(old_header)
    )
    carried: list[CellNote] = []
    for (row, col), note in old_notes.items():
        text, author = (note, None) if isinstance(note, str) else note
        if row == 0 or row >= len(old_tracker):
            continue
        if col < old_first_week or col >= len(old_header):
            # A note on a label cell stays on its label (the earlier layout's other label columns are gone).
            label_name = cell_text(old_header[col]) if col < old_first_week else ""
            new_col: int | None = LABEL_COLUMNS.get(label_name)
        else:
            new_col = new_cols.get(str(old_header[col]))
        label = old_labels[row]
        new_row = new_rows.get(label) if label is not None else None
        if new_row is not None and new_col is not None:
            carried.append(CellNote(new_row, new_col, text, author))
    return sorted(carried, key=lambda n: (n.row, n.col))


def merge_notes(kept: Iterable[CellNote], new: Iterable[CellNote]) -> list[CellNote]:
    """Combine carried notes with this run's notes; a new note replaces a kept one on the same cell."""
    merged = {(note.row, note.col): note for note in kept}
    merged.update({(note.row, note.col): note for note in new})
    return [merged[position] for position in sorted(merged)]
