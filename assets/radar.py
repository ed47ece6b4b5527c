"""The expiry radar: what will stop the weekly run soon if nobody acts (Insights tab, latest week).

- The LinkedIn access token lives 60 days; its age comes from ``LINKEDIN_TOKEN_CREATED_AT`` (the date the
  token was generated, which LinkedIn's token tool shows), since the API does not say it.
- API versions are sunset (``resources/api_versions.py`` holds each vendor's dates): a note appears
  :data:`~resources.api_versions.SUNSET_WARNING_DAYS` days ahead, naming the setting and a version to use.
- HubSpot's legacy "Became a … date" properties (``hs_lifecyclestage_<stage>_date``) are retired in favour
  of ``hs_v2_date_entered_<stage>``; contacts dated only by them are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from assets.kpi_math import Insight
from resources.api_versions import GA4_DATA, GOOGLE_ADS, HUBSPOT, LINKEDIN, SHEETS, VersionNotice

LINKEDIN_TOKEN_LIFE_DAYS = 60
WARN_DAYS = 21
# The Insights ``source`` of each API's notes.
_SOURCE_OF = {
    GOOGLE_ADS.api: "google_ads",
    LINKEDIN.api: "linkedin",
    HUBSPOT.api: "hubspot",
    GA4_DATA.api: "ga4",
    SHEETS.api: "pipeline",
}


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


def api_version_radar(notices: Sequence[VersionNotice], week: date) -> list[Insight]:
    """API versions in use whose sunset is within the warning window, or past (then the run has failed).

    Args:
        notices: Where each version a run calls stands today
            (:func:`resources.api_versions.versions_in_use`).
        week: The latest week, which the radar's notes belong to.
    """
    return [
        _note(week, _SOURCE_OF.get(n.lifecycle.api, "other"), "api_version_sunset", n.text(), float(n.days_left))
        for n in notices
        if n.state in ("ending", "retired") and n.days_left is not None
    ]


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
