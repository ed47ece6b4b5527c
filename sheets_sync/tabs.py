"""The tracker's tabs: names, order, header rows, the owner tabs' templates and the grids a writer reads.

Shared vocabulary of the model, the presentation and both writers; nothing here computes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheets_sync.cells import Cell, Grid

SCORECARD_TAB = "Scorecard"
TRACKER_TAB = "Tracker"
SNAPSHOTS_TAB = "Snapshots"
DEFINITIONS_TAB = "Definitions"
TARGETS_TAB = "Targets"
COSTS_TAB = "Costs"
INSIGHTS_TAB = "Insights"
CHARTS_TAB = "Charts"
PIPELINE_TABS: tuple[str, ...] = (TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB)
OWNER_TABS: tuple[str, ...] = (TARGETS_TAB, COSTS_TAB)
TAB_ORDER: tuple[str, ...] = (
    SCORECARD_TAB,
    TRACKER_TAB,
    SNAPSHOTS_TAB,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    TARGETS_TAB,
    COSTS_TAB,
)
# The workbook's tab order once the Charts tab exists (tabs that are missing are skipped, others follow).
WORKBOOK_TAB_ORDER: tuple[str, ...] = (
    SCORECARD_TAB,
    TRACKER_TAB,
    SNAPSHOTS_TAB,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    CHARTS_TAB,
    TARGETS_TAB,
    COSTS_TAB,
)

TRACKER_FIXED_HEADER: tuple[str, ...] = ("KPI", "Channel")
FIRST_WEEK_COLUMN = len(TRACKER_FIXED_HEADER)
# The label columns of trackers written before the Scorecard existed; read once, then rewritten in the
# current layout (unit, type and version now live on Definitions, the section is a header row).
LEGACY_TRACKER_HEADER: tuple[str, ...] = ("Section", "KPI", "Channel", "Unit", "Type", "Version")
SNAPSHOTS_HEADER: tuple[str, ...] = (
    "snapshot_at",
    "run_id",
    "week_start",
    "kpi_id",
    "kpi_version",
    "channel",
    "value",
)
DEFINITIONS_HEADER: tuple[str, ...] = (
    "kpi_id",
    "kpi_version",
    "name",
    "section",
    "type",
    "unit",
    "direction",
    "definition",
    "settings",
    "first_used",
    "current",
)
# ``current`` arrived with the Scorecard: a Definitions tab written before it lacks the column.
DEFINITIONS_OPTIONAL: frozenset[str] = frozenset({"current"})
INSIGHTS_HEADER: tuple[str, ...] = ("week_start", "source", "flag", "detail", "value", "run_id", "noted_at")
TARGETS_HEADER: tuple[str, ...] = ("kpi_id", "channel", "period_start", "period_end", "target")
COSTS_HEADER: tuple[str, ...] = ("channel", "period_start", "period_end", "amount", "note")

# Rows whose first cell starts with "#" are comments in the owner tabs. The example row the pipeline writes
# when it creates a tab is such a comment, so it never becomes a real target or cost by accident.
COMMENT_PREFIX = "#"
TARGETS_TEMPLATE: tuple[tuple[Cell, ...], ...] = (
    TARGETS_HEADER,
    ("# example: revenue_won", "All", "2026-01-01", "2026-03-31", 250000),
)
COSTS_TEMPLATE: tuple[tuple[Cell, ...], ...] = (
    COSTS_HEADER,
    ("# example: Offline", "2026-01-01", "2026-01-31", 3000, "Rows starting with # are ignored"),
)


class TrackerLayoutError(ValueError):
    """A pipeline tab holds something the model cannot safely merge into (wrong header, corrupt row)."""


class StaleUpdateError(RuntimeError):
    """The tracker changed between reading it and writing the update (another run wrote in between)."""


@dataclass(frozen=True)
class TabGrids:
    """What the tracker currently holds in the pipeline's tabs, header rows included.

    An empty list means the tab does not exist (or is empty). Rows may be ragged (trailing empty cells
    trimmed, as the Sheets API returns them). ``revision`` is the writer's token for what was read (the
    workbook writer refuses to write when it moved); empty when the writer keeps its own.
    """

    tracker: Grid = field(default_factory=list)
    snapshots: Grid = field(default_factory=list)
    definitions: Grid = field(default_factory=list)
    insights: Grid = field(default_factory=list)
    revision: str = ""
