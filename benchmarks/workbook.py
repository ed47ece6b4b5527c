"""The local workbook over three years, with the persistent Dagster instance ``make run`` uses: a 156-week run
builds the workbook, then an unchanged 156-week rerun and the default (26-week) run twice, all with the same
``--as-of``. For each run: wall time, the tracker step's time, cells changed, whether the workbook was
saved, and the Dagster events the run stored. Run by ``benchmarks.run`` (section ``workbook``).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import Result, log
from benchmarks.pipeline import _pipeline_env

TRACKER_STEP = "tracker__weekly_tracker"
WEEKS = 156


def _run_facts(run_id: str) -> Result:
    """The tracker step's time, its materialization's counts, and what the run stored in event storage."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.get() as instance:
        records = instance.get_records_for_run(run_id, limit=1_000_000).records
    started = finished = None
    metadata: dict[str, Any] = {}
    by_type: dict[str, int] = {}
    for record in records:
        entry = record.event_log_entry
        event = entry.dagster_event
        kind = event.event_type_value if event is not None else "log"
        by_type[kind] = by_type.get(kind, 0) + 1
        if event is None or event.step_key != TRACKER_STEP:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started = entry.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            finished = entry.timestamp
        elif entry.asset_materialization is not None and not metadata:
            metadata = {key: value.value for key, value in entry.asset_materialization.metadata.items()}
    return {
        "tracker_step_s": round(finished - started, 2) if started and finished else None,
        "cells_changed": metadata.get("cells_changed"),
        "restated": metadata.get("restated_cells"),
        "snapshot_rows_appended": metadata.get("snapshot_rows_appended"),
        "saved": metadata.get("saved", True),
        # False when the workbook already held this run's write and was not read at all.
        "read": metadata.get("read", True),
        "events": len(records),
        "materializations": by_type.get("ASSET_MATERIALIZATION", 0),
        "planned": by_type.get("ASSET_MATERIALIZATION_PLANNED", 0),
    }


def bench_workbook(pipeline_scale: float) -> Result:
    """A three-year workbook (156-week run), then unchanged reruns: 156 weeks and the default 26."""
    from pipelines.cli import run_pipeline
    from pipelines.event_storage import instance_yaml
    from settings import RuntimeEnv, parse_settings

    result: Result = {"pipeline_scale": pipeline_scale, "weeks": WEEKS}
    saved_home = os.environ.get("DAGSTER_HOME")
    with (
        tempfile.TemporaryDirectory(prefix="bench-book-") as tmp,
        _pipeline_env(pipeline_scale, WEEKS, Path(tmp)) as env,
    ):
        demo, _runtime, fixture, today = env
        home = Path(tmp) / "dagster"
        home.mkdir()
        (home / "dagster.yaml").write_text(instance_yaml(home))
        os.environ["DAGSTER_HOME"] = str(home)  # persistent SQLite event storage, as `make run` sets it
        runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": str(Path(tmp))})
        last_week = today - timedelta(days=today.weekday() + 7)
        first_week = last_week - timedelta(weeks=WEEKS - 1)
        settings = parse_settings(
            {"start_date": (first_week - timedelta(weeks=4)).isoformat(), "hubspot": {"requests_per_10s": 100_000}}
        )
        sources = demo.resources(settings)
        as_of = datetime(today.year, today.month, today.day, tzinfo=UTC).isoformat()
        result["contacts"] = len(fixture["hubspot"]["contacts"])
        try:
            for label, first, last in (
                ("first_156", first_week, last_week),
                ("rerun_156_unchanged", first_week, last_week),
                # The default run: the latest 26 complete weeks. Its first run after a 156-week one rewrites the
                # Insights tab (the data-quality notes summarise the run's own range); the second is unchanged.
                ("weekly_26_after_156", None, None),
                ("weekly_26_unchanged", None, None),
            ):
                t0 = time.perf_counter()
                summary = run_pipeline(
                    settings=settings,
                    runtime=runtime,
                    config_path=None,
                    sources=sources,
                    first=first,
                    last=last,
                    as_of=as_of,
                )
                wall = time.perf_counter() - t0
                facts = _run_facts(summary["run_id"])
                result[label] = {"weeks": len(summary["weeks"]), "wall_s": round(wall, 1), **facts}
                log(f"workbook {label}: {wall:.1f}s, tracker step {facts['tracker_step_s']}s, {facts}")
            result["workbook_mb"] = round(runtime.workbook_path.stat().st_size / 1e6, 2)
        finally:
            if saved_home is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = saved_home
    result["dagster_events"] = bench_dagster_events()
    first, rerun = result["first_156"], result["rerun_156_unchanged"]
    result["rerun_over_first"] = round(rerun["wall_s"] / first["wall_s"], 2) if first["wall_s"] else None
    return result


def _events_run(weeks: int, *, subset: bool, latest_only: bool, batched: bool) -> Result:
    """One multi-week run of six chained weekly assets (the job's shape) on a fresh persistent SQLite instance:
    Dagster's own event storage, or with ``batched`` the local instance's (`pipelines/event_storage.py`)."""
    import dagster as dg

    from pipelines.definitions import PLANNED_EVENTS_ENV
    from pipelines.event_storage import EVENT_BATCH_ENV, EVENT_BATCH_SIZE, instance_yaml

    saved = {name: os.environ.get(name) for name in ("DAGSTER_HOME", PLANNED_EVENTS_ENV, EVENT_BATCH_ENV)}
    preview = dg.MetadataValue.md("| KPI | week |\n|---|---|\n" + "| New MQLs | 20 |\n" * 60)
    partitions = dg.WeeklyPartitionsDefinition(start_date="2023-01-02")
    keys = partitions.get_partition_keys()[:weeks]

    def build(name: str, deps: list[Any]) -> Any:
        @dg.asset(name=name, partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run(), deps=deps)
        def weekly(context):  # type: ignore[no-untyped-def]  # dagster reads annotations as types, not strings
            if latest_only:
                context.add_asset_metadata({"preview": preview}, partition_key=context.partition_keys[-1])
                return dg.MaterializeResult()
            return dg.MaterializeResult(metadata={"preview": preview})

        return weekly

    assets: list[Any] = []
    for index in range(6):
        assets.append(build(f"asset_{index}", assets[-1:]))
    job = dg.Definitions(
        assets=assets, jobs=[dg.define_asset_job("events", selection=assets, executor_def=dg.in_process_executor)]
    ).resolve_job_def("events")
    with tempfile.TemporaryDirectory(prefix="bench-events-") as home:
        Path(home, "dagster.yaml").write_text(
            instance_yaml(Path(home)) if batched else "telemetry:\n  enabled: false\n"
        )
        os.environ["DAGSTER_HOME"] = home
        os.environ[PLANNED_EVENTS_ENV] = "true" if subset else "false"
        os.environ[EVENT_BATCH_ENV] = EVENT_BATCH_SIZE if batched else "0"
        try:
            with dg.DagsterInstance.get() as instance:
                t0 = time.perf_counter()
                tags = {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
                run = job.execute_in_process(instance=instance, tags=tags)
                wall = time.perf_counter() - t0
                events = len(instance.get_records_for_run(run.run_id, limit=1_000_000).records)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return {"wall_s": round(wall, 1), "events": events}


def bench_dagster_events(weeks: int = WEEKS) -> Result:
    """Event-storage cost of a 156-week run of six weekly assets: planned events per week or per asset, run
    metadata on every week's materialization or on the latest only, each materialization stored on its own or
    an asset's weeks in one batch."""
    out: Result = {}
    for label, subset, latest_only, batched in (
        ("planned_per_week_metadata_every_week", False, False, False),
        ("planned_per_asset_metadata_latest_week", True, True, False),
        ("planned_per_asset_metadata_latest_week_batched", True, True, True),
    ):
        out[label] = _events_run(weeks, subset=subset, latest_only=latest_only, batched=batched)
        log(f"dagster events {label}: {out[label]}")
    return out


def render_workbook(book: Result) -> list[str]:
    """The section's lines for the generated report."""
    lines = [
        f"### The workbook over three years (demo fixture scale {book['pipeline_scale']}: {book['contacts']:,} "
        f"contacts; persistent Dagster instance; workbook {book.get('workbook_mb', '?')} MB)",
        "",
        "| run | weeks | wall s | tracker step s | cells changed | restated | snapshot rows | workbook read | saved "
        "| events stored | materializations | planned |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label in ("first_156", "rerun_156_unchanged", "weekly_26_after_156", "weekly_26_unchanged"):
        row = book.get(label)
        if row is None:
            continue
        lines.append(
            f"| {label} | {row['weeks']} | {row['wall_s']} | {row['tracker_step_s']} | {row['cells_changed']} | "
            f"{row['restated']} | {row['snapshot_rows_appended']} | {'yes' if row.get('read', True) else 'no'} | "
            f"{'yes' if row['saved'] else 'no'} | "
            f"{row['events']} | {row['materializations']} | {row['planned']} |"
        )
    lines += ["", f"Unchanged 156-week rerun / first run: **{book.get('rerun_over_first')}** (target ≤ 0.33).", ""]
    events = book.get("dagster_events")
    if events:
        lines += [
            "Dagster event storage alone (six chained weekly assets, one 156-week run, persistent SQLite instance):",
            "",
            "| planned events, run metadata, storage | wall s | events stored |",
            "|---|---|---|",
        ]
        for label, row in events.items():
            lines.append(f"| {label} | {row['wall_s']} | {row['events']} |")
        lines.append("")
    return lines
