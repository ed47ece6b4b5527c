"""The expiry radar: LinkedIn token age, API versions near their sunset, retired HubSpot properties."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assets.radar import api_version_radar, legacy_property_radar, linkedin_token_radar
from resources.api_versions import versions_in_use

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


def _version_notes(today: date, *, google_ads: str | None = "v26", linkedin: str | None = "202608") -> list:
    return api_version_radar(versions_in_use(google_ads=google_ads, linkedin=linkedin, today=today), WEEK)


def test_api_versions_warn_60_days_before_their_sunset():
    assert _version_notes(TODAY) == []  # the defaults; HubSpot v4's end of support is 126 days away
    # 60 days before HubSpot ends support for v4 (2027-03-30), which this release calls for associations.
    hubspot = _version_notes(date(2027, 1, 29))
    assert [(n.source, n.flag, n.value) for n in hubspot] == [("hubspot", "api_version_sunset", 60.0)]
    assert hubspot[0].detail == (
        "HubSpot API v4 (deal-contact associations) reaches its end of support on 2027-03-30, in 60 days: "
        "upgrade funnel-ledger to a release that calls the vendor's newer versions"
    )
    assert _version_notes(date(2027, 1, 28)) == []  # 61 days ahead
    # On 2026-12-03, Google Ads v23 (projected for February 2027, taken as the 1st) is 60 days from its
    # sunset and LinkedIn 202601 (2027-01-15) 43 days.
    ads = _version_notes(date(2026, 12, 3), google_ads="v23", linkedin="202601")
    assert [(n.source, n.value) for n in ads] == [("google_ads", 60.0), ("linkedin", 43.0)]
    assert ads[1].detail == (
        "LinkedIn Marketing API 202601 reaches its sunset on 2027-01-15, in 43 days: "
        "set ads.linkedin_api_version to 202608, served until about 2027-08-15 (projected)"
    )
    assert ads[0].detail.startswith("Google Ads API v23 reaches its sunset on about 2027-02-01 (projected), in 60")


def test_an_api_version_past_its_sunset_is_flagged_with_the_version_to_use():
    notes = _version_notes(TODAY, google_ads="v22", linkedin="202511")
    assert [(n.source, n.value) for n in notes] == [("google_ads", -48.0), ("linkedin", -8.0)]
    assert notes[0].detail == (
        "Google Ads API v22 reached its sunset on 2026-10-07: set ads.google_ads_api_version to v26, served "
        "until about 2027-11-01 (projected)"
    )
    # Unconfigured platforms are not judged; a version the table does not list is reported, not guessed.
    assert _version_notes(TODAY, google_ads=None, linkedin=None) == []
    assert _version_notes(TODAY, google_ads="v27", linkedin=None) == []


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
