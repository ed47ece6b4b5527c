"""The expiry radar: LinkedIn token age, API versions near their sunset, retired HubSpot properties."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assets.radar import (
    google_ads_version_radar,
    legacy_property_radar,
    linkedin_token_radar,
    linkedin_version_radar,
)

pytestmark = pytest.mark.unit

WEEK = date(2026, 11, 16)
TODAY = date(2026, 11, 24)


def test_linkedin_token_age_against_its_60_day_life():
    assert linkedin_token_radar(date(2026, 11, 1), TODAY, WEEK, configured=True) == []  # 37 days left
    soon = linkedin_token_radar(date(2026, 10, 10), TODAY, WEEK, configured=True)
    assert [(n.flag, n.value) for n in soon] == [("token_expiry", 15.0)]
    assert "expires on 2026-12-09, in 15 days" in soon[0].detail
    expired = linkedin_token_radar(date(2026, 9, 1), TODAY, WEEK, configured=True)
    assert expired[0].value == -24.0 and "expired on 2026-10-31 (24 days ago)" in expired[0].detail
    unknown = linkedin_token_radar(None, TODAY, WEEK, configured=True)
    assert unknown[0].flag == "token_age_unknown" and "LINKEDIN_TOKEN_CREATED_AT" in unknown[0].detail
    assert linkedin_token_radar(None, TODAY, WEEK, configured=False) == []


def test_api_versions_near_their_sunset():
    assert linkedin_version_radar("202610", TODAY, WEEK) == []  # sunset around 2027-10
    near = linkedin_version_radar("202601", TODAY, WEEK)
    assert near[0].flag == "api_version_sunset" and near[0].value == 38.0  # 2027-01-01
    gone = linkedin_version_radar("202506", TODAY, WEEK)
    assert "was sunset around 2026-06-01" in gone[0].detail
    assert google_ads_version_radar("v22", WEEK) == []
    assert "oldest version still served" in google_ads_version_radar("v21", WEEK)[0].detail
    assert "is sunset" in google_ads_version_radar("v19", WEEK)[0].detail


def test_contacts_dated_only_by_retired_properties_are_counted():
    contacts = pd.DataFrame(
        {
            "archived": [False, False, False, True],
            "hs_v2_date_entered_lead": [pd.Timestamp("2024-01-01", tz="UTC"), pd.NaT, pd.NaT, pd.NaT],
            "hs_lifecyclestage_lead_date": [pd.Timestamp("2024-01-01", tz="UTC")] * 2
            + [pd.NaT]
            + [pd.Timestamp("2024-01-01", tz="UTC")],
        }
    )
    notes = legacy_property_radar(contacts, ["lead"], WEEK)
    assert [(n.flag, n.value) for n in notes] == [("retired_properties", 1.0)]  # archived one not counted
    assert legacy_property_radar(contacts.iloc[:1], ["lead"], WEEK) == []
