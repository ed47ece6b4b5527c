"""Runs a parsed GAQL query over the Google Ads emulator's account: filter, segment, sum, sort and render rows.

Called by :mod:`emulators.google_ads.search` for every ``search`` page and ``searchStream`` call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from emulators.google_ads.account import Account
from emulators.google_ads.fields import JSON, encode_value
from emulators.google_ads.gaql import GaqlQuery, matches


def _sort_key(name: str, row: Mapping[str, Any]) -> tuple[bool, Any]:
    value = row.get(name)
    return (value is not None, value if value is not None else 0)


def run_query(account: Account, query: GaqlQuery, customer_id: str) -> tuple[list[JSON], int]:
    """Execute a parsed query; return the rendered rows and how many stored rows were scanned."""
    metric_names = [f for f in query.select if f.category == "metric"]
    metric_conditions = [c for c in query.where if c.field.category == "metric"]
    row_conditions = [c for c in query.where if c.field.category != "metric"]
    by_date = any(f.name == "segments.date" for f in query.select)
    stats_mode = bool(metric_names or metric_conditions) or any(
        f.category == "segment" for f in (*query.select, *(c.field for c in query.where))
    )
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    scanned = 0
    if stats_mode:
        for stat in account.stats:
            scanned += 1
            values = _attribute_values(account, customer_id, stat.campaign_id)
            values["segments.date"] = stat.day
            if not all(matches(c, values.get(c.field.name)) for c in row_conditions):
                continue
            key = (stat.day if by_date else "", stat.campaign_id)
            group = groups.get(key)
            if group is None:
                group = values if by_date else {**values, "segments.date": None}
                groups[key] = group
            for metric, amount in stat.metrics.items():
                group[metric] = group.get(metric, 0) + amount
    else:
        for campaign_id in sorted(account.campaigns):
            scanned += 1
            values = _attribute_values(account, customer_id, campaign_id)
            if all(matches(c, values.get(c.field.name)) for c in row_conditions):
                groups[("", campaign_id)] = values
    rows = [
        values
        for _, values in sorted(groups.items(), key=lambda kv: kv[0])
        if all(matches(c, values.get(c.field.name)) for c in metric_conditions)
    ]
    for f, descending in reversed(query.order_by):
        # Stable sorts applied last-key-first give a lexicographic multi-key order; None sorts first.
        rows.sort(key=functools.partial(_sort_key, f.name), reverse=descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    omit_names = query.parameters.get("omit_unselected_resource_names") == "true"
    return [_render(query, row, omit_names) for row in rows], scanned


def _attribute_values(account: Account, customer_id: str, campaign_id: int) -> dict[str, Any]:
    campaign = account.campaigns[campaign_id]
    return {
        "campaign.resource_name": f"customers/{customer_id}/campaigns/{campaign_id}",
        "campaign.id": campaign_id,
        "campaign.name": campaign.name,
        "campaign.status": campaign.status,
        "campaign.advertising_channel_type": campaign.channel,
        "customer.resource_name": f"customers/{customer_id}",
        "customer.id": int(customer_id),
        "customer.descriptive_name": account.descriptive_name,
        "customer.currency_code": account.currency,
        "customer.time_zone": account.time_zone,
    }


def _render(query: GaqlQuery, values: Mapping[str, Any], omit_names: bool) -> JSON:
    # Resources come out in GoogleAdsRow field order (campaign, customer, metrics, segments), like the
    # proto3 JSON printer writes them; fields keep their SELECT order.
    row: JSON = {name: {} for name in ("campaign", "customer", "metrics", "segments")}
    for f in query.select:
        resource = row.setdefault(f.resource, {})
        if f.resource in ("campaign", "customer") and not omit_names:
            # The resource name of every resource touched by the SELECT comes first, as on the wire.
            resource.setdefault("resourceName", values[f"{f.resource}.resource_name"])
        value = values.get(f.name)
        if value is not None:
            resource[f.json_name] = encode_value(f, value)
    return {name: content for name, content in row.items() if content}
