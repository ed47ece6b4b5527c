"""Web KPIs of weeks GA4 was not pulled for (or not configured at all) are empty, never 0."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from assets.weekly_kpis import compute_weekly_kpis
from emulators.scale import kpi_frames
from settings import parse_settings
from sheets_sync.owner_tabs import empty_targets

pytestmark = pytest.mark.unit

END = datetime(2024, 1, 20, tzinfo=UTC)
W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
WEB = (
    "sessions",
    "users",
    "new_users",
    "engaged_sessions",
    "engagement_rate",
    "avg_session_duration_s",
    "pageviews_per_session",
    "key_events",
    "scroll_depth_25",
    "visit_to_lead_rate",
)
SETTINGS = parse_settings({"ga4": {"scroll_depth_events": {25: "scroll_25"}}})


def _daily(*days: tuple[date, int, int, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [d for d, *_ in days],
            "channel_group": ["Organic Search"] * len(days),
            "sessions": [s for _, s, _, _ in days],
            "engaged_sessions": [e for _, _, e, _ in days],
            "pageviews": [2 * s for _, s, _, _ in days],
            "key_events": [k for *_, k in days],
            "synced_at_ms": [0] * len(days),
        }
    )


def _sources(daily: pd.DataFrame, event_days: list[date], *, ga4_configured: bool = True) -> dict[str, Any]:
    status = {"ga4": ga4_configured, "linkedin": False, "google_ads": False}
    return {
        "ad_daily": pd.DataFrame(columns=["platform", "campaign_id", "date", "cost", "currency"]),
        "ad_silent_days": pd.DataFrame(columns=["platform", "date", "previous_cost", "currency"]),
        "ga4_daily": daily,
        "ga4_events": pd.DataFrame(
            {
                "date": event_days,
                "channel_group": ["Organic Search"] * len(event_days),
                "event_name": ["scroll_25"] * len(event_days),
                "event_count": [4] * len(event_days),
            }
        ),
        "ga4_weekly": pd.DataFrame(
            {
                "week_start": [W1],
                "slice": ["All"],
                "users": [8],
                "new_users": [5],
                "avg_session_duration_s": [30.0],
                "thresholded": [False],
                "data_loss_from_other_row": [False],
            }
        ),
        "source_status": pd.DataFrame(
            {
                "source": list(status),
                "configured": list(status.values()),
                "currency": [None] * 3,
                "time_zone": ["UTC", None, None],
                "detail": [f"{name} is not configured (X not set): skipped" for name in status],
            }
        ),
    }


@pytest.fixture(scope="module")
def hubspot() -> dict[str, pd.DataFrame]:
    return kpi_frames(200, end=END)


def _web(hubspot: dict[str, pd.DataFrame], sources: dict[str, Any]) -> dict[tuple[str, date], float]:
    values = compute_weekly_kpis(
        hubspot, settings=SETTINGS, weeks=[W1, W2], as_of=pd.Timestamp(END), targets=empty_targets(), sources=sources
    )
    everything = values[(values["channel"] == "All") & values["kpi_id"].isin(WEB)]
    return {(row.kpi_id, row.week_start): row.value for row in everything.itertuples()}


def test_a_week_without_a_single_ga4_row_is_empty_not_zero(hubspot):
    got = _web(hubspot, _sources(_daily((date(2024, 1, 2), 10, 6, 1.0)), [date(2024, 1, 3)]))
    assert got[("sessions", W1)] == 10 and got[("engaged_sessions", W1)] == 6 and got[("key_events", W1)] == 1
    assert got[("engagement_rate", W1)] == pytest.approx(0.6) and got[("pageviews_per_session", W1)] == 2
    assert got[("scroll_depth_25", W1)] == 4 and got[("users", W1)] == 8
    assert math.isfinite(got[("visit_to_lead_rate", W1)])
    assert all(math.isnan(got[(kpi, W2)]) for kpi in WEB), {k: v for (k, w), v in got.items() if w == W2}


def test_a_pulled_week_with_nothing_in_it_stays_zero(hubspot):
    # GA4 answered for W2 (a day with sessions, none engaged, no key event, no scroll event row).
    got = _web(hubspot, _sources(_daily((date(2024, 1, 2), 10, 6, 1.0), (date(2024, 1, 9), 3, 0, 0.0)), [W1]))
    assert (got[("sessions", W2)], got[("engaged_sessions", W2)], got[("key_events", W2)]) == (3, 0, 0)
    assert got[("engagement_rate", W2)] == 0
    # Scroll events were never stored for W2 (the setting came later, or the event does not fire): empty.
    assert math.isnan(got[("scroll_depth_25", W2)])


def test_ga4_not_configured_leaves_every_web_kpi_empty(hubspot):
    sources = _sources(_daily((date(2024, 1, 2), 10, 6, 1.0)), [date(2024, 1, 3)], ga4_configured=False)
    got = _web(hubspot, sources)
    assert len(got) == 2 * len(WEB) and all(math.isnan(v) for v in got.values())
