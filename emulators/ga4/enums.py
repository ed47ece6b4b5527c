"""The GA4 Data API's enums in both JSON forms: names (``"EXACT"``) and the proto numbers (``1``).

Called by :mod:`emulators.ga4.request` to read a request's enums and by :mod:`emulators.ga4.emulator` to
write a response's enums. The proto3 JSON mapping accepts an enum as its name or its number, and
Google's own client (``google-analytics-data`` over REST) sends numbers and asks for numbers back with
the system parameter ``$alt=json;enum-encoding=int``; the numbers below are those of
``google/analytics/data/v1beta/data.proto`` (googleapis), checked by ``tests/conformance/test_ga4_client.py``
against the client's own enum classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.google_rpc import invalid

#: Enum type (its proto name) -> value name -> number.
ENUMS: dict[str, dict[str, int]] = {
    "MetricType": {
        "METRIC_TYPE_UNSPECIFIED": 0,
        "TYPE_INTEGER": 1,
        "TYPE_FLOAT": 2,
        "TYPE_SECONDS": 4,
        "TYPE_MILLISECONDS": 5,
        "TYPE_MINUTES": 6,
        "TYPE_HOURS": 7,
        "TYPE_STANDARD": 8,
        "TYPE_CURRENCY": 9,
        "TYPE_FEET": 10,
        "TYPE_MILES": 11,
        "TYPE_METERS": 12,
        "TYPE_KILOMETERS": 13,
    },
    "MetricAggregation": {"METRIC_AGGREGATION_UNSPECIFIED": 0, "TOTAL": 1, "COUNT": 4, "MINIMUM": 5, "MAXIMUM": 6},
    "Filter.StringFilter.MatchType": {
        "MATCH_TYPE_UNSPECIFIED": 0,
        "EXACT": 1,
        "BEGINS_WITH": 2,
        "ENDS_WITH": 3,
        "CONTAINS": 4,
        "FULL_REGEXP": 5,
        "PARTIAL_REGEXP": 6,
    },
    "Filter.NumericFilter.Operation": {
        "OPERATION_UNSPECIFIED": 0,
        "EQUAL": 1,
        "LESS_THAN": 2,
        "LESS_THAN_OR_EQUAL": 3,
        "GREATER_THAN": 4,
        "GREATER_THAN_OR_EQUAL": 5,
    },
    "OrderBy.DimensionOrderBy.OrderType": {
        "ORDER_TYPE_UNSPECIFIED": 0,
        "ALPHANUMERIC": 1,
        "CASE_INSENSITIVE_ALPHANUMERIC": 2,
        "NUMERIC": 3,
    },
}

_PACKAGE = "google.analytics.data.v1beta"


def enum_name(enum: str, raw: Any, where: str) -> str:
    """The name of an enum value sent as a name or as its number; 400 like the API for anything else.

    Args:
        enum: The enum's proto name, a key of :data:`ENUMS`.
        raw: The JSON value (a string or an integer; booleans are not numbers).
        where: The field path for the error message (``requests[0].metric_aggregations[0]``).
    """
    values = ENUMS[enum]
    if isinstance(raw, str) and raw in values:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        for name, number in values.items():
            if number == raw:
                return name
    shown = f'"{raw}"' if isinstance(raw, str) else str(raw)
    # The wording of Google's JSON transcoder for an unknown enum value.
    raise invalid(f"Invalid value at '{where}' (type.googleapis.com/{_PACKAGE}.{enum}), {shown}")


def normalise_request_enums(body: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A copy of one report request with every enum as its name (numbers resolved, unknown ones refused).

    Covers the enums a report request can carry: ``metricAggregations``, ``orderBys[].dimension.orderType``
    and the ``matchType``/``operation`` of each filter leaf in ``dimensionFilter`` and ``metricFilter``.
    """
    out = dict(body)
    aggregations = body.get("metricAggregations")
    if isinstance(aggregations, list):
        out["metricAggregations"] = [
            enum_name("MetricAggregation", agg, f"{prefix}metric_aggregations[{i}]")
            for i, agg in enumerate(aggregations)
        ]
    order_bys = body.get("orderBys")
    if isinstance(order_bys, list):
        out["orderBys"] = [_order_by(item, f"{prefix}order_bys[{i}]") for i, item in enumerate(order_bys)]
    for key, field in (("dimensionFilter", "dimension_filter"), ("metricFilter", "metric_filter")):
        if isinstance(body.get(key), Mapping):
            out[key] = _filter_expression(body[key], f"{prefix}{field}")
    return out


def _order_by(item: Any, where: str) -> Any:
    if not isinstance(item, Mapping) or not isinstance(item.get("dimension"), Mapping):
        return item
    dimension = dict(item["dimension"])
    if "orderType" in dimension:
        dimension["orderType"] = enum_name(
            "OrderBy.DimensionOrderBy.OrderType", dimension["orderType"], f"{where}.dimension.order_type"
        )
    return {**item, "dimension": dimension}


def _filter_expression(expr: Mapping[str, Any], where: str) -> dict[str, Any]:
    out = dict(expr)
    for key, field in (("andGroup", "and_group"), ("orGroup", "or_group")):
        group = expr.get(key)
        if isinstance(group, Mapping) and isinstance(group.get("expressions"), list):
            out[key] = {
                **group,
                "expressions": [
                    _filter_expression(child, f"{where}.{field}.expressions[{i}]")
                    if isinstance(child, Mapping)
                    else child
                    for i, child in enumerate(group["expressions"])
                ],
            }
    if isinstance(expr.get("notExpression"), Mapping):
        out["notExpression"] = _filter_expression(expr["notExpression"], f"{where}.not_expression")
    leaf = expr.get("filter")
    if isinstance(leaf, Mapping):
        leaf = dict(leaf)
        string_filter = leaf.get("stringFilter")
        if isinstance(string_filter, Mapping) and "matchType" in string_filter:
            leaf["stringFilter"] = {
                **string_filter,
                "matchType": enum_name(
                    "Filter.StringFilter.MatchType",
                    string_filter["matchType"],
                    f"{where}.filter.string_filter.match_type",
                ),
            }
        numeric_filter = leaf.get("numericFilter")
        if isinstance(numeric_filter, Mapping) and "operation" in numeric_filter:
            leaf["numericFilter"] = {
                **numeric_filter,
                "operation": enum_name(
                    "Filter.NumericFilter.Operation",
                    numeric_filter["operation"],
                    f"{where}.filter.numeric_filter.operation",
                ),
            }
        out["filter"] = leaf
    return out


def wants_integer_enums(alt: str | None) -> bool:
    """Whether the ``$alt`` system parameter asks for enums as numbers (``json;enum-encoding=int``)."""
    if not alt:
        return False
    parts = [part.strip().lower() for part in alt.split(";")]
    return "enum-encoding=int" in parts[1:]


def metric_type_number(name: str) -> int:
    """The proto number of a ``MetricType`` name (for responses asked with ``enum-encoding=int``)."""
    return ENUMS["MetricType"][name]
