"""The tracker: the model of its tabs (pure) and the writers that apply it (openpyxl, gspread)."""

from sheets_sync.cells import Cell, Grid, kpi_cell, same_value, to_number
from sheets_sync.charts import ChartSeries, ChartSpec
from sheets_sync.definitions_tab import DefinitionRow
from sheets_sync.formats import HeaderFormat, unit_number_format
from sheets_sync.insights_tab import InsightRow
from sheets_sync.maturity import CohortMaturity
from sheets_sync.notes import CellNote, carry_notes
from sheets_sync.owner_tabs import (
    OwnerTabError,
    OwnerTabProblem,
    OwnerTabRules,
    OwnerTabs,
    empty_costs,
    empty_targets,
    parse_costs,
    parse_targets,
    read_costs,
    read_owner_tabs_from_grids,
    read_targets,
)
from sheets_sync.presentation import Presentation, RowGroup, build_presentation
from sheets_sync.scorecard import Scorecard, ScorecardLine, build_scorecard
from sheets_sync.scorecard_tab import scorecard_tab
from sheets_sync.snapshots_tab import snapshot_timestamp
from sheets_sync.tabs import (
    CHARTS_TAB,
    COSTS_HEADER,
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_HEADER,
    DEFINITIONS_TAB,
    FIRST_WEEK_COLUMN,
    INSIGHTS_HEADER,
    INSIGHTS_TAB,
    OWNER_TABS,
    PIPELINE_TABS,
    SCORECARD_TAB,
    SNAPSHOTS_HEADER,
    SNAPSHOTS_TAB,
    TAB_ORDER,
    TARGETS_HEADER,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_FIXED_HEADER,
    TRACKER_TAB,
    WORKBOOK_TAB_ORDER,
    StaleUpdateError,
    TabGrids,
    TrackerLayoutError,
)
from sheets_sync.target_fills import CellFill, target_status, week_target
from sheets_sync.tracker_tab import RowKey, TrackerRow
from sheets_sync.units import format_number, number_pattern
from sheets_sync.update import Restatement, TrackerUpdate, UpdateSummary, build_update
from sheets_sync.validation import TargetsValidation
from sheets_sync.xlsx_writer import WriteResult, XlsxTracker, number_formats

__all__ = [
    "CHARTS_TAB",
    "COSTS_HEADER",
    "COSTS_TAB",
    "COSTS_TEMPLATE",
    "DEFINITIONS_HEADER",
    "DEFINITIONS_TAB",
    "FIRST_WEEK_COLUMN",
    "INSIGHTS_HEADER",
    "INSIGHTS_TAB",
    "OWNER_TABS",
    "PIPELINE_TABS",
    "SCORECARD_TAB",
    "SNAPSHOTS_HEADER",
    "SNAPSHOTS_TAB",
    "TAB_ORDER",
    "TARGETS_HEADER",
    "TARGETS_TAB",
    "TARGETS_TEMPLATE",
    "TRACKER_FIXED_HEADER",
    "TRACKER_TAB",
    "WORKBOOK_TAB_ORDER",
    "Cell",
    "CellFill",
    "CellNote",
    "ChartSeries",
    "ChartSpec",
    "CohortMaturity",
    "DefinitionRow",
    "Grid",
    "HeaderFormat",
    "InsightRow",
    "OwnerTabError",
    "OwnerTabProblem",
    "OwnerTabRules",
    "OwnerTabs",
    "Presentation",
    "Restatement",
    "RowGroup",
    "RowKey",
    "Scorecard",
    "ScorecardLine",
    "StaleUpdateError",
    "TabGrids",
    "TargetsValidation",
    "TrackerLayoutError",
    "TrackerRow",
    "TrackerUpdate",
    "UpdateSummary",
    "WriteResult",
    "XlsxTracker",
    "build_presentation",
    "build_scorecard",
    "build_update",
    "carry_notes",
    "empty_costs",
    "empty_targets",
    "format_number",
    "kpi_cell",
    "number_formats",
    "number_pattern",
    "parse_costs",
    "parse_targets",
    "read_costs",
    "read_owner_tabs_from_grids",
    "read_targets",
    "same_value",
    "scorecard_tab",
    "snapshot_timestamp",
    "target_status",
    "to_number",
    "unit_number_format",
    "week_target",
]
