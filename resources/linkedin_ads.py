"""LinkedIn Marketing API (versioned REST) as a Dagster resource: campaigns and daily campaign analytics.

adAnalytics has no paging and silently stops at 15,000 elements, so a response of exactly that size is
treated as truncated and the date range is split until every part fits. Query strings are built by hand:
Rest.li keeps ``( ) , :`` literal and wants URNs percent-encoded inside ``List(...)``, which standard URL
encoding would double-encode.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from resources.base import ApiResource, json_body
from resources.http import ApiError

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


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ApiError(
            f"LinkedIn sent a cost that is not a number ({str(value)[:40]!r})", service="LinkedIn", status=None
        ) from None


def parse_analytics_element(element: dict[str, Any]) -> AdDailyRow:
    start = (element.get("dateRange") or {}).get("start") or {}
    pivots = element.get("pivotValues") or [element.get("pivotValue", "")]
    urn = str(pivots[0]) if pivots else ""
    return AdDailyRow(
        platform="linkedin",
        date=date(int(start["year"]), int(start["month"]), int(start["day"])),
        campaign_id=urn.rsplit(":", 1)[-1],
        impressions=int(element.get("impressions") or 0),
        clicks=int(element.get("clicks") or 0),
        cost=_decimal(element.get("costInLocalCurrency")),
        conversions=float(element.get("externalWebsiteConversions") or 0),
        platform_leads=int(element.get("oneClickLeads") or 0),
    )


class LinkedInAdsResource(ApiResource):
    """LinkedIn Ads reporting for one ad account (``LINKEDIN_ACCESS_TOKEN``, ``LINKEDIN_AD_ACCOUNT_ID``).

    The token and account are read from the environment at run time (names below), so an unconfigured
    source is skipped rather than failing the run.
    """

    service_name: ClassVar[str] = "LinkedIn Ads"
    base_url_env: ClassVar[str] = "LINKEDIN_BASE_URL"
    credential_envs: ClassVar[tuple[str, ...]] = ("LINKEDIN_ACCESS_TOKEN",)

    base_url: str = "https://api.linkedin.com"
    api_version: str = "202601"
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
        elif status == 403:
            advice = (
                f"the token's member cannot read ad account {self._account()} or lacks the r_ads_reporting "
                f"scope; check {self.account_id_env} and the token's scopes"
            )
        elif status == 426:
            advice = f"LinkedIn-Version {self.api_version} is sunset; set ads.linkedin_api_version to a current YYYYMM"
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

    def daily_analytics(self, start: date, end: date) -> list[AdDailyRow]:
        """Campaign-day metrics for [start, end] (inclusive), split wherever LinkedIn would truncate."""
        return list(self._analytics(start, end))

    def _analytics(self, start: date, end: date) -> Iterator[AdDailyRow]:
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
            yield from self._analytics(start, middle)
            yield from self._analytics(middle + timedelta(days=1), end)
            return
        for element in elements:
            yield parse_analytics_element(element)
