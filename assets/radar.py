"""The expiry radar: what will stop the weekly run soon if nobody acts (Insights tab, latest week).

- The LinkedIn access token lives 60 days; its age comes from ``LINKEDIN_TOKEN_CREATED_AT`` (the date the
  token was generated, which LinkedIn's token tool shows), since the API does not say it.
- API versions are sunset: LinkedIn retires a ``YYYYMM`` version about 12 months after its release;
  Google Ads retires its oldest versions (the table below says which were served when last checked).
- HubSpot's legacy "Became a … date" properties (``hs_lifecyclestage_<stage>_date``) are retired in favour
  of ``hs_v2_date_entered_<stage>``; contacts dated only by them are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from assets.kpi_math import Insight

LINKEDIN_TOKEN_LIFE_DAYS = 60
WARN_DAYS = 21
# Google Ads: the oldest version still served when this table was last checked (2026-11: v21 to v26
# active, older ones answer UNSUPPORTED_VERSION). The oldest active version is the next to be sunset.
GOOGLE_ADS_OLDEST_ACTIVE = 21
GOOGLE_ADS_TABLE_CHECKED = "2026-11"


def _note(week: date, source: str, flag: str, detail: str, value: float | None) -> Insight:
    return Insight(week, source, flag, detail, value)


def linkedin_token_radar(created_at: date | None, today: date, week: date, *, configured: bool) -> list[Insight]:
    if not configured:
        return []
    if created_at is None:
        return [
            _note(
                week,
                "linkedin",
                "token_age_unknown",
                "The LinkedIn token expires 60 days after it was generated; set LINKEDIN_TOKEN_CREATED_AT "
                "(YYYY-MM-DD) so the tracker can warn before it does.",
                None,
            )
        ]
    expires = created_at + timedelta(days=LINKEDIN_TOKEN_LIFE_DAYS)
    left = (expires - today).days
    if left > WARN_DAYS:
        return []
    if left < 0:
        detail = (
            f"The LinkedIn token expired on {expires} ({-left} days ago): LinkedIn numbers stop until it is renewed."
        )
    else:
        detail = (
            f"The LinkedIn token expires on {expires}, in {left} days: generate a new one and update "
            "LINKEDIN_ACCESS_TOKEN (and LINKEDIN_TOKEN_CREATED_AT)."
        )
    return [_note(week, "linkedin", "token_expiry", detail, float(left))]


def linkedin_version_radar(version: str, today: date, week: date) -> list[Insight]:
    year, month = int(version[:4]), int(version[4:])
    sunset = date(year + 1, month, 1)
    left = (sunset - today).days
    if left > WARN_DAYS * 3:
        return []
    state = "was sunset" if left < 0 else "is sunset"
    return [
        _note(
            week,
            "linkedin",
            "api_version_sunset",
            f"LinkedIn API version {version} {state} around {sunset} ({left} days): set ads.linkedin_api_version "
            "to a newer YYYYMM after checking LinkedIn's migration notes.",
            float(left),
        )
    ]


def google_ads_version_radar(version: str, week: date) -> list[Insight]:
    number = int(version.lstrip("v"))
    if number < GOOGLE_ADS_OLDEST_ACTIVE:
        detail = (
            f"Google Ads API {version} is sunset: set ads.google_ads_api_version to v{GOOGLE_ADS_OLDEST_ACTIVE + 1} "
            "or newer."
        )
    elif number == GOOGLE_ADS_OLDEST_ACTIVE:
        detail = (
            f"Google Ads API {version} is the oldest version still served (as of {GOOGLE_ADS_TABLE_CHECKED}) and "
            "the next to be sunset: move ads.google_ads_api_version to a newer one."
        )
    else:
        return []
    return [_note(week, "google_ads", "api_version_sunset", detail, float(number))]


def legacy_property_radar(contacts: pd.DataFrame, stages: Sequence[str], week: date) -> list[Insight]:
    """Contacts whose stage dates come only from the retired legacy properties."""
    v2 = [f"hs_v2_date_entered_{s}" for s in stages if f"hs_v2_date_entered_{s}" in contacts.columns]
    legacy = [f"hs_lifecyclestage_{s}_date" for s in stages if f"hs_lifecyclestage_{s}_date" in contacts.columns]
    if not legacy or contacts.empty:
        return []
    live = contacts[~contacts["archived"].astype(bool)]
    has_legacy = live[legacy].notna().any(axis=1)
    has_v2 = live[v2].notna().any(axis=1) if v2 else pd.Series(False, index=live.index)
    only_legacy = int((has_legacy & ~has_v2).sum())
    if not only_legacy:
        return []
    return [
        _note(
            week,
            "hubspot",
            "retired_properties",
            f"{only_legacy} contacts are dated only by HubSpot's retired 'Became a … date' properties "
            "(hs_lifecyclestage_<stage>_date); they still count, but HubSpot no longer maintains them.",
            float(only_legacy),
        )
    ]
