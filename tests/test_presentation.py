"""Tracker presentation: colours against targets, restatement notes, formats, widths, charts, xlsx parity."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart

from sheets_sync import (
    SNAPSHOTS_HEADER,
    CellNote,
    CohortMaturity,
    DefinitionRow,
    Presentation,
    RowGroup,
    RowKey,
    TabGrids,
    TrackerUpdate,
    XlsxTracker,
    build_presentation,
    build_scorecard,
    build_update,
    carry_notes,
    empty_targets,
    scorecard_tab,
    target_status,
    unit_number_format,
    week_target,
)
from sheets_sync.formats import rgb_fraction
from sheets_sync.presentation import current_versions
from sheets_sync.target_fills import STATUS_COLORS, is_prorated

pytestmark = pytest.mark.unit

# W1 straddles September and October (3 + 4 days); W2 is all October; W3 is in progress on RUN2_AT.
W1, W2, W3 = date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12)
RUN1_AT = datetime(2026, 10, 8, 6, 0, tzinfo=UTC)
RUN2_AT = datetime(2026, 10, 15, 6, 0, tzinfo=UTC)
CHANNELS = ["All", "Inbound", "Outbound"]
GREEN, AMBER, RED = STATUS_COLORS["met"], STATUS_COLORS["near"], STATUS_COLORS["missed"]


def definition(
    kpi_id: str, name: str, section: str, kpi_type: str, unit: str, order: int, *, direction: str = "up", version: str
) -> DefinitionRow:
    return DefinitionRow(
        kpi_id=kpi_id,
        kpi_version=version,
        name=name,
        section=section,
        kpi_type=kpi_type,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        direction=direction,  # type: ignore[arg-type]
        definition=f"{name} definition",
        settings="timezone=UTC",
        catalog_order=order,
    )


def catalog(mql_version: str) -> list[DefinitionRow]:
    v1 = "1.aaa111"
    return [
        definition("new_contacts", "New contacts", "Funnel (flow)", "leading", "count", 1, version=v1),
        definition("new_mqls", "New MQLs", "Funnel (flow)", "leading", "count", 2, version=mql_version),
        definition("cohort_leads", "Cohort: reached lead", "Funnel (cohort)", "leading", "count", 3, version=v1),
        definition("cohort_mqls", "Cohort: reached MQL", "Funnel (cohort)", "leading", "count", 4, version=v1),
        definition(
            "cost_per_lead", "Cost per lead", "Efficiency", "leading", "currency", 5, direction="down", version=v1
        ),
        definition("new_customers", "New customers", "Pipeline", "lagging", "count", 6, version=v1),
        definition("revenue_won", "Revenue won", "Pipeline", "lagging", "currency", 7, version=v1),
        definition("win_rate", "Win rate", "Pipeline", "lagging", "ratio", 8, version=v1),
        definition("avg_sales_cycle_days", "Average sales cycle", "Pipeline", "lagging", "days", 9, version=v1),
    ]


def frame(rows: list[tuple[date, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week_start", "kpi_id", "kpi_version", "channel", "value"])


RUN1_VALUES = frame(
    [
        (W1, "new_mqls", "1.aaa111", "All", 66.0),
        (W1, "cost_per_lead", "1.aaa111", "All", 98.0),
    ]
)
V2 = "2.bbb222"
RUN2_VALUES = frame(
    [
        (W1, "new_contacts", "1.aaa111", "All", 500.0),
        (W2, "new_contacts", "1.aaa111", "All", 480.0),
        (W3, "new_contacts", "1.aaa111", "All", 200.0),
        (W1, "cohort_leads", "1.aaa111", "All", 300.0),
        (W1, "cohort_mqls", "1.aaa111", "All", 90.0),  # 300 over 61 days → 34.4 a week → met
        (W2, "cohort_leads", "1.aaa111", "All", 120.0),
        (W2, "cohort_mqls", "1.aaa111", "All", 30.0),  # would miss 34.4, but the cohort is immature
        (W1, "new_mqls", V2, "All", 70.0),  # target 300×3/30 + 310×4/31 = 70 → met
        (W2, "new_mqls", V2, "All", 64.0),  # target 310×7/31 = 70; 64 ≥ 63 → near
        (W3, "new_mqls", V2, "All", 10.0),  # week in progress → no colour
        (W1, "new_mqls", V2, "Inbound", 50.0),  # Oct only: 40 over 4 days → 70 a week; 50 → missed
        (W2, "new_mqls", V2, "Inbound", 80.0),  # 70 → met
        (W1, "new_mqls", V2, "Outbound", math.nan),  # empty cell, target applies → no colour
        (W2, "new_mqls", V2, "Outbound", 1.0),  # 100 over 61 days → 11.475 a week → missed
        (W1, "cost_per_lead", "1.aaa111", "All", 100.0),  # restated from 98; down, 100 as is → met
        (W2, "cost_per_lead", "1.aaa111", "All", 109.0),  # ≤ 110 → near
        (W1, "new_customers", "1.aaa111", "All", 2.0),
        (W2, "new_customers", "1.aaa111", "All", 3.0),
        (W2, "revenue_won", "1.aaa111", "All", 12000.5),  # no target → no colour
        (W1, "win_rate", "1.aaa111", "All", 0.28),  # October row covers 4 of 7 days: 0.3 as is → near
        (W2, "win_rate", "1.aaa111", "All", 0.25),  # 0.3 → missed (< 0.27)
        (W2, "avg_sales_cycle_days", "1.aaa111", "All", 30.25),
    ]
)
TARGETS = pd.DataFrame(
    [
        ("new_mqls", "All", date(2026, 9, 1), date(2026, 9, 30), 300.0),
        ("new_mqls", "All", date(2026, 10, 1), date(2026, 10, 31), 310.0),
        ("new_mqls", "Inbound", date(2026, 10, 1), date(2026, 10, 31), 310.0),
        ("new_mqls", "Outbound", date(2026, 9, 1), date(2026, 10, 31), 100.0),
        ("cost_per_lead", "All", date(2026, 9, 1), date(2026, 12, 31), 100.0),
        ("win_rate", "All", date(2026, 9, 1), date(2026, 9, 30), 0.2),
        ("win_rate", "All", date(2026, 10, 1), date(2026, 12, 31), 0.3),
        ("cohort_mqls", "All", date(2026, 9, 1), date(2026, 10, 31), 300.0),
    ],
    columns=["kpi_id", "channel", "period_start", "period_end", "target"],
)


def run1() -> TrackerUpdate:
    return build_update(
        RUN1_VALUES, catalog("1.aaa111"), TabGrids(), run_id="run-1", snapshot_at=RUN1_AT, channel_order=CHANNELS
    )


def run2(first: TrackerUpdate) -> TrackerUpdate:
    tabs = TabGrids(
        tracker=first.tracker,
        snapshots=[list(SNAPSHOTS_HEADER), *first.snapshots_append],
        definitions=first.definitions,
    )
    return build_update(RUN2_VALUES, catalog(V2), tabs, run_id="run-2", snapshot_at=RUN2_AT, channel_order=CHANNELS)


def row_of(update: TrackerUpdate, kpi_id: str, channel: str, version: str = "1.aaa111") -> int:
    for index, meta in enumerate(update.tracker_rows, start=1):
        if meta.key == RowKey(kpi_id, version, channel):
            return index
    raise AssertionError(f"no row {kpi_id} / {channel} / {version}")


# A cohort week is mature 10 days after its last day: on RUN2_AT (Oct 15) W1 (ends Oct 4) is, W2 is not.
MATURITY = CohortMaturity(10, "test rule")


@pytest.fixture(scope="module")
def update() -> TrackerUpdate:
    return run2(run1())


@pytest.fixture(scope="module")
def plan(update: TrackerUpdate) -> Presentation:
    return build_presentation(update, TARGETS, currency="USD", maturity=MATURITY, headline_kpis=HEADLINES)


HEADLINES = ("new_mqls", "revenue_won", "cost_per_lead", "no_such_kpi")


# ------------------------------------------------------------------------------------------------ targets


def test_week_target_prorates_flows_and_takes_ratios_as_is() -> None:
    assert week_target(TARGETS, "new_mqls", "All", W1, prorated=True) == pytest.approx(70.0)
    assert week_target(TARGETS, "new_mqls", "All", W2, prorated=True) == pytest.approx(70.0)
    # Only the October row overlaps W1 (4 days: 40): scaled to the whole week at the same daily rate.
    assert week_target(TARGETS, "new_mqls", "Inbound", W1, prorated=True) == pytest.approx(70.0)
    assert week_target(TARGETS, "win_rate", "All", W1, prorated=False) == 0.3
    assert week_target(TARGETS, "win_rate", "All", date(2026, 8, 31), prorated=False) == 0.2
    assert week_target(TARGETS, "win_rate", "All", date(2027, 1, 4), prorated=False) is None
    assert week_target(TARGETS, "revenue_won", "All", W1, prorated=True) is None
    assert week_target(empty_targets(), "new_mqls", "All", W1, prorated=True) is None


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (70.0, 70.0, "up", "met"),
        (63.0, 70.0, "up", "near"),
        (62.9, 70.0, "up", "missed"),
        (100.0, 100.0, "down", "met"),
        (110.0, 100.0, "down", "near"),
        (110.1, 100.0, "down", "missed"),
        (90.0, 100.0, "down", "met"),
        (0.0, 0.0, "down", "met"),
    ],
)
def test_target_status_by_direction(value: float, target: float, direction: str, expected: str) -> None:
    assert target_status(value, target, direction) == expected


def test_prorated_kpis_match_the_catalog_sums_over_time() -> None:
    from assets.kpi_checks import ADDITIVE_KPIS
    from assets.kpi_math.catalog import CATALOG

    prorated = {kpi.kpi_id for kpi in CATALOG if is_prorated(kpi.kpi_id, kpi.unit)}
    # Channel-additive is not time-additive: pipeline stocks are not sums over days, while meetings (All
    # only, so not channel-additive) are.
    assert prorated == (set(ADDITIVE_KPIS) - {"open_pipeline", "weighted_pipeline"}) | {"meetings_booked"}


# ------------------------------------------------------------------------------------------------- fills


def test_fills_by_direction_prorated_targets_and_current_version(update: TrackerUpdate, plan: Presentation) -> None:
    mql, mql_in = row_of(update, "new_mqls", "All", V2), row_of(update, "new_mqls", "Inbound", V2)
    cpl, win = row_of(update, "cost_per_lead", "All"), row_of(update, "win_rate", "All")
    mql_out = row_of(update, "new_mqls", "Outbound", V2)
    cohort = row_of(update, "cohort_mqls", "All")
    assert update.tracker[mql_out][2] is None  # empty W1 cell: a target applies, no colour
    fills = {(f.row, f.col): (f.color_hex, f.status, round(f.target, 6)) for f in plan.fills}
    assert fills == {
        (mql, 2): (GREEN, "met", 70.0),
        (mql, 3): (AMBER, "near", 70.0),
        (mql_in, 2): (RED, "missed", 70.0),
        (mql_in, 3): (GREEN, "met", 70.0),
        (mql_out, 3): (RED, "missed", round(100 * 7 / 61, 6)),
        (cpl, 2): (GREEN, "met", 100.0),
        (cpl, 3): (AMBER, "near", 100.0),
        (win, 2): (AMBER, "near", 0.3),
        (win, 3): (RED, "missed", 0.3),
        (cohort, 2): (GREEN, "met", round(300 * 7 / 61, 6)),
        # (cohort, 3) would be red, but the W2 cohort is younger than the maturity age: greyed instead.
    }
    assert (cohort, 3) in plan.muted and (cohort, 2) not in plan.muted
    assert (row_of(update, "cohort_leads", "All"), 3) in plan.muted
    assert (mql, 3) not in plan.muted  # flow KPIs are never immature
    # The old version's row holds 66 in W1 and a target applies, but it is history: not coloured.
    old = row_of(update, "new_mqls", "All", "1.aaa111")
    assert update.tracker[old][:3] == ["New MQLs (v1.aaa111)", "All", 66]
    assert current_versions(update)["new_mqls"] == V2


def test_notes_from_restatements(update: TrackerUpdate, plan: Presentation) -> None:
    cpl = row_of(update, "cost_per_lead", "All")
    assert plan.notes == [CellNote(cpl, 2, "first reported $98 on 2026-10-08")]
    eur = build_presentation(update, TARGETS, currency="EUR")
    assert eur.notes == [CellNote(cpl, 2, "first reported €98 on 2026-10-08")]


def test_carry_notes_follows_rows_and_weeks(update: TrackerUpdate) -> None:
    first = run1()
    old_cpl = row_of(first, "cost_per_lead", "All")
    old_notes: dict[tuple[int, int], str | tuple[str, str | None]] = {
        (old_cpl, 2): ("checked by Ann", "Ann"),
        (old_cpl, 1): "channel note",
        (99, 2): "gone",
    }
    carried = carry_notes(first.tracker, old_notes, update)
    new_cpl = row_of(update, "cost_per_lead", "All")
    assert new_cpl != old_cpl
    assert carried == [CellNote(new_cpl, 1, "channel note"), CellNote(new_cpl, 2, "checked by Ann", "Ann")]


def test_notes_follow_their_cells_out_of_the_earlier_six_column_layout(update: TrackerUpdate) -> None:
    legacy = [
        ["Section", "KPI", "Channel", "Unit", "Type", "Version", "2026-09-28", "2026-10-05"],
        ["Efficiency", "Cost per lead", "All", "currency", "Leading", "1.aaa111", 98, None],
    ]
    notes: dict[tuple[int, int], str | tuple[str, str | None]] = {(1, 6): "typed by Ann", (1, 5): "on the version"}

    carried = carry_notes(legacy, notes, update)

    assert carried == [CellNote(row_of(update, "cost_per_lead", "All"), 2, "typed by Ann")]


# ---------------------------------------------------------------------------------------- formats, layout


def test_formats_per_unit_and_value_usd_and_other_currency(update: TrackerUpdate, plan: Presentation) -> None:
    units = dict(plan.row_units)
    assert units[row_of(update, "new_mqls", "All", V2)] == "count"
    assert len(plan.row_units) == update.kpi_rows
    assert plan.number_format("count", 70) == ("NUMBER", "#,##0")
    assert plan.number_format("currency", 98.5) == ("CURRENCY", '"$"#,##0.00')
    assert plan.number_format("currency", 12000.5) == ("CURRENCY", '"$"#,##0')
    assert plan.number_format("ratio", 0.28) == ("PERCENT", "0.0%")
    assert plan.number_format("multiple", 1.86) == ("NUMBER", '0.0"x"')
    assert plan.number_format("days", 30.25) == ("NUMBER", '0.0" days"')
    assert plan.number_format("seconds", 61.4) == ("NUMBER", '0" s"')
    assert plan.number_format("furlongs", 1) is None
    eur = build_presentation(update, TARGETS, currency="EUR")
    assert eur.number_format("currency", 12000.5) == ("CURRENCY", '"€"#,##0')
    assert eur.number_format("currency_per_day", 12.25) == ("CURRENCY", '"€"#,##0.00"/day"')
    assert unit_number_format("currency", "CHF") == '"CHF "#,##0.00'


def test_layout_frozen_panes_widths_header_sections_and_groups(update: TrackerUpdate, plan: Presentation) -> None:
    assert (plan.frozen_rows, plan.frozen_columns) == (1, 2)
    # Longest label: "Cohort: reached lead" 20 chars, "Outbound" 8; 7 px a character + 16 px padding.
    assert plan.column_widths == [156, 72, 80, 80, 80]
    assert plan.header_format.bold and plan.header_format.background_hex == "#E8EAED"
    assert rgb_fraction(plan.header_format.background_hex) == {"red": 0.9098, "green": 0.9176, "blue": 0.9294}
    assert [update.tracker[row][0] for row in plan.section_rows] == [
        "Funnel (flow)",
        "Funnel (cohort)",
        "Efficiency",
        "Pipeline",
        "Earlier definitions",
    ]
    # CHANNELS has no channel below the groups: the only collapsed rows are the earlier definition's.
    assert plan.row_groups == [RowGroup(len(update.tracker) - 1, len(update.tracker) - 1)]
    assert [update.tracker[row][0] for row in plan.block_rows][:3] == [
        "New contacts",
        "New MQLs",
        "Cohort: reached lead",
    ]
    assert plan.print_first_col == 2  # three weeks: all of them print


def test_chart_specs_funnel_of_the_matured_cohort_and_headline_trends(
    update: TrackerUpdate, plan: Presentation
) -> None:
    funnel, *trends = plan.charts
    assert plan.latest_complete_week == W2  # W3 ends after RUN2_AT
    # W2 is complete but too young; the funnel shows W1, the most recent matured cohort.
    assert (funnel.chart_id_key, funnel.kind, funnel.title) == (
        "cohort_funnel",
        "bar",
        "Cohort funnel: contacts created the week of 2026-09-28 (All), as of 2026-10-15",
    )
    assert (funnel.categories_row, funnel.categories_first_col, funnel.categories_last_col) == (0, 2, 2)
    assert [(s.label, s.row, s.first_col, s.last_col) for s in funnel.series] == [
        ("New contacts", row_of(update, "new_contacts", "All"), 2, 2),
        ("Cohort: reached lead", row_of(update, "cohort_leads", "All"), 2, 2),
        ("Cohort: reached MQL", row_of(update, "cohort_mqls", "All"), 2, 2),
    ]
    assert [t.chart_id_key for t in trends] == ["trend:new_mqls", "trend:revenue_won", "trend:cost_per_lead"]
    mqls = trends[0]
    assert (mqls.title, mqls.kind, mqls.value_format) == ("New MQLs, weekly", "line", "#,##0")
    assert trends[1].value_format == '"$"#,##0'  # axis in whole dollars
    # Up to the latest complete week (W2): W3's partial 10 MQLs would look like a collapse.
    assert (mqls.categories_first_col, mqls.categories_last_col) == (2, 3)
    assert [(s.label, s.row, s.first_col, s.last_col) for s in mqls.series] == [
        ("All", row_of(update, "new_mqls", "All", V2), 2, 3),
        ("Inbound", row_of(update, "new_mqls", "Inbound", V2), 2, 3),
        ("Outbound", row_of(update, "new_mqls", "Outbound", V2), 2, 3),
    ]
    assert [(t.offset_x_px, t.offset_y_px) for t in trends] == [(0, 350), (440, 350), (880, 350)]
    assert mqls.series[0].grid_range(7) == {
        "sheetId": 7,
        "startRowIndex": mqls.series[0].row,
        "endRowIndex": mqls.series[0].row + 1,
        "startColumnIndex": 2,
        "endColumnIndex": 4,
    }
    # Without a maturity rule every complete week is mature: the funnel is the latest complete week.
    assert build_presentation(update, TARGETS, currency="USD").charts[0].categories_first_col == 3


# ------------------------------------------------------------------------------------------- xlsx parity


def _write_runs(path: Path, *, with_scorecard: bool = False) -> tuple[XlsxTracker, TrackerUpdate, Presentation]:
    book = XlsxTracker(path)
    first = build_update(
        RUN1_VALUES, catalog("1.aaa111"), book.read_tabs(), run_id="run-1", snapshot_at=RUN1_AT, channel_order=CHANNELS
    )
    book.write(first)
    second = build_update(
        RUN2_VALUES, catalog(V2), book.read_tabs(), run_id="run-2", snapshot_at=RUN2_AT, channel_order=CHANNELS
    )
    card = build_scorecard(second, TARGETS, kpi_ids=HEADLINES, currency="USD", maturity=MATURITY)
    plan = build_presentation(
        second,
        TARGETS,
        currency="USD",
        maturity=MATURITY,
        headline_kpis=HEADLINES,
        scorecard=scorecard_tab(card) if with_scorecard else None,
    )
    book.write(second, plan)
    return book, second, plan


FUNNEL_TITLE = "Cohort funnel: contacts created the week of 2026-10-19 (All), as of 2026-10-27"


def _title(chart: object) -> str:
    try:
        return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))  # type: ignore[attr-defined]
    except AttributeError:
        return ""


def _chart_refs(chart: object) -> list[str]:
    refs = [series.val.numRef.f for series in chart.series]  # type: ignore[attr-defined]
    return refs


def test_xlsx_parity_fills_comments_formats_groups_and_charts(tmp_path: Path) -> None:
    book, update, plan = _write_runs(tmp_path / "tracker.xlsx")
    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames == ["Tracker", "Snapshots", "Definitions", "Charts", "Targets", "Costs"]
    ws = wb["Tracker"]
    mql, cpl = row_of(update, "new_mqls", "All", V2) + 1, row_of(update, "cost_per_lead", "All") + 1
    assert ws.cell(mql, 3).fill.fgColor.rgb == "FFB7E1CD"
    assert ws.cell(mql, 4).fill.fgColor.rgb == "FFFCE8B2"
    assert ws.cell(row_of(update, "win_rate", "All") + 1, 4).fill.fgColor.rgb == "FFF4C7C3"
    assert ws.cell(mql, 5).fill.fill_type is None  # week in progress
    cohort = row_of(update, "cohort_mqls", "All") + 1
    assert ws.cell(cohort, 4).fill.fill_type is None and ws.cell(cohort, 4).font.i  # immature: grey italics
    section = plan.section_rows[0] + 1
    assert ws.cell(section, 1).font.b and ws.cell(section, 3).fill.fgColor.rgb == "FFDCE6F1"
    comment = ws.cell(cpl, 3).comment
    assert (comment.text, comment.author) == ("first reported $98 on 2026-10-08", "Funnel Ledger")
    assert sum(1 for row in ws.iter_rows() for cell in row if cell.comment is not None) == 1
    assert ws.cell(cpl, 4).number_format == '"$"#,##0'  # $109: a whole amount shows no cents
    assert ws.cell(row_of(update, "revenue_won", "All") + 1, 4).number_format == '"$"#,##0'
    assert ws.cell(row_of(update, "win_rate", "All") + 1, 3).number_format == "0.0%"
    assert ws.freeze_panes == "C2"
    assert ws.column_dimensions["A"].width == round((156 - 5) / 7, 2)
    assert ws.column_dimensions["C"].width == round((80 - 5) / 7, 2)
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFE8EAED"
    assert (ws["A1"].alignment.horizontal, ws["C1"].alignment.horizontal) == (None, "right")
    earlier = len(update.tracker)
    assert (ws.row_dimensions[earlier].outlineLevel, ws.row_dimensions[earlier].hidden) == (1, True)
    assert not ws.sheet_properties.outlinePr.summaryBelow

    charts = wb["Charts"]._charts
    assert len(charts) == 4
    funnel, mqls, *_ = charts
    assert isinstance(funnel, BarChart)
    contacts, leads = row_of(update, "new_contacts", "All") + 1, row_of(update, "cohort_leads", "All") + 1
    assert _chart_refs(funnel)[:2] == [f"'Tracker'!$C${contacts}", f"'Tracker'!$C${leads}"]
    assert funnel.series[0].cat.strRef.f == "'Tracker'!$C$1"
    mql_in = row_of(update, "new_mqls", "Inbound", V2) + 1
    assert _chart_refs(mqls)[:2] == [f"'Tracker'!$C${mql}:$D${mql}", f"'Tracker'!$C${mql_in}:$D${mql_in}"]
    assert mqls.series[0].cat.strRef.f == "'Tracker'!$C$1:$D$1"
    assert mqls.y_axis.numFmt.formatCode == "#,##0"
    assert len(plan.charts) == 4


def test_rerun_rebuilds_exactly_our_charts_and_keeps_owner_edits_and_notes(tmp_path: Path) -> None:
    book, _, _ = _write_runs(tmp_path / "tracker.xlsx")
    wb = openpyxl.load_workbook(book.path)
    owner_chart = BarChart()
    owner_chart.title = "My pipeline chart"
    wb["Charts"].add_chart(owner_chart, "P3")
    wb["Charts"]["P1"] = "owner text"
    wb.save(book.path)

    # Run 3: a new week (W4) and nothing restated; the default plan reads the workbook's Targets tab.
    w4 = date(2026, 10, 19)
    third = build_update(
        frame([(w4, "new_mqls", V2, "All", 71.0), (w4, "new_customers", "1.aaa111", "All", 1.0)]),
        catalog(V2),
        book.read_tabs(),
        run_id="run-3",
        snapshot_at=datetime(2026, 10, 27, 6, 0, tzinfo=UTC),
        channel_order=CHANNELS,
    )
    book.write(third)
    wb = openpyxl.load_workbook(book.path)
    mql = row_of(third, "new_mqls", "All", V2) + 1
    # The Targets tab holds only the example row, so nothing is coloured by the default plan; the default
    # plan charts no trends (the tracker asset passes the scorecard setting): only the funnel is left.
    assert wb["Tracker"].cell(mql, 3).fill.fgColor.rgb != "FFB7E1CD"
    assert [_title(chart) for chart in wb["Charts"]._charts] == ["My pipeline chart", FUNNEL_TITLE]
    fourth = build_update(
        frame([]),
        catalog(V2),
        book.read_tabs(),
        run_id="run-4",
        snapshot_at=datetime(2026, 10, 28, tzinfo=UTC),
        channel_order=CHANNELS,
    )
    book.write(fourth, build_presentation(fourth, TARGETS, currency="USD", headline_kpis=HEADLINES))

    wb = openpyxl.load_workbook(book.path)
    charts = wb["Charts"]._charts
    assert len(charts) == 1 + 1 + 3  # the owner's, the funnel, three trends
    assert wb["Charts"]["P1"].value == "owner text"
    trend_refs = [ref for chart in charts for ref in _chart_refs(chart) if ref.startswith(f"'Tracker'!$C${mql}")]
    assert trend_refs == [f"'Tracker'!$C${mql}:$F${mql}"]  # now over four weeks
    # The restatement comment of run 2 is still on its cell two runs later.
    cpl = row_of(third, "cost_per_lead", "All") + 1
    assert wb["Tracker"].cell(cpl, 3).comment.text == "first reported $98 on 2026-10-08"
