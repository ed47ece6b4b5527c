"""GA4 Data API (v1beta) as a Dagster resource: daily traffic by channel group, event counts, and
week-grain users per slice.

Users are not additive (a person who returns on two days, or through two channels, is one user), so
``users``, ``new_users`` and the average session duration are asked for each week and slice exactly;
``batchRunReports`` carries up to five reports and each report up to four named date ranges, so a year
of week-grain numbers costs about thirteen requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import requests
from pydantic import PrivateAttr

from resources.base import ApiResource, json_body
from resources.google_auth import (
    SERVICE_ACCOUNT_B64_ENV,
    SERVICE_ACCOUNT_FILE_ENV,
    AccessTokenProvider,
    load_service_account_info,
    service_account_provider,
    token_url,
)
from resources.http import ApiError
from resources.quarantine import (
    BadValue,
    ParsedRecords,
    QuarantinedRecord,
    field_value,
    read_count,
    read_number,
)
from resources.source_identity import SourceIdentity

ANALYTICS_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
PAGE_LIMIT = 100_000
RANGES_PER_REPORT = 4  # the Data API's maximum number of date ranges in one report
REPORTS_PER_BATCH = 5  # the Data API's maximum number of reports in one batchRunReports
DAILY_METRICS = ("sessions", "engagedSessions", "screenPageViews", "keyEvents")
WEEK_METRICS = ("totalUsers", "newUsers", "averageSessionDuration")


@dataclass(frozen=True)
class ReportMetadata:
    time_zone: str | None = None
    currency: str | None = None
    subject_to_thresholding: bool = False
    data_loss_from_other_row: bool = False
    sampled: bool = False


@dataclass
class Report:
    """A parsed report: one dict per row, dimension values as strings and metrics typed by their header.

    Rows whose date or a metric cannot be read (NaN, Infinity, out of range) are not in ``rows`` but in
    ``quarantined``, named by their dimension values (e.g. ``20240102 / Organic Search``).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    metadata: ReportMetadata = field(default_factory=ReportMetadata)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)


def _typed(value: str, metric_type: str) -> float | int:
    """A metric value by its header's type: whole for ``TYPE_INTEGER``; raises ValueError when unreadable."""
    if metric_type == "TYPE_INTEGER":
        return read_count(value)
    number = read_number(value)
    if number is None:
        raise ValueError("is missing")
    return number


def _row_date(parsed: Mapping[str, Any]) -> date | None:
    """The day (``date``, YYYYMMDD) or week (``dateRange`` named by its first day) a row is about."""
    try:
        if "date" in parsed:
            return datetime.strptime(str(parsed["date"]), "%Y%m%d").date()
        if "dateRange" in parsed:
            return date.fromisoformat(str(parsed["dateRange"]))
    except ValueError:
        raise BadValue(
            "date" if "date" in parsed else "dateRange", parsed.get("date", parsed.get("dateRange")), "is not a date"
        ) from None
    return None


def parse_report(payload: Mapping[str, Any], record_type: str = "ga4_day") -> Report:
    """A report answer; ``record_type`` names what a quarantined row is (``ga4_day``, ``ga4_week``, ...)."""
    dimensions = [header["name"] for header in payload.get("dimensionHeaders", [])]
    metrics = [(header["name"], header.get("type", "TYPE_FLOAT")) for header in payload.get("metricHeaders", [])]
    rows = []
    quarantined: list[QuarantinedRecord] = []
    for row in payload.get("rows", []):
        parsed: dict[str, Any] = {
            name: value.get("value") for name, value in zip(dimensions, row.get("dimensionValues", []), strict=False)
        }
        day: date | None = None
        try:
            day = _row_date(parsed)
            for (name, metric_type), value in zip(metrics, row.get("metricValues", []), strict=False):
                raw = value.get("value", "0")
                parsed[name] = field_value(name, raw, lambda text, kind=metric_type: _typed(str(text), kind))
        except BadValue as error:
            record_id = " / ".join(str(parsed.get(name)) for name in dimensions)
            quarantined.append(QuarantinedRecord.of("ga4", record_type, record_id, error, day))
            continue
        rows.append(parsed)
    meta = payload.get("metadata") or {}
    return Report(
        rows=rows,
        quarantined=quarantined,
        metadata=ReportMetadata(
            time_zone=meta.get("timeZone"),
            currency=meta.get("currencyCode"),
            subject_to_thresholding=bool(meta.get("subjectToThresholding", False)),
            data_loss_from_other_row=bool(meta.get("dataLossFromOtherRow", False)),
            sampled=bool(meta.get("samplingMetadatas")),
        ),
    )


def _in_list(field_name: str, values: Sequence[str]) -> dict[str, Any]:
    return {"filter": {"fieldName": field_name, "inListFilter": {"values": list(values)}}}


@dataclass(frozen=True)
class WeekSlice:
    """Week-grain GA4 numbers for one slice (All, a group or a channel)."""

    week_start: date
    slice: str
    users: int
    new_users: int
    avg_session_duration_s: float | None
    thresholded: bool = False
    data_loss_from_other_row: bool = False


class GA4Resource(ApiResource):
    """One GA4 property, read with a service account (``GA4_PROPERTY_ID``, ``GOOGLE_SERVICE_ACCOUNT_*``)."""

    service_name: ClassVar[str] = "GA4"
    base_url_env: ClassVar[str] = "GA4_BASE_URL"

    base_url: str = "https://analyticsdata.googleapis.com"
    property_id: str | None = None  # None = GA4_PROPERTY_ID
    token_url: str | None = None
    service_account_info: dict[str, Any] | None = None  # tests and the demo; production reads the env
    max_concurrent_requests: int = 5
    read_environment: bool = True  # the demo turns it off so real credentials in the shell are never used

    _tokens: AccessTokenProvider | None = PrivateAttr(default=None)

    def _property(self) -> str:
        import os

        from_env = os.environ.get("GA4_PROPERTY_ID", "") if self.read_environment else ""
        return (self.property_id or from_env).strip().removeprefix("properties/")

    def _account(self) -> dict[str, Any] | None:
        if self.service_account_info or not self.read_environment:
            return self.service_account_info
        return load_service_account_info()

    def source_identity(self) -> SourceIdentity:
        """The property this resource reads, as the warehouse records it (no API call)."""
        prop = self._property()
        return SourceIdentity("ga4", prop, f"GA4 property {prop}", "GA4_PROPERTY_ID")

    def missing_settings(self) -> list[str]:
        missing = [] if self._property() else ["GA4_PROPERTY_ID"]
        if self._account() is None:
            missing.append(f"{SERVICE_ACCOUNT_FILE_ENV} or {SERVICE_ACCOUNT_B64_ENV}")
        return missing

    @property
    def configured(self) -> bool:
        return not self.missing_settings()

    def _access_token(self) -> str:
        if self._tokens is None:
            info = self._account()
            if info is None:
                raise ApiError("GA4 has no service account configured", service="GA4", status=None)
            self._tokens = service_account_provider(
                info,
                token_uri=self.token_url or token_url(),
                scopes=[ANALYTICS_SCOPE],
                session=self.session,
                service="GA4",
            )
        return self._tokens.token()

    def _post(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url.rstrip('/')}/v1beta/properties/{self._property()}:{method}"
        in_flight = self.concurrency("requests", self.max_concurrent_requests)
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            response = self.send(
                "POST", url, endpoint=f"ga4.{method}", concurrency=in_flight, headers=headers, json=body
            )
            if response.status_code == 401 and attempt == 0 and self._tokens is not None:
                self._tokens.invalidate()  # revoked or expired early: one fresh token, one more try
                continue
            break
        payload = json_body(response)
        if response.status_code >= 400 or not isinstance(payload, dict):
            raise self._error(response, payload)
        return payload

    def _error(self, response: requests.Response, payload: Any) -> ApiError:
        if payload is None:
            return ApiError(
                f"GA4 answered HTTP {response.status_code} with a body that is not JSON (cut off or an error "
                "page); rerun later",
                service="GA4",
                status=response.status_code,
            )
        error = payload.get("error", {}) if isinstance(payload, dict) else {}
        status = error.get("status", "")
        advice = {
            "PERMISSION_DENIED": (
                f"the service account has no access to property {self._property()}: add its client_email as a "
                "Viewer in GA4 Admin > Property access management, and check GA4_PROPERTY_ID"
            ),
            "RESOURCE_EXHAUSTED": "the property's GA4 token quota is spent; rerun after it resets (hourly/daily)",
            "UNAUTHENTICATED": "the service account's token was refused; check the key",
            "INVALID_ARGUMENT": "the report request was refused; see GA4's message",
        }.get(status, "see GA4's message")
        return ApiError(
            f"GA4 {response.request.path_url.rsplit(':', 1)[-1] if response.request else 'request'} failed with "
            f"HTTP {response.status_code} {status}: {error.get('message', '')} -- {advice}",
            service="GA4",
            status=response.status_code,
            category=status or None,
        )

    def run_report(self, body: dict[str, Any], record_type: str = "ga4_day") -> Report:
        """One report, every page (``offset`` until ``rowCount``)."""
        report = Report()
        offset = 0
        while True:
            payload = self._post("runReport", {**body, "limit": PAGE_LIMIT, "offset": offset})
            page = parse_report(payload, record_type)
            report.rows.extend(page.rows)
            report.quarantined.extend(page.quarantined)
            report.metadata = page.metadata
            offset += PAGE_LIMIT
            if offset >= int(payload.get("rowCount", 0) or 0):
                return report

    def daily_by_channel_group(self, start: date, end: date) -> Report:
        """Sessions, engaged sessions, page views and key events per day and default channel group."""
        return self.run_report(
            {
                "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
                "dimensions": [{"name": "date"}, {"name": "sessionDefaultChannelGroup"}],
                "metrics": [{"name": name} for name in DAILY_METRICS],
            }
        )

    def daily_events(self, start: date, end: date, event_names: Sequence[str]) -> Report:
        """Counts of the named events per day and default channel group."""
        return self.run_report(
            {
                "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
                "dimensions": [{"name": "date"}, {"name": "sessionDefaultChannelGroup"}, {"name": "eventName"}],
                "metrics": [{"name": "eventCount"}],
                "dimensionFilter": _in_list("eventName", event_names),
            },
            record_type="ga4_event_day",
        )

    def week_grain(
        self, weeks: Iterable[date], slice_filters: Mapping[str, list[str] | None]
    ) -> tuple[ParsedRecords[WeekSlice], list[ReportMetadata]]:
        """Users, new users and average session duration for each week and slice, asked at week grain.

        ``slice_filters`` maps a slice to the GA4 channel groups it covers (None = the whole property;
        [] = none, so zero users without asking). Slices covering exactly one group are answered by one
        report broken down by channel group; the others get a report filtered to their groups. A week and
        slice whose row cannot be read gets no row (never 0 users) and comes back in ``.quarantined``.
        """
        weeks = sorted(set(weeks))
        single = {name: groups[0] for name, groups in slice_filters.items() if groups is not None and len(groups) == 1}
        filtered = {name: groups for name, groups in slice_filters.items() if groups is None or len(groups) > 1}
        results: ParsedRecords[WeekSlice] = ParsedRecords(
            WeekSlice(week, name, 0, 0, None)
            for week in weeks
            for name, groups in slice_filters.items()
            if groups is not None and not groups
        )
        metadata: list[ReportMetadata] = []
        for start in range(0, len(weeks), RANGES_PER_REPORT):
            chunk = weeks[start : start + RANGES_PER_REPORT]
            ranges = [
                {"startDate": w.isoformat(), "endDate": (w + timedelta(days=6)).isoformat(), "name": w.isoformat()}
                for w in chunk
            ]
            metrics = [{"name": name} for name in WEEK_METRICS]
            requests_: list[tuple[str | None, dict[str, Any]]] = []
            if single:
                requests_.append(
                    (
                        None,
                        {
                            "dateRanges": ranges,
                            "dimensions": [{"name": "sessionDefaultChannelGroup"}],
                            "metrics": metrics,
                            "dimensionFilter": _in_list("sessionDefaultChannelGroup", sorted(set(single.values()))),
                            "limit": PAGE_LIMIT,
                        },
                    )
                )
            for name, groups in filtered.items():
                body: dict[str, Any] = {"dateRanges": ranges, "metrics": metrics, "limit": PAGE_LIMIT}
                if groups is not None:
                    body["dimensionFilter"] = _in_list("sessionDefaultChannelGroup", groups)
                requests_.append((name, body))
            for batch_start in range(0, len(requests_), REPORTS_PER_BATCH):
                batch = requests_[batch_start : batch_start + REPORTS_PER_BATCH]
                payload = self._post("batchRunReports", {"requests": [body for _, body in batch]})
                for (slice_name, _), raw in zip(batch, payload.get("reports", []), strict=True):
                    report = parse_report(raw, "ga4_week")
                    metadata.append(report.metadata)
                    results.extend_parsed(self._week_rows(report, slice_name, single, chunk))
        return results, metadata

    @staticmethod
    def _week_rows(
        report: Report, slice_name: str | None, single: Mapping[str, str], weeks: Sequence[date]
    ) -> ParsedRecords[WeekSlice]:
        by_key: dict[tuple[str, str | None], dict[str, Any]] = {}
        for parsed in report.rows:
            week = parsed.get("dateRange") or (weeks[0].isoformat() if len(weeks) == 1 else None)
            by_key[(str(week), parsed.get("sessionDefaultChannelGroup"))] = parsed
        out: ParsedRecords[WeekSlice] = ParsedRecords()
        targets: list[tuple[str, str | None]] = [(slice_name, None)] if slice_name is not None else list(single.items())
        unreadable: dict[tuple[str, str | None], QuarantinedRecord] = {}
        for record in report.quarantined:
            # Its week is the date range it answers (the only one when GA4 leaves that dimension out); its
            # group, in a report broken down by group, the other dimension value (record_id joins them).
            week = record.record_date or (weeks[0] if len(weeks) == 1 else None)
            if week is None:
                continue
            others = [part for part in record.record_id.split(" / ") if part != week.isoformat()]
            group = others[0] if slice_name is None and others else None
            unreadable[(week.isoformat(), group)] = record
        for week in weeks:
            for name, group in targets:
                bad = unreadable.get((week.isoformat(), group))
                if bad is not None:
                    out.quarantined.append(replace(bad, record_id=f"{name} in the week of {week.isoformat()}"))
                    continue
                found = by_key.get((week.isoformat(), group))
                row: dict[str, Any] = found or {}
                out.append(
                    WeekSlice(
                        week_start=week,
                        slice=name,
                        users=int(row.get("totalUsers", 0)),
                        new_users=int(row.get("newUsers", 0)),
                        avg_session_duration_s=float(row["averageSessionDuration"]) if found else None,
                        thresholded=report.metadata.subject_to_thresholding,
                        data_loss_from_other_row=report.metadata.data_loss_from_other_row,
                    )
                )
        return out
