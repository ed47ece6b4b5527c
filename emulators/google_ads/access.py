"""The checks every Google Ads emulator call passes before its query runs: version, tokens, customer, quota.

Called in that order by :class:`emulators.google_ads.app.GoogleAdsEmulator`; each raises an ``ApiError``
(a version no longer routed raises :class:`VersionNotServed`, answered with Google's HTML 404 page).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

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


@dataclass(frozen=True)
class ServedVersion:
    """One Google Ads API major version on Google's calendar (the emulator's own copy of it).

    Attributes:
        number: The ``N`` of ``/vN/``.
        released: The release day; None when earlier than anything a test asks about.
        sunset: The first day Google stops serving it.
    """

    number: int
    released: date | None
    sunset: date


# Google's calendar (https://developers.google.com/google-ads/api/docs/sunset-dates and the Ads Developer
# Blog): sunsets of v19-v22 as published in each "sunset reminder" post; v23-v26 released 2026-01-28,
# 2026-04-22, 2026-07-22 and 2026-10-14, sunset in the month Google projected ("more frequent releases"
# post, 2025-09-04: February, May, August and November 2027), taken as the 1st.
GOOGLE_ADS_CALENDAR: tuple[ServedVersion, ...] = (
    ServedVersion(19, None, date(2026, 2, 11)),
    ServedVersion(20, None, date(2026, 6, 10)),
    ServedVersion(21, date(2025, 8, 6), date(2026, 8, 5)),
    ServedVersion(22, None, date(2026, 10, 7)),
    ServedVersion(23, date(2026, 1, 28), date(2027, 2, 1)),
    ServedVersion(24, date(2026, 4, 22), date(2027, 5, 1)),
    ServedVersion(25, date(2026, 7, 22), date(2027, 8, 1)),
    ServedVersion(26, date(2026, 10, 14), date(2027, 11, 1)),
)

# What a sunset version answers, as seen by users of the REST interface: first a 400 UNSUPPORTED_VERSION
# ("Version v14 is deprecated. Requests to this version will be blocked.", 14 days after v14's sunset),
# then, once the route is gone, Google's HTML 404 page ("Not Found" is not valid JSON, 28 days after)
# (google-marketing-solutions/adios#47); a version not (yet) released is a 404 as well (probes of v17-v26 in
# AceDataCloud/Skills#721; the "standard Google 404 HTML body" for v19 in cohnen/mcp-google-ads#24). The
# day the route disappears is not published; the emulator removes it this many days after the sunset.
BLOCKED_DAYS_AFTER_SUNSET = 14

VersionState = Literal["served", "blocked", "not_served"]


class VersionNotServed(Exception):
    """The path's version is not routed (retired long enough ago, or never released): an HTML 404."""


def version_state(
    version: int, day: date, calendar: Sequence[ServedVersion], *, blocked_days: int = BLOCKED_DAYS_AFTER_SUNSET
) -> VersionState:
    """How Google answers ``/v{version}/`` on ``day``: served, blocked (400) or not served (404 page)."""
    entry = next((v for v in calendar if v.number == version), None)
    if entry is None or (entry.released is not None and day < entry.released):
        return "not_served"
    if day < entry.sunset:
        return "served"
    return "blocked" if day < entry.sunset + timedelta(days=blocked_days) else "not_served"


def check_version(
    version: int, day: date, calendar: Sequence[ServedVersion], *, blocked_days: int = BLOCKED_DAYS_AFTER_SUNSET
) -> None:
    """Refuse a version Google does not serve on ``day``.

    Raises:
        ApiError: 400 ``UNSUPPORTED_VERSION`` in the days right after its sunset.
        VersionNotServed: Afterwards, and for versions not released on ``day``.
    """
    state = version_state(version, day, calendar, blocked_days=blocked_days)
    if state == "blocked":
        raise invalid_argument(
            "requestError",
            "UNSUPPORTED_VERSION",
            f"Version v{version} is deprecated. Requests to this version will be blocked.",
        )
    if state == "not_served":
        raise VersionNotServed(version)


def not_found_page(path: str) -> str:
    """Google's front end 404 page for an unknown path (what a retired version's URLs answer)."""
    return (
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        '  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">\n'
        "  <title>Error 404 (Not Found)!!1</title>\n"
        "  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
        "  <p><b>404.</b> <ins>That\u2019s an error.</ins>\n"
        f"  <p>The requested URL <code>{html.escape(path)}</code> was not found on this server.  "
        "<ins>That\u2019s all we know.</ins>\n"
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
