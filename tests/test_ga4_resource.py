"""GA4 client against the emulator: daily report, week-grain users per slice, quotas, auth, flakes."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest

from assets.kpi_math import FunnelConfig
from assets.kpi_math.web import ga4_slice_filters
from emulators.ga4 import GA4Emulator
from emulators.google_oauth import GoogleOAuthEmulator
from emulators.server import serve_in_thread
from resources.ga4 import GA4Resource
from resources.google_auth import load_service_account_info
from resources.http import ApiError
from settings import SettingsError
from tests.conftest import FakeClock
from tests.factories import ga4_session
from tests.faults import FaultyApp, read_timeouts, reset, status
from tests.google_keys import service_account_info


def _session(day: str, user: str, group: str, **kw: Any) -> dict[str, Any]:
    return ga4_session(day, user, group, events={"scroll_50": 1}, **kw)


# Week of 2024-01-01: u1 visits on two days through two channel groups; u2 once; u3 is new.
SESSIONS = [
    _session("2024-01-01", "u1", "Organic Search", new=True, duration=30),
    _session("2024-01-02", "u1", "Paid Social", duration=90),
    _session("2024-01-02", "u2", "Organic Search", engaged=False, duration=0),
    _session("2024-01-03", "u3", "Unassigned", new=True, duration=120),
    _session("2024-01-09", "u1", "Organic Search", duration=60),
]


def _ga4(url: str, token_url: str, clock: FakeClock) -> GA4Resource:
    resource = GA4Resource(
        base_url=url, property_id="123456", token_url=token_url, service_account_info=service_account_info(token_url)
    )
    return resource.with_clock(clock=clock, sleeper=clock.sleep)


@pytest.fixture
def servers():
    oauth = GoogleOAuthEmulator()
    ga4 = GA4Emulator({"property_id": "123456", "time_zone": "UTC", "sessions": SESSIONS}, oauth=oauth)
    faulty = FaultyApp(ga4)
    with serve_in_thread(oauth) as auth, serve_in_thread(faulty) as server:
        yield server.base_url, f"{auth.base_url}/token", faulty, oauth


def test_daily_report_by_channel_group(servers):
    url, token_url, _, _ = servers
    report = _ga4(url, token_url, FakeClock()).daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    got = {(r["date"], r["sessionDefaultChannelGroup"]): (r["sessions"], r["engagedSessions"]) for r in report.rows}
    assert got == {
        ("20240101", "Organic Search"): (1, 1),
        ("20240102", "Organic Search"): (1, 0),
        ("20240102", "Paid Social"): (1, 1),
        ("20240103", "Unassigned"): (1, 1),
    }
    assert report.metadata.time_zone == "UTC"


def test_week_grain_users_are_asked_per_slice_not_summed(servers):
    url, token_url, _, _ = servers
    cfg = FunnelConfig()
    filters = ga4_slice_filters({"Organic Search", "Paid Social", "Unassigned"}, None, cfg)
    ga4 = _ga4(url, token_url, FakeClock())
    found, _ = ga4.week_grain([date(2024, 1, 1), date(2024, 1, 8)], filters)
    users = {(w.week_start, w.slice): w.users for w in found}
    week = date(2024, 1, 1)
    # Daily distinct users add up to 4 and channel users to 4 (u1 counted in two channels), but the week
    # has 3 people: the slice numbers are GA4's own week-grain answers.
    assert users[(week, "All")] == 3
    assert users[(week, "Organic Search")] == 2 and users[(week, "Paid Social")] == 1
    assert users[(week, "Other")] == 1
    assert users[(week, "Inbound")] == 3
    assert users[(week, "Outbound")] == 0 and users[(week, "Offline")] == 0
    assert users[(date(2024, 1, 8), "All")] == 1
    new_users = {(w.week_start, w.slice): w.new_users for w in found}
    assert new_users[(week, "All")] == 2
    durations = {(w.week_start, w.slice): w.avg_session_duration_s for w in found}
    assert durations[(week, "All")] == pytest.approx((30 + 90 + 0 + 120) / 4)
    # Two weeks fit in one report; all slices in one batchRunReports call.
    assert ga4.calls.counts == {"ga4.batchRunReports": 1}


def test_quota_exhausted_fails_with_a_clear_message():
    oauth = GoogleOAuthEmulator()
    ga4_app = GA4Emulator({"property_id": "123456", "sessions": SESSIONS}, oauth=oauth, tokens_per_day=1)
    with serve_in_thread(oauth) as auth, serve_in_thread(ga4_app) as server:
        ga4 = _ga4(server.base_url, f"{auth.base_url}/token", FakeClock())
        ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
        with pytest.raises(ApiError, match=r"RESOURCE_EXHAUSTED.*quota is spent"):
            ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))


def test_wrong_property_names_the_service_account_access(servers):
    url, token_url, _, _ = servers
    ga4 = _ga4(url, token_url, FakeClock()).model_copy(update={"property_id": "999"})
    with pytest.raises(ApiError, match="GA4_PROPERTY_ID"):
        ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))


@pytest.mark.parametrize(
    ("plan", "expected_calls"),
    [
        pytest.param([status(429, retry_after="2")], 2, id="429-with-retry-after"),
        pytest.param([status(429)], 2, id="429-without-retry-after"),
        pytest.param([status(503)] * 3, 4, id="5xx-burst"),
        pytest.param([reset()], 2, id="connection-reset"),
    ],
)
def test_ga4_flake_matrix(servers, plan, expected_calls):
    url, token_url, faulty, _ = servers
    faulty.plan = list(plan)
    clock = FakeClock()
    report = _ga4(url, token_url, clock).daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    assert len(report.rows) == 4
    assert faulty.requests == expected_calls
    assert len(clock.sleeps) == expected_calls - 1


def test_expired_token_mid_run_is_refreshed_once(servers):
    url, token_url, faulty, oauth = servers
    ga4 = _ga4(url, token_url, FakeClock())
    ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    oauth.expire_all()
    ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    assert oauth.request_counts["token"] == 2
    assert faulty.requests == 3  # one refused with 401, then the same report with a fresh token


def test_service_account_from_env_file_and_base64(tmp_path):
    info = service_account_info("http://127.0.0.1:1/token")
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(info))
    assert load_service_account_info({"GOOGLE_SERVICE_ACCOUNT_FILE": str(key_file)}) == info
    encoded = base64.b64encode(json.dumps(info).encode()).decode()
    assert load_service_account_info({"GOOGLE_SERVICE_ACCOUNT_JSON_B64": encoded}) == info
    assert load_service_account_info({}) is None
    with pytest.raises(SettingsError, match="GOOGLE_SERVICE_ACCOUNT_JSON_B64 is not base64") as caught:
        load_service_account_info({"GOOGLE_SERVICE_ACCOUNT_JSON_B64": "%%%"})
    key_file.write_text(json.dumps({"type": "authorized_user", "private_key": info["private_key"]}))
    with pytest.raises(SettingsError, match="not a service-account key") as caught:
        load_service_account_info({"GOOGLE_SERVICE_ACCOUNT_FILE": str(key_file)})
    assert "PRIVATE KEY" not in str(caught.value)


def test_ga4_read_timeout_is_retried_without_waiting(servers):
    url, token_url, faulty, _ = servers
    clock = FakeClock()
    ga4 = _ga4(url, token_url, clock)
    ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))  # token obtained
    with read_timeouts(2) as raised:
        report = ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    assert len(raised) == 2 and len(report.rows) == 4
    assert faulty.requests == 2  # the timed-out attempts never reached the server
    assert len(clock.sleeps) == 2


def test_fast_answers_are_not_paced_by_the_second(servers):
    """GA4's limit is on requests in flight (10 per property), not per second: a client that waits for each
    answer never waits between them (it once paced itself to 5 a second, 8 s for a 40-report backfill)."""
    url, token_url, _, _ = servers
    clock = FakeClock()
    ga4 = _ga4(url, token_url, clock)
    for _ in range(12):
        ga4.daily_by_channel_group(date(2024, 1, 1), date(2024, 1, 7))
    assert ga4.calls.counts == {"ga4.runReport": 12}
    assert clock.sleeps == []
