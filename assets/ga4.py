"""GA4 assets: daily sessions by channel group, scroll events, and week-grain users for every slice.

A row GA4 answers that cannot be read (a metric NaN or out of range, an impossible date) is quarantined for
the days or weeks pulled, or stops the run before anything is written with ``bad_records: stop``.
"""

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.ads import fetch_window
from assets.keys import GA4_DAILY_KEY, GA4_WEEKLY_KEY
from assets.kpi_math.web import ga4_slice_filters
from assets.weekly_kpis import funnel_config
from resources.ga4 import GA4Resource, ReportMetadata
from resources.quarantine import BadRecordsError, QuarantinedRecord, replace_quarantined
from resources.settings import SettingsResource
from resources.source_identity import guard_source
from resources.warehouse import WarehouseResource, ga4_daily, ga4_daily_events, ga4_weekly


def _skipped(ga4: GA4Resource, warehouse: WarehouseResource, context: AssetExecutionContext) -> MaterializeResult:
    detail = f"GA4 is not configured ({', '.join(ga4.missing_settings())} not set): web KPIs stay empty"
    context.log.info(f"skipped: {detail}")
    warehouse.set_source_status(
        source="ga4",
        configured=False,
        currency=None,
        time_zone=None,
        detail=detail,
        flags=None,
        synced_at_ms=int(time.time() * 1000),
    )
    return MaterializeResult(metadata={"skipped": detail})


def _quarantine(
    warehouse: WarehouseResource,
    records: list[QuarantinedRecord],
    *,
    record_types: list[str],
    days: tuple[date, date],
    now_ms: int,
    log: Callable[[str], None],
) -> None:
    """Keep the GA4 rows of ``days`` that cannot be read in ``quarantined_records`` (replacing the last pull's)."""
    with warehouse.engine.begin() as conn:
        replace_quarantined(conn, records, source="ga4", record_types=record_types, seen_at_ms=now_ms, days=days)
    for record in records:
        log(f"ga4: quarantined {record.describe()}: left out of the numbers")


def _flags(metadata: list[ReportMetadata]) -> dict[str, bool]:
    return {
        "subject_to_thresholding": any(m.subject_to_thresholding for m in metadata),
        "data_loss_from_other_row": any(m.data_loss_from_other_row for m in metadata),
        "sampled": any(m.sampled for m in metadata),
    }


def build_ga4_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=GA4_DAILY_KEY,
        group_name="ga4",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="ga4",
        check_specs=[
            AssetCheckSpec("rows_fetched_equal_rows_written", asset=GA4_DAILY_KEY),
            AssetCheckSpec("not_silently_empty", asset=GA4_DAILY_KEY),
        ],
    )
    def ga4_daily_sessions(
        context: AssetExecutionContext, ga4: GA4Resource, warehouse: WarehouseResource, settings: SettingsResource
    ) -> MaterializeResult:
        """GA4 sessions, engaged sessions, page views, key events (and scroll events) per day and channel group."""
        if not ga4.configured:
            result = _skipped(ga4, warehouse, context)
            return MaterializeResult(
                metadata=result.metadata,
                check_results=[
                    AssetCheckResult(check_name="rows_fetched_equal_rows_written", passed=True),
                    AssetCheckResult(check_name="not_silently_empty", passed=True),
                ],
            )
        guard_source(warehouse, ga4.source_identity(), context.log.info)
        config = settings.load()
        window = context.partition_time_window
        first, last = fetch_window(
            window.start.date(), window.end.date(), config.ga4.lookback_days, datetime.now(UTC).date()
        )
        now_ms = int(time.time() * 1000)
        report = ga4.daily_by_channel_group(first, last)
        names = sorted(set(config.ga4.scroll_depth_events.values()))
        event_report = ga4.daily_events(first, last, names) if names else None
        quarantined = report.quarantined + (event_report.quarantined if event_report else [])
        if quarantined and config.bad_records == "stop":
            raise BadRecordsError(quarantined)
        _quarantine(
            warehouse,
            quarantined,
            record_types=["ga4_day", "ga4_event_day"],
            days=(first, last),
            now_ms=now_ms,
            log=context.log.info,
        )
        rows = [
            {
                "date": datetime.strptime(str(row["date"]), "%Y%m%d").date(),
                "channel_group": str(row["sessionDefaultChannelGroup"]),
                "sessions": int(row.get("sessions", 0)),
                "engaged_sessions": int(row.get("engagedSessions", 0)),
                "pageviews": int(row.get("screenPageViews", 0)),
                "key_events": float(row.get("keyEvents", 0)),
                "synced_at_ms": now_ms,
            }
            for row in report.rows
        ]
        warehouse.replace_range(ga4_daily, rows, column="date", start=first, end=last)
        written = warehouse.count_range(ga4_daily, column="date", start=first, end=last, where={})
        events: list[dict[str, Any]] = []
        if event_report is not None:
            events = [
                {
                    "date": datetime.strptime(str(row["date"]), "%Y%m%d").date(),
                    "channel_group": str(row["sessionDefaultChannelGroup"]),
                    "event_name": str(row["eventName"]),
                    "event_count": int(row.get("eventCount", 0)),
                    "synced_at_ms": now_ms,
                }
                for row in event_report.rows
            ]
            warehouse.replace_range(ga4_daily_events, events, column="date", start=first, end=last)
        meta = report.metadata
        warehouse.set_source_status(
            source="ga4",
            configured=True,
            currency=meta.currency,
            time_zone=meta.time_zone,
            detail=f"{len(rows)} day-channel rows {first} to {last}",
            flags=json.dumps({"daily": _flags([meta]), "first": str(first), "last": str(last)}),
            synced_at_ms=now_ms,
        )
        context.log.info(f"ga4: {len(rows)} day x channel-group rows and {len(events)} event rows, {first} to {last}")
        return MaterializeResult(
            metadata={
                "first_day": str(first),
                "last_day": str(last),
                "rows_fetched": len(rows),
                "rows_written": written,
                "event_rows": len(events),
                "records_quarantined": len(quarantined),
                "time_zone": meta.time_zone or "",
                "api_calls": MetadataValue.json(ga4.calls.counts),
            },
            check_results=[
                AssetCheckResult(check_name="rows_fetched_equal_rows_written", passed=written == len(rows)),
                AssetCheckResult(
                    check_name="not_silently_empty",
                    passed=bool(rows),
                    severity=AssetCheckSeverity.WARN,
                    metadata={"rows": len(rows)},
                ),
            ],
        )

    @asset(
        key=GA4_WEEKLY_KEY,
        group_name="ga4",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="ga4",
        deps=[GA4_DAILY_KEY],
    )
    def ga4_weekly_users(
        context: AssetExecutionContext, ga4: GA4Resource, warehouse: WarehouseResource, settings: SettingsResource
    ) -> MaterializeResult:
        """GA4 users, new users and average session duration per week for All, each group and each channel.

        Users are not additive, so each slice is asked from GA4 at week grain, never summed.
        """
        if not ga4.configured:
            return MaterializeResult(metadata={"skipped": "GA4 is not configured"})
        guard_source(warehouse, ga4.source_identity(), context.log.info)
        config = settings.load()
        weeks = [date.fromisoformat(key) for key in context.partition_keys]
        known_groups = {row["channel_group"] for row in warehouse.read_frame(ga4_daily).to_dict("records")}
        filters = ga4_slice_filters(known_groups, config.ga4.channel_map, funnel_config(config))
        found, metadata = ga4.week_grain(weeks, filters)
        if found.quarantined and config.bad_records == "stop":
            raise BadRecordsError(found.quarantined)
        now_ms = int(time.time() * 1000)
        _quarantine(
            warehouse,
            found.quarantined,
            record_types=["ga4_week"],
            days=(weeks[0], weeks[-1]),
            now_ms=now_ms,
            log=context.log.info,
        )
        rows = [
            {
                "week_start": item.week_start,
                "slice": item.slice,
                "users": item.users,
                "new_users": item.new_users,
                "avg_session_duration_s": item.avg_session_duration_s,
                "thresholded": item.thresholded,
                "data_loss_from_other_row": item.data_loss_from_other_row,
                "synced_at_ms": now_ms,
            }
            for item in found
        ]
        warehouse.replace_range(ga4_weekly, rows, column="week_start", start=weeks[0], end=weeks[-1])
        flags = _flags(metadata)
        context.log.info(
            f"ga4: week-grain users for {len(weeks)} weeks x {len(filters)} slices in "
            f"{ga4.calls.counts.get('ga4.batchRunReports', 0)} batch requests"
        )
        return MaterializeResult(
            metadata={
                "weeks": len(weeks),
                "slices": len(filters),
                "rows_written": len(rows),
                "records_quarantined": len(found.quarantined),
                "api_calls": MetadataValue.json(ga4.calls.counts),
                **{key: value for key, value in flags.items()},
                "first_week_end": str(weeks[0] + timedelta(days=6)),
            }
        )

    return [ga4_daily_sessions, ga4_weekly_users]
