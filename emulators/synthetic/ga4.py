"""GA4: traffic buckets, each day's session counts, and the sessions themselves with their returning users.

Simulated for :class:`~emulators.synthetic.world.World`; :func:`ga4_fixture` is called by ``generate_demo_fixture``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from emulators.synthetic.anomalies import _OUTAGE_RECORDED, _active
from emulators.synthetic.company import _AD_DRIVEN, _PROFILE_BY_SOURCE, SOURCES, STREAM_WEB

if TYPE_CHECKING:
    from emulators.synthetic.world import World


GA4_PROPERTY_ID = "123456"
GA4_CHANNEL_GROUPS: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Unassigned",
    "Display",
    "Cross-network",
)


@dataclass(frozen=True)
class WebBucket:
    """One GA4 traffic slice: channel group × source / medium × campaign.

    Attributes:
        channel_group: GA4 ``sessionDefaultChannelGroup``.
        source_medium: GA4 ``sessionSourceMedium``.
        campaign: GA4 ``sessionCampaignName``.
        source: The HubSpot ``hs_analytics_source`` whose demand drives the slice.
        engagement_rate: Share of first-time visitors' sessions that are engaged (returning: +0.08).
        new_user_share: Share of the slice's sessions that are a user's first.
        key_event_rate: Key-event probability of an engaged session.
    """

    channel_group: str
    source_medium: str
    campaign: str
    source: str | None
    engagement_rate: float
    new_user_share: float
    key_event_rate: float


@dataclass(frozen=True)
class WebDay:
    """GA4's day in counts: the sessions and the first-time users of each bucket.

    Attributes:
        day: The calendar day (property time zone, UTC).
        outage: Whether the tag was broken that day (only a few percent of sessions recorded).
        buckets: The traffic slices.
        sessions: Recorded sessions per bucket.
        new_users: Sessions per bucket that are a user's first-ever session.
    """

    day: date
    outage: bool
    buckets: tuple[WebBucket, ...]
    sessions: tuple[int, ...]
    new_users: tuple[int, ...]

    @property
    def first_visits(self) -> int:
        """Users first seen this day: the pool later sessions return from."""
        return sum(self.new_users)


# GA4 renders each (hs_analytics_source, source_data_1) as one slice; paid LinkedIn and Google traffic
# is not listed: it comes from the ad platforms' clicks, one slice per campaign.
_WEB_ORIGINS: dict[tuple[str | None, str | None], tuple[str, str, str]] = {
    ("ORGANIC_SEARCH", "google"): ("Organic Search", "google / organic", "(organic)"),
    ("ORGANIC_SEARCH", "bing"): ("Organic Search", "bing / organic", "(organic)"),
    ("ORGANIC_SEARCH", "duckduckgo"): ("Organic Search", "duckduckgo / organic", "(organic)"),
    ("PAID_SEARCH", "bing"): ("Paid Search", "bing / cpc", "bing_search_generic"),
    ("PAID_SOCIAL", "facebook"): ("Paid Social", "facebook / paid_social", "fb_retargeting"),
    ("SOCIAL_MEDIA", "linkedin"): ("Organic Social", "linkedin.com / referral", "(referral)"),
    ("SOCIAL_MEDIA", "twitter"): ("Organic Social", "t.co / referral", "(referral)"),
    ("SOCIAL_MEDIA", "youtube"): ("Organic Social", "youtube.com / referral", "(referral)"),
    ("EMAIL_MARKETING", "newsletter"): ("Email", "newsletter / email", "monthly_newsletter"),
    ("EMAIL_MARKETING", "nurture"): ("Email", "hubspot / email", "nurture_trial_onboarding"),
    ("REFERRALS", "g2"): ("Referral", "g2.com / referral", "(referral)"),
    ("REFERRALS", "capterra"): ("Referral", "capterra.com / referral", "(referral)"),
    ("REFERRALS", "partner-site.example"): ("Referral", "partner-site.example / referral", "(referral)"),
    ("AI_REFERRALS", "chatgpt.com"): ("Referral", "chatgpt.com / referral", "(referral)"),
    ("AI_REFERRALS", "perplexity.ai"): ("Referral", "perplexity.ai / referral", "(referral)"),
    ("AI_REFERRALS", "gemini.google.com"): ("Referral", "gemini.google.com / referral", "(referral)"),
    ("DIRECT_TRAFFIC", None): ("Direct", "(direct) / (none)", "(direct)"),
    ("OTHER_CAMPAIGNS", "webinar"): ("Unassigned", "zoom / webinar", "webinar_series"),
    ("OTHER_CAMPAIGNS", "partner_campaign"): ("Unassigned", "partner / co-marketing", "partner_co_marketing"),
    (None, None): ("Unassigned", "(not set) / (not set)", "(not set)"),
    ("SOME_NEW_SOURCE", "unknown"): ("Display", "adroll / display", "retargeting_display"),
}

# (engagement rate of first visits, share of sessions that are a user's first): B2B-typical values;
# paid social and display bring many one-page visits from new people, email brings people back.
_GROUP_BEHAVIOUR: dict[str, tuple[float, float]] = {
    "Organic Search": (0.62, 0.74),
    "Paid Search": (0.58, 0.80),
    "Paid Social": (0.42, 0.86),
    "Organic Social": (0.47, 0.70),
    "Email": (0.68, 0.25),
    "Referral": (0.66, 0.72),
    "Direct": (0.55, 0.45),
    "Unassigned": (0.34, 0.60),
    "Display": (0.22, 0.88),
    "Cross-network": (0.38, 0.82),
}
_RETURNING_ENGAGEMENT_BONUS = 0.08
# Key events (form submissions, demo requests) per session ≈ 1.15 × contacts per session: most create a
# contact, some come from people already in the CRM.
_KEY_EVENTS_PER_CONTACT = 1.15

_SAME_DAY_RETURN = 0.12  # share of returning sessions whose user was first seen earlier that day
_RETURN_LAG_MEAN_DAYS = 10.0
_RETURN_LAG_MAX_DAYS = 120


def _bucket(source: str | None, group: str, source_medium: str, campaign: str) -> WebBucket:
    engagement, new_share = _GROUP_BEHAVIOUR[group]
    vtc = _PROFILE_BY_SOURCE[source].visit_to_contact
    return WebBucket(
        channel_group=group,
        source_medium=source_medium,
        campaign=campaign,
        source=source,
        engagement_rate=engagement,
        new_user_share=new_share,
        key_event_rate=min(0.9, _KEY_EVENTS_PER_CONTACT * vtc / engagement),
    )


def _static_buckets() -> tuple[tuple[WebBucket, float], ...]:
    """The buckets driven directly by demand, each with its share of its source's sessions."""
    out = []
    for profile in SOURCES:
        if profile.source == "OFFLINE":  # imports and sales-entered contacts never visited the site
            continue
        for data_1, weight in profile.data_1:
            if (profile.source, data_1) in _AD_DRIVEN:
                continue
            group, source_medium, campaign = _WEB_ORIGINS[(profile.source, data_1)]
            out.append((_bucket(profile.source, group, source_medium, campaign), weight))
    return tuple(out)


_STATIC_BUCKETS = _static_buckets()
_STATIC_SHARE = np.array([share for _, share in _STATIC_BUCKETS])
_STATIC_VTC = np.array([_PROFILE_BY_SOURCE[b.source].visit_to_contact for b, _ in _STATIC_BUCKETS])


def _ad_buckets(world: World, day: date) -> tuple[WebBucket, ...]:
    return tuple(
        _bucket(
            "PAID_SOCIAL" if c.platform == "linkedin" else "PAID_SEARCH",
            c.channel_group,
            "linkedin / paid_social" if c.platform == "linkedin" else "google / cpc",
            c.ga4_campaign(day),
        )
        for platform in ("linkedin", "google_ads")
        for c in world.campaigns(platform)
    )


def _simulate_web_day(world: World, day: date) -> WebDay:
    _, demand = world.demand(day)
    rng = world.rng(day, STREAM_WEB, 0)
    source_sessions = np.array([demand[b.source] for b, _ in _STATIC_BUCKETS]) / _STATIC_VTC * _STATIC_SHARE
    static = rng.poisson(source_sessions * rng.lognormal(0.0, 0.08, len(_STATIC_BUCKETS)))
    by_campaign = {row.campaign.id: row.sessions for row in world.ads_day(day)}
    paid = [by_campaign.get(c.id, 0) for p in ("linkedin", "google_ads") for c in world.campaigns(p)]
    buckets = tuple(b for b, _ in _STATIC_BUCKETS) + _ad_buckets(world, day)
    counts = np.concatenate([static, np.array(paid, dtype=np.int64)])
    outage = _active(world, "ga4_tracking_outage", day)
    if outage:
        counts = rng.binomial(counts, _OUTAGE_RECORDED)
    new = rng.binomial(counts, [b.new_user_share for b in buckets])
    return WebDay(
        day=day,
        outage=outage,
        buckets=buckets,
        sessions=tuple(counts.tolist()),
        new_users=tuple(new.tolist()),
    )


def _returning_user(world: World, day: date, lag: int, u: float) -> str:
    """The user of a returning session: one of the users first seen ``lag`` days before ``day``."""
    birth = day - timedelta(days=lag)
    for _ in range(_RETURN_LAG_MAX_DAYS * 3):
        first_visits = world.web_day(birth).first_visits
        if first_visits:
            return world._user_id_prefix(birth) + str(int(u * first_visits))
        birth -= timedelta(days=1)  # nobody new that day (an outage, a tiny world): an earlier day
    # A world so small that nobody arrived for a year: a visitor from before anything was recorded.
    return world._user_id_prefix(day - timedelta(days=lag)) + "0"


def _ga4_day_sessions(world: World, day: date) -> list[dict[str, Any]]:
    web = world.web_day(day)
    sessions = np.array(web.sessions, dtype=np.int64)
    new_counts = np.array(web.new_users, dtype=np.int64)
    index = np.arange(len(web.buckets))
    # First-time sessions come first, so a same-day return always follows its user's first session.
    bucket = np.concatenate([np.repeat(index, new_counts), np.repeat(index, sessions - new_counts)])
    n = len(bucket)
    n_new = int(new_counts.sum())
    is_new = np.arange(n) < n_new
    rng = world.rng(day, STREAM_WEB, 1)

    engagement = np.array([b.engagement_rate for b in web.buckets])[bucket]
    engaged = rng.random(n) < engagement + _RETURNING_ENGAGEMENT_BONUS * ~is_new
    # GA4's rule: engaged = over 10 s, or 2+ page views, or a key event; so bounces are short one-pagers.
    engaged_duration = np.minimum(10.0 + rng.lognormal(math.log(95.0), 0.85, n), 3_600.0)
    bounce_duration = np.where(rng.random(n) < 0.55, 0.0, rng.uniform(0.3, 10.0, n))
    duration = np.round(np.where(engaged, engaged_duration, bounce_duration), 1)
    pageviews = np.where(engaged, 1 + rng.poisson(1.3 + 0.5 * ~is_new), 1)
    key_rate = np.array([b.key_event_rate for b in web.buckets])[bucket]
    key_events = np.where(engaged & (rng.random(n) < key_rate), 1 + (rng.random(n) < 0.08), 0)
    scroll_25 = rng.binomial(pageviews, np.where(engaged, 0.8, 0.3))
    scroll_50 = rng.binomial(scroll_25, 0.68)
    scroll_75 = rng.binomial(scroll_50, 0.6)
    scroll_90 = rng.binomial(scroll_75, 0.55)
    n_returning = n - n_new
    lags = np.where(
        rng.random(n_returning) < _SAME_DAY_RETURN,
        0,
        np.minimum(1 + np.floor(rng.exponential(_RETURN_LAG_MEAN_DAYS, n_returning)), _RETURN_LAG_MAX_DAYS),
    ).astype(int)
    picks = rng.random(n_returning)

    prefix = world._user_id_prefix(day)
    users = [prefix + str(j) for j in range(n_new)]
    users += [_returning_user(world, day, lag, u) for lag, u in zip(lags.tolist(), picks.tolist(), strict=True)]
    on = day.isoformat()
    out: list[dict[str, Any]] = []
    for i, b, new, eng, dur, pv, ke, s25, s50, s75, s90 in zip(
        range(n),
        bucket.tolist(),
        is_new.tolist(),
        engaged.tolist(),
        duration.tolist(),
        pageviews.tolist(),
        key_events.tolist(),
        scroll_25.tolist(),
        scroll_50.tolist(),
        scroll_75.tolist(),
        scroll_90.tolist(),
        strict=True,
    ):
        events: dict[str, int] = {}
        if s25:  # counts are nested (90 ⊂ 75 ⊂ 50 ⊂ 25), so the first zero ends the list
            events["scroll_25"] = s25
            if s50:
                events["scroll_50"] = s50
                if s75:
                    events["scroll_75"] = s75
                    if s90:
                        events["scroll_90"] = s90
        bk = web.buckets[b]
        out.append(
            {
                "date": on,
                "user": users[i],
                "new_user": new,
                "channel_group": bk.channel_group,
                "source_medium": bk.source_medium,
                "campaign": bk.campaign,
                "engaged": eng,
                "duration_s": dur,
                "pageviews": pv,
                "key_events": ke,
                "events": events,
            }
        )
    return out


# --- HubSpot rendering -------------------------------------------------------------------------------


def ga4_sessions(world: World, *, start: date, end: date) -> list[dict[str, Any]]:
    """The GA4 sessions of the days ``[start, end)``, one record per session.

    Each day's sessions depend only on ``(seed, day)``: a returning user is drawn from the users first
    seen on an earlier day, through that day's counts, which nothing about the window changes.

    Args:
        world: The simulated world.
        start: First day.
        end: Day after the last one.

    Returns:
        Session records (DESIGN.md §4): date, user, new_user, channel_group, source_medium, campaign,
        engaged, duration_s, pageviews, key_events and events (``scroll_25`` … ``scroll_90`` counts,
        zero counts left out).
    """
    out: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        out.extend(_ga4_day_sessions(world, start + timedelta(days=offset)))
    return out


def ga4_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the GA4 part: the property and its sessions ``[start, end)``.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"property_id", "time_zone", "sessions": [...]}``.
    """
    return {"property_id": GA4_PROPERTY_ID, "time_zone": "UTC", "sessions": ga4_sessions(world, start=start, end=end)}
