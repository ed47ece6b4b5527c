"""LinkedIn ``adAnalytics`` (``q=analytics``): stored daily elements, facets, time buckets and metric sums.

Called by :class:`emulators.linkedin.emulator.LinkedInEmulator`: ``load_elements`` from ``set_data`` and
``answer_analytics`` for each ``GET /rest/adAnalytics``.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request

from .restli import enum_param, restli_date, restli_param, single_param, urn_list
from .wire import ACCOUNT_URN, CAMPAIGN_URN, GROUP_URN, JSON, bad_request

#: Maximum elements one adAnalytics response carries; more are silently cut off.
DEFAULT_MAX_ELEMENTS = 15_000
#: Maximum entries in the adAnalytics ``fields`` parameter (``dateRange``/``pivotValues`` included).
MAX_FIELDS = 20

# Metrics the real API always answers (0 when there was no activity); cost-like ones are decimal strings.
_COUNT_METRICS = frozenset(
    {
        "impressions",
        "clicks",
        "landingPageClicks",
        "externalWebsiteConversions",
        "externalWebsitePostClickConversions",
        "externalWebsitePostViewConversions",
        "oneClickLeads",
        "oneClickLeadFormOpens",
        "totalEngagements",
        "likes",
        "shares",
        "comments",
        "follows",
        "videoViews",
        "videoCompletions",
        "opens",
        "sends",
    }
)
_DECIMAL_METRICS = frozenset({"costInLocalCurrency", "costInUsd", "conversionValueInLocalCurrency"})
_GRANULARITIES = frozenset({"DAILY", "MONTHLY", "YEARLY", "ALL"})
_PIVOTS = frozenset({"CAMPAIGN", "ACCOUNT", "CAMPAIGN_GROUP"})
# Facets the real finder accepts; the emulator answers the first three and refuses the others explicitly.
_FACETS = ("accounts", "campaigns", "campaignGroups", "creatives", "shares", "companies")
# Sums of long BigDecimal strings must stay exact: 60 significant digits is far beyond any fixture value.
_DECIMAL_CONTEXT = Context(prec=60)


class Element:
    """One stored daily analytics element, indexed by day and campaign."""

    __slots__ = ("account_id", "campaign_id", "day", "group_id", "metrics")

    def __init__(self, day: date, campaign_id: int, account_id: int, group_id: int | None, metrics: JSON) -> None:
        self.day = day
        self.campaign_id = campaign_id
        self.account_id = account_id
        self.group_id = group_id
        self.metrics = metrics


def load_elements(
    analytics: Iterable[Any],
    *,
    account_id: int,
    currency: str,
    account_of: Mapping[int, int],
    group_of: Mapping[int, int | None],
) -> list[Element]:
    """Read the fixture's ``analytics`` elements, sorted by day then campaign.

    Args:
        analytics: Daily elements with ``dateRange.start`` and a campaign URN in ``pivotValues``.
        account_id: The fixture's account, for campaigns the fixture does not list.
        currency: The account currency (USD costs double as ``costInUsd`` when that is absent).
        account_of: Account id of each listed campaign.
        group_of: Campaign group id (or None) of each listed campaign.

    Raises:
        ValueError: When an element lacks ``dateRange.start`` or a campaign ``pivotValues`` entry.
    """
    elements: list[Element] = []
    for index, raw in enumerate(analytics):
        try:
            start = raw["dateRange"]["start"]
            day = date(int(start["year"]), int(start["month"]), int(start["day"]))
            pivots = raw.get("pivotValues") or [raw.get("pivotValue")]
            match = CAMPAIGN_URN.fullmatch(str(pivots[0]))
            if match is None:
                raise ValueError(f"pivot value {pivots[0]!r} is not a sponsoredCampaign URN")
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"linkedin.analytics[{index}]: {exc}") from exc
        campaign_id = int(match.group(1))
        metrics = {k: copy.deepcopy(v) for k, v in raw.items() if k not in ("dateRange", "pivotValues", "pivotValue")}
        for name in _DECIMAL_METRICS & metrics.keys():
            # Money is a BigDecimal string on the wire even when a hand-written fixture used a number.
            if isinstance(metrics[name], int | float) and not isinstance(metrics[name], bool):
                metrics[name] = str(metrics[name])
        if "costInUsd" not in metrics and currency == "USD" and "costInLocalCurrency" in metrics:
            metrics["costInUsd"] = metrics["costInLocalCurrency"]
        elements.append(
            Element(
                day,
                campaign_id,
                account_of.get(campaign_id, account_id),
                group_of.get(campaign_id),
                metrics,
            )
        )
    elements.sort(key=lambda e: (e.day, e.campaign_id))
    return elements


def answer_analytics(
    request: Request,
    params: Mapping[str, list[str]],
    *,
    elements: list[Element],
    readable: Collection[int],
    max_elements: int,
) -> JSON:
    """The body of ``GET /rest/adAnalytics?q=analytics&...`` over the stored ``elements``.

    Data of an account outside ``readable`` (the member has no role on it, or it does not exist) is left
    out without an error: LinkedIn answers an empty result "if there's no activity to report or if you
    don't have read access to the requested advertising data" (Ads Reporting, li-lms-2026-03).

    Raises:
        ApiError: 400 for a malformed or missing parameter.
    """
    finder = single_param(params, "q")
    if finder != "analytics":
        raise bad_request(f"Unsupported finder q={finder!r}; this emulator answers q=analytics only")
    pivot_raw = restli_param(request, params, "pivot")
    granularity_raw = restli_param(request, params, "timeGranularity")
    range_raw = restli_param(request, params, "dateRange")
    if pivot_raw is None:
        raise bad_request("Parameter 'pivot' is required")
    if granularity_raw is None:
        raise bad_request("Parameter 'timeGranularity' is required")
    if range_raw is None:
        raise bad_request("Parameter 'dateRange' is required")
    pivot = enum_param(pivot_raw, "pivot", _PIVOTS)
    granularity = enum_param(granularity_raw, "timeGranularity", _GRANULARITIES)
    if not isinstance(range_raw, dict) or "start" not in range_raw:
        raise bad_request("Invalid value for 'dateRange': expected (start:(...),end:(...))")
    start = restli_date(range_raw["start"], "dateRange.start")
    end = restli_date(range_raw["end"], "dateRange.end") if "end" in range_raw else None
    if end is not None and end < start:
        raise bad_request("Invalid 'dateRange': start is after end")

    facets = {name: restli_param(request, params, name) for name in _FACETS}
    if all(value is None for value in facets.values()):
        raise bad_request("At least one facet (accounts, campaigns, ...) must be specified")
    for unsupported in ("creatives", "shares", "companies"):
        if facets[unsupported] is not None:
            raise bad_request(f"Facet '{unsupported}' is not supported by the emulator")
    account_ids = urn_list(facets["accounts"], "accounts", ACCOUNT_URN)
    campaigns = urn_list(facets["campaigns"], "campaigns", CAMPAIGN_URN)
    groups = urn_list(facets["campaignGroups"], "campaignGroups", GROUP_URN)

    fields = _fields(params)

    def wanted(element: Element) -> bool:
        if element.account_id not in readable:
            return False
        if element.day < start or (end is not None and element.day > end):
            return False
        if account_ids is not None and element.account_id not in account_ids:
            return False
        if campaigns is not None and element.campaign_id not in campaigns:
            return False
        return groups is None or element.group_id in groups

    buckets: dict[tuple[date, int], list[Element]] = {}
    for element in elements:
        if not wanted(element):
            continue
        if pivot == "CAMPAIGN":
            pivot_id = element.campaign_id
        elif pivot == "ACCOUNT":
            pivot_id = element.account_id
        elif element.group_id is None:
            continue
        else:
            pivot_id = element.group_id
        buckets.setdefault((_bucket_start(element.day, granularity, start), pivot_id), []).append(element)

    urn_prefix = {
        "CAMPAIGN": "urn:li:sponsoredCampaign:",
        "ACCOUNT": "urn:li:sponsoredAccount:",
        "CAMPAIGN_GROUP": "urn:li:sponsoredCampaignGroup:",
    }[pivot]
    out: list[JSON] = []
    for (bucket_start, pivot_id), members in sorted(buckets.items(), key=lambda kv: kv[0]):
        if len(out) >= max_elements:
            break
        bucket_end = _bucket_end(bucket_start, granularity, members, end)
        out.append(_render_element(fields, members, bucket_start, bucket_end, urn_prefix + str(pivot_id)))
    return {"paging": {"start": 0, "count": 10, "links": []}, "elements": out}


def _fields(params: Mapping[str, list[str]]) -> list[str] | None:
    raw = single_param(params, "fields")
    if raw is None:
        return None
    names = [name.strip() for name in unquote(raw).split(",") if name.strip()]
    if len(names) > MAX_FIELDS:
        raise bad_request(f"Too many fields requested: {len(names)}; at most {MAX_FIELDS} are allowed per request")
    return list(dict.fromkeys(names))


def _bucket_start(day: date, granularity: str, start: date) -> date:
    if granularity == "DAILY":
        return day
    if granularity == "MONTHLY":
        return max(start, day.replace(day=1))
    if granularity == "YEARLY":
        return max(start, date(day.year, 1, 1))
    return start


def _bucket_end(bucket_start: date, granularity: str, members: list[Element], end: date | None) -> date:
    if granularity == "DAILY":
        return bucket_start
    last_activity = max(m.day for m in members)
    if granularity == "MONTHLY":
        natural = _month_end(bucket_start)
    elif granularity == "YEARLY":
        natural = date(bucket_start.year, 12, 31)
    else:
        natural = end if end is not None else last_activity
    return min(natural, end) if end is not None else natural


def _month_end(day: date) -> date:
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _render_element(fields: list[str] | None, members: list[Element], start: date, end: date, pivot_urn: str) -> JSON:
    names = fields if fields is not None else list(dict.fromkeys(k for m in members for k in m.metrics))
    element: JSON = {}
    for name in names:
        if name == "dateRange":
            element["dateRange"] = {"start": _date_record(start), "end": _date_record(end)}
        elif name == "pivotValues":
            element["pivotValues"] = [pivot_urn]
        else:
            values = [m.metrics[name] for m in members if name in m.metrics]
            if values:
                element[name] = _sum_values(values)
            elif name in _DECIMAL_METRICS:
                element[name] = "0"
            elif name in _COUNT_METRICS:
                element[name] = 0
    return element


def _date_record(day: date) -> JSON:
    return {"year": day.year, "month": day.month, "day": day.day}


def _format_decimal(value: Decimal) -> str:
    # Fixed-point, never exponent notation ("0E-7"), which no BigDecimal serialiser would send.
    return format(value, "f")


def _sum_values(values: list[Any]) -> Any:
    """Sum one metric over several elements, keeping its wire type (decimal strings stay exact strings)."""
    if len(values) == 1:
        return values[0]
    if all(isinstance(v, str) for v in values):
        try:
            with localcontext(_DECIMAL_CONTEXT):
                total = sum((Decimal(v) for v in values), Decimal(0))
        except InvalidOperation:
            return values[0]
        return _format_decimal(total)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return sum(values)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return sum(float(v) for v in values)
    return values[0]
