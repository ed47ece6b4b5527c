"""The GA4 Data API emulator as a WSGI app: routes, authentication, property lookup, quotas and test controls.

Built by :func:`emulators.suite.start_emulators`, tests and benchmarks; reports are parsed by
:mod:`~emulators.ga4.request` and answered by :mod:`~emulators.ga4.response`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from emulators.google_rpc import (
    JSON,
    SERVER_ERROR_MESSAGES,
    RpcError,
    error_response,
    invalid,
    json_body,
)
from emulators.server import RequestCounter, json_response

from .enums import metric_type_number, wants_integer_enums
from .quota import Quota, report_cost
from .request import parse_batch, parse_report
from .response import run_report
from .schema import DIMENSIONS, METRICS, Property, load_property

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from emulators.google_oauth import GoogleOAuthEmulator

#: Bearer tokens must carry ``.../auth/analytics`` or ``.../auth/analytics.readonly``.
ANALYTICS_SCOPE_PREFIX = "https://www.googleapis.com/auth/analytics"

_PATH = re.compile(r"/v1beta/properties/([^/:]+)(?::(runReport|batchRunReports)|/(metadata))")

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


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GA4Emulator(RequestCounter):
    """WSGI app emulating the GA4 Data API endpoints the pipeline uses (see the :mod:`emulators.ga4` docstring).

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
        self._quotas: dict[str, Quota] = {}
        self._properties: dict[str, Property] = {}
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
        props: dict[str, Property] = {}
        if data:
            prop = load_property(data)
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

    def _quota(self, property_id: str) -> Quota:
        quota = self._quotas.get(property_id)
        if quota is None:
            quota = self._quotas[property_id] = Quota(self._limits, self._clock)
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
            # ``$alt=json;enum-encoding=int`` (sent by Google's REST clients) asks for enums as numbers.
            integer_enums = wants_integer_enums(request.args.get("$alt"))
            if metadata:
                response = self._handle_metadata(property_id, integer_enums)
            else:
                response = self._handle_reports(request, property_id, name, integer_enums)
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

    def _lookup_property(self, property_id: str) -> Property:
        if not property_id.isdigit():
            raise invalid(f"Invalid property ID: {property_id}. A numeric Property ID is required.")
        with self._lock:
            prop = self._properties.get(property_id)
        if prop is None:
            raise RpcError(403, _PERMISSION_MESSAGE)
        return prop

    def _handle_metadata(self, property_id: str, integer_enums: bool) -> Response:
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
                    {
                        "apiName": k,
                        "uiName": ui,
                        "description": ui,
                        "type": metric_type_number(typ) if integer_enums else typ,
                        "category": "Session",
                    }
                    for k, (ui, typ) in METRICS.items()
                ],
            }
        )

    def _handle_reports(self, request: Request, property_id: str, method: str, integer_enums: bool) -> Response:
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
                specs = [parse_report(body, property_id, today)]
            else:
                specs = parse_batch(body, property_id, today)
            reports: list[JSON] = []
            for spec in specs:
                report, row_count = run_report(prop, spec)
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
                if integer_enums:
                    for header in report["metricHeaders"]:
                        header["type"] = metric_type_number(header["type"])
                reports.append(report)
        finally:
            with self._lock:
                quota.in_flight -= 1
        if method == "runReport":
            return json_response(reports[0])
        return json_response({"reports": reports, "kind": "analyticsData#batchRunReports"})


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
