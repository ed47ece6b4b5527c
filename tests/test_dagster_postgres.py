"""Dagster's instance on PostgreSQL (as in production): a scheduled tick and a backfill, recorded there.

Runs when DAGSTER_PG_TEST_URL points at a PostgreSQL server (CI sets it when one answers locally); each
test session gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa

from emulators.suite import start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.definitions import RANGE_END_TAG, RANGE_START_TAG, WEEKLY_JOB, build_definitions
from pipelines.demo import DemoEnvironment
from settings import RuntimeEnv, parse_settings

PG_URL = os.environ.get("DAGSTER_PG_TEST_URL")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PG_URL, reason="DAGSTER_PG_TEST_URL is not set")]


@pytest.fixture(scope="module")
def pg_database():
    assert PG_URL is not None
    name = f"funnel_ledger_dagster_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    # dagster-postgres speaks psycopg2 (its LISTEN/NOTIFY needs it); the warehouse tests use psycopg 3.
    base = PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://", 1)
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_scheduled_tick_and_backfill_run_on_a_postgres_instance(pg_database: str, tmp_path: Path):
    today = datetime.now(UTC).date()
    fixture = generate_demo_fixture(today=today, weeks=20, scale=0.2, sources=("hubspot",))
    suite = start_emulators(fixture, hubspot_burst_limit=0)
    try:
        demo = DemoEnvironment(suite=suite, fixture_source="test")
        settings = parse_settings({"start_date": (today - timedelta(weeks=16)).isoformat(), "refresh_weeks": 3})
        runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": str(tmp_path)})
        defs = build_definitions(settings, runtime, source_resources=demo.resources(settings))
        job = defs.resolve_job_def(WEEKLY_JOB)
        overrides = {"storage": {"postgres": {"postgres_url": pg_database}}}
        with dg.instance_for_test(overrides=overrides) as instance:
            schedule = defs.resolve_schedule_def("weekly_tracker_schedule")
            tick = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), ZoneInfo("UTC"))
            with dg.build_schedule_context(
                instance=instance, scheduled_execution_time=tick + timedelta(hours=6)
            ) as context:
                request = schedule.evaluate_tick(context).run_requests[0]  # type: ignore[index]
            scheduled = job.execute_in_process(instance=instance, tags=request.tags)
            assert scheduled.success

            keys = job.partitions_def.get_partition_keys()  # type: ignore[union-attr]
            backfill = job.execute_in_process(
                instance=instance, tags={RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
            )
            assert backfill.success

            runs = instance.get_runs()
            assert {run.run_id for run in runs} == {scheduled.run_id, backfill.run_id}
            kpis = dg.AssetKey(["marts", "weekly_kpis"])
            materialized = instance.get_materialized_partitions(kpis)
            assert materialized == set(keys)
            scheduled_weeks = {
                event.partition_key
                for event in instance.fetch_materializations(kpis, limit=1000).records
                if event.run_id == scheduled.run_id
            }
            assert scheduled_weeks == set(keys[-3:])  # the trailing refresh_weeks, in one run
            assert instance.run_storage.__class__.__name__ == "PostgresRunStorage"
    finally:
        suite.stop()
