"""``funnel-ledger check`` against the emulators: every source ok, each kind of misconfiguration, no secrets."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from emulators.linkedin import LinkedInEmulator
from emulators.sheets import SheetsEmulator
from emulators.suite import EmulatorSuite, start_emulators
from pipelines import check
from pipelines.check import CheckContext, CheckResult, check_command, register_check
from pipelines.cli import main
from tests.conftest import FakeClock
from tests.google_keys import service_account_info

HUBSPOT_TOKEN = "pat-na1-SENTINEL-0000-hubspot"
LINKEDIN_TOKEN = "li-SENTINEL-linkedin-token"
REFRESH_TOKEN = "1//SENTINEL-refresh"
CLIENT_SECRET = "GOCSPX-SENTINEL-secret"
DEVELOPER_TOKEN = "devtok-SENTINEL"
SECRETS = (HUBSPOT_TOKEN, LINKEDIN_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, DEVELOPER_TOKEN, "SENTINEL")
ROW = re.compile(r"^(?P<source>\S.*?)\s{2,}(?P<status>ok|not configured|warning|skipped|FAILED)\s{2,}(?P<detail>.*)$")
TODAY = date(2026, 12, 3)  # the day API sunsets are judged on
ENV_NAMES = (
    "FUNNEL_LEDGER_MODE",
    "FUNNEL_LEDGER_CONFIG",
    "WAREHOUSE_URL",
    "TRACKER_WORKBOOK",
    "ALERT_WEBHOOK_URL",
    "GOOGLE_ADS_LOGIN_CUSTOMER_ID",
    "GOOGLE_SERVICE_ACCOUNT_JSON_B64",
    "GOOGLE_SERVICE_ACCOUNT_FILE",
    "TRACKER_SPREADSHEET_ID",
    "GOOGLE_SHEETS_BASE_URL",
)
SHEET_ID = "1TrackerSheetId"
SERVICE_ACCOUNT_EMAIL = "funnel-ledger@test-project.iam.gserviceaccount.com"


def _session(day: str, user: str) -> dict:
    return {
        "date": day,
        "user": user,
        "new_user": True,
        "channel_group": "Organic Search",
        "source_medium": "google / organic",
        "campaign": "(not set)",
        "engaged": True,
        "duration_s": 60.0,
        "pageviews": 2,
        "key_events": 0,
        "events": {},
    }


def _fixture() -> dict:
    today = datetime.now(UTC).date()
    return {
        "hubspot": {
            "pipelines": {
                "deals": [
                    {
                        "id": "default",
                        "label": "Sales Pipeline",
                        "stages": [
                            {"id": "appointmentscheduled", "metadata": {"isClosed": "false", "probability": "0.2"}},
                            {"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}},
                        ],
                    }
                ]
            }
        },
        "linkedin": {"account_id": "512388408", "currency": "USD", "campaigns": [], "analytics": []},
        "google_ads": {
            "customer_id": "1234567890",
            "currency": "EUR",
            "time_zone": "Europe/Warsaw",
            "campaigns": [{"id": "111", "name": "Brand", "status": "ENABLED"}],
            "rows": [],
        },
        "ga4": {
            "property_id": "123456",
            "time_zone": "UTC",
            # Yesterday and today are in the check's report; the older session is not.
            "sessions": [
                _session(today.isoformat(), "u1"),
                _session((today - timedelta(days=1)).isoformat(), "u2"),
                _session((today - timedelta(days=5)).isoformat(), "u3"),
            ],
        },
        "sheets": {"spreadsheets": [{"spreadsheetId": SHEET_ID, "title": "Funnel Tracker"}]},
    }


@pytest.fixture(scope="module")
def suite() -> Iterator[EmulatorSuite]:
    with start_emulators(_fixture(), hubspot_token=HUBSPOT_TOKEN) as running:
        yield running


@pytest.fixture
def env(suite: EmulatorSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every source configured against the emulators; data in tmp_path; no settings file."""
    monkeypatch.chdir(tmp_path)
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    urls = suite.urls
    key = tmp_path / "sa.json"
    key.write_text(json.dumps(service_account_info(suite.token_url)), encoding="utf-8")
    values = {
        "FUNNEL_LEDGER_DATA_DIR": str(tmp_path / "data"),
        "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_BASE_URL": urls["hubspot"],
        "LINKEDIN_ACCESS_TOKEN": LINKEDIN_TOKEN,
        "LINKEDIN_AD_ACCOUNT_ID": "urn:li:sponsoredAccount:512388408",
        "LINKEDIN_BASE_URL": urls["linkedin"],
        "GOOGLE_ADS_DEVELOPER_TOKEN": DEVELOPER_TOKEN,
        "GOOGLE_ADS_CUSTOMER_ID": "123-456-7890",
        "GOOGLE_ADS_CLIENT_ID": "client-1.apps.googleusercontent.com",
        "GOOGLE_ADS_CLIENT_SECRET": CLIENT_SECRET,
        "GOOGLE_ADS_REFRESH_TOKEN": REFRESH_TOKEN,
        "GOOGLE_ADS_BASE_URL": urls["google_ads"],
        "GA4_PROPERTY_ID": "123456",
        "GA4_BASE_URL": urls["ga4"],
        "GOOGLE_SERVICE_ACCOUNT_FILE": str(key),
        "GOOGLE_OAUTH_TOKEN_URL": suite.token_url,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def _run(
    *, config: str | None = None, clock: FakeClock | None = None, today: date = TODAY
) -> tuple[int, str, dict[str, tuple[str, str]]]:
    out = io.StringIO()
    code = check_command(config, out=out, sleeper=(clock or FakeClock()).sleep, today=lambda: today)
    text = out.getvalue()
    rows = {m["source"]: (m["status"], m["detail"]) for line in text.splitlines() if (m := ROW.match(line))}
    for secret in SECRETS:
        assert secret not in text
    return code, text, rows


def test_everything_configured_is_ok_and_exits_0(env: Path, suite: EmulatorSuite):
    clock = FakeClock()
    code, text, rows = _run(clock=clock)
    workbook = env / "data" / "tracker.xlsx"
    database = env / "data" / "warehouse.db"
    assert rows == {
        "Settings": ("ok", "no settings file, defaults: timezone UTC, weeks start monday"),
        "HubSpot": (
            "ok",
            f"token accepted at {suite.urls['hubspot']}; 1 deal pipeline, 2 stages readable; settings 'stages' and "
            "'pipelines' found in the portal (contact, meeting and schema scopes are checked by the first run)",
        ),
        "LinkedIn Ads": ("ok", "ad account 512388408 readable (currency USD, LinkedIn-Version 202608)"),
        "Google Ads": ("ok", "customer 1234567890 readable (currency EUR, time zone Europe/Warsaw, API v26)"),
        "GA4": ("ok", "property 123456 readable (time zone UTC; 2 sessions yesterday and today)"),
        "API versions": (
            "ok",
            "no sunset in the next 60 days (first: HubSpot API v4, end of support 2027-03-30)",
        ),
        "Warehouse": (
            "ok",
            f"sqlite:///{database}: connected, empty: the first run creates the schema (revision 0003)",
        ),
        "Tracker (workbook)": ("ok", f"{workbook} will be created on the first run (folder writable)"),
        "Targets and Costs": ("ok", "no targets or costs entered yet"),
        "Alerts": ("not configured", "ALERT_WEBHOOK_URL not set; failed runs show only in the Dagster UI"),
    }
    assert code == 0
    assert text.rstrip().endswith("all configured sources reachable")
    # The warehouse check reads the schema's version and changes nothing: the first run creates the tables.
    engine = sa.create_engine(f"sqlite:///{database}")
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
    assert not workbook.exists()
    assert clock.sleeps == []


def test_one_call_per_api(env: Path, suite: EmulatorSuite):
    before = {name: suite.app(name).total_requests() for name in ("hubspot", "linkedin", "google_ads", "ga4")}
    _run()
    after = {name: suite.app(name).total_requests() for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        "hubspot": 2,  # the run's preflight: the lifecycle stages and the deal pipelines
        "linkedin": 1,
        "google_ads": 1,
        "ga4": 1,
    }


def test_wrong_hubspot_token_fails_naming_the_variable(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-SENTINEL-wrong")
    code, text, rows = _run()
    status, detail = rows["HubSpot"]
    assert status == "FAILED"
    assert "HTTP 401" in detail and "check HUBSPOT_ACCESS_TOKEN" in detail
    assert rows["LinkedIn Ads"][0] == "ok"  # one failure does not stop the other checks
    assert code == 1
    assert text.rstrip().endswith("1 failed: HubSpot")


def test_missing_hubspot_token_fails_because_hubspot_is_required(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN")
    code, _, rows = _run()
    assert rows["HubSpot"][0] == "FAILED"
    assert rows["HubSpot"][1].startswith("HUBSPOT_ACCESS_TOKEN is not set (HubSpot is required)")
    assert code == 1


def test_expired_linkedin_token_fails_asking_for_renewal(env: Path, suite: EmulatorSuite):
    linkedin = suite.app("linkedin")
    assert isinstance(linkedin, LinkedInEmulator)
    linkedin.expire_token()
    try:
        code, _, rows = _run()
    finally:
        linkedin.set_access_token(None)
    status, detail = rows["LinkedIn Ads"]
    assert status == "FAILED"
    assert "EXPIRED_ACCESS_TOKEN" in detail
    assert "the LinkedIn token expired (they live 60 days): generate a new one and set LINKEDIN_ACCESS_TOKEN" in detail
    assert code == 1


def test_ga4_property_without_access_fails_naming_the_property_setting(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GA4_PROPERTY_ID", "999999")
    code, _, rows = _run()
    status, detail = rows["GA4"]
    assert status == "FAILED"
    assert "PERMISSION_DENIED" in detail
    assert "no access to property 999999" in detail and "Viewer" in detail and "GA4_PROPERTY_ID" in detail
    assert code == 1


def test_wrong_google_ads_customer_fails_with_the_manager_account_hint(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GOOGLE_ADS_CUSTOMER_ID", "111-111-1111")
    code, _, rows = _run()
    assert rows["Google Ads"][0] == "FAILED"
    assert "USER_PERMISSION_DENIED" in rows["Google Ads"][1] and "GOOGLE_ADS_LOGIN_CUSTOMER_ID" in rows["Google Ads"][1]
    assert code == 1


def test_unconfigured_optional_sources_are_reported_and_exit_0(env: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("LINKEDIN_ACCESS_TOKEN", "LINKEDIN_AD_ACCOUNT_ID", "GA4_PROPERTY_ID", "GOOGLE_SERVICE_ACCOUNT_FILE"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("GOOGLE_ADS_REFRESH_TOKEN")
    code, _, rows = _run()
    assert rows["LinkedIn Ads"] == (
        "not configured",
        "LINKEDIN_ACCESS_TOKEN, LINKEDIN_AD_ACCOUNT_ID not set; source is skipped",
    )
    assert rows["Google Ads"] == ("not configured", "GOOGLE_ADS_REFRESH_TOKEN not set; source is skipped")
    assert rows["GA4"] == (
        "not configured",
        "GA4_PROPERTY_ID, GOOGLE_SERVICE_ACCOUNT_FILE or GOOGLE_SERVICE_ACCOUNT_JSON_B64 not set; source is skipped",
    )
    assert rows["HubSpot"][0] == "ok"
    assert code == 0


def test_unreachable_base_url_fails_naming_the_variable_after_one_retry(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HUBSPOT_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    clock = FakeClock()
    code, _, rows = _run(clock=clock)
    assert rows["HubSpot"] == (
        "FAILED",
        "HubSpot could not be reached at 127.0.0.1:9 (ConnectionError) after 1 retries: check HUBSPOT_BASE_URL "
        "and the network",
    )
    assert len(clock.sleeps) == 1  # the one retry waited through the injected sleeper
    assert code == 1


def test_invalid_settings_are_printed_and_the_apis_still_checked(env: Path):
    (env / "bad.yaml").write_text("week_start: tuesday\n", encoding="utf-8")
    code, text, rows = _run(config=str(env / "bad.yaml"))
    assert text.startswith(f"{env / 'bad.yaml'}: invalid settings, nothing was run:\n  - setting 'week_start':")
    assert rows["Settings"] == ("FAILED", "invalid settings, see above")
    assert rows["HubSpot"][0] == "ok"
    assert code == 1


def test_retired_api_versions_fail_naming_the_setting_and_the_version_to_use(env: Path):
    (env / "old.yaml").write_text("ads:\n  google_ads_api_version: v22\n  linkedin_api_version: '202511'\n")
    code, _, rows = _run(config=str(env / "old.yaml"))
    assert rows["Google Ads"] == (
        "FAILED",
        "Google Ads API v22 is no longer served, sunset 2026-10-07; it answered HTTP 404 with Google's HTML "
        "'Not Found' page: set ads.google_ads_api_version to v26, served until about 2027-11-01 (projected)",
    )
    assert rows["LinkedIn Ads"] == (
        "FAILED",
        "LinkedIn Marketing API 202511 is no longer served, sunset 2026-11-16; it answered HTTP 426 "
        "NONEXISTENT_VERSION: set ads.linkedin_api_version to 202608, served until about 2027-08-15 (projected)",
    )
    assert rows["API versions"] == (
        "FAILED",
        "Google Ads API v22 reached its sunset on 2026-10-07: set ads.google_ads_api_version to v26, served "
        "until about 2027-11-01 (projected); LinkedIn Marketing API 202511 reached its sunset on 2026-11-16: "
        "set ads.linkedin_api_version to 202608, served until about 2027-08-15 (projected)",
    )
    assert code == 1


def test_a_sunset_within_60_days_is_a_warning_and_exits_0(env: Path):
    code, text, rows = _run(today=date(2027, 1, 29))  # HubSpot ends support for v4 on 2027-03-30
    assert rows["API versions"] == (
        "warning",
        "HubSpot API v4 (deal-contact associations) reaches its end of support on 2027-03-30, in 60 days: "
        "upgrade funnel-ledger to a release that calls the vendor's newer versions",
    )
    assert code == 0
    assert text.rstrip().endswith("all configured sources reachable; act soon on: API versions")


def test_warehouse_password_is_hidden_when_the_connection_fails(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql+psycopg://ledger:SENTINEL-pw@127.0.0.1:9/ledger")
    code, _, rows = _run()
    status, detail = rows["Warehouse"]
    assert status == "FAILED"
    assert detail.startswith("cannot use postgresql+psycopg://ledger:***@127.0.0.1:9/ledger (OperationalError: ")
    assert detail.endswith("): check WAREHOUSE_URL")
    assert code == 1


def test_workbook_under_a_file_is_not_writable(env: Path, monkeypatch: pytest.MonkeyPatch):
    (env / "not-a-folder").write_text("x", encoding="utf-8")
    monkeypatch.setenv("TRACKER_WORKBOOK", str(env / "not-a-folder" / "tracker.xlsx"))
    code, _, rows = _run()
    assert rows["Tracker (workbook)"][0] == "FAILED"
    assert rows["Tracker (workbook)"][1].startswith(f"cannot create {env / 'not-a-folder' / 'tracker.xlsx'}: ")
    assert code == 1
    monkeypatch.setenv("TRACKER_WORKBOOK", str(env))
    assert _run()[2]["Tracker (workbook)"] == ("FAILED", f"{env} is a folder: set TRACKER_WORKBOOK to a .xlsx file")


def test_existing_workbook_and_alert_webhook(env: Path, monkeypatch: pytest.MonkeyPatch):
    (env / "tracker.xlsx").write_bytes(b"")
    monkeypatch.setenv("TRACKER_WORKBOOK", str(env / "tracker.xlsx"))
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/SENTINEL")
    code, _, rows = _run()
    assert rows["Tracker (workbook)"] == ("ok", f"{env / 'tracker.xlsx'} exists and is writable (updated in place)")
    assert rows["Alerts"] == ("ok", "failed runs are posted to hooks.slack.com (not called by check)")
    assert code == 0


def test_a_new_target_is_one_registered_function(env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(check, "_CHECKS", list(check._CHECKS))

    @register_check("BI export", applies=lambda ctx: ctx.settings.week_start == "monday")
    def _sheet(ctx: CheckContext) -> CheckResult:
        raise PermissionError("the service account cannot edit sheet 1AbC\nsecond line")

    @register_check("Never", applies=lambda ctx: False)
    def _never(ctx: CheckContext) -> CheckResult:
        raise AssertionError("not applicable, never run")

    code, _, rows = _run()
    assert rows["BI export"] == ("FAILED", "PermissionError: the service account cannot edit sheet 1AbC")
    assert "Never" not in rows
    assert code == 1


def test_cli_check_subcommand(env: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "HubSpot" in out and "all configured sources reachable" in out
    assert HUBSPOT_TOKEN not in out


@pytest.fixture
def sheet_env(env: Path, suite: EmulatorSuite, monkeypatch: pytest.MonkeyPatch) -> SheetsEmulator:
    monkeypatch.setenv("TRACKER_SPREADSHEET_ID", SHEET_ID)
    monkeypatch.setenv("GOOGLE_SHEETS_BASE_URL", suite.urls["sheets"])
    sheets = suite.app("sheets")
    assert isinstance(sheets, SheetsEmulator)
    return sheets


def test_google_sheet_target_is_checked_instead_of_the_workbook(sheet_env: SheetsEmulator):
    before = sheet_env.total_requests()
    code, _, rows = _run()
    assert rows["Tracker (Google Sheet)"] == (
        "ok",
        f"'Funnel Tracker' (1 tab) readable at https://docs.google.com/spreadsheets/d/{SHEET_ID}; edit access is "
        "confirmed by the first write (share it with the service account's client_email as an Editor)",
    )
    assert "Tracker (workbook)" not in rows
    assert rows["Targets and Costs"] == ("ok", "no targets or costs entered yet")
    # One metadata read for the tracker row, one read of the cells for the owner tabs.
    assert sheet_env.total_requests() - before == 2
    assert code == 0


def test_google_sheet_not_shared_with_the_service_account(sheet_env: SheetsEmulator):
    sheet_env.forbidden_for.add(SERVICE_ACCOUNT_EMAIL)
    try:
        code, _, rows = _run()
    finally:
        sheet_env.forbidden_for.discard(SERVICE_ACCOUNT_EMAIL)
    status, detail = rows["Tracker (Google Sheet)"]
    assert status == "FAILED"
    assert detail.startswith("Google Sheets answered HTTP 403 PERMISSION_DENIED")
    assert detail.endswith("share the sheet with the service account's client_email as an Editor")
    assert code == 1


def test_google_sheet_wrong_id(sheet_env: SheetsEmulator, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACKER_SPREADSHEET_ID", "1NoSuchSheet")
    code, _, rows = _run()
    assert rows["Tracker (Google Sheet)"][0] == "FAILED"
    assert rows["Tracker (Google Sheet)"][1].endswith("check TRACKER_SPREADSHEET_ID: no spreadsheet with that id")
    assert code == 1


def test_owner_tab_rows_left_out_are_named_with_their_rows_and_exit_0(env: Path, monkeypatch: pytest.MonkeyPatch):
    workbook = env / "tracker.xlsx"
    book = openpyxl.Workbook()
    targets = book.active
    targets.title = "Targets"
    targets.append(["kpi_id", "channel", "period_start", "period_end", "target"])
    targets.append(["new_mqls", "All", "2026-10-01", "2026-10-31", 100])
    targets.append(["new_mql", "All", "2026-10-01", "2026-10-31", 100])
    targets.append(["new_mqls", "All", "2026-10-15", "2026-11-15", 120])
    targets.append(["new_leads", "All", "2026-12-31", "2026-10-01", 400])
    targets.append(["new_leads", "Inbound", "2026-10-01", "2026-12-31", "about 400"])
    costs = book.create_sheet("Costs")
    costs.append(["channel", "period_start", "period_end", "amount", "note"])
    costs.append(["Ofline", "2026-10-01", "2026-10-31", 3000, "booth"])
    costs.append(["Inbound", "2026-10-01", "2026-10-31", 500, ""])
    costs.append(["Offline", "2026-10-01", "2026-10-31", 3000, "booth"])
    book.save(workbook)
    monkeypatch.setenv("TRACKER_WORKBOOK", str(workbook))

    code, text, rows = _run()

    assert rows["Targets and Costs"] == (
        "warning",
        "6 rows left out of the numbers until fixed (1 target and 1 cost valid):",
    )
    named = [line.strip() for line in text.splitlines() if line.strip().startswith(("Targets tab", "Costs tab"))]
    assert named == [
        "Targets tab row 3: kpi_id 'new_mql' is not a known KPI (did you mean new_mqls?)",
        "Targets tab row 4: period 2026-10-15..2026-11-15 overlaps row 2 for new_mqls / All",
        "Targets tab row 5: period_end 2026-10-01 is before period_start 2026-12-31",
        "Targets tab row 6: target 'about 400' is not a number",
        "Costs tab row 2: channel 'Ofline' is not a channel (did you mean Offline?)",
        "Costs tab row 3: channel 'Inbound' is a channel group; a cost belongs to one channel (e.g. Offline), so "
        "split it over its channels, one row each",
    ]
    assert code == 0
    assert text.rstrip().endswith("all configured sources reachable; act soon on: Targets and Costs")
