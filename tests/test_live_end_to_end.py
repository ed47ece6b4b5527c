"""`funnel-ledger run` in live mode: every base URL at the emulators, fake credentials, a Google Sheet
target; the sheet is read back with gspread."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gspread
import pytest

from emulators.suite import start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import main
from resources.sheets import RedirectingSession
from tests.google_keys import service_account_info

pytestmark = pytest.mark.slow

SHEET = "team-tracker"
SECRETS = {
    "HUBSPOT_ACCESS_TOKEN": "pat-na1-00000000-sentinel-hubspot",
    "LINKEDIN_ACCESS_TOKEN": "sentinel-linkedin-token",
    "GOOGLE_ADS_DEVELOPER_TOKEN": "sentinel-developer-token",
    "GOOGLE_ADS_CLIENT_SECRET": "sentinel-client-secret",
    "GOOGLE_ADS_REFRESH_TOKEN": "sentinel-refresh-token",
}


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    today = datetime.now(UTC).date()
    fixture = generate_demo_fixture(today=today, weeks=20, scale=0.3)
    fixture["sheets"] = {"spreadsheets": [{"spreadsheetId": SHEET, "title": "Funnel Tracker"}]}
    suite = start_emulators(fixture, hubspot_token=SECRETS["HUBSPOT_ACCESS_TOKEN"], hubspot_burst_limit=0)
    urls = suite.urls
    key = service_account_info(f"{urls['oauth']}/token")
    env = {
        **SECRETS,
        "HUBSPOT_BASE_URL": urls["hubspot"],
        "LINKEDIN_BASE_URL": urls["linkedin"],
        "LINKEDIN_AD_ACCOUNT_ID": fixture["linkedin"]["account_id"],
        "GOOGLE_ADS_BASE_URL": urls["google_ads"],
        "GOOGLE_ADS_CUSTOMER_ID": fixture["google_ads"]["customer_id"],
        "GOOGLE_ADS_CLIENT_ID": "client-id",
        "GA4_BASE_URL": urls["ga4"],
        "GA4_PROPERTY_ID": fixture["ga4"]["property_id"],
        "GOOGLE_SERVICE_ACCOUNT_JSON_B64": base64.b64encode(json.dumps(key).encode()).decode(),
        "GOOGLE_OAUTH_TOKEN_URL": f"{urls['oauth']}/token",
        "GOOGLE_SHEETS_BASE_URL": urls["sheets"],
        "TRACKER_SPREADSHEET_ID": SHEET,
        "FUNNEL_LEDGER_DATA_DIR": str(tmp_path / "data"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("DAGSTER_HOME", "FUNNEL_LEDGER_MODE", "FUNNEL_LEDGER_CONFIG", "WAREHOUSE_URL", "TRACKER_WORKBOOK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield suite, today
    suite.stop()


def _book(url: str) -> gspread.Spreadsheet:
    return gspread.Client(auth=None, session=RedirectingSession(url)).open_by_key(SHEET)  # type: ignore[arg-type]


def test_live_run_fills_the_google_sheet_in_two_requests(live, capsys):
    suite, today = live
    last = today - timedelta(days=today.weekday() + 7)
    first = last - timedelta(weeks=7)
    assert main(["run", "--from", first.isoformat(), "--to", last.isoformat()]) == 0
    out = capsys.readouterr()
    sheets = suite.app("sheets")
    # One read (the KPI step's owner tabs and the tracker step's tabs share it in one process; a
    # multi-process run reads twice) and one atomic write, whatever the number of weeks.
    assert dict(sheets.request_counts) == {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 1}

    sheets.auth_required = False
    book = _book(suite.urls["sheets"])
    tracker = book.worksheet("Tracker").get_all_values()
    weeks = [(first + timedelta(weeks=n)).isoformat() for n in range(8)]
    assert tracker[0] == ["KPI", "Channel", *weeks]
    names = {(row[0], row[1]) for row in tracker[1:]}
    for kpi in ("Sessions", "Users", "Ad spend", "New leads", "Revenue won", "Customer acquisition cost"):
        assert (kpi, "All") in names, kpi
    snapshots = book.worksheet("Snapshots").get_all_values()
    assert snapshots[0] == ["snapshot_at", "run_id", "week_start", "kpi_id", "kpi_version", "channel", "value"]
    assert {row[2] for row in snapshots[1:]} == set(weeks)
    definitions = book.worksheet("Definitions").get_all_values()
    assert definitions[0][:3] == ["kpi_id", "kpi_version", "name"]
    assert "new_leads" in {row[0] for row in definitions[1:]}
    assert {"Insights", "Targets", "Costs", "Charts"} <= {ws.title for ws in book.worksheets()}
    assert book.worksheets()[0].title == "Scorecard"

    # Rerunning the same weeks appends no snapshot row.
    sheets.auth_required = True
    assert main(["run", "--from", first.isoformat(), "--to", last.isoformat()]) == 0
    sheets.auth_required = False
    assert book.worksheet("Snapshots").get_all_values() == snapshots

    # No secret in the output.
    printed = out.out + out.err + capsys.readouterr().err
    for secret in SECRETS.values():
        assert secret not in printed
