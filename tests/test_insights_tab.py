"""Insights tab: replace-per-week merge, ordering, header validation, and the .xlsx round trip."""

from __future__ import annotations

import math
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sheets_sync import (
    INSIGHTS_HEADER,
    Cell,
    DefinitionRow,
    InsightRow,
    TabGrids,
    TrackerLayoutError,
    TrackerUpdate,
    XlsxTracker,
    build_update,
)

W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
RUN1_AT = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
RUN2_AT = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
STAMP1, STAMP2 = "2026-11-10T06:00:00Z", "2026-11-17T06:00:00Z"
SESSIONS = DefinitionRow(
    kpi_id="sessions",
    kpi_version="1.aaaaaa",
    name="Sessions",
    section="Web",
    kpi_type="leading",
    unit="count",
    direction="up",
    definition="GA4 sessions with date in W",
    settings="timezone=UTC",
    catalog_order=1,
)

pytestmark = pytest.mark.unit


def values(*weeks: date) -> pd.DataFrame:
    return pd.DataFrame(
        [(week, "sessions", "1.aaaaaa", "All", 100.0) for week in weeks],
        columns=["week_start", "kpi_id", "kpi_version", "channel", "value"],
    )


def run(weeks: tuple[date, ...], existing: TabGrids, at: datetime, insights: list[InsightRow] | None) -> TrackerUpdate:
    return build_update(
        values(*weeks),
        [SESSIONS],
        existing,
        run_id=f"run-{at:%m%d}",
        snapshot_at=at,
        channel_order=["All"],
        insights=insights,
    )


def applied(existing: TabGrids, update: TrackerUpdate) -> TabGrids:
    """What a writer leaves in the tabs after applying ``update``."""
    return TabGrids(
        tracker=update.tracker,
        snapshots=[*existing.snapshots, *update.snapshot_rows_to_write],
        definitions=update.definitions,
        insights=update.insights,
    )


THRESHOLD_W1 = InsightRow(W1, "ga4", "thresholding", "GA4 applied thresholding to 2 of 7 days.", 2.0)
UNMAPPED_W1 = InsightRow(W1, "hubspot", "unmapped_sources", "3 of 40 contacts have no source: OFFLINEX (3).", 3)
NO_AMOUNT_W2 = InsightRow(W2, "hubspot", "deals_without_amount", "1 deal has no amount: 9001.", 1.0)
CPC_W2 = InsightRow(W2, "kpis", "cpc_up_ctr_down", "CPC +12.5% while CTR -8.0% vs trailing 4 weeks.", 0.125)
LOOKBACK_W2 = InsightRow(W2, "linkedin", "unsettled_days", "4 ad days are inside the 28-day lookback.", None)
HEADER: list[Cell] = list(INSIGHTS_HEADER)


# ------------------------------------------------------------------------------------------------- model


def test_first_run_puts_the_newest_week_first_keeps_the_runs_order_within_a_week_and_stamps_rows() -> None:
    # The run hands its notes over ranked (most unusual change first); the tab keeps that order per week.
    update = run((W1, W2), TabGrids(), RUN1_AT, [THRESHOLD_W1, CPC_W2, UNMAPPED_W1, NO_AMOUNT_W2, LOOKBACK_W2])

    assert update.insights == [
        HEADER,
        [
            "2026-11-09",
            "kpis",
            "cpc_up_ctr_down",
            "CPC +12.5% while CTR -8.0% vs trailing 4 weeks.",
            0.125,
            "run-1110",
            STAMP1,
        ],
        ["2026-11-09", "hubspot", "deals_without_amount", "1 deal has no amount: 9001.", 1, "run-1110", STAMP1],
        [
            "2026-11-09",
            "linkedin",
            "unsettled_days",
            "4 ad days are inside the 28-day lookback.",
            None,
            "run-1110",
            STAMP1,
        ],
        ["2026-11-02", "ga4", "thresholding", "GA4 applied thresholding to 2 of 7 days.", 2, "run-1110", STAMP1],
        [
            "2026-11-02",
            "hubspot",
            "unmapped_sources",
            "3 of 40 contacts have no source: OFFLINEX (3).",
            3,
            "run-1110",
            STAMP1,
        ],
    ]
    assert type(update.insights[2][4]) is int  # whole numbers are written as integers
    assert update.insights_replaced
    assert update.summary.insights_rows == 5


def test_rerun_of_the_same_weeks_replaces_instead_of_duplicating() -> None:
    notes = [THRESHOLD_W1, UNMAPPED_W1, NO_AMOUNT_W2]
    existing = applied(TabGrids(), run((W1, W2), TabGrids(), RUN1_AT, notes))

    rerun = run((W1, W2), existing, RUN2_AT, list(reversed(notes)))

    # The same notes once each, in the rerun's order within each week.
    assert [row[:3] for row in rerun.insights[1:]] == [
        ["2026-11-09", "hubspot", "deals_without_amount"],
        ["2026-11-02", "hubspot", "unmapped_sources"],
        ["2026-11-02", "ga4", "thresholding"],
    ]
    assert sorted(row[:5] for row in rerun.insights[1:]) == sorted(row[:5] for row in existing.insights[1:])
    # The notes now carry the run that last confirmed them.
    assert {(row[5], row[6]) for row in rerun.insights[1:]} == {("run-1117", STAMP2)}
    assert rerun.summary.insights_rows == 3


def test_other_weeks_are_kept_verbatim_and_a_clean_week_loses_its_old_notes() -> None:
    existing = applied(TabGrids(), run((W1, W2), TabGrids(), RUN1_AT, [THRESHOLD_W1, NO_AMOUNT_W2, CPC_W2]))
    amount_fixed_w3 = InsightRow(W3, "hubspot", "deals_without_amount", "2 deals have no amount: 9002, 9003.", 2)

    # This run computes W2 (now clean: no notes) and W3; W1 is not touched.
    update = run((W2, W3), existing, RUN2_AT, [amount_fixed_w3])

    assert update.insights == [
        HEADER,
        [
            "2026-11-16",
            "hubspot",
            "deals_without_amount",
            "2 deals have no amount: 9002, 9003.",
            2,
            "run-1117",
            STAMP2,
        ],
        ["2026-11-02", "ga4", "thresholding", "GA4 applied thresholding to 2 of 7 days.", 2, "run-1110", STAMP1],
    ]
    assert update.summary.insights_rows == 1


def test_none_leaves_the_tab_as_it_was_even_a_foreign_one() -> None:
    existing = applied(TabGrids(), run((W1,), TabGrids(), RUN1_AT, [THRESHOLD_W1]))

    untouched = run((W1,), existing, RUN2_AT, None)

    assert untouched.insights == existing.insights
    assert not untouched.insights_replaced
    assert untouched.summary.insights_rows == 0
    foreign = TabGrids(insights=[["Idea", "Owner"], ["Try a webinar", "Ana"]])
    carried = run((W1,), foreign, RUN1_AT, None)
    assert carried.insights == [["Idea", "Owner"], ["Try a webinar", "Ana"]]
    assert run((W1,), TabGrids(), RUN1_AT, None).insights == []


def test_empty_insights_on_an_empty_tab_write_just_the_header() -> None:
    update = run((W1,), TabGrids(), RUN1_AT, [])

    assert update.insights == [HEADER]
    assert update.insights_replaced


def test_foreign_insights_tab_is_refused_when_writing_insights() -> None:
    foreign = TabGrids(insights=[["Idea", "Owner"], ["Try a webinar", "Ana"]])
    with pytest.raises(
        TrackerLayoutError,
        match=r"^Insights tab row 1: expected columns week_start, source, flag, detail, value, run_id, "
        r"noted_at, found 'idea', 'owner'; refusing to overwrite",
    ):
        run((W1,), foreign, RUN1_AT, [THRESHOLD_W1])

    missing_column = TabGrids(insights=[HEADER[:-1]])
    with pytest.raises(TrackerLayoutError, match=r"^Insights tab row 1"):
        run((W1,), missing_column, RUN1_AT, [])

    # Case and trailing blanks in the header are tolerated, like on the Snapshots tab.
    tolerant = TabGrids(insights=[[*(name.upper() for name in INSIGHTS_HEADER), None, ""]])
    assert run((W1,), tolerant, RUN1_AT, []).insights == [HEADER]


def test_invalid_insights_are_refused() -> None:
    with pytest.raises(ValueError, match=r"insights\[1\]: week 2026-11-16 is not among the weeks computed"):
        run((W1, W2), TabGrids(), RUN1_AT, [THRESHOLD_W1, InsightRow(W3, "ga4", "sampling", "x", 1.0)])
    with pytest.raises(ValueError, match=r"insights\[0\]: source and flag are required"):
        run((W1,), TabGrids(), RUN1_AT, [InsightRow(W1, "ga4", " ", "x", 1.0)])


def test_duplicates_values_and_unreadable_rows() -> None:
    risky = InsightRow(W1, "hubspot", "unmapped_sources", '=HYPERLINK("http://x","y") (2)', math.nan)
    existing = TabGrids(
        insights=[
            HEADER,
            ["not a week", "pipeline", "note", "hand-typed", None, "", ""],
            ["2026-10-26", "ga4", "sampling", "Sampled at 80%.", 0.8, "run-old", "2026-10-27T06:00:00Z"],
            [],
        ]
    )

    update = run(
        (W1,),
        existing,
        RUN1_AT,
        [risky, risky, InsightRow(W1, "ga4", "data_loss", "(other) row", math.inf)],
    )

    assert update.insights == [
        HEADER,
        ["2026-11-02", "hubspot", "unmapped_sources", '=HYPERLINK("http://x","y") (2)', None, "run-1110", STAMP1],
        ["2026-11-02", "ga4", "data_loss", "(other) row", None, "run-1110", STAMP1],
        ["2026-10-26", "ga4", "sampling", "Sampled at 80%.", 0.8, "run-old", "2026-10-27T06:00:00Z"],
        ["not a week", "pipeline", "note", "hand-typed"],  # kept, after every dated row
    ]
    assert update.summary.insights_rows == 2  # the exact duplicate is one note


# -------------------------------------------------------------------------------------------------- xlsx


def xlsx_update(book: XlsxTracker, weeks: tuple[date, ...], at: datetime, insights: list[InsightRow] | None):
    return build_update(
        values(*weeks),
        [SESSIONS],
        book.read_tabs(),
        run_id=f"run-{at:%m%d}",
        snapshot_at=at,
        channel_order=["All"],
        insights=insights,
    )


def sheet_values(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def padded(grid: list[list[Cell]], width: int = len(INSIGHTS_HEADER)) -> list[list[Cell]]:
    return [[*row, *([None] * (width - len(row)))] for row in grid]


@pytest.fixture
def book(tmp_path: Path) -> XlsxTracker:
    return XlsxTracker(tmp_path / "tracker.xlsx")


def test_xlsx_round_trip_tab_order_and_presentation(book: XlsxTracker) -> None:
    update = xlsx_update(book, (W1, W2), RUN1_AT, [THRESHOLD_W1, CPC_W2, LOOKBACK_W2])

    result = book.write(update)

    assert result.created_tabs == ["Tracker", "Snapshots", "Definitions", "Insights", "Targets", "Costs"]
    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames == ["Tracker", "Snapshots", "Definitions", "Insights", "Targets", "Costs"]
    assert sheet_values(book.path, "Insights") == padded(update.insights)
    ws = wb["Insights"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["G1"].font.b
    assert ws.column_dimensions["D"].width == 90
    assert [ws.cell(row=r, column=4).alignment.wrap_text for r in range(2, 5)] == [True, True, True]
    assert ws["C2"].alignment.vertical == "top" and not ws["C2"].alignment.wrap_text
    assert book.read_tabs().insights == [
        HEADER,
        ["2026-11-09", "kpis", "cpc_up_ctr_down", CPC_W2.detail, 0.125, "run-1110", STAMP1],
        ["2026-11-09", "linkedin", "unsettled_days", LOOKBACK_W2.detail, None, "run-1110", STAMP1],
        ["2026-11-02", "ga4", "thresholding", THRESHOLD_W1.detail, 2, "run-1110", STAMP1],
    ]


def test_xlsx_rerun_replaces_the_weeks_it_computed_only(book: XlsxTracker) -> None:
    book.write(xlsx_update(book, (W1, W2), RUN1_AT, [THRESHOLD_W1, NO_AMOUNT_W2]))
    book.write(xlsx_update(book, (W1, W2), RUN1_AT, [THRESHOLD_W1, NO_AMOUNT_W2]))
    assert len(sheet_values(book.path, "Insights")) == 1 + 2

    result = book.write(xlsx_update(book, (W2, W3), RUN2_AT, [CPC_W2]))

    assert result.created_tabs == []
    assert sheet_values(book.path, "Insights") == [
        HEADER,
        ["2026-11-09", "kpis", "cpc_up_ctr_down", CPC_W2.detail, 0.125, "run-1117", STAMP2],
        ["2026-11-02", "ga4", "thresholding", THRESHOLD_W1.detail, 2, "run-1110", STAMP1],
    ]


def test_xlsx_insights_text_is_never_a_formula(book: XlsxTracker) -> None:
    details = ['=HYPERLINK("http://x","y")', "+1 555 0100", "-20% sessions", "@SUM(A1)", "#N/A", "bell\x07"]
    notes = [InsightRow(W1, "hubspot", f"flag_{i}", detail, None) for i, detail in enumerate(details)]

    book.write(xlsx_update(book, (W1,), RUN1_AT, notes))

    ws = openpyxl.load_workbook(book.path)["Insights"]
    cells = [ws.cell(row=r, column=4) for r in range(2, 8)]
    # Illegal XML control characters are dropped; everything else is stored exactly, as text.
    assert [cell.value for cell in cells] == [*details[:5], "bell"]
    assert [cell.data_type for cell in cells] == ["s"] * 6
    assert [bool(cell.quotePrefix) for cell in cells] == [True, True, True, True, False, False]
    with zipfile.ZipFile(book.path) as archive:
        index = openpyxl.load_workbook(book.path).sheetnames.index("Insights") + 1
        xml = archive.read(f"xl/worksheets/sheet{index}.xml")
    assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml
    assert [row[3] for row in book.read_tabs().insights[1:]] == [*details[:5], "bell"]


def test_xlsx_without_insights_leaves_the_tab_alone(book: XlsxTracker) -> None:
    book.write(xlsx_update(book, (W1,), RUN1_AT, None))
    assert "Insights" not in openpyxl.load_workbook(book.path).sheetnames

    # The owner keeps a tab of their own called Insights: runs without insights never touch it.
    wb = openpyxl.load_workbook(book.path)
    own = wb.create_sheet("Insights")
    own.append(["Idea", "Owner"])
    own.append(["=1+1", "Ana"])
    own.column_dimensions["A"].width = 41
    wb.save(book.path)

    book.write(xlsx_update(book, (W1, W2), RUN2_AT, None))

    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames == ["Tracker", "Snapshots", "Definitions", "Insights", "Targets", "Costs"]
    assert sheet_values(book.path, "Insights") == [["Idea", "Owner"], ["=1+1", "Ana"]]
    assert wb["Insights"]["A2"].data_type == "f"
    assert wb["Insights"].column_dimensions["A"].width == 41
    with pytest.raises(TrackerLayoutError, match=r"^Insights tab row 1"):
        xlsx_update(book, (W2,), RUN2_AT, [NO_AMOUNT_W2])


def test_xlsx_rows_are_as_tall_as_their_wrapped_notes(book: XlsxTracker) -> None:
    # 60 five-letter words: 16 fit the 81 characters of a line in the 90-wide column, so 4 lines of 15 pt.
    long_note = InsightRow(W1, "kpis", "kpi_drop", " ".join(["word"] * 60), -0.3)
    book.write(xlsx_update(book, (W1,), RUN1_AT, [long_note, THRESHOLD_W1]))
    ws = openpyxl.load_workbook(book.path)["Insights"]
    assert [ws.row_dimensions[r].height for r in (2, 3)] == [60.0, 15.0]
    assert ws.row_dimensions[2].customHeight


def test_sheets_insights_notes_wrap_at_the_top_of_their_rows() -> None:
    from sheets_sync import insights_layout

    requests = insights_layout.sheets_requests(sheet_id=7, rows=3)
    widths = [r["updateDimensionProperties"] for r in requests if "updateDimensionProperties" in r]
    assert [w["properties"]["pixelSize"] for w in widths] == [90, 100, 150, 640, 80, 270, 150]
    repeats = [r["repeatCell"] for r in requests if "repeatCell" in r]
    assert repeats[0]["range"] == {
        "sheetId": 7,
        "startRowIndex": 0,
        "endRowIndex": 3,
        "startColumnIndex": 0,
        "endColumnIndex": 7,
    }
    assert repeats[0]["cell"] == {"userEnteredFormat": {"verticalAlignment": "TOP"}}
    assert (repeats[1]["range"]["startColumnIndex"], repeats[1]["range"]["endColumnIndex"]) == (3, 4)
    assert repeats[1]["cell"] == {"userEnteredFormat": {"wrapStrategy": "WRAP"}}
