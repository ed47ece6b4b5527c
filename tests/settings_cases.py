"""Each README settings row switched on, with a value that moves the numbers where the setting can, for the
end-to-end test of every documented setting (tests/test_settings_end_to_end.py).

A new settings row in the README needs a case here: ``test_every_readme_settings_row_has_a_case`` says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from emulators.google_ads.access import GOOGLE_ADS_CALENDAR, version_state
from emulators.linkedin.headers import LINKEDIN_CALENDAR, live_versions
from settings import Settings
from settings.defaults import DEFAULT_CHANNELS, DEFAULT_SOURCE_MAP

DEFAULTS = Settings()
MOVED_SOURCE_MAP = {**DEFAULT_SOURCE_MAP, "PAID_SOCIAL": "Paid Search"}
EMAIL_OUTBOUND = {
    "Inbound": [c for c in DEFAULT_CHANNELS if c not in ("Offline", "Email")],
    "Outbound": ["Offline", "Email"],
}
FUNNEL_STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]


def older_api_versions(today: date) -> dict[str, str]:
    """The newest LinkedIn and Google Ads versions served today other than the pinned defaults."""
    linkedin = max(live_versions(LINKEDIN_CALENDAR, today) - {DEFAULTS.ads.linkedin_api_version})
    google = max(
        v.number
        for v in GOOGLE_ADS_CALENDAR
        if version_state(v.number, today, GOOGLE_ADS_CALENDAR) == "served"
        and f"v{v.number}" != DEFAULTS.ads.google_ads_api_version
    )
    return {"linkedin_api_version": linkedin, "google_ads_api_version": f"v{google}"}


def setting_cases(today: date) -> dict[str, dict[str, Any]]:
    """README settings row (its keys, as the table lists them) → the settings that switch it on."""
    return {
        "timezone": {"timezone": "Asia/Tokyo"},
        "week_start": {"week_start": "sunday"},
        "start_date": {"start_date": "2026-01-05"},
        # A reporting currency needs a rate for the sources' USD.
        "currency": {"currency": "EUR", "currency_rates": {"USD": 0.9}},
        "refresh_weeks": {"refresh_weeks": 4},
        "schedule_cron": {"schedule_cron": "30 7 * * 2"},
        "channels": {"channels": [*DEFAULT_CHANNELS, "Partners"]},
        "channel_groups": {"channel_groups": EMAIL_OUTBOUND},
        "channel_map": {"channel_map": MOVED_SOURCE_MAP},
        "channel_refinements": {"channel_refinements": [{"source": "OFFLINE", "data_1": "IMPORT", "channel": "Other"}]},
        "stages": {"stages": FUNNEL_STAGES},
        "pipelines": {"pipelines": ["default"]},
        "deal_amount_basis": {"deal_amount_basis": "mrr"},
        "tracker_channels": {"tracker_channels": ["All", "Inbound"]},
        "scorecard": {"scorecard": ["new_mqls", "revenue_won"]},
        "gross_margin, monthly_churn_rate": {"gross_margin": 0.8, "monthly_churn_rate": 0.02},
        "hubspot.full_sync_every_days": {"hubspot": {"full_sync_every_days": 1}},
        # Above the default, so the first sync's few dozen calls never wait on the pacing clock.
        "hubspot.requests_per_10s": {"hubspot": {"requests_per_10s": 150}},
        "hubspot.search_requests_per_second": {"hubspot": {"search_requests_per_second": 2}},
        "ads.lookback_days": {"ads": {"lookback_days": 7}},
        "ads.linkedin_channel, ads.google_ads_channel": {
            "ads": {"linkedin_channel": "Other", "google_ads_channel": "Referral"}
        },
        "ads.linkedin_api_version, ads.google_ads_api_version": {"ads": older_api_versions(today)},
        "ga4.lookback_days": {"ga4": {"lookback_days": 7}},
        "ga4.channel_map": {"ga4": {"channel_map": {"Organic Search": "Referral"}}},
        "ga4.scroll_depth_events": {"ga4": {"scroll_depth_events": {25: "scroll_25", 50: "scroll_50"}}},
        "currency_rates": {"currency_rates": {"GBP": 1.2}},
        "bad_records": {"bad_records": "stop"},
    }


def all_together(today: date) -> dict[str, Any]:
    """Every case at once, made consistent (a channel added to the taxonomy needs its group and sources)."""
    merged: dict[str, Any] = {}
    for settings in setting_cases(today).values():
        for key, value in settings.items():
            merged[key] = {**merged[key], **value} if isinstance(value, dict) and key in merged else value
    merged["channel_groups"] = {**EMAIL_OUTBOUND, "Inbound": [*EMAIL_OUTBOUND["Inbound"], "Partners"]}
    merged["channel_map"] = {**MOVED_SOURCE_MAP, "REFERRALS": "Partners"}
    merged["currency_rates"] = {"USD": 0.9, "GBP": 1.2}
    merged["tracker_channels"] = ["All", "Inbound", "Outbound"]
    return merged
