"""``funnel-ledger``: the pipeline from a terminal (demo, live run, backfill, check, reset-source, emulators).

The console script's entry point (:func:`main`); what a failed command prints is decided in
:mod:`pipelines.failures`.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what parsing the arguments needs is imported here: `--help` and argument errors answer before
# pandas, pydantic's settings model or Dagster load (the settings package loads its parts lazily).
from settings.environment import MODE_ENV, RuntimeEnv, require_live_secrets
from settings.errors import SettingsError

if TYPE_CHECKING:
    import pandas as pd

    from settings import Settings

DEFAULT_WEEKS = 26


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in YYYY-MM-DD form") from None


def _instant_arg(value: str) -> str:
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not an ISO-8601 instant (e.g. 2026-11-23T00:00:00Z)") from None
    # Naive means UTC, as for HubSpot's own ISO strings.
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    return stamp.isoformat()


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="settings file (default: $FUNNEL_LEDGER_CONFIG or ./funnel-ledger.yaml)")
    parser.add_argument("--from", dest="first", type=_date_arg, help="first week start to compute (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last", type=_date_arg, help="last week start to compute (YYYY-MM-DD)")
    parser.add_argument("--as-of", dest="as_of", type=_instant_arg, help="ignore events after this instant (ISO-8601)")
    parser.add_argument("--workbook", help="tracker workbook path (default .data/tracker.xlsx)")
    parser.add_argument(
        "--full-sync", action="store_true", help="list every HubSpot record now instead of what changed"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="funnel-ledger", description="Weekly marketing KPI tracker pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the pipeline on demo data against local emulators")
    _add_run_arguments(demo)
    demo.add_argument("--fixture", help="fixture JSON to serve instead of the synthetic portal")
    run = commands.add_parser("run", help="run the pipeline against the live APIs (credentials from the environment)")
    _add_run_arguments(run)
    backfill = commands.add_parser(
        "backfill", help="recompute a range of past weeks in one run (live APIs; --demo for the demo data)"
    )
    _add_run_arguments(backfill)
    backfill.add_argument("--demo", action="store_true", help="backfill the demo data instead of the live APIs")
    backfill.add_argument("--fixture", help="with --demo: fixture JSON instead of the synthetic portal")
    check = commands.add_parser(
        "check", help="validate the settings and reach every configured API once (exit 1 when anything fails)"
    )
    check.add_argument("--config", help="settings file (default: $FUNNEL_LEDGER_CONFIG or ./funnel-ledger.yaml)")
    from pipelines.reset_source import add_reset_parser

    add_reset_parser(commands)
    emulators = commands.add_parser("emulators", help="local API emulators")
    emulator_commands = emulators.add_subparsers(dest="emulator_command", required=True)
    serve = emulator_commands.add_parser("serve", help="serve every emulator on loopback until interrupted")
    serve.add_argument("--fixture", help="fixture JSON (default: the synthetic demo portal)")
    return parser


@contextmanager
def _long_lived_objects_left_out_of_gc() -> Iterator[None]:
    """Objects alive before the run (modules, the demo's emulators and their data) are left out of Python's full
    garbage collections during the run, and given back to them after.

    A run allocates enough (workbook cells, frames) to set off a full collection every few seconds, and each one
    walked every object of the process: 4.0 s of a three-year demo run, 1.3 s of its unchanged rerun.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@_long_lived_objects_left_out_of_gc()
def run_pipeline(
    *,
    settings: Settings,
    runtime: RuntimeEnv,
    config_path: Path | None,
    sources: dict[str, Any] | None,
    first: date | None,
    last: date | None,
    as_of: str | None,
    full_sync: bool = False,
) -> dict[str, Any]:
    """Run the weekly job once over a range of weeks; returns a summary for printing."""
    from dagster import DagsterInstance

    from assets.hubspot import MIRROR_OP
    from assets.kpi_math import CATALOG
    from assets.tracker_inputs import check_scorecard
    from assets.weekly_kpis import AS_OF_TAG
    from pipelines.definitions import RANGE_END_TAG, RANGE_START_TAG, WEEKLY_JOB, build_definitions
    from pipelines.failures import terminal_logger
    from pipelines.partitions import week_keys_between

    # A Scorecard KPI the catalog does not know stops the run before any data moves.
    check_scorecard(settings, (kpi.kpi_id for kpi in CATALOG))
    keys = week_keys_between(settings, first=first, last=last, default_weeks=DEFAULT_WEEKS)
    defs = build_definitions(settings, runtime, config_path=config_path, source_resources=sources)
    # The terminal shows each failed step's error, not its stack: the event log keeps that.
    job = defs.resolve_job_def(WEEKLY_JOB).with_logger_defs({"console": terminal_logger})
    tags = {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}
    if as_of:
        tags[AS_OF_TAG] = as_of
    print(f"funnel-ledger: {len(keys)} weeks, {keys[0]} to {keys[-1]}", flush=True)
    # Disposed when the run ends, in this thread: the throwaway instance's storage is an in-memory SQLite.
    with DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            tags=tags,
            instance=instance,
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                # --full-sync: the mirror lists every record (HubSpotMirrorConfig), whatever the cadence.
                **({"ops": {MIRROR_OP: {"config": {"full_sync": True}}}} if full_sync else {}),
            },
            raise_on_error=True,
        )
    return {"run_id": result.run_id, "weeks": keys, "success": result.success}


def headline_lines(values: pd.DataFrame, settings: Settings, last_week: date) -> list[str]:
    """The Scorecard's KPIs for All in the latest week, formatted by unit, with the change on the week before.

    Args:
        values: KPI values (``week_start``, ``kpi_id``, ``channel``, ``value``) of the latest and previous week.
        settings: The ``scorecard`` list and the reporting currency.
        last_week: The latest week's start.
    """
    from assets.kpi_math import CATALOG_BY_ID
    from sheets_sync.units import format_change, format_number

    total = values[values["channel"] == "All"]
    latest = total[total["week_start"] == last_week].set_index("kpi_id")["value"]
    previous = total[total["week_start"] == last_week - timedelta(weeks=1)].set_index("kpi_id")["value"]
    lines = []
    for kpi_id in settings.scorecard:
        kpi = CATALOG_BY_ID.get(kpi_id)
        if kpi is None:
            continue
        value, before = _number(latest.get(kpi_id)), _number(previous.get(kpi_id))
        shown = format_number(value, kpi.shown_unit, settings.currency, empty="empty")
        change = ""
        if value is not None and before is not None:
            delta = value - before if kpi.shown_unit == "ratio" else (value - before) / abs(before) if before else None
            change = f"  ({format_change(delta, kpi.shown_unit)} vs the week before)" if delta is not None else ""
        lines.append(f"  {kpi.name:<28} {shown:>12}{change}")
    return lines


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def print_headlines(runtime: RuntimeEnv, settings: Settings, last_week: str) -> None:
    from resources.warehouse import WarehouseResource

    warehouse = WarehouseResource(url=runtime.warehouse_url)
    week = date.fromisoformat(last_week)
    values = warehouse.read_kpis([week - timedelta(weeks=1), week])
    print(f"\nTracker: {runtime.workbook_path.resolve()} (opens on the Scorecard)")
    print(f"Week of {last_week}, all channels:")
    for line in headline_lines(values, settings, week):
        print(line)
    warehouse.dispose()


def _runtime(args: argparse.Namespace, mode: str) -> RuntimeEnv:
    environ = dict(os.environ)
    if mode == "demo":
        from pipelines.demo import demo_runtime_environ

        # A fixture's demo keeps its own warehouse and workbook (.data/demo-<name>-<hash>/).
        fixture = getattr(args, "fixture", None)
        environ = demo_runtime_environ(environ, Path(fixture) if fixture else None)
    environ[MODE_ENV] = mode
    runtime = RuntimeEnv.from_environ(environ)
    if args.workbook:
        runtime = replace(runtime, workbook_path=Path(args.workbook))
    return runtime


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.demo import demo_environment, seed_demo_targets, stop_demo_environments
    from settings import load_settings, resolve_config_path

    config_path = resolve_config_path(args.config)
    settings = load_settings(config_path)
    runtime = _runtime(args, "demo")
    if os.environ.get("TRACKER_SPREADSHEET_ID", "").strip():
        raise SettingsError(
            "demo mode never writes to a Google Sheet: unset TRACKER_SPREADSHEET_ID for the demo, or run "
            "`funnel-ledger run` (live mode) to fill the sheet"
        )
    # The synthetic company covers a year, or more when older weeks are asked for (plus the eight weeks
    # before them that the Insights notes compare with).
    today = datetime.now(UTC).date()
    history = 52 if args.first is None else (today - args.first).days // 7 + 9
    demo = demo_environment(Path(args.fixture) if args.fixture else None, history_weeks=history)
    print(
        f"funnel-ledger demo: {demo.fixture_source}, HubSpot emulator at {demo.hubspot_url}, "
        f"data in {runtime.data_dir}",
        flush=True,
    )
    if demo.synthetic and seed_demo_targets(
        runtime.workbook_path, args.first or today - timedelta(weeks=27), args.last or today
    ):
        print("funnel-ledger demo: new workbook with the synthetic company's targets on its Targets tab", flush=True)
    try:
        summary = run_pipeline(
            settings=settings,
            runtime=runtime,
            config_path=config_path,
            sources=demo.resources(settings),
            first=args.first,
            last=args.last,
            as_of=args.as_of,
            full_sync=args.full_sync,
        )
    finally:
        stop_demo_environments()
    print_headlines(runtime, settings, summary["weeks"][-1])
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from settings import load_settings, resolve_config_path

    config_path = resolve_config_path(args.config)
    settings = load_settings(config_path)
    runtime = _runtime(args, "live")
    require_live_secrets()
    summary = run_pipeline(
        settings=settings,
        runtime=runtime,
        config_path=config_path,
        sources=None,
        first=args.first,
        last=args.last,
        as_of=args.as_of,
        full_sync=args.full_sync,
    )
    print_headlines(runtime, settings, summary["weeks"][-1])
    return 0


def cmd_emulators_serve(args: argparse.Namespace) -> int:
    from emulators.fixture import load_fixture
    from emulators.suite import start_emulators
    from emulators.synthetic import generate_demo_fixture

    if args.fixture:
        fixture = load_fixture(Path(args.fixture))
    else:
        fixture = generate_demo_fixture(today=datetime.now(UTC).date())
    # The handler goes in before the URLs are printed: whoever reads them may stop us right away.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    suite = start_emulators(fixture)
    print(json.dumps(suite.urls), flush=True)
    print("serving until interrupted (Ctrl-C)", file=sys.stderr, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        suite.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Past the parsing (--help and argument errors have answered without Dagster): BackfillPolicy is marked
    # beta by Dagster, and the notice is noise on a terminal.
    from dagster import BetaWarning, PreviewWarning

    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", category=PreviewWarning)
    try:
        if args.command == "demo":
            return cmd_demo(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "backfill":
            if args.first is None or args.last is None:
                raise SettingsError("backfill needs --from YYYY-MM-DD and --to YYYY-MM-DD (the first and last week)")
            return cmd_demo(args) if args.demo else cmd_run(args)
        if args.command == "check":
            from pipelines.check import check_command

            return check_command(args.config)
        if args.command == "reset-source":
            from pipelines.reset_source import reset_source_command

            return reset_source_command(args.source, apply=args.yes)
        return cmd_emulators_serve(args)
    except Exception as error:
        # A problem a person can fix is one line that says what to do; only a bug shows a traceback.
        from pipelines.failures import explain_failure

        failure = explain_failure(error)
        if failure is None:
            raise
        print(f"funnel-ledger: {failure.message}", file=sys.stderr)
        return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
