"""The synthetic world's LinkedIn Ads, Google Ads and GA4 parts: wire shapes, determinism and stability,
coherence with HubSpot (impressions → clicks → sessions → contacts), seasonality, returning users and the
planted anomalies."""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from emulators.fixture import validate_fixture
from emulators.synthetic import (
    GA4_CHANNEL_GROUPS,
    LIFECYCLE_STAGES,
    AdCampaign,
    AdDay,
    World,
    generate_demo_fixture,
    linkedin_fixture,
)
from emulators.synthetic.linkedin import _linkedin_costs

pytestmark = pytest.mark.slow

T = date(2026, 3, 2)  # a Monday; the default window is 2025-03-03 .. 2026-03-01
START = T - timedelta(days=364)
ADS_ONLY = ("linkedin", "google_ads")
Record = dict[str, Any]
DIGITS = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
LINKEDIN_ELEMENT_KEYS = {
    "dateRange",
    "pivotValues",
    "impressions",
    "clicks",
    "landingPageClicks",
    "costInLocalCurrency",
    "costInUsd",
    "externalWebsiteConversions",
    "oneClickLeads",
}
SESSION_KEYS = {
    "date",
    "user",
    "new_user",
    "channel_group",
    "source_medium",
    "campaign",
    "engaged",
    "duration_s",
    "pageviews",
    "key_events",
    "events",
}
# HubSpot original source → the GA4 default channel groups its visits land in.
SOURCE_GROUPS: dict[tuple[str | None, ...], tuple[str, ...]] = {
    ("ORGANIC_SEARCH",): ("Organic Search",),
    ("PAID_SEARCH",): ("Paid Search", "Cross-network"),
    ("PAID_SOCIAL",): ("Paid Social",),
    ("SOCIAL_MEDIA",): ("Organic Social",),
    ("EMAIL_MARKETING",): ("Email",),
    ("REFERRALS", "AI_REFERRALS"): ("Referral",),
    ("DIRECT_TRAFFIC",): ("Direct",),
    ("OTHER_CAMPAIGNS", None): ("Unassigned",),
}


def li_day(element: Record) -> date:
    start = element["dateRange"]["start"]
    return date(start["year"], start["month"], start["day"])


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def daily(records: list[Record], day_of: Any, value_of: Any) -> dict[date, float]:
    out: dict[date, float] = defaultdict(float)
    for r in records:
        out[day_of(r)] += value_of(r)
    return out


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def fx() -> dict[str, Any]:
    return generate_demo_fixture(today=T)


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7)


@pytest.fixture(scope="module")
def sessions(fx: dict[str, Any]) -> list[Record]:
    return fx["ga4"]["sessions"]


@pytest.fixture(scope="module")
def sessions_per_day(sessions: list[Record]) -> dict[date, int]:
    counts = Counter(s["date"] for s in sessions)
    return {date.fromisoformat(d): n for d, n in counts.items()}


# --- size and shapes ---------------------------------------------------------------------------


def test_default_generation_is_sized_for_a_demo(fx: dict[str, Any]) -> None:
    # Its speed is measured by `make bench` (the generator section), never asserted here.
    per_day = len(fx["ga4"]["sessions"]) / 364
    assert 300 <= per_day <= 600
    assert 4 <= len(fx["linkedin"]["campaigns"]) <= 6
    assert 4 <= len({r["campaign"]["id"] for r in fx["google_ads"]["rows"]}) <= 6


def test_the_fixture_has_every_part_and_passes_the_loader_validation(fx: dict[str, Any]) -> None:
    validate_fixture(fx, source="synthetic")
    assert list(fx) == ["hubspot", "linkedin", "google_ads", "ga4"]
    assert {k: v for k, v in fx["linkedin"].items() if k not in ("campaigns", "analytics")} == {
        "account_id": "512388408",
        "currency": "USD",
    }
    assert {k: v for k, v in fx["google_ads"].items() if k != "rows"} == {
        "customer_id": "1234567890",
        "currency": "USD",
        "time_zone": "UTC",
    }
    assert {k: v for k, v in fx["ga4"].items() if k != "sessions"} == {"property_id": "123456", "time_zone": "UTC"}


def test_linkedin_cost_strings_are_bigdecimals_with_the_real_tail() -> None:
    # 10753 cents + 335346e-19 is the documented capture "107.5300000000000335346".
    assert _linkedin_costs(10_753, 335_346) == ("107.5300000000000335346", "107.53")
    assert _linkedin_costs(10_750, 0) == ("107.5", "107.5")
    assert _linkedin_costs(10_000, 5) == ("100.0000000000000000005", "100")
    assert _linkedin_costs(0, 0) == ("0", "0")


def test_linkedin_campaigns_and_analytics_have_the_wire_shape(fx: dict[str, Any]) -> None:
    li = fx["linkedin"]
    ids = set()
    for c in li["campaigns"]:
        assert is_int(c["id"]) and 100_000_000 <= c["id"] < 1_000_000_000
        ids.add(c["id"])
        assert c["account"] == "urn:li:sponsoredAccount:512388408"
        assert re.fullmatch(r"urn:li:sponsoredCampaignGroup:\d+", c["campaignGroup"])
        assert c["status"] in ("ACTIVE", "PAUSED")
        assert c["costType"] in ("CPC", "CPM")
        assert re.fullmatch(r"\d+\.\d\d", c["dailyBudget"]["amount"])
        assert c["dailyBudget"]["currencyCode"] == "USD"
        assert is_int(c["runSchedule"]["start"]) and is_int(c["changeAuditStamps"]["created"]["time"])
    assert len(ids) == len(li["campaigns"])

    seen = set()
    tails = 0
    for e in li["analytics"]:
        assert set(e) == LINKEDIN_ELEMENT_KEYS
        assert e["dateRange"]["start"] == e["dateRange"]["end"]
        assert set(e["dateRange"]["start"]) == {"year", "month", "day"}
        (pivot,) = e["pivotValues"]
        campaign_id = int(pivot.removeprefix("urn:li:sponsoredCampaign:"))
        assert campaign_id in ids
        key = (campaign_id, li_day(e))
        assert key not in seen
        seen.add(key)
        for name in ("impressions", "clicks", "landingPageClicks", "externalWebsiteConversions", "oneClickLeads"):
            assert is_int(e[name]) and e[name] >= 0, (name, e)
        assert e["impressions"] > 0  # days without activity are absent, never zero rows
        assert e["landingPageClicks"] <= e["clicks"] <= e["impressions"]
        local, usd = e["costInLocalCurrency"], e["costInUsd"]
        assert isinstance(local, str) and isinstance(usd, str)
        assert DECIMAL.match(local) and DECIMAL.match(usd)
        assert Decimal(local).quantize(Decimal("0.01")) == Decimal(usd)
        tails += len(local.partition(".")[2]) == 19
    assert 0.4 <= tails / len(li["analytics"]) <= 0.8  # most rows carry the long BigDecimal tail
    days = [li_day(e) for e in li["analytics"]]
    assert days == sorted(days) and days[0] == START and days[-1] == T - timedelta(days=1)


def test_google_ads_rows_have_the_proto3_json_shape(fx: dict[str, Any]) -> None:
    seen = set()
    fractional = 0
    for r in fx["google_ads"]["rows"]:
        assert set(r) == {"campaign", "metrics", "segments"}
        assert set(r["campaign"]) == {"id", "name"} and DIGITS.match(r["campaign"]["id"])
        assert set(r["metrics"]) == {"impressions", "clicks", "costMicros", "conversions"}
        m = r["metrics"]
        for name in ("impressions", "clicks", "costMicros"):
            assert isinstance(m[name], str) and DIGITS.match(m[name]), (name, r)  # int64 → JSON string
        assert isinstance(m["conversions"], float)  # double → JSON number
        assert int(m["costMicros"]) % 10_000 == 0  # whole cents
        assert int(m["impressions"]) > 0 and int(m["clicks"]) <= int(m["impressions"])
        fractional += m["conversions"] != int(m["conversions"])
        on = date.fromisoformat(r["segments"]["date"])
        assert START <= on < T
        key = (r["campaign"]["id"], on)
        assert key not in seen
        seen.add(key)
    assert fractional > 20  # data-driven attribution credits


def test_ga4_sessions_have_the_fixture_shape(sessions: list[Record]) -> None:
    groups: Counter[str] = Counter()
    for s in sessions:
        assert set(s) == SESSION_KEYS
        assert isinstance(s["user"], str) and isinstance(s["campaign"], str) and s["campaign"]
        assert isinstance(s["new_user"], bool) and isinstance(s["engaged"], bool)
        assert isinstance(s["duration_s"], float) and 0 <= s["duration_s"] <= 3_610
        assert is_int(s["pageviews"]) and s["pageviews"] >= 1 and is_int(s["key_events"])
        assert re.fullmatch(r"[^/]+ / [^/]+", s["source_medium"])
        groups[s["channel_group"]] += 1
        # GA4's definition: engaged = longer than 10 s, or 2+ page views, or a key event.
        if not s["engaged"]:
            assert s["duration_s"] <= 10 and s["pageviews"] == 1 and s["key_events"] == 0
        else:
            assert s["duration_s"] > 10
        depths = [s["events"].get(f"scroll_{p}", 0) for p in (25, 50, 75, 90)]
        assert set(s["events"]) <= {"scroll_25", "scroll_50", "scroll_75", "scroll_90"}
        assert all(is_int(v) and v > 0 for v in s["events"].values())
        assert depths == sorted(depths, reverse=True) and depths[0] <= s["pageviews"]
    assert set(groups) == set(GA4_CHANNEL_GROUPS)
    dates = [s["date"] for s in sessions]
    assert dates == sorted(dates) and dates[0] == START.isoformat() and dates[-1] == (T - timedelta(1)).isoformat()
    paid = {
        (s["source_medium"], s["channel_group"]) for s in sessions if s["source_medium"].endswith(("cpc", "social"))
    }
    assert ("linkedin / paid_social", "Paid Social") in paid and ("google / cpc", "Paid Search") in paid
    assert ("google / cpc", "Cross-network") in paid  # Performance Max


# --- determinism and stability ---------------------------------------------------------------------


def test_generation_is_deterministic_per_source_and_seeded(fx: dict[str, Any]) -> None:
    again = generate_demo_fixture(today=T)
    other = generate_demo_fixture(today=T, seed=8)
    for part in ("linkedin", "google_ads", "ga4"):
        assert again[part] == fx[part], part
        assert other[part] != fx[part], part
    # Same JSON text too (no float or key-order drift); the campaigns part is small enough to compare.
    assert json.dumps(again["linkedin"]) == json.dumps(fx["linkedin"])


def test_each_part_is_the_same_whichever_parts_are_generated(fx: dict[str, Any]) -> None:
    assert generate_demo_fixture(today=T, sources=("hubspot",)) == {"hubspot": fx["hubspot"]}
    alone = generate_demo_fixture(today=T, sources=("ga4", "linkedin"))  # order does not matter
    assert list(alone) == ["linkedin", "ga4"]
    assert alone["linkedin"] == fx["linkedin"] and alone["ga4"] == fx["ga4"]


def test_a_shorter_window_is_a_suffix_of_the_longer_one(fx: dict[str, Any]) -> None:
    short = generate_demo_fixture(today=T, weeks=30, sources=("linkedin", "google_ads", "ga4"))
    start = T - timedelta(weeks=30)
    assert short["linkedin"]["analytics"] == [e for e in fx["linkedin"]["analytics"] if li_day(e) >= start]
    assert short["linkedin"]["campaigns"] == fx["linkedin"]["campaigns"]
    assert short["google_ads"]["rows"] == [
        r for r in fx["google_ads"]["rows"] if r["segments"]["date"] >= start.isoformat()
    ]
    # Users and their new_user flags too: returning users point back at days outside the short window.
    assert short["ga4"]["sessions"] == [s for s in fx["ga4"]["sessions"] if s["date"] >= start.isoformat()]
    assert short["ga4"]["sessions"][0]["date"] == start.isoformat()


def test_next_weeks_fixture_restates_only_recent_conversions(fx: dict[str, Any]) -> None:
    later = generate_demo_fixture(today=T + timedelta(days=7), sources=ADS_ONLY)
    settled = T - timedelta(days=30)
    now_li = {(e["pivotValues"][0], li_day(e)): e for e in fx["linkedin"]["analytics"]}
    restated = 0
    for e in later["linkedin"]["analytics"]:
        key = (e["pivotValues"][0], li_day(e))
        if key not in now_li:
            assert li_day(e) >= T  # only the new week is new
            continue
        before = now_li[key]
        assert {k: v for k, v in e.items() if k != "externalWebsiteConversions"} == {
            k: v for k, v in before.items() if k != "externalWebsiteConversions"
        }
        assert e["externalWebsiteConversions"] >= before["externalWebsiteConversions"]
        if li_day(e) < settled:
            assert e == before
        restated += e != before
    now_g = {(r["campaign"]["id"], r["segments"]["date"]): r for r in fx["google_ads"]["rows"]}
    for r in later["google_ads"]["rows"]:
        before = now_g.get((r["campaign"]["id"], r["segments"]["date"]))
        if before is not None:
            assert r["metrics"]["costMicros"] == before["metrics"]["costMicros"]
            assert r["metrics"]["conversions"] >= before["metrics"]["conversions"]
            restated += r != before
    assert restated >= 2  # conversions still arriving for the last days before T (seed 7: 2 rows)


def test_conversions_arrive_after_their_lag() -> None:
    campaign = World(seed=7).campaigns("google_ads")[0]
    day = date(2025, 6, 2)
    row = AdDay(campaign, day, 100, 5, 5, 1_150, 0, 0, 4, (1.0, 0.5, 1.0), (0, 2, 5))
    # A lag-0 conversion is in the next day's report; lag 2 from day + 3; lag 5 from day + 6.
    assert [row.conversions(day + timedelta(days=k)) for k in (0, 1, 3, 5, 6, 40)] == [0, 1.0, 1.5, 1.5, 2.5, 2.5]


# --- coherence: impressions → clicks → sessions → contacts ----------------------------------------


def test_ad_rates_are_in_the_platforms_usual_bands(fx: dict[str, Any]) -> None:
    li = fx["linkedin"]["analytics"]
    impressions = daily(li, li_day, lambda e: e["impressions"])
    clicks = daily(li, li_day, lambda e: e["clicks"])
    assert 0.004 <= sum(clicks.values()) / sum(impressions.values()) <= 0.01
    busy = [d for d in impressions if impressions[d] >= 5_000]
    assert len(busy) > 200 and all(0.003 <= clicks[d] / impressions[d] <= 0.012 for d in busy)
    spend = sum(Decimal(e["costInLocalCurrency"]) for e in li)
    assert 5 <= float(spend) / sum(clicks.values()) <= 14  # B2B LinkedIn CPC, USD

    rows = fx["google_ads"]["rows"]
    g_clicks = sum(int(r["metrics"]["clicks"]) for r in rows)
    g_impressions = sum(int(r["metrics"]["impressions"]) for r in rows)
    assert 0.03 <= g_clicks / g_impressions <= 0.06
    assert 3 <= sum(int(r["metrics"]["costMicros"]) for r in rows) / 1e6 / g_clicks <= 10


def test_paid_sessions_follow_ad_clicks_week_by_week(fx: dict[str, Any], world: World, sessions: list[Record]) -> None:
    outages = {a.start for a in world.anomalies(START, T) if a.kind == "ga4_tracking_outage"}
    li_clicks = daily(fx["linkedin"]["analytics"], lambda e: week_of(li_day(e)), lambda e: e["clicks"])
    g_clicks = daily(
        fx["google_ads"]["rows"],
        lambda r: week_of(date.fromisoformat(r["segments"]["date"])),
        lambda r: int(r["metrics"]["clicks"]),
    )
    li_sessions: Counter[date] = Counter()
    g_sessions: Counter[date] = Counter()
    for s in sessions:
        week = week_of(date.fromisoformat(s["date"]))
        if s["source_medium"] == "linkedin / paid_social":
            li_sessions[week] += 1
        elif s["source_medium"] == "google / cpc":
            g_sessions[week] += 1
    clean = [w for w in li_clicks if not any(week_of(d) == w for d in outages)]
    assert len(clean) >= 50
    for week in clean:
        assert 0.72 <= li_sessions[week] / li_clicks[week] <= 0.95, week  # ≈ 0.85
        assert 0.82 <= g_sessions[week] / g_clicks[week] <= 0.97, week  # ≈ 0.9
    # Over the year, all Paid Social (LinkedIn + Facebook) and all Paid Search (Google + Bing).
    groups = Counter(s["channel_group"] for s in sessions)
    assert 0.85 <= groups["Paid Social"] / sum(li_clicks.values()) <= 1.15
    assert 0.8 <= groups["Paid Search"] / sum(g_clicks.values()) <= 0.95


def _reached_lead(contact: Record) -> bool:
    props = contact["properties"]
    later = LIFECYCLE_STAGES[1:]
    if any(props.get(f"hs_v2_date_entered_{s}") or props.get(f"hs_lifecyclestage_{s}_date") for s in later):
        return True
    return props["lifecyclestage"] in later


def test_contacts_per_channel_match_sessions_times_a_visit_to_lead_rate(
    fx: dict[str, Any], sessions: list[Record]
) -> None:
    contacts = [c for c in fx["hubspot"]["contacts"] if not c["archived"]]
    by_source = Counter(c["properties"]["hs_analytics_source"] for c in contacts)
    leads = Counter(c["properties"]["hs_analytics_source"] for c in contacts if _reached_lead(c))
    groups = Counter(s["channel_group"] for s in sessions)
    for sources, channel_groups in SOURCE_GROUPS.items():
        visits = sum(groups[g] for g in channel_groups)
        contact_rate = sum(by_source[s] for s in sources) / visits
        lead_rate = sum(leads[s] for s in sources) / visits
        assert 0.015 <= contact_rate <= 0.045, (sources, contact_rate)
        assert 0.01 <= lead_rate <= 0.03, (sources, lead_rate)
    # Key events are the forms behind those contacts (plus a few from people already in the CRM).
    web_contacts = sum(n for s, n in by_source.items() if s != "OFFLINE")
    assert 1.0 <= sum(s["key_events"] for s in sessions) / web_contacts <= 1.6


def test_seasonality_weekdays_summer_and_december(
    fx: dict[str, Any], world: World, sessions_per_day: dict[date, int]
) -> None:
    def mean(first: date, last: date) -> float:
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        return sum(sessions_per_day[d] for d in days) / len(days)

    weekday = [n for d, n in sessions_per_day.items() if d.weekday() < 5]
    weekend = [n for d, n in sessions_per_day.items() if d.weekday() >= 5]
    assert statistics.mean(weekday) > 1.5 * statistics.mean(weekend)
    impressions = daily(fx["linkedin"]["analytics"], li_day, lambda e: e["impressions"])
    li_weekday = statistics.mean(v for d, v in impressions.items() if d.weekday() < 5)
    assert li_weekday > 1.5 * statistics.mean(v for d, v in impressions.items() if d.weekday() >= 5)
    # Three full weeks each, same weekday mix: early August vs June.
    assert mean(date(2025, 8, 1), date(2025, 8, 21)) < 0.92 * mean(date(2025, 6, 2), date(2025, 6, 22))
    assert mean(date(2025, 12, 23), date(2025, 12, 31)) < 0.6 * mean(date(2025, 12, 1), date(2025, 12, 14))
    # Summer dip: 1 - 0.22 sin²(π x) over July 13 .. September 1 (50 days), x = 25/50 on August 7.
    assert world.seasonality(date(2025, 8, 7)) == pytest.approx(0.78)
    assert world.seasonality(date(2025, 7, 23)) == pytest.approx(1 - 0.22 * math.sin(math.pi * 10 / 50) ** 2)
    assert world.seasonality(date(2025, 7, 12)) == 1.0 == world.seasonality(date(2025, 9, 1))
    assert world.seasonality(date(2025, 12, 25)) == 0.45 == world.seasonality(date(2026, 1, 1))


# --- users ------------------------------------------------------------------------------------------


def test_users_return_across_days_and_channels(sessions: list[Record]) -> None:
    users_by_day: dict[str, set[str]] = defaultdict(set)
    for s in sessions:
        users_by_day[s["date"]].add(s["user"])
    for week in range(52):
        days = [(START + timedelta(days=7 * week + k)).isoformat() for k in range(7)]
        week_users = set().union(*(users_by_day[d] for d in days))
        assert len(week_users) < 0.97 * sum(len(users_by_day[d]) for d in days), days[0]
    by_user: dict[str, list[Record]] = defaultdict(list)
    for s in sessions:
        by_user[s["user"]].append(s)
    repeat = [u for u, ss in by_user.items() if len(ss) > 1]
    assert 0.2 <= len(repeat) / len(by_user) <= 0.5
    assert sum(len({s["date"] for s in by_user[u]}) > 1 for u in repeat) > 0.8 * len(repeat)
    assert sum(len({s["channel_group"] for s in by_user[u]}) > 1 for u in repeat) > 0.3 * len(repeat)
    assert len(by_user) < len(sessions)


def test_new_user_marks_a_users_first_ever_session_only(sessions: list[Record]) -> None:
    first: dict[str, Record] = {}
    new_count: Counter[str] = Counter()
    for s in sessions:  # in date order
        first.setdefault(s["user"], s)
        if s["new_user"]:
            new_count[s["user"]] += 1
            assert first[s["user"]] is s, s  # never after an earlier session of the same user
    assert max(new_count.values()) == 1
    for user, s in first.items():
        born = datetime.strptime(user[1:9], "%Y%m%d").date()  # ids are "u<first-visit day>-<n>"
        # Users first seen inside the window start with a new_user session; earlier ones never have one.
        assert s["new_user"] == (born >= START), user
        assert s["date"] == born.isoformat() or born < START
    share = sum(new_count.values()) / len(sessions)
    assert 0.55 <= share <= 0.85


# --- anomalies --------------------------------------------------------------------------------------


def test_the_calendar_plants_each_anomaly_in_a_52_week_window(world: World) -> None:
    kinds = Counter(a.kind for a in world.anomalies(START, T))
    assert kinds["linkedin_campaign_paused"] >= 1 and kinds["google_ads_cpc_spike"] >= 1
    assert kinds["ga4_tracking_outage"] >= 1
    for a in world.anomalies(START, T):
        length = (a.end - a.start).days
        assert length == {"linkedin_campaign_paused": 14, "ga4_tracking_outage": 1, "google_ads_cpc_spike": 7}[a.kind]
        if a.kind == "google_ads_cpc_spike":
            assert a.start.weekday() == 0


def test_a_paused_linkedin_campaign_has_no_rows_for_two_weeks(fx: dict[str, Any], world: World) -> None:
    (pause,) = [a for a in world.anomalies(START, T) if a.kind == "linkedin_campaign_paused"]
    urn = f"urn:li:sponsoredCampaign:{pause.campaign_id}"
    days = {li_day(e) for e in fx["linkedin"]["analytics"] if e["pivotValues"] == [urn]}
    paused_days = {pause.start + timedelta(days=k) for k in range(14)}
    assert not days & paused_days
    assert pause.start - timedelta(days=1) in days and pause.end in days
    # As of a day inside the pause the campaign is listed PAUSED, changed that morning at 09:00 UTC.
    during = linkedin_fixture(world, start=pause.start, end=pause.start + timedelta(days=3))
    (campaign,) = [c for c in during["campaigns"] if str(c["id"]) == pause.campaign_id]
    assert campaign["status"] == "PAUSED"
    start_ms = (pause.start - date(1970, 1, 1)).days * 86_400_000 + 9 * 3_600_000
    assert campaign["changeAuditStamps"]["lastModified"]["time"] == start_ms
    assert all(c["status"] == "ACTIVE" for c in during["campaigns"] if c is not campaign)


def test_ga4_tracking_outage_days_record_almost_nothing(
    fx: dict[str, Any], world: World, sessions_per_day: dict[date, int]
) -> None:
    outages = [a.start for a in world.anomalies(START, T) if a.kind == "ga4_tracking_outage"]
    median = statistics.median(sessions_per_day.values())
    clicks = daily(fx["linkedin"]["analytics"], li_day, lambda e: e["clicks"])
    for day in outages:
        assert sessions_per_day.get(day, 0) < 0.15 * median, day
        assert clicks[day] > 0.3 * statistics.median(clicks.values())  # the ads kept running
        assert world.web_day(day).outage
    lowest = sorted(sessions_per_day, key=sessions_per_day.__getitem__)[: len(outages)]
    assert sorted(lowest) == sorted(outages)


def test_one_week_has_a_google_ads_cpc_spike(fx: dict[str, Any], world: World) -> None:
    (spike,) = [a for a in world.anomalies(START, T) if a.kind == "google_ads_cpc_spike"]
    cost: Counter[date] = Counter()
    clicks: Counter[date] = Counter()
    for r in fx["google_ads"]["rows"]:
        week = week_of(date.fromisoformat(r["segments"]["date"]))
        cost[week] += int(r["metrics"]["costMicros"])
        clicks[week] += int(r["metrics"]["clicks"])
    cpc = {w: cost[w] / clicks[w] / 1e6 for w in cost}
    normal = statistics.median(v for w, v in cpc.items() if w != spike.start)
    assert cpc[spike.start] > 1.5 * normal
    assert max(cpc, key=cpc.__getitem__) == spike.start


# --- knobs ------------------------------------------------------------------------------------------


def test_campaign_roster_is_fixed_per_seed() -> None:
    a, b = World(seed=7), World(seed=7, contacts_per_day=3.0)
    for platform in ("linkedin", "google_ads"):
        assert [c.id for c in a.campaigns(platform)] == [c.id for c in b.campaigns(platform)]
        assert all(isinstance(c, AdCampaign) for c in a.campaigns(platform))
        assert sum(c.share for c in a.campaigns(platform)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown ad platform"):
        a.campaigns("bing")


def test_sources_and_scale_are_checked_and_scale_multiplies_volume() -> None:
    with pytest.raises(ValueError, match="unknown source"):
        generate_demo_fixture(today=T, sources=("hubspot", "facebook"))
    with pytest.raises(ValueError, match="scale must be > 0"):
        generate_demo_fixture(today=T, scale=0)
    doubled = generate_demo_fixture(today=T, weeks=2, scale=2.0, sources=("ga4",))
    assert doubled == generate_demo_fixture(today=T, weeks=2, contacts_per_day=28.0, sources=("ga4",))
    base = generate_demo_fixture(today=T, weeks=2, sources=("ga4",))
    assert 1.7 <= len(doubled["ga4"]["sessions"]) / len(base["ga4"]["sessions"]) <= 2.3
