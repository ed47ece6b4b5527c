"""Google Ads API over REST as a Dagster resource: daily campaign metrics by GAQL.

The official client library speaks gRPC only, so it cannot reach an HTTP proxy or the emulator; REST
with the same OAuth refresh-token flow is the path production and tests share. One ``searchStream``
call answers a whole date range (one API operation per query).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import requests
from pydantic import PrivateAttr

from resources.api_versions import GOOGLE_ADS, retired_version_message
from resources.base import ApiResource, json_body
from resources.google_auth import AccessTokenProvider, refresh_token_provider, token_url
from resources.http import ApiError
from resources.linkedin_ads import AdAccountInfo, AdDailyRow
from resources.quarantine import BadRecord, BadValue, ParsedRecords, QuarantinedRecord, read_count, read_number
from resources.source_identity import SourceIdentity

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
DAILY_QUERY = (
    "SELECT segments.date, campaign.id, campaign.name, customer.currency_code, customer.time_zone, "
    "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign "
    "WHERE segments.date BETWEEN '{start}' AND '{end}'"
)
ACCOUNT_QUERY = "SELECT customer.currency_code, customer.time_zone, campaign.id FROM campaign LIMIT 1"
ENV = {
    "developer_token": "GOOGLE_ADS_DEVELOPER_TOKEN",
    "customer_id": "GOOGLE_ADS_CUSTOMER_ID",
    "client_id": "GOOGLE_ADS_CLIENT_ID",
    "client_secret": "GOOGLE_ADS_CLIENT_SECRET",
    "refresh_token": "GOOGLE_ADS_REFRESH_TOKEN",
}
LOGIN_CUSTOMER_ENV = "GOOGLE_ADS_LOGIN_CUSTOMER_ID"


def parse_row(row: dict[str, Any]) -> AdDailyRow:
    """One campaign-day row of ``searchStream``.

    The REST API leaves out a metric that is 0 (proto3 JSON omits default values), so a missing metric is
    0 here; int64 metrics come as strings, ``conversions`` as a double.

    Raises:
        BadRecord: The date, a count or the cost cannot be read, or ``conversions`` is NaN, Infinity or out
            of range; it names the campaign and day, and the row is quarantined.
    """
    metrics = row.get("metrics") or {}
    campaign_id = str((row.get("campaign") or {}).get("id", "")) or "?"
    raw_day = (row.get("segments") or {}).get("date")
    try:
        day: date | None = date.fromisoformat(str(raw_day))
    except ValueError:
        day = None
    record_id = f"{campaign_id} on {day or raw_day or '?'}"

    def read(name: str, reader: Callable[[object], Any]) -> Any:
        value = metrics.get(name)
        try:
            return reader(0 if value is None else value)
        except ValueError as error:
            bad = BadValue(name, value, str(error))
            raise BadRecord(QuarantinedRecord.of("google_ads", "campaign_day", record_id, bad, day)) from None

    if day is None:
        bad = BadValue("segments.date", raw_day, "is not a date")
        raise BadRecord(QuarantinedRecord.of("google_ads", "campaign_day", record_id, bad, None))
    return AdDailyRow(
        platform="google_ads",
        date=day,
        campaign_id=campaign_id,
        impressions=read("impressions", read_count),
        clicks=read("clicks", read_count),
        # Micros are exact integers; dividing as decimals keeps every cent.
        cost=Decimal(read("costMicros", read_count)) / Decimal(1_000_000),
        conversions=read("conversions", read_number),
        platform_leads=0,
    )


def parse_rows(rows: Iterable[dict[str, Any]]) -> ParsedRecords[AdDailyRow]:
    """The rows of a ``searchStream`` answer: those that parse, and the others quarantined."""
    parsed: ParsedRecords[AdDailyRow] = ParsedRecords()
    for row in rows:
        try:
            parsed.append(parse_row(row))
        except BadRecord as error:
            parsed.quarantined.append(error.record)
    return parsed


class GoogleAdsResource(ApiResource):
    """One Google Ads customer account, read through a developer token and an OAuth refresh token."""

    service_name: ClassVar[str] = "Google Ads"
    base_url_env: ClassVar[str] = "GOOGLE_ADS_BASE_URL"
    credential_envs: ClassVar[tuple[str, ...]] = ("GOOGLE_ADS_DEVELOPER_TOKEN",)

    base_url: str = "https://googleads.googleapis.com"
    api_version: str = GOOGLE_ADS.newest().name
    token_url: str | None = None  # None = GOOGLE_OAUTH_TOKEN_URL or Google's
    credentials: dict[str, str] | None = None  # tests and the demo pass them; production reads ENV

    _tokens: AccessTokenProvider | None = PrivateAttr(default=None)
    _account: AdAccountInfo | None = PrivateAttr(default=None)

    def _value(self, key: str) -> str:
        if self.credentials is not None:
            return self.credentials.get(key, "").strip()
        env = LOGIN_CUSTOMER_ENV if key == "login_customer_id" else ENV[key]
        return self.clean_secret(env, os.environ.get(env, ""))

    def missing_settings(self) -> list[str]:
        return [env for key, env in ENV.items() if not self._value(key)]

    @property
    def configured(self) -> bool:
        return not self.missing_settings()

    @property
    def customer_id(self) -> str:
        return self._value("customer_id").replace("-", "")

    def source_identity(self) -> SourceIdentity:
        """The customer this resource reads, as the warehouse records it (no API call)."""
        customer = self.customer_id
        return SourceIdentity("google_ads", customer, f"Google Ads customer {customer}", ENV["customer_id"])

    def _access_token(self) -> str:
        if self._tokens is None:
            self._tokens = refresh_token_provider(
                client_id=self._value("client_id"),
                client_secret=self._value("client_secret"),
                refresh_token=self._value("refresh_token"),
                token_uri=self.token_url or token_url(),
                scopes=[ADWORDS_SCOPE],
                session=self.session,
                service="Google Ads",
            )
        return self._tokens.token()

    def _search_stream(self, query: str) -> list[dict[str, Any]]:
        headers = {
            "Authorization": f"Bearer {self._access_token()}",
            "developer-token": self._value("developer_token"),
            "Content-Type": "application/json",
        }
        login = self._value("login_customer_id").replace("-", "")
        if login:
            headers["login-customer-id"] = login
        url = f"{self.base_url.rstrip('/')}/{self.api_version}/customers/{self.customer_id}/googleAds:searchStream"
        response = self.send("POST", url, endpoint="google_ads.searchStream", headers=headers, json={"query": query})
        if response.status_code == 401 and self._tokens is not None:
            # An access token can be revoked before its expiry; one fresh token is worth one more try.
            self._tokens.invalidate()
            headers["Authorization"] = f"Bearer {self._access_token()}"
            response = self.send(
                "POST", url, endpoint="google_ads.searchStream", headers=headers, json={"query": query}
            )
        payload = json_body(response)
        if response.status_code >= 400 or not isinstance(payload, list):
            raise self._error(response, payload)
        rows: list[dict[str, Any]] = []
        for batch in payload:
            if "error" in batch:
                raise self._error(response, [batch])
            rows.extend(batch.get("results", []))
        return rows

    def _error(self, response: requests.Response, payload: Any) -> ApiError:
        if payload is None and response.status_code == 404:
            # Weeks after a sunset the version's routes are removed and Google's front end answers its URLs with
            # the HTML "404. That's an error." page, not the API (google-marketing-solutions/adios#47: "'Not
            # Found' is not valid JSON" after v14's sunset; cohnen/mcp-google-ads#24 for v19).
            return self._version_error(response, "HTTP 404 with Google's HTML 'Not Found' page")
        if payload is None:
            return ApiError(
                f"Google Ads searchStream answered HTTP {response.status_code} with a body that is not JSON "
                "(cut off or an error page); rerun later",
                service="Google Ads",
                status=response.status_code,
            )
        error = (payload[0] if isinstance(payload, list) and payload else payload) or {}
        error = error.get("error", {}) if isinstance(error, dict) else {}
        codes = [
            f"{kind}.{value}"
            for detail in error.get("details", [])
            for failure in detail.get("errors", [])
            for kind, value in (failure.get("errorCode") or {}).items()
        ]
        code = codes[0] if codes else error.get("status", "")
        if code == "requestError.UNSUPPORTED_VERSION":  # the first answer after a sunset
            return self._version_error(response, f"HTTP {response.status_code} {code}")
        advice = {
            "authorizationError.DEVELOPER_TOKEN_NOT_APPROVED": "the developer token is approved for test accounts only",
            "authorizationError.USER_PERMISSION_DENIED": (
                f"the user cannot read customer {self.customer_id}; for a manager account set {LOGIN_CUSTOMER_ENV}"
            ),
            "authenticationError.DEVELOPER_TOKEN_INVALID": "check GOOGLE_ADS_DEVELOPER_TOKEN",
        }.get(code)
        if advice is None and response.status_code == 401:
            advice = "check the OAuth client and refresh token (GOOGLE_ADS_CLIENT_ID/SECRET/REFRESH_TOKEN)"
        if advice is None and "quotaError" in code:
            advice = "the developer token's quota is spent; rerun after the delay Google gives"
        return ApiError(
            f"Google Ads searchStream failed with HTTP {response.status_code} {code}: {error.get('message', '')}"
            f" -- {advice or 'see the message'}",
            service="Google Ads",
            status=response.status_code,
            category=code or None,
        )

    def _version_error(self, response: requests.Response, answer: str) -> ApiError:
        """The API no longer serves ``api_version``: say which setting to change, to what."""
        return ApiError(
            retired_version_message(GOOGLE_ADS, self.api_version, answer),
            service="Google Ads",
            status=response.status_code,
            category="UNSUPPORTED_VERSION",
        )

    def account_info(self) -> AdAccountInfo:
        """The customer's currency and time zone (metrics come in them); free after a daily query."""
        if self._account is not None:
            return self._account
        rows = self._search_stream(ACCOUNT_QUERY)
        customer = (rows[0].get("customer") if rows else None) or {}
        return AdAccountInfo(currency=customer.get("currencyCode"), time_zone=customer.get("timeZone"))

    def daily_campaign_metrics(self, start: date, end: date) -> ParsedRecords[AdDailyRow]:
        """Campaign-day metrics for [start, end] (inclusive) in one searchStream operation; rows that cannot
        be read come back quarantined (``.quarantined``).

        The rows also carry the account's currency and time zone, so :meth:`account_info` needs no
        second call afterwards.
        """
        query = DAILY_QUERY.format(start=start.isoformat(), end=end.isoformat())
        rows = self._search_stream(query)
        if rows:
            customer = rows[0].get("customer") or {}
            self._account = AdAccountInfo(currency=customer.get("currencyCode"), time_zone=customer.get("timeZone"))
        return parse_rows(rows)
