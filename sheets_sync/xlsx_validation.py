"""The xlsx writer's data validation on the owner's Targets tab (drop-downs, dates, a number).

Called by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write` with the presentation's
:class:`~sheets_sync.validation.TargetsValidation`. The tab's cells are never touched: only the rules the
pipeline owns (recognised by their prompt title) are replaced; rules the owner added are kept. The list
values live on a hidden helper tab, because Excel caps an inline list at 255 characters.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.validation import LISTS_TAB, VALIDATED_ROWS, ColumnRule, TargetsValidation

PROMPT_TITLE = "Funnel Ledger"


def apply_targets_validation(wb: Workbook, targets: Worksheet, validation: TargetsValidation) -> None:
    """Replace the pipeline's rules on ``targets`` with ``validation`` and refresh the hidden lists tab."""
    lists = wb[LISTS_TAB] if LISTS_TAB in wb.sheetnames else wb.create_sheet(LISTS_TAB)
    lists.delete_rows(1, lists.max_row)
    lists.sheet_state = "hidden"
    kept = [dv for dv in targets.data_validations.dataValidation if dv.promptTitle != PROMPT_TITLE]
    targets.data_validations.dataValidation = kept
    list_column = 0
    for rule in validation.rules():
        source = None
        if rule.kind == "list":
            list_column += 1
            letter = get_column_letter(list_column)
            for row, value in enumerate(rule.values, start=1):
                lists.cell(row=row, column=list_column, value=value)
            source = f"'{LISTS_TAB}'!${letter}$1:${letter}${max(len(rule.values), 1)}"
        targets.add_data_validation(_rule(rule, source))


def _rule(rule: ColumnRule, source: str | None) -> DataValidation:
    letter = get_column_letter(rule.column + 1)
    common = {
        "allow_blank": True,
        # A warning, not a stop: "# example" comment rows must stay typeable; the run names bad rows.
        "errorStyle": "warning",
        "showErrorMessage": True,
        "showInputMessage": True,
        "promptTitle": PROMPT_TITLE,
        "prompt": rule.message,
        "errorTitle": f"Check {rule.header}",
        "error": rule.message,
    }
    if rule.kind == "list":
        validation = DataValidation(type="list", formula1=source, **common)
    elif rule.kind == "date":
        validation = DataValidation(
            type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)", **common
        )
    else:
        validation = DataValidation(type="custom", formula1=f"ISNUMBER({letter}2)", **common)
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    return validation
