"""LinkedIn Ads and Google Ads clients against their emulators: parsing, truncation split, errors, flakes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from emulators.google_ads import GoogleAdsEmulator
from emulators.google_oauth import GoogleOAuthEmulator
from emulators.linkedin import LinkedInEmulator
from emulators.server import serve_in_thread
from resources.google_ads import GoogleAdsResource
from resources.http import ApiError
from resources.linkedin_ads import LinkedInAdsResource
from tests.conftest import FakeClock
from tests.faults import FaultyApp, read_timeouts, reset, status

ACCOUNT = "512388408"


def _li_element(day: date, campaign: int, cost: str, clicks: int = 10) -> dict:
    stamp = {"year": day.year, "month": day.month, "day": day.day}
    return {
        "dateRange": {"start": stamp, "end": stamp},
        "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
        "impressions": clicks * 50,
        "clicks": clicks,
        "costInLocalCurrency": cost,
        "externalWebsiteConversions": 2,
        "oneClickLeads": 3,
    }


def _linkedin_fixture(days: int = 3, campaigns: int = 2, currency: str = "USD") -> dict:
    start = date(2024, 1, 1)
    return {
        "account_id": ACCOUNT,
        "currency": currency,
        "campaigns": [{"id": 100 + c, "name": f"C{c}", "status": "ACTIVE"} for c in range(campaigns)],
        "analytics": [
            _li_element(start + timedelta(days=d), 100 + c, "107.5300000000000335346")
            for d in range(days)
            for c in range(campaigns)
        ],
    }


def _linkedin(url: str, clock: FakeClock, **kw: object) -> LinkedInAdsResource:
    resource = LinkedInAdsResource(base_url=url, access_token="li-token", account_id=ACCOUNT, **kw)  # type: ignore[arg-type]
    return resource.with_clock(clock=clock, sleeper=clock.sleep)


def test_linkedin_daily_analytics_exact_costs_and_account_currency():
    clock = FakeClock()
    app = LinkedInEmulator(_linkedin_fixture())
    with serve_in_thread(app) as server:
        linkedin = _linkedin(server.base_url, clock)
        rows = linkedin.daily_analytics(date(2024, 1, 1), date(2024, 1, 2))
        info = linkedin.account_info()
        campaigns = linkedin.campaigns()
    assert len(rows) == 4  # 2 days x 2 campaigns, the third day is outside the range
    assert {r.campaign_id for r in rows} == {"100", "101"}
    # The float noise past the ninth decimal of "107.5300000000000335346" is rounded away where it enters.
    assert all(r.cost == Decimal("107.53") for r in rows)
    assert sum((r.cost for r in rows), Decimal(0)) == Decimal("430.12")
    assert rows[0].clicks == 10 and rows[0].impressions == 500 and rows[0].platform_leads == 3
    assert rows[0].conversions == 2.0
    assert info.currency == "USD"
    assert [c["id"] for c in campaigns] == [100, 101]


def test_linkedin_splits_a_truncated_answer_until_every_part_fits():
    clock = FakeClock()
    app = LinkedInEmulator(_linkedin_fixture(days=8, campaigns=3), max_elements=10)
    with serve_in_thread(app) as server:
        linkedin = _linkedin(server.base_url, clock)
        # Patch the truncation threshold the client watches to the emulator's small one.
        import resources.linkedin_ads as module

        original = module.MAX_ELEMENTS
        module.MAX_ELEMENTS = 10
        try:
            rows = linkedin.daily_analytics(date(2024, 1, 1), date(2024, 1, 8))
        finally:
            module.MAX_ELEMENTS = original
    assert len(rows) == 24 and len({(r.date, r.campaign_id) for r in rows}) == 24
    # 8 days x 3 = 24 > 10: split into halves of 12 (> 10, split again) down to 2-day parts of 6.
    assert linkedin.calls.counts["linkedin.adAnalytics"] == 1 + 2 + 4


def test_linkedin_sunset_version_and_expired_token_say_what_to_fix():
    clock = FakeClock()
    app = LinkedInEmulator(_linkedin_fixture())
    with serve_in_thread(app) as server:
        old = _linkedin(server.base_url, clock, api_version="202511")  # sunset 2026-11-16
        with pytest.raises(ApiError, match=r"202511 is no longer served.*set ads\.linkedin_api_version to 202608"):
            old.daily_analytics(date(2024, 1, 1), date(2024, 1, 1))
        app.expire_token()
        with pytest.raises(ApiError, match="expired") as caught:
            _linkedin(server.base_url, clock).daily_analytics(date(2024, 1, 1), date(2024, 1, 1))
    assert "li-token" not in str(caught.value)


def _ads_fixture() -> dict:
    return {
        "customer_id": "1234567890",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "rows": [
            {
                "campaign": {"id": "7", "name": "Brand"},
                "segments": {"date": "2024-01-02"},
                "metrics": {"impressions": "1000", "clicks": "80", "costMicros": "2500000001", "conversions": 4.5},
            },
            {
                "campaign": {"id": "8", "name": "Generic"},
                "segments": {"date": "2024-01-03"},
                "metrics": {"impressions": "10", "clicks": "1", "costMicros": "990000", "conversions": 0.0},
            },
        ],
    }


def _google_ads(url: str, token_url: str, clock: FakeClock, **credentials: str) -> GoogleAdsResource:
    creds = {
        "developer_token": "dev",
        "customer_id": "123-456-7890",
        "client_id": "cid",
        "client_secret": "csecret",
        "refresh_token": "rtoken",
        **credentials,
    }
    resource = GoogleAdsResource(base_url=url, token_url=token_url, credentials=creds)
    return resource.with_clock(clock=clock, sleeper=clock.sleep)


def test_google_ads_rows_in_micros_exact_and_account_currency():
    clock = FakeClock()
    oauth = GoogleOAuthEmulator(clients={"cid": "csecret"}, refresh_tokens={"rtoken"})
    ads = GoogleAdsEmulator(_ads_fixture(), developer_token="dev")
    with serve_in_thread(oauth) as auth, serve_in_thread(ads) as server:
        client = _google_ads(server.base_url, f"{auth.base_url}/token", clock)
        rows = client.daily_campaign_metrics(date(2024, 1, 1), date(2024, 1, 7))
        info = client.account_info()
    assert [(r.date, r.campaign_id, r.impressions, r.clicks) for r in rows] == [
        (date(2024, 1, 2), "7", 1000, 80),
        (date(2024, 1, 3), "8", 10, 1),
    ]
    assert rows[0].cost == Decimal("2500.000001") and rows[1].cost == Decimal("0.99")
    assert rows[0].conversions == 4.5
    assert (info.currency, info.time_zone) == ("EUR", "Europe/Berlin")
    assert client.calls.counts == {"google_ads.searchStream": 1}  # the rows carried the account info
    assert oauth.request_counts["token"] == 1  # one access token, reused


def test_google_ads_refused_refresh_token_and_developer_token_errors():
    clock = FakeClock()
    oauth = GoogleOAuthEmulator(clients={"cid": "csecret"}, refresh_tokens={"rtoken"})
    ads = GoogleAdsEmulator(_ads_fixture(), developer_token="dev")
    with serve_in_thread(oauth) as auth, serve_in_thread(ads) as server:
        bad_refresh = _google_ads(server.base_url, f"{auth.base_url}/token", clock, refresh_token="stale")
        with pytest.raises(ApiError, match="invalid_grant") as caught:
            bad_refresh.daily_campaign_metrics(date(2024, 1, 1), date(2024, 1, 7))
        assert "stale" not in str(caught.value) and "csecret" not in str(caught.value)
        bad_dev = _google_ads(server.base_url, f"{auth.base_url}/token", clock, developer_token="nope")
        with pytest.raises(ApiError, match="GOOGLE_ADS_DEVELOPER_TOKEN"):
            bad_dev.daily_campaign_metrics(date(2024, 1, 1), date(2024, 1, 7))


def test_google_ads_retired_version_says_which_setting_to_change_whichever_way_google_refuses():
    clock = FakeClock()
    oauth = GoogleOAuthEmulator(clients={"cid": "csecret"}, refresh_tokens={"rtoken"})
    # v22's sunset was 2026-10-07: for two weeks Google answers 400 UNSUPPORTED_VERSION, then an HTML 404.
    for day, answer in (
        (date(2026, 10, 10), "HTTP 400 requestError.UNSUPPORTED_VERSION"),
        (date(2026, 12, 3), "HTTP 404 with Google's HTML 'Not Found' page"),
    ):
        ads = GoogleAdsEmulator(_ads_fixture(), developer_token="dev", calendar_today=lambda day=day: day)
        with serve_in_thread(oauth) as auth, serve_in_thread(ads) as server:
            client = _google_ads(server.base_url, f"{auth.base_url}/token", clock)
            client = client.model_copy(update={"api_version": "v22"}).with_clock(clock=clock, sleeper=clock.sleep)
            with pytest.raises(ApiError) as caught:
                client.daily_campaign_metrics(date(2024, 1, 1), date(2024, 1, 7))
        assert str(caught.value) == (
            f"Google Ads API v22 is no longer served, sunset 2026-10-07; it answered {answer}: "
            "set ads.google_ads_api_version to v26, served until about 2027-11-01 (projected)"
        )
        assert caught.value.category == "UNSUPPORTED_VERSION"


FLAKES = [
    pytest.param([status(429, retry_after="3")], 2, [3.0], id="429-with-retry-after"),
    pytest.param([status(429), status(429)], 3, None, id="429-without-retry-after"),
    pytest.param([status(503), status(502), status(500)], 4, None, id="5xx-burst"),
    pytest.param([reset()], 2, None, id="connection-reset"),
]


@pytest.mark.parametrize(("plan", "expected_calls", "expected_sleeps"), FLAKES)
def test_linkedin_flake_matrix(plan, expected_calls, expected_sleeps):
    clock = FakeClock()
    app = FaultyApp(LinkedInEmulator(_linkedin_fixture()), plan)
    with serve_in_thread(app) as server:
        rows = _linkedin(server.base_url, clock).daily_analytics(date(2024, 1, 1), date(2024, 1, 3))
    assert len(rows) == 6
    assert app.requests == expected_calls
    assert len(clock.sleeps) == expected_calls - 1
    if expected_sleeps is not None:
        assert clock.sleeps == expected_sleeps


@pytest.mark.parametrize(("plan", "expected_calls", "expected_sleeps"), FLAKES)
def test_google_ads_flake_matrix(plan, expected_calls, expected_sleeps):
    clock = FakeClock()
    oauth = GoogleOAuthEmulator()
    app = FaultyApp(GoogleAdsEmulator(_ads_fixture()), plan)
    with serve_in_thread(oauth) as auth, serve_in_thread(app) as server:
        rows = _google_ads(server.base_url, f"{auth.base_url}/token", clock).daily_campaign_metrics(
            date(2024, 1, 1), date(2024, 1, 7)
        )
    assert len(rows) == 2
    assert app.requests == expected_calls
    assert len(clock.sleeps) == expected_calls - 1
    if expected_sleeps is not None:
        assert clock.sleeps == expected_sleeps


def test_read_timeouts_are_retried_without_waiting():
    clock = FakeClock()
    app = FaultyApp(LinkedInEmulator(_linkedin_fixture()))
    with serve_in_thread(app) as server:
        linkedin = _linkedin(server.base_url, clock)
        with read_timeouts(2) as raised:
            rows = linkedin.daily_analytics(date(2024, 1, 1), date(2024, 1, 1))
    assert len(raised) == 2 and len(rows) == 2
    assert app.requests == 1  # the two timed-out attempts never reached the server
    assert len(clock.sleeps) == 2


def test_a_flake_that_outlasts_the_retries_fails_with_the_status():
    clock = FakeClock()
    app = FaultyApp(LinkedInEmulator(_linkedin_fixture()), [status(503)] * 10)
    with serve_in_thread(app) as server:
        linkedin = _linkedin(server.base_url, clock, max_retries=3)
        with pytest.raises(ApiError, match="HTTP 503"):
            linkedin.daily_analytics(date(2024, 1, 1), date(2024, 1, 1))
    assert app.requests == 4


def test_google_ads_read_timeouts_are_retried_without_waiting():
    clock = FakeClock()
    oauth = GoogleOAuthEmulator()
    app = FaultyApp(GoogleAdsEmulator(_ads_fixture()))
    with serve_in_thread(oauth) as auth, serve_in_thread(app) as server:
        client = _google_ads(server.base_url, f"{auth.base_url}/token", clock)
        client.account_info()  # the token is fetched first, so the timeouts below hit searchStream
        with read_timeouts(1) as raised:
            rows = client.daily_campaign_metrics(date(2024, 1, 1), date(2024, 1, 7))
    assert len(raised) == 1 and len(rows) == 2
    assert client.calls.counts["google_ads.searchStream"] == 2  # one call, retried once inside the session
    assert app.requests == 2 and len(clock.sleeps) == 1
