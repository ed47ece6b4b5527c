"""The deployment's run queue keeps writers apart: deploy/dagster.yaml and the Helm values limit runs tagged as
the weekly job's to one and hold runs at pool granularity ``run``; every run of the job carries the tag."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import PoolGranularity

from pipelines.definitions import WEEKLY_JOB, WRITER_TAG, WRITER_TAG_VALUE, build_definitions
from settings import RuntimeEnv, parse_settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_instance_config_queues_one_writer_run_at_a_time():
    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    overrides = {"run_coordinator": config["run_coordinator"], "concurrency": config["concurrency"]}
    with dg.instance_for_test(overrides=overrides) as instance:
        concurrency = instance.get_concurrency_config()
    assert concurrency.pool_config.pool_granularity == PoolGranularity.RUN
    limits = concurrency.run_queue_config.tag_concurrency_limits
    assert {"key": WRITER_TAG, "limit": 1} in limits


@pytest.mark.unit
def test_the_helm_values_queue_the_same_way():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    concurrency = values["concurrency"]
    assert concurrency["pools"]["granularity"] == "run"
    assert {"key": WRITER_TAG, "limit": 1} in concurrency["runs"]["tagConcurrencyLimits"]


def test_every_run_of_the_weekly_job_carries_the_writer_tag_and_runs_in_one_process(tmp_path: Path):
    settings = parse_settings({"start_date": "2024-01-01"})
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_DATA_DIR": str(tmp_path)})
    defs = build_definitions(settings, runtime)
    job = defs.resolve_job_def(WEEKLY_JOB)
    assert job.tags[WRITER_TAG] == WRITER_TAG_VALUE
    assert job.executor_def.name == "in_process"
    schedule = defs.resolve_schedule_def("weekly_tracker_schedule")
    assert schedule.job_name == WEEKLY_JOB  # its runs get the job's tags
