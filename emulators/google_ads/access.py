"""The checks every Google Ads emulator call passes before its query runs: version, tokens, customer, quota.

Called in that order by :class:`emulators.google_ads.app.GoogleAdsEmulator`; each raises an ``ApiError``.
"""

from __future__ import annotations

import math

from werkzeug.wrappers import Request

from emulators._ratelimit import RollingWindowLimiter
from emulators.google_ads.errors import ApiError, invalid_argument, permission_denied

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


def check_version(version: int, min_version: int) -> None:
    """Versions older than ``min_version`` are refused with ``UNSUPPORTED_VERSION``."""
    if version < min_version:
        raise invalid_argument(
            "requestError",
            "UNSUPPORTED_VERSION",
            f"Version v{version} is deprecated. Requests to this version will be blocked.",
        )


def check_auth(
    request: Request,
    *,
    access_token: str | None,
    expired: bool,
    developer_token: str | None,
    developer_token_approved: bool,
) -> None:
    """Check the bearer token, then the ``developer-token`` header and its access level.

    Args:
        request: The incoming request.
        access_token: The only bearer token accepted; None accepts any non-empty token.
        expired: Whether the current token has been expired by the test.
        developer_token: The only developer token accepted; None accepts any non-empty value.
        developer_token_approved: False refuses every call with ``DEVELOPER_TOKEN_NOT_APPROVED``.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
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
    if expired or (access_token is not None and token != access_token):
        code = "OAUTH_TOKEN_EXPIRED" if expired else "OAUTH_TOKEN_INVALID"
        message = "Oauth token is expired." if expired else "Oauth token is invalid."
        raise ApiError(
            401,
            "UNAUTHENTICATED",
            _INVALID_CREDENTIAL,
            error_code={"authenticationError": code},
            detail_message=message,
        )
    sent_developer_token = request.headers.get("developer-token", "").strip()
    if not sent_developer_token:
        raise invalid_argument(
            "requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING", "developer-token parameter is missing."
        )
    if developer_token is not None and sent_developer_token != developer_token:
        raise ApiError(
            401,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential.",
            error_code={"authenticationError": "DEVELOPER_TOKEN_INVALID"},
            detail_message="The developer token is not valid.",
        )
    if not developer_token_approved:
        raise permission_denied(
            "DEVELOPER_TOKEN_NOT_APPROVED",
            "The developer token is only approved for use with test accounts. To access non-test "
            "accounts, apply for Basic or Standard access.",
        )


def check_customer(
    request: Request, raw_customer: str, *, login_customer_id: str | None, served_customer_id: str | None
) -> str:
    """Return the customer id of the path once it and the ``login-customer-id`` header grant access.

    Args:
        request: The incoming request.
        raw_customer: The customer id in the path (digits only, no dashes).
        login_customer_id: The manager account the header must name; None means direct access.
        served_customer_id: The customer the emulator serves (None: none).
    """
    if not raw_customer.isdigit():
        raise invalid_argument("requestError", "INVALID_CUSTOMER_ID", f"Invalid customer ID '{raw_customer}'.")
    login = request.headers.get("login-customer-id")
    if login is not None and not login.strip().isdigit():
        raise invalid_argument(
            "headerError",
            "INVALID_LOGIN_CUSTOMER_ID",
            "The login customer ID could not be validated. Use digits only, without dashes.",
        )
    login = login.strip() if login is not None else None
    # Through a manager the header must name the manager; direct access may omit it or name the customer.
    direct_ok = login is None or login == raw_customer
    allowed = login == login_customer_id if login_customer_id is not None else direct_ok
    if not allowed or raw_customer != served_customer_id:
        raise permission_denied("USER_PERMISSION_DENIED", _PERMISSION_MESSAGE)
    return raw_customer


def check_quota(quota: RollingWindowLimiter) -> None:
    """Count the call against the daily operations; 429 with ``retryDelay`` when they are spent."""
    decision = quota.acquire()
    if decision.allowed:
        return
    delay = max(1, math.ceil(decision.retry_after_s))
    raise ApiError(
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
