"""The Scorecard: every figure hand-computed from a small Tracker, its tab layout and its lines in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sheets_sync import (
    CohortMaturity,
    DefinitionRow,
    Scorecard,
    ScorecardLine,
    TabGrids,
    XlsxTracker,
    build_presentation,
    build_scorecard,
    build_update,
    scorecard_tab,
)
from sheets_sync.scorecard_tab import BAD_TEXT, GOOD_TEXT, HEADER_ROW
from sheets_sync.target_fills import STATUS_COLORS

pytestmark = pytest.mark.unit

V = "1.aaaaaa"
WEEKS = [date(2026, 10, 5) + timedelta(weeks=i) for i in range(6)]  # Oct 5 .. Nov 9
OCT5, OCT12, OCT19, OCT26, NOV2, NOV9 = WEEKS
AS_OF = date(2026, 11, 17)  # the week of Nov 9 (to Nov 15) is the latest complete one


def definition(kpi_id: str, name: str, section: str, unit: str, order: int, direction: str = "up") -> DefinitionRow:
    return DefinitionRow(kpi_id, V, name, section, "leading", unit, direction, "d", "s", order)  # type: ignore[arg-type]


CATALOG = [
    definition("new_leads", "New leads", "Funnel (flow)", "count", 1),
    definition("new_mqls", "New MQLs", "Funnel (flow)", "count", 2),
    definition("cohort_mqls", "Cohort: reached MQL", "Funnel (cohort)", "count", 3),
    definition("deals_won", "Deals won", "Pipeline & revenue", "count", 4),
    definition("deals_lost", "Deals lost", "Pipeline & revenue", "count", 5),
    definition("win_rate", "Win rate", "Pipeline & revenue", "ratio", 6),
    definition("open_pipeline", "Open pipeline", "Pipeline & revenue", "currency", 7),
    definition("total_spend", "Marketing spend", "Efficiency", "currency", 8),
    definition("cost_per_lead", "Cost per lead", "Efficiency", "currency", 9, "down"),
]
SERIES: dict[tuple[str, str], list[float]] = {
    ("new_mqls", "All"): [20, 22, 18, 24, 25, 20],
    ("new_mqls", "Inbound"): [18, 20, 16, 21, 22, 17],
    ("new_leads", "All"): [9, 9, 9, 9, 10, 8],
    ("total_spend", "All"): [900, 900, 900, 900, 1000, 1200],
    ("total_spend", "Inbound"): [900, 900, 900, 900, 1000, 1200],  # all spend is Inbound: repeats All
    ("cost_per_lead", "All"): [100, 100, 100, 100, 100, 150],
    ("deals_won", "All"): [2, 2, 2, 2, 1, 3],
    ("deals_lost", "All"): [2, 2, 2, 2, 3, 2],
    ("win_rate", "All"): [0.5, 0.5, 0.5, 0.5, 0.25, 0.6],
    ("cohort_mqls", "All"): [30, 28, 25, 20, 12, 4],
    ("open_pipeline", "All"): [5e5, 5.2e5, 5.1e5, 5.4e5, 5.5e5, 5.6e5],
}
TARGETS = pd.DataFrame(
    [
        ("new_mqls", "All", date(2026, 10, 1), date(2026, 10, 31), 93.0),  # 3 a day
        ("new_mqls", "All", date(2026, 11, 1), date(2026, 11, 30), 90.0),  # 3 a day
        ("cost_per_lead", "All", date(2026, 10, 1), date(2026, 12, 31), 120.0),
        ("win_rate", "All", date(2026, 10, 1), date(2026, 12, 31), 0.4),
        ("cohort_mqls", "All", date(2026, 10, 1), date(2026, 12, 31), 920.0),  # 10 a day: a young cohort misses
    ],
    columns=["kpi_id", "channel", "period_start", "period_end", "target"],
)
KPIS = ["new_mqls", "total_spend", "cost_per_lead", "win_rate", "cohort_mqls", "open_pipeline", "not_on_tracker"]
MATURITY = CohortMaturity(30, "median lead → customer time of 12 customers")


def build_card(series: dict[tuple[str, str], list[float]] = SERIES) -> Scorecard:
    rows = [
        (week, kpi, V, channel, value)
        for (kpi, channel), values in series.items()
        for week, value in zip(WEEKS, values, strict=True)
    ]
    values = pd.DataFrame(rows, columns=["week_start", "kpi_id", "kpi_version", "channel", "value"])
    update = build_update(
        values,
        CATALOG,
        TabGrids(),
        run_id="r",
        snapshot_at=datetime(2026, 11, 17, 6, tzinfo=UTC),
        channel_order=["All", "Inbound", "Outbound"],
    )
    return build_scorecard(update, TARGETS, kpi_ids=KPIS, currency="USD", as_of=AS_OF, maturity=MATURITY)


@pytest.fixture(scope="module")
def card() -> Scorecard:
    return build_card()


def line(card: Scorecard, kpi_id: str, channel: str = "All") -> ScorecardLine:
    return next(item for item in card.lines if item.kpi_id == kpi_id and item.channel == channel)


def test_weeks_and_periods(card: Scorecard) -> None:
    assert (card.week, card.previous_week) == (NOV9, NOV2)
    assert (card.month.label, card.month.weeks) == ("Nov 2026", (NOV2, NOV9))
    assert (card.quarter.label, card.quarter.weeks) == ("Q4 2026", tuple(WEEKS))
    # Marketing spend Inbound repeats All (collapsed on the Tracker), the KPI with no row is left out.
    assert [(item.kpi_id, item.channel) for item in card.lines] == [
        ("new_mqls", "All"),
        ("new_mqls", "Inbound"),
        ("total_spend", "All"),
        ("cost_per_lead", "All"),
        ("win_rate", "All"),
        ("cohort_mqls", "All"),
        ("open_pipeline", "All"),
    ]


def test_a_flow_count_against_its_prorated_targets(card: Scorecard) -> None:
    mqls = line(card, "new_mqls")
    assert (mqls.latest, mqls.previous, mqls.change, mqls.change_is_good) == (20, 25, -0.2, False)
    assert mqls.trailing_mean == (22 + 18 + 24 + 25) / 4
    # Nov: 90 ÷ 30 days × 7 = 21 a week; 20 misses by less than 10% → near.
    assert (mqls.week_target, round(mqls.attainment, 6), mqls.status) == (21.0, round(20 / 21, 6), "near")
    # Month to date: 25 + 20 = 45 against 21 + 21 = 42.
    assert (mqls.month.value, mqls.month.target, mqls.month.status) == (45, 42.0, "met")
    # Quarter to date: every week is 21 (Oct 26-Nov 1 = 6 × 3 + 1 × 3); 129 against 126.
    assert (mqls.quarter.value, round(mqls.quarter.target, 9), round(mqls.quarter.pace, 6)) == (
        129,
        126.0,
        round(129 / 126, 6),
    )


def test_a_unit_cost_is_recomputed_from_its_parts_and_judged_downwards(card: Scorecard) -> None:
    cpl = line(card, "cost_per_lead")
    assert (cpl.latest, cpl.previous, cpl.change, cpl.change_is_good) == (150, 100, 0.5, False)
    assert (cpl.week_target, cpl.attainment, cpl.status) == (120.0, 1.25, "missed")
    # Σ spend ÷ Σ leads, not the mean of the weekly costs: 2,200 ÷ 18 this month, 5,800 ÷ 54 this quarter.
    assert (round(cpl.month.value, 6), cpl.month.target, cpl.month.status) == (round(2200 / 18, 6), 120.0, "near")
    assert (round(cpl.quarter.value, 6), cpl.quarter.status) == (round(5800 / 54, 6), "met")


def test_a_rate_changes_in_points_and_paces_from_its_parts(card: Scorecard) -> None:
    win = line(card, "win_rate")
    assert (win.latest, win.previous, round(win.change, 9), win.change_is_good) == (0.6, 0.25, 0.35, True)
    assert (round(win.month.value, 6), round(win.month.pace, 6)) == (round(4 / 9, 6), round(4 / 9 / 0.4, 6))
    assert win.quarter.value == 12 / 25


def test_an_immature_cohort_is_marked_not_coloured_and_a_stock_has_no_period_value(card: Scorecard) -> None:
    cohort = line(card, "cohort_mqls")
    assert cohort.immature and cohort.status == "immature" and cohort.month.status == "immature"
    assert cohort.attainment == 4 / 70  # shown as immature, never as a 6% miss
    stock = line(card, "open_pipeline")
    assert (stock.month.value, stock.month.pace, stock.quarter.value) == (None, None, None)
    assert stock.trailing_mean == (5.2e5 + 5.1e5 + 5.4e5 + 5.5e5) / 4


def test_lines_in_words_for_a_digest(card: Scorecard) -> None:
    assert card.headlines()[:3] == [
        "New MQLs (All): 20, -20% vs the week before, 95% of target, month to date 107% of target",
        "Marketing spend (All): $1,200, +20% vs the week before",
        "Cost per lead (All): $150, +50% vs the week before, 125% of target, month to date 102% of target",
    ]
    assert card.headlines()[3].startswith("Win rate (All): 60.0%, +35.0 pp vs the week before")
    assert card.headlines("Inbound") == ["New MQLs (Inbound): 17, -23% vs the week before"]
    assert "immature cohort" in card.headlines()[4]


def test_tab_layout_formats_and_colours(card: Scorecard) -> None:
    tab = scorecard_tab(card)
    assert tab.grid[0] == ["Scorecard: week of Mon 09 Nov 2026 to Sun 15 Nov"]
    assert "immature" in str(tab.grid[2][0]) and "30 days" in str(tab.grid[2][0])
    assert tab.grid[HEADER_ROW][:8] == [
        "KPI",
        "Channel",
        "Week of 9 Nov",
        "Week of 2 Nov",
        "Change",
        "4-wk avg",
        "Week target",
        "vs target",
    ]
    mqls, cpl = HEADER_ROW + 1, HEADER_ROW + 4
    assert tab.grid[mqls][:8] == ["New MQLs", "All", 20, 25, -0.2, 22.25, 21.0, 20 / 21]
    assert tab.grid[mqls + 1][:2] == [None, "Inbound"]
    assert tab.style(mqls, 7).background_hex == STATUS_COLORS["near"]
    assert tab.style(mqls, 4).font_hex == BAD_TEXT and tab.style(mqls, 4).number_format == ("NUMBER", "+0%;-0%;0%")
    assert tab.style(cpl, 2).number_format == ("CURRENCY", '"$"#,##0')
    assert tab.style(cpl, 8).number_format == ("CURRENCY", '"$"#,##0.00')  # $122.22 month to date
    win = HEADER_ROW + 5
    assert tab.grid[win][4] == 35.0 and tab.style(win, 4).number_format[1].startswith('+0.0" pp"')
    assert tab.style(win, 4).font_hex == GOOD_TEXT
    cohort = HEADER_ROW + 6
    assert tab.grid[cohort][7] == "immature" and tab.style(cohort, 7).background_hex is None
    assert (tab.frozen_rows, tab.frozen_columns) == (HEADER_ROW + 1, 2)


def test_xlsx_opens_on_the_scorecard_and_prints_it_fit_to_width(card: Scorecard, tmp_path: Path) -> None:
    book = XlsxTracker(tmp_path / "tracker.xlsx")
    values = pd.DataFrame(
        [(NOV9, "new_mqls", V, "All", 20.0)], columns=["week_start", "kpi_id", "kpi_version", "channel", "value"]
    )
    update = build_update(
        values,
        CATALOG,
        book.read_tabs(),
        run_id="r",
        snapshot_at=datetime(2026, 11, 17, tzinfo=UTC),
        channel_order=["All"],
    )
    book.write(update, build_presentation(update, TARGETS, currency="USD", scorecard=scorecard_tab(card)))

    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames[:2] == ["Scorecard", "Tracker"] and wb.active.title == "Scorecard"
    ws = wb["Scorecard"]
    row = HEADER_ROW + 2
    assert [ws.cell(row, col).value for col in (1, 2, 3, 4)] == ["New MQLs", "All", 20, 25]
    assert ws.cell(row, 8).fill.fgColor.rgb == "FF" + STATUS_COLORS["near"].lstrip("#")
    assert ws.cell(row, 5).number_format == "+0%;-0%;0%" and ws.cell(row, 5).font.color.rgb == "FF" + BAD_TEXT[1:]
    assert ws.freeze_panes == "C6"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$5"
    assert "A2:N2" in {str(merged) for merged in ws.merged_cells.ranges}


def test_the_digest_reads_the_all_lines_and_ends_with_the_link(card: Scorecard) -> None:
    from sheets_sync.scorecard import digest_text

    text = digest_text(card, "https://docs.google.com/spreadsheets/d/abc")
    lines = text.splitlines()
    assert lines[0] == f"Funnel Ledger, week of {card.week.isoformat()} (all channels):"  # type: ignore[union-attr]
    assert lines[1:4] == [f"- {headline}" for headline in card.headlines()[:3]]
    assert "Below target:" not in text  # no Inbound or Outbound target was set, so none was missed
    assert lines[-1] == "Tracker: https://docs.google.com/spreadsheets/d/abc"
    assert len(lines) == 1 + len(card.headlines()) + 1


def test_the_digest_lists_group_lines_below_target() -> None:
    from dataclasses import replace

    from sheets_sync.scorecard import digest_text

    base = build_card()
    missed = replace(next(line for line in base.lines if line.channel == "Inbound"), status="missed", attainment=0.5)
    card = replace(base, lines=(*base.lines, missed))
    text = digest_text(card, "tracker.xlsx")
    assert "Below target:\n- New MQLs (Inbound): 17, -23% vs the week before, 50% of target" in text


def test_figures_are_the_same_to_the_bit_from_computed_cells_and_from_cells_read_back() -> None:
    """A run computes the cells at full precision; the next run reads them back from the workbook, which holds
    16 significant digits. Both must derive the same means and sums, or an unchanged rerun would look changed.
    """
    rng = np.random.default_rng(7)
    computed = {key: (rng.random(len(WEEKS)) * 1000 / 7).tolist() for key in SERIES}
    read_back = {key: [float(f"{value:.16g}") for value in values] for key, values in computed.items()}
    assert computed != read_back  # the file really rounds them
    cards = [build_card(series) for series in (computed, read_back)]
    assert cards[0] == cards[1]
