"""Dagster definitions load as `dagster dev -w workspace.yaml` loads them; the schedule picks the weeks."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import RANGE_END_TAG, RANGE_START_TAG, WEEKLY_JOB, build_definitions
from settings import RuntimeEnv, parse_settings

ROOT = Path(__file__).resolve().parents[1]


def _defs(**settings: object) -> dg.Definitions:
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_DATA_DIR": "/tmp/unused"})
    return build_definitions(parse_settings(settings), runtime)


def test_definitions_resolve_with_assets_checks_job_and_schedule():
    defs = _defs()
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw/hubspot_mirror",
        "raw/linkedin_ads_daily",
        "raw/google_ads_daily",
        "raw/ga4_daily",
        "raw/ga4_weekly_users",
        "marts/weekly_kpis",
        "tracker/weekly_tracker",
    }
    job = defs.resolve_job_def(WEEKLY_JOB)
    assert job.partitions_def is not None
    checks = {check.name for check in defs.resolve_asset_graph().asset_check_keys}
    assert {"rows_fetched_equal_rows_written", "unique_keys", "all_equals_groups_equals_channels"} <= checks


def test_weekly_schedule_recomputes_the_trailing_refresh_weeks_in_one_run():
    defs = _defs(timezone="America/New_York", refresh_weeks=3, start_date="2026-01-05")
    schedule = defs.resolve_schedule_def("weekly_tracker_schedule")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "America/New_York"
    tick = datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo("America/New_York"))
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(instance=instance, scheduled_execution_time=tick) as context,
    ):
        requests = schedule.evaluate_tick(context).run_requests
    assert requests is not None and len(requests) == 1
    assert requests[0].tags[RANGE_START_TAG] == "2026-11-02"
    assert requests[0].tags[RANGE_END_TAG] == "2026-11-16"  # the week that ended last night


def test_sunday_weeks_schedule_on_sunday_and_partition_on_sundays():
    defs = _defs(week_start="sunday", start_date="2026-01-04")
    schedule = defs.resolve_schedule_def("weekly_tracker_schedule")
    assert schedule.cron_schedule == "0 6 * * 0"
    keys = defs.resolve_job_def(WEEKLY_JOB).partitions_def.get_partition_keys(  # type: ignore[union-attr]
        current_time=datetime(2026, 2, 1, 12, tzinfo=ZoneInfo("UTC"))
    )
    assert keys[:2] == ["2026-01-04", "2026-01-11"] and keys[-1] == "2026-01-25"


def test_workspace_loads_with_the_dagster_cli_in_demo_mode(tmp_path: Path):
    env = {
        **os.environ,
        "FUNNEL_LEDGER_MODE": "demo",
        "DAGSTER_HOME": str(tmp_path),
        "FUNNEL_LEDGER_DATA_DIR": str(tmp_path),
    }
    env.pop("FUNNEL_LEDGER_CONFIG", None)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr
