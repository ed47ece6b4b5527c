"""GA4 report requests validated and parsed into a ``ReportSpec``: names, date ranges, filters, paging, enums.

Called by :class:`emulators.ga4.emulator.GA4Emulator` for ``runReport`` and ``batchRunReports`` bodies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from emulators.google_rpc import JSON, RpcError, invalid

from .enums import normalise_request_enums
from .filters import FactFilter, ValueFilter, compile_dimension_filter, compile_metric_filter, filter_fields
from .schema import DIMENSIONS, METRICS, SCHEMA_URL

_MAX_LIMIT = 250_000
_DEFAULT_LIMIT = 10_000
_MAX_DIMENSIONS = 9
_MAX_METRICS = 10
_MAX_DATE_RANGES = 4
_MAX_BATCH = 5

_REQUEST_FIELDS = frozenset(
    {
        "property",
        "dimensions",
        "metrics",
        "dateRanges",
        "dimensionFilter",
        "metricFilter",
        "offset",
        "limit",
        "metricAggregations",
        "orderBys",
        "currencyCode",
        "cohortSpec",
        "keepEmptyRows",
        "returnPropertyQuota",
        "comparisons",
    }
)
_UNSUPPORTED_FIELDS = ("cohortSpec", "comparisons")

_RELATIVE_DAYS = re.compile(r"(\d+)daysAgo")


@dataclass
class DateRange:
    """One requested date range, resolved to ISO days in the property's time zone."""

    start: str
    end: str
    name: str


@dataclass
class OrderBy:
    """One ``orderBys`` entry, on a metric or a dimension of the request."""

    kind: str  # "metric" | "dimension"
    name: str
    desc: bool
    order_type: str = "ALPHANUMERIC"


@dataclass
class ReportSpec:
    """One validated report request: everything the report engine needs to answer it."""

    dimensions: list[str]
    metrics: list[str]
    ranges: list[DateRange]
    dimension_filter: FactFilter | None
    metric_filter: ValueFilter | None
    explode_events: bool
    limit: int
    offset: int
    keep_empty: bool
    return_quota: bool
    order_bys: list[OrderBy]
    aggregations: list[str]
    currency: str | None


def _parse_int(raw: Any, name: str, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise invalid(f"Invalid value at '{name}' (TYPE_INT64), \"{raw}\"")
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid(f"Invalid value at '{name}' (TYPE_INT64), \"{raw}\"") from exc


def _named_list(raw: Any, field_name: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid(f"Invalid JSON payload received. '{field_name}' must be a list.")
    names: list[str] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
            raise invalid(f"{field_name}[{i}] must have a name.")
        if field_name == "metrics" and item.get("expression"):
            raise invalid("Metric expressions are not supported by the emulator.")
        names.append(item["name"])
    return names


def _check_names(dimensions: list[str], metrics: list[str]) -> None:
    for name in dimensions:
        if name not in DIMENSIONS:
            if name in METRICS:
                raise invalid(f"Field {name} is a metric, not a dimension. Did you mean to request a metric?")
            raise invalid(
                f"Field {name} is not a valid dimension. For a list of valid dimensions and metrics, see {SCHEMA_URL}"
            )
    for name in metrics:
        if name not in METRICS:
            if name in DIMENSIONS:
                raise invalid(f"Field {name} is a dimension, not a metric. Did you mean to request a dimension?")
            raise invalid(
                f"Field {name} is not a valid metric. For a list of valid dimensions and metrics, see {SCHEMA_URL}"
            )
    for kind, names in (("dimension", dimensions), ("metric", metrics)):
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise invalid(f"Duplicate {kind} name: {name}.")
            seen.add(name)
    if len(dimensions) > _MAX_DIMENSIONS:
        raise invalid(
            f"Requests are limited to {_MAX_DIMENSIONS} dimensions within a request. "
            f"This request has {len(dimensions)}."
        )
    if len(metrics) > _MAX_METRICS:
        raise invalid(
            f"Requests are limited to {_MAX_METRICS} metrics within a request. This request has {len(metrics)}."
        )
    if not dimensions and not metrics:
        raise invalid("Requests must have at least one dimension or metric.")


def _resolve_date(raw: Any, today: date, which: str, index: int) -> str:
    if not isinstance(raw, str) or not raw:
        raise invalid(f"dateRanges[{index}].{which} is required.")
    if raw == "today":
        return today.isoformat()
    if raw == "yesterday":
        return (today - timedelta(days=1)).isoformat()
    match = _RELATIVE_DAYS.fullmatch(raw)
    if match:
        return (today - timedelta(days=int(match.group(1)))).isoformat()
    try:
        parsed = date.fromisoformat(raw)
    except ValueError as exc:
        raise invalid(
            f"Invalid {which} '{raw}' in dateRanges[{index}]. Dates must be YYYY-MM-DD, 'today', "
            "'yesterday' or 'NdaysAgo'."
        ) from exc
    if len(raw) != 10:
        raise invalid(f"Invalid {which} '{raw}' in dateRanges[{index}]. Dates must be YYYY-MM-DD.")
    return parsed.isoformat()


def _parse_ranges(raw: Any, today: date) -> list[DateRange]:
    if not isinstance(raw, list) or not raw:
        raise invalid("Requests must have at least one date range (dateRanges).")
    if len(raw) > _MAX_DATE_RANGES:
        raise invalid(f"Requests are limited to {_MAX_DATE_RANGES} date ranges. This request has {len(raw)}.")
    ranges: list[DateRange] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise invalid(f"dateRanges[{i}] must be an object.")
        start = _resolve_date(item.get("startDate"), today, "startDate", i)
        end = _resolve_date(item.get("endDate"), today, "endDate", i)
        if start > end:
            raise invalid(f"The dateRange startDate ({start}) must be on or before the endDate ({end}).")
        name = item.get("name")
        if name is None or name == "":
            name = f"date_range_{i}"
        elif not isinstance(name, str) or name.startswith(("date_range_", "RESERVED_")):
            raise invalid(f"Invalid dateRange name {name!r}: names may not begin with date_range_ or RESERVED_.")
        ranges.append(DateRange(start, end, name))
    return ranges


def _parse_order_bys(raw: Any, dimensions: list[str], metrics: list[str]) -> list[OrderBy]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("orderBys must be a list.")
    out: list[OrderBy] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise invalid(f"orderBys[{i}] must be an object.")
        desc = bool(item.get("desc", False))
        if isinstance(item.get("metric"), Mapping):
            name = str(item["metric"].get("metricName", ""))
            if name not in metrics:
                raise invalid(f"orderBys[{i}]: metric {name!r} must be one of the request's metrics.")
            out.append(OrderBy("metric", name, desc))
        elif isinstance(item.get("dimension"), Mapping):
            name = str(item["dimension"].get("dimensionName", ""))
            if name not in dimensions:
                raise invalid(f"orderBys[{i}]: dimension {name!r} must be one of the request's dimensions.")
            order_type = str(item["dimension"].get("orderType") or "ALPHANUMERIC")
            if order_type not in (
                "ALPHANUMERIC",
                "CASE_INSENSITIVE_ALPHANUMERIC",
                "NUMERIC",
                "ORDER_TYPE_UNSPECIFIED",
            ):
                raise invalid(f"orderBys[{i}]: invalid orderType {order_type!r}.")
            out.append(OrderBy("dimension", name, desc, order_type))
        else:
            raise invalid(f"orderBys[{i}] must order by a metric or a dimension.")
    return out


def parse_report(body: Any, property_id: str, today: date) -> ReportSpec:
    """Validate one report request body (``today`` resolves relative dates); 400 ``RpcError`` otherwise."""
    if not isinstance(body, Mapping):
        raise invalid("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in _REQUEST_FIELDS:
            raise invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
    for key in _UNSUPPORTED_FIELDS:
        if body.get(key):
            raise invalid(f"{key} is not supported by the emulator.")
    prop = body.get("property")
    if prop and prop != f"properties/{property_id}":
        raise invalid(f"property {prop!r} does not match the request path property properties/{property_id}.")
    # Enums arrive as names or as proto numbers (Google's REST client sends numbers); read both.
    body = normalise_request_enums(body)
    dimensions = _named_list(body.get("dimensions"), "dimensions")
    metrics = _named_list(body.get("metrics"), "metrics")
    _check_names(dimensions, metrics)
    ranges = _parse_ranges(body.get("dateRanges"), today)
    if len(ranges) > 1 and "dateRange" not in dimensions:
        dimensions.append("dateRange")

    raw_filter = body.get("dimensionFilter")
    dimension_filter = compile_dimension_filter(raw_filter) if raw_filter else None
    raw_metric_filter = body.get("metricFilter")
    metric_filter = compile_metric_filter(raw_metric_filter) if raw_metric_filter else None

    limit = _parse_int(body.get("limit"), "limit", 0)
    if limit < 0:
        raise invalid(f"limit must be positive, got {limit}.")
    # 0 is proto3's default (unset); the API caps larger limits rather than failing.
    limit = min(limit or _DEFAULT_LIMIT, _MAX_LIMIT)
    offset = _parse_int(body.get("offset"), "offset", 0)
    if offset < 0:
        raise invalid(f"offset must be non-negative, got {offset}.")

    aggregations_raw = body.get("metricAggregations") or []
    if not isinstance(aggregations_raw, list):
        raise invalid("metricAggregations must be a list.")
    aggregations: list[str] = []
    for agg in aggregations_raw:
        if agg not in ("TOTAL", "MINIMUM", "MAXIMUM"):
            raise invalid(f"metricAggregations value {agg!r} is not supported by the emulator.")
        aggregations.append(str(agg))

    currency = body.get("currencyCode")
    return ReportSpec(
        dimensions=dimensions,
        metrics=metrics,
        ranges=ranges,
        dimension_filter=dimension_filter,
        metric_filter=metric_filter,
        explode_events="eventName" in dimensions or "eventName" in filter_fields(raw_filter),
        limit=limit,
        offset=offset,
        keep_empty=bool(body.get("keepEmptyRows", False)),
        return_quota=bool(body.get("returnPropertyQuota", False)),
        order_bys=_parse_order_bys(body.get("orderBys"), dimensions, metrics),
        aggregations=aggregations,
        currency=str(currency) if currency else None,
    )


def parse_batch(body: JSON, property_id: str, today: date) -> list[ReportSpec]:
    """Parse a ``batchRunReports`` body into one spec per sub-request (errors name the sub-request)."""
    for key in body:
        if key not in ("property", "requests"):
            raise invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
    prop = body.get("property")
    if prop and prop != f"properties/{property_id}":
        raise invalid(f"property {prop!r} does not match the request path property properties/{property_id}.")
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise invalid("batchRunReports requires a non-empty 'requests' list.")
    if len(requests) > _MAX_BATCH:
        raise invalid(f"Requests are limited to {_MAX_BATCH} reports within a batch. This request has {len(requests)}.")
    specs: list[ReportSpec] = []
    for i, sub in enumerate(requests):
        try:
            specs.append(parse_report(sub, property_id, today))
        except RpcError as err:
            raise invalid(f"requests[{i}]: {err.message}") from err
    return specs
