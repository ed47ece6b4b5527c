"""Google Ads: the synthetic customer's campaign templates and the fixture part rendered from the world.

Templates feed the roster in ``synthetic.ads``; :func:`google_ads_fixture` is called by ``generate_demo_fixture``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from emulators.synthetic.world import World


GOOGLE_ADS_CUSTOMER_ID = "1234567890"


class _GoogleTemplate(NamedTuple):
    name: str
    channel_type: str  # advertisingChannelType
    channel_group: str  # GA4 group of its sessions
    share: float
    ctr: float
    cpc: float  # USD
    conversion: float  # conversions per click


# Performance Max serves across Google's networks, so GA4 files its sessions under Cross-network.
_GOOGLE_TEMPLATES: tuple[_GoogleTemplate, ...] = (
    _GoogleTemplate("Search – Brand", "SEARCH", "Paid Search", 0.20, 0.078, 2.3, 0.06),
    _GoogleTemplate("Search – Generic", "SEARCH", "Paid Search", 0.34, 0.031, 7.4, 0.02),
    _GoogleTemplate("Search – Competitors", "SEARCH", "Paid Search", 0.16, 0.037, 9.8, 0.018),
    _GoogleTemplate("Performance Max – Demo", "PERFORMANCE_MAX", "Cross-network", 0.12, 0.021, 3.9, 0.015),
    _GoogleTemplate("Search – Integrations", "SEARCH", "Paid Search", 0.10, 0.052, 4.2, 0.025),
    _GoogleTemplate("Search – Remarketing (RLSA)", "SEARCH", "Paid Search", 0.08, 0.061, 5.1, 0.04),
)
_GOOGLE_SESSION_RATE = 0.9  # GA4 sessions per Google Ads click


def google_ads_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the Google Ads part: one GAQL result row per campaign and day ``[start, end)``.

    Rows are proto3 JSON as ``googleAds:search`` returns them (int64 as strings, ``conversions`` a
    double, often fractional under data-driven attribution); campaign-days without impressions are absent.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"customer_id", "currency", "time_zone", "rows": [...]}``.
    """
    rows: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        on = day.isoformat()
        for row in world.ads_day(day):
            if row.campaign.platform != "google_ads":
                continue
            rows.append(
                {
                    "campaign": {"id": row.campaign.id, "name": row.campaign.name},
                    "metrics": {
                        "impressions": str(row.impressions),
                        "clicks": str(row.clicks),
                        "costMicros": str(row.cost_cents * 10_000),
                        "conversions": round(float(row.conversions(end)), 6),
                    },
                    "segments": {"date": on},
                }
            )
    return {"customer_id": GOOGLE_ADS_CUSTOMER_ID, "currency": "USD", "time_zone": "UTC", "rows": rows}
