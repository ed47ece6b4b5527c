"""The workbook writer's rewrite of a pipeline tab in place: the pipeline's region is rendered anew, the rest of
the sheet is kept.

:func:`rewrite_region` renders the tab's new content into a scratch sheet with the tab writers of
:mod:`sheets_sync.xlsx_tabs` / :mod:`sheets_sync.xlsx_styled` (they fill an empty sheet), clears the
pipeline's region of the existing sheet (values, styles, comments, merges) and moves the rendered cells, row
and column settings and the sheet settings the writers own (frozen panes, print titles and area, page
setup, outline direction) into it. Everything else on the sheet is the owner's and stays: cells, comments,
merges outside the region, conditional formatting, data validation, the autofilter, hidden rows (inside the
region too), row heights the pipeline does not set, sheet protection, images and charts openpyxl reads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

SCRATCH_TITLE = "__funnel_ledger_render__"


def rewrite_region(
    wb: Workbook,
    title: str,
    render: Callable[[Worksheet], None],
    region: Callable[[Worksheet, Worksheet], tuple[int, int]],
) -> Worksheet:
    """Rewrite the pipeline's region of ``title`` (created with ``render`` when missing).

    Args:
        wb: The workbook.
        title: The tab.
        render: Fills an empty sheet with the tab's new content.
        region: Given the rendered and the existing sheet, the ``(rows, columns)`` from A1 that are the
            pipeline's.

    Returns:
        The tab's sheet.
    """
    if title not in wb.sheetnames:
        sheet = wb.create_sheet(title)
        render(sheet)
        return sheet
    kept = wb[title]
    scratch = wb.create_sheet(SCRATCH_TITLE)
    try:
        render(scratch)
        rows, columns = region(scratch, kept)
        _merge(kept, scratch, rows, columns)
    finally:
        wb.remove(scratch)
    return kept


def _merge(kept: Worksheet, rendered: Worksheet, rows: int, columns: int) -> None:
    inside = CellRange(min_row=1, min_col=1, max_row=max(rows, 1), max_col=max(columns, 1))
    for position in [p for p in kept._cells if p[0] <= rows and p[1] <= columns]:
        del kept._cells[position]
    kept.merged_cells.ranges = {m for m in kept.merged_cells.ranges if m.isdisjoint(inside)}
    for position, cell in rendered._cells.items():
        cell.parent = kept
        kept._cells[position] = cell
    for merged in rendered.merged_cells.ranges:
        kept.merge_cells(merged.coord)
    for index in range(1, rows + 1):
        old = kept.row_dimensions.get(index)
        # A row the owner hid (not one of the pipeline's collapsed channel rows) stays hidden.
        owner_hidden = old is not None and old.hidden and not old.outlineLevel
        new = copy.copy(rendered.row_dimensions[index]) if index in rendered.row_dimensions else None
        if new is None:
            if old is not None:
                old.outlineLevel, old.collapsed = 0, False
            continue
        new.worksheet = kept
        if new.ht is None and old is not None:
            new.ht = old.ht  # a height the owner set (customHeight follows from it)
        new.hidden = bool(new.hidden or owner_hidden)
        kept.row_dimensions[index] = new
    for letter, dimension in rendered.column_dimensions.items():
        if dimension.min is not None and dimension.min > columns:
            continue
        moved = copy.copy(dimension)
        moved.worksheet = kept
        kept.column_dimensions[letter] = moved
    _sheet_settings(kept, rendered)


def _sheet_settings(kept: Worksheet, rendered: Worksheet) -> None:
    """The settings the tab writers decide: frozen panes, print titles/area, page setup, outline direction."""
    kept.freeze_panes = rendered.freeze_panes
    if rendered.print_title_rows:
        kept.print_title_rows = rendered.print_title_rows
    if rendered.print_title_cols:
        kept.print_title_cols = rendered.print_title_cols
    if rendered._print_area:
        # The area itself, not ``print_area`` (which names the scratch sheet).
        kept._print_area = copy.copy(rendered._print_area)
    for name in ("orientation", "fitToWidth", "fitToHeight"):
        value = getattr(rendered.page_setup, name)
        if value is not None:
            setattr(kept.page_setup, name, value)
    if rendered.sheet_properties.pageSetUpPr is not None and rendered.sheet_properties.pageSetUpPr.fitToPage:
        kept.sheet_properties.pageSetUpPr.fitToPage = True
    kept.sheet_properties.outlinePr.summaryBelow = rendered.sheet_properties.outlinePr.summaryBelow
