"""The Google Ads emulator's data: one customer account with its campaigns and daily metric rows.

:func:`load_account` reads a fixture's ``google_ads`` part for :class:`~emulators.google_ads.app.GoogleAdsEmulator`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from emulators.google_ads.fields import METRIC_BY_JSON, parse_metric


@dataclass
class Campaign:
    """A campaign's attributes as of now."""

    id: int
    name: str
    status: str = "ENABLED"
    channel: str = "SEARCH"


@dataclass
class Stat:
    """One fixture row: a campaign's metrics on one day, keyed by GAQL metric name."""

    day: str
    campaign_id: int
    metrics: dict[str, int | float]


@dataclass
class Account:
    """The served customer (``customer_id`` None serves none), its campaigns by id and stats by day and campaign."""

    customer_id: str | None
    currency: str
    time_zone: str
    descriptive_name: str
    campaigns: dict[int, Campaign]
    stats: list[Stat]


def load_account(data: Mapping[str, Any]) -> Account:
    """Read a fixture's ``google_ads`` part.

    Args:
        data: Mapping with ``customer_id``, optional ``currency``, ``time_zone``, ``descriptive_name``,
            ``campaigns`` and ``rows``.

    Returns:
        The account, with stats sorted by day, then campaign id.

    Raises:
        ValueError: When an id or a metric value is not numeric, or a row has no ``campaign.id``.
    """
    customer = data.get("customer_id")
    customer_id = str(customer).replace("-", "") if customer is not None else None
    if customer_id is not None and not customer_id.isdigit():
        raise ValueError(f"google_ads.customer_id must be numeric, got {customer!r}")
    campaigns: dict[int, Campaign] = {}

    def merge(raw: Mapping[str, Any]) -> int:
        cid = int(str(raw["id"]))
        campaign = campaigns.setdefault(cid, Campaign(cid, str(raw.get("name", f"Campaign {cid}"))))
        if "name" in raw:
            campaign.name = str(raw["name"])
        if "status" in raw:
            campaign.status = str(raw["status"])
        channel = raw.get("advertisingChannelType", raw.get("advertising_channel_type"))
        if channel is not None:
            campaign.channel = str(channel)
        return cid

    stats: list[Stat] = []
    try:
        for index, row in enumerate(data.get("rows") or []):
            cid = merge(row["campaign"])
            metrics: dict[str, int | float] = {}
            for key, raw_value in (row.get("metrics") or {}).items():
                f = METRIC_BY_JSON.get(key)
                if f is not None and raw_value is not None:
                    metrics[f.name] = parse_metric(f, raw_value)
            day = (row.get("segments") or {}).get("date")
            if day is None:
                raise ValueError(f"google_ads.rows[{index}]: segments.date is required")
            stats.append(Stat(date.fromisoformat(str(day)).isoformat(), cid, metrics))
        # Explicit campaign records win over what rows say (they describe the campaign as of now).
        for raw in data.get("campaigns") or []:
            merge(raw)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"google_ads fixture: malformed row or campaign ({exc})") from exc
    stats.sort(key=lambda s: (s.day, s.campaign_id))
    return Account(
        customer_id=customer_id,
        currency=str(data.get("currency", "USD")),
        time_zone=str(data.get("time_zone", "UTC")),
        descriptive_name=str(data.get("descriptive_name", f"Customer {customer_id}")),
        campaigns=campaigns,
        stats=stats,
    )
