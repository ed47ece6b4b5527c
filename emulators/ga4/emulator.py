"""Local, faithful emulator of the Google Analytics 4 Data API (v1beta ``runReport``/``batchRunReports``).

Contract: shared/reference/api-wire-formats.md §4. The emulator serves the ``ga4`` part of a fixture
(DESIGN.md §4), which is session-level rather than pre-aggregated so that non-additive metrics
(``totalUsers``, ``newUsers``, ``averageSessionDuration``) are answered exactly for any date range and
slice, as GA4 does::

    {"property_id": "123456", "time_zone": "UTC", "currency": "USD",
     "sessions": [{"date": "2024-01-02", "user": "u1", "new_user": true, "channel_group": "Paid Social",
                   "source_medium": "linkedin / paid_social", "campaign": "q1_demo", "engaged": true,
                   "duration_s": 194.7, "pageviews": 3, "key_events": 1, "events": {"scroll_25": 1}}],
     "thresholding": false, "data_loss_from_other_row": false}

Endpoints: ``POST /v1beta/properties/{id}:runReport``, ``POST /v1beta/properties/{id}:batchRunReports``
(body ``{"requests": [...]}``, at most 5) and ``GET /v1beta/properties/{id}/metadata``.

Semantics (a "slice" is one response row: one combination of dimension values within one date range):

* Dimensions: ``date`` (``YYYYMMDD``), ``sessionDefaultChannelGroup``, ``sessionSourceMedium``,
  ``sessionSource``/``sessionMedium`` (the two halves of ``source_medium``), ``sessionCampaignName``,
  ``eventName`` and ``dateRange`` (added automatically, last, when a request has several date ranges).
* ``eventName`` turns each session into one fact per event name in its ``events`` map: ``eventCount`` is
  that event's count, and the session metrics of a row count the sessions that had the event (so a session
  with two event names counts in both rows). A session without events has no ``eventName`` row. The same
  expansion applies when ``eventName`` is only used in ``dimensionFilter``; session metrics then count each
  matching session once.
* Metrics: ``sessions``, ``totalUsers`` (distinct ``user``), ``newUsers`` (distinct users with
  ``new_user``), ``engagedSessions``, ``engagementRate`` (engaged / sessions), ``bounceRate``
  (1 - engagementRate), ``averageSessionDuration`` (mean ``duration_s``), ``screenPageViews``,
  ``keyEvents``, ``eventCount``. User counts are distinct within the slice, so a week's ``totalUsers`` is
  not the sum of its days or of its channels when users return.
* Metric values are strings; floats use 17 significant digits like the real API (``"0.47857142857142859"``).
  Rows whose requested metrics are all zero are dropped unless ``keepEmptyRows``. Empty reports omit
  ``rows`` and ``rowCount`` (proto3 JSON drops defaults), so clients must treat them as optional.
* Without ``orderBys`` rows are sorted by date range, then by dimension values (the real order is
  unspecified; a fixed one makes paging deterministic).
* Token cost of one report = ``1 + rowCount // 1000`` (rowCount before paging); a batch costs the sum of
  its reports. Quotas are per property: tokens per day (reset at midnight Pacific time), tokens per hour and
  per project per hour (reset on the hour), concurrent requests, server errors per hour (only injected
  ones, see :meth:`GA4Emulator.fail_next`) and potentially-thresholded requests per hour (every request
  to a property whose fixture sets ``thresholding``). Once any enforced quota is spent, every request gets
  429 ``RESOURCE_EXHAUSTED``. A limit of 0 disables enforcement; ``propertyQuota`` then reports against the
  standard-property limit.
* Not emulated (400 ``INVALID_ARGUMENT`` naming the field): ``cohortSpec``, ``comparisons``, metric
  expressions, ``metricAggregations: COUNT``.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.wrappers import Request, Response

from emulators.google_rpc import (
    SERVER_ERROR_MESSAGES,
    RpcError,
    error_response,
    invalid,
    json_body,
)
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from emulators.google_oauth import GoogleOAuthEmulator

__all__ = ["ANALYTICS_SCOPE_PREFIX", "DIMENSIONS", "METRICS", "STANDARD_QUOTAS", "GA4Emulator", "report_cost"]

JSON = dict[str, Any]

#: Bearer tokens must carry ``.../auth/analytics`` or ``.../auth/analytics.readonly``.
ANALYTICS_SCOPE_PREFIX = "https://www.googleapis.com/auth/analytics"

#: Standard (non-360) property quotas, reported when a quota is not enforced (reference §4.4).
STANDARD_QUOTAS: dict[str, int] = {
    "tokensPerDay": 200_000,
    "tokensPerHour": 40_000,
    "concurrentRequests": 10,
    "serverErrorsPerProjectPerHour": 10,
    "potentiallyThresholdedRequestsPerHour": 120,
    "tokensPerProjectPerHour": 14_000,
}

_MAX_LIMIT = 250_000
_DEFAULT_LIMIT = 10_000
_MAX_DIMENSIONS = 9
_MAX_METRICS = 10
_MAX_DATE_RANGES = 4
_MAX_BATCH = 5
_QUOTA_DAY_TZ = ZoneInfo("America/Los_Angeles")

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

_PATH = re.compile(r"/v1beta/properties/([^/:]+)(?::(runReport|batchRunReports)|/(metadata))")
_RELATIVE_DAYS = re.compile(r"(\d+)daysAgo")

_PERMISSION_MESSAGE = (
    "User does not have sufficient permissions for this property. To learn more about Property ID, see "
    "https://developers.google.com/analytics/devguides/reporting/data/v1/property-id."
)
_UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_MISSING_CREDENTIALS_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"


@dataclass(frozen=True, slots=True)
class _Session:
    idx: int
    day: str  # YYYY-MM-DD, property-local
    user: str
    new_user: bool
    channel_group: str
    source_medium: str
    campaign: str
    engaged: bool
    duration_s: float
    pageviews: int
    key_events: float
    events: tuple[tuple[str, int], ...]
    event_total: int


# A fact is one session (or one (session, event name) pair) inside one date range.
_Getter = Callable[[_Session, str | None, str], str]


def _source(s: _Session) -> str:
    return s.source_medium.split(" / ", 1)[0]


def _medium(s: _Session) -> str:
    parts = s.source_medium.split(" / ", 1)
    return parts[1] if len(parts) == 2 else "(not set)"


#: Dimension api name → (UI name, category, value getter(session, event name, date range name)).
DIMENSIONS: dict[str, tuple[str, str, _Getter]] = {
    "date": ("Date", "Time", lambda s, e, r: s.day.replace("-", "")),
    "dateRange": ("Date range", "Time", lambda s, e, r: r),
    "sessionDefaultChannelGroup": (
        "Session default channel group",
        "Traffic source",
        lambda s, e, r: s.channel_group,
    ),
    "sessionSourceMedium": ("Session source / medium", "Traffic source", lambda s, e, r: s.source_medium),
    "sessionSource": ("Session source", "Traffic source", lambda s, e, r: _source(s)),
    "sessionMedium": ("Session medium", "Traffic source", lambda s, e, r: _medium(s)),
    "sessionCampaignName": ("Session campaign", "Traffic source", lambda s, e, r: s.campaign),
    "eventName": ("Event name", "Event", lambda s, e, r: e or "(not set)"),
}

#: Metric api name → (UI name, type).
METRICS: dict[str, tuple[str, str]] = {
    "sessions": ("Sessions", "TYPE_INTEGER"),
    "totalUsers": ("Total users", "TYPE_INTEGER"),
    "newUsers": ("New users", "TYPE_INTEGER"),
    "engagedSessions": ("Engaged sessions", "TYPE_INTEGER"),
    "engagementRate": ("Engagement rate", "TYPE_FLOAT"),
    "bounceRate": ("Bounce rate", "TYPE_FLOAT"),
    "averageSessionDuration": ("Average session duration", "TYPE_SECONDS"),
    "screenPageViews": ("Views", "TYPE_INTEGER"),
    "keyEvents": ("Key events", "TYPE_FLOAT"),
    "eventCount": ("Event count", "TYPE_INTEGER"),
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------- fixture loading


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{where} must be a boolean, got {value!r}")


def _as_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} must be a non-negative number, got {value!r}")
    return float(value)


def _load_session(idx: int, raw: Any) -> _Session:
    where = f"ga4.sessions[{idx}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    day = raw.get("date")
    try:
        date.fromisoformat(str(day))
    except ValueError as exc:
        raise ValueError(f"{where}.date must be YYYY-MM-DD, got {day!r}") from exc
    if len(str(day)) != 10:
        raise ValueError(f"{where}.date must be YYYY-MM-DD, got {day!r}")
    user = raw.get("user")
    if not isinstance(user, str) or not user:
        raise ValueError(f"{where}.user must be a non-empty string")
    events_raw = raw.get("events") or {}
    if not isinstance(events_raw, Mapping):
        raise ValueError(f"{where}.events must be an object of event name → count")
    events: list[tuple[str, int]] = []
    for name, count in events_raw.items():
        number = _as_number(count, f"{where}.events[{name!r}]")
        if not number.is_integer():
            raise ValueError(f"{where}.events[{name!r}] must be an integer")
        if number:
            events.append((str(name), int(number)))
    pageviews = _as_number(raw.get("pageviews", 0), f"{where}.pageviews")
    if not pageviews.is_integer():
        raise ValueError(f"{where}.pageviews must be an integer")
    return _Session(
        idx=idx,
        day=str(day),
        user=user,
        new_user=_as_bool(raw.get("new_user", False), f"{where}.new_user"),
        channel_group=str(raw.get("channel_group") or "Unassigned"),
        source_medium=str(raw.get("source_medium") or "(not set)"),
        campaign=str(raw.get("campaign") or "(not set)"),
        engaged=_as_bool(raw.get("engaged", False), f"{where}.engaged"),
        duration_s=_as_number(raw.get("duration_s", 0), f"{where}.duration_s"),
        pageviews=int(pageviews),
        key_events=_as_number(raw.get("key_events", 0), f"{where}.key_events"),
        events=tuple(sorted(events)),
        event_total=sum(c for _, c in events),
    )


@dataclass
class _Property:
    property_id: str
    time_zone: str
    currency: str
    thresholding: bool
    data_loss: bool
    sessions: list[_Session]  # sorted by day
    days: list[str]  # sessions' days, for bisecting a date range
    by_idx: dict[int, _Session]


def _load_property(data: Mapping[str, Any]) -> _Property:
    sessions_raw = data.get("sessions") or []
    if not isinstance(sessions_raw, list):
        raise ValueError("ga4.sessions must be a list")
    property_id = str(data.get("property_id") or "")
    if not property_id.isdigit():
        raise ValueError(f"ga4.property_id must be a numeric string, got {property_id!r}")
    time_zone = str(data.get("time_zone") or "UTC")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"ga4.time_zone is not an IANA time zone: {time_zone!r}") from exc
    sessions = sorted((_load_session(i, s) for i, s in enumerate(sessions_raw)), key=lambda s: (s.day, s.idx))
    return _Property(
        property_id=property_id,
        time_zone=time_zone,
        currency=str(data.get("currency") or "USD"),
        thresholding=bool(data.get("thresholding", False)),
        data_loss=bool(data.get("data_loss_from_other_row", False)),
        sessions=sessions,
        days=[s.day for s in sessions],
        by_idx={s.idx: s for s in sessions},
    )


# ---------------------------------------------------------------------------------------- request parsing


@dataclass
class _DateRange:
    start: str
    end: str
    name: str


@dataclass
class _OrderBy:
    kind: str  # "metric" | "dimension"
    name: str
    desc: bool
    order_type: str = "ALPHANUMERIC"


_FactFilter = Callable[[_Session, str | None, str], bool]
_ValueFilter = Callable[[Mapping[str, float]], bool]


@dataclass
class _ReportSpec:
    dimensions: list[str]
    metrics: list[str]
    ranges: list[_DateRange]
    dimension_filter: _FactFilter | None
    metric_filter: _ValueFilter | None
    explode_events: bool
    limit: int
    offset: int
    keep_empty: bool
    return_quota: bool
    order_bys: list[_OrderBy]
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
                f"Field {name} is not a valid dimension. For a list of valid dimensions and metrics, see {_SCHEMA_URL}"
            )
    for name in metrics:
        if name not in METRICS:
            if name in DIMENSIONS:
                raise invalid(f"Field {name} is a dimension, not a metric. Did you mean to request a dimension?")
            raise invalid(
                f"Field {name} is not a valid metric. For a list of valid dimensions and metrics, see {_SCHEMA_URL}"
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


def _parse_ranges(raw: Any, today: date) -> list[_DateRange]:
    if not isinstance(raw, list) or not raw:
        raise invalid("Requests must have at least one date range (dateRanges).")
    if len(raw) > _MAX_DATE_RANGES:
        raise invalid(f"Requests are limited to {_MAX_DATE_RANGES} date ranges. This request has {len(raw)}.")
    ranges: list[_DateRange] = []
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
        ranges.append(_DateRange(start, end, name))
    return ranges


def _fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def _number_value(raw: Any, where: str) -> float:
    if not isinstance(raw, Mapping):
        raise invalid(f"{where} must be a NumericValue ({{int64Value}} or {{doubleValue}}).")
    if "int64Value" in raw:
        return float(int(raw["int64Value"]))
    if "doubleValue" in raw:
        return float(raw["doubleValue"])
    raise invalid(f"{where} must set int64Value or doubleValue.")


def _compare(operation: str, value: float, target: float) -> bool:
    if operation == "EQUAL":
        return value == target
    if operation == "LESS_THAN":
        return value < target
    if operation == "LESS_THAN_OR_EQUAL":
        return value <= target
    if operation == "GREATER_THAN":
        return value > target
    return value >= target  # GREATER_THAN_OR_EQUAL


_NUMERIC_OPERATIONS = frozenset({"EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"})


def _leaf_test(spec: Mapping[str, Any], field_name: str, for_metric: bool) -> Callable[[Any], bool]:
    """Compile one ``Filter`` (the leaf of a FilterExpression) into a test on the field's value."""
    if for_metric and ("stringFilter" in spec or "inListFilter" in spec or "emptyFilter" in spec):
        raise invalid(f"Metric filter on {field_name} must be a numericFilter or betweenFilter.")
    if "stringFilter" in spec:
        sf = spec["stringFilter"] or {}
        match_type = str(sf.get("matchType") or "EXACT")
        case_sensitive = bool(sf.get("caseSensitive", False))
        wanted = str(sf.get("value", ""))
        if match_type in ("EXACT", "MATCH_TYPE_UNSPECIFIED"):
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive) == target
        if match_type == "BEGINS_WITH":
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive).startswith(target)
        if match_type == "ENDS_WITH":
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive).endswith(target)
        if match_type == "CONTAINS":
            target = _fold(wanted, case_sensitive)
            return lambda v: target in _fold(v, case_sensitive)
        if match_type in ("FULL_REGEXP", "PARTIAL_REGEXP"):
            try:
                pattern = re.compile(wanted, 0 if case_sensitive else re.IGNORECASE)
            except re.error as exc:
                raise invalid(f"Invalid regular expression in filter on {field_name}: {wanted!r}") from exc
            if match_type == "FULL_REGEXP":
                return lambda v: pattern.fullmatch(v) is not None
            return lambda v: pattern.search(v) is not None
        raise invalid(f"Invalid matchType {match_type!r} in stringFilter on {field_name}.")
    if "inListFilter" in spec:
        lf = spec["inListFilter"] or {}
        values = lf.get("values")
        if not isinstance(values, list) or not values:
            raise invalid(f"inListFilter on {field_name} must have a non-empty values list.")
        case_sensitive = bool(lf.get("caseSensitive", False))
        wanted_set = {_fold(str(v), case_sensitive) for v in values}
        return lambda v: _fold(v, case_sensitive) in wanted_set
    if "emptyFilter" in spec:
        return lambda v: v in ("", "(not set)")
    if "numericFilter" in spec:
        nf = spec["numericFilter"] or {}
        operation = str(nf.get("operation") or "")
        if operation not in _NUMERIC_OPERATIONS:
            raise invalid(f"Invalid numericFilter operation {operation!r} on {field_name}.")
        threshold = _number_value(nf.get("value"), f"numericFilter.value on {field_name}")
        return lambda v: (n := _to_float(v)) is not None and _compare(operation, n, threshold)
    if "betweenFilter" in spec:
        bf = spec["betweenFilter"] or {}
        low = _number_value(bf.get("fromValue"), f"betweenFilter.fromValue on {field_name}")
        high = _number_value(bf.get("toValue"), f"betweenFilter.toValue on {field_name}")
        return lambda v: (n := _to_float(v)) is not None and low <= n <= high
    raise invalid(f"Filter on {field_name} must set one of stringFilter, inListFilter, numericFilter, ...")


def _to_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _walk_filter(
    expr: Any, leaf: Callable[[str, Mapping[str, Any]], Callable[[Any], bool]], path: str
) -> Callable[[Any], bool]:
    """Compile a FilterExpression tree; ``leaf`` turns a ``filter`` into a predicate over the row/fact."""
    if not isinstance(expr, Mapping):
        raise invalid(f"{path} must be a FilterExpression object.")
    keys = [k for k in ("andGroup", "orGroup", "notExpression", "filter") if k in expr]
    if len(keys) != 1:
        raise invalid(f"{path} must set exactly one of andGroup, orGroup, notExpression, filter.")
    key = keys[0]
    if key in ("andGroup", "orGroup"):
        group = expr[key] or {}
        raw_children = group.get("expressions") if isinstance(group, Mapping) else None
        if not isinstance(raw_children, list):
            raise invalid(f"{path}.{key}.expressions must be a list.")
        children = [_walk_filter(c, leaf, f"{path}.{key}.expressions[{i}]") for i, c in enumerate(raw_children)]
        if key == "andGroup":
            return lambda x: all(child(x) for child in children)
        return lambda x: any(child(x) for child in children)
    if key == "notExpression":
        inner = _walk_filter(expr[key], leaf, f"{path}.notExpression")
        return lambda x: not inner(x)
    spec = expr["filter"]
    if not isinstance(spec, Mapping) or not isinstance(spec.get("fieldName"), str):
        raise invalid(f"{path}.filter must have a fieldName.")
    return leaf(str(spec["fieldName"]), spec)


def _filter_fields(expr: Any) -> set[str]:
    if not isinstance(expr, Mapping):
        return set()
    found: set[str] = set()
    for key in ("andGroup", "orGroup"):
        group = expr.get(key)
        if isinstance(group, Mapping):
            for child in group.get("expressions") or []:
                found |= _filter_fields(child)
    found |= _filter_fields(expr.get("notExpression"))
    spec = expr.get("filter")
    if isinstance(spec, Mapping) and isinstance(spec.get("fieldName"), str):
        found.add(spec["fieldName"])
    return found


def _compile_dimension_filter(expr: Any) -> _FactFilter:
    def leaf(name: str, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        if name not in DIMENSIONS:
            raise invalid(
                f"Field {name} in dimensionFilter is not a valid dimension. For a list of valid dimensions "
                f"and metrics, see {_SCHEMA_URL}"
            )
        getter = DIMENSIONS[name][2]
        test = _leaf_test(spec, name, for_metric=False)
        return lambda fact: test(getter(*fact))

    compiled = _walk_filter(expr, leaf, "dimensionFilter")
    return lambda s, e, r: compiled((s, e, r))


def _compile_metric_filter(expr: Any) -> _ValueFilter:
    def leaf(name: str, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        if name not in METRICS:
            raise invalid(
                f"Field {name} in metricFilter is not a valid metric. For a list of valid dimensions and "
                f"metrics, see {_SCHEMA_URL}"
            )
        test = _leaf_test(spec, name, for_metric=True)
        return lambda values: test(values[name])

    return _walk_filter(expr, leaf, "metricFilter")


def _parse_order_bys(raw: Any, dimensions: list[str], metrics: list[str]) -> list[_OrderBy]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("orderBys must be a list.")
    out: list[_OrderBy] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise invalid(f"orderBys[{i}] must be an object.")
        desc = bool(item.get("desc", False))
        if isinstance(item.get("metric"), Mapping):
            name = str(item["metric"].get("metricName", ""))
            if name not in metrics:
                raise invalid(f"orderBys[{i}]: metric {name!r} must be one of the request's metrics.")
            out.append(_OrderBy("metric", name, desc))
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
            out.append(_OrderBy("dimension", name, desc, order_type))
        else:
            raise invalid(f"orderBys[{i}] must order by a metric or a dimension.")
    return out


def _parse_report(body: Any, property_id: str, today: date) -> _ReportSpec:
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
    dimensions = _named_list(body.get("dimensions"), "dimensions")
    metrics = _named_list(body.get("metrics"), "metrics")
    _check_names(dimensions, metrics)
    ranges = _parse_ranges(body.get("dateRanges"), today)
    if len(ranges) > 1 and "dateRange" not in dimensions:
        dimensions.append("dateRange")

    raw_filter = body.get("dimensionFilter")
    dimension_filter = _compile_dimension_filter(raw_filter) if raw_filter else None
    raw_metric_filter = body.get("metricFilter")
    metric_filter = _compile_metric_filter(raw_metric_filter) if raw_metric_filter else None

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
    return _ReportSpec(
        dimensions=dimensions,
        metrics=metrics,
        ranges=ranges,
        dimension_filter=dimension_filter,
        metric_filter=metric_filter,
        explode_events="eventName" in dimensions or "eventName" in _filter_fields(raw_filter),
        limit=limit,
        offset=offset,
        keep_empty=bool(body.get("keepEmptyRows", False)),
        return_quota=bool(body.get("returnPropertyQuota", False)),
        order_bys=_parse_order_bys(body.get("orderBys"), dimensions, metrics),
        aggregations=aggregations,
        currency=str(currency) if currency else None,
    )


# ---------------------------------------------------------------------------------------- computation


def _metric_values(sessions: Iterable[_Session], event_count: int) -> dict[str, float]:
    """Every metric over a set of distinct sessions (``event_count`` is attributed separately)."""
    n = engaged = pageviews = 0
    duration = key_events = 0.0
    users: set[str] = set()
    new_users: set[str] = set()
    for s in sessions:
        n += 1
        users.add(s.user)
        if s.new_user:
            new_users.add(s.user)
        engaged += s.engaged
        duration += s.duration_s
        pageviews += s.pageviews
        key_events += s.key_events
    engagement = engaged / n if n else 0.0
    return {
        "sessions": n,
        "totalUsers": len(users),
        "newUsers": len(new_users),
        "engagedSessions": engaged,
        "engagementRate": engagement,
        "bounceRate": 1.0 - engagement if n else 0.0,
        "averageSessionDuration": duration / n if n else 0.0,
        "screenPageViews": pageviews,
        "keyEvents": key_events,
        "eventCount": event_count,
    }


def _format_value(metric: str, value: float) -> str:
    if METRICS[metric][1] == "TYPE_INTEGER":
        return str(int(value))
    # The API prints doubles with 17 significant digits ("0.47857142857142859"); integral ones bare.
    return format(float(value), ".17g")


@dataclass
class _Row:
    range_index: int
    dims: tuple[str, ...]
    sessions: dict[int, int]  # session idx -> events attributed to this row
    values: dict[str, float] = field(default_factory=dict)


def _order_key(order: _OrderBy, spec: _ReportSpec) -> Callable[[_Row], Any]:
    if order.kind == "metric":
        return lambda r: r.values[order.name]
    pos = spec.dimensions.index(order.name)
    if order.order_type == "NUMERIC":

        def numeric_key(r: _Row) -> tuple[bool, float]:
            number = _to_float(r.dims[pos])
            # Values that are not numbers sort after every number.
            return (number is None, number if number is not None else 0.0)

        return numeric_key
    if order.order_type == "CASE_INSENSITIVE_ALPHANUMERIC":
        return lambda r: r.dims[pos].casefold()
    return lambda r: r.dims[pos]


def _sort_rows(rows: list[_Row], spec: _ReportSpec) -> None:
    rows.sort(key=lambda r: (r.range_index, r.dims))
    # Stable sorts applied last-key-first give a lexicographic multi-key order.
    for order in reversed(spec.order_bys):
        rows.sort(key=_order_key(order, spec), reverse=order.desc)


def _run_report(prop: _Property, spec: _ReportSpec) -> tuple[JSON, int]:
    """Answer one report; returns the response body (without ``propertyQuota``) and its rowCount."""
    getters = [DIMENSIONS[d][2] for d in spec.dimensions]
    groups: dict[tuple[int, tuple[str, ...]], dict[int, int]] = {}
    range_sessions: list[dict[int, int]] = []  # every fact that passed the filter, per date range
    for r_index, rng in enumerate(spec.ranges):
        lo = bisect_left(prop.days, rng.start)
        hi = bisect_right(prop.days, rng.end)
        passed: dict[int, int] = {}
        for s in prop.sessions[lo:hi]:
            facts: Sequence[tuple[str | None, int]] = s.events if spec.explode_events else ((None, s.event_total),)
            for event_name, count in facts:
                if spec.dimension_filter is not None and not spec.dimension_filter(s, event_name, rng.name):
                    continue
                key = (r_index, tuple(g(s, event_name, rng.name) for g in getters))
                bucket = groups.setdefault(key, {})
                bucket[s.idx] = bucket.get(s.idx, 0) + count
                passed[s.idx] = passed.get(s.idx, 0) + count
        range_sessions.append(passed)

    rows: list[_Row] = []
    for (r_index, dims), bucket in groups.items():
        row = _Row(r_index, dims, bucket)
        row.values = _metric_values((prop.by_idx[i] for i in bucket), sum(bucket.values()))
        if spec.metric_filter is not None and not spec.metric_filter(row.values):
            continue
        if spec.metrics and not spec.keep_empty and all(row.values[m] == 0 for m in spec.metrics):
            continue
        rows.append(row)
    _sort_rows(rows, spec)

    def render(dims: Sequence[str], values: Mapping[str, float]) -> JSON:
        return {
            "dimensionValues": [{"value": v} for v in dims],
            "metricValues": [{"value": _format_value(m, values[m])} for m in spec.metrics],
        }

    body: JSON = {
        "dimensionHeaders": [{"name": d} for d in spec.dimensions],
        "metricHeaders": [{"name": m, "type": METRICS[m][1]} for m in spec.metrics],
    }
    page = rows[spec.offset : spec.offset + spec.limit]
    if page:
        body["rows"] = [render(r.dims, r.values) for r in page]
    for agg, out_key, reserved in (
        ("TOTAL", "totals", "RESERVED_TOTAL"),
        ("MAXIMUM", "maximums", "RESERVED_MAX"),
        ("MINIMUM", "minimums", "RESERVED_MIN"),
    ):
        if agg not in spec.aggregations:
            continue
        agg_rows: list[JSON] = []
        for r_index, rng in enumerate(spec.ranges):
            in_range = [r for r in rows if r.range_index == r_index]
            agg_dims = [rng.name if d == "dateRange" else reserved for d in spec.dimensions]
            if agg == "TOTAL":
                # Totals are computed over the union of the kept rows' sessions, so user counts stay
                # distinct (a total is not the sum of its rows for totalUsers/newUsers).
                union: dict[int, int] = {}
                for r in in_range:
                    for idx, count in r.sessions.items():
                        union[idx] = union.get(idx, 0) + count
                values = _metric_values((prop.by_idx[i] for i in union), sum(union.values()))
            else:
                pick = max if agg == "MAXIMUM" else min
                values = {m: pick((r.values[m] for r in in_range), default=0.0) for m in spec.metrics}
            agg_rows.append(render(agg_dims, values))
        body[out_key] = agg_rows
    if rows:
        body["rowCount"] = len(rows)
    metadata: JSON = {"currencyCode": spec.currency or prop.currency, "timeZone": prop.time_zone}
    if prop.data_loss:
        metadata["dataLossFromOtherRow"] = True
    if prop.thresholding:
        metadata["subjectToThresholding"] = True
    body["metadata"] = metadata
    body["kind"] = "analyticsData#runReport"
    return body, len(rows)


def report_cost(row_count: int) -> int:
    """Tokens one report costs: ``1 + row_count // 1000`` (the real formula is unpublished)."""
    return 1 + row_count // 1000


# ---------------------------------------------------------------------------------------- quotas


class _Quota:
    """Per-property quota counters with day (Pacific midnight) and hour windows."""

    def __init__(self, limits: Mapping[str, int], clock: Callable[[], datetime]) -> None:
        self.limits = dict(limits)
        self._clock = clock
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Zero every windowed counter (requests in flight are real and stay counted)."""
        self.day_key: date | None = None
        self.hour_key: int | None = None
        self.tokens_day = 0
        self.tokens_hour = 0
        self.server_errors_hour = 0
        self.thresholded_hour = 0

    def roll(self) -> None:
        now = self._clock()
        day = now.astimezone(_QUOTA_DAY_TZ).date()
        hour = int(now.timestamp() // 3600)
        if day != self.day_key:
            self.day_key = day
            self.tokens_day = 0
        if hour != self.hour_key:
            self.hour_key = hour
            self.tokens_hour = 0
            self.server_errors_hour = 0
            self.thresholded_hour = 0

    def consumed(self) -> dict[str, int]:
        return {
            "tokensPerDay": self.tokens_day,
            "tokensPerHour": self.tokens_hour,
            "concurrentRequests": max(0, self.in_flight - 1),
            "serverErrorsPerProjectPerHour": self.server_errors_hour,
            "potentiallyThresholdedRequestsPerHour": self.thresholded_hour,
            # One project talks to the emulator, so the project's share is the property's hourly use.
            "tokensPerProjectPerHour": self.tokens_hour,
        }

    def exhausted(self) -> str | None:
        """Name the first enforced quota that is spent, or None."""
        consumed = self.consumed()
        messages = {
            "tokensPerDay": "Exhausted property tokens per day quota",
            "tokensPerHour": "Exhausted property tokens per hour quota",
            "tokensPerProjectPerHour": "Exhausted property tokens for a project per hour quota",
            "serverErrorsPerProjectPerHour": "Exhausted server errors per project per hour quota",
            "potentiallyThresholdedRequestsPerHour": ("Exhausted potentially thresholded requests per hour quota"),
        }
        for key, text in messages.items():
            limit = self.limits[key]
            if limit and consumed[key] >= limit:
                unit = " tokens" if key.startswith("tokens") else ""
                return (
                    f"{text}. Consumed: {consumed[key]}{unit}; limit: {limit}{unit}. "
                    "Wait for the quota to refresh or reduce the number and size of requests."
                )
        return None

    def status(self) -> JSON:
        consumed = self.consumed()
        out: JSON = {}
        for key in (
            "tokensPerDay",
            "tokensPerHour",
            "concurrentRequests",
            "serverErrorsPerProjectPerHour",
            "potentiallyThresholdedRequestsPerHour",
            "tokensPerProjectPerHour",
        ):
            limit = self.limits[key] or STANDARD_QUOTAS[key]
            out[key] = {"consumed": consumed[key], "remaining": max(0, limit - consumed[key])}
        return out


# ---------------------------------------------------------------------------------------- the emulator


class GA4Emulator(RequestCounter):
    """WSGI app emulating the GA4 Data API endpoints the pipeline uses (see the module docstring).

    Request counts are keyed ``"runReport"``, ``"batchRunReports"``, ``"metadata"`` and ``"not_found"``.

    Attributes:
        report_hook: Called while a report request holds its concurrency slot (after auth and quota
            checks, before computing). Tests use it to hold requests in flight with events; benchmarks to
            add latency. None by default.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        oauth: GoogleOAuthEmulator | None = None,
        tokens_per_day: int = 0,
        tokens_per_hour: int = 0,
        tokens_per_project_per_hour: int = 0,
        concurrent_requests: int = 10,
        server_errors_per_hour: int = 10,
        thresholded_requests_per_hour: int = 120,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``ga4`` part; None or ``{}`` serves no property (every report is 403).
            oauth: When given, bearer tokens must be valid there and carry an analytics scope; otherwise
                any non-empty bearer token is accepted.
            tokens_per_day: Core tokens per property per day (resets at midnight Pacific); 0 = unlimited.
            tokens_per_hour: Core tokens per property per hour; 0 = unlimited.
            tokens_per_project_per_hour: Core tokens per project per property per hour; 0 = unlimited.
            concurrent_requests: Requests per property in flight at once; 0 = unlimited.
            server_errors_per_hour: Server errors (from :meth:`fail_next`) per hour before the property
                locks; 0 = unlimited.
            thresholded_requests_per_hour: Requests per hour to a property flagged ``thresholding``;
                0 = unlimited.
            clock: Wall clock (aware datetime) resolving ``today``/``NdaysAgo`` in the property's time zone
                and driving the quota windows; tests inject a fake one.

        Raises:
            ValueError: When the fixture part is malformed (message names the session index and field).
        """
        super().__init__()
        self._oauth = oauth
        self._clock = clock
        self._lock = threading.Lock()
        self._limits = {
            "tokensPerDay": tokens_per_day,
            "tokensPerHour": tokens_per_hour,
            "tokensPerProjectPerHour": tokens_per_project_per_hour,
            "concurrentRequests": concurrent_requests,
            "serverErrorsPerProjectPerHour": server_errors_per_hour,
            "potentiallyThresholdedRequestsPerHour": thresholded_requests_per_hour,
        }
        if any(v < 0 for v in self._limits.values()):
            raise ValueError("quota limits must be >= 0")
        self._quotas: dict[str, _Quota] = {}
        self._properties: dict[str, _Property] = {}
        self._pending_failures: list[int] = []
        self.report_hook: Callable[[], None] | None = None
        self.set_data(data or {})

    # ------------------------------------------------------------------ data and test controls

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the served property with a fixture's ``ga4`` part (quota counters are kept).

        Args:
            data: Mapping with ``property_id``, ``time_zone``, optional ``currency``, ``sessions``,
                ``thresholding`` and ``data_loss_from_other_row``; empty serves no property.

        Raises:
            ValueError: When the part is malformed.
        """
        props: dict[str, _Property] = {}
        if data:
            prop = _load_property(data)
            props[prop.property_id] = prop
        with self._lock:
            self._properties = props

    @property
    def property_ids(self) -> list[str]:
        """Ids of the properties served."""
        with self._lock:
            return sorted(self._properties)

    def fail_next(self, count: int = 1, *, status: int = 503) -> None:
        """Make the next ``count`` report requests fail with a server error (500 or 503).

        Each counts against ``serverErrorsPerProjectPerHour``, as real server errors do.

        Args:
            count: Number of requests to fail.
            status: 500 (``INTERNAL``) or 503 (``UNAVAILABLE``).
        """
        if status not in SERVER_ERROR_MESSAGES:
            raise ValueError("status must be 500 or 503")
        with self._lock:
            self._pending_failures.extend([status] * count)

    def quota_status(self, property_id: str) -> JSON:
        """Return the ``propertyQuota`` object a request to ``property_id`` would see now."""
        with self._lock:
            quota = self._quota(property_id)
            quota.roll()
            return quota.status()

    def reset_quotas(self) -> None:
        """Forget every quota counter (in-flight requests excepted)."""
        with self._lock:
            for quota in self._quotas.values():
                quota.reset()

    def _quota(self, property_id: str) -> _Quota:
        quota = self._quotas.get(property_id)
        if quota is None:
            quota = self._quotas[property_id] = _Quota(self._limits, self._clock)
        return quota

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        match = _PATH.fullmatch(request.path)
        if match is None:
            return self._finish("not_found", error_response(RpcError(404, f"Method not found: {request.path}")))
        property_id, method, metadata = match.groups()
        name = method or "metadata"
        expected_method = "GET" if metadata else "POST"
        if request.method != expected_method:
            err = RpcError(405, f"Method {request.method} is not allowed for {request.path}.")
            return self._finish(name, error_response(err))
        try:
            self._authenticate(request, name)
            if metadata:
                response = self._handle_metadata(property_id)
            else:
                response = self._handle_reports(request, property_id, name)
        except RpcError as err:
            response = error_response(err)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response

    def _authenticate(self, request: Request, method: str) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise RpcError(401, _MISSING_CREDENTIALS_MESSAGE, [_error_info("CREDENTIALS_MISSING", method)])
        if self._oauth is None:
            return
        issued = self._oauth.token_info(token)
        if issued is None:
            known = self._oauth.token_info(token, include_expired=True) is not None
            reason = "ACCESS_TOKEN_EXPIRED" if known else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
            raise RpcError(401, _UNAUTHENTICATED_MESSAGE, [_error_info(reason, method)])
        if not issued.has_scope(ANALYTICS_SCOPE_PREFIX):
            raise RpcError(
                403,
                "Request had insufficient authentication scopes.",
                [_error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", method)],
            )

    def _lookup_property(self, property_id: str) -> _Property:
        if not property_id.isdigit():
            raise invalid(f"Invalid property ID: {property_id}. A numeric Property ID is required.")
        with self._lock:
            prop = self._properties.get(property_id)
        if prop is None:
            raise RpcError(403, _PERMISSION_MESSAGE)
        return prop

    def _handle_metadata(self, property_id: str) -> Response:
        if property_id != "0":
            self._lookup_property(property_id)
        return json_response(
            {
                "name": f"properties/{property_id}/metadata",
                "dimensions": [
                    {"apiName": k, "uiName": ui, "description": ui, "category": cat}
                    for k, (ui, cat, _) in DIMENSIONS.items()
                ],
                "metrics": [
                    {"apiName": k, "uiName": ui, "description": ui, "type": typ, "category": "Session"}
                    for k, (ui, typ) in METRICS.items()
                ],
            }
        )

    def _handle_reports(self, request: Request, property_id: str, method: str) -> Response:
        prop = self._lookup_property(property_id)
        body = json_body(request)
        with self._lock:
            quota = self._quota(property_id)
            quota.roll()
            exhausted = quota.exhausted()
            if exhausted is not None:
                raise RpcError(429, exhausted)
            concurrent = self._limits["concurrentRequests"]
            if concurrent and quota.in_flight >= concurrent:
                raise RpcError(429, "Exhausted concurrent requests quota. Too many requests in flight.")
            quota.in_flight += 1
            failure = self._pending_failures.pop(0) if self._pending_failures else None
            if failure is not None:
                quota.server_errors_hour += 1
        try:
            if failure is not None:
                raise RpcError(failure, SERVER_ERROR_MESSAGES[failure])
            if self.report_hook is not None:
                self.report_hook()
            today = self._clock().astimezone(ZoneInfo(prop.time_zone)).date()
            if method == "runReport":
                specs = [_parse_report(body, property_id, today)]
            else:
                specs = self._parse_batch(body, property_id, today)
            reports: list[JSON] = []
            for spec in specs:
                report, row_count = _run_report(prop, spec)
                with self._lock:
                    quota.roll()
                    quota.tokens_day += report_cost(row_count)
                    quota.tokens_hour += report_cost(row_count)
                    if prop.thresholding:
                        quota.thresholded_hour += 1
                    if spec.return_quota:
                        # propertyQuota sits before kind in the real response.
                        kind = report.pop("kind")
                        report["propertyQuota"] = quota.status()
                        report["kind"] = kind
                reports.append(report)
        finally:
            with self._lock:
                quota.in_flight -= 1
        if method == "runReport":
            return json_response(reports[0])
        return json_response({"reports": reports, "kind": "analyticsData#batchRunReports"})

    @staticmethod
    def _parse_batch(body: JSON, property_id: str, today: date) -> list[_ReportSpec]:
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
            raise invalid(
                f"Requests are limited to {_MAX_BATCH} reports within a batch. This request has {len(requests)}."
            )
        specs: list[_ReportSpec] = []
        for i, sub in enumerate(requests):
            try:
                specs.append(_parse_report(sub, property_id, today))
            except RpcError as err:
                raise invalid(f"requests[{i}]: {err.message}") from err
        return specs


def _error_info(reason: str, method: str) -> JSON:
    rpc = {"runReport": "RunReport", "batchRunReports": "BatchRunReports", "metadata": "GetMetadata"}
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {
            "service": "analyticsdata.googleapis.com",
            "method": f"google.analytics.data.v1beta.BetaAnalyticsData.{rpc.get(method, method)}",
        },
    }
