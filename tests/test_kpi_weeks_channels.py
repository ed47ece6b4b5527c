"""Week bucketing (time zones, DST, week start) and channel mapping/slicing of the KPI math."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import (
    FunnelConfig,
    SourceRefinement,
    map_source_channels,
    unmapped_sources,
    week_start_of,
)
from assets.kpi_math.channels import contact_channels, expand_slices, safe_ratio
from assets.kpi_math.weeks import (
    NAT,
    date_to_day,
    index_in,
    local_days,
    quarter_bounds,
    requested_weeks,
    to_utc_ns,
)

pytestmark = pytest.mark.unit


def _utc(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(list(values), dtype=object), utc=True))


# ---------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    ("instant", "tz", "week_start", "expected"),
    [
        # New York spring-forward (Sun 2024-03-10): Monday 2024-03-11 00:00 EDT is 04:00Z.
        ("2024-03-11T03:59:59Z", "America/New_York", "monday", date(2024, 3, 4)),
        ("2024-03-11T04:00:00Z", "America/New_York", "monday", date(2024, 3, 11)),
        # New York fall-back (Sun 2024-11-03): Monday 2024-11-04 00:00 EST is 05:00Z.
        ("2024-11-04T04:59:59Z", "America/New_York", "monday", date(2024, 10, 28)),
        ("2024-11-04T05:00:00Z", "America/New_York", "monday", date(2024, 11, 4)),
        # Sunday weeks: Sunday 2024-03-10 00:00 is still EST (05:00Z); the change happens at 02:00.
        ("2024-03-10T04:59:59Z", "America/New_York", "sunday", date(2024, 3, 3)),
        ("2024-03-10T05:00:00Z", "America/New_York", "sunday", date(2024, 3, 10)),
        ("2024-03-10T07:30:00Z", "America/New_York", "sunday", date(2024, 3, 10)),
        # Sunday 2024-11-03 00:00 is EDT (04:00Z).
        ("2024-11-03T03:59:59Z", "America/New_York", "sunday", date(2024, 10, 27)),
        ("2024-11-03T04:00:00Z", "America/New_York", "sunday", date(2024, 11, 3)),
        # The same instant in UTC lands in another week.
        ("2024-03-11T03:59:59Z", "UTC", "monday", date(2024, 3, 11)),
        ("2024-03-10T23:00:00Z", "UTC", "sunday", date(2024, 3, 10)),
        ("2024-03-09T23:59:59Z", "UTC", "sunday", date(2024, 3, 3)),
        # East of UTC: 2024-03-31 23:30Z is Monday 2024-04-01 01:30 in Warsaw (after its DST change).
        ("2024-03-31T23:30:00Z", "Europe/Warsaw", "monday", date(2024, 4, 1)),
        ("2024-03-31T21:59:59Z", "Europe/Warsaw", "monday", date(2024, 3, 25)),
    ],
)
def test_week_start_of_buckets_by_local_date(instant: str, tz: str, week_start: str, expected: date) -> None:
    result = week_start_of(_utc(instant), tz, week_start)  # type: ignore[arg-type]
    assert result.tolist() == [expected]


def test_week_start_of_keeps_index_and_nat() -> None:
    ts = _utc("2024-01-07T12:00:00Z", None, "2024-01-08T00:00:00Z")
    ts.index = pd.Index([10, 11, 12])
    result = week_start_of(ts, "UTC", "monday")
    assert result.index.tolist() == [10, 11, 12]
    assert result.tolist() == [date(2024, 1, 1), None, date(2024, 1, 8)]


def test_week_start_of_accepts_naive_as_utc() -> None:
    naive = pd.Series(pd.to_datetime(["2024-03-11T03:59:59"]))
    assert week_start_of(naive, "America/New_York", "monday").tolist() == [date(2024, 3, 4)]


def test_local_days_and_nat() -> None:
    ns = to_utc_ns(_utc("1970-01-01T00:00:00Z", "1970-01-02T04:59:59Z", None))
    assert local_days(ns, "UTC").tolist() == [0, 1, NAT]
    # 1970-01-02 04:59:59Z is 1970-01-01 23:59:59 in New York (EST, UTC-5).
    assert local_days(ns, "America/New_York").tolist() == [-1, 0, NAT]


@pytest.mark.parametrize(
    ("weeks", "week_start"),
    [
        ([date(2024, 1, 2)], "monday"),
        ([date(2024, 1, 1)], "sunday"),
        ([date(2024, 1, 7), date(2024, 1, 8)], "sunday"),
    ],
)
def test_requested_weeks_rejects_misaligned(weeks: list[date], week_start: str) -> None:
    with pytest.raises(ValueError, match="is not the first day"):
        requested_weeks(weeks, week_start)  # type: ignore[arg-type]


def test_requested_weeks_sorts_and_dedupes() -> None:
    days = requested_weeks([date(2024, 1, 15), date(2024, 1, 1), date(2024, 1, 15)], "monday")
    assert days.tolist() == [date_to_day(date(2024, 1, 1)), date_to_day(date(2024, 1, 15))]


def test_index_in_maps_only_requested_weeks() -> None:
    weeks = np.array([date_to_day(date(2024, 1, 1)), date_to_day(date(2024, 1, 15))])
    events = np.array([weeks[0], weeks[0] + 7, weeks[1], weeks[1] + 7, weeks[0] - 7, NAT])
    assert index_in(events, weeks).tolist() == [0, -1, 1, -1, -1, -1]
    assert index_in(events, np.array([], dtype=np.int64)).tolist() == [-1] * 6


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2024, 3, 31), date(2024, 1, 1), date(2024, 4, 1)),
        (date(2024, 4, 1), date(2024, 4, 1), date(2024, 7, 1)),
        (date(2024, 12, 31), date(2024, 10, 1), date(2025, 1, 1)),
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 4, 1)),
    ],
)
def test_quarter_bounds(day: date, start: date, end: date) -> None:
    qs, qe = quarter_bounds(np.array([date_to_day(day)]))
    assert (qs[0], qe[0]) == (date_to_day(start), date_to_day(end))


# ---------------------------------------------------------------- channels


def test_default_map_unknown_missing_and_empty_sources() -> None:
    source = pd.Series(
        ["PAID_SOCIAL", "paid_search", "AI_REFERRALS", "OTHER_CAMPAIGNS", "NEW_THING", None, "", "OFFLINE"]
    )
    channel, unmapped = map_source_channels(source, None, FunnelConfig())
    assert channel.tolist() == [
        "Paid Social",
        "Paid Search",
        "Referral",
        "Other",
        "Other",
        "Other",
        "Other",
        "Offline",
    ]
    # OTHER_CAMPAIGNS maps to Other on purpose (mapped); unknown, missing and empty are unmapped.
    assert unmapped.tolist() == [False, False, False, False, True, True, True, False]


def test_refinement_wins_exact_case_insensitive() -> None:
    cfg = FunnelConfig(
        source_refinements=(
            SourceRefinement("OFFLINE", "INTEGRATION", "Email"),
            SourceRefinement("offline", "integration", "Direct"),  # later duplicate loses
            SourceRefinement("REFERRALS", "partner.example.com", "Paid Social"),
        )
    )
    contacts = pd.DataFrame(
        {
            "analytics_source": ["OFFLINE", "OFFLINE", "OFFLINE", "REFERRALS", "REFERRALS", None],
            "analytics_source_data_1": [
                "integration",
                "INTEGRATION ",
                None,
                "Partner.Example.com",
                "x",
                "INTEGRATION",
            ],
        }
    )
    assert contact_channels(contacts, cfg).tolist() == [
        "Email",
        "Offline",
        "Offline",
        "Paid Social",
        "Referral",
        "Other",
    ]
    assert unmapped_sources(contacts, cfg).tolist() == [False, False, False, False, False, True]
    assert int(unmapped_sources(contacts, cfg).sum()) == 1


def test_refinement_can_rescue_unknown_source() -> None:
    cfg = FunnelConfig(source_refinements=(SourceRefinement("PARTNER_FEED", "acme", "Referral"),))
    channel, unmapped = map_source_channels(
        pd.Series(["PARTNER_FEED", "PARTNER_FEED"]), pd.Series(["ACME", "other"]), cfg
    )
    assert channel.tolist() == ["Referral", "Other"]
    assert unmapped.tolist() == [False, True]


def test_custom_source_map() -> None:
    cfg = FunnelConfig(source_map={"OFFLINE": "Other", "PAID_SOCIAL": "Paid Social"})
    channel, unmapped = map_source_channels(pd.Series(["OFFLINE", "ORGANIC_SEARCH"]), None, cfg)
    assert channel.tolist() == ["Other", "Other"]
    assert unmapped.tolist() == [False, True]


def test_expand_slices_sums_groups_and_all() -> None:
    cfg = FunnelConfig()
    by_channel = np.array([[1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 0, 0, 0, 0, 0, 0, 10, 0]], dtype=float)
    out = expand_slices(by_channel, cfg)
    assert cfg.slices[:3] == ("All", "Inbound", "Outbound")
    assert out[0, :3].tolist() == [45.0, 37.0, 8.0]
    assert out[1, :3].tolist() == [10.0, 0.0, 10.0]
    assert out[:, 3:].tolist() == by_channel.tolist()


def test_safe_ratio_empty_on_zero_or_missing_denominator() -> None:
    out = safe_ratio(np.array([1.0, 0.0, 2.0, 3.0]), np.array([4.0, 0.0, np.nan, 0.0]))
    assert out[0] == 0.25
    assert np.isnan(out[1:]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": ("Email", "Direct")}, "must contain 'Other'"),
        ({"channel_groups": {"Inbound": ("Email",), "Outbound": ("Offline",)}}, "belong to no group"),
        (
            {
                "channel_groups": {
                    "Inbound": tuple(c for c in FunnelConfig().channels),
                    "Outbound": ("Offline",),
                }
            },
            "in both",
        ),
        ({"channel_groups": {"All": FunnelConfig().channels}}, "collides"),
        ({"source_map": {"X": "Nowhere"}}, "not one of channels"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"week_start": "friday"}, "week_start"),
        ({"deal_amount_basis": "tcv"}, "deal_amount_basis"),
        ({"gross_margin": 0.0}, "gross_margin"),
        ({"source_refinements": (SourceRefinement("A", "b", "Nowhere"),)}, "source_refinements"),
    ],
)
def test_config_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FunnelConfig(**kwargs)  # type: ignore[arg-type]


def test_config_default_slices() -> None:
    cfg = FunnelConfig()
    assert cfg.slices == (
        "All",
        "Inbound",
        "Outbound",
        "Organic Search",
        "Paid Search",
        "Paid Social",
        "Organic Social",
        "Email",
        "Referral",
        "Direct",
        "Offline",
        "Other",
    )
    assert cfg.channel_groups["Outbound"] == ("Offline",)
