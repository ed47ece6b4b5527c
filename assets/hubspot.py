"""HubSpot mirror asset: contacts, lifecycle stage dates, deals with their contacts, meetings, pipelines."""

import time

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.hubspot_mirror import HubSpotMirror
from resources.hubspot import HubSpotResource
from resources.settings import SettingsResource
from resources.source_identity import guard_source
from resources.warehouse import WarehouseResource

MIRROR_KEY = ["raw", "hubspot_mirror"]
#: The run config that forces a full listing: {"ops": {MIRROR_OP: {"config": {"full_sync": True}}}}.
MIRROR_OP = "raw__hubspot_mirror"


class HubSpotMirrorConfig(Config):
    """Run config of the mirror: ``full_sync: true`` lists every record now, whatever the cadence."""

    full_sync: bool = False


@asset(
    key=MIRROR_KEY,
    group_name="hubspot",
    pool="hubspot",
    check_specs=[
        AssetCheckSpec("rows_fetched_equal_rows_written", asset=MIRROR_KEY),
        AssetCheckSpec("contacts_not_empty", asset=MIRROR_KEY),
    ],
)
def hubspot_mirror(
    context: AssetExecutionContext,
    config: HubSpotMirrorConfig,
    hubspot: HubSpotResource,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> MaterializeResult:
    """Current copy of the HubSpot CRM (contacts and their stage dates, deals, meetings, pipelines)."""
    settings_ = settings.load()
    # One account-info call gives the portal (another portal than the one this warehouse mirrors stops the
    # run here, before anything is written) and its company currency, which the KPI step converts deal
    # amounts from (amount_in_home_currency, and amounts of deals without deal_currency_code).
    details = hubspot.account_details()
    guard_source(warehouse, hubspot.source_identity(details), context.log.info)
    warehouse.set_source_status(
        source="hubspot",
        configured=True,
        currency=details.company_currency,
        time_zone=details.time_zone,
        detail=f"HubSpot portal {details.portal_id}, company currency {details.company_currency or 'not given'}",
        flags=None,
        synced_at_ms=int(time.time() * 1000),
    )
    mirror = HubSpotMirror(
        hubspot,
        warehouse,
        stages=settings_.stages,
        now_ms=int(time.time() * 1000),
        full_sync_every_days=settings_.hubspot.full_sync_every_days,
        log=context.log.info,
        stop_on_bad_records=settings_.bad_records == "stop",
    )
    report = mirror.run(force_full=config.full_sync)
    streams = report.streams
    fetched_equals_written = all(s.distinct == s.written for s in streams.values())
    return MaterializeResult(
        metadata={
            **{f"{name}_fetched": s.fetched for name, s in streams.items()},
            **{f"{name}_sync_mode": s.mode for name, s in streams.items()},
            **{f"{name}_marked_deleted": s.marked_deleted for name, s in streams.items()},
            # Records that could not be read, kept in quarantined_records and named on the Insights tab.
            "records_quarantined": report.quarantined,
            "pipeline_stages": report.pipeline_stages,
            "stage_date_properties": len(report.stage_properties),
            "api_calls_total": sum(report.api_calls.values()),
            "api_calls": MetadataValue.json(report.api_calls),
        },
        check_results=[
            AssetCheckResult(
                check_name="rows_fetched_equal_rows_written",
                passed=fetched_equals_written,
                metadata={name: f"{s.distinct} distinct fetched, {s.written} written" for name, s in streams.items()},
            ),
            AssetCheckResult(
                check_name="contacts_not_empty",
                passed=streams["contacts"].fetched > 0 or streams["contacts"].mode == "incremental",
                severity=AssetCheckSeverity.WARN,
                metadata={"contacts_fetched": streams["contacts"].fetched},
            ),
        ],
    )
