"""GA4 web KPIs: additivity, the non-additive week-grain users, channel-group mapping and slice filters."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import (
    FunnelConfig,
    ga4_sessions_by_week_channel,
    ga4_slice_filters,
    map_ga4_channel_groups,
    visit_to_lead_rate,
    web_kpis,
)

pytestmark = pytest.mark.unit

W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
CFG = FunnelConfig()
WEB = [
    "sessions",
    "users",
    "new_users",
    "engaged_sessions",
    "engagement_rate",
    "avg_session_duration_s",
    "pageviews_per_session",
    "key_events",
]
NAN = math.nan


def value(frame: pd.DataFrame, week: date, kpi_id: str, channel: str = "All") -> float:
    mask = (frame["week_start"] == week) & (frame["kpi_id"] == kpi_id)
    rows = frame.loc[mask & (frame["channel"] == channel)]
    assert len(rows) == 1, f"expected one row for {week} {kpi_id} {channel}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def check(got: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(got), got
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0.0)


DAILY = pd.DataFrame(
    {
        "date": [
            date(2024, 1, 1),
            date(2024, 1, 7),  # Sunday: still the Monday week W1
            date(2024, 1, 3),
            date(2024, 1, 2),
            date(2024, 1, 4),
            date(2024, 1, 8),
            date(2023, 12, 31),  # before the requested weeks
        ],
        "channel": [
            "Organic Search",
            "Organic Search",
            "paid social",  # matched ignoring case
            "Podcast",  # outside the taxonomy -> Other
            "Offline",
            "Organic Search",
            "Direct",
        ],
        "sessions": [100, 50, 40, 10, 5, 70, 999],
        "engaged_sessions": [60, 20, 30, 0, 5, 35, 999],
        "pageviews": [250, 100, 80, 10, 6, 140, 999],
        "key_events": [5, 1, 4, 0, 2, 2, 999],
    }
)
WEEKLY = pd.DataFrame(
    {
        "week_start": [W1, W1, W1, W1, W1, W1, W2, date(2024, 1, 3), W1],
        "slice": [
            "All",
            "Inbound",
            "Organic Search",
            "paid social",
            "Other",
            "Outbound",
            "All",
            "All",
            "Offline",
        ],
        # All = 180 while the channels add up to 120 + 50 + 9 + 4 = 183: users overlap across channels.
        "users": [180, 176, 120, 50, 9, 1, 60, 5000, 4],
        "new_users": [90, 88, 70, 15, 3, 1, 30, 5000, 1],
        "avg_session_duration_s": [61.5, 60.0, 70.25, 40.0, 5.0, 12.0, 55.0, 5000.0, 12.0],
    }
)


@pytest.fixture(scope="module")
def web() -> pd.DataFrame:
    return web_kpis(DAILY, WEEKLY, None, [W1, W2], CFG)


def test_additive_kpis_sum_channels(web: pd.DataFrame) -> None:
    # W1 sessions: Organic Search 100 + 50, Paid Social 40, Other 10, Offline 5.
    expected_sessions = {
        "All": 205.0,
        "Inbound": 200.0,
        "Outbound": 5.0,
        "Organic Search": 150.0,
        "Paid Social": 40.0,
        "Other": 10.0,
        "Offline": 5.0,
        "Direct": 0.0,  # the 2023-12-31 Direct row is outside the requested weeks
        "Email": 0.0,
    }
    for channel, expected in expected_sessions.items():
        check(value(web, W1, "sessions", channel), expected)
    check(value(web, W1, "engaged_sessions"), 60 + 20 + 30 + 0 + 5)
    check(value(web, W1, "key_events"), 5 + 1 + 4 + 0 + 2)
    check(value(web, W1, "key_events", "Inbound"), 10.0)
    check(value(web, W2, "sessions"), 70.0)
    check(value(web, W2, "sessions", "Organic Search"), 70.0)
    check(value(web, W2, "sessions", "Paid Social"), 0.0)


def test_ratios_use_the_slice_sums(web: pd.DataFrame) -> None:
    check(value(web, W1, "engagement_rate"), 115 / 205)
    check(value(web, W1, "engagement_rate", "Inbound"), 110 / 200)
    check(value(web, W1, "engagement_rate", "Organic Search"), 80 / 150)
    check(value(web, W1, "engagement_rate", "Paid Social"), 0.75)
    check(value(web, W1, "engagement_rate", "Other"), 0.0)
    check(value(web, W1, "engagement_rate", "Direct"), NAN)  # no sessions: empty, not 0
    check(value(web, W1, "pageviews_per_session"), (250 + 100 + 80 + 10 + 6) / 205)
    check(value(web, W1, "pageviews_per_session", "Organic Search"), 350 / 150)
    check(value(web, W1, "pageviews_per_session", "Offline"), 6 / 5)
    check(value(web, W1, "pageviews_per_session", "Email"), NAN)
    check(value(web, W2, "engagement_rate"), 0.5)
    check(value(web, W2, "pageviews_per_session"), 2.0)


def test_users_are_week_grain_numbers_used_as_is(web: pd.DataFrame) -> None:
    # All users are GA4's distinct users for the whole site (180), not the sum of channels (183).
    check(value(web, W1, "users"), 180.0)
    check(value(web, W1, "users", "Inbound"), 176.0)
    check(value(web, W1, "users", "Outbound"), 1.0)
    check(value(web, W1, "users", "Organic Search"), 120.0)
    check(value(web, W1, "users", "Paid Social"), 50.0)  # "paid social" matched ignoring case
    check(value(web, W1, "users", "Offline"), 4.0)
    check(value(web, W1, "users", "Direct"), NAN)  # not in the week-grain frame
    check(value(web, W1, "new_users"), 90.0)
    check(value(web, W1, "new_users", "Organic Search"), 70.0)
    check(value(web, W1, "avg_session_duration_s"), 61.5)
    check(value(web, W1, "avg_session_duration_s", "Organic Search"), 70.25)
    check(value(web, W1, "avg_session_duration_s", "Email"), NAN)
    # W2 has only All; the 2024-01-03 row is not a week start and is ignored.
    check(value(web, W2, "users"), 60.0)
    check(value(web, W2, "users", "Organic Search"), NAN)
    check(value(web, W2, "avg_session_duration_s"), 55.0)


def test_every_web_kpi_exists_for_every_slice(web: pd.DataFrame) -> None:
    assert len(web) == len(WEB) * len(CFG.slices) * 2
    assert web["kpi_id"].unique().tolist() == WEB
    sessions_w1 = web.loc[(web["week_start"] == W1) & (web["kpi_id"] == "sessions"), "channel"]
    assert sessions_w1.tolist() == list(CFG.slices)
    assert list(web.columns) == ["week_start", "kpi_id", "channel", "value"]


def test_duplicate_week_grain_row_keeps_the_last() -> None:
    weekly = pd.DataFrame(
        {
            "week_start": [W1, W1],
            "slice": ["All", "ALL"],
            "users": [10, 12],
            "new_users": [1, 2],
            "avg_session_duration_s": [3.0, 4.0],
        }
    )
    got = web_kpis(DAILY, weekly, None, [W1], CFG)
    check(value(got, W1, "users"), 12.0)
    check(value(got, W1, "new_users"), 2.0)
    check(value(got, W1, "avg_session_duration_s"), 4.0)


def test_ga4_not_configured_leaves_every_web_row_empty() -> None:
    got = web_kpis(None, WEEKLY, None, [W1, W2], CFG, scroll_depth_events={50: "scroll_50"})
    assert len(got) == (len(WEB) + 1) * len(CFG.slices) * 2
    assert got["value"].isna().all()
    assert "scroll_depth_50" in set(got["kpi_id"])


def test_no_week_grain_frame_leaves_users_empty_and_sums_intact() -> None:
    got = web_kpis(DAILY, None, None, [W1], CFG)
    check(value(got, W1, "users"), NAN)
    check(value(got, W1, "new_users", "Organic Search"), NAN)
    check(value(got, W1, "sessions"), 205.0)


def test_empty_daily_frame_gives_zero_sums_and_empty_ratios() -> None:
    got = web_kpis(DAILY.iloc[0:0], None, None, [W1], CFG)
    check(value(got, W1, "sessions"), 0.0)
    check(value(got, W1, "key_events", "Email"), 0.0)
    check(value(got, W1, "engagement_rate"), NAN)


def test_sunday_weeks_bucket_the_property_dates_as_they_are() -> None:
    cfg = FunnelConfig(week_start="sunday")
    got = web_kpis(DAILY, None, None, [date(2023, 12, 31), date(2024, 1, 7)], cfg)
    # Week of Sun 2023-12-31: rows dated 12-31 (Direct 999), 01-01, 01-02, 01-03, 01-04.
    check(value(got, date(2023, 12, 31), "sessions"), 999 + 100 + 10 + 40 + 5)
    check(value(got, date(2023, 12, 31), "sessions", "Direct"), 999.0)
    # Week of Sun 2024-01-07: rows dated 01-07 and 01-08 (both Organic Search).
    check(value(got, date(2024, 1, 7), "sessions"), 50 + 70)


# ---------------------------------------------------------------- scroll depth

EVENTS = pd.DataFrame(
    {
        "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 2), date(2024, 1, 5), date(2024, 1, 9)],
        "channel": ["Organic Search", "Paid Social", "Organic Search", "Organic Search", "Email"],
        "event_name": ["scroll_25", "scroll_25", "Scroll_25", "scroll_75", "scroll_25"],
        "event_count": [10, 5, 100, 2, 7],
    }
)


def test_scroll_depth_only_for_configured_percentages() -> None:
    got = web_kpis(DAILY, None, EVENTS, [W1, W2], CFG, scroll_depth_events={75: "scroll_75", 25: "scroll_25"})
    kpis = got["kpi_id"].unique().tolist()
    assert kpis == [*WEB, "scroll_depth_25", "scroll_depth_75"]  # catalog order, right after key_events
    # GA4 event names are case-sensitive: "Scroll_25" is another event.
    check(value(got, W1, "scroll_depth_25"), 15.0)
    check(value(got, W1, "scroll_depth_25", "Organic Search"), 10.0)
    check(value(got, W1, "scroll_depth_25", "Paid Social"), 5.0)
    check(value(got, W1, "scroll_depth_25", "Inbound"), 15.0)
    check(value(got, W1, "scroll_depth_25", "Outbound"), 0.0)
    check(value(got, W1, "scroll_depth_75"), 2.0)
    check(value(got, W2, "scroll_depth_25"), 7.0)
    check(value(got, W2, "scroll_depth_25", "Email"), 7.0)
    check(value(got, W2, "scroll_depth_75"), 0.0)


def test_scroll_depth_absent_when_not_configured() -> None:
    configs: list[dict[int, str] | None] = [None, {}]
    for config in configs:
        got = web_kpis(DAILY, None, EVENTS, [W1], CFG, scroll_depth_events=config)
        assert not got["kpi_id"].str.startswith("scroll_depth").any()


def test_scroll_depth_without_event_data() -> None:
    not_fetched = web_kpis(DAILY, None, None, [W1], CFG, scroll_depth_events={25: "scroll_25"})
    check(value(not_fetched, W1, "scroll_depth_25"), NAN)
    no_events = web_kpis(DAILY, None, EVENTS.iloc[0:0], [W1], CFG, scroll_depth_events={25: "scroll_25"})
    check(value(no_events, W1, "scroll_depth_25"), 0.0)


def test_scroll_depth_rejects_unknown_percentage() -> None:
    with pytest.raises(ValueError, match="scroll depth must be one of"):
        web_kpis(DAILY, None, EVENTS, [W1], CFG, scroll_depth_events={30: "scroll_30"})


# ---------------------------------------------------------------- sessions for visit -> lead rate


def test_sessions_by_week_channel_feeds_visit_to_lead_rate() -> None:
    sessions = ga4_sessions_by_week_channel(DAILY, [W1, W2], CFG)
    assert list(sessions.columns) == ["week_start", "channel", "sessions"]
    assert len(sessions) == 2 * len(CFG.channels)
    table = {(r.week_start, r.channel): r.sessions for r in sessions.itertuples()}
    assert table[(W1, "Organic Search")] == 150.0
    assert table[(W1, "Paid Social")] == 40.0
    assert table[(W1, "Other")] == 10.0
    assert table[(W1, "Offline")] == 5.0
    assert table[(W1, "Direct")] == 0.0
    assert table[(W2, "Organic Search")] == 70.0
    assert float(sessions.loc[sessions["week_start"] == W2, "sessions"].sum()) == 70.0

    leads = pd.DataFrame(
        [
            {"week_start": W1, "kpi_id": "new_leads", "channel": s, "value": v}
            for s, v in zip(CFG.slices, [41.0, 40.0, 1.0, 30.0, 0, 10.0, 0, 0, 0, 0, 0, 1.0], strict=True)
        ]
    )
    rate = visit_to_lead_rate(leads, sessions, CFG)
    check(value(rate, W1, "visit_to_lead_rate"), 41 / 205)
    check(value(rate, W1, "visit_to_lead_rate", "Organic Search"), 30 / 150)
    check(value(rate, W1, "visit_to_lead_rate", "Paid Social"), 10 / 40)
    check(value(rate, W1, "visit_to_lead_rate", "Direct"), NAN)


def test_sessions_by_week_channel_without_ga4() -> None:
    assert ga4_sessions_by_week_channel(None, [W1], CFG) is None
    empty = ga4_sessions_by_week_channel(DAILY.iloc[0:0], [W1], CFG)
    assert empty["sessions"].tolist() == [0.0] * len(CFG.channels)


# ---------------------------------------------------------------- GA4 channel groups

GROUPS = pd.Series(
    [
        "Organic Search",
        "paid social",
        "Unassigned",
        "Cross-network",
        "Display",
        "Paid Video",
        None,
        "Direct",
        "Email",
        "Referral",
        "Organic Social",
        "Paid Search",
        "(other)",
    ],
    index=range(10, 23),
    dtype=object,
)


def test_ga4_groups_default_mapping() -> None:
    got = map_ga4_channel_groups(GROUPS, None, CFG)
    assert got.index.tolist() == list(range(10, 23))
    assert got.tolist() == [
        "Organic Search",
        "Paid Social",
        "Other",  # Unassigned
        "Other",  # Cross-network
        "Other",  # Display
        "Other",  # Paid Video
        "Other",  # missing
        "Direct",
        "Email",
        "Referral",
        "Organic Social",
        "Paid Search",
        "Other",
    ]


def test_ga4_groups_explicit_mapping_wins() -> None:
    mapping = {"Display": "paid search", "PAID VIDEO": "Paid Social", "Organic Search": "Referral"}
    got = map_ga4_channel_groups(GROUPS, mapping, CFG)
    assert got.tolist() == [
        "Referral",  # the explicit mapping beats the same-name rule
        "Paid Social",
        "Other",
        "Other",
        "Paid Search",
        "Paid Social",
        "Other",
        "Direct",
        "Email",
        "Referral",
        "Organic Social",
        "Paid Search",
        "Other",
    ]


def test_ga4_groups_same_name_follows_a_custom_taxonomy() -> None:
    cfg = FunnelConfig(
        channels=("Organic Search", "Display", "Other"),
        channel_groups={"Inbound": ("Organic Search", "Display", "Other")},
        source_map={},
    )
    got = map_ga4_channel_groups(pd.Series(["display", "Paid Search", "Organic Search"]), None, cfg)
    assert got.tolist() == ["Display", "Other", "Organic Search"]


def test_ga4_mapping_to_an_unknown_channel_fails_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"ga4_channel_map\.Display: 'Banner' is not one of channels"):
        map_ga4_channel_groups(GROUPS, {"Display": "Banner"}, CFG)


# ---------------------------------------------------------------- per-slice GA4 filters

KNOWN = ["Organic Search", "Paid Social", "Unassigned", "Display", "Direct", "Organic Search", ""]


def test_slice_filters_default_mapping() -> None:
    got = ga4_slice_filters(KNOWN, None, CFG)
    assert list(got) == list(CFG.slices)
    assert got == {
        "All": None,
        "Inbound": ["Direct", "Display", "Organic Search", "Paid Social", "Unassigned"],
        "Outbound": [],
        "Organic Search": ["Organic Search"],
        "Paid Search": [],
        "Paid Social": ["Paid Social"],
        "Organic Social": [],
        "Email": [],
        "Referral": [],
        "Direct": ["Direct"],
        "Offline": [],
        "Other": ["Display", "Unassigned"],
    }


def test_slice_filters_follow_the_explicit_mapping_and_groups() -> None:
    cfg = FunnelConfig(
        channel_groups={
            "Inbound": (
                "Organic Search",
                "Paid Search",
                "Paid Social",
                "Organic Social",
                "Email",
                "Referral",
            ),
            "Outbound": ("Direct", "Offline", "Other"),
        }
    )
    got = ga4_slice_filters(set(KNOWN), {"display": "Paid Search"}, cfg)
    assert got["All"] is None
    assert got["Paid Search"] == ["Display"]
    assert got["Other"] == ["Unassigned"]
    assert got["Inbound"] == ["Display", "Organic Search", "Paid Social"]
    assert got["Outbound"] == ["Direct", "Unassigned"]
    assert got["Offline"] == []


def test_all_slice_filter_is_none_even_without_groups_seen() -> None:
    got = ga4_slice_filters([], None, CFG)
    assert got["All"] is None
    assert all(v == [] for k, v in got.items() if k != "All")


def test_web_values_are_float64(web: pd.DataFrame) -> None:
    assert web["value"].dtype == np.float64
