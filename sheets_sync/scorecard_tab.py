"""The Scorecard tab: the :class:`~sheets_sync.scorecard.Scorecard` laid out as a styled grid both writers apply.

Called by the tracker asset; the writers put the returned :class:`~sheets_sync.styled.StyledTab` first in
tab order and rewrite it whole on every run (nothing on it is the owner's).

Layout: a title, the week and the reading rules in two lines, then one header row and a block per KPI
(All, Inbound, Outbound; the KPI's name on the block's first row). Values use the unit's format; the
change is green or red by whether it is good for the KPI; attainment and pacing cells are coloured met /
near / missed like the Tracker; an immature cohort says so in grey instead of a colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from sheets_sync.cells import Cell
from sheets_sync.formats import CHANNEL_TEXT, HEADER_BACKGROUND
from sheets_sync.maturity import DAYS_IN_WEEK
from sheets_sync.scorecard import Pace, Scorecard, ScorecardLine, Status
from sheets_sync.styled import CellStyle, StyledTab
from sheets_sync.tabs import SCORECARD_TAB
from sheets_sync.target_fills import NEAR_TOLERANCE, STATUS_COLORS
from sheets_sync.units import CHANGE_PATTERNS, PERCENT_PATTERN, number_pattern, sheets_number_type

GOOD_TEXT, BAD_TEXT = "#137333", "#B3261E"
BLOCK_BANDS: tuple[str | None, str] = (None, "#F8F9FA")
TITLE_ROWS = 4
"""Rows above the header: title, week line, reading rules, a blank line."""
HEADER_ROW = TITLE_ROWS
COLUMNS: tuple[str, ...] = (
    "KPI",
    "Channel",
    "{week}",
    "{previous}",
    "Change",
    "4-wk avg",
    "Week target",
    "vs target",
    "{month}",
    "Month target",
    "Pace",
    "{quarter}",
    "Quarter target",
    "Pace",
)
WIDTHS: tuple[int, ...] = (190, 80, 112, 112, 72, 92, 92, 72, 104, 96, 60, 104, 104, 60)


def _short(day: date) -> str:
    """``9 Nov``: a week column's header."""
    return f"{day.day} {day:%b}"


def scorecard_tab(card: Scorecard) -> StyledTab:
    """Lay out ``card`` as the Scorecard tab."""
    grid: list[list[Cell]] = []
    styles: dict[tuple[int, int], CellStyle] = {}
    width = len(COLUMNS)
    if card.week is None:
        grid.append(["Scorecard"])
        grid.append(["No complete week on the Tracker yet: the Scorecard fills in after the first full week."])
        styles[(0, 0)] = CellStyle(bold=True, font_size=14)
        return StyledTab(SCORECARD_TAB, grid, styles, list(WIDTHS))
    week_end = card.week + timedelta(days=DAYS_IN_WEEK - 1)
    grid.append([f"Scorecard: week of {card.week:%a %d %b %Y} to {week_end:%a %d %b}"])
    grid.append(
        [
            f"Latest complete week as of {card.as_of.isoformat()}, money in {card.currency}. "
            f"Month and quarter to date: complete weeks starting in {card.month.label} "
            f"({len(card.month.weeks)}) and {card.quarter.label} ({len(card.quarter.weeks)}), "
            "against the target prorated over the same days."
        ]
    )
    grid.append([_legend(card)])
    grid.append([])
    headers: list[Cell] = [
        text.format(
            week=f"Week of {_short(card.week)}",
            previous=f"Week of {_short(card.previous_week or card.week - timedelta(days=DAYS_IN_WEEK))}",
            month=f"{card.month.label} to date",
            quarter=f"{card.quarter.label} to date",
        )
        for text in COLUMNS
    ]
    grid.append(headers)
    styles[(0, 0)] = CellStyle(bold=True, font_size=14)
    styles[(1, 0)] = CellStyle(font_hex=CHANNEL_TEXT, wrap=True)
    styles[(2, 0)] = CellStyle(font_hex=CHANNEL_TEXT, italic=True, wrap=True)
    for col in range(width):
        styles[(HEADER_ROW, col)] = CellStyle(
            bold=True, background_hex=HEADER_BACKGROUND, align="left" if col < 2 else "right", wrap=True
        )
    # Alternate a light band per KPI block, so the eye keeps a KPI's three lines together.
    block = -1
    previous_kpi = ""
    for line in card.lines:
        first = line.kpi_id != previous_kpi
        block += first
        row = len(grid)
        band = BLOCK_BANDS[block % 2]
        grid.append(_values(line, first=first))
        for col, style in enumerate(_styles(line, card.currency, first=first)):
            styles[(row, col)] = style if style.background_hex or band is None else replace(style, background_hex=band)
        previous_kpi = line.kpi_id
    return StyledTab(
        SCORECARD_TAB,
        grid,
        styles,
        list(WIDTHS),
        frozen_rows=HEADER_ROW + 1,
        frozen_columns=2,
        print_title_rows=HEADER_ROW + 1,
        row_heights={0: 28, 1: 34, 2: 34, HEADER_ROW: 34},
        merges=[(1, 0, width - 1), (2, 0, width - 1)],
    )


def _legend(card: Scorecard) -> str:
    rule = (
        f"green met, amber within {NEAR_TOLERANCE:.0%}, red missed, by each KPI's direction; the change is green "
        "when it is good for the KPI"
    )
    if card.maturity.min_age_days:
        rule += (
            f". Cohort weeks younger than {card.maturity.min_age_days} days ({card.maturity.basis}) are "
            "immature: still rising, never red"
        )
    return f"Colours: {rule}. Targets come from the Targets tab; channels and earlier weeks are on the Tracker."


def _change_cell(line: ScorecardLine) -> Cell:
    if line.change is None:
        return None
    return round(line.change * 100, 6) if line.unit == "ratio" else line.change


def _pace_values(pace: Pace) -> list[Cell]:
    shown: Cell = "immature" if pace.status == "immature" and pace.value is not None else pace.pace
    return [pace.value, pace.target, shown]


def _values(line: ScorecardLine, *, first: bool) -> list[Cell]:
    attainment: Cell = "immature" if line.immature else line.attainment
    return [
        line.name if first else None,
        line.channel,
        line.latest,
        line.previous,
        _change_cell(line),
        line.trailing_mean,
        line.week_target,
        attainment,
        *_pace_values(line.month),
        *_pace_values(line.quarter),
    ]


def _status_style(status: Status | None) -> CellStyle:
    if status == "immature":
        return CellStyle(italic=True, font_hex=CHANNEL_TEXT, align="right")
    if status is None:
        return CellStyle(number_format=("PERCENT", PERCENT_PATTERN))
    return CellStyle(number_format=("PERCENT", PERCENT_PATTERN), background_hex=STATUS_COLORS[status])


def _unit_style(unit: str, currency: str, value: float | None, *, muted: bool = False) -> CellStyle:
    pattern = number_pattern(unit, currency, value)
    number_format = (sheets_number_type(unit), pattern) if pattern else None
    return CellStyle(number_format=number_format, italic=muted, font_hex=CHANNEL_TEXT if muted else None)


def _styles(line: ScorecardLine, currency: str, *, first: bool) -> Sequence[CellStyle]:
    unit = line.unit
    change_pattern = CHANGE_PATTERNS["points" if unit == "ratio" else "relative"]
    change_color = None if line.change_is_good is None else GOOD_TEXT if line.change_is_good else BAD_TEXT
    return [
        CellStyle(bold=first),
        CellStyle(font_hex=None if line.channel == "All" else CHANNEL_TEXT),
        _unit_style(unit, currency, line.latest, muted=line.immature),
        _unit_style(unit, currency, line.previous),
        CellStyle(number_format=("NUMBER", change_pattern), font_hex=None if line.immature else change_color),
        _unit_style(unit, currency, line.trailing_mean),
        _unit_style(unit, currency, line.week_target),
        _status_style(line.status),
        _unit_style(unit, currency, line.month.value),
        _unit_style(unit, currency, line.month.target),
        _status_style(line.month.status),
        _unit_style(unit, currency, line.quarter.value),
        _unit_style(unit, currency, line.quarter.target),
        _status_style(line.quarter.status),
    ]
