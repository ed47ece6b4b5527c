"""LinkedIn Ads: the synthetic account's campaign templates and the fixture part rendered from the world.

Templates feed the roster in ``synthetic.ads``; :func:`linkedin_fixture` is called by ``generate_demo_fixture``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from emulators.synthetic.company import HOUR_MS, _midnight_ms

if TYPE_CHECKING:
    from emulators.synthetic.ads import AdCampaign
    from emulators.synthetic.world import World


LINKEDIN_ACCOUNT_ID = "512388408"


class _LinkedInTemplate(NamedTuple):
    name: str
    utm: str | None  # None: the quarterly demo-request name HubSpot records as source_data_2
    objective: str
    cost_type: str
    share: float
    ctr: float
    cpc: float  # USD
    landing: float  # landing-page clicks per click
    conversion: float  # website conversions per landing-page click
    lead_form: float  # one-click leads per click


# Lead-gen forms keep the visitor on LinkedIn: few landing-page clicks, many one-click leads.
_LINKEDIN_TEMPLATES: tuple[_LinkedInTemplate, ...] = (
    _LinkedInTemplate(
        "Demo request – Website", None, "WEBSITE_CONVERSION", "CPC", 0.34, 0.0058, 9.4, 0.95, 0.03, 0.0
    ),
    _LinkedInTemplate(
        "Lead gen – Buyer's guide", "li_buyers_guide_leadgen", "LEAD_GENERATION", "CPM",
        0.18, 0.0082, 7.1, 0.4, 0.0, 0.11,
    ),
    _LinkedInTemplate(
        "Retargeting – Site visitors", "li_retargeting_site_visitors", "WEBSITE_CONVERSION", "CPM",
        0.18, 0.0096, 5.6, 0.95, 0.035, 0.0,
    ),
    _LinkedInTemplate(
        "Thought leadership – Benchmark report", "li_benchmark_report", "WEBSITE_VISIT", "CPM",
        0.16, 0.0044, 8.2, 0.94, 0.012, 0.0,
    ),
    _LinkedInTemplate(
        "ABM – Target accounts", "li_abm_target_accounts", "WEBSITE_CONVERSION", "CPC",
        0.14, 0.0049, 12.6, 0.95, 0.025, 0.0,
    ),
    _LinkedInTemplate(
        "Event – Webinar registrations", "li_webinar_registrations", "LEAD_GENERATION", "CPC",
        0.10, 0.0071, 6.3, 0.4, 0.0, 0.09,
    ),
)  # fmt: skip
_LINKEDIN_SESSION_RATE = 0.98
_LINKEDIN_GROUPS = ("Always-on demand", "Awareness")


def _linkedin_costs(cents: int, tail: int) -> tuple[str, str]:
    """``costInLocalCurrency`` and ``costInUsd``: BigDecimal strings, the local one with its long tail."""
    whole, frac = divmod(cents, 100)
    usd = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
    # "107.53" + 335346e-19 → "107.5300000000000335346", the shape LinkedIn really returns.
    local = f"{whole}.{frac:02d}{tail:017d}" if tail else usd
    return local, usd


def _linkedin_date(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _linkedin_campaign(world: World, campaign: AdCampaign, end: date) -> dict[str, Any]:
    pauses = [
        a
        for a in world.anomalies(campaign.created, end)
        if a.kind == "linkedin_campaign_paused" and a.campaign_id == campaign.id
    ]
    # Status changes happen in the morning (UTC) of the day a pause starts or ends.
    changes = [_midnight_ms(d) + 9 * HOUR_MS for a in pauses for d in (a.start, a.end) if d < end]
    created_ms = _midnight_ms(campaign.created) - 3 * HOUR_MS
    last_day = end - timedelta(days=1)
    paused_now = any(a.covers(last_day) for a in pauses)
    return {
        "id": int(campaign.id),
        "name": campaign.name,
        "account": f"urn:li:sponsoredAccount:{LINKEDIN_ACCOUNT_ID}",
        "campaignGroup": f"urn:li:sponsoredCampaignGroup:{campaign.group_id}",
        "status": "PAUSED" if paused_now else "ACTIVE",
        "type": "SPONSORED_UPDATES",
        "costType": campaign.cost_type,
        "objectiveType": campaign.objective,
        "dailyBudget": {"amount": f"{campaign.daily_budget:.2f}", "currencyCode": "USD"},
        "runSchedule": {"start": _midnight_ms(campaign.created)},
        "changeAuditStamps": {
            "created": {"time": created_ms},
            "lastModified": {"time": max([created_ms, *changes])},
        },
    }


def linkedin_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the LinkedIn Ads part: the account's campaigns and their daily analytics ``[start, end)``.

    Analytics elements are those of ``GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY``
    (counts as numbers, costs as BigDecimal strings); campaign-days without impressions are absent.
    Conversions are as reported on ``end``: recent days still gain some in later fixtures.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"account_id", "currency", "campaigns": [...], "analytics": [...]}``.
    """
    campaigns = [_linkedin_campaign(world, c, end) for c in world.campaigns("linkedin") if c.created < end]
    analytics: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        when = _linkedin_date(day)
        for row in world.ads_day(day):
            if row.campaign.platform != "linkedin":
                continue
            local, usd = _linkedin_costs(row.cost_cents, row.cost_tail)
            analytics.append(
                {
                    "dateRange": {"start": when, "end": dict(when)},
                    "pivotValues": [f"urn:li:sponsoredCampaign:{row.campaign.id}"],
                    "impressions": row.impressions,
                    "clicks": row.clicks,
                    "landingPageClicks": row.landing_page_clicks,
                    "costInLocalCurrency": local,
                    "costInUsd": usd,
                    "externalWebsiteConversions": round(row.conversions(end)),
                    "oneClickLeads": row.one_click_leads,
                }
            )
    return {"account_id": LINKEDIN_ACCOUNT_ID, "currency": "USD", "campaigns": campaigns, "analytics": analytics}
