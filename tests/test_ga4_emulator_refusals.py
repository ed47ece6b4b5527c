"""GA4 Data API emulator refusals: property quotas (429s and ``propertyQuota``), invalid requests, permissions
and authentication, on the small fixture of ``tests/ga4_small_property.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from emulators.ga4 import GA4Emulator, report_cost
from emulators.google_oauth import GoogleOAuthEmulator
from emulators.server import serve_in_thread
from tests.ga4_small_property import (
    PROPERTY,
    SESSIONS,
    WEEK,
    WallClock,
    post,
    property_data,
    rows_of,
    run_report,
    session_record,
    start_clock,
)


@pytest.fixture
def clock() -> WallClock:
    return start_clock()


@pytest.fixture
def emulator(clock: WallClock) -> GA4Emulator:
    return GA4Emulator(property_data(), clock=clock)


# ------------------------------------------------------------------ quotas


def test_property_quota_reporting_and_cost(clock: WallClock) -> None:
    many = [
        session_record("2024-01-02", f"u{i}", True, "Direct", "(direct) / (none)", f"c{i:04d}", True, 1, 1, 0, {})
        for i in range(2500)
    ]
    emu = GA4Emulator({"property_id": PROPERTY, "time_zone": "UTC", "sessions": many}, clock=clock)
    small = run_report(emu, [], ["sessions"], returnPropertyQuota=True)
    assert small["propertyQuota"] == {
        "tokensPerDay": {"consumed": 1, "remaining": 199_999},
        "tokensPerHour": {"consumed": 1, "remaining": 39_999},
        "concurrentRequests": {"consumed": 0, "remaining": 10},
        "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
        "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
        "tokensPerProjectPerHour": {"consumed": 1, "remaining": 13_999},
    }
    # propertyQuota comes before kind, as in the real response.
    assert list(small)[-2:] == ["propertyQuota", "kind"]
    big = run_report(emu, ["sessionCampaignName"], ["sessions"], limit=10, returnPropertyQuota=True)
    assert big["rowCount"] == 2500 and len(big["rows"]) == 10
    assert report_cost(2500) == 3
    assert big["propertyQuota"]["tokensPerDay"] == {"consumed": 4, "remaining": 199_996}
    # The hourly window resets on the hour, the daily one at midnight Pacific.
    clock.advance(hours=1)
    assert emu.quota_status(PROPERTY)["tokensPerHour"] == {"consumed": 0, "remaining": 40_000}
    assert emu.quota_status(PROPERTY)["tokensPerDay"] == {"consumed": 4, "remaining": 199_996}


def test_daily_token_exhaustion_and_reset_at_pacific_midnight(clock: WallClock) -> None:
    emu = GA4Emulator(property_data(), tokens_per_day=2, clock=clock)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    assert post(emu, body)[0] == 200
    assert post(emu, body)[0] == 200
    status, payload = post(emu, body)
    assert status == 429
    assert payload["error"]["code"] == 429
    assert payload["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert payload["error"]["message"].startswith("Exhausted property tokens per day quota. Consumed: 2 tokens")
    # 2024-01-05 00:00 Pacific is 08:00 UTC.
    clock.now = datetime(2024, 1, 5, 7, 59, tzinfo=UTC)
    assert post(emu, body)[0] == 429
    clock.now = datetime(2024, 1, 5, 8, 0, tzinfo=UTC)
    assert post(emu, body)[0] == 200
    assert emu.counts_by_status()[("runReport", 429)] == 2
    assert emu.counts_by_status()[("runReport", 200)] == 3


def test_hourly_token_exhaustion(clock: WallClock) -> None:
    emu = GA4Emulator(property_data(), tokens_per_hour=1, clock=clock)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    assert post(emu, body)[0] == 200
    status, payload = post(emu, body)
    assert status == 429
    assert payload["error"]["message"].startswith("Exhausted property tokens per hour quota")
    clock.advance(hours=1)
    assert post(emu, body)[0] == 200


def test_server_errors_then_server_error_quota(clock: WallClock) -> None:
    emu = GA4Emulator(property_data(), server_errors_per_hour=2, clock=clock)
    emu.fail_next(2)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    status, payload = post(emu, body)
    assert status == 503
    assert payload == {
        "error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
    }
    assert post(emu, body)[0] == 503
    status, payload = post(emu, body)
    assert status == 429
    assert payload["error"]["message"].startswith("Exhausted server errors per project per hour quota")
    clock.advance(hours=1)
    assert post(emu, body)[0] == 200


def test_concurrent_requests_quota(clock: WallClock) -> None:
    emu = GA4Emulator(property_data(), concurrent_requests=1, clock=clock)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        assert release.wait(5)

    emu.report_hook = hold
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    headers = {"Authorization": "Bearer tok"}
    results: list[int] = []
    with serve_in_thread(emu) as srv:
        url = f"{srv.base_url}/v1beta/properties/{PROPERTY}:runReport"
        first = threading.Thread(
            target=lambda: results.append(requests.post(url, json=body, headers=headers, timeout=5).status_code)
        )
        first.start()
        assert entered.wait(5)
        second = requests.post(url, json=body, headers=headers, timeout=5)
        release.set()
        first.join(5)
        emu.report_hook = None
        third = requests.post(url, json=body, headers=headers, timeout=5)
    assert second.status_code == 429
    assert second.json()["error"]["message"].startswith("Exhausted concurrent requests quota")
    assert results == [200]
    assert third.status_code == 200


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"dateRanges": [WEEK], "dimensions": [{"name": "fooBar"}]},
            "Field fooBar is not a valid dimension. For a list of valid dimensions and metrics, see "
            "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema",
        ),
        (
            {"dateRanges": [WEEK], "metrics": [{"name": "conversionz"}]},
            "Field conversionz is not a valid metric. For a list of valid dimensions and metrics, see "
            "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema",
        ),
        (
            {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}], "limitt": 5},
            'Invalid JSON payload received. Unknown name "limitt": Cannot find field.',
        ),
        ({"metrics": [{"name": "sessions"}]}, "Requests must have at least one date range (dateRanges)."),
        (
            {"dateRanges": [{"startDate": "2024-01-07", "endDate": "2024-01-01"}], "metrics": [{"name": "sessions"}]},
            "The dateRange startDate (2024-01-07) must be on or before the endDate (2024-01-01).",
        ),
        (
            {"dateRanges": [{"startDate": "01/01/2024", "endDate": "today"}], "metrics": [{"name": "sessions"}]},
            "Invalid startDate '01/01/2024' in dateRanges[0]. "
            "Dates must be YYYY-MM-DD, 'today', 'yesterday' or 'NdaysAgo'.",
        ),
        ({"dateRanges": [WEEK], "metrics": [{"name": "sessions"}], "limit": -1}, "limit must be positive, got -1."),
    ],
)
def test_invalid_argument(emulator: GA4Emulator, body: dict[str, Any], message: str) -> None:
    status, payload = post(emulator, body)
    assert status == 400
    assert payload == {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    assert emulator.quota_status(PROPERTY)["tokensPerDay"]["consumed"] == 0


def test_unknown_property_is_permission_denied(emulator: GA4Emulator) -> None:
    status, payload = post(emulator, {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}, prop="999")
    assert status == 403
    assert payload["error"]["status"] == "PERMISSION_DENIED"
    assert payload["error"]["message"].startswith("User does not have sufficient permissions for this property.")
    status, payload = post(emulator, {"dateRanges": [WEEK]}, prop="abc")
    assert status == 400
    assert payload["error"]["message"] == "Invalid property ID: abc. A numeric Property ID is required."


def test_missing_bearer_is_unauthenticated(emulator: GA4Emulator) -> None:
    status, payload = post(emulator, {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}, token=None)
    assert status == 401
    assert payload["error"]["status"] == "UNAUTHENTICATED"
    assert payload["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"


def test_malformed_fixture_is_rejected() -> None:
    bad = property_data(sessions=[{**SESSIONS[0], "date": "2024/01/01"}])
    with pytest.raises(ValueError, match=r"ga4\.sessions\[0\]\.date must be YYYY-MM-DD"):
        GA4Emulator(bad)
    with pytest.raises(ValueError, match=r"ga4\.time_zone"):
        GA4Emulator(property_data(time_zone="Mars/Olympus"))


def test_metadata_endpoint(emulator: GA4Emulator) -> None:
    resp = Client(emulator).get(f"/v1beta/properties/{PROPERTY}/metadata", headers={"Authorization": "Bearer t"})
    assert resp.status_code == 200
    body = json.loads(resp.get_data())
    assert {
        "apiName": "keyEvents",
        "uiName": "Key events",
        "description": "Key events",
        "type": "TYPE_FLOAT",
        "category": "Session",
    } in body["metrics"]
    assert "sessionDefaultChannelGroup" in {d["apiName"] for d in body["dimensions"]}


# ------------------------------------------------------------------ auth through the OAuth emulator


@pytest.fixture
def oauth_pair(clock: WallClock) -> Iterator[tuple[GoogleOAuthEmulator, str, str]]:
    real_now = WallClock(datetime.now(UTC))
    oauth = GoogleOAuthEmulator(clients={"cid": "secret"}, refresh_tokens={"1//rt"}, wall_clock=real_now)
    emu = GA4Emulator(property_data(), oauth=oauth, clock=clock)
    with serve_in_thread(oauth) as oauth_srv, serve_in_thread(emu) as ga4_srv:
        yield oauth, oauth_srv.base_url, ga4_srv.base_url


def test_token_from_google_auth_is_accepted_and_random_rejected(
    oauth_pair: tuple[GoogleOAuthEmulator, str, str],
) -> None:
    from google.auth.transport.requests import Request as GoogleAuthRequest
    from google.oauth2.credentials import Credentials

    oauth, oauth_url, ga4_url = oauth_pair
    creds = Credentials(
        token=None,
        refresh_token="1//rt",
        client_id="cid",
        client_secret="secret",
        token_uri=f"{oauth_url}/token",
        scopes=["https://www.googleapis.com/auth/analytics.readonly"],
    )
    creds.refresh(GoogleAuthRequest())
    url = f"{ga4_url}/v1beta/properties/{PROPERTY}:runReport"
    body = {"dateRanges": [WEEK], "metrics": [{"name": "totalUsers"}]}

    ok = requests.post(url, json=body, headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert ok.status_code == 200
    assert rows_of(ok.json()) == [([], ["3"])]

    bad = requests.post(url, json=body, headers={"Authorization": "Bearer ya29.random"}, timeout=5)
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    error = bad.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request had invalid authentication credentials.")

    oauth.expire_all()
    expired = requests.post(url, json=body, headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert expired.status_code == 401
    assert expired.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"

    sheets_only = oauth.issue_token(["https://www.googleapis.com/auth/spreadsheets"])
    wrong_scope = requests.post(url, json=body, headers={"Authorization": f"Bearer {sheets_only}"}, timeout=5)
    assert wrong_scope.status_code == 403
    assert wrong_scope.json()["error"]["message"] == "Request had insufficient authentication scopes."
