"""The synthetic company's constants: time units, RNG streams, the calendar's volume knobs and its channel mix.

Imported by every module of :mod:`emulators.synthetic`; nothing here draws a random number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import accumulate

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# RNG stream ids: the third word of each day's seed sequence. One stream per concern, so that a new
# fixture part (drawing from its own stream) leaves every existing part byte-for-byte unchanged.
STREAM_DAY = 0  # day-level shocks shared by every source (a good day has more sessions *and* leads)
STREAM_HUBSPOT = 1  # contacts and their journeys
STREAM_WEB = 2  # GA4 sessions (sub-stream 0: counts per bucket, 1: each session's details)
STREAM_ADS = 3  # LinkedIn Ads / Google Ads daily rows, and the GA4 sessions their clicks become
STREAM_EVENTS = 4  # per seed, not per day: the ad-campaign roster and each year's anomaly calendar

# Growth is anchored to a fixed calendar date, never to `today`, so a day's volume does not move when the
# fixture is regenerated later; it is clamped so that far-away dates stay sane.
_TREND_ANCHOR = date(2026, 7, 1)
_TREND_PER_YEAR = 1.15
_TREND_BOUNDS = (0.6, 1.6)
# Monday..Sunday; averages to 1.0 so `contacts_per_day` stays the mean daily volume.
_WEEKDAY_FACTOR = (1.15, 1.25, 1.2, 1.15, 1.0, 0.6, 0.65)
# The summer dip: buyers on holiday from mid-July to the end of August, deepest (-22%) early in August.
# It starts after July 4th so that the days before it keep the volumes they always had.
_SUMMER_DIP = ((7, 13), (9, 1), 0.22)
_MAX_CONTACTS_PER_DAY = 200.0  # keeps the per-day index below 1000 (ids are ordinal * 1000 + index)


@dataclass(frozen=True)
class SourceProfile:
    """How one ``hs_analytics_source`` value behaves in the simulated world.

    Attributes:
        source: The HubSpot internal value (None: the property is empty).
        weight: Share of new contacts.
        data_1: ``hs_analytics_source_data_1`` values and their weights.
        quality: Multiplier on the lead → MQL and MQL → SQL conversion rates.
        visit_to_contact: Contacts per web session (sessions = demand ÷ this; about 2-4%, so that the
            visit → lead rate lands at 1-3% once subscribers and spam are left out).
    """

    source: str | None
    weight: float
    data_1: tuple[tuple[str | None, float], ...]
    quality: float
    visit_to_contact: float


SOURCES: tuple[SourceProfile, ...] = (
    SourceProfile("ORGANIC_SEARCH", 0.24, (("google", 0.86), ("bing", 0.1), ("duckduckgo", 0.04)), 1.0, 0.028),
    SourceProfile("PAID_SEARCH", 0.14, (("google", 0.9), ("bing", 0.1)), 1.05, 0.034),
    SourceProfile("PAID_SOCIAL", 0.13, (("linkedin", 0.82), ("facebook", 0.18)), 0.75, 0.03),
    SourceProfile("SOCIAL_MEDIA", 0.06, (("linkedin", 0.6), ("twitter", 0.25), ("youtube", 0.15)), 0.8, 0.02),
    SourceProfile("EMAIL_MARKETING", 0.08, (("newsletter", 0.55), ("nurture", 0.45)), 0.9, 0.036),
    SourceProfile("REFERRALS", 0.07, (("g2", 0.45), ("capterra", 0.25), ("partner-site.example", 0.3)), 1.35, 0.038),
    SourceProfile(
        "AI_REFERRALS",
        0.04,
        (("chatgpt.com", 0.7), ("perplexity.ai", 0.2), ("gemini.google.com", 0.1)),
        1.2,
        0.036,
    ),
    SourceProfile("DIRECT_TRAFFIC", 0.12, ((None, 1.0),), 1.1, 0.032),
    SourceProfile("OFFLINE", 0.06, (("IMPORT", 0.5), ("CRM_UI", 0.35), ("INTEGRATION", 0.15)), 1.3, 1.0),
    SourceProfile("OTHER_CAMPAIGNS", 0.03, (("webinar", 0.6), ("partner_campaign", 0.4)), 0.85, 0.036),
    # The untidy tail every real portal has: no source at all, and a value newer than our channel map.
    SourceProfile(None, 0.02, ((None, 1.0),), 0.9, 0.032),
    SourceProfile("SOME_NEW_SOURCE", 0.01, (("unknown", 1.0),), 0.9, 0.032),
)
_SOURCE_CUM = tuple(accumulate(p.weight for p in SOURCES))

_PROFILE_BY_SOURCE: dict[str | None, SourceProfile] = {p.source: p for p in SOURCES}

# Traffic that comes from an ad platform's clicks, by (hs_analytics_source, source_data_1).
_AD_DRIVEN: dict[tuple[str, str], str] = {
    ("PAID_SOCIAL", "linkedin"): "linkedin",
    ("PAID_SEARCH", "google"): "google_ads",
}


def _ad_driven_share(source: str, platform: str) -> float:
    """Share of a source's sessions that come from one ad platform (its ``source_data_1`` weight)."""
    data_1 = next(d for (s, d), p in _AD_DRIVEN.items() if s == source and p == platform)
    return dict(_PROFILE_BY_SOURCE[source].data_1)[data_1]


def _midnight_ms(day: date) -> int:
    return (day - _EPOCH.date()).days * DAY_MS


def _campaign_name(source: str | None, day: date) -> str:
    quarter = (day.month - 1) // 3 + 1
    kind = "search" if source == "PAID_SEARCH" else "social"
    return f"{day.year}_q{quarter}_{kind}_demo_request"
