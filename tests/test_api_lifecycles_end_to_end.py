"""`funnel-ledger run` in live mode against emulators whose calendar day is set: the default API versions
work on 2026-12-03, and past each default's sunset the run stops with a message naming the setting, the
retired version, its sunset and the version to use."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from emulators.suite import EmulatorSuite, start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import main
from tests.google_keys import service_account_info

pytestmark = pytest.mark.slow

# The data are generated as of this day; only the emulators' calendar day moves between the tests.
DATA_DAY = date(2026, 12, 3)
SECRETS = {
    "HUBSPOT_ACCESS_TOKEN": "pat-na1-00000000-sentinel-hubspot",
    "LINKEDIN_ACCESS_TOKEN": "sentinel-linkedin-token",
    "GOOGLE_ADS_DEVELOPER_TOKEN": "sentinel-developer-token",
    "GOOGLE_ADS_CLIENT_SECRET": "sentinel-client-secret",
    "GOOGLE_ADS_REFRESH_TOKEN": "sentinel-refresh-token",
}
Live = Callable[[date], EmulatorSuite]


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """Start the emulators on a calendar day and point live mode at them (workbook tracker, no settings)."""
    fixture = generate_demo_fixture(today=DATA_DAY, weeks=6, scale=0.1)
    started: list[EmulatorSuite] = []

    def start(calendar_day: date) -> EmulatorSuite:
        suite = start_emulators(
            fixture, hubspot_token=SECRETS["HUBSPOT_ACCESS_TOKEN"], hubspot_burst_limit=0, today=lambda: calendar_day
        )
        started.append(suite)
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
            "FUNNEL_LEDGER_DATA_DIR": str(tmp_path / "data"),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return suite

    for name in (
        "DAGSTER_HOME",
        "FUNNEL_LEDGER_MODE",
        "FUNNEL_LEDGER_CONFIG",
        "WAREHOUSE_URL",
        "TRACKER_WORKBOOK",
        "TRACKER_SPREADSHEET_ID",
        "GOOGLE_ADS_LOGIN_CUSTOMER_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield start
    for suite in started:
        suite.stop()


def _run_last_week(*options: str) -> int:
    last = DATA_DAY - timedelta(days=DATA_DAY.weekday() + 7)
    return main(["run", *options, "--from", last.isoformat(), "--to", last.isoformat()])


def test_default_versions_work_on_2026_12_03(live: Live, capsys: pytest.CaptureFixture[str]):
    suite = live(DATA_DAY)
    assert _run_last_week() == 0
    assert re.search(r"Marketing spend +\$[\d,]+\.\d\d\n", capsys.readouterr().out)  # a number, not "empty"
    # Both ad platforms were read with the default versions, and every call was answered.
    for name, endpoint in (("google_ads", "google_ads.searchStream"), ("linkedin", "linkedin.adAnalytics")):
        statuses = suite.app(name).counts_by_status()
        assert statuses.get((endpoint, 200), 0) >= 1, name
        assert {status for (_, status) in statuses} == {200}, name


@pytest.mark.parametrize(
    ("calendar_day", "answer"),
    [
        pytest.param(date(2027, 11, 1), "HTTP 400 requestError.UNSUPPORTED_VERSION", id="v26-sunset-day"),
        pytest.param(date(2027, 12, 1), "HTTP 404 with Google's HTML 'Not Found' page", id="v26-a-month-on"),
    ],
)
def test_past_the_google_ads_default_sunset_the_run_stops_with_what_to_set(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], calendar_day: date, answer: str
):
    live(calendar_day)
    # LinkedIn's default is retired by then too; leave it unconfigured to see Google's answer alone.
    monkeypatch.delenv("LINKEDIN_ACCESS_TOKEN")
    assert _run_last_week() == 1
    err = capsys.readouterr().err
    assert (
        "funnel-ledger: Google Ads API v26 is no longer served, sunset about 2027-11-01 (projected); it answered "
        f"{answer}: set ads.google_ads_api_version to a newer version listed at "
        "https://developers.google.com/google-ads/api/docs/sunset-dates (this release of funnel-ledger knows "
        "none newer than v26; upgrade it too)\n"
    ) in err
    for secret in SECRETS.values():
        assert secret not in err


def test_past_the_linkedin_default_sunset_the_run_stops_with_what_to_set(
    live: Live, capsys: pytest.CaptureFixture[str]
):
    suite = live(date(2027, 8, 16))  # 202608's sunset, projected a year on: 2027-08-15
    assert _run_last_week() == 1
    err = capsys.readouterr().err
    assert (
        "funnel-ledger: LinkedIn Marketing API 202608 is no longer served, sunset about 2027-08-15 (projected); it "
        "answered HTTP 426 NONEXISTENT_VERSION: set ads.linkedin_api_version to a newer version listed at "
        "https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations (this release of "
        "funnel-ledger knows none newer than 202608; upgrade it too)\n"
    ) in err
    assert suite.app("linkedin").counts_by_status().get(("linkedin.adAnalytics", 426)) == 1


def test_a_retired_version_in_the_settings_names_the_newest_one(
    live: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    live(DATA_DAY)
    config = tmp_path / "funnel-ledger.yaml"
    config.write_text("ads:\n  google_ads_api_version: v22\n", encoding="utf-8")
    assert _run_last_week("--config", str(config)) == 1
    assert (
        "funnel-ledger: Google Ads API v22 is no longer served, sunset 2026-10-07; it answered HTTP 404 with "
        "Google's HTML 'Not Found' page: set ads.google_ads_api_version to v26, served until about 2027-11-01 "
        "(projected)\n"
    ) in capsys.readouterr().err
