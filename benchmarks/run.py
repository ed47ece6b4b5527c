"""Funnel Ledger benchmarks: API calls and time against the rate-limit floor, compute, memory, sheet requests.

Run with ``make bench`` (or ``python -m benchmarks.run``). Knobs, all environment variables:

* ``BENCH_SCALE`` (default 0.01): multiplies the full-scale world (1M contacts, 200k deals, 500 campaigns,
  10M GA4 sessions); 1 is the issue's full scale.
* ``BENCH_TIME_SCALE`` (default 100): how much faster than real time the rate limits run.
* ``BENCH_KPI_SIZES`` (default ``1000000,10000000``): contact counts for the compute-only KPI benchmark.
* ``BENCH_PIPELINE_SCALE`` (default 0.25): the demo fixture's scale for the whole-pipeline runs.
* ``BENCH_PARTITION_WEEKS`` (default 13): how many weeks the one-run-per-partition comparison runs.
* ``BENCH_PEERS`` (default 1): 0 skips the open-source extractors.
* ``BENCH_PEERS_SCALE`` (default ``BENCH_SCALE``): the portal size the peers read (they are slow).
* ``BENCH_ONLY``: comma-separated sections to run (hubspot, kpi, ga4, warehouse, pipeline, peers).
* ``BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
* ``BENCH_OUT`` (default ``docs/benchmarks.md``): the report whose generated section is rewritten.

Figures are measured, never asserted: the report says which target each one meets or misses.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
TOKEN = "bench-token"

Result = dict[str, Any]


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _rss_mb() -> float:
    # ru_maxrss is KiB on Linux: the process's peak resident set so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def burst_floor_s(calls: int, per_window: int, window_s: float) -> float:
    """Steady-state time the 10-second bucket allows for ``calls`` requests: calls x window / limit."""
    return calls * window_s / per_window if per_window else 0.0


def bench_end() -> datetime:
    """The as-of instant of the generated world: the latest Monday midnight UTC (stable within a week)."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------- HubSpot


class TimedApp:
    """WSGI wrapper adding up the time the wrapped emulator spends serving (its CPU, not the client's)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.busy_s = 0.0

    def __call__(self, environ: Any, start_response: Any) -> Any:
        t0 = time.perf_counter()
        body = list(self.app(environ, start_response))  # the emulators build their bodies eagerly
        self.busy_s += time.perf_counter() - t0
        return body


def bench_hubspot(scale: float, time_scale: float, workdir: Path) -> Result:
    """Full sync then a weekly incremental after 1% of records changed, at real limits x ``time_scale``."""
    from assets.hubspot_mirror import HubSpotMirror
    from emulators import scale as gen
    from emulators._ratelimit import REAL_LIMITS, scaled_clock, scaled_sleeper
    from emulators.hubspot import HubSpotEmulator
    from emulators.server import serve_in_thread
    from resources.hubspot import HubSpotResource
    from resources.warehouse import WarehouseResource

    spec = gen.ScaleSpec().scaled(scale)
    end = bench_end()
    limits = REAL_LIMITS
    clock = scaled_clock(time_scale)
    emulator = HubSpotEmulator(
        None,
        access_token=TOKEN,
        burst_limit=limits.hubspot_burst,
        burst_window_s=limits.hubspot_burst_window_s,
        search_per_second=limits.hubspot_search_per_second,
        clock=clock,
        wall_clock=lambda: end,
    )
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    contacts = gen.contact_columns(spec.contacts, end=end)
    deals = gen.deal_columns(spec.deals, contacts=spec.contacts, end=end)
    gen.load_hubspot(emulator, contacts, deals)
    load_s = time.perf_counter() - t0
    _log(f"hubspot: {spec.contacts:,} contacts + {spec.deals:,} deals loaded in {load_s:.1f}s")
    result: Result = {
        "scale": scale,
        "time_scale": time_scale,
        "contacts": spec.contacts,
        "deals": spec.deals,
        "load_s": round(load_s, 2),
        "emulator_rss_growth_mb": round(_rss_mb() - rss0, 1),
    }

    def client() -> HubSpotResource:
        res = HubSpotResource(
            access_token=TOKEN,
            base_url=server.base_url,
            requests_per_10s=limits.hubspot_burst,
            search_requests_per_second=limits.hubspot_search_per_second,
        )
        return res.with_clock(clock=clock, sleeper=scaled_sleeper(time_scale))

    warehouse = WarehouseResource(url=f"sqlite:///{workdir / 'hubspot.db'}")
    end_ms = int(end.timestamp() * 1000)
    timed = TimedApp(emulator)
    with serve_in_thread(timed) as server:
        before = emulator.counts()
        status_before = emulator.counts_by_status()
        busy0 = timed.busy_s
        t0 = time.perf_counter()
        full = HubSpotMirror(client(), warehouse, stages=gen.STAGES, now_ms=end_ms, log=lambda _m: None).run(
            force_full=True
        )
        full_s = time.perf_counter() - t0
        full_calls = emulator.counts() - before
        refused = _refused(emulator, status_before)
        result["full"] = _hubspot_phase(full_calls, refused, full_s, time_scale, contacts, deals, full=True)
        result["full"]["fetched"] = {k: v.fetched for k, v in full.streams.items()}
        result["full"]["emulator_busy_s"] = round(timed.busy_s - busy0, 2)
        _log(f"hubspot full sync: {sum(full_calls.values())} calls in {full_s:.1f}s")

        # 1% of contacts and of deals edited an hour after the full sync; the next run is a day later.
        edit_at = end + timedelta(hours=1)
        changed_c = gen.changed_ids(contacts.ids[~contacts.archived], 0.01)
        changed_d = gen.changed_ids(deals.ids[~deals.archived], 0.01)
        gen.touch(emulator, "contacts", changed_c, edit_at)
        gen.touch(emulator, "deals", changed_d, edit_at)
        before = emulator.counts()
        status_before = emulator.counts_by_status()
        busy0 = timed.busy_s
        t0 = time.perf_counter()
        incr = HubSpotMirror(
            client(), warehouse, stages=gen.STAGES, now_ms=end_ms + 86_400_000, log=lambda _m: None
        ).run()
        incr_s = time.perf_counter() - t0
        incr_calls = emulator.counts() - before
        result["incremental"] = {
            "changed_contacts": len(changed_c),
            "changed_deals": len(changed_d),
            "modes": {k: v.mode for k, v in incr.streams.items()},
            "fetched": {k: v.fetched for k, v in incr.streams.items()},
            **_hubspot_phase(
                incr_calls, _refused(emulator, status_before), incr_s, time_scale, contacts, deals, full=False
            ),
            "min_calls_changed": math.ceil(len(changed_c) / 200)
            + math.ceil(len(changed_d) / 200)
            + math.ceil(len(changed_d) / 1000),
        }
        result["incremental"]["emulator_busy_s"] = round(timed.busy_s - busy0, 2)
        result["incremental"]["share_of_full"] = round(
            result["incremental"]["calls_total"] / max(1, result["full"]["calls_total"]), 4
        )
        _log(f"hubspot incremental: {sum(incr_calls.values())} calls in {incr_s:.1f}s")
    warehouse.dispose()
    return result


def _refused(emulator: Any, before: Counter[tuple[str, int]]) -> int:
    """429 answers served since ``before`` (a ``counts_by_status`` snapshot)."""
    after = emulator.counts_by_status()
    return sum(v for (_name, status), v in (after - before).items() if status == 429)


def _hubspot_phase(
    calls: Counter[str], refused: int, wall_s: float, time_scale: float, contacts: Any, deals: Any, *, full: bool
) -> Result:
    from emulators._ratelimit import REAL_LIMITS as L

    # The floor counts the calls that had to succeed; a refused (429) call is the client's overhead.
    search = sum(v for k, v in calls.items() if k.endswith(".search"))
    burst = sum(calls.values()) - search - refused
    live_c, arch_c = int((~contacts.archived).sum()), int(contacts.archived.sum())
    live_d, arch_d = int((~deals.archived).sum()), int(deals.archived.sum())
    # One list pass over live and one over archived records per object type (an empty pass costs 1 call).
    list_min = {
        "contacts.list": math.ceil(live_c / 100) + max(1, math.ceil(arch_c / 100)),
        "deals.list": math.ceil(live_d / 100) + max(1, math.ceil(arch_d / 100)),
    }
    floor_s = max(
        burst_floor_s(burst, L.hubspot_burst, L.hubspot_burst_window_s),
        search / L.hubspot_search_per_second,
    )
    phase: Result = {
        "calls": dict(sorted(calls.items())),
        "calls_total": sum(calls.values()),
        "calls_429": refused,
        "wall_s": round(wall_s, 2),
        "floor_s_scaled": round(floor_s / time_scale, 3),
        "floor_s_real_time": round(floor_s, 1),
    }
    if full:
        records_min = sum(list_min.values())
        phase["list_calls_min"] = list_min
        phase["records_calls_ratio"] = round(
            (calls.get("contacts.list", 0) + calls.get("deals.list", 0)) / max(1, records_min), 4
        )
        phase["calls_ratio"] = round(sum(calls.values()) / max(1, records_min), 4)
    phase["wall_vs_floor"] = round(wall_s / max(1e-9, floor_s / time_scale), 2)
    return phase


# ---------------------------------------------------------------------------------------------------- KPI compute

_KPI_CHILD = r"""
import json, resource, sys, time
from datetime import UTC, datetime
import pandas as pd
from assets.kpi_math import FunnelConfig, compute_hubspot_kpis
from emulators.scale import kpi_frames, weeks_ending
n = int(sys.argv[1]); end = datetime.fromisoformat(sys.argv[2])
t0 = time.perf_counter(); frames = kpi_frames(n, end=end); build = time.perf_counter() - t0
rss_frames = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
weeks = weeks_ending(end.date(), 156)
runs = []
for _ in range(2):
    t0 = time.perf_counter()
    out = compute_hubspot_kpis(**frames, targets=None, weeks=weeks, as_of=pd.Timestamp(end), cfg=FunnelConfig())
    runs.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"contacts": n, "deals": len(frames["deals"]), "weeks": len(weeks), "rows_out": len(out),
                  "build_s": round(build, 2), "compute_s": round(min(runs), 3), "compute_s_first": round(runs[0], 3),
                  "rss_after_frames_mb": round(rss_frames), "peak_rss_mb": round(peak)}))
"""


def bench_kpi(sizes: list[int]) -> list[Result]:
    """Compute-only KPI time and peak memory per contact count, each in a fresh process (clean peak RSS)."""
    out = []
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, "-c", _KPI_CHILD, str(n), bench_end().isoformat()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        _log(f"kpi {n:,} contacts: {row['compute_s']}s, peak {row['peak_rss_mb']} MB")
        out.append(row)
    return out


def bench_ga4_store(scale: float) -> Result:
    """Generate the GA4 sessions columnar and aggregate them the way a daily runReport does."""
    from emulators.scale import GA4SessionStore, ScaleSpec, ads_daily_rows

    spec = ScaleSpec().scaled(scale)
    start = bench_end().date() - timedelta(days=spec.days)
    t0 = time.perf_counter()
    store = GA4SessionStore.generate(spec.ga4_sessions, start=start, days=spec.days)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    daily = store.daily_by_channel()
    agg_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ads = ads_daily_rows(spec.campaigns, start=start, days=spec.days)
    ads_s = time.perf_counter() - t0
    return {
        "sessions": len(store),
        "store_mb": round(store.nbytes / 2**20, 1),
        "generate_s": round(gen_s, 2),
        "aggregate_s": round(agg_s, 3),
        "daily_rows": len(daily),
        "runreport_pages_min": math.ceil(len(daily) / 250_000),
        "ad_rows_per_platform": len(ads),
        "ad_rows_generate_s": round(ads_s, 2),
        "google_ads_operations_min": 1,
        "google_ads_search_pages_if_paged": math.ceil(len(ads) / 10_000),
    }


# ---------------------------------------------------------------------------------------------------- warehouse


def bench_warehouse(rows: int, postgres_url: str) -> list[Result]:
    """Upsert ``rows`` contact rows into the mirror table on SQLite and PostgreSQL (when it answers)."""
    import sqlalchemy as sa

    from resources.warehouse import hubspot_contacts, metadata, upsert

    data = [
        {
            "contact_id": str(i),
            "created_at_ms": 1_700_000_000_000 + i,
            "updated_at_ms": 1_700_000_000_000 + i,
            "lifecyclestage": "lead",
            "analytics_source": "ORGANIC_SEARCH",
            "analytics_source_data_1": None,
            "archived": False,
            "deleted": False,
            "synced_at_ms": 1_700_000_000_000,
        }
        for i in range(rows)
    ]
    results: list[Result] = []
    targets: list[tuple[str, str, Callable[[], None]]] = []
    tmp = tempfile.mkdtemp(prefix="bench-wh-")
    targets.append(("sqlite", f"sqlite:///{tmp}/wh.db", lambda: None))
    pg = _postgres_database(postgres_url)
    if pg is not None:
        targets.append(("postgresql", pg[0], pg[1]))
    else:
        results.append({"backend": "postgresql", "skipped": f"no answer at {postgres_url}"})
    for name, url, cleanup in targets:
        engine = sa.create_engine(url)
        try:
            metadata.create_all(engine, tables=[hubspot_contacts])
            timings = []
            for _ in range(2):  # first pass inserts, second updates every row (the mirror's steady state)
                t0 = time.perf_counter()
                with engine.begin() as conn:
                    upsert(conn, hubspot_contacts, data)
                timings.append(time.perf_counter() - t0)
            results.append(
                {
                    "backend": name,
                    "rows": rows,
                    "insert_rows_per_s": round(rows / timings[0]),
                    "update_rows_per_s": round(rows / timings[1]),
                }
            )
            _log(f"warehouse {name}: {results[-1]}")
        finally:
            engine.dispose()
            cleanup()
    return results


def _postgres_database(url: str) -> tuple[str, Callable[[], None]] | None:
    """A throwaway database on the PostgreSQL server at ``url`` (so the benchmark never touches others' tables)."""
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"funnel_bench_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach PostgreSQL means "skip it", reported as such
        _log(f"postgresql skipped: {type(exc).__name__}: {exc}")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


# ---------------------------------------------------------------------------------------------------- pipeline


@contextmanager
def _pipeline_env(pipeline_scale: float, weeks: int, workdir: Path) -> Iterator[tuple[Any, Any, Any, date]]:
    from emulators.suite import start_emulators
    from emulators.synthetic import generate_demo_fixture
    from pipelines.demo import DemoEnvironment
    from pipelines.settings import RuntimeEnv

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
    from pipelines.settings import parse_settings

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
        _log(f"pipeline backfill (1 run, {weeks} weeks): {wall:.1f}s")
        trailing = last_week - timedelta(weeks=settings.refresh_weeks - 1)
        wall, calls = run(trailing, last_week)
        result["weekly_run"] = {"wall_s": round(wall, 1), "weeks": settings.refresh_weeks, "calls": calls}
        _log(f"pipeline weekly run: {wall:.1f}s")

        # One run per partition over the oldest `partition_weeks` weeks, on a fresh warehouse so the
        # first run is a full sync like the single-run backfill's.
        with tempfile.TemporaryDirectory(prefix="bench-part-") as tmp2:
            from pipelines.settings import RuntimeEnv

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
        _log(f"pipeline per-partition ({partition_weeks} runs): {wall:.1f}s")
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
            _log(f"sheets {label}: {out[label]['requests']} requests")
    warehouse.dispose()
    return out


# ---------------------------------------------------------------------------------------------------- report


def machine() -> Result:
    """What the figures were measured on."""
    mem_kb = 0
    with suppress(OSError), open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    cpu = ""
    with suppress(OSError), open("/proc/cpuinfo") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    packages = {}
    for name in ("dagster", "pandas", "numpy", "SQLAlchemy", "werkzeug", "requests", "gspread", "psycopg"):
        with suppress(importlib_metadata.PackageNotFoundError):
            packages[name] = importlib_metadata.version(name)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render(results: Result) -> str:
    """The generated Markdown section: every figure with the scale it was measured at."""
    lines = [START_MARK, "", f"Generated by `make bench` on {results['machine']['date']}.", ""]
    m = results["machine"]
    lines += [
        f"**Machine:** {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + ".",
        "",
    ]
    hs = results.get("hubspot")
    if hs:
        full, incr = hs["full"], hs["incremental"]
        lines += [
            f"### HubSpot extraction (BENCH_SCALE={hs['scale']}: {hs['contacts']:,} contacts, {hs['deals']:,} deals; "
            f"limits 190/10 s + 5/s search run {hs['time_scale']:g}x faster)",
            "",
            "| run | calls | of which records (list/search/assoc.) | minimum | ratio | 429s | wall s | "
            "emulator busy s | floor s (scaled) | wall / floor |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| full sync | {full['calls_total']} | "
            f"{full['calls'].get('contacts.list', 0) + full['calls'].get('deals.list', 0)} | "
            f"{sum(full['list_calls_min'].values())} | {full['calls_ratio']} | {full['calls_429']} | "
            f"{full['wall_s']} | {full.get('emulator_busy_s', '')} | {full['floor_s_scaled']} | "
            f"{full['wall_vs_floor']} |",
            f"| incremental after 1% changed | {incr['calls_total']} | "
            f"{sum(v for k, v in incr['calls'].items() if k.endswith(('.search', 'batch_read')))} | "
            f"{incr['min_calls_changed']} | {round(incr['calls_total'] / max(1, incr['min_calls_changed']), 3)} | "
            f"{incr['calls_429']} | {incr['wall_s']} | {incr.get('emulator_busy_s', '')} | "
            f"{incr['floor_s_scaled']} | {incr['wall_vs_floor']} |",
            "",
            f"Full-sync calls by endpoint: `{json.dumps(full['calls'])}`. Incremental: "
            f"`{json.dumps(incr['calls'])}` ({incr['changed_contacts']} contacts and {incr['changed_deals']} deals "
            f"changed); **incremental / full = {incr['share_of_full']:.2%}** of the calls. Loading the emulator took "
            f"{hs['load_s']} s (+{hs['emulator_rss_growth_mb']} MB RSS). The floor in real time (limits at 1x) is "
            f"{full['floor_s_real_time']} s for the full sync.",
            "",
        ]
    kpi = results.get("kpi")
    if kpi:
        lines += [
            "### KPI compute (compute only, synthetic frames, 156 weeks, one process per size)",
            "",
            "| contacts | deals | output rows | build frames s | compute s (best of 2) | first run s | "
            "RSS after frames MB | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['contacts']:,} | {r['deals']:,} | {r['rows_out']:,} | {r['build_s']} | {r['compute_s']} | "
            f"{r['compute_s_first']} | {r['rss_after_frames_mb']:,} | {r['peak_rss_mb']:,} |"
            for r in kpi
        ]
        lines.append("")
    ga4 = results.get("ga4")
    if ga4:
        lines += [
            "### GA4 sessions and ad rows (columnar generator)",
            "",
            f"{ga4['sessions']:,} GA4 sessions held in {ga4['store_mb']} MB, generated in {ga4['generate_s']} s, "
            f"aggregated to {ga4['daily_rows']:,} daily x channel rows in {ga4['aggregate_s']} s "
            f"(= {ga4['runreport_pages_min']} runReport page at 250,000 rows). {ga4['ad_rows_per_platform']:,} "
            f"daily campaign rows per ad platform ({ga4['ad_rows_generate_s']} s): Google Ads minimum 1 operation "
            f"(SearchStream), {ga4['google_ads_search_pages_if_paged']} pages if paged with Search.",
            "",
        ]
    wh = results.get("warehouse")
    if wh:
        lines += [
            "### Warehouse load rate (contacts mirror table, upsert)",
            "",
            "| backend | rows | insert rows/s | update rows/s |",
            "|---|---|---|---|",
        ]
        for r in wh:
            if "skipped" in r:
                lines.append(f"| {r['backend']} | skipped: {r['skipped']} | | |")
            else:
                lines.append(
                    f"| {r['backend']} | {r['rows']:,} | {r['insert_rows_per_s']:,} | {r['update_rows_per_s']:,} |"
                )
        lines.append("")
    pipe = results.get("pipeline")
    if pipe:
        single, weekly, part = pipe["backfill_single_run"], pipe["weekly_run"], pipe["backfill_per_partition"]

        def total(calls: dict[str, dict[str, int]]) -> str:
            return ", ".join(f"{src} {sum(c.values())}" for src, c in calls.items())

        lines += [
            f"### Whole pipeline (demo fixture scale {pipe['pipeline_scale']}: {pipe['contacts']:,} contacts; "
            "limits off, counting calls)",
            "",
            "| run | weeks | wall s | calls per source |",
            "|---|---|---|---|",
            f"| backfill, one run | {pipe['weeks']} | {single['wall_s']} | {total(single['calls'])} |",
            f"| weekly run (trailing weeks) | {weekly['weeks']} | {weekly['wall_s']} | {total(weekly['calls'])} |",
            f"| backfill, one run per partition (first {part['partitions_run']} weeks) | {part['partitions_run']} | "
            f"{part['wall_s']} ({part['wall_s_per_partition']} per run; ~{part['extrapolated_156_wall_s']} s for 156) "
            f"| {total(part['calls'])} |",
            "",
            f"Single-run backfill calls: `{json.dumps(single['calls'])}`.",
            "",
            f"Per-partition calls: `{json.dumps(part['calls'])}`.",
            "",
        ]
        sheets = pipe.get("sheets")
        if sheets:
            lines += [
                "### Sheets requests per run (Sheets emulator, 60 writes/min/user)",
                "",
                "| run | weeks | requests | by endpoint |",
                "|---|---|---|---|",
            ]
            for label, row in sheets.items():
                lines.append(f"| {label} | {row['weeks']} | {row['requests']} | `{json.dumps(row['by_endpoint'])}` |")
            lines.append("")
    peers = results.get("peers")
    if peers:
        lines += [
            f"### Peers (same emulator, data and limits; BENCH_PEERS_SCALE={results.get('peers_scale')})",
            "",
            "| extractor | status | wall s | emulator busy s | wall − emulator s | calls | records | calls by endpoint "
            "| notes |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in peers:
            own = round(r["wall_s"] - r["emulator_busy_s"], 2) if "emulator_busy_s" in r else ""
            lines.append(
                f"| {r['peer']} | {r['status']} | {r.get('wall_s', '')} | {r.get('emulator_busy_s', '')} | {own} | "
                f"{r.get('calls_total', '')} | `{json.dumps(r.get('records', {}))}` | "
                f"`{json.dumps(r.get('calls', {}))}` | {r.get('reason', '')} |"
            )
        lines.append("")
    lines.append(END_MARK)
    return "\n".join(lines)


def write_report(results: Result, path: Path) -> None:
    """Replace the generated section of ``path`` (or append one) with the rendered results."""
    section = render(results)
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if START_MARK in text and END_MARK in text:
        head, rest = text.split(START_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> int:
    """Run every benchmark and rewrite the report's generated section; returns the exit code."""
    sys.path.insert(0, str(ROOT))
    scale = _env_float("BENCH_SCALE", 0.01)
    time_scale = _env_float("BENCH_TIME_SCALE", 100)
    sizes = [int(s) for s in os.environ.get("BENCH_KPI_SIZES", "1000000,10000000").split(",") if s.strip()]
    pipeline_scale = _env_float("BENCH_PIPELINE_SCALE", 0.25)
    partition_weeks = int(os.environ.get("BENCH_PARTITION_WEEKS", "13"))
    postgres_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    out = Path(os.environ.get("BENCH_OUT", ROOT / "docs" / "benchmarks.md"))
    only = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}

    def wanted(name: str) -> bool:
        return not only or name in only

    results: Result = {"machine": machine()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if wanted("hubspot"):
            results["hubspot"] = bench_hubspot(scale, time_scale, Path(tmp))
        if wanted("kpi"):
            results["kpi"] = bench_kpi(sizes)
        if wanted("ga4"):
            results["ga4"] = bench_ga4_store(scale)
        if wanted("warehouse"):
            results["warehouse"] = bench_warehouse(max(10_000, round(1_000_000 * scale)), postgres_url)
        if wanted("pipeline"):
            results["pipeline"] = bench_pipeline(pipeline_scale, partition_weeks, time_scale)
        if wanted("peers") and os.environ.get("BENCH_PEERS", "1") != "0":
            from benchmarks.peers import bench_peers

            results["peers_scale"] = _env_float("BENCH_PEERS_SCALE", scale)
            results["peers"] = bench_peers(results["peers_scale"], time_scale, Path(tmp))
    results["total_s"] = round(time.perf_counter() - started, 1)
    json_path = Path(os.environ.get("BENCH_JSON", ROOT / "benchmarks" / "results" / "latest.json"))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_report(results, out)
    _log(f"done in {results['total_s']}s; wrote {out} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
