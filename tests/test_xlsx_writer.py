"""Local .xlsx tracker: round trip, in-place updates, owner tabs, text safety and atomic saves."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from sheets_sync import (
    COSTS_TEMPLATE,
    SNAPSHOTS_HEADER,
    TARGETS_TEMPLATE,
    DefinitionRow,
    StaleUpdateError,
    TargetsValidation,
    TrackerUpdate,
    XlsxTracker,
    build_presentation,
    build_update,
    empty_targets,
)

pytestmark = pytest.mark.unit

W1, W2 = date(2026, 11, 2), date(2026, 11, 9)
RUN1_AT = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
RUN2_AT = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
RUN3_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
CHANNELS = ["All", "Inbound", "Outbound"]


def definition(kpi_id: str, name: str, section: str, kpi_type: str, unit: str, order: int, text: str = ""):
    return DefinitionRow(
        kpi_id=kpi_id,
        kpi_version="1.abc123",
        name=name,
        section=section,
        kpi_type=kpi_type,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        direction="up",
        definition=text or f"{name} definition",
        settings="timezone=UTC",
        catalog_order=order,
    )


CATALOG = [
    definition("sessions", "Sessions", "Web", "leading", "count", 1),
    definition("engagement_rate", "Engagement rate", "Web", "leading", "ratio", 2, "=engaged/sessions"),
    definition("avg_session_duration_s", "Avg. session duration", "Web", "leading", "seconds", 3),
    definition("new_leads", "New leads", "Funnel (flow)", "leading", "count", 10),
    definition("sales_velocity", "Sales velocity", "Pipeline", "leading", "currency_per_day", 18),
    definition("revenue_won", "Revenue won", "Pipeline", "lagging", "currency", 20),
    definition("avg_sales_cycle_days", "Average sales cycle", "Pipeline", "lagging", "days", 21),
]


def values(scale: float = 1.0) -> pd.DataFrame:
    rows = [
        (W1, "sessions", "All", 100.0 * scale),
        (W1, "sessions", "Inbound", 80.0),
        (W2, "sessions", "All", 120.0),
        (W1, "engagement_rate", "All", 0.5),
        (W2, "engagement_rate", "All", math.nan),
        (W1, "avg_session_duration_s", "All", 61.4),
        (W1, "new_leads", "All", 7.0),
        (W1, "sales_velocity", "All", 1234.5),
        (W2, "revenue_won", "All", 12000.5),
        (W2, "avg_sales_cycle_days", "All", 30.25),
    ]
    return pd.DataFrame(
        [(week, kpi, "1.abc123", channel, value) for week, kpi, channel, value in rows],
        columns=["week_start", "kpi_id", "kpi_version", "channel", "value"],
    )


def update_for(tracker: XlsxTracker, at: datetime, frame: pd.DataFrame | None = None) -> TrackerUpdate:
    return build_update(
        values() if frame is None else frame,
        CATALOG,
        tracker.read_tabs(),
        run_id=f"run-{at:%m%d}",
        snapshot_at=at,
        channel_order=CHANNELS,
    )


def sheet_values(path: Path, title: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def padded(grid: Sequence[Sequence[object]]) -> list[list[object]]:
    width = max(len(row) for row in grid)
    return [[*row, *([None] * (width - len(row)))] for row in grid]


def as_dates(template: Sequence[Sequence[object]]) -> list[list[object]]:
    """The template as the workbook holds it: ISO dates typed as real dates."""
    return [
        [datetime.fromisoformat(value) if isinstance(value, str) and value[:2] == "20" else value for value in row]
        for row in template
    ]


@pytest.fixture
def book(tmp_path: Path) -> XlsxTracker:
    return XlsxTracker(tmp_path / "tracker.xlsx")


def test_missing_workbook_reads_as_empty(book: XlsxTracker) -> None:
    tabs = book.read_tabs()
    assert (tabs.tracker, tabs.snapshots, tabs.definitions) == ([], [], [])
    targets, costs = book.read_owner_tabs()
    assert targets.empty and list(targets.columns) == [
        "kpi_id",
        "channel",
        "period_start",
        "period_end",
        "target",
    ]
    assert costs.empty and list(costs.columns) == ["channel", "period_start", "period_end", "amount", "note"]


def test_round_trip_exact_cells_tabs_and_presentation(book: XlsxTracker) -> None:
    update = update_for(book, RUN1_AT)

    result = book.write(update)

    # No cohort rows and no Scorecard KPIs to chart: no Charts tab.
    assert result.created_tabs == ["Tracker", "Snapshots", "Definitions", "Targets", "Costs"]
    assert (result.tracker_rows, result.week_columns, result.snapshot_rows_appended) == (8, 2, 10)
    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames == ["Tracker", "Snapshots", "Definitions", "Targets", "Costs"]
    assert sheet_values(book.path, "Tracker") == [
        ["KPI", "Channel", "2026-11-02", "2026-11-09"],
        ["Web", None, None, None],
        ["Sessions", "All", 100, 120],
        [None, "Inbound", 80, None],
        ["Engagement rate", "All", 0.5, None],
        ["Avg. session duration", "All", 61.4, None],
        ["Funnel (flow)", None, None, None],
        ["New leads", "All", 7, None],
        ["Pipeline", None, None, None],
        ["Sales velocity", "All", 1234.5, None],
        ["Revenue won", "All", None, 12000.5],
        ["Average sales cycle", "All", None, 30.25],
    ]
    assert sheet_values(book.path, "Snapshots")[:2] == [
        list(SNAPSHOTS_HEADER),
        ["2026-11-10T06:00:00Z", "run-1110", "2026-11-02", "sessions", "1.abc123", "All", 100],
    ]
    assert len(sheet_values(book.path, "Snapshots")) == 11
    assert sheet_values(book.path, "Definitions") == padded(update.definitions)

    ws = wb["Tracker"]
    assert ws.freeze_panes == "C2"
    assert ws["A1"].font.b and ws["C1"].font.b
    assert wb["Snapshots"].freeze_panes == "A2"
    # Money shows cents below 1,000 only; an empty cell keeps the format a small amount would get.
    assert [(ws.cell(row=r, column=3).number_format, ws.cell(row=r, column=4).number_format) for r in range(3, 13)] == [
        ("#,##0", "#,##0"),
        ("#,##0", "#,##0"),
        ("0.0%", "0.0%"),
        ('0" s"', '0" s"'),
        ("General", "General"),  # section header row
        ("#,##0", "#,##0"),
        ("General", "General"),
        ('"$"#,##0"/day"', '"$"#,##0.00"/day"'),
        ('"$"#,##0.00', '"$"#,##0'),
        ('0.0" days"', '0.0" days"'),
    ]
    assert [ws.cell(row=r, column=1).font.b for r in (2, 3, 4, 7)] == [True, True, False, True]
    # Without channel groups, Inbound stays a row of its own (not collapsed).
    assert [ws.row_dimensions[r].outlineLevel for r in range(2, 13)] == [0] * 11
    # Pixels from the plan: "Avg. session duration" = 21 chars x 7 + 16 = 163 px; weeks 80 px.
    assert ws.column_dimensions["A"].width == round((163 - 5) / 7, 2)
    assert ws.column_dimensions["C"].width == round((80 - 5) / 7, 2)

    # read_tabs gives the model exactly what it produced (trailing blanks trimmed)
    tabs = book.read_tabs()
    assert padded(tabs.tracker) == padded(update.tracker)
    assert padded(tabs.definitions) == padded(update.definitions)


def test_print_setup_fits_width_repeats_labels_and_leaves_snapshots_out(book: XlsxTracker) -> None:
    weeks = [date(2026, 6, 1) + timedelta(weeks=i) for i in range(20)]
    frame = pd.DataFrame(
        [(week, "sessions", "1.abc123", "All", 100.0 + i) for i, week in enumerate(weeks)],
        columns=["week_start", "kpi_id", "kpi_version", "channel", "value"],
    )
    book.write(update_for(book, datetime(2026, 10, 20, tzinfo=UTC), frame))

    wb = openpyxl.load_workbook(book.path)
    tracker = wb["Tracker"]
    assert tracker.page_setup.orientation == "landscape"
    assert (tracker.page_setup.fitToWidth, tracker.page_setup.fitToHeight) == (1, 0)
    assert tracker.sheet_properties.pageSetUpPr.fitToPage
    assert (tracker.print_title_rows, tracker.print_title_cols) == ("$1:$1", "$A:$B")
    # The last 13 of 20 weeks (columns J..V) print next to the repeated KPI and Channel labels.
    assert tracker.print_area == "'Tracker'!$J$1:$V$3"
    assert wb["Snapshots"].print_area == "'Snapshots'!$A$1:$G$1"
    assert wb["Definitions"].sheet_properties.pageSetUpPr.fitToPage


def test_rerun_appends_only_changes_and_keeps_existing_snapshot_rows(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    before = sheet_values(book.path, "Snapshots")

    unchanged = update_for(book, RUN2_AT)
    assert book.write(unchanged).snapshot_rows_appended == 0
    assert sheet_values(book.path, "Snapshots") == before

    changed = update_for(book, RUN2_AT, values(scale=1.05))
    book.write(changed)

    after = sheet_values(book.path, "Snapshots")
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        ["2026-11-17T06:00:00Z", "run-1117", "2026-11-02", "sessions", "1.abc123", "All", 105]
    ]
    assert sheet_values(book.path, "Tracker")[2][2:] == [105, 120]
    assert [(r.old_value, r.new_value, r.first_reported_on) for r in changed.summary.restatements] == [
        (100, 105, date(2026, 11, 10))
    ]


def test_snapshots_append_right_below_the_data_when_blank_formatted_rows_follow(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    wb = openpyxl.load_workbook(book.path)
    wb["Snapshots"]["A15"].fill = PatternFill("solid", fgColor="FFFFFF00")  # formatted, but empty
    wb.save(book.path)

    result = book.write(update_for(book, RUN2_AT, values(scale=1.05)))

    assert result.snapshot_rows_appended == 1
    rows = sheet_values(book.path, "Snapshots")
    assert len(rows) == 15
    assert rows[11] == ["2026-11-17T06:00:00Z", "run-1117", "2026-11-02", "sessions", "1.abc123", "All", 105]
    assert rows[12:] == [[None] * 7] * 3
    assert openpyxl.load_workbook(book.path)["Snapshots"]["A15"].fill.fgColor.rgb == "FFFFFF00"
    # the next run sees 12 used rows (header + 11 snapshots) and appends right below them
    third = update_for(book, RUN2_AT, values(scale=1.1))
    assert third.snapshots_existing_rows == 12
    book.write(third)
    assert sheet_values(book.path, "Snapshots")[12][6] == 110


def make_foreign_workbook(path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Owner notes"
    notes["A1"].font = Font(bold=True, color="FFFF0000")
    notes["A1"].fill = PatternFill("solid", fgColor="FFFFFF00")
    notes["B2"] = 42
    notes["B3"] = "=B2*2"
    notes.column_dimensions["A"].width = 33
    targets = wb.create_sheet("Targets")
    targets.append(["kpi_id", "channel", "period_start", "period_end", "target"])
    targets.append(["revenue_won", "All", datetime(2026, 10, 1), datetime(2026, 12, 31), 90000])
    wb.save(path)


def test_unowned_tabs_are_preserved_and_tabs_reordered(book: XlsxTracker) -> None:
    make_foreign_workbook(book.path)

    result = book.write(update_for(book, RUN1_AT))

    assert result.created_tabs == ["Tracker", "Snapshots", "Definitions", "Costs"]
    wb = openpyxl.load_workbook(book.path)
    assert wb.sheetnames == ["Tracker", "Snapshots", "Definitions", "Targets", "Costs", "Notes"]
    notes = wb["Notes"]
    assert [list(row) for row in notes.iter_rows(values_only=True)] == [
        ["Owner notes", None],
        [None, 42],
        [None, "=B2*2"],
    ]
    assert notes["B3"].data_type == "f"
    assert notes["A1"].font.b and notes["A1"].font.color.rgb == "FFFF0000"
    assert notes["A1"].fill.fgColor.rgb == "FFFFFF00"
    assert notes.column_dimensions["A"].width == 33
    assert wb.active.title == "Notes"  # without a Scorecard, the sheet the owner had open stays open
    assert sheet_values(book.path, "Targets") == [
        ["kpi_id", "channel", "period_start", "period_end", "target"],
        ["revenue_won", "All", datetime(2026, 10, 1), datetime(2026, 12, 31), 90000],
    ]
    targets, costs = book.read_owner_tabs(known_kpi_ids=["revenue_won"])
    assert targets.to_dict("records") == [
        {
            "kpi_id": "revenue_won",
            "channel": "All",
            "period_start": date(2026, 10, 1),
            "period_end": date(2026, 12, 31),
            "target": 90000.0,
        }
    ]
    assert costs.empty  # only the example (comment) row


def test_owner_tabs_created_once_then_never_overwritten(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    assert sheet_values(book.path, "Targets") == as_dates(TARGETS_TEMPLATE)
    assert sheet_values(book.path, "Costs") == as_dates(COSTS_TEMPLATE)

    wb = openpyxl.load_workbook(book.path)
    wb["Costs"].delete_rows(2)
    wb["Costs"].append(["Offline", "2026-11-01", "2026-11-30", 3000, "Booth"])
    wb.save(book.path)

    result = book.write(update_for(book, RUN2_AT))

    assert result.created_tabs == []
    assert sheet_values(book.path, "Costs") == [
        ["channel", "period_start", "period_end", "amount", "note"],
        ["Offline", "2026-11-01", "2026-11-30", 3000, "Booth"],
    ]
    assert sheet_values(book.path, "Targets") == as_dates(TARGETS_TEMPLATE)
    _, costs = book.read_owner_tabs()
    assert costs.to_dict("records") == [
        {
            "channel": "Offline",
            "period_start": date(2026, 11, 1),
            "period_end": date(2026, 11, 30),
            "amount": 3000.0,
            "note": "Booth",
        }
    ]


def test_formula_looking_text_is_stored_as_text(book: XlsxTracker) -> None:
    risky_channels = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tcmd", "\rx"]
    frame = pd.DataFrame(
        [(W1, "sessions", "1.abc123", channel, 1.0) for channel in risky_channels],
        columns=["week_start", "kpi_id", "kpi_version", "channel", "value"],
    )

    book.write(update_for(book, RUN1_AT, frame))

    wb = openpyxl.load_workbook(book.path)
    channels = {wb["Tracker"].cell(row=r, column=2).value: wb["Tracker"].cell(row=r, column=2) for r in range(3, 9)}
    # XML parsers normalise a bare CR to LF, so "\rx" comes back as "\nx" (still text, never a formula).
    stored = {channel.replace("\r", "\n") for channel in risky_channels}
    assert set(channels) == stored
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in channels.values())
    definition_cell = next(row[7] for row in wb["Definitions"].iter_rows() if row[0].value == "engagement_rate")
    assert (definition_cell.value, definition_cell.data_type) == ("=engaged/sessions", "s")
    with zipfile.ZipFile(book.path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets)
    # and the model reads the text back as text
    assert {row[1] for row in book.read_tabs().tracker[2:]} == stored


def test_atomic_write_leaves_original_untouched_on_failure(book: XlsxTracker, monkeypatch: pytest.MonkeyPatch) -> None:
    book.write(update_for(book, RUN1_AT))
    original = book.path.read_bytes()
    next_update = update_for(book, RUN2_AT, values(scale=2.0))

    def crash(self: ExcelWriter) -> None:
        self._archive.writestr("xl/half.xml", b"half a part")
        raise OSError("disk full")

    monkeypatch.setattr(ExcelWriter, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        book.write(next_update)

    assert book.path.read_bytes() == original
    # Nothing left behind but the workbook and its (hidden) lock file, which the OS unlocked.
    assert sorted(p.name for p in book.path.parent.iterdir()) == [".tracker.xlsx.lock", "tracker.xlsx"]
    monkeypatch.undo()
    book.write(next_update)
    assert sheet_values(book.path, "Tracker")[2][2] == 200


def test_write_keeps_file_permissions(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    book.path.chmod(0o640)

    book.write(update_for(book, RUN2_AT))

    assert book.path.stat().st_mode & 0o777 == 0o640


def test_stale_update_is_refused(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    stale = update_for(book, RUN2_AT, values(scale=3.0))
    book.write(update_for(book, RUN2_AT, values(scale=2.0)))  # another run wrote in between
    snapshots = sheet_values(book.path, "Snapshots")

    with pytest.raises(
        StaleUpdateError,
        match=r"the workbook was written by run run-1117 at 2026-11-17T06:00:00Z after this run read it "
        r"\(revision 1, now 2\); nothing of this run's write landed",
    ):
        book.write(stale)
    assert sheet_values(book.path, "Snapshots") == snapshots

    # Saved by someone else (Excel keeps the revision properties): refused all the same.
    fresh = update_for(book, RUN3_AT, values(scale=3.0))
    wb = openpyxl.load_workbook(book.path)
    wb["Costs"]["F1"] = "owner was here"
    wb.save(book.path)
    with pytest.raises(StaleUpdateError, match=r"the workbook was saved \(by a person or another program\)"):
        book.write(fresh)
    book.write(update_for(book, RUN3_AT, values(scale=3.0)))
    assert openpyxl.load_workbook(book.path)["Costs"]["F1"].value == "owner was here"


def test_owner_tab_errors_and_uncomputed_formulas(book: XlsxTracker) -> None:
    book.write(update_for(book, RUN1_AT))
    wb = openpyxl.load_workbook(book.path)
    wb["Targets"].append(["revenue_won", "All", "2026-10-01", "2026-13-01", 5])
    wb["Targets"].append(["new_leads", "All", "2026-10-01", "2026-12-31", "=40*3"])
    wb.save(book.path)

    # The run goes on without the bad rows; owner_tabs names each one.
    owner = book.owner_tabs()
    assert [str(problem) for problem in owner.problems] == [
        "Targets tab row 3: period_end '2026-13-01' is not a date (YYYY-MM-DD)",
        "Targets tab row 4: target '=40*3' is not a number",
    ]
    targets, costs = book.read_owner_tabs()
    assert targets.empty and costs.empty


def test_currency_code_is_validated(tmp_path: Path) -> None:
    assert XlsxTracker(tmp_path / "t.xlsx", currency="EUR").currency == "EUR"
    with pytest.raises(ValueError, match="3-letter ISO code"):
        XlsxTracker(tmp_path / "t.xlsx", currency='"; DROP')


def test_targets_drop_downs_are_refreshed_and_the_owners_own_rules_kept(book: XlsxTracker) -> None:
    validation = TargetsValidation(("sessions", "new_leads"), ("All", "Inbound", "Outbound"))
    update = update_for(book, RUN1_AT)
    book.write(update, build_presentation(update, empty_targets(), currency="USD", targets_validation=validation))
    wb = openpyxl.load_workbook(book.path)
    owner_rule = DataValidation(type="whole", operator="greaterThan", formula1="0")
    owner_rule.add("G2:G10")
    wb["Targets"].add_data_validation(owner_rule)
    wb.save(book.path)

    again = update_for(book, RUN2_AT)
    book.write(again, build_presentation(again, empty_targets(), currency="USD", targets_validation=validation))

    wb = openpyxl.load_workbook(book.path)
    rules = {str(dv.sqref): dv for dv in wb["Targets"].data_validations.dataValidation}
    assert sorted(rules) == ["A2:A500", "B2:B500", "C2:C500", "D2:D500", "E2:E500", "G2:G10"]
    assert (rules["A2:A500"].type, rules["A2:A500"].formula1) == ("list", "'_lists'!$A$1:$A$2")
    assert (rules["B2:B500"].type, rules["B2:B500"].formula1) == ("list", "'_lists'!$B$1:$B$3")
    assert (rules["C2:C500"].type, rules["E2:E500"].formula1) == ("date", "ISNUMBER(E2)")
    assert rules["A2:A500"].errorStyle == "warning"  # "# example" comment rows stay typeable
    assert rules["G2:G10"].type == "whole"  # the owner's rule survives
    lists = wb["_lists"]
    assert lists.sheet_state == "hidden"
    assert [row for row in lists.iter_rows(values_only=True)] == [
        ("sessions", "All"),
        ("new_leads", "Inbound"),
        (None, "Outbound"),
    ]
    assert sheet_values(book.path, "Targets") == as_dates(TARGETS_TEMPLATE)  # values untouched


def test_channel_rows_collapse_under_their_group(book: XlsxTracker) -> None:
    frame = pd.DataFrame(
        [
            (W1, "sessions", "1.abc123", channel, value)
            for channel, value in (("All", 10.0), ("Inbound", 7.0), ("Organic", 4.0), ("Paid", 3.0), ("Outbound", 3.0))
        ],
        columns=["week_start", "kpi_id", "kpi_version", "channel", "value"],
    )
    update = build_update(
        frame,
        CATALOG,
        book.read_tabs(),
        run_id="r",
        snapshot_at=RUN1_AT,
        channel_order=["All", "Inbound", "Outbound", "Organic", "Paid"],
        channel_groups={"Inbound": ["Organic", "Paid"], "Outbound": []},
    )
    book.write(update)

    ws = openpyxl.load_workbook(book.path)["Tracker"]
    assert [ws.cell(r, 2).value for r in range(3, 8)] == ["All", "Inbound", "Organic", "Paid", "Outbound"]
    assert [(ws.row_dimensions[r].outlineLevel, bool(ws.row_dimensions[r].hidden)) for r in range(3, 8)] == [
        (0, False),
        (0, False),
        (1, True),
        (1, True),
        (0, False),
    ]
    assert ws.cell(5, 2).font.color.rgb == "FF5F6368"  # channel labels in grey
