"""Paid media shared by LinkedIn Ads and Google Ads: the campaign roster and each campaign's simulated day.

Called by :class:`~emulators.synthetic.world.World`; rendered by ``synthetic.linkedin`` and ``synthetic.google_ads``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from emulators.synthetic.anomalies import _CPC_SPIKE, _active
from emulators.synthetic.company import (
    _PROFILE_BY_SOURCE,
    _TREND_BOUNDS,
    _WEEKDAY_FACTOR,
    STREAM_ADS,
    STREAM_EVENTS,
    _ad_driven_share,
    _campaign_name,
)
from emulators.synthetic.google_ads import _GOOGLE_SESSION_RATE, _GOOGLE_TEMPLATES
from emulators.synthetic.linkedin import _LINKEDIN_GROUPS, _LINKEDIN_SESSION_RATE, _LINKEDIN_TEMPLATES

if TYPE_CHECKING:
    from emulators.synthetic.world import World


@dataclass(frozen=True)
class AdCampaign:
    """One ad campaign of the synthetic LinkedIn Ads account or Google Ads customer.

    Attributes:
        platform: ``"linkedin"`` or ``"google_ads"``.
        id: The platform's campaign id (digits; LinkedIn renders it as a JSON number).
        name: The campaign name shown in the platform.
        objective: LinkedIn ``objectiveType`` or Google Ads advertising channel type.
        cost_type: ``"CPC"`` or ``"CPM"`` (how the platform bills; Google Ads search is CPC).
        channel_group: GA4 default channel group of the sessions its clicks become.
        share: Share of the platform's clicks at full delivery (the roster's shares sum to 1).
        ctr: Typical click-through rate.
        cpc: Typical cost per click, USD.
        landing_rate: Landing-page clicks per click (LinkedIn lead-gen forms keep most clicks on-site).
        session_rate: GA4 sessions per landing-page click (consent banners and early exits lose some).
        conversion_rate: Platform-tracked conversions per landing-page click.
        lead_form_rate: LinkedIn one-click (lead-gen form) leads per click.
        created: First day the campaign can deliver.
        utm_campaign: GA4 ``sessionCampaignName`` of its sessions; None for the quarterly demo-request
            name that HubSpot also records as ``hs_analytics_source_data_2``.
        group_id: LinkedIn campaign group id (None on Google Ads).
        daily_budget: Daily budget, USD.
    """

    platform: str
    id: str
    name: str
    objective: str
    cost_type: str
    channel_group: str
    share: float
    ctr: float
    cpc: float
    landing_rate: float
    session_rate: float
    conversion_rate: float
    lead_form_rate: float
    created: date
    utm_campaign: str | None
    group_id: str | None
    daily_budget: float

    def ga4_campaign(self, day: date) -> str:
        """The GA4 campaign name of the campaign's sessions on ``day``.

        Args:
            day: The calendar day.

        Returns:
            The utm campaign (LinkedIn) or the campaign name itself (Google Ads auto-tagging).
        """
        if self.utm_campaign is not None:
            return self.utm_campaign
        return _campaign_name("PAID_SOCIAL" if self.platform == "linkedin" else "PAID_SEARCH", day)


@dataclass(frozen=True)
class AdDay:
    """One campaign's day as its platform reports it (only days with impressions exist).

    Attributes:
        campaign: The campaign.
        day: The calendar day (in the account's time zone, UTC).
        impressions: Impressions.
        clicks: Clicks.
        landing_page_clicks: Clicks that reached the website.
        cost_cents: Spend in US cents.
        cost_tail: LinkedIn's BigDecimal residue in units of 1e-19 (0: an exact amount).
        one_click_leads: LinkedIn lead-gen form submissions.
        sessions: GA4 sessions the clicks became (before any tracking outage).
        conversion_credits: Each platform conversion's credit (1.0, or a fraction under data-driven
            attribution on Google Ads).
        conversion_lags: Days after the click at which each conversion is recorded.
    """

    campaign: AdCampaign
    day: date
    impressions: int
    clicks: int
    landing_page_clicks: int
    cost_cents: int
    cost_tail: int
    one_click_leads: int
    sessions: int
    conversion_credits: tuple[float, ...]
    conversion_lags: tuple[int, ...]

    def conversions(self, as_of: date) -> float:
        """Conversions the platform reports for this day when asked on ``as_of`` (restated upwards).

        Args:
            as_of: The day of the report (its midnight UTC is the cutoff).

        Returns:
            The sum of the credits of the conversions recorded before ``as_of``.
        """
        age = (as_of - self.day).days
        return sum(c for c, lag in zip(self.conversion_credits, self.conversion_lags, strict=True) if lag < age)


_CONVERSION_LAG_MEAN_DAYS = 4.0  # B2B demo requests often follow the ad click by days
_CONVERSION_WINDOW_DAYS = 30


def _draw_roster(seed: int, contacts_per_day: float) -> tuple[tuple[AdCampaign, ...], tuple[AdCampaign, ...]]:
    """4-6 campaigns per platform, with ids and budgets, from the seed alone."""
    rng = np.random.default_rng([seed, STREAM_EVENTS])
    n_li, n_g = (4 + int(rng.integers(0, 3)) for _ in range(2))
    # Ids grow with creation order, as they do on both platforms.
    li_ids = 400_000_000 + np.cumsum(rng.integers(1_000, 90_000_000, size=len(_LINKEDIN_TEMPLATES)))
    g_ids = 20_000_000_000 + np.cumsum(rng.integers(1_000, 900_000_000, size=len(_GOOGLE_TEMPLATES)))
    group_ids = 600_000_000 + rng.integers(0, 99_999_999, size=len(_LINKEDIN_GROUPS))
    # Budgets cover a busy weekday: peak contacts → paid sessions → clicks → spend, with headroom.
    peak = contacts_per_day * max(_WEEKDAY_FACTOR) * _TREND_BOUNDS[1]

    li_templates = _LINKEDIN_TEMPLATES[:n_li]
    li_total = sum(t.share for t in li_templates)
    li_sessions = peak * _PROFILE_BY_SOURCE["PAID_SOCIAL"].weight / _PROFILE_BY_SOURCE["PAID_SOCIAL"].visit_to_contact
    li_sessions *= _ad_driven_share("PAID_SOCIAL", "linkedin")
    li_per_click = sum(t.share / li_total * t.landing * _LINKEDIN_SESSION_RATE for t in li_templates)
    linkedin = tuple(
        AdCampaign(
            platform="linkedin",
            id=str(int(li_ids[k])),
            name=name,
            objective=objective,
            cost_type=cost_type,
            channel_group="Paid Social",
            share=share / li_total,
            ctr=ctr,
            cpc=cpc,
            landing_rate=landing,
            session_rate=_LINKEDIN_SESSION_RATE,
            conversion_rate=conversion,
            lead_form_rate=lead_form,
            created=date(2023, 2, 6) + timedelta(days=41 * k),
            utm_campaign=utm,
            group_id=str(int(group_ids[0 if objective != "WEBSITE_VISIT" else 1])),
            daily_budget=math.ceil(li_sessions / li_per_click * share / li_total * cpc * 1.3 / 10) * 10.0,
        )
        for k, (name, utm, objective, cost_type, share, ctr, cpc, landing, conversion, lead_form) in enumerate(
            li_templates
        )
    )

    g_templates = _GOOGLE_TEMPLATES[:n_g]
    g_total = sum(t.share for t in g_templates)
    g_sessions = peak * _PROFILE_BY_SOURCE["PAID_SEARCH"].weight / _PROFILE_BY_SOURCE["PAID_SEARCH"].visit_to_contact
    g_clicks = g_sessions * _ad_driven_share("PAID_SEARCH", "google_ads") / _GOOGLE_SESSION_RATE
    google = tuple(
        AdCampaign(
            platform="google_ads",
            id=str(int(g_ids[k])),
            name=name,
            objective=channel_type,
            cost_type="CPC",
            channel_group=group,
            share=share / g_total,
            ctr=ctr,
            cpc=cpc,
            landing_rate=1.0,
            session_rate=_GOOGLE_SESSION_RATE,
            conversion_rate=conversion,
            lead_form_rate=0.0,
            created=date(2022, 10, 3) + timedelta(days=29 * k),
            utm_campaign=name,  # auto-tagging: GA4 shows the Google Ads campaign name
            group_id=None,
            daily_budget=math.ceil(g_clicks * share / g_total * cpc * 1.3 / 10) * 10.0,
        )
        for k, (name, channel_type, group, share, ctr, cpc, conversion) in enumerate(g_templates)
    )
    return linkedin, google


def _conversion_lags(rng: np.random.Generator, count: int) -> list[int]:
    lags = np.floor(rng.exponential(_CONVERSION_LAG_MEAN_DAYS, size=count))
    return np.minimum(lags, _CONVERSION_WINDOW_DAYS - 1).astype(int).tolist()


def _simulate_ads_day(world: World, day: date) -> tuple[AdDay, ...]:
    """Both platforms' campaign-days: expected clicks are set so paid sessions meet the day's demand."""
    _, demand = world.demand(day)
    rng = world.rng(day, STREAM_ADS)
    rows: list[AdDay] = []
    for platform, source in (("linkedin", "PAID_SOCIAL"), ("google_ads", "PAID_SEARCH")):
        campaigns = world.campaigns(platform)
        n = len(campaigns)
        sessions_wanted = (
            demand[source] / _PROFILE_BY_SOURCE[source].visit_to_contact * _ad_driven_share(source, platform)
        )
        exists = np.array([day >= c.created for c in campaigns])
        share = np.array([c.share for c in campaigns]) * exists
        per_click = np.array([c.landing_rate * c.session_rate for c in campaigns])
        # Budget moves to the campaigns that exist; a paused one's share is simply lost (fewer visits).
        denominator = float((share * per_click).sum())
        scale = sessions_wanted / denominator if denominator > 0 else 0.0
        paused = np.array(
            [platform == "linkedin" and _active(world, "linkedin_campaign_paused", day, c.id) for c in campaigns]
        )
        clicks_wanted = scale * share * ~paused
        ctr = np.array([c.ctr for c in campaigns]) * rng.lognormal(0.0, 0.08, n)
        cpc = np.array([c.cpc for c in campaigns]) * rng.lognormal(0.0, 0.10, n)
        if platform == "google_ads" and _active(world, "google_ads_cpc_spike", day):
            cpc *= _CPC_SPIKE[0]
            clicks_wanted *= _CPC_SPIKE[1]
        impressions = rng.poisson(clicks_wanted / ctr)
        clicks = rng.binomial(impressions, ctr)
        landing = rng.binomial(clicks, [c.landing_rate for c in campaigns])
        sessions = rng.binomial(landing, [c.session_rate for c in campaigns])
        leads = rng.binomial(clicks, [c.lead_form_rate for c in campaigns])
        conversions = rng.binomial(landing, [c.conversion_rate for c in campaigns])
        total = int(conversions.sum())
        lags = _conversion_lags(rng, total)
        if platform == "google_ads":
            # Data-driven attribution splits some conversions between campaigns: fractional credits.
            credits = np.where(rng.random(total) < 0.7, 1.0, np.round(rng.uniform(0.2, 0.95, total), 2)).tolist()
        else:
            credits = [1.0] * total
        effective = np.array([cpc[i] if c.cost_type == "CPC" else cpc[i] * c.ctr for i, c in enumerate(campaigns)])
        billed = np.where([c.cost_type == "CPC" for c in campaigns], clicks, impressions)
        cents = np.rint(billed * effective * 100).astype(int)
        tails = rng.integers(1, 1_000_000, size=n) * (rng.random(n) < 0.6)
        offset = 0
        for i, campaign in enumerate(campaigns):
            k = int(conversions[i])
            if impressions[i] > 0:  # no activity, no row (both platforms omit empty days)
                rows.append(
                    AdDay(
                        campaign=campaign,
                        day=day,
                        impressions=int(impressions[i]),
                        clicks=int(clicks[i]),
                        landing_page_clicks=int(landing[i]),
                        cost_cents=int(cents[i]),
                        cost_tail=int(tails[i]) if platform == "linkedin" and cents[i] > 0 else 0,
                        one_click_leads=int(leads[i]),
                        sessions=int(sessions[i]),
                        conversion_credits=tuple(credits[offset : offset + k]),
                        conversion_lags=tuple(lags[offset : offset + k]),
                    )
                )
            offset += k
    return tuple(rows)
