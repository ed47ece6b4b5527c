"""Local, faithful emulator of the Google Ads API REST endpoints ``googleAds:search`` and ``:searchStream``.

Contract: shared/reference/api-wire-formats.md §3. The emulator serves the ``google_ads`` part of a fixture
file (DESIGN.md §4): ``customer_id``, ``currency``, ``time_zone``, optional ``campaigns`` and daily ``rows``
in API shape (``{"campaign": {...}, "metrics": {...}, "segments": {"date": ...}}``).

Queries are real GAQL over the ``campaign`` resource, parsed by a small recursive-descent parser:
``SELECT f, ... FROM campaign [WHERE cond AND ...] [ORDER BY f [ASC|DESC], ...] [LIMIT n]
[PARAMETERS name = value, ...]`` with the operators ``= != < <= > >= IN NOT IN LIKE NOT LIKE
REGEXP_MATCH NOT REGEXP_MATCH BETWEEN DURING IS NULL IS NOT NULL``. Rows are segmented exactly as GAQL
segments them: one row per campaign and selected segment (``segments.date``), metrics summed over
everything that is not selected. Results use the proto3 JSON mapping: lowerCamelCase names, int64 as JSON
strings, doubles as numbers, enums as strings.

What a client must get right, and what the emulator therefore enforces: bearer token, ``developer-token``,
``login-customer-id`` when going through a manager, customer ids without dashes, no ``pageSize`` (fixed page
size, ``nextPageToken`` only when more rows), page tokens tied to their query, versioned ``GoogleAdsFailure``
error details, array-wrapped ``searchStream`` errors, 429 ``RESOURCE_EXHAUSTED`` with ``retryDelay``.

Choices made where the real behaviour is unknown ([U] in the reference):

* A missing ``developer-token`` is a 400 ``requestError: DEVELOPER_TOKEN_PARAMETER_MISSING`` (what the API
  answers over gRPC, INVALID_ARGUMENT); a wrong one is a 401 ``authenticationError: DEVELOPER_TOKEN_INVALID``.
* Daily operations are counted per request (each ``search`` page and each ``searchStream`` call is one)
  over a rolling 24 h window of the injected clock; the 429 uses HTTP 429 and ``retryDelay`` is the time
  until the oldest counted request leaves the window.
* Selecting ``segments.date`` without a date filter is allowed and returns every day.
* A metric missing from a fixture row is omitted from the result row (the real API may omit zero metrics).
* Without ORDER BY, rows come ordered by date, then campaign id. ``LIKE`` and ``REGEXP_MATCH`` are
  case-sensitive. ``searchStream`` batches hold ``page_size`` rows; an empty result is one batch without
  ``results``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RollingWindowLimiter
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FIELDS",
    "GaqlError",
    "GaqlQuery",
    "GoogleAdsEmulator",
    "parse_gaql",
]

JSON = dict[str, Any]
Kind = Literal["int64", "double", "string", "enum", "date"]
Category = Literal["attribute", "segment", "metric"]

#: Rows per ``search`` page (fixed by the real API since v17) and per ``searchStream`` batch.
DEFAULT_PAGE_SIZE = 10_000
_DAY_S = 86_400.0


@dataclass(frozen=True)
class _Field:
    """One selectable GAQL field of the emulated ``campaign`` report."""

    name: str
    kind: Kind
    category: Category
    enum_values: frozenset[str] = frozenset()

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def json_name(self) -> str:
        head, *rest = self.name.split(".", 1)[1].split("_")
        return head + "".join(part.capitalize() for part in rest)

    @property
    def mask_name(self) -> str:
        return f"{self.resource}.{self.json_name}"


_STATUSES = frozenset({"ENABLED", "PAUSED", "REMOVED", "UNKNOWN", "UNSPECIFIED"})
_CHANNEL_TYPES = frozenset(
    {
        "SEARCH",
        "DISPLAY",
        "SHOPPING",
        "HOTEL",
        "VIDEO",
        "MULTI_CHANNEL",
        "LOCAL",
        "SMART",
        "PERFORMANCE_MAX",
        "LOCAL_SERVICES",
        "TRAVEL",
        "DEMAND_GEN",
        "UNKNOWN",
        "UNSPECIFIED",
    }
)

#: Every field the emulator understands, by GAQL name.
FIELDS: dict[str, _Field] = {
    f.name: f
    for f in (
        _Field("segments.date", "date", "segment"),
        _Field("campaign.resource_name", "string", "attribute"),
        _Field("campaign.id", "int64", "attribute"),
        _Field("campaign.name", "string", "attribute"),
        _Field("campaign.status", "enum", "attribute", _STATUSES),
        _Field("campaign.advertising_channel_type", "enum", "attribute", _CHANNEL_TYPES),
        _Field("customer.resource_name", "string", "attribute"),
        _Field("customer.id", "int64", "attribute"),
        _Field("customer.descriptive_name", "string", "attribute"),
        _Field("customer.currency_code", "string", "attribute"),
        _Field("customer.time_zone", "string", "attribute"),
        _Field("metrics.impressions", "int64", "metric"),
        _Field("metrics.clicks", "int64", "metric"),
        _Field("metrics.cost_micros", "int64", "metric"),
        _Field("metrics.conversions", "double", "metric"),
        _Field("metrics.conversions_value", "double", "metric"),
        _Field("metrics.all_conversions", "double", "metric"),
    )
}
_METRIC_BY_JSON: dict[str, _Field] = {
    **{f.json_name: f for f in FIELDS.values() if f.category == "metric"},
    **{f.name.split(".", 1)[1]: f for f in FIELDS.values() if f.category == "metric"},
}
_DURING_LITERALS = frozenset(
    {
        "TODAY",
        "YESTERDAY",
        "LAST_7_DAYS",
        "LAST_14_DAYS",
        "LAST_30_DAYS",
        "LAST_BUSINESS_WEEK",
        "THIS_MONTH",
        "LAST_MONTH",
        "THIS_WEEK_SUN_TODAY",
        "THIS_WEEK_MON_TODAY",
        "LAST_WEEK_SUN_SAT",
        "LAST_WEEK_MON_SUN",
    }
)
_PARAMETERS = frozenset({"include_drafts", "omit_unselected_resource_names"})
_SEARCH_BODY_KEYS = frozenset(
    {"query", "pageToken", "pageSize", "validateOnly", "returnTotalResultsCount", "summaryRowSetting"}
)
_STREAM_BODY_KEYS = frozenset({"query", "summaryRowSetting"})
_PERMISSION_MESSAGE = (
    "User doesn't have permission to access customer. Note: If you're accessing a client customer, the "
    "manager's customer id must be set in the 'login-customer-id' header. See "
    "https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid"
)
_MISSING_CREDENTIAL = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/"
    "devconsole-project."
)
_INVALID_CREDENTIAL = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/"
    "devconsole-project."
)


# ---------------------------------------------------------------------------------------------- errors


class GaqlError(ValueError):
    """A GAQL query the API would reject with ``queryError: <code>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _ApiError(Exception):
    """An error answered as a ``google.rpc.Status`` body, with a ``GoogleAdsFailure`` detail when set."""

    def __init__(
        self,
        http: int,
        status: str,
        message: str,
        *,
        error_code: Mapping[str, str] | None = None,
        detail_message: str | None = None,
        extra_details: list[JSON] | None = None,
        error_details: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.http = http
        self.status = status
        self.message = message
        self.error_code = dict(error_code) if error_code else None
        self.detail_message = detail_message or message
        self.extra_details = extra_details or []
        self.error_details = error_details

    def body(self, version: int, request_id: str) -> JSON:
        details: list[JSON] = list(self.extra_details)
        if self.error_code is not None:
            error: JSON = {"errorCode": self.error_code, "message": self.detail_message}
            if self.error_details is not None:
                error["details"] = self.error_details
            details.append(
                {
                    "@type": f"type.googleapis.com/google.ads.googleads.v{version}.errors.GoogleAdsFailure",
                    "errors": [error],
                    "requestId": request_id,
                }
            )
        out: JSON = {"code": self.http, "message": self.message, "status": self.status}
        if details:
            out["details"] = details
        return {"error": out}


def _invalid_argument(kind: str, code: str, message: str) -> _ApiError:
    return _ApiError(
        400,
        "INVALID_ARGUMENT",
        "Request contains an invalid argument.",
        error_code={kind: code},
        detail_message=message,
    )


def _permission_denied(code: str, message: str) -> _ApiError:
    return _ApiError(
        403,
        "PERMISSION_DENIED",
        "The caller does not have permission",
        error_code={"authorizationError": code},
        detail_message=message,
    )


def _bad_json(message: str) -> _ApiError:
    return _ApiError(
        400,
        "INVALID_ARGUMENT",
        message,
        extra_details=[
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"description": message}],
            }
        ],
    )


# ---------------------------------------------------------------------------------------------- GAQL


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>!=|>=|<=|=|>|<|\(|\)|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "string" | "number" | "name" | "op" | "end"
    text: str
    value: Any = None


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN_RE.match(query, pos)
        if match is None:
            rest = query[pos:]
            if rest[0] in "'\"":
                closing = rest.find(rest[0], 1)
                newline = rest.find("\n", 1)
                if newline != -1 and (closing == -1 or newline < closing):
                    raise GaqlError("PROHIBITED_NEWLINE_IN_STRING", "Strings cannot contain a newline.")
                raise GaqlError("STRING_NOT_TERMINATED", f"Unterminated string starting at position {pos}.")
            raise GaqlError("BAD_SYMBOL", f"Error in query: unexpected input {rest[:10]!r}.")
        kind = match.lastgroup or ""
        text = match.group()
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "string":
            value: Any = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "number":
            value = float(text) if "." in text else int(text)
        else:
            value = text
        tokens.append(_Token(kind, text, value))
    tokens.append(_Token("end", ""))
    return tokens


@dataclass(frozen=True)
class _Condition:
    field: _Field
    operator: str  # = != < <= > >= IN NOT_IN LIKE NOT_LIKE REGEXP NOT_REGEXP BETWEEN IS_NULL IS_NOT_NULL
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class GaqlQuery:
    """A parsed GAQL query over ``campaign``.

    Attributes:
        select: Selected fields, in SELECT order, without duplicates.
        resource: The FROM resource (always ``campaign``).
        where: Conditions AND-ed together.
        order_by: ``(field, descending)`` pairs.
        limit: LIMIT value, or None.
        parameters: PARAMETERS clause, lower-cased names to raw values.
    """

    select: tuple[_Field, ...]
    resource: str
    where: tuple[_Condition, ...] = ()
    order_by: tuple[tuple[_Field, bool], ...] = ()
    limit: int | None = None
    parameters: dict[str, str] = field(default_factory=dict)


class _GaqlParser:
    def __init__(self, query: str, today: Callable[[], date]) -> None:
        self.tokens = _tokenize(query)
        self.pos = 0
        self.today = today

    def _peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        if token.kind == "end":
            raise GaqlError("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        self.pos += 1
        return token

    def _keyword(self, word: str, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token.kind == "name" and token.text.upper() == word

    def _expect_op(self, op: str, code: str) -> None:
        token = self._next()
        if token.kind != "op" or token.text != op:
            raise GaqlError(code, f"Error in query: expected {op!r} but found {token.text!r}.")

    def _field(self, clause: str) -> _Field:
        token = self._next()
        if token.kind != "name":
            raise GaqlError("BAD_FIELD_NAME", f"Error in {clause} clause: invalid field name {token.text!r}.")
        found = FIELDS.get(token.text)
        if found is None:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Error in {clause} clause: unrecognized field '{token.text}'.")
        return found

    def parse(self) -> GaqlQuery:
        if not self._keyword("SELECT"):
            raise GaqlError("EXPECTED_SELECT", "Error in query: expected SELECT.")
        self.pos += 1
        select = [self._field("SELECT")]
        while self._peek().text == ",":
            self.pos += 1
            select.append(self._field("SELECT"))
        if not self._keyword("FROM"):
            raise GaqlError("EXPECTED_FROM", "Error in query: expected FROM.")
        self.pos += 1
        resource = self._next()
        if resource.kind != "name" or resource.text != "campaign":
            raise GaqlError(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Error in FROM clause: invalid resource name '{resource.text}' "
                "(the emulator serves the campaign resource only).",
            )
        where: list[_Condition] = []
        if self._keyword("WHERE"):
            self.pos += 1
            where.append(self._condition())
            while self._keyword("AND"):
                self.pos += 1
                where.append(self._condition())
        order_by: list[tuple[_Field, bool]] = []
        if self._keyword("ORDER"):
            self.pos += 1
            if not self._keyword("BY"):
                raise GaqlError("EXPECTED_BY", "Error in query: expected BY after ORDER.")
            self.pos += 1
            while True:
                f = self._field("ORDER BY")
                descending = False
                if self._keyword("ASC") or self._keyword("DESC"):
                    descending = self._next().text.upper() == "DESC"
                order_by.append((f, descending))
                if self._peek().text != ",":
                    break
                self.pos += 1
        limit: int | None = None
        if self._keyword("LIMIT"):
            self.pos += 1
            token = self._next()
            if token.kind != "number" or not isinstance(token.value, int):
                raise GaqlError("BAD_LIMIT_VALUE", f"Error in LIMIT clause: invalid value {token.text!r}.")
            if token.value < 1:
                raise GaqlError("LIMIT_VALUE_TOO_LOW", "Error in LIMIT clause: the value must be positive.")
            limit = token.value
        parameters: dict[str, str] = {}
        if self._keyword("PARAMETERS"):
            self.pos += 1
            while True:
                name = self._next()
                if name.kind != "name" or name.text.lower() not in _PARAMETERS:
                    raise GaqlError("BAD_PARAMETER_NAME", f"Error in PARAMETERS clause: unknown '{name.text}'.")
                self._expect_op("=", "BAD_PARAMETER_VALUE")
                value = self._next()
                if value.text.lower() not in ("true", "false"):
                    raise GaqlError("BAD_PARAMETER_VALUE", f"Error in PARAMETERS clause: bad value {value.text!r}.")
                parameters[name.text.lower()] = value.text.lower()
                if self._peek().text != ",":
                    break
                self.pos += 1
        if self._peek().kind != "end":
            raise GaqlError("UNEXPECTED_INPUT", f"Error in query: unexpected input {self._peek().text!r}.")
        return GaqlQuery(
            select=tuple(dict.fromkeys(select)),
            resource=resource.text,
            where=tuple(where),
            order_by=tuple(order_by),
            limit=limit,
            parameters=parameters,
        )

    def _condition(self) -> _Condition:
        f = self._field("WHERE")
        token = self._next()
        upper = token.text.upper() if token.kind == "name" else token.text
        negated = False
        if upper == "NOT":
            negated = True
            token = self._next()
            upper = token.text.upper() if token.kind == "name" else token.text
        if token.kind == "op" and upper in ("=", "!=", "<", "<=", ">", ">=") and not negated:
            return _Condition(f, upper, (self._literal(f),))
        if upper == "IN":
            return _Condition(f, "NOT_IN" if negated else "IN", tuple(self._list(f)))
        if upper == "LIKE":
            return _Condition(f, "NOT_LIKE" if negated else "LIKE", (self._pattern(f, "LIKE"),))
        if upper == "REGEXP_MATCH":
            return _Condition(f, "NOT_REGEXP" if negated else "REGEXP", (self._pattern(f, "REGEXP_MATCH"),))
        if upper == "BETWEEN" and not negated:
            low = self._literal(f, between=True)
            if not self._keyword("AND"):
                raise GaqlError("EXPECTED_AND", "Error in WHERE clause: expected AND in BETWEEN.")
            self.pos += 1
            high = self._literal(f, between=True)
            if f.kind == "date" and low > high:
                raise GaqlError("DATE_RANGE_TOO_NARROW", "Error in WHERE clause: start date is after end date.")
            return _Condition(f, "BETWEEN", (low, high))
        if upper == "DURING" and not negated:
            return self._during(f)
        if upper == "IS" and not negated:
            is_not = self._keyword("NOT")
            if is_not:
                self.pos += 1
            if not self._keyword("NULL"):
                raise GaqlError("BAD_OPERATOR", "Error in WHERE clause: expected NULL after IS.")
            self.pos += 1
            return _Condition(f, "IS_NOT_NULL" if is_not else "IS_NULL")
        raise GaqlError("BAD_OPERATOR", f"Error in WHERE clause: invalid operator {token.text!r}.")

    def _literal(self, f: _Field, *, between: bool = False) -> Any:
        token = self._next()
        if token.kind not in ("string", "number", "name"):
            raise GaqlError("EXPECTED_SINGLE_VALUE", f"Error in WHERE clause: expected a value for {f.name}.")
        return self._coerce(f, token, between=between)

    def _coerce(self, f: _Field, token: _Token, *, between: bool = False) -> Any:
        if f.kind == "date":
            if token.kind != "string":
                code = "INVALID_VALUE_WITH_BETWEEN_OPERATOR" if between else "INVALID_DATE_FORMAT"
                raise GaqlError(code, f"Error in WHERE clause: {token.text} is not a date literal 'YYYY-MM-DD'.")
            try:
                return date.fromisoformat(token.value).isoformat()
            except ValueError as exc:
                code = "INVALID_VALUE_WITH_BETWEEN_OPERATOR" if between else "INVALID_DATE_FORMAT"
                raise GaqlError(code, f"Error in WHERE clause: invalid date {token.text}.") from exc
        if f.kind == "int64":
            try:
                return int(token.value)
            except (TypeError, ValueError) as exc:
                raise GaqlError("BAD_NUMBER", f"Error in WHERE clause: {token.text} is not a number.") from exc
        if f.kind == "double":
            if token.kind != "number":
                raise GaqlError("BAD_NUMBER", f"Error in WHERE clause: {token.text} is not a number.")
            return float(token.value)
        if f.kind == "enum":
            value = str(token.value)
            if value not in f.enum_values:
                raise GaqlError("BAD_ENUM_CONSTANT", f"Error in WHERE clause: invalid enum value {value!r}.")
            return value
        if token.kind != "string":
            raise GaqlError("INVALID_STRING_VALUE", f"Error in WHERE clause: {token.text} is not a string.")
        return str(token.value)

    def _list(self, f: _Field) -> list[Any]:
        if self._peek().text != "(":
            raise GaqlError("EXPECTED_LIST", "Error in WHERE clause: expected a list after IN.")
        self.pos += 1
        if self._peek().text == ")":
            raise GaqlError("PROHIBITED_EMPTY_LIST_IN_CONDITION", "Error in WHERE clause: empty list.")
        values = [self._literal(f)]
        while self._peek().text == ",":
            self.pos += 1
            values.append(self._literal(f))
        self._expect_op(")", "EXPECTED_LIST")
        return values

    def _pattern(self, f: _Field, operator: str) -> re.Pattern[str]:
        token = self._next()
        if token.kind != "string" or f.kind not in ("string", "enum", "date"):
            raise GaqlError(
                "INVALID_VALUE_WITH_LIKE_OPERATOR" if operator == "LIKE" else "OPERATOR_FIELD_MISMATCH",
                f"Error in WHERE clause: {operator} needs a string field and a string literal.",
            )
        if operator == "REGEXP_MATCH":
            try:
                return re.compile(token.value)
            except re.error as exc:
                raise GaqlError("BAD_VALUE", f"Error in WHERE clause: invalid regular expression: {exc}.") from exc
        # LIKE: % is any run, _ one character, [x] escapes x.
        parts: list[str] = []
        text = str(token.value)
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "[" and i + 2 < len(text) and text[i + 2] == "]":
                parts.append(re.escape(text[i + 1]))
                i += 3
                continue
            parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
            i += 1
        return re.compile("".join(parts), re.DOTALL)

    def _during(self, f: _Field) -> _Condition:
        token = self._next()
        literal = token.text.upper()
        if f.kind != "date":
            raise GaqlError("OPERATOR_FIELD_MISMATCH", f"Error in WHERE clause: DURING is not valid for {f.name}.")
        if token.kind != "name" or literal not in _DURING_LITERALS:
            raise GaqlError(
                "INVALID_VALUE_WITH_DURING_OPERATOR",
                f"Invalid date literal supplied for DURING operator: {token.text}.",
            )
        low, high = _during_range(literal, self.today())
        return _Condition(f, "BETWEEN", (low.isoformat(), high.isoformat()))


def _during_range(literal: str, today: date) -> tuple[date, date]:
    """Resolve a predefined GAQL date range literal against ``today`` (the account's local date)."""
    yesterday = today - timedelta(days=1)
    simple = {
        "TODAY": (today, today),
        "YESTERDAY": (yesterday, yesterday),
        "LAST_7_DAYS": (today - timedelta(days=7), yesterday),
        "LAST_14_DAYS": (today - timedelta(days=14), yesterday),
        "LAST_30_DAYS": (today - timedelta(days=30), yesterday),
        "THIS_MONTH": (today.replace(day=1), today),
        "THIS_WEEK_MON_TODAY": (today - timedelta(days=today.weekday()), today),
        "THIS_WEEK_SUN_TODAY": (today - timedelta(days=(today.weekday() + 1) % 7), today),
    }
    if literal in simple:
        return simple[literal]
    if literal == "LAST_MONTH":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    monday = today - timedelta(days=today.weekday() + 7)
    if literal == "LAST_WEEK_MON_SUN":
        return monday, monday + timedelta(days=6)
    if literal == "LAST_BUSINESS_WEEK":
        return monday, monday + timedelta(days=4)
    sunday = today - timedelta(days=(today.weekday() + 1) % 7 + 7)
    return sunday, sunday + timedelta(days=6)  # LAST_WEEK_SUN_SAT


def parse_gaql(query: str, *, today: date | None = None) -> GaqlQuery:
    """Parse a GAQL query over ``campaign`` into a :class:`GaqlQuery`.

    Args:
        query: The GAQL text.
        today: The date ``DURING`` literals are resolved against (default: today, local time).

    Returns:
        The parsed query.

    Raises:
        GaqlError: The query is invalid; ``code`` is the API's ``queryError`` enum value.
    """
    fixed = today or date.today()
    return _GaqlParser(query, lambda: fixed).parse()


def _matches(condition: _Condition, value: Any) -> bool:
    op = condition.operator
    if op == "IS_NULL":
        return value is None
    if op == "IS_NOT_NULL":
        return value is not None
    if value is None:
        return op in ("!=", "NOT_IN", "NOT_LIKE", "NOT_REGEXP")
    values = condition.values
    if op == "=":
        return bool(value == values[0])
    if op == "!=":
        return bool(value != values[0])
    if op == "<":
        return bool(value < values[0])
    if op == "<=":
        return bool(value <= values[0])
    if op == ">":
        return bool(value > values[0])
    if op == ">=":
        return bool(value >= values[0])
    if op == "IN":
        return value in values
    if op == "NOT_IN":
        return value not in values
    if op == "BETWEEN":
        return bool(values[0] <= value <= values[1])
    matched = values[0].fullmatch(str(value)) is not None
    return matched if op in ("LIKE", "REGEXP") else not matched


# ---------------------------------------------------------------------------------------------- data


@dataclass
class _Campaign:
    id: int
    name: str
    status: str = "ENABLED"
    channel: str = "SEARCH"


@dataclass
class _Stat:
    day: str
    campaign_id: int
    metrics: dict[str, int | float]


def _sort_key(name: str, row: Mapping[str, Any]) -> tuple[bool, Any]:
    value = row.get(name)
    return (value is not None, value if value is not None else 0)


def _parse_metric(f: _Field, raw: Any) -> int | float:
    if f.kind == "int64":
        return int(str(raw))
    return float(raw)


def _encode(f: _Field, value: Any) -> Any:
    if f.kind == "int64":
        return str(value)  # proto3 JSON: int64 travels as a string
    if f.kind == "double":
        return float(value)
    return value


def _new_request_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


# ---------------------------------------------------------------------------------------------- the app


class GoogleAdsEmulator(RequestCounter):
    """WSGI app emulating ``POST /v{N}/customers/{id}/googleAds:search`` and ``:searchStream``.

    Request counts are keyed ``"google_ads.search"``, ``"google_ads.searchStream"`` and
    ``"google_ads.not_found"``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        access_token: str | None = None,
        developer_token: str | None = None,
        login_customer_id: str | None = None,
        developer_token_approved: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
        daily_operations: int = 0,
        min_version: int = 21,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] | None = None,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``google_ads`` part (deep-copied); None serves no customer at all.
            access_token: The only bearer token accepted; None accepts any non-empty token.
            developer_token: The only ``developer-token`` accepted; None accepts any non-empty value.
            login_customer_id: Manager account id the ``login-customer-id`` header must carry; None means
                direct access (the header, if sent, must then name the customer itself).
            developer_token_approved: False answers every request with 403 ``DEVELOPER_TOKEN_NOT_APPROVED``
                (a test-access token used on a production account).
            page_size: Rows per ``search`` page and per ``searchStream`` batch (10,000 on the real API).
            daily_operations: Requests per rolling 24 h before 429 ``RESOURCE_EXHAUSTED``; 0 disables.
            min_version: Oldest API version served; older ``/v{N}`` paths get 400 ``UNSUPPORTED_VERSION``.
            clock: Monotonic clock in seconds driving the daily quota (tests inject a fake one).
            today: Source of the account's local date for ``DURING`` literals; default: now in the
                fixture's ``time_zone``.

        Raises:
            ValueError: When the fixture part is malformed (see :meth:`set_data`).
        """
        super().__init__()
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.access_token = access_token
        self.developer_token = developer_token
        self.login_customer_id = login_customer_id.replace("-", "") if login_customer_id else None
        self.developer_token_approved = developer_token_approved
        self.page_size = page_size
        self.min_version = min_version
        self._today = today
        self._expired = False
        self._quota = RollingWindowLimiter(daily_operations, _DAY_S, clock=clock)
        self._lock = threading.RLock()
        self._customer_id: str | None = None
        self._currency = "USD"
        self._time_zone = "UTC"
        self._descriptive_name = ""
        self._campaigns: dict[int, _Campaign] = {}
        self._stats: list[_Stat] = []
        self._url_map = Map(
            [
                Rule(
                    "/v<int:version>/customers/<customer_id>/googleAds:search",
                    methods=["POST"],
                    endpoint="search",
                ),
                Rule(
                    "/v<int:version>/customers/<customer_id>/googleAds:searchStream",
                    methods=["POST"],
                    endpoint="searchStream",
                ),
            ],
            strict_slashes=False,
        )
        self.set_data(data or {})

    # ------------------------------------------------------------------ data and test hooks

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the served customer with a fixture's ``google_ads`` part (counters and quota are kept).

        Args:
            data: Mapping with ``customer_id``, optional ``currency``, ``time_zone``, ``descriptive_name``,
                ``campaigns`` and ``rows``.

        Raises:
            ValueError: When an id or a metric value is not numeric, or a row has no ``campaign.id``.
        """
        customer = data.get("customer_id")
        customer_id = str(customer).replace("-", "") if customer is not None else None
        if customer_id is not None and not customer_id.isdigit():
            raise ValueError(f"google_ads.customer_id must be numeric, got {customer!r}")
        campaigns: dict[int, _Campaign] = {}

        def merge(raw: Mapping[str, Any]) -> int:
            cid = int(str(raw["id"]))
            campaign = campaigns.setdefault(cid, _Campaign(cid, str(raw.get("name", f"Campaign {cid}"))))
            if "name" in raw:
                campaign.name = str(raw["name"])
            if "status" in raw:
                campaign.status = str(raw["status"])
            channel = raw.get("advertisingChannelType", raw.get("advertising_channel_type"))
            if channel is not None:
                campaign.channel = str(channel)
            return cid

        stats: list[_Stat] = []
        try:
            for index, row in enumerate(data.get("rows") or []):
                cid = merge(row["campaign"])
                metrics: dict[str, int | float] = {}
                for key, raw_value in (row.get("metrics") or {}).items():
                    f = _METRIC_BY_JSON.get(key)
                    if f is not None and raw_value is not None:
                        metrics[f.name] = _parse_metric(f, raw_value)
                day = (row.get("segments") or {}).get("date")
                if day is None:
                    raise ValueError(f"google_ads.rows[{index}]: segments.date is required")
                stats.append(_Stat(date.fromisoformat(str(day)).isoformat(), cid, metrics))
            # Explicit campaign records win over what rows say (they describe the campaign as of now).
            for raw in data.get("campaigns") or []:
                merge(raw)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"google_ads fixture: malformed row or campaign ({exc})") from exc
        stats.sort(key=lambda s: (s.day, s.campaign_id))
        with self._lock:
            self._customer_id = customer_id
            self._currency = str(data.get("currency", "USD"))
            self._time_zone = str(data.get("time_zone", "UTC"))
            self._descriptive_name = str(data.get("descriptive_name", f"Customer {customer_id}"))
            self._campaigns = campaigns
            self._stats = stats

    def expire_token(self) -> None:
        """Make every following request fail with 401 ``OAUTH_TOKEN_EXPIRED`` until a new token is set."""
        self._expired = True

    def set_access_token(self, token: str | None) -> None:
        """Accept ``token`` from now on (None: any token) and clear a previous :meth:`expire_token`."""
        self.access_token = token
        self._expired = False

    def reset_quota(self) -> None:
        """Forget every operation counted against the daily quota."""
        self._quota.reset()

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        request_id = _new_request_id()
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            body = {"error": {"code": 404, "message": "Method not found.", "status": "NOT_FOUND"}}
            response = json_response(body, 404, {"request-id": request_id})
            self._count("google_ads.not_found", 404)
            return response
        name = f"google_ads.{endpoint}"
        version = int(args["version"])
        stream = endpoint == "searchStream"
        try:
            self._check_version(version)
            self._check_auth(request)
            customer_id = self._check_customer(request, str(args["customer_id"]))
            self._check_quota()
            body = self._json_body(request, _STREAM_BODY_KEYS if stream else _SEARCH_BODY_KEYS)
            with self._lock:
                payload = (
                    self._stream(body, customer_id, request_id)
                    if stream
                    else self._search(body, customer_id, request_id)
                )
            response = json_response(payload, 200, {"request-id": request_id})
        except _ApiError as err:
            error = err.body(version, request_id)
            response = json_response([error] if stream else error, err.http, {"request-id": request_id})
        self._count(name, response.status_code)
        return response

    def _check_version(self, version: int) -> None:
        if version < self.min_version:
            raise _invalid_argument(
                "requestError",
                "UNSUPPORTED_VERSION",
                f"Version v{version} is deprecated. Requests to this version will be blocked.",
            )

    def _check_auth(self, request: Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _ApiError(
                401,
                "UNAUTHENTICATED",
                _MISSING_CREDENTIAL,
                extra_details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "CREDENTIALS_MISSING",
                        "domain": "googleapis.com",
                        "metadata": {"service": "googleads.googleapis.com"},
                    }
                ],
            )
        if self._expired or (self.access_token is not None and token != self.access_token):
            code = "OAUTH_TOKEN_EXPIRED" if self._expired else "OAUTH_TOKEN_INVALID"
            message = "Oauth token is expired." if self._expired else "Oauth token is invalid."
            raise _ApiError(
                401,
                "UNAUTHENTICATED",
                _INVALID_CREDENTIAL,
                error_code={"authenticationError": code},
                detail_message=message,
            )
        developer_token = request.headers.get("developer-token", "").strip()
        if not developer_token:
            raise _invalid_argument(
                "requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING", "developer-token parameter is missing."
            )
        if self.developer_token is not None and developer_token != self.developer_token:
            raise _ApiError(
                401,
                "UNAUTHENTICATED",
                "Request is missing required authentication credential.",
                error_code={"authenticationError": "DEVELOPER_TOKEN_INVALID"},
                detail_message="The developer token is not valid.",
            )
        if not self.developer_token_approved:
            raise _permission_denied(
                "DEVELOPER_TOKEN_NOT_APPROVED",
                "The developer token is only approved for use with test accounts. To access non-test "
                "accounts, apply for Basic or Standard access.",
            )

    def _check_customer(self, request: Request, raw_customer: str) -> str:
        if not raw_customer.isdigit():
            raise _invalid_argument("requestError", "INVALID_CUSTOMER_ID", f"Invalid customer ID '{raw_customer}'.")
        login = request.headers.get("login-customer-id")
        if login is not None and not login.strip().isdigit():
            raise _invalid_argument(
                "headerError",
                "INVALID_LOGIN_CUSTOMER_ID",
                "The login customer ID could not be validated. Use digits only, without dashes.",
            )
        login = login.strip() if login is not None else None
        if self.login_customer_id is not None:
            allowed = login == self.login_customer_id
        else:
            allowed = login is None or login == raw_customer
        if not allowed or raw_customer != self._customer_id:
            raise _permission_denied("USER_PERMISSION_DENIED", _PERMISSION_MESSAGE)
        return raw_customer

    def _check_quota(self) -> None:
        decision = self._quota.acquire()
        if decision.allowed:
            return
        delay = max(1, math.ceil(decision.retry_after_s))
        raise _ApiError(
            429,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            error_code={"quotaError": "RESOURCE_EXHAUSTED"},
            detail_message=f"Too many requests. Retry in {delay} seconds.",
            error_details={
                "quotaErrorDetails": {
                    "rateScope": "DEVELOPER",
                    "rateName": "Number of operations for basic access",
                    "retryDelay": f"{delay}s",
                }
            },
        )

    @staticmethod
    def _json_body(request: Request, allowed: frozenset[str]) -> JSON:
        raw = request.get_data(cache=False)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise _bad_json(f"Invalid JSON payload received. {exc}") from exc
        if not isinstance(body, dict):
            raise _bad_json("Invalid JSON payload received. Expected an object.")
        for key in body:
            if key not in allowed:
                raise _bad_json(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
        return body

    # ------------------------------------------------------------------ query execution

    def _local_today(self) -> date:
        if self._today is not None:
            return self._today()
        try:
            zone = ZoneInfo(self._time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return datetime.now(zone).date()

    def _parse(self, body: Mapping[str, Any]) -> GaqlQuery:
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise _invalid_argument("requestError", "REQUIRED_FIELD_MISSING", "The query field is required.")
        try:
            return _GaqlParser(query, self._local_today).parse()
        except GaqlError as exc:
            raise _invalid_argument("queryError", exc.code, exc.message) from exc

    def _run(self, query: GaqlQuery, customer_id: str) -> tuple[list[JSON], int]:
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
            for stat in self._stats:
                scanned += 1
                values = self._attribute_values(customer_id, stat.campaign_id)
                values["segments.date"] = stat.day
                if not all(_matches(c, values.get(c.field.name)) for c in row_conditions):
                    continue
                key = (stat.day if by_date else "", stat.campaign_id)
                group = groups.get(key)
                if group is None:
                    group = values if by_date else {**values, "segments.date": None}
                    groups[key] = group
                for metric, amount in stat.metrics.items():
                    group[metric] = group.get(metric, 0) + amount
        else:
            for campaign_id in sorted(self._campaigns):
                scanned += 1
                values = self._attribute_values(customer_id, campaign_id)
                if all(_matches(c, values.get(c.field.name)) for c in row_conditions):
                    groups[("", campaign_id)] = values
        rows = [
            values
            for _, values in sorted(groups.items(), key=lambda kv: kv[0])
            if all(_matches(c, values.get(c.field.name)) for c in metric_conditions)
        ]
        for f, descending in reversed(query.order_by):
            # Stable sorts applied last-key-first give a lexicographic multi-key order; None sorts first.
            rows.sort(key=functools.partial(_sort_key, f.name), reverse=descending)
        if query.limit is not None:
            rows = rows[: query.limit]
        omit_names = query.parameters.get("omit_unselected_resource_names") == "true"
        return [self._render(query, row, omit_names) for row in rows], scanned

    def _attribute_values(self, customer_id: str, campaign_id: int) -> dict[str, Any]:
        campaign = self._campaigns[campaign_id]
        return {
            "campaign.resource_name": f"customers/{customer_id}/campaigns/{campaign_id}",
            "campaign.id": campaign_id,
            "campaign.name": campaign.name,
            "campaign.status": campaign.status,
            "campaign.advertising_channel_type": campaign.channel,
            "customer.resource_name": f"customers/{customer_id}",
            "customer.id": int(customer_id),
            "customer.descriptive_name": self._descriptive_name,
            "customer.currency_code": self._currency,
            "customer.time_zone": self._time_zone,
        }

    @staticmethod
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
                resource[f.json_name] = _encode(f, value)
        return {name: content for name, content in row.items() if content}

    @staticmethod
    def _field_mask(query: GaqlQuery) -> str:
        return ",".join(f.mask_name for f in query.select)

    @staticmethod
    def _query_hash(query_text: str) -> str:
        return hashlib.sha256(query_text.encode()).hexdigest()[:16]

    def _search(self, body: Mapping[str, Any], customer_id: str, request_id: str) -> JSON:
        if "pageSize" in body:
            raise _invalid_argument(
                "requestError",
                "PAGE_SIZE_NOT_SUPPORTED",
                "Setting the page size is not supported. Search Responses will have fixed page size of 10000 rows.",
            )
        query = self._parse(body)
        query_text = str(body["query"])
        offset = 0
        token = body.get("pageToken")
        if token:
            offset = self._decode_page_token(str(token), query_text)
        rows, scanned = self._run(query, customer_id)
        if offset > len(rows):
            raise _invalid_argument("requestError", "INVALID_PAGE_TOKEN", "Page token is not valid.")
        page = rows[offset : offset + self.page_size]
        out: JSON = {}
        if page:
            out["results"] = page
        if offset + self.page_size < len(rows):
            out["nextPageToken"] = self._page_token(offset + self.page_size, query_text)
        if body.get("returnTotalResultsCount") is True:
            out["totalResultsCount"] = str(len(rows))
        out["fieldMask"] = self._field_mask(query)
        out["requestId"] = request_id
        out["queryResourceConsumption"] = str(max(1, scanned))
        return out

    def _stream(self, body: Mapping[str, Any], customer_id: str, request_id: str) -> list[JSON]:
        query = self._parse(body)
        rows, scanned = self._run(query, customer_id)
        mask = self._field_mask(query)
        batches: list[JSON] = []
        for start in range(0, len(rows), self.page_size):
            batches.append(
                {"results": rows[start : start + self.page_size], "fieldMask": mask, "requestId": request_id}
            )
        if not batches:
            batches.append({"fieldMask": mask, "requestId": request_id})
        batches[-1]["queryResourceConsumption"] = str(max(1, scanned))
        return batches

    def _page_token(self, offset: int, query_text: str) -> str:
        payload = json.dumps({"o": offset, "q": self._query_hash(query_text)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def _decode_page_token(self, token: str, query_text: str) -> int:
        try:
            padded = token + "=" * (-len(token) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            offset = int(payload["o"])
            # A token only continues the query that produced it, as on the real API.
            if payload["q"] != self._query_hash(query_text) or offset < 0:
                raise ValueError("token belongs to another query")
        except (ValueError, KeyError, TypeError) as exc:
            raise _invalid_argument("requestError", "INVALID_PAGE_TOKEN", "Page token is not valid.") from exc
        return offset

    def campaigns(self) -> list[JSON]:
        """Return the served campaigns as ``{"id", "name", "status", "advertisingChannelType"}`` dicts."""
        with self._lock:
            return [
                {"id": str(c.id), "name": c.name, "status": c.status, "advertisingChannelType": c.channel}
                for c in sorted(self._campaigns.values(), key=lambda c: c.id)
            ]
