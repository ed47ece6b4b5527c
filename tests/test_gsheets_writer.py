"""The Google Sheet writer against the Sheets emulator, read back through real gspread."""

from __future__ import annotations

from datetime import UTC, date, datetime

import gspread
import pandas as pd
import pytest

from emulators.google_oauth import GoogleOAuthEmulator
from emulators.server import serve_in_thread
from emulators.sheets import SheetsEmulator
from resources.http import ApiError, build_session
from resources.sheets import GoogleSheetTrackerResource, RedirectingSession
from sheets_sync.definitions_tab import DefinitionRow
from sheets_sync.formats import rgb_fraction
from sheets_sync.gsheets_writer import CELL_LIMIT, TrackerLimitError
from sheets_sync.presentation import build_presentation
from sheets_sync.scorecard import build_scorecard
from sheets_sync.scorecard_tab import scorecard_tab
from sheets_sync.tabs import TabGrids
from sheets_sync.target_fills import STATUS_COLORS
from sheets_sync.update import build_update
from sheets_sync.validation import TargetsValidation
from tests.conftest import FakeClock
from tests.google_keys import service_account_info

SHEET = "tracker-sheet"
W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
DEFS = [
    DefinitionRow("new_leads", "1.aaaaaa", "New leads", "Funnel (flow)", "leading", "count", "up", "Leads.", "s", 0),
    DefinitionRow("win_rate", "1.bbbbbb", "Win rate", "Pipeline & revenue", "lagging", "ratio", "up", "Won.", "s", 1),
]
SLICES = ["All", "Inbound", "Outbound"]


def _values(leads_w2: float = 7) -> pd.DataFrame:
    rows = []
    for week, leads in ((W1, 5), (W2, leads_w2)):
        rows += [
            {"week_start": week, "kpi_id": "new_leads", "kpi_version": "1.aaaaaa", "channel": "All", "value": leads},
            {"week_start": week, "kpi_id": "win_rate", "kpi_version": "1.bbbbbb", "channel": "All", "value": 0.25},
        ]
    return pd.DataFrame(rows)


@pytest.fixture
def sheets():
    oauth = GoogleOAuthEmulator()
    app = SheetsEmulator({"spreadsheets": [{"spreadsheetId": SHEET, "title": "Funnel Tracker"}]}, oauth=oauth)
    with serve_in_thread(oauth) as auth, serve_in_thread(app) as server:
        yield app, server.base_url, f"{auth.base_url}/token"


def _resource(base_url: str, token_url: str, clock: FakeClock | None = None) -> GoogleSheetTrackerResource:
    resource = GoogleSheetTrackerResource(
        spreadsheet_id=SHEET,
        base_url=base_url,
        token_url=token_url,
        service_account_info=service_account_info(token_url),
    )
    if clock is not None:
        resource.with_session(build_session(max_retries=6, sleeper=clock.sleep, session=RedirectingSession(base_url)))
    return resource


def _run(resource: GoogleSheetTrackerResource, values: pd.DataFrame, run_id: str) -> dict:
    update = build_update(
        values,
        DEFS,
        resource.read_tabs(),
        run_id=run_id,
        snapshot_at=datetime(2024, 2, 1, tzinfo=UTC),
        channel_order=SLICES,
    )
    targets, _ = resource.read_owner_tabs()
    presentation = build_presentation(
        update, targets, currency="USD", as_of=date(2024, 2, 1), headline_kpis=("new_leads", "win_rate")
    )
    return resource.write(update, presentation)


def _gspread(base_url: str) -> gspread.Spreadsheet:
    return gspread.Client(auth=None, session=RedirectingSession(base_url)).open_by_key(SHEET)  # type: ignore[arg-type]


def test_first_run_writes_every_tab_in_one_read_and_one_batch(sheets):
    app, base_url, token_url = sheets
    app.auth_required = False  # the read-back below goes through gspread without a token
    summary = _run(_resource(base_url, token_url), _values(), "run-1")
    assert summary["api_requests"] == 2
    assert app.request_counts["spreadsheets.get"] == 1 and app.request_counts["spreadsheets.batchUpdate"] == 1
    assert sum(app.request_counts.values()) == 2

    book = _gspread(base_url)
    tracker = book.worksheet("Tracker").get_all_values()
    assert tracker == [
        ["KPI", "Channel", "2024-01-01", "2024-01-08"],
        ["Funnel (flow)", "", "", ""],
        ["New leads", "All", "5", "7"],
        ["Pipeline & revenue", "", "", ""],
        ["Win rate", "All", "25.0%", "25.0%"],
    ]
    unformatted = book.worksheet("Tracker").get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert unformatted[2][2:] == [5, 7]  # numbers, not text
    snapshots = book.worksheet("Snapshots").get_all_values()
    assert snapshots[0] == ["snapshot_at", "run_id", "week_start", "kpi_id", "kpi_version", "channel", "value"]
    assert len(snapshots) == 1 + 4
    definitions = book.worksheet("Definitions").get_all_values()
    assert [row[:2] for row in definitions[1:]] == [["new_leads", "1.aaaaaa"], ["win_rate", "1.bbbbbb"]]
    assert {"Targets", "Costs", "Charts"} <= {ws.title for ws in book.worksheets()}
    assert app.frozen(SHEET, "Tracker") == (1, 2)
    # This tracker has no cohort rows, so no funnel: the trends of the Scorecard KPIs it holds.
    assert [c["spec"]["title"] for c in app.charts(SHEET, "Charts")] == ["New leads, weekly", "Win rate, weekly"]


def test_rerun_appends_nothing_and_a_restated_cell_gets_a_note_but_owner_notes_survive(sheets):
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    app.auth_required = False
    book = _gspread(base_url)
    book.worksheet("Tracker").update_note("A3", "owner: check the lead definition")
    before = book.worksheet("Snapshots").get_all_values()

    _run(_resource(base_url, token_url), _values(), "run-2")
    assert book.worksheet("Snapshots").get_all_values() == before  # nothing changed, nothing appended

    _run(_resource(base_url, token_url), _values(leads_w2=9), "run-3")
    after = book.worksheet("Snapshots").get_all_values()
    assert after[:-1] == before and after[-1][1:] == ["run-3", "2024-01-08", "new_leads", "1.aaaaaa", "All", "9"]
    notes = app.notes(SHEET, "Tracker")
    assert notes["D3"] == "first reported 7 on 2024-02-01"
    assert notes["A3"] == "owner: check the lead definition"
    assert len(app.charts(SHEET, "Charts")) == 2  # updated in place, not added again


def test_crm_text_stays_text_and_owner_tabs_are_never_written(sheets):
    app, base_url, token_url = sheets
    resource = _resource(base_url, token_url)
    _run(resource, _values(), "run-1")
    app.auth_required = False
    book = _gspread(base_url)
    targets = book.worksheet("Targets")
    targets.update(
        [
            ["kpi_id", "channel", "period_start", "period_end", "target"],
            ["new_leads", "All", "2024-01-01", "2024-01-31", 31],
        ],
        "A1",
    )
    owned = targets.get_all_values()
    hostile = DefinitionRow(
        "new_leads",
        "1.aaaaaa",
        "New leads",
        "Funnel (flow)",
        "leading",
        "count",
        "up",
        '=HYPERLINK("http://evil.example","click")',
        "s",
        0,
    )
    update = build_update(
        _values(),
        [hostile, DEFS[1]],
        resource.read_tabs(),
        run_id="run-2",
        snapshot_at=datetime(2024, 2, 1, tzinfo=UTC),
        channel_order=SLICES,
    )
    resource = _resource(base_url, token_url)
    resource.tracker().read()
    resource.write(update)
    cell = book.worksheet("Definitions").get("H2", value_render_option="FORMULA")
    assert cell[0][0] == '=HYPERLINK("http://evil.example","click")'  # stored as text, never a formula
    assert targets.get_all_values() == owned


def test_target_colours_and_number_formats(sheets):
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    app.auth_required = False
    _gspread(base_url).worksheet("Targets").update(
        [
            ["kpi_id", "channel", "period_start", "period_end", "target"],
            ["new_leads", "All", "2024-01-01", "2024-01-14", 12],
        ],
        "A1",
    )
    _run(_resource(base_url, token_url), _values(), "run-2")
    formats = app.formats(SHEET, "Tracker")
    # 12 over two weeks = 6 a week: 5 is within 10%? no (-16.7%) -> missed; 7 -> met.
    assert formats["C3"]["backgroundColor"] == rgb_fraction(STATUS_COLORS["missed"])
    assert formats["D3"]["backgroundColor"] == rgb_fraction(STATUS_COLORS["met"])
    assert formats["C5"]["numberFormat"] == {"type": "PERCENT", "pattern": "0.0%"}


def test_not_shared_sheet_and_unknown_id_say_what_to_fix(sheets):
    app, base_url, token_url = sheets
    app.forbidden_for = {service_account_info(token_url)["client_email"]}
    with pytest.raises(ApiError, match="share the sheet with the service account"):
        _resource(base_url, token_url).read_tabs()
    app.forbidden_for = set()
    missing = _resource(base_url, token_url).model_copy(update={"spreadsheet_id": "nope"})
    with pytest.raises(ApiError, match="TRACKER_SPREADSHEET_ID"):
        missing.read_tabs()


def test_quota_429_is_retried_within_the_window_then_the_write_lands(sheets):
    app, base_url, token_url = sheets
    clock = FakeClock()
    resource = _resource(base_url, token_url, clock)
    resource.read_tabs()
    app.fail_next(2, status=429)
    update = build_update(
        _values(), DEFS, TabGrids(), run_id="r", snapshot_at=datetime(2024, 2, 1, tzinfo=UTC), channel_order=SLICES
    )
    resource.write(update)
    assert len(clock.sleeps) == 2 and sum(clock.sleeps) < 60
    assert app.values(SHEET, "Tracker")[2][0] == "New leads"


def test_a_write_past_ten_million_cells_is_refused_before_anything_is_sent(sheets):
    app, base_url, token_url = sheets
    resource = _resource(base_url, token_url)
    state = resource.tracker().read()
    for props in state.sheets.values():
        props["gridProperties"]["rowCount"] = CELL_LIMIT  # pretend the sheet is already huge
    update = build_update(
        _values(), DEFS, TabGrids(), run_id="r", snapshot_at=datetime(2024, 2, 1, tzinfo=UTC), channel_order=SLICES
    )
    with pytest.raises(TrackerLimitError, match="10,000,000"):
        resource.tracker().write(update)
    assert app.request_counts.get("spreadsheets.batchUpdate", 0) == 0


def test_notes_move_with_their_row_when_rows_are_inserted(sheets):
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    app.auth_required = False
    _gspread(base_url).worksheet("Tracker").update_note("C5", "owner: win rate looks off")  # win_rate, W1
    inbound = pd.concat(
        [
            _values(),
            pd.DataFrame(
                [{"week_start": W1, "kpi_id": "new_leads", "kpi_version": "1.aaaaaa", "channel": "Inbound", "value": 4}]
            ),
        ],
        ignore_index=True,
    )
    app.auth_required = True
    _run(_resource(base_url, token_url), inbound, "run-2")
    tracker = app.values(SHEET, "Tracker")
    assert [row[:2] for row in tracker[1:]] == [
        ["Funnel (flow)"],
        ["New leads", "All"],
        ["", "Inbound"],
        ["Pipeline & revenue"],
        ["Win rate", "All"],
    ]
    assert app.notes(SHEET, "Tracker") == {"C6": "owner: win rate looks off"}


def test_demo_mode_refuses_a_google_sheet_target(monkeypatch: pytest.MonkeyPatch, tmp_path):
    from resources.tracker import TrackerResource
    from settings import SettingsError

    monkeypatch.setenv("TRACKER_SPREADSHEET_ID", SHEET)
    with pytest.raises(SettingsError, match="demo mode never writes to a Google Sheet"):
        TrackerResource(workbook_path=str(tmp_path / "t.xlsx"), demo=True).read_tabs()
    assert TrackerResource(workbook_path=str(tmp_path / "t.xlsx"), demo=False).backend().kind == "google_sheet"
    monkeypatch.delenv("TRACKER_SPREADSHEET_ID")
    workbook = TrackerResource(workbook_path=str(tmp_path / "t.xlsx"), demo=True)
    assert workbook.location.endswith("t.xlsx")


def test_insights_notes_wrap_in_a_wide_column(sheets):
    from sheets_sync.insights_tab import InsightRow

    app, base_url, token_url = sheets
    resource = _resource(base_url, token_url)
    note = InsightRow(W2, "kpis", "kpi_drop", "Sessions fell far below the usual range: " + "x " * 200, -0.3)
    update = build_update(
        _values(),
        DEFS,
        resource.read_tabs(),
        run_id="run-1",
        snapshot_at=datetime(2024, 2, 1, tzinfo=UTC),
        channel_order=SLICES,
        insights=[note],
    )
    resource.write(update, None)
    formats = app.formats(SHEET, "Insights")
    assert formats["D2"]["wrapStrategy"] == "WRAP" and formats["D2"]["verticalAlignment"] == "TOP"
    assert formats["A2"]["verticalAlignment"] == "TOP" and "wrapStrategy" not in formats["A2"]
    assert app.column_widths(SHEET, "Insights")[3] == 640
    # Rows are never sized by the writer: Sheets fits each to its wrapped note.
    assert app.row_heights(SHEET, "Insights") == {}


UNIT_DEFS = [
    DefinitionRow("new_leads", "1.aaaaaa", "New leads", "Funnel (flow)", "leading", "count", "up", "d", "s", 0),
    DefinitionRow(
        "pageviews_per_session", "1.aaaaaa", "Pages per session", "Web", "leading", "multiple", "up", "d", "s", 1
    ),
    DefinitionRow(
        "avg_session_duration_s", "1.aaaaaa", "Avg. session duration", "Web", "leading", "seconds", "up", "d", "s", 2
    ),
    DefinitionRow("win_rate", "1.aaaaaa", "Win rate", "Pipeline & revenue", "lagging", "ratio", "up", "d", "s", 3),
    DefinitionRow(
        "revenue_won", "1.aaaaaa", "Revenue won", "Pipeline & revenue", "lagging", "currency", "up", "d", "s", 4
    ),
    DefinitionRow(
        "avg_sales_cycle_days",
        "1.aaaaaa",
        "Average sales cycle",
        "Pipeline & revenue",
        "lagging",
        "days",
        "down",
        "d",
        "s",
        5,
    ),
    DefinitionRow(
        "sales_velocity",
        "1.aaaaaa",
        "Sales velocity",
        "Pipeline & revenue",
        "leading",
        "currency_per_day",
        "up",
        "d",
        "s",
        6,
    ),
]
GROUPS = {"Inbound": ["Organic Search", "Paid Search"], "Outbound": ["Offline"]}
ALL_SLICES = ["All", "Inbound", "Outbound", "Organic Search", "Paid Search", "Offline"]


def _unit_values() -> pd.DataFrame:
    rows = [
        ("new_leads", "All", 10, 12),
        ("new_leads", "Inbound", 7, 9),
        ("new_leads", "Outbound", 3, 3),
        ("new_leads", "Organic Search", 5, 6),
        ("new_leads", "Paid Search", 2, 3),
        ("new_leads", "Offline", 3, 3),
        ("pageviews_per_session", "All", 1.86, 1.9),
        ("avg_session_duration_s", "All", 61.4, 58.0),
        ("win_rate", "All", 0.286, 0.25),
        ("revenue_won", "All", 6765.4, 97.88),
        ("avg_sales_cycle_days", "All", 30.25, 31.0),
        ("sales_velocity", "All", 1234.5, 812.25),
    ]
    return pd.DataFrame(
        [
            {"week_start": week, "kpi_id": kpi, "kpi_version": "1.aaaaaa", "channel": channel, "value": value}
            for kpi, channel, w1, w2 in rows
            for week, value in ((W1, w1), (W2, w2))
        ]
    )


def _run_with_scorecard(resource: GoogleSheetTrackerResource, run_id: str) -> None:
    update = build_update(
        _unit_values(),
        UNIT_DEFS,
        resource.read_tabs(),
        run_id=run_id,
        snapshot_at=datetime(2024, 2, 1, tzinfo=UTC),
        channel_order=ALL_SLICES,
        channel_groups=GROUPS,
    )
    targets, _ = resource.read_owner_tabs()
    card = build_scorecard(
        update, targets, kpi_ids=["new_leads", "revenue_won"], currency="USD", as_of=date(2024, 2, 1)
    )
    presentation = build_presentation(
        update,
        targets,
        currency="USD",
        as_of=date(2024, 2, 1),
        scorecard=scorecard_tab(card),
        targets_validation=TargetsValidation(tuple(d.kpi_id for d in UNIT_DEFS), tuple(ALL_SLICES)),
    )
    resource.write(update, presentation)


def test_every_unit_reads_in_its_format_channels_are_grouped_and_the_scorecard_comes_first(sheets):
    app, base_url, token_url = sheets
    _run_with_scorecard(_resource(base_url, token_url), "run-1")
    app.auth_required = False
    book = _gspread(base_url)

    assert book.worksheets()[0].title == "Scorecard"
    tracker = book.worksheet("Tracker").get_all_values()
    shown = {(row[0] or label, row[1]): row[2:] for label, row in _labelled(tracker)}
    assert shown[("Pages per session", "All")] == ["1.9x", "1.9x"]
    assert shown[("Avg. session duration", "All")] == ["61 s", "58 s"]
    assert shown[("Win rate", "All")] == ["28.6%", "25.0%"]
    assert shown[("Revenue won", "All")] == ["$6,765", "$97.88"]
    assert shown[("Average sales cycle", "All")] == ["30.3 days", "31.0 days"]
    assert shown[("Sales velocity", "All")] == ["$1,235/day", "$812.25/day"]
    assert shown[("New leads", "Paid Search")] == ["2", "3"]
    # Inbound's channels and Outbound's Offline collapse under their group's row.
    rows = [row[1] for row in tracker]
    organic, offline = rows.index("Organic Search"), rows.index("Offline")
    groups = [
        (g["range"].get("startIndex", 0), g["range"]["endIndex"], g.get("collapsed", False))
        for g in book.worksheet("Tracker").list_dimension_group_rows()
    ]
    assert groups == [(organic, organic + 2, True), (offline, offline + 1, True)]

    scorecard = book.worksheet("Scorecard").get_all_values()
    header = scorecard[4]
    assert header[:4] == ["KPI", "Channel", "Week of 8 Jan", "Week of 1 Jan"]
    assert scorecard[5][:5] == ["New leads", "All", "12", "10", "+20%"]
    assert scorecard[8][:5] == ["Revenue won", "All", "$97.88", "$6,765", "-99%"]

    _run_with_scorecard(_resource(base_url, token_url), "run-2")  # a rerun rebuilds, never stacks, groups
    assert len(book.worksheet("Tracker").list_dimension_group_rows()) == 2
    assert book.worksheet("Scorecard").get_all_values() == scorecard


def _labelled(grid: list[list[str]]) -> list[tuple[str, list[str]]]:
    """Rows with the KPI label of their block (blank KPI cells take the row above's)."""
    out, label = [], ""
    for row in grid[1:]:
        label = row[0] or label
        out.append((label, row))
    return out


def test_targets_get_drop_downs_and_dates_the_owner_types_read_as_dates(sheets):
    app, base_url, token_url = sheets
    _run_with_scorecard(_resource(base_url, token_url), "run-1")
    app.auth_required = False
    book = _gspread(base_url)
    meta = book.fetch_sheet_metadata(
        params={"ranges": "Targets!A2:E2", "fields": "sheets(data(rowData(values(dataValidation))))"}
    )
    rules = [cell["dataValidation"] for cell in meta["sheets"][0]["data"][0]["rowData"][0]["values"]]
    assert rules[0]["condition"]["type"] == "ONE_OF_LIST" and rules[0]["showCustomUi"]
    assert [v["userEnteredValue"] for v in rules[0]["condition"]["values"]][:2] == [
        "new_leads",
        "pageviews_per_session",
    ]
    assert [v["userEnteredValue"] for v in rules[1]["condition"]["values"]] == ALL_SLICES
    assert [rule["condition"]["type"] for rule in rules[2:]] == ["DATE_IS_VALID", "DATE_IS_VALID", "CUSTOM_FORMULA"]
    assert rules[4]["condition"]["values"] == [{"userEnteredValue": "=ISNUMBER(E2)"}]
    assert not any(rule.get("strict") for rule in rules)  # flagged, not refused: "#" comment rows stay typeable

    # The owner types dates (Sheets stores serial numbers under a date format): they read back as dates.
    book.worksheet("Targets").update(
        [["new_leads", "All", "2024-01-01", "2024-01-14", 12]], "A3", value_input_option="USER_ENTERED"
    )
    app.auth_required = True
    targets, _ = _resource(base_url, token_url).read_owner_tabs()
    assert targets.to_dict("records") == [
        {"kpi_id": "new_leads", "channel": "All", "period_start": W1, "period_end": date(2024, 1, 14), "target": 12.0}
    ]


def test_a_sheet_in_the_earlier_six_column_layout_is_rewritten_in_the_new_one(sheets):
    app, base_url, token_url = sheets
    app.auth_required = False
    book = _gspread(base_url)
    legacy = book.add_worksheet("Tracker", rows=20, cols=10)
    legacy.update(
        [
            ["Section", "KPI", "Channel", "Unit", "Type", "Version", "2024-01-01"],
            ["Funnel (flow)", "New leads", "All", "count", "Leading", "1.aaaaaa", 5],
            ["Pipeline & revenue", "Win rate", "All", "ratio", "Lagging", "1.bbbbbb", 0.25],
        ],
        "A1",
    )
    legacy.format("G2:G3", {"backgroundColor": {"red": 1, "green": 0, "blue": 0}})
    legacy.update_note("G2", "owner: checked")
    app.auth_required = True

    _run(_resource(base_url, token_url), _values(), "run-1")

    app.auth_required = False
    assert book.worksheet("Tracker").get_all_values() == [
        ["KPI", "Channel", "2024-01-01", "2024-01-08"],
        ["Funnel (flow)", "", "", ""],
        ["New leads", "All", "5", "7"],
        ["Pipeline & revenue", "", "", ""],
        ["Win rate", "All", "25.0%", "25.0%"],
    ]
    formats = app.formats(SHEET, "Tracker")
    assert "G2" not in formats and "G3" not in formats  # the earlier layout's cells lose their formats
    assert app.notes(SHEET, "Tracker") == {"C3": "owner: checked"}  # the note follows its cell
