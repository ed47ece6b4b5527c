"""How the KPI step reads the sources: currency conversion, unconfigured sources, versions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assets.weekly_kpis import ad_frame, with_versions
from settings import SettingsError, parse_settings

pytestmark = pytest.mark.unit


def _ads(currency_cost: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": ["linkedin", "google_ads"],
            "date": [date(2024, 1, 2), date(2024, 1, 3)],
            "campaign_id": ["1", "2"],
            "cost": [currency_cost, 10.0],
        }
    )


def test_a_foreign_currency_needs_a_rate_and_is_converted_with_it():
    with pytest.raises(SettingsError, match=r"LinkedIn Ads reports amounts in EUR.*currency_rates: \{EUR"):
        ad_frame(_ads(100.0), parse_settings({}), {"linkedin": "EUR", "google_ads": "USD"})
    converted = ad_frame(
        _ads(100.0), parse_settings({"currency_rates": {"EUR": 1.25}}), {"linkedin": "EUR", "google_ads": "USD"}
    )
    assert converted["spend"].tolist() == [125.0, 10.0]
    same = ad_frame(_ads(100.0), parse_settings({"currency": "EUR"}), {"linkedin": "EUR", "google_ads": None})
    assert same["spend"].tolist() == [100.0, 10.0]


def test_versions_change_only_for_the_kpis_whose_settings_changed():
    values = pd.DataFrame(
        {
            "week_start": [date(2024, 1, 1)] * 3,
            "kpi_id": ["new_leads", "ad_spend", "sessions"],
            "channel": ["All"] * 3,
            "value": [1.0, 2.0, 3.0],
        }
    )
    base = with_versions(values, parse_settings({})).set_index("kpi_id")["kpi_version"]
    stages = with_versions(
        values,
        parse_settings({"stages": ["lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]}),
    ).set_index("kpi_id")["kpi_version"]
    assert stages["new_leads"] != base["new_leads"]
    assert stages["ad_spend"] == base["ad_spend"] and stages["sessions"] == base["sessions"]
    remapped = with_versions(values, parse_settings({"ads": {"linkedin_channel": "Other"}})).set_index("kpi_id")
    assert remapped.loc["ad_spend", "kpi_version"] != base["ad_spend"]
    assert remapped.loc["new_leads", "kpi_version"] == base["new_leads"]
    assert all(v.startswith("1.") and len(v) == 8 for v in base)


def test_optional_scroll_depth_kpis_get_a_version_like_every_other_kpi():
    values = pd.DataFrame(
        {
            "week_start": [date(2024, 1, 1)] * 2,
            "kpi_id": ["scroll_depth_25", "sessions"],
            "channel": ["All"] * 2,
            "value": [7.0, 3.0],
        }
    )
    settings = parse_settings({"ga4": {"scroll_depth_events": {25: "scroll_25"}}})
    versioned = with_versions(values, settings).set_index("kpi_id")["kpi_version"]
    assert versioned.notna().all()
    assert versioned["scroll_depth_25"].startswith("1.") and len(versioned["scroll_depth_25"]) == 8
    renamed = parse_settings({"ga4": {"scroll_depth_events": {25: "deep_read"}}})
    assert (
        with_versions(values, renamed).set_index("kpi_id").loc["scroll_depth_25", "kpi_version"]
        != (versioned["scroll_depth_25"])
    )


def test_the_active_catalog_places_switched_on_kpis_in_catalog_order():
    from assets.kpi_math import CATALOG, active_catalog

    assert active_catalog() == CATALOG
    ids = [kpi.kpi_id for kpi in active_catalog({50: "s50", 25: "s25"})]
    at = ids.index("key_events")
    assert ids[at + 1 : at + 3] == ["scroll_depth_25", "scroll_depth_50"]
    assert len(ids) == len(CATALOG) + 2


def test_definitions_name_a_mapping_setting_custom_only_when_it_differs_from_the_default():
    from assets.tracker import definition_rows

    def settings_of(kpi_id: str, raw: dict) -> str:
        return next(row.settings for row in definition_rows(parse_settings(raw)) if row.kpi_id == kpi_id)

    assert settings_of("sessions", {}) == (
        "timezone=UTC; week_start=monday; ga4_channel_map=default; channel_groups=default"
    )
    moved = {
        "channel_groups": {
            "Inbound": ["Organic Search"],
            "Outbound": [
                "Paid Search",
                "Paid Social",
                "Organic Social",
                "Email",
                "Referral",
                "Direct",
                "Offline",
                "Other",
            ],
        }
    }
    assert "channel_groups=custom" in settings_of("sessions", moved)
    assert "ad_platform_channels=custom" in settings_of("ad_spend", {"ads": {"linkedin_channel": "Other"}})
    assert "ad_platform_channels=default" in settings_of("ad_spend", {})
