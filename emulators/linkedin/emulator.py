"""Local, faithful emulator of the LinkedIn Marketing API endpoints the pipeline uses (versioned ``/rest``).

Contract: shared/reference/api-wire-formats.md §2. The emulator serves the ``linkedin`` part of a fixture
file (DESIGN.md §4): ``account_id``, ``currency``, ``campaigns`` (API shape) and ``analytics`` (daily
adAnalytics elements with ``dateRange`` and ``pivotValues: [campaign URN]``).

What a client must get right, and what the emulator therefore enforces:

* Rest.li 2.0 query syntax read from the *raw* query string: ``( ) , :`` literal, URNs percent-encoded
  inside ``List(...)``. A query whose structure characters are percent-encoded once (what
  ``requests(params=...)`` produces from a plain value) is also understood, but a double-encoded URN
  (``urn%253Ali...``) is a 400, as on the real API, because the URN does not survive it.
* ``LinkedIn-Version`` (400 when missing, 426 ``NONEXISTENT_VERSION`` when unknown or sunset) and
  ``X-Restli-Protocol-Version: 2.0.0`` whenever Rest.li 2.0 syntax is used.
* adAnalytics: no pagination, at most 20 ``fields``, at least one facet, costs as exact decimal strings,
  counts as numbers, ``dateRange``/``pivotValues`` only when asked for, and a hard cap of 15,000 elements
  (the first 15,000 are returned, silently, like the real API; the client must detect it).
* adCampaigns: cursor paging through ``metadata.nextPageToken``, absent on the last page.

Choices made where the real behaviour is unknown ([U] in the reference):

* The daily limit is counted per endpoint over a rolling 24 h window of the injected clock (LinkedIn resets
  at midnight UTC; a rolling window keeps tests independent of the wall clock).
* Known metrics missing from a fixture element are served as 0 (``"0"`` for costs); unknown names are
  omitted. Without ``fields`` every stored metric is served, but never ``dateRange``/``pivotValues``.
* ``MONTHLY``/``YEARLY``/``ALL`` elements carry a ``dateRange`` clipped to the requested range.
* Elements are ordered by date, then campaign id.
* Unknown campaigns in a ``campaigns`` facet give an empty answer (no activity or no access); unknown
  accounts in an ``accounts`` facet are a 403 ``ACCESS_DENIED``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RollingWindowLimiter
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "DEFAULT_LINKEDIN_VERSIONS",
    "DEFAULT_MAX_ELEMENTS",
    "MAX_FIELDS",
    "LinkedInEmulator",
    "RestliSyntaxError",
    "parse_restli",
]

JSON = dict[str, Any]
RestliValue = str | list["RestliValue"] | dict[str, "RestliValue"]

#: Versions accepted by default: 202506 through 202612 (older ones are sunset and answer 426).
DEFAULT_LINKEDIN_VERSIONS: frozenset[str] = frozenset(
    f"{year}{month:02d}" for year in (2025, 2026) for month in range(1, 13) if f"{year}{month:02d}" >= "202506"
)
#: Maximum elements one adAnalytics response carries; more are silently cut off.
DEFAULT_MAX_ELEMENTS = 15_000
#: Maximum entries in the adAnalytics ``fields`` parameter (``dateRange``/``pivotValues`` included).
MAX_FIELDS = 20

_DAY_S = 86_400.0
_ACCOUNT_URN = re.compile(r"urn:li:sponsoredAccount:(\d+)")
_CAMPAIGN_URN = re.compile(r"urn:li:sponsoredCampaign:(\d+)")
_GROUP_URN = re.compile(r"urn:li:sponsoredCampaignGroup:(\d+)")
_ENCODED_PAREN = re.compile(r"%28", re.IGNORECASE)
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
_CAMPAIGN_STATUSES = frozenset(
    {"ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT", "PENDING_DELETION", "REMOVED"}
)
_MAX_PAGE_SIZE = 1000
_DEFAULT_PAGE_SIZE = 100
# Sums of long BigDecimal strings must stay exact: 60 significant digits is far beyond any fixture value.
_DECIMAL_CONTEXT = Context(prec=60)


class RestliSyntaxError(ValueError):
    """A query parameter value that is not valid Rest.li 2.0 syntax."""


class _ApiError(Exception):
    """An error answered with LinkedIn's error body ``{status, serviceErrorCode?, code?, message}``."""

    def __init__(self, status: int, message: str, code: str | None = None, service_code: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.service_code = service_code

    def body(self) -> JSON:
        out: JSON = {"status": self.status}
        if self.service_code is not None:
            out["serviceErrorCode"] = self.service_code
        if self.code is not None:
            out["code"] = self.code
        out["message"] = self.message
        return out


def _bad_request(message: str) -> _ApiError:
    return _ApiError(400, message, "ILLEGAL_ARGUMENT", 100)


# ---------------------------------------------------------------------------------------------- Rest.li


class _RestliParser:
    """Recursive-descent reader of one Rest.li 2.0 value: ``List(...)``, ``(k:v,...)`` or a leaf."""

    def __init__(self, text: str, *, decode_leaves: bool) -> None:
        self.text = text
        self.pos = 0
        self.decode_leaves = decode_leaves

    def parse(self) -> RestliValue:
        value = self._value()
        if self.pos != len(self.text):
            raise RestliSyntaxError(f"unexpected {self.text[self.pos]!r} at position {self.pos}")
        return value

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _take(self) -> str:
        if self.pos >= len(self.text):
            raise RestliSyntaxError("unexpected end of value")
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def _value(self) -> RestliValue:
        if self.text.startswith("List(", self.pos):
            self.pos += len("List(")
            return self._list()
        if self._peek() == "(":
            self.pos += 1
            return self._record()
        return self._leaf()

    def _list(self) -> list[RestliValue]:
        items: list[RestliValue] = []
        if self._peek() == ")":
            self.pos += 1
            return items
        while True:
            items.append(self._value())
            ch = self._take()
            if ch == ")":
                return items
            if ch != ",":
                raise RestliSyntaxError(f"expected ',' or ')' at position {self.pos - 1}")

    def _record(self) -> dict[str, RestliValue]:
        record: dict[str, RestliValue] = {}
        if self._peek() == ")":
            self.pos += 1
            return record
        while True:
            key = self._token(":,()")
            if not key or self._take() != ":":
                raise RestliSyntaxError(f"expected 'key:' at position {self.pos}")
            record[key] = self._value()
            ch = self._take()
            if ch == ")":
                return record
            if ch != ",":
                raise RestliSyntaxError(f"expected ',' or ')' at position {self.pos - 1}")

    def _leaf(self) -> str:
        # Colons are allowed in leaves so a once-decoded URN (urn:li:...) still reads as one value.
        return self._token(",()")

    def _token(self, stops: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        raw = self.text[start : self.pos]
        return unquote(raw) if self.decode_leaves else raw


def parse_restli(raw: str) -> RestliValue:
    """Parse one raw (still percent-encoded) query parameter value written in Rest.li 2.0 syntax.

    The canonical form keeps ``( ) , :`` literal and percent-encodes the leaves
    (``List(urn%3Ali%3AsponsoredAccount%3A1)``). A value whose parentheses are percent-encoded
    (``List%28urn%3Ali...%29``, i.e. the whole value encoded once) is decoded once first and its leaves are
    then taken literally, so a URN that was encoded twice stays visibly wrong instead of being repaired.

    Args:
        raw: The value exactly as it appears in the query string.

    Returns:
        A string (leaf), a list (``List(...)``) or a dict (record ``(k:v,...)``).

    Raises:
        RestliSyntaxError: The value is not well-formed Rest.li.
    """
    if "(" not in raw and _ENCODED_PAREN.search(raw):
        return _RestliParser(unquote(raw), decode_leaves=False).parse()
    return _RestliParser(raw, decode_leaves=True).parse()


def _split_query(raw: str) -> dict[str, list[str]]:
    """Split a raw query string on ``&``/``=`` only; values stay percent-encoded for the Rest.li reader."""
    params: dict[str, list[str]] = {}
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        params.setdefault(unquote(key.replace("+", " ")), []).append(value)
    return params


# ---------------------------------------------------------------------------------------------- helpers


def _restli_date(value: RestliValue, name: str) -> date:
    if not isinstance(value, dict):
        raise _bad_request(f"Invalid value for {name}: expected (year:Y,month:M,day:D)")
    try:
        return date(int(str(value["year"])), int(str(value["month"])), int(str(value["day"])))
    except (KeyError, ValueError, TypeError) as exc:
        raise _bad_request(f"Invalid value for {name}: {value!r}") from exc


def _date_record(day: date) -> JSON:
    return {"year": day.year, "month": day.month, "day": day.day}


def _month_end(day: date) -> date:
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _enum_param(value: RestliValue, name: str, allowed: frozenset[str]) -> str:
    # Both the bare enum (pivot=CAMPAIGN) and the record form (pivot=(value:CAMPAIGN)) are in use.
    if isinstance(value, dict) and set(value) == {"value"}:
        value = value["value"]
    if not isinstance(value, str) or value not in allowed:
        raise _bad_request(f"Invalid value {value!r} for parameter '{name}'; expected one of {sorted(allowed)}")
    return value


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


def _encode_token(payload: JSON) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> JSON:
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(data, dict):
        raise ValueError("token is not an object")
    return data


class _Element:
    """One stored daily analytics element, indexed by day and campaign."""

    __slots__ = ("account_id", "campaign_id", "day", "group_id", "metrics")

    def __init__(self, day: date, campaign_id: int, account_id: int, group_id: int | None, metrics: JSON) -> None:
        self.day = day
        self.campaign_id = campaign_id
        self.account_id = account_id
        self.group_id = group_id
        self.metrics = metrics


# ---------------------------------------------------------------------------------------------- the app


class LinkedInEmulator(RequestCounter):
    """WSGI app emulating LinkedIn Marketing API ``adAnalytics``, ``adCampaigns`` and ``adAccounts``.

    Endpoints: ``GET /rest/adAnalytics?q=analytics&...``, ``GET /rest/adAccounts/{id}/adCampaigns?q=search``
    and ``GET /rest/adAccounts/{id}``. Query tunnelling (``POST`` with ``X-HTTP-Method-Override: GET`` and
    the query string as a form body) is accepted on every endpoint, as on the real API.

    Request counts are keyed ``"linkedin.adAnalytics"``, ``"linkedin.adCampaigns"``,
    ``"linkedin.adAccounts"`` and ``"linkedin.not_found"``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        access_token: str | None = None,
        versions: frozenset[str] | None = None,
        daily_limit: int = 0,
        max_elements: int = DEFAULT_MAX_ELEMENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``linkedin`` part (deep-copied); None serves an empty account.
            access_token: The only bearer token accepted; None accepts any non-empty token.
            versions: Accepted ``LinkedIn-Version`` values; default :data:`DEFAULT_LINKEDIN_VERSIONS`.
            daily_limit: Requests per endpoint per rolling 24 h before 429 (serviceErrorCode 101);
                0 disables the limit.
            max_elements: Cap on adAnalytics elements per response (the real API's is 15,000).
            clock: Monotonic clock in seconds driving the daily limit (tests inject a fake one).

        Raises:
            ValueError: When the fixture part is malformed (see :meth:`set_data`).
        """
        super().__init__()
        if max_elements < 1:
            raise ValueError("max_elements must be >= 1")
        self.access_token = access_token
        self.versions = versions if versions is not None else DEFAULT_LINKEDIN_VERSIONS
        self.daily_limit = daily_limit
        self.max_elements = max_elements
        self._clock = clock
        self._expired = False
        self._lock = threading.RLock()
        self._limiters: dict[str, RollingWindowLimiter] = {}
        self._account_id = 0
        self._currency = "USD"
        self._accounts: dict[int, JSON] = {}
        self._campaigns: list[JSON] = []
        self._elements: list[_Element] = []
        self._url_map = Map(
            [
                Rule("/rest/adAnalytics", methods=["GET", "POST"], endpoint="adAnalytics"),
                Rule(
                    "/rest/adAccounts/<account_id>/adCampaigns",
                    methods=["GET", "POST"],
                    endpoint="adCampaigns",
                ),
                Rule("/rest/adAccounts/<account_id>", methods=["GET", "POST"], endpoint="adAccounts"),
            ],
            strict_slashes=False,
        )
        self.set_data(data or {})

    # ------------------------------------------------------------------ data and test hooks

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the served account with a fixture's ``linkedin`` part (counters and limits are kept).

        Args:
            data: Mapping with ``account_id``, optional ``currency``, ``campaigns`` and ``analytics``.

        Raises:
            ValueError: When an id is not numeric or an analytics element lacks ``dateRange.start`` or a
                campaign ``pivotValues`` entry.
        """
        account_id = int(str(data.get("account_id", "0")))
        currency = str(data.get("currency", "USD"))
        campaigns: list[JSON] = []
        group_of: dict[int, int | None] = {}
        account_of: dict[int, int] = {}
        for raw in data.get("campaigns") or []:
            campaign = copy.deepcopy(dict(raw))
            campaign["id"] = int(str(campaign["id"]))
            campaign.setdefault("account", f"urn:li:sponsoredAccount:{account_id}")
            campaign.setdefault("status", "ACTIVE")
            account_match = _ACCOUNT_URN.fullmatch(str(campaign["account"]))
            if account_match is None:
                raise ValueError(f"linkedin campaign {campaign['id']}: account must be a sponsoredAccount URN")
            account_of[campaign["id"]] = int(account_match.group(1))
            group_match = _GROUP_URN.fullmatch(str(campaign.get("campaignGroup", "")))
            group_of[campaign["id"]] = int(group_match.group(1)) if group_match else None
            campaigns.append(campaign)
        campaigns.sort(key=lambda c: c["id"])

        elements: list[_Element] = []
        for index, raw in enumerate(data.get("analytics") or []):
            try:
                start = raw["dateRange"]["start"]
                day = date(int(start["year"]), int(start["month"]), int(start["day"]))
                pivots = raw.get("pivotValues") or [raw.get("pivotValue")]
                match = _CAMPAIGN_URN.fullmatch(str(pivots[0]))
                if match is None:
                    raise ValueError(f"pivot value {pivots[0]!r} is not a sponsoredCampaign URN")
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise ValueError(f"linkedin.analytics[{index}]: {exc}") from exc
            campaign_id = int(match.group(1))
            metrics = {
                k: copy.deepcopy(v) for k, v in raw.items() if k not in ("dateRange", "pivotValues", "pivotValue")
            }
            for name in _DECIMAL_METRICS & metrics.keys():
                # Money is a BigDecimal string on the wire even when a hand-written fixture used a number.
                if isinstance(metrics[name], int | float) and not isinstance(metrics[name], bool):
                    metrics[name] = str(metrics[name])
            if "costInUsd" not in metrics and currency == "USD" and "costInLocalCurrency" in metrics:
                metrics["costInUsd"] = metrics["costInLocalCurrency"]
            elements.append(
                _Element(
                    day,
                    campaign_id,
                    account_of.get(campaign_id, account_id),
                    group_of.get(campaign_id),
                    metrics,
                )
            )
        elements.sort(key=lambda e: (e.day, e.campaign_id))

        accounts: dict[int, JSON] = {}
        # An empty fixture part serves no account at all (every account facet is then a 403).
        for aid in {*([account_id] if "account_id" in data else []), *account_of.values()}:
            accounts[aid] = {
                "id": aid,
                "name": str(data.get("account_name", f"Account {aid}")),
                "currency": currency,
                "status": "ACTIVE",
                "type": "BUSINESS",
                "test": False,
            }
        with self._lock:
            self._account_id = account_id
            self._currency = currency
            self._campaigns = campaigns
            self._elements = elements
            self._accounts = accounts

    def expire_token(self) -> None:
        """Make every following request fail with 401 ``EXPIRED_ACCESS_TOKEN`` (serviceErrorCode 65602).

        The state lasts until :meth:`set_access_token` installs a fresh token.
        """
        self._expired = True

    def set_access_token(self, token: str | None) -> None:
        """Accept ``token`` from now on (None: any token) and clear a previous :meth:`expire_token`."""
        self.access_token = token
        self._expired = False

    def reset_rate_limits(self) -> None:
        """Forget every request counted against the daily limits."""
        with self._lock:
            for limiter in self._limiters.values():
                limiter.reset()

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            err = _ApiError(404, f"Resource {request.path} does not exist", "RESOURCE_NOT_FOUND")
            return self._finish("linkedin.not_found", json_response(err.body(), 404))
        name = f"linkedin.{endpoint}"
        try:
            raw_query = self._raw_query(request)
            self._check_auth(request)
            self._check_version(request)
            self._check_daily_limit(name)
            handlers: dict[str, Callable[..., Response]] = {
                "adAnalytics": self._handle_analytics,
                "adCampaigns": self._handle_campaigns,
                "adAccounts": self._handle_account,
            }
            handler = handlers[str(endpoint)]
            with self._lock:
                response = handler(request, _split_query(raw_query), **args)
        except _ApiError as err:
            response = json_response(err.body(), err.status)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response

    @staticmethod
    def _raw_query(request: Request) -> str:
        if request.method == "GET":
            return request.environ.get("QUERY_STRING", "")
        # Query tunnelling: long finder URLs are sent as a POST whose form body is the query string.
        if request.headers.get("X-HTTP-Method-Override", "").upper() != "GET":
            raise _ApiError(405, f"Method {request.method} is not supported for this resource", "METHOD_NOT_ALLOWED")
        return request.get_data(as_text=True)

    def _check_auth(self, request: Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise _ApiError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if self._expired:
            raise _ApiError(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602)
        if self.access_token is not None and token != self.access_token:
            raise _ApiError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)

    def _check_version(self, request: Request) -> None:
        version = request.headers.get("LinkedIn-Version", "").strip()
        if not version:
            raise _ApiError(
                400,
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        if version not in self.versions:
            raise _ApiError(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")

    def _check_daily_limit(self, name: str) -> None:
        if self.daily_limit <= 0:
            return
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None:
                limiter = RollingWindowLimiter(self.daily_limit, _DAY_S, clock=self._clock)
                self._limiters[name] = limiter
        if not limiter.acquire().allowed:
            raise _ApiError(
                429,
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                service_code=101,
            )

    # ------------------------------------------------------------------ parameter reading

    @staticmethod
    def _single(params: Mapping[str, list[str]], name: str) -> str | None:
        values = params.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise _bad_request(f"Parameter '{name}' may be given only once")
        return values[0]

    def _restli(self, request: Request, params: Mapping[str, list[str]], name: str) -> RestliValue | None:
        raw = self._single(params, name)
        if raw is None:
            return None
        structured = "(" in raw or _ENCODED_PAREN.search(raw) is not None
        if structured and request.headers.get("X-Restli-Protocol-Version", "").strip() != "2.0.0":
            # Without the header the server reads protocol 1.0, where List(...) and (k:v) mean nothing.
            raise _bad_request(
                f"Invalid query parameter '{name}': Rest.li 2.0 syntax requires the header "
                "X-Restli-Protocol-Version: 2.0.0"
            )
        try:
            return parse_restli(raw)
        except RestliSyntaxError as exc:
            raise _bad_request(f"Invalid query parameter '{name}': {exc}") from exc

    def _urn_list(self, value: RestliValue | None, name: str, pattern: re.Pattern[str]) -> list[int] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise _bad_request(f"Invalid query parameter '{name}': expected List(...)")
        ids: list[int] = []
        for item in value:
            match = pattern.fullmatch(item) if isinstance(item, str) else None
            if match is None:
                raise _bad_request(f"Invalid value {item!r} in parameter '{name}': not a valid URN")
            ids.append(int(match.group(1)))
        return ids

    # ------------------------------------------------------------------ handlers

    def _handle_analytics(self, request: Request, params: Mapping[str, list[str]]) -> Response:
        finder = self._single(params, "q")
        if finder != "analytics":
            raise _bad_request(f"Unsupported finder q={finder!r}; this emulator answers q=analytics only")
        pivot_raw = self._restli(request, params, "pivot")
        granularity_raw = self._restli(request, params, "timeGranularity")
        range_raw = self._restli(request, params, "dateRange")
        if pivot_raw is None:
            raise _bad_request("Parameter 'pivot' is required")
        if granularity_raw is None:
            raise _bad_request("Parameter 'timeGranularity' is required")
        if range_raw is None:
            raise _bad_request("Parameter 'dateRange' is required")
        pivot = _enum_param(pivot_raw, "pivot", _PIVOTS)
        granularity = _enum_param(granularity_raw, "timeGranularity", _GRANULARITIES)
        if not isinstance(range_raw, dict) or "start" not in range_raw:
            raise _bad_request("Invalid value for 'dateRange': expected (start:(...),end:(...))")
        start = _restli_date(range_raw["start"], "dateRange.start")
        end = _restli_date(range_raw["end"], "dateRange.end") if "end" in range_raw else None
        if end is not None and end < start:
            raise _bad_request("Invalid 'dateRange': start is after end")

        facets = {name: self._restli(request, params, name) for name in _FACETS}
        if all(value is None for value in facets.values()):
            raise _bad_request("At least one facet (accounts, campaigns, ...) must be specified")
        for unsupported in ("creatives", "shares", "companies"):
            if facets[unsupported] is not None:
                raise _bad_request(f"Facet '{unsupported}' is not supported by the emulator")
        accounts = self._urn_list(facets["accounts"], "accounts", _ACCOUNT_URN)
        campaigns = self._urn_list(facets["campaigns"], "campaigns", _CAMPAIGN_URN)
        groups = self._urn_list(facets["campaignGroups"], "campaignGroups", _GROUP_URN)
        for account_id in accounts or []:
            if account_id not in self._accounts:
                raise _ApiError(403, "Not enough permissions to access resource", "ACCESS_DENIED", 100)

        fields = self._fields(params)

        def wanted(element: _Element) -> bool:
            if element.day < start or (end is not None and element.day > end):
                return False
            if accounts is not None and element.account_id not in accounts:
                return False
            if campaigns is not None and element.campaign_id not in campaigns:
                return False
            return groups is None or element.group_id in groups

        buckets: dict[tuple[date, int], list[_Element]] = {}
        for element in self._elements:
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
            buckets.setdefault((self._bucket_start(element.day, granularity, start), pivot_id), []).append(element)

        urn_prefix = {
            "CAMPAIGN": "urn:li:sponsoredCampaign:",
            "ACCOUNT": "urn:li:sponsoredAccount:",
            "CAMPAIGN_GROUP": "urn:li:sponsoredCampaignGroup:",
        }[pivot]
        out: list[JSON] = []
        for (bucket_start, pivot_id), members in sorted(buckets.items(), key=lambda kv: kv[0]):
            if len(out) >= self.max_elements:
                break
            bucket_end = self._bucket_end(bucket_start, granularity, members, end)
            out.append(self._render_element(fields, members, bucket_start, bucket_end, urn_prefix + str(pivot_id)))
        return json_response({"paging": {"start": 0, "count": 10, "links": []}, "elements": out})

    def _fields(self, params: Mapping[str, list[str]]) -> list[str] | None:
        raw = self._single(params, "fields")
        if raw is None:
            return None
        names = [name.strip() for name in unquote(raw).split(",") if name.strip()]
        if len(names) > MAX_FIELDS:
            raise _bad_request(f"Too many fields requested: {len(names)}; at most {MAX_FIELDS} are allowed per request")
        return list(dict.fromkeys(names))

    @staticmethod
    def _bucket_start(day: date, granularity: str, start: date) -> date:
        if granularity == "DAILY":
            return day
        if granularity == "MONTHLY":
            return max(start, day.replace(day=1))
        if granularity == "YEARLY":
            return max(start, date(day.year, 1, 1))
        return start

    @staticmethod
    def _bucket_end(bucket_start: date, granularity: str, members: list[_Element], end: date | None) -> date:
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

    def _render_element(
        self, fields: list[str] | None, members: list[_Element], start: date, end: date, pivot_urn: str
    ) -> JSON:
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

    def _handle_campaigns(self, request: Request, params: Mapping[str, list[str]], account_id: str) -> Response:
        account = self._account(account_id)
        finder = self._single(params, "q")
        if finder != "search":
            raise _bad_request(f"Unsupported finder q={finder!r}; adCampaigns answers q=search")
        page_size = self._int_param(params, "pageSize", _DEFAULT_PAGE_SIZE)
        if not 1 <= page_size <= _MAX_PAGE_SIZE:
            raise _bad_request(f"pageSize must be between 1 and {_MAX_PAGE_SIZE}")
        statuses = self._status_filter(self._restli(request, params, "search"))
        account_urn = f"urn:li:sponsoredAccount:{account}"
        matching = [
            c for c in self._campaigns if c["account"] == account_urn and (statuses is None or c["status"] in statuses)
        ]
        offset = 0
        token = self._single(params, "pageToken")
        if token:
            try:
                payload = _decode_token(unquote(token))
                offset = int(payload["o"])
                if payload.get("a") != account or offset < 0:
                    raise ValueError("token belongs to another query")
            except (ValueError, KeyError, TypeError) as exc:
                raise _bad_request("Invalid pageToken") from exc
        page = matching[offset : offset + page_size]
        metadata: JSON = {}
        if offset + page_size < len(matching):
            metadata["nextPageToken"] = _encode_token({"o": offset + page_size, "a": account})
        body = {
            "paging": {"start": 0, "count": page_size, "links": []},
            "elements": copy.deepcopy(page),
            "metadata": metadata,
        }
        return json_response(body)

    def _handle_account(self, request: Request, params: Mapping[str, list[str]], account_id: str) -> Response:
        account = self._account(account_id)
        record = copy.deepcopy(self._accounts[account])
        record["reference"] = "urn:li:organization:0"
        return json_response(record)

    def _account(self, raw: str) -> int:
        match = _ACCOUNT_URN.fullmatch(unquote(raw))
        text = match.group(1) if match else raw
        if not text.isdigit():
            raise _bad_request(f"Invalid account id {raw!r}")
        account = int(text)
        if account not in self._accounts:
            raise _ApiError(403, "Not enough permissions to access resource", "ACCESS_DENIED", 100)
        return account

    def _int_param(self, params: Mapping[str, list[str]], name: str, default: int) -> int:
        raw = self._single(params, name)
        if raw is None or raw == "":
            return default
        try:
            return int(unquote(raw))
        except ValueError as exc:
            raise _bad_request(f"Invalid integer for parameter '{name}': {raw!r}") from exc

    @staticmethod
    def _status_filter(search: RestliValue | None) -> set[str] | None:
        if search is None:
            return None
        status = search.get("status") if isinstance(search, dict) else None
        if status is None:
            return None
        values = status.get("values") if isinstance(status, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _bad_request("Invalid value for search.status: expected (values:List(...))")
        unknown = [v for v in values if v not in _CAMPAIGN_STATUSES]
        if unknown:
            raise _bad_request(f"Invalid campaign status {unknown[0]!r} in search.status")
        return {str(v) for v in values}
