"""The catalog's defaults: funnel stages, channel taxonomy and HubSpot source map.

Ground floor: the settings model starts from them and the pure KPI math falls back to them, so both
import them from here.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)
DEFAULT_CHANNELS: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Offline",
    "Other",
)
DEFAULT_SOURCE_MAP: Mapping[str, str] = {
    "ORGANIC_SEARCH": "Organic Search",
    "PAID_SEARCH": "Paid Search",
    "PAID_SOCIAL": "Paid Social",
    "SOCIAL_MEDIA": "Organic Social",
    "EMAIL_MARKETING": "Email",
    "REFERRALS": "Referral",
    "AI_REFERRALS": "Referral",
    "DIRECT_TRAFFIC": "Direct",
    "OFFLINE": "Offline",
    "OTHER_CAMPAIGNS": "Other",
}
# The Scorecard's headline KPIs: the funnel's counts, traffic, spend and unit costs, pipeline and revenue.
DEFAULT_SCORECARD: tuple[str, ...] = (
    "new_contacts",
    "new_leads",
    "new_mqls",
    "new_sqls",
    "new_opportunities",
    "new_customers",
    "sessions",
    "total_spend",
    "cost_per_lead",
    "cost_per_mql",
    "pipeline_created",
    "revenue_won",
    "win_rate",
    "cac",
    "pipeline_coverage",
)
