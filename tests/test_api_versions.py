"""The API version table: its own consistency, its agreement with the emulators' calendars, its messages."""

from __future__ import annotations

from datetime import date

import pytest

from emulators.google_ads import GOOGLE_ADS_CALENDAR
from emulators.linkedin import LINKEDIN_CALENDAR
from resources.api_versions import (
    GOOGLE_ADS,
    HUBSPOT,
    LIFECYCLES,
    LINKEDIN,
    SUNSET_WARNING_DAYS,
    retired_version_message,
    version_notice,
)
from settings import Settings

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 3)


def test_every_table_is_ordered_and_dated_sensibly():
    for lifecycle in LIFECYCLES:
        released = [v.released for v in lifecycle.versions if v.released is not None]
        assert released == sorted(released), lifecycle.api
        for version in lifecycle.versions:
            if version.released is not None and version.sunset is not None:
                assert version.released < version.sunset, (lifecycle.api, version.name)
        assert lifecycle.schedule_url.startswith("https://")


def test_the_defaults_are_the_newest_versions_and_live_well_past_today():
    ads = Settings().ads
    assert (ads.google_ads_api_version, ads.linkedin_api_version) == ("v26", "202608")
    assert ads.google_ads_api_version == GOOGLE_ADS.newest().name
    assert ads.linkedin_api_version == LINKEDIN.newest().name
    for lifecycle, name in ((GOOGLE_ADS, "v26"), (LINKEDIN, "202608")):
        newest = lifecycle.newest()
        assert newest.live_on(TODAY)
        assert version_notice(lifecycle, name, TODAY).state == "live"
        assert newest.sunset is not None and (newest.sunset - TODAY).days > SUNSET_WARNING_DAYS
    # Every version released by today that Google still serves is older than the default.
    live = [v.name for v in GOOGLE_ADS.versions if v.live_on(TODAY)]
    assert live == ["v23", "v24", "v25", "v26"]


def test_the_emulators_serve_the_calendars_of_the_table():
    # The emulators import no product code, so each keeps its own copy of the vendor's calendar.
    assert [f"v{v.number}" for v in GOOGLE_ADS_CALENDAR] == [v.name for v in GOOGLE_ADS.versions]
    for served in GOOGLE_ADS_CALENDAR:
        listed = GOOGLE_ADS.listed(f"v{served.number}")
        assert listed is not None and (listed.released, listed.sunset) == (served.released, served.sunset)
    assert [v.name for v in LINKEDIN_CALENDAR] == [v.name for v in LINKEDIN.versions]
    for marketing in LINKEDIN_CALENDAR:
        listed = LINKEDIN.listed(marketing.name)
        assert listed is not None and (listed.released, listed.sunset) == (marketing.released, marketing.sunset)


def test_linkedin_versions_not_listed_are_projected_a_year_on():
    projected = LINKEDIN.find("202609")
    assert projected is not None and projected.projected
    assert (projected.released, projected.sunset) == (date(2026, 9, 1), date(2027, 9, 15))
    assert LINKEDIN.listed("202609") is None
    assert LINKEDIN.find("2026-09") is None and LINKEDIN.find("202613") is None
    assert GOOGLE_ADS.find("v27") is None  # Google publishes no rule to project from


def test_notice_states_on_the_days_around_a_sunset():
    sunset = date(2027, 1, 15)  # LinkedIn 202601
    days = {date(2026, 11, 15): "live", date(2026, 11, 16): "ending", date(2027, 1, 14): "ending", sunset: "retired"}
    for day, state in days.items():
        assert version_notice(LINKEDIN, "202601", day).state == state, day
    assert version_notice(LINKEDIN, "202601", date(2026, 11, 16)).days_left == SUNSET_WARNING_DAYS
    assert version_notice(GOOGLE_ADS, "v27", TODAY).state == "unknown"
    hubspot = version_notice(HUBSPOT, "v4", date(2027, 3, 30))
    assert (hubspot.state, hubspot.purpose) == ("retired", "deal-contact associations")


def test_messages_for_a_refused_version_name_the_setting_the_sunset_and_the_version_to_use():
    assert retired_version_message(GOOGLE_ADS, "v22", "HTTP 404") == (
        "Google Ads API v22 is no longer served, sunset 2026-10-07; it answered HTTP 404: "
        "set ads.google_ads_api_version to v26, served until about 2027-11-01 (projected)"
    )
    assert retired_version_message(LINKEDIN, "202511", "HTTP 426 NONEXISTENT_VERSION") == (
        "LinkedIn Marketing API 202511 is no longer served, sunset 2026-11-16; it answered HTTP 426 "
        "NONEXISTENT_VERSION: set ads.linkedin_api_version to 202608, served until about 2027-08-15 (projected)"
    )
    # A version this release does not list: the newest listed one is the one to use.
    unlisted = retired_version_message(LINKEDIN, "202612", "HTTP 426 NONEXISTENT_VERSION")
    assert "202612 is not served (not a version this release of funnel-ledger lists" in unlisted
    assert unlisted.endswith("set ads.linkedin_api_version to 202608, served until about 2027-08-15 (projected)")
    # The newest version itself refused: nothing newer is known, so say where to look and to upgrade.
    newest = retired_version_message(GOOGLE_ADS, "v26", "HTTP 400 requestError.UNSUPPORTED_VERSION")
    assert newest == (
        "Google Ads API v26 is no longer served, sunset about 2027-11-01 (projected); it answered HTTP 400 "
        "requestError.UNSUPPORTED_VERSION: set ads.google_ads_api_version to a newer version listed at "
        "https://developers.google.com/google-ads/api/docs/sunset-dates (this release of funnel-ledger knows "
        "none newer than v26; upgrade it too)"
    )
    for message in (unlisted, newest):
        assert "\n" not in message
