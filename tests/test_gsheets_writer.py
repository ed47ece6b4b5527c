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
from sheets_sync.gsheets_writer import CELL_LIMIT, TrackerLimitError
from sheets_sync.presentation import build_presentation
from sheets_sync.tabs import TabGrids
from sheets_sync.update import build_update
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
    presentation = build_presentation(update, targets, currency="USD", as_of=date(2024, 2, 1))
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
    assert tracker[0] == ["Section", "KPI", "Channel", "Unit", "Type", "Version", "2024-01-01", "2024-01-08"]
    assert tracker[1][:2] == ["Funnel (flow)", "New leads"] and tracker[1][6:] == ["5", "7"]
    unformatted = book.worksheet("Tracker").get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert unformatted[1][6:] == [5, 7]  # numbers, not text
    snapshots = book.worksheet("Snapshots").get_all_values()
    assert snapshots[0] == ["snapshot_at", "run_id", "week_start", "kpi_id", "kpi_version", "channel", "value"]
    assert len(snapshots) == 1 + 4
    definitions = book.worksheet("Definitions").get_all_values()
    assert [row[:2] for row in definitions[1:]] == [["new_leads", "1.aaaaaa"], ["win_rate", "1.bbbbbb"]]
    assert {"Targets", "Costs", "Charts"} <= {ws.title for ws in book.worksheets()}
    assert app.frozen(SHEET, "Tracker") == (1, 6)
    # This tracker has no cohort rows, so only the leading-vs-lagging chart is drawn.
    assert [c["spec"]["title"] for c in app.charts(SHEET, "Charts")] == ["Leading vs lagging: New leads (All)"]


def test_rerun_appends_nothing_and_a_restated_cell_gets_a_note_but_owner_notes_survive(sheets):
    app, base_url, token_url = sheets
    _run(_resource(base_url, token_url), _values(), "run-1")
    app.auth_required = False
    book = _gspread(base_url)
    book.worksheet("Tracker").update_note("A2", "owner: check the lead definition")
    before = book.worksheet("Snapshots").get_all_values()

    _run(_resource(base_url, token_url), _values(), "run-2")
    assert book.worksheet("Snapshots").get_all_values() == before  # nothing changed, nothing appended

    _run(_resource(base_url, token_url), _values(leads_w2=9), "run-3")
    after = book.worksheet("Snapshots").get_all_values()
    assert after[:-1] == before and after[-1][1:] == ["run-3", "2024-01-08", "new_leads", "1.aaaaaa", "All", "9"]
    notes = app.notes(SHEET, "Tracker")
    assert notes["H2"] == "first reported 7 on 2024-02-01"
    assert notes["A2"] == "owner: check the lead definition"
    assert len(app.charts(SHEET, "Charts")) == 1  # updated in place, not added again


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
    assert formats["G2"]["backgroundColor"] != formats["H2"]["backgroundColor"]
    assert formats["G3"]["numberFormat"]["pattern"].endswith("%")


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
    assert app.values(SHEET, "Tracker")[1][1] == "New leads"


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
    _gspread(base_url).worksheet("Tracker").update_note("G3", "owner: win rate looks off")  # win_rate, W1
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
    assert [row[1:3] for row in tracker[1:]] == [["New leads", "All"], ["New leads", "Inbound"], ["Win rate", "All"]]
    assert app.notes(SHEET, "Tracker") == {"G4": "owner: win rate looks off"}


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
