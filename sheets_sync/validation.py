"""Data validation on the owner's Targets tab: drop-downs for ``kpi_id`` and ``channel``, dates, a number.

The tab stays the owner's (its values are never written); the pipeline refreshes only these rules on
every run, so the lists follow the catalog and the channel settings. Invalid input is flagged, not
rejected (a ``#`` comment row must stay possible): ``funnel-ledger check`` and the Insights tab name any
row the run cannot use. Both writers apply :class:`TargetsValidation`: Sheets ``setDataValidation`` per
column, openpyxl ``DataValidation`` objects (list values from a hidden helper tab, since Excel caps an
inline list at 255 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sheets_sync.tabs import TARGETS_HEADER

RuleKind = Literal["list", "date", "number"]
VALIDATED_ROWS = 500
"""Rows 2 to this one carry the rules (a Sheets tab is grown to it when it is smaller)."""
LISTS_TAB = "_lists"
"""The xlsx workbook's hidden tab holding the drop-down lists."""


@dataclass(frozen=True)
class ColumnRule:
    """The rule of one Targets column.

    Attributes:
        column: 0-based column on the tab.
        header: The column's header.
        kind: ``list`` (one of ``values``), ``date`` or ``number``.
        values: The allowed values of a list.
        message: The help shown when a cell is selected or holds something else.
    """

    column: int
    header: str
    kind: RuleKind
    values: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class TargetsValidation:
    """The Targets tab's rules for the current catalog and channels.

    Attributes:
        kpi_ids: The catalog's KPI ids, in catalog order.
        slices: ``All``, the groups and the channels.
    """

    kpi_ids: tuple[str, ...]
    slices: tuple[str, ...]

    def rules(self) -> list[ColumnRule]:
        """One rule per Targets column, in header order."""
        position = {name: i for i, name in enumerate(TARGETS_HEADER)}
        return [
            ColumnRule(
                position["kpi_id"],
                "kpi_id",
                "list",
                self.kpi_ids,
                "A KPI id from the Definitions tab (rows starting with # are comments).",
            ),
            ColumnRule(position["channel"], "channel", "list", self.slices, "All, Inbound, Outbound or a channel."),
            ColumnRule(position["period_start"], "period_start", "date", message="The period's first day."),
            ColumnRule(position["period_end"], "period_end", "date", message="The period's last day."),
            ColumnRule(
                position["target"],
                "target",
                "number",
                message="A number: a count or an amount for the period, a rate as a fraction (30% = 0.3).",
            ),
        ]
