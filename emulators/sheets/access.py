"""Who may call the Sheets emulator and how often: bearer-token checks, sharing, injected faults and quotas.

Used by :class:`emulators.sheets.app.SheetsEmulator` before every API call reaches its handler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Set
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from emulators._ratelimit import RollingWindowLimiter
from emulators.google_rpc import SERVER_ERROR_MESSAGES, RpcError
from emulators.sheets.store import JSON

if TYPE_CHECKING:
    from emulators.google_oauth import GoogleOAuthEmulator

#: A bearer token must carry one of these scope prefixes (Drive scopes also grant Sheets access).
SHEETS_SCOPE_PREFIXES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
# Any stable fake project number; it only appears in quota error messages.
_PROJECT_NUMBER = "123456789012"
_READ_ENDPOINTS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})

_PERMISSION_MESSAGE = "The caller does not have permission"
_UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_MISSING_CREDENTIALS_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def _auth_detail(reason: str) -> JSON:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "sheets.googleapis.com", "method": "google.apps.sheets.v4.SpreadsheetsService"},
    }


def authenticate(
    request: Request, *, oauth: GoogleOAuthEmulator | None, auth_required: bool, forbidden_for: Set[str]
) -> str:
    """Return the quota user (the token, or ``anonymous``) after checking the bearer token and sharing.

    Args:
        request: The incoming request.
        oauth: When given, the token must be live there with a spreadsheets or drive scope.
        auth_required: Whether a request without a bearer token is refused (else served as ``anonymous``).
        forbidden_for: Token subjects or raw tokens the spreadsheets are "not shared with" (403).

    Raises:
        RpcError: 401 for a missing, unknown or expired token; 403 for a missing scope or no access.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        if auth_required:
            raise RpcError(401, _MISSING_CREDENTIALS_MESSAGE, [_auth_detail("CREDENTIALS_MISSING")])
        identities = {"anonymous"}
        user = "anonymous"
    else:
        identities = {token}
        user = token
        if oauth is not None:
            issued = oauth.token_info(token)
            if issued is None:
                known = oauth.token_info(token, include_expired=True) is not None
                reason = "ACCESS_TOKEN_EXPIRED" if known else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
                raise RpcError(401, _UNAUTHENTICATED_MESSAGE, [_auth_detail(reason)])
            if not any(issued.has_scope(p) for p in SHEETS_SCOPE_PREFIXES):
                raise RpcError(
                    403,
                    "Request had insufficient authentication scopes.",
                    [_auth_detail("ACCESS_TOKEN_SCOPE_INSUFFICIENT")],
                )
            identities.add(issued.subject)
    if identities & forbidden_for:
        raise RpcError(403, _PERMISSION_MESSAGE)
    return user


def quota_error(write: bool) -> RpcError:
    """The 429 ``RESOURCE_EXHAUSTED`` Google answers when a per-user read or write quota is spent."""
    kind = "Write" if write else "Read"
    message = (
        f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' "
        f"of service 'sheets.googleapis.com' for consumer 'project_number:{_PROJECT_NUMBER}'."
    )
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {
            "consumer": f"projects/{_PROJECT_NUMBER}",
            "quota_limit": f"{kind}RequestsPerMinutePerUser",
            "quota_limit_value": "60",
            "quota_location": "global",
            "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
            "service": "sheets.googleapis.com",
        },
    }
    help_link = {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
            {
                "description": "Request a higher quota limit.",
                "url": "https://cloud.google.com/docs/quotas/help/request_increase",
            }
        ],
    }
    return RpcError(429, message, [detail, help_link])


class QuotaGate:
    """Injected failures, then the per-user read and write quotas per rolling minute, for each API call.

    Reads are ``spreadsheets.get``, ``values.get`` and ``values.batchGet``; everything else is a write.
    """

    def __init__(self, *, reads_per_minute: int, writes_per_minute: int, clock: Callable[[], float]) -> None:
        self._reads_per_minute = reads_per_minute
        self._writes_per_minute = writes_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._limiters: dict[tuple[str, bool], RollingWindowLimiter] = {}
        self._pending_failures: list[int] = []

    def fail_next(self, count: int, status: int) -> None:
        """Make the next ``count`` admitted calls fail with ``status`` (500, 503 or 429)."""
        with self._lock:
            self._pending_failures.extend([status] * count)

    def reset(self) -> None:
        """Forget every recorded call in the quota windows."""
        with self._lock:
            for limiter in self._limiters.values():
                limiter.reset()

    def admit(self, name: str, user: str) -> None:
        """Apply injected faults, then the per-user per-minute quota of the call's kind.

        Raises:
            RpcError: The injected failure, or 429 when the user's quota for this kind is spent.
        """
        write = name not in _READ_ENDPOINTS
        with self._lock:
            failure = self._pending_failures.pop(0) if self._pending_failures else None
            limiter = self._limiters.get((user, write))
            if limiter is None:
                limit = self._writes_per_minute if write else self._reads_per_minute
                limiter = self._limiters[(user, write)] = RollingWindowLimiter(limit, 60.0, clock=self._clock)
        if failure == 429:
            raise quota_error(write=True)
        if failure is not None:
            raise RpcError(failure, SERVER_ERROR_MESSAGES[failure])
        if not limiter.acquire().allowed:
            raise quota_error(write)
