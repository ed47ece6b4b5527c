"""The LinkedIn Marketing API emulator as a WSGI app: routes, auth/version checks, daily limits, test hooks.

Built by :func:`emulators.suite.start_emulators`, tests and benchmarks; the endpoints are answered by
:mod:`~emulators.linkedin.analytics` and :mod:`~emulators.linkedin.campaigns`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RollingWindowLimiter
from emulators.server import RequestCounter, json_response

from .access import READ_SCOPES, REPORTING_SCOPE, MemberAccess, answer_account_users
from .analytics import DEFAULT_MAX_ELEMENTS, Element, answer_analytics, load_elements
from .campaigns import answer_account, answer_campaigns, load_accounts, load_campaigns
from .headers import LINKEDIN_CALENDAR, MarketingVersion, check_auth, check_version, live_versions
from .restli import split_query
from .wire import JSON, ApiError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_DAY_S = 86_400.0


class LinkedInEmulator(RequestCounter):
    """WSGI app emulating LinkedIn Marketing API adAnalytics, adCampaigns, adAccounts and adAccountUsers.

    Endpoints: ``GET /rest/adAnalytics?q=analytics&...``, ``GET /rest/adAccounts/{id}/adCampaigns?q=search``,
    ``GET /rest/adAccounts/{id}`` and ``GET /rest/adAccountUsers?q=authenticatedUser``. Query tunnelling
    (``POST`` with ``X-HTTP-Method-Override: GET`` and the query string as a form body) is accepted on
    every endpoint, as on the real API. What the token may read is :attr:`access` (see
    :mod:`~emulators.linkedin.access`): by default ``r_ads`` and ``r_ads_reporting``, with a role on every
    served account.

    Request counts are keyed ``"linkedin.adAnalytics"``, ``"linkedin.adCampaigns"``,
    ``"linkedin.adAccounts"``, ``"linkedin.adAccountUsers"`` and ``"linkedin.not_found"``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        access_token: str | None = None,
        calendar: Sequence[MarketingVersion] = LINKEDIN_CALENDAR,
        calendar_today: Callable[[], date] | None = None,
        versions: frozenset[str] | None = None,
        daily_limit: int = 0,
        max_elements: int = DEFAULT_MAX_ELEMENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``linkedin`` part (deep-copied); None serves an empty account.
            access_token: The only bearer token accepted; None accepts any non-empty token.
            calendar: LinkedIn's versions with their sunset days; those live on the calendar day are served.
            calendar_today: The UTC day the calendar is read on (default: the real one); the suite passes
                the same date clock to every emulator with versions.
            versions: Serve exactly these ``LinkedIn-Version`` values whatever the day (tests of other
                behaviour); None follows the calendar.
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
        self.calendar = tuple(calendar)
        self.fixed_versions = versions
        self._calendar_today = calendar_today or (lambda: datetime.now(UTC).date())
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
        self._elements: list[Element] = []
        self.access = MemberAccess()
        self._url_map = Map(
            [
                Rule("/rest/adAnalytics", methods=["GET", "POST"], endpoint="adAnalytics"),
                Rule("/rest/adAccountUsers", methods=["GET", "POST"], endpoint="adAccountUsers"),
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
        campaigns, account_of, group_of = load_campaigns(data.get("campaigns") or [], account_id)
        elements = load_elements(
            data.get("analytics") or [],
            account_id=account_id,
            currency=currency,
            account_of=account_of,
            group_of=group_of,
        )
        accounts = load_accounts(data, account_id=account_id, currency=currency, account_of=account_of)
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

    def served_versions(self) -> frozenset[str]:
        """The ``LinkedIn-Version`` values accepted now: the calendar's live ones, or the fixed set."""
        if self.fixed_versions is not None:
            return self.fixed_versions
        return live_versions(self.calendar, self._calendar_today())

    def set_member_access(self, access: MemberAccess) -> None:
        """Change what the token may read from now on: its scopes and its member's ad-account roles."""
        with self._lock:
            self.access = access

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
            err = ApiError(404, f"Resource {request.path} does not exist", "RESOURCE_NOT_FOUND")
            return self._finish("linkedin.not_found", json_response(err.body(), 404))
        name = f"linkedin.{endpoint}"
        try:
            raw_query = self._raw_query(request)
            check_auth(request, access_token=self.access_token, expired=self._expired)
            check_version(request, self.served_versions())
            self._check_daily_limit(name)
            handlers: dict[str, Callable[..., Response]] = {
                "adAnalytics": self._handle_analytics,
                "adCampaigns": self._handle_campaigns,
                "adAccounts": self._handle_account,
                "adAccountUsers": self._handle_account_users,
            }
            handler = handlers[str(endpoint)]
            with self._lock:
                response = handler(request, split_query(raw_query), **args)
        except ApiError as err:
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
            raise ApiError(405, f"Method {request.method} is not supported for this resource", "METHOD_NOT_ALLOWED")
        return request.get_data(as_text=True)

    def _check_daily_limit(self, name: str) -> None:
        if self.daily_limit <= 0:
            return
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None:
                limiter = RollingWindowLimiter(self.daily_limit, _DAY_S, clock=self._clock)
                self._limiters[name] = limiter
        if not limiter.acquire().allowed:
            raise ApiError(
                429,
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                service_code=101,
            )

    # ------------------------------------------------------------------ handlers (run under the lock)

    def _handle_analytics(self, request: Request, params: Mapping[str, list[str]]) -> Response:
        self.access.require(request, frozenset({REPORTING_SCOPE}), "adAnalytics.FINDER-analytics")
        body = answer_analytics(
            request,
            params,
            elements=self._elements,
            readable=self.access.readable(self._accounts).keys(),
            max_elements=self.max_elements,
        )
        return json_response(body)

    def _handle_campaigns(self, request: Request, params: Mapping[str, list[str]], account_id: str) -> Response:
        self.access.require(request, READ_SCOPES, "adCampaigns.FINDER-search")
        readable = self.access.readable(self._accounts)
        body = answer_campaigns(request, params, account_id, campaigns=self._campaigns, accounts=readable)
        return json_response(body)

    def _handle_account(self, request: Request, params: Mapping[str, list[str]], account_id: str) -> Response:
        self.access.require(request, READ_SCOPES, "adAccounts.GET")
        return json_response(answer_account(account_id, self.access.readable(self._accounts)))

    def _handle_account_users(self, request: Request, params: Mapping[str, list[str]]) -> Response:
        self.access.require(request, READ_SCOPES, "adAccountUsers.FINDER-authenticatedUser")
        return json_response(answer_account_users(params, self.access, self._accounts))
