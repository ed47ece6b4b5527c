"""LinkedIn Marketing API (versioned REST) as a Dagster resource: campaigns and daily campaign analytics.

adAnalytics has no paging and silently stops at 15,000 elements, so a response of exactly that size is
treated as truncated and the date range is split until every part fits. It also answers an *empty* result,
not an error, when the token's member cannot read the account, so an empty answer is followed by a look at
the member's roles (``adAccountUsers``) and a run without access stops instead of recording zero spend.
Query strings are built by hand: Rest.li keeps ``( ) , :`` literal and wants URNs percent-encoded inside
``List(...)``, which standard URL encoding would double-encode. Called by the ad assets and ``check``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from resources.api_versions import LINKEDIN, retired_version_message
from resources.base import ApiResource, json_body
from resources.http import ApiError
from resources.quarantine import (
    BadRecord,
    BadValue,
    ParsedRecords,
    QuarantinedRecord,
    read_count,
    read_decimal,
    read_number,
)
from resources.source_identity import SourceIdentity

ANALYTICS_FIELDS = (
    "dateRange",
    "pivotValues",
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "externalWebsiteConversions",
    "oneClickLeads",
)
MAX_ELEMENTS = 15_000  # LinkedIn truncates adAnalytics responses here without saying so
CAMPAIGN_PAGE_SIZE = 100
ACCOUNT_USERS_PAGE_SIZE = 100
REPORTING_SCOPE = "r_ads_reporting"
# Metrics every element must carry: a missing one would otherwise be read as 0, a silent zero.
REQUIRED_METRICS = ("impressions", "clicks", "costInLocalCurrency")
# LinkedIn's costs are BigDecimal renderings of doubles ("107.5300000000000335346", "-2E-18"): digits past
# the ninth decimal are float noise, not money, and are rounded away where they enter (no currency has more
# than 4 minor digits).
COST_QUANTUM = Decimal("1E-9")
COST_DECIMALS = -9


@dataclass(frozen=True)
class AdDailyRow:
    """One campaign-day of an ad platform, in the platform's currency and calendar."""

    platform: str
    date: date
    campaign_id: str
    impressions: int
    clicks: int
    cost: Decimal
    conversions: float
    platform_leads: int


@dataclass(frozen=True)
class AdAccountInfo:
    currency: str | None
    time_zone: str | None


def _restli_date(day: date) -> str:
    return f"(year:{day.year},month:{day.month},day:{day.day})"


def round_cost(value: Decimal) -> Decimal:
    """A cost with its float noise rounded away: at most 9 decimals, and never a negative zero.

    ``"-2E-18"`` becomes 0, so a spend check sees 0 rather than a negative number; a value with 9 or fewer
    decimals keeps its exact text.
    """
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < COST_DECIMALS:
        value = value.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN)
    return Decimal(0) if value.is_zero() else value


def parse_analytics_element(element: dict[str, Any]) -> AdDailyRow:
    """One campaign-day element of ``adAnalytics`` (pivot CAMPAIGN, DAILY) as a typed row.

    Raises:
        BadRecord: When the date or the campaign cannot be read, or one of :data:`REQUIRED_METRICS` is
            missing, or a metric is not a number, NaN, Infinity or out of range; it names the record
            (campaign and date), which is quarantined: reading it as 0 would record a day without spend
            that was never reported.
    """
    start = (element.get("dateRange") or {}).get("start") or {}
    pivots = element.get("pivotValues") or [element.get("pivotValue", "")]
    urn = str(pivots[0]) if pivots else ""
    campaign_id = urn.rsplit(":", 1)[-1]
    try:
        day: date | None = date(int(start["year"]), int(start["month"]), int(start["day"]))
    except (KeyError, TypeError, ValueError):
        day = None
    record_id = f"{campaign_id or '?'} on {day or '?'}"

    def bad(field_name: str, raw: object, problem: str) -> BadRecord:
        error = BadValue(field_name, raw, problem)
        return BadRecord(QuarantinedRecord.of("linkedin", "campaign_day", record_id, error, day))

    if day is None:
        raise bad("dateRange", element.get("dateRange"), "is not a date")
    if not campaign_id.isdigit():
        raise bad("pivotValues", urn, "holds no campaign URN")

    def read(name: str, reader: Callable[[object], Any]) -> Any:
        try:
            return reader(element.get(name))
        except ValueError as error:
            raise bad(name, element.get(name), str(error)) from None

    cost = read("costInLocalCurrency", read_decimal)
    if cost is None:
        raise bad("costInLocalCurrency", element.get("costInLocalCurrency"), "is missing")
    impressions, clicks = read("impressions", read_count), read("clicks", read_count)
    conversions = read("externalWebsiteConversions", read_number) or 0.0
    leads = read("oneClickLeads", _optional_count)
    return AdDailyRow(
        platform="linkedin",
        date=day,
        campaign_id=campaign_id,
        impressions=impressions,
        clicks=clicks,
        cost=round_cost(cost),
        conversions=conversions,
        platform_leads=leads,
    )


def _optional_count(value: object) -> int:
    """A count LinkedIn may leave out when it is 0 (``oneClickLeads`` outside lead-gen campaigns)."""
    return 0 if value is None or value == "" else read_count(value)


def parse_analytics_elements(elements: Iterable[dict[str, Any]]) -> ParsedRecords[AdDailyRow]:
    """The elements of an ``adAnalytics`` answer: the rows that parse, and the others quarantined."""
    parsed: ParsedRecords[AdDailyRow] = ParsedRecords()
    for element in elements:
        try:
            parsed.append(parse_analytics_element(element))
        except BadRecord as error:
            parsed.quarantined.append(error.record)
    return parsed


class LinkedInAdsResource(ApiResource):
    """LinkedIn Ads reporting for one ad account (``LINKEDIN_ACCESS_TOKEN``, ``LINKEDIN_AD_ACCOUNT_ID``).

    The token and account are read from the environment at run time (names below), so an unconfigured
    source is skipped rather than failing the run.
    """

    service_name: ClassVar[str] = "LinkedIn Ads"
    base_url_env: ClassVar[str] = "LINKEDIN_BASE_URL"
    credential_envs: ClassVar[tuple[str, ...]] = ("LINKEDIN_ACCESS_TOKEN",)

    base_url: str = "https://api.linkedin.com"
    api_version: str = LINKEDIN.newest().name
    access_token_env: str = "LINKEDIN_ACCESS_TOKEN"
    account_id_env: str = "LINKEDIN_AD_ACCOUNT_ID"
    access_token: str | None = None  # tests and the demo pass it directly
    account_id: str | None = None
    read_environment: bool = True  # the demo turns it off so a real token in the shell is never used

    @property
    def configured(self) -> bool:
        return bool(self._token() and self._account())

    def missing_settings(self) -> list[str]:
        return [
            name
            for name, value in ((self.access_token_env, self._token()), (self.account_id_env, self._account()))
            if not value
        ]

    def _env(self, name: str) -> str:
        return os.environ.get(name, "") if self.read_environment else ""

    def _token(self) -> str:
        return self.clean_secret(self.access_token_env, self.access_token or self._env(self.access_token_env))

    def _account(self) -> str:
        raw = (self.account_id or self._env(self.account_id_env)).strip()
        return raw.rsplit(":", 1)[-1]

    def _get(self, path_and_query: str, endpoint: str) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }
        response = self.send("GET", f"{self.base_url.rstrip('/')}{path_and_query}", endpoint=endpoint, headers=headers)
        if response.status_code >= 400:
            raise self._error(response, endpoint)
        payload = json_body(response)
        if not isinstance(payload, dict):
            raise ApiError(
                f"LinkedIn {endpoint} answered with a body that is not JSON (cut off or an error page); rerun later",
                service="LinkedIn",
                status=200,
            )
        return payload

    def _error(self, response: requests.Response, endpoint: str) -> ApiError:
        body = json_body(response)
        body = body if isinstance(body, dict) else {}
        code = body.get("code") or body.get("serviceErrorCode")
        status = response.status_code
        if status == 401 and body.get("code") == "EXPIRED_ACCESS_TOKEN":
            advice = (
                f"the LinkedIn token expired (they live 60 days): generate a new one and set {self.access_token_env}"
            )
        elif status == 401:
            advice = f"check {self.access_token_env}"
        elif status == 403 and endpoint == "linkedin.adAnalytics":
            advice = (
                f"the token lacks the {REPORTING_SCOPE} scope (LinkedIn's permission to read ad reports): "
                f"generate a new token with {REPORTING_SCOPE} and r_ads and set {self.access_token_env}"
            )
        elif status == 403:
            advice = (
                f"the token lacks the r_ads scope, or its member has no role on ad account {self._account()}: "
                f"check {self.account_id_env} and generate the token with r_ads and {REPORTING_SCOPE}"
            )
        elif status == 426:
            # NONEXISTENT_VERSION: the LinkedIn-Version sent is sunset or was never released.
            return ApiError(
                retired_version_message(LINKEDIN, self.api_version, f"HTTP 426 {code or ''}".rstrip()),
                service="LinkedIn",
                status=status,
                category=str(code) if code else "NONEXISTENT_VERSION",
            )
        elif status == 429:
            advice = "LinkedIn's daily limit for this app is spent; it resets at midnight UTC"
        else:
            advice = "see LinkedIn's message"
        return ApiError(
            f"LinkedIn {endpoint} failed with HTTP {status} {code or ''}: {body.get('message', '')} -- {advice}",
            service="LinkedIn",
            status=status,
            category=str(code) if code else None,
        )

    def account_info(self) -> AdAccountInfo:
        """The ad account's currency (costs come in it)."""
        payload = self._get(f"/rest/adAccounts/{self._account()}", "linkedin.adAccount")
        return AdAccountInfo(currency=payload.get("currency"), time_zone=None)

    def campaigns(self) -> list[dict[str, Any]]:
        """Every campaign of the account (id, name, status), following ``pageToken``."""
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            query = f"?q=search&pageSize={CAMPAIGN_PAGE_SIZE}" + (
                f"&pageToken={quote(token, safe='')}" if token else ""
            )
            payload = self._get(f"/rest/adAccounts/{self._account()}/adCampaigns{query}", "linkedin.adCampaigns")
            found.extend(payload.get("elements", []))
            token = (payload.get("metadata") or {}).get("nextPageToken")
            if not token:
                return found

    def source_identity(self) -> SourceIdentity:
        """The ad account this resource reads, as the warehouse records it (no API call)."""
        account = self._account()
        return SourceIdentity("linkedin", account, f"LinkedIn ad account {account}", self.account_id_env)

    def member_roles(self) -> dict[str, str]:
        """The token's member's role by ad account id (``GET /rest/adAccountUsers?q=authenticatedUser``)."""
        roles: dict[str, str] = {}
        start = 0
        while True:
            query = f"?q=authenticatedUser&start={start}&count={ACCOUNT_USERS_PAGE_SIZE}"
            payload = self._get(f"/rest/adAccountUsers{query}", "linkedin.adAccountUsers")
            elements = payload.get("elements") or []
            for element in elements:
                roles[str(element.get("account", "")).rsplit(":", 1)[-1]] = str(element.get("role", ""))
            if len(elements) < ACCOUNT_USERS_PAGE_SIZE:
                return roles
            start += ACCOUNT_USERS_PAGE_SIZE

    def verify_reporting_access(self) -> str:
        """The member's role on the configured account; stops the run when it has none.

        LinkedIn answers adAnalytics with an empty result, not an error, when the member cannot read the
        account's data ("An empty response is returned if there's no activity to report or if you don't
        have read access", Ads Reporting docs), so "no rows" alone cannot tell a quiet account from a
        locked one. Every ad account role (VIEWER and up) may read reports.

        Raises:
            ApiError: When the member has no role on the account (naming the role to grant), or when the
                token may not list roles (403 naming the r_ads scope).
        """
        account = self._account()
        role = self.member_roles().get(account)
        if not role:
            raise ApiError(
                f"LinkedIn answered no rows for ad account {account} because the member who generated "
                f"{self.access_token_env} has no role on it (LinkedIn then reports nothing instead of an "
                "error): in Campaign Manager, Account settings > Manage access, give that member a role on "
                f"account {account} (VIEWER is enough), or check {self.account_id_env}",
                service="LinkedIn",
                status=200,
                category="NO_ACCOUNT_ROLE",
            )
        return role

    def daily_analytics(self, start: date, end: date) -> ParsedRecords[AdDailyRow]:
        """Campaign-day metrics for [start, end] (inclusive), split wherever LinkedIn would truncate.

        Elements that cannot be read come back quarantined (``.quarantined``), never as 0. An empty answer
        is checked against the member's roles (one extra call), so "no delivery" comes back as no rows
        and "no access" stops the run (:meth:`verify_reporting_access`).
        """
        rows = self._analytics(start, end)
        if not rows and not rows.quarantined:
            self.verify_reporting_access()
        return rows

    def _analytics(self, start: date, end: date) -> ParsedRecords[AdDailyRow]:
        account_urn = quote(f"urn:li:sponsoredAccount:{self._account()}", safe="")
        query = (
            "?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
            f"&dateRange=(start:{_restli_date(start)},end:{_restli_date(end)})"
            f"&accounts=List({account_urn})"
            f"&fields={','.join(ANALYTICS_FIELDS)}"
        )
        payload = self._get(f"/rest/adAnalytics{query}", "linkedin.adAnalytics")
        elements = payload.get("elements", [])
        if len(elements) >= MAX_ELEMENTS:
            if start == end:
                raise ApiError(
                    f"LinkedIn returned {MAX_ELEMENTS} campaign rows for the single day {start}: more campaigns than "
                    "one request can report; the account needs splitting by campaign group",
                    service="LinkedIn",
                    status=200,
                )
            middle = start + timedelta(days=(end - start).days // 2)
            rows = self._analytics(start, middle)
            rows.extend_parsed(self._analytics(middle + timedelta(days=1), end))
            return rows
        return parse_analytics_elements(elements)
