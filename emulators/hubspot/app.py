"""The HubSpot emulator's WSGI app: routing, bearer-token auth and rate limits over the route mixins.

Started by :mod:`emulators.suite`, tests and benchmarks; wrapped by :mod:`emulators.hubspot.peers`.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RateDecision, RollingWindowLimiter
from emulators.hubspot.account import _AccountRoutes
from emulators.hubspot.associations import _AssociationRoutes
from emulators.hubspot.errors import _ApiError, _error_body, _not_found
from emulators.hubspot.metadata import _MetadataRoutes
from emulators.hubspot.records import _RecordRoutes
from emulators.hubspot.search import _SearchRoutes
from emulators.hubspot.wire import _OBJECT_ALIASES, _utcnow
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


class HubSpotEmulator(
    _RecordRoutes, _SearchRoutes, _AssociationRoutes, _MetadataRoutes, _AccountRoutes, RequestCounter
):
    """WSGI app emulating the HubSpot CRM endpoints the pipeline uses.

    Endpoints: ``GET /crm/v3/objects/{type}``, ``GET /crm/v3/objects/{type}/{id}``,
    ``POST /crm/v3/objects/{type}/search``, ``POST /crm/v3/objects/{type}/merge``,
    ``POST /crm/v4/associations/{from}/{to}/batch/read``,
    ``GET /crm/v4/objects/{type}/{id}/associations/{to}``, ``GET /crm/v3/pipelines/{type}[/{id}]``,
    ``GET /crm/v3/properties/{type}[/{name}]``, ``GET /account-info/v3/details``.

    Request counts are keyed ``"contacts.list"``, ``"contacts.get"``, ``"contacts.search"`` (same for
    deals/meetings), ``"associations.batch_read"``, ``"associations.list"``, ``"pipelines"``,
    ``"properties"``, ``"account_info"``, ``"not_found"``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        access_token: str | None = None,
        burst_limit: int = 100,
        burst_window_s: float = 10.0,
        search_per_second: int = 5,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = _utcnow,
        send_retry_after: bool = False,
        recycle_bin_days: int | None = None,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``hubspot`` part (deep-copied; later changes to it are not seen).
            access_token: The only bearer token accepted; None accepts any non-empty token.
            burst_limit: Max non-search requests per rolling ``burst_window_s``; 0 disables.
            burst_window_s: Length of the burst window in seconds.
            search_per_second: Max search requests per rolling second; 0 disables.
            clock: Monotonic clock driving the rate limits (tests inject a fake one).
            wall_clock: Source of "now" for ``archivedAt``/``updatedAt`` and batch timestamps.
            send_retry_after: Add ``Retry-After`` to 429 responses. Off by default because HubSpot does
                not reliably send it, so clients must not depend on it.
            recycle_bin_days: Purge archived records this many days after their ``archivedAt`` (HubSpot:
                :data:`~emulators.hubspot.store.RECYCLE_BIN_DAYS`); None keeps them, for fixtures whose
                dates are fixed in the past.
        """
        super().__init__()
        self.access_token = access_token
        self._wall_clock = wall_clock
        self._send_retry_after = send_retry_after
        self._burst = RollingWindowLimiter(burst_limit, burst_window_s, clock=clock)
        self._search = RollingWindowLimiter(search_per_second, 1.0, clock=clock)
        # The object store's state (typed and documented on _ObjectStore).
        self._lock = threading.RLock()
        self._records = {}
        self._sorted = {}
        self._by_modified = {}
        self._modified_ms = {}
        self._merged_into = {}
        self._version = 0
        self._recycle_bin_days = recycle_bin_days
        self._search_cache = {}
        self._links = {}
        self._pipelines = {}
        self._explicit_props = {}
        self._props = {}
        self._props_dirty = True
        self._account = {}

        self._url_map = Map(
            [
                Rule("/crm/v3/objects/<object_type>", methods=["GET"], endpoint="list"),
                Rule("/crm/v3/objects/<object_type>/search", methods=["POST"], endpoint="search"),
                Rule("/crm/v3/objects/<object_type>/merge", methods=["POST"], endpoint="merge"),
                Rule("/crm/v3/objects/<object_type>/<object_id>", methods=["GET"], endpoint="get"),
                Rule(
                    "/crm/v4/associations/<from_type>/<to_type>/batch/read",
                    methods=["POST"],
                    endpoint="associations.batch_read",
                ),
                Rule(
                    "/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>",
                    methods=["GET"],
                    endpoint="associations.list",
                ),
                Rule("/crm/v3/pipelines/<object_type>", methods=["GET"], endpoint="pipelines"),
                Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>", methods=["GET"], endpoint="pipeline"),
                Rule("/crm/v3/properties/<object_type>", methods=["GET"], endpoint="properties"),
                Rule("/crm/v3/properties/<object_type>/<property_name>", methods=["GET"], endpoint="property"),
                Rule("/account-info/v3/details", methods=["GET"], endpoint="account_info"),
            ],
            strict_slashes=False,
        )
        self.set_data(data or {})

    def reset_rate_limits(self) -> None:
        """Forget every request recorded by the burst and search limiters."""
        self._burst.reset()
        self._search.reset()

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
        except NotFound:
            return self._finish("not_found", self._error_response(_not_found(request.path)))
        except MethodNotAllowed:
            body = _error_body(f"Method {request.method} not allowed on {request.path}", "VALIDATION_ERROR")
            return self._finish("method_not_allowed", json_response(body, 405))
        except HTTPException as exc:  # pragma: no cover - routing redirects are disabled by strict_slashes
            return self._finish("not_found", json_response(_error_body(str(exc), "OBJECT_NOT_FOUND"), 404))

        name = self._endpoint_name(str(endpoint), args)
        is_search = endpoint == "search"

        if not self._authorised(request):
            return self._finish(name, json_response(_error_body(_AUTH_MESSAGE, "INVALID_AUTHENTICATION"), 401))

        headers: dict[str, str] = {}
        if is_search:
            decision = self._search.acquire()
            if not decision.allowed:
                return self._finish(
                    name, self._rate_limited("You have reached your secondly limit.", "SECONDLY", decision)
                )
        else:
            decision = self._burst.acquire()
            if self._burst.enabled:
                headers = {
                    "X-HubSpot-RateLimit-Max": str(decision.limit),
                    "X-HubSpot-RateLimit-Remaining": str(decision.remaining),
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self._burst.window_s * 1000)),
                }
            if not decision.allowed:
                response = self._rate_limited(
                    "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING", decision
                )
                response.headers.update(headers)
                return self._finish(name, response)

        try:
            handler = getattr(self, "_handle_" + str(endpoint).replace(".", "_"))
            with self._lock:
                response = handler(request, **args)
        except _ApiError as err:
            response = self._error_response(err)
        response.headers.update(headers)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response

    @staticmethod
    def _endpoint_name(endpoint: str, args: Mapping[str, Any]) -> str:
        if endpoint in ("list", "get", "search", "merge"):
            raw = str(args["object_type"])
            return f"{_OBJECT_ALIASES.get(raw.lower(), raw)}.{endpoint}"
        if endpoint == "pipeline":
            return "pipelines"
        if endpoint == "property":
            return "properties"
        return endpoint

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        return self.access_token is None or token == self.access_token

    def _rate_limited(self, message: str, policy: str, decision: RateDecision) -> Response:
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "requestId": str(uuid.uuid4()),
        }
        headers = {}
        if self._send_retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after_s)))
        return json_response(body, 429, headers)

    @staticmethod
    def _error_response(err: _ApiError) -> Response:
        return json_response(_error_body(err.message, err.category, **err.extra), err.status)
