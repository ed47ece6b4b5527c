"""Whole-pipeline benchmarks on the demo emulators: a 156-week backfill as one run, the weekly run, one run
per partition, and the Sheets requests of a tracker write. Run by ``benchmarks.run``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import Result, log


@contextmanager
def _pipeline_env(pipeline_scale: float, weeks: int, workdir: Path) -> Iterator[tuple[Any, Any, Any, date]]:
    from emulators.suite import start_emulators
    from emulators.synthetic import generate_demo_fixture
    from pipelines.demo import DemoEnvironment
    from settings import RuntimeEnv

    today = datetime.now(UTC).date()
    fixture = generate_demo_fixture(today=today, weeks=weeks + 8, scale=pipeline_scale)
    suite = start_emulators(fixture, hubspot_burst_limit=0, hubspot_search_per_second=0)
    demo = DemoEnvironment(
        suite=suite,
        fixture_source="bench",
        parts=frozenset({"linkedin", "google_ads", "ga4"}),
        fixture_ids={
            "linkedin": fixture["linkedin"]["account_id"],
            "google_ads": fixture["google_ads"]["customer_id"],
            "ga4": fixture["ga4"]["property_id"],
        },
    )
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": str(workdir)})
    try:
        yield demo, runtime, fixture, today
    finally:
        suite.stop()


def _source_counts(demo: Any) -> dict[str, Counter[str]]:
    return {n: Counter(demo.suite.app(n).request_counts) for n in ("hubspot", "linkedin", "google_ads", "ga4")}


def _diff(after: dict[str, Counter[str]], before: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
    return {name: dict(after[name] - before[name]) for name in after}


def bench_pipeline(pipeline_scale: float, partition_weeks: int, time_scale: float) -> Result:
    """A 156-week backfill as one run, the weekly run, the same weeks one run per partition, and the sheet."""
    from pipelines.cli import run_pipeline
    from settings import parse_settings

    weeks = 156
    result: Result = {"pipeline_scale": pipeline_scale, "weeks": weeks}
    with (
        tempfile.TemporaryDirectory(prefix="bench-pipe-") as tmp,
        _pipeline_env(pipeline_scale, weeks, Path(tmp)) as env,
    ):
        demo, runtime, fixture, today = env
        os.environ.pop("DAGSTER_HOME", None)  # an ephemeral instance: nothing written under .data
        last_week = today - timedelta(days=today.weekday() + 7)
        first_week = last_week - timedelta(weeks=weeks - 1)
        settings = parse_settings(
            {"start_date": (first_week - timedelta(weeks=4)).isoformat(), "hubspot": {"requests_per_10s": 100_000}}
        )
        sources = demo.resources(settings)
        contacts = fixture["hubspot"]["contacts"]
        result["contacts"] = len(contacts)

        def run(first: date, last: date) -> tuple[float, dict[str, dict[str, int]]]:
            before = _source_counts(demo)
            t0 = time.perf_counter()
            run_pipeline(
                settings=settings,
                runtime=runtime,
                config_path=None,
                sources=sources,
                first=first,
                last=last,
                as_of=None,
            )
            return time.perf_counter() - t0, _diff(_source_counts(demo), before)

        wall, calls = run(first_week, last_week)
        result["backfill_single_run"] = {"wall_s": round(wall, 1), "calls": calls}
        log(f"pipeline backfill (1 run, {weeks} weeks): {wall:.1f}s")
        trailing = last_week - timedelta(weeks=settings.refresh_weeks - 1)
        wall, calls = run(trailing, last_week)
        result["weekly_run"] = {"wall_s": round(wall, 1), "weeks": settings.refresh_weeks, "calls": calls}
        log(f"pipeline weekly run: {wall:.1f}s")

        # One run per partition over the oldest `partition_weeks` weeks, on a fresh warehouse so the
        # first run is a full sync like the single-run backfill's.
        with tempfile.TemporaryDirectory(prefix="bench-part-") as tmp2:
            from settings import RuntimeEnv

            runtime_p = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": tmp2})
            before = _source_counts(demo)
            t0 = time.perf_counter()
            for i in range(partition_weeks):
                week = first_week + timedelta(weeks=i)
                run_pipeline(
                    settings=settings,
                    runtime=runtime_p,
                    config_path=None,
                    sources=sources,
                    first=week,
                    last=week,
                    as_of=None,
                )
            wall = time.perf_counter() - t0
            calls = _diff(_source_counts(demo), before)
        result["backfill_per_partition"] = {
            "partitions_run": partition_weeks,
            "wall_s": round(wall, 1),
            "calls": calls,
            "wall_s_per_partition": round(wall / partition_weeks, 2),
            "extrapolated_156_wall_s": round(wall / partition_weeks * weeks),
        }
        log(f"pipeline per-partition ({partition_weeks} runs): {wall:.1f}s")
        result["sheets"] = bench_sheets(runtime, settings, first_week, last_week, trailing, time_scale)
    return result


def bench_sheets(
    runtime: Any, settings: Any, first_week: date, last_week: date, trailing: date, time_scale: float
) -> Result:
    """Sheets requests of the first backfill write (156 weeks) and of a weekly write (12 weeks)."""
    from assets.tracker import definition_rows
    from emulators._ratelimit import REAL_LIMITS, scaled_clock
    from emulators.google_oauth import GoogleOAuthEmulator
    from emulators.server import serve_in_thread
    from emulators.sheets import SheetsEmulator
    from pipelines.demo import demo_service_account
    from resources.sheets import GoogleSheetTrackerResource
    from resources.warehouse import WarehouseResource
    from sheets_sync.presentation import build_presentation
    from sheets_sync.update import build_update

    warehouse = WarehouseResource(url=runtime.warehouse_url)
    oauth = GoogleOAuthEmulator()
    sheet = "bench-tracker"
    app = SheetsEmulator(
        {"spreadsheets": [{"spreadsheetId": sheet, "title": "Funnel Tracker"}]},
        oauth=oauth,
        writes_per_minute=REAL_LIMITS.sheets_writes_per_minute,
        reads_per_minute=REAL_LIMITS.sheets_reads_per_minute,
        clock=scaled_clock(time_scale),
    )
    out: Result = {}
    with serve_in_thread(oauth) as auth, serve_in_thread(app) as server:
        token_url = f"{auth.base_url}/token"
        for label, first in (("first_backfill", first_week), ("weekly_run", trailing)):
            tracker = GoogleSheetTrackerResource(
                spreadsheet_id=sheet,
                base_url=server.base_url,
                token_url=token_url,
                service_account_info=demo_service_account(token_url),
            )
            weeks = [first + timedelta(weeks=i) for i in range((last_week - first).days // 7 + 1)]
            before = Counter(app.request_counts)
            t0 = time.perf_counter()
            update = build_update(
                warehouse.read_kpis(weeks),
                definition_rows(settings),
                tracker.read_tabs(),
                run_id=f"bench-{label}",
                snapshot_at=datetime.now(UTC),
                channel_order=settings.slice_order(),
            )
            targets, _ = tracker.read_owner_tabs()
            tracker.write(update, build_presentation(update, targets, currency=settings.currency))
            calls = Counter(app.request_counts) - before
            out[label] = {
                "weeks": len(weeks),
                "requests": sum(calls.values()),
                "by_endpoint": dict(calls),
                "wall_s": round(time.perf_counter() - t0, 2),
            }
            log(f"sheets {label}: {out[label]['requests']} requests")
    warehouse.dispose()
    return out
