"""Ad platform assets: daily campaign facts from LinkedIn Ads and Google Ads, re-pulled over a lookback.

Each sync first checks that the platform account is the one the warehouse mirrors, and notes the days
that had spend and now come back empty (``ad_silent_days``, flagged on the Insights tab). Campaign-days
that cannot be read (a cost of Infinity, NaN impressions) are quarantined for the range pulled, or stop
the run before anything is written with ``bad_records: stop``.
"""

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.keys import GOOGLE_ADS_KEY, LINKEDIN_KEY
from resources.google_ads import GoogleAdsResource
from resources.linkedin_ads import AdAccountInfo, AdDailyRow, LinkedInAdsResource
from resources.quarantine import BadRecordsError, ParsedRecords, replace_quarantined
from resources.settings import SettingsResource
from resources.source_identity import SourceIdentity, guard_source
from resources.warehouse import WarehouseResource, ad_daily, ad_silent_days, upsert


def fetch_window(partition_start: date, partition_end: date, lookback_days: int, today: date) -> tuple[date, date]:
    """Days to pull (inclusive): the partitions' days, widened back over the lookback when it reaches today.

    Platforms restate recent days (late conversions, invalid-click refunds), so a run whose weeks come
    near today also re-pulls the ``lookback_days`` before its last day.
    """
    last = min(partition_end - timedelta(days=1), today - timedelta(days=1))
    first = partition_start
    if lookback_days and last >= today - timedelta(days=lookback_days):
        first = min(first, last - timedelta(days=lookback_days - 1))
    return first, last


def sync_ad_platform(
    *,
    platform: str,
    configured: bool,
    missing: Sequence[str],
    account_info: Callable[[], AdAccountInfo],
    identity: Callable[[], SourceIdentity],
    fetch: Callable[[date, date], ParsedRecords[AdDailyRow]],
    calls: Callable[[], dict[str, int]],
    warehouse: WarehouseResource,
    first: date,
    last: date,
    log: Callable[[str], None],
    stop_on_bad_records: bool = False,
) -> MaterializeResult:
    """Pull one platform's campaign-days for [first, last] and replace that range in the warehouse."""
    now_ms = int(time.time() * 1000)
    if not configured:
        detail = f"{platform} is not configured ({', '.join(missing)} not set): its KPIs stay empty"
        log(f"skipped: {detail}")
        warehouse.set_source_status(
            source=platform,
            configured=False,
            currency=None,
            time_zone=None,
            detail=detail,
            flags=None,
            synced_at_ms=now_ms,
        )
        return MaterializeResult(
            metadata={"skipped": detail},
            check_results=[
                AssetCheckResult(check_name="rows_fetched_equal_rows_written", passed=True),
                AssetCheckResult(check_name="spend_not_negative", passed=True),
            ],
        )
    # Another account than the one this warehouse mirrors stops the run before anything is written.
    guard_source(warehouse, identity(), log)
    rows = fetch(first, last)
    if rows.quarantined and stop_on_bad_records:
        raise BadRecordsError(rows.quarantined)
    info = account_info()
    records: list[dict[str, Any]] = [
        {
            "platform": platform,
            "campaign_id": row.campaign_id,
            "date": row.date,
            "impressions": row.impressions,
            "clicks": row.clicks,
            "cost": format(row.cost, "f"),
            "currency": info.currency,
            "conversions": row.conversions,
            "platform_leads": row.platform_leads,
            "synced_at_ms": now_ms,
        }
        for row in rows
    ]
    # The same campaign-day twice in one answer would be a platform bug; keep the last copy, say so.
    unique = {(r["campaign_id"], r["date"]): r for r in records}
    # Noted before the replace: a run killed in between leaves a flag on data still there, which the next
    # run settles, rather than spend deleted without a flag.
    # A day whose rows were quarantined is named as such, not as a day the platform went silent on.
    reported = {row.date for row in rows} | {r.record_date for r in rows.quarantined if r.record_date is not None}
    silent = note_silent_days(warehouse, platform, first, last, reported, now_ms)
    if silent:
        log(
            f"{platform}: no rows for {len(silent)} day(s) that had spend before ({silent[0]} to {silent[-1]}): "
            "they now count 0 spend and are flagged on the Insights tab"
        )
    with warehouse.engine.begin() as conn:
        replace_quarantined(
            conn,
            rows.quarantined,
            source=platform,
            record_types=["campaign_day"],
            seen_at_ms=now_ms,
            days=(first, last),
        )
    for record in rows.quarantined:
        log(f"{platform}: quarantined {record.describe()}: left out of the numbers")
    warehouse.replace_range(
        ad_daily, list(unique.values()), column="date", start=first, end=last, where={"platform": platform}
    )
    landed = warehouse.count_range(ad_daily, column="date", start=first, end=last, where={"platform": platform})
    warehouse.set_source_status(
        source=platform,
        configured=True,
        currency=info.currency,
        time_zone=info.time_zone,
        detail=f"{len(unique)} campaign-days {first} to {last}",
        flags=None,
        synced_at_ms=now_ms,
    )
    negative = [r for r in unique.values() if float(r["cost"]) < 0]
    log(f"{platform}: {len(records)} campaign-days fetched for {first} to {last}, {landed} in the warehouse")
    return MaterializeResult(
        metadata={
            "first_day": str(first),
            "last_day": str(last),
            "rows_fetched": len(records),
            "rows_written": landed,
            "currency": info.currency or "",
            "days_gone_silent": len(silent),
            # Campaign-days that could not be read, kept in quarantined_records and named on Insights.
            "records_quarantined": len(rows.quarantined),
            "api_calls": MetadataValue.json(calls()),
            "preview": MetadataValue.md(_preview(list(unique.values()))),
        },
        check_results=[
            AssetCheckResult(
                check_name="rows_fetched_equal_rows_written",
                passed=landed == len(unique),
                metadata={"fetched_distinct": len(unique), "written": landed, "duplicates": len(records) - len(unique)},
            ),
            AssetCheckResult(
                check_name="spend_not_negative", passed=not negative, metadata={"negative_rows": len(negative)}
            ),
        ],
    )


def note_silent_days(
    warehouse: WarehouseResource, platform: str, first: date, last: date, reported: set[date], now_ms: int
) -> list[date]:
    """Record the days of [first, last] that had spend and now come back without a row; forget reported ones.

    A platform that stops reporting (campaigns deleted, the account swapped, a reporting outage) turns
    the days it had reported into 0 spend when the range is replaced; the Insights tab flags them from
    ``ad_silent_days`` until the platform reports the day again.

    Returns:
        The days newly found silent, sorted.
    """
    in_range = sa.and_(ad_daily.c.platform == platform, ad_daily.c.date >= first, ad_daily.c.date <= last)
    with warehouse.engine.begin() as conn:
        stored = conn.execute(sa.select(ad_daily.c.date, ad_daily.c.cost, ad_daily.c.currency).where(in_range)).all()
        spend: dict[date, Decimal] = {}
        currency: dict[date, str | None] = {}
        for day, cost, code in stored:
            spend[day] = spend.get(day, Decimal(0)) + Decimal(cost)
            currency[day] = code
        silent = sorted(day for day, total in spend.items() if total > 0 and day not in reported)
        if reported:
            conn.execute(
                sa.delete(ad_silent_days).where(
                    ad_silent_days.c.platform == platform, ad_silent_days.c.date.in_(sorted(reported))
                )
            )
        rows = [
            {
                "platform": platform,
                "date": day,
                "previous_cost": format(spend[day], "f"),
                "currency": currency[day],
                "noticed_at_ms": now_ms,
            }
            for day in silent
        ]
        upsert(conn, ad_silent_days, rows)
    return silent


def _preview(rows: list[dict[str, Any]]) -> str:
    lines = ["| date | campaign | impressions | clicks | cost |", "|---|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: (r["date"], r["campaign_id"]))[-10:]:
        lines.append(
            f"| {row['date']} | {row['campaign_id']} | {row['impressions']} | {row['clicks']} | {row['cost']} |"
        )
    return "\n".join(lines)


def _checks(key: list[str]) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec("rows_fetched_equal_rows_written", asset=key),
        AssetCheckSpec("spend_not_negative", asset=key),
    ]


def _pull(
    context: AssetExecutionContext,
    platform: str,
    client: LinkedInAdsResource | GoogleAdsResource,
    fetch: Callable[[date, date], ParsedRecords[AdDailyRow]],
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> MaterializeResult:
    window = context.partition_time_window
    config = settings.load()
    first, last = fetch_window(
        window.start.date(), window.end.date(), config.ads.lookback_days, datetime.now(UTC).date()
    )
    return sync_ad_platform(
        platform=platform,
        configured=client.configured,
        missing=client.missing_settings(),
        account_info=client.account_info,
        identity=client.source_identity,
        fetch=fetch,
        calls=lambda: client.calls.counts,
        warehouse=warehouse,
        first=first,
        last=last,
        log=context.log.info,
        stop_on_bad_records=config.bad_records == "stop",
    )


def build_ads_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=LINKEDIN_KEY,
        group_name="linkedin_ads",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        check_specs=_checks(LINKEDIN_KEY),
    )
    def linkedin_ads_daily(
        context: AssetExecutionContext,
        linkedin: LinkedInAdsResource,
        warehouse: WarehouseResource,
        settings: SettingsResource,
    ) -> MaterializeResult:
        """LinkedIn Ads per campaign and day: impressions, clicks, spend, website conversions, lead-form leads."""
        return _pull(context, "linkedin", linkedin, linkedin.daily_analytics, warehouse, settings)

    @asset(
        key=GOOGLE_ADS_KEY,
        group_name="google_ads",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        check_specs=_checks(GOOGLE_ADS_KEY),
    )
    def google_ads_daily(
        context: AssetExecutionContext,
        google_ads: GoogleAdsResource,
        warehouse: WarehouseResource,
        settings: SettingsResource,
    ) -> MaterializeResult:
        """Google Ads per campaign and day: impressions, clicks, spend and conversions."""
        return _pull(context, "google_ads", google_ads, google_ads.daily_campaign_metrics, warehouse, settings)

    return [linkedin_ads_daily, google_ads_daily]
