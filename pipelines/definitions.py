"""Dagster entry point (``workspace.yaml``): assets, the weekly job and schedule, and resources.

Demo mode (``FUNNEL_LEDGER_MODE=demo``) points every source at in-process emulators; live mode reads
secrets from the environment at run time (``EnvVar``), never at load time.
"""

from collections.abc import Mapping
from pathlib import Path

from dagster import (
    DefaultScheduleStatus,
    Definitions,
    EnvVar,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    definitions,
    schedule,
)

from assets.hubspot import hubspot_mirror
from assets.tracker import build_tracker_asset
from assets.weekly_kpis import build_weekly_kpis_asset
from pipelines.partitions import weekly_partitions
from pipelines.settings import RuntimeEnv, Settings, SettingsResource, load_settings, resolve_config_path
from resources.hubspot import HubSpotResource
from resources.tracker import WorkbookTrackerResource
from resources.warehouse import WarehouseResource

WEEKLY_JOB = "weekly_tracker_job"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
SCHEDULE_DAY = {"monday": "1", "sunday": "0"}


def build_definitions(
    settings: Settings,
    runtime: RuntimeEnv,
    *,
    config_path: Path | None = None,
    hubspot: HubSpotResource | None = None,
) -> Definitions:
    """Wire assets, job, schedule and resources for these settings.

    Args:
        settings: Validated settings (partitions and schedule depend on them).
        runtime: Mode and locations from the environment.
        config_path: The settings file the assets re-read at run time (None = defaults lookup).
        hubspot: The HubSpot resource; defaults to the live API with ``HUBSPOT_ACCESS_TOKEN``.
    """
    partitions = weekly_partitions(settings)
    kpis = build_weekly_kpis_asset(partitions)
    tracker = build_tracker_asset(partitions)
    job = define_asset_job(WEEKLY_JOB, selection=[hubspot_mirror, kpis, tracker])

    # The week ends at midnight; the schedule runs the next morning and recomputes the trailing weeks,
    # because cohort numbers and ad conversions keep changing after a week closes.
    @schedule(
        name="weekly_tracker_schedule",
        cron_schedule=f"0 6 * * {SCHEDULE_DAY[settings.week_start]}",
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

    hubspot_resource = hubspot or HubSpotResource(
        access_token=EnvVar("HUBSPOT_ACCESS_TOKEN"),
        base_url=runtime.hubspot_base_url,
        requests_per_10s=settings.hubspot.requests_per_10s,
        search_requests_per_second=settings.hubspot.search_requests_per_second,
    )
    return Definitions(
        assets=[hubspot_mirror, kpis, tracker],
        jobs=[job],
        schedules=[weekly_tracker_schedule],
        resources={
            "hubspot": hubspot_resource,
            "warehouse": WarehouseResource(url=runtime.warehouse_url),
            "tracker": WorkbookTrackerResource(path=str(runtime.workbook_path)),
            "settings": SettingsResource(config_path=str(config_path) if config_path else None),
        },
    )


def definitions_for_environment(environ: Mapping[str, str] | None = None) -> Definitions:
    """Definitions for the current environment: demo emulators or the live APIs."""
    runtime = RuntimeEnv.from_environ(environ)
    config_path = resolve_config_path(None, environ)
    settings = load_settings(config_path, environ)
    hubspot = None
    if runtime.mode == "demo":
        from pipelines.demo import DEMO_HUBSPOT_TOKEN, demo_environment

        demo = demo_environment()
        hubspot = HubSpotResource(access_token=DEMO_HUBSPOT_TOKEN, base_url=demo.hubspot_url)
    return build_definitions(settings, runtime, config_path=config_path, hubspot=hubspot)


@definitions
def defs() -> Definitions:
    return definitions_for_environment()
