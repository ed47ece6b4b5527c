"""The Google Ads emulator's WSGI app: fixture loading, test hooks, routing and the order of checks per call.

Built by :mod:`emulators.suite` and the tests; queries run in :mod:`emulators.google_ads.search`.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RollingWindowLimiter
from emulators.google_ads.access import (
    BLOCKED_DAYS_AFTER_SUNSET,
    GOOGLE_ADS_CALENDAR,
    ServedVersion,
    VersionNotServed,
    check_auth,
    check_customer,
    check_quota,
    check_version,
    not_found_page,
)
from emulators.google_ads.account import Account, load_account
from emulators.google_ads.errors import ApiError
from emulators.google_ads.fields import JSON
from emulators.google_ads.search import (
    SEARCH_BODY_KEYS,
    STREAM_BODY_KEYS,
    read_json_body,
    search,
    search_stream,
)
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: Rows per ``search`` page (fixed by the real API since v17) and per ``searchStream`` batch.
DEFAULT_PAGE_SIZE = 10_000
_DAY_S = 86_400.0


def _new_request_id() -> str:
    """A fresh ``request-id`` header value, shaped like the real API's."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class GoogleAdsEmulator(RequestCounter):
    """WSGI app emulating ``POST /v{N}/customers/{id}/googleAds:search`` and ``:searchStream``.

    Request counts are keyed ``"google_ads.search"``, ``"google_ads.searchStream"`` and
    ``"google_ads.not_found"``. Only the versions live on the injected calendar day are served (see
    :func:`emulators.google_ads.access.version_state`).
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
        calendar: Sequence[ServedVersion] = GOOGLE_ADS_CALENDAR,
        calendar_today: Callable[[], date] | None = None,
        blocked_days: int = BLOCKED_DAYS_AFTER_SUNSET,
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
            calendar: Google's versions with their release and sunset days.
            calendar_today: The UTC day the calendar is read on (default: the real one); the suite passes
                the same date clock to every emulator with versions.
            blocked_days: Days after a sunset during which the version answers 400 ``UNSUPPORTED_VERSION``
                before its URLs answer Google's HTML 404 page.
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
        self.calendar = tuple(calendar)
        self.blocked_days = blocked_days
        self._calendar_today = calendar_today or (lambda: datetime.now(UTC).date())
        self._today = today
        self._expired = False
        self._quota = RollingWindowLimiter(daily_operations, _DAY_S, clock=clock)
        self._lock = threading.RLock()
        self._account: Account
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
        account = load_account(data)
        with self._lock:
            self._account = account

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
            # The real API checks in this order; tests rely on which error wins when several apply.
            check_version(version, self._calendar_today(), self.calendar, blocked_days=self.blocked_days)
            check_auth(
                request,
                access_token=self.access_token,
                expired=self._expired,
                developer_token=self.developer_token,
                developer_token_approved=self.developer_token_approved,
            )
            customer_id = check_customer(
                request,
                str(args["customer_id"]),
                login_customer_id=self.login_customer_id,
                served_customer_id=self._account.customer_id,
            )
            check_quota(self._quota)
            body = read_json_body(request, STREAM_BODY_KEYS if stream else SEARCH_BODY_KEYS)
            with self._lock:
                run = search_stream if stream else search
                payload = run(
                    body,
                    self._account,
                    customer_id,
                    request_id,
                    page_size=self.page_size,
                    today=self._local_today,
                )
            response = json_response(payload, 200, {"request-id": request_id})
        except ApiError as err:
            error = err.body(version, request_id)
            response = json_response([error] if stream else error, err.http, {"request-id": request_id})
        except VersionNotServed:
            # The version's routes are gone: Google's front end answers, not the API (no JSON, no request-id).
            response = Response(not_found_page(request.path), status=404, content_type="text/html; charset=UTF-8")
            name = "google_ads.not_found"
        self._count(name, response.status_code)
        return response

    def _local_today(self) -> date:
        """The account's local date, which ``DURING`` literals are resolved against."""
        if self._today is not None:
            return self._today()
        try:
            zone = ZoneInfo(self._account.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return datetime.now(zone).date()

    # ------------------------------------------------------------------ inspection

    def campaigns(self) -> list[JSON]:
        """Return the served campaigns as ``{"id", "name", "status", "advertisingChannelType"}`` dicts."""
        with self._lock:
            return [
                {"id": str(c.id), "name": c.name, "status": c.status, "advertisingChannelType": c.channel}
                for c in sorted(self._account.campaigns.values(), key=lambda c: c.id)
            ]
