"""Dagster entry point (``workspace.yaml``): assets, the weekly job and schedule, and resources.

Demo mode (``FUNNEL_LEDGER_MODE=demo``) points every source at in-process emulators; live mode reads
secrets from the environment at run time (``EnvVar``), never at load time.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetKey,
    DefaultScheduleStatus,
    Definitions,
    EnvVar,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    definitions,
    in_process_executor,
    schedule,
)

from assets.ads import build_ads_assets
from assets.ga4 import build_ga4_assets
from assets.hubspot import hubspot_mirror
from assets.tracker import TRACKER_KEY, build_tracker_asset
from assets.weekly_kpis import build_weekly_kpis_asset
from pipelines.digest import build_weekly_digest_sensor
from pipelines.event_storage import EVENT_BATCH_ENV, EVENT_BATCH_SIZE
from pipelines.partitions import weekly_partitions
from pipelines.sensors import run_failure_alert_sensor
from resources.ga4 import GA4Resource
from resources.google_ads import GoogleAdsResource
from resources.hubspot import HubSpotResource
from resources.linkedin_ads import LinkedInAdsResource
from resources.run_lease import RunLeaseResource, lease_wait_seconds
from resources.settings import SettingsResource
from resources.tracker import TrackerResource
from resources.warehouse import WarehouseResource
from settings import RuntimeEnv, Settings, load_settings, resolve_config_path

WEEKLY_JOB = "weekly_tracker_job"
# Every run of the job carries this tag; deploy/dagster.yaml limits runs with it to one at a time, so the
# schedule, the UI and backfills of the job queue instead of writing the warehouse and the tracker at once.
WRITER_TAG = "funnel-ledger/writer"
WRITER_TAG_VALUE = "warehouse-and-tracker"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Before a run starts Dagster records which partitions it plans to materialize: by default one event per week
# and asset, each stored on its own (a 156-week run over the six weekly assets: 936 events, about half of the
# run's events and of its time in SQLite event storage), or, with this set, one event per asset holding the
# run's weeks. The price: when such a run fails, its weeks are not marked failed in an asset's partitions view
# (the run is, and the failure alert sensor reports it). Set it to false in the environment to keep the marks.
PLANNED_EVENTS_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def live_source_resources(settings: Settings, runtime: RuntimeEnv) -> dict[str, Any]:
    """The live API resources by resource key, as the job uses them (``funnel-ledger check`` reuses them).

    Args:
        settings: Validated settings (pacing and pinned API versions).
        runtime: Base URLs from the environment.
    """
    return {
        "hubspot": HubSpotResource(
            access_token=EnvVar("HUBSPOT_ACCESS_TOKEN"),
            base_url=runtime.hubspot_base_url,
            requests_per_10s=settings.hubspot.requests_per_10s,
            search_requests_per_second=settings.hubspot.search_requests_per_second,
        ),
        # Optional sources read their credentials from the environment at run time, so a source left
        # unconfigured is skipped (and said so) instead of failing the run.
        "linkedin": LinkedInAdsResource(
            base_url=runtime.linkedin_base_url, api_version=settings.ads.linkedin_api_version
        ),
        "google_ads": GoogleAdsResource(
            base_url=runtime.google_ads_base_url, api_version=settings.ads.google_ads_api_version
        ),
        "ga4": GA4Resource(base_url=runtime.ga4_base_url),
    }


def destination_resources(runtime: RuntimeEnv) -> dict[str, Any]:
    """The warehouse and the tracker, as the job writes to them (``funnel-ledger check`` reuses them).

    Args:
        runtime: Mode and locations from the environment.
    """
    return {
        "warehouse": WarehouseResource(url=runtime.warehouse_url),
        "tracker": TrackerResource(workbook_path=str(runtime.workbook_path), demo=runtime.mode == "demo"),
    }


def build_definitions(
    settings: Settings,
    runtime: RuntimeEnv,
    *,
    config_path: Path | None = None,
    source_resources: Mapping[str, Any] | None = None,
) -> Definitions:
    """Wire assets, job, schedule and resources for these settings.

    Args:
        settings: Validated settings (partitions and schedule depend on them).
        runtime: Mode and locations from the environment.
        config_path: The settings file the assets re-read at run time (None = defaults lookup).
        source_resources: Resources replacing the live API ones by name (the demo's emulators, tests).
    """
    # Read by the instance when a run of these definitions starts, in this process (the CLI's runs); a
    # deployed webserver and daemon need it in their own environment (docs/operations.md).
    os.environ.setdefault(PLANNED_EVENTS_ENV, "true")
    # An asset's weekly materializations of one step are handed to the event storage as one batch, which
    # PostgreSQL storage and the local instance's (pipelines/event_storage.py) store in one transaction.
    os.environ.setdefault(EVENT_BATCH_ENV, EVENT_BATCH_SIZE)
    partitions = weekly_partitions(settings)
    kpis = build_weekly_kpis_asset(partitions)
    tracker = build_tracker_asset(partitions)
    assets = [hubspot_mirror, *build_ads_assets(partitions), *build_ga4_assets(partitions), kpis, tracker]
    # One process runs every step, so the run lease taken when the run starts is held until it ends (a
    # multiprocess run has no process that lives for the whole run). The sources are pulled one after the
    # other; for a weekly run that costs seconds, and the steps no longer pay a process start each.
    job = define_asset_job(
        WEEKLY_JOB, selection=assets, executor_def=in_process_executor, tags={WRITER_TAG: WRITER_TAG_VALUE}
    )

    # The week ends at midnight; the schedule runs the next morning and recomputes the trailing weeks,
    # because cohort numbers and ad conversions keep changing after a week closes.
    @schedule(
        name="weekly_tracker_schedule",
        cron_schedule=settings.resolved_schedule_cron(),
        execution_timezone=settings.timezone,
        job=job,
        default_status=DefaultScheduleStatus.STOPPED,
    )
    def weekly_tracker_schedule(context: ScheduleEvaluationContext) -> RunRequest:
        """Recompute the trailing ``refresh_weeks`` complete weeks in one run."""
        keys = partitions.get_partition_keys(current_time=context.scheduled_execution_time)
        window = keys[-settings.refresh_weeks :]
        return RunRequest(
            run_key=f"weekly-{window[-1]}",
            tags={RANGE_START_TAG: window[0], RANGE_END_TAG: window[-1]},
        )

    sources = live_source_resources(settings, runtime)
    sources.update(source_resources or {})
    # Every asset requires the settings resource, so its setup (settings re-read, stages and pipelines
    # confirmed by the portal) runs before anything of the run is fetched or written.
    # The run lease is nested in it too, so it is taken before the preflight and before any step.
    preflight = SettingsResource(
        config_path=str(config_path) if config_path else None,
        portal=sources["hubspot"],
        lease=RunLeaseResource(url=runtime.warehouse_url, wait_seconds=lease_wait_seconds()),
    )
    return Definitions(
        assets=assets,
        jobs=[job],
        schedules=[weekly_tracker_schedule],
        sensors=[
            run_failure_alert_sensor,
            build_weekly_digest_sensor(job_name=WEEKLY_JOB, asset_key=AssetKey(TRACKER_KEY)),
        ],
        resources={**sources, **destination_resources(runtime), "settings": preflight},
    )


def definitions_for_environment(environ: Mapping[str, str] | None = None) -> Definitions:
    """Definitions for the current environment: demo emulators or the live APIs."""
    runtime = RuntimeEnv.from_environ(environ)
    config_path = resolve_config_path(None, environ)
    settings = load_settings(config_path, environ)
    sources = None
    if runtime.mode == "demo":
        from pipelines.demo import demo_environment, demo_runtime

        runtime = demo_runtime(environ)  # a FUNNEL_LEDGER_FIXTURE demo keeps its own data folder
        sources = demo_environment().resources(settings)
    return build_definitions(settings, runtime, config_path=config_path, source_resources=sources)


@definitions
def defs() -> Definitions:
    return definitions_for_environment()
