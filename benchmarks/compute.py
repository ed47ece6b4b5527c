"""Compute benchmarks without emulators: the KPI step (warehouse read + compute) time and peak memory per
contact count (one process each), the CLI's answer time, and the columnar GA4 session and ad-row generator.
Run by ``benchmarks.run``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.common import ROOT, Result, bench_end, log
from benchmarks.warehouse import fill_kpi_warehouse

_KPI_CHILD = r"""
import json, resource, sys, time
from datetime import datetime
import pandas as pd
from assets.kpi_checks import additivity_violations
from assets.kpi_math import FunnelConfig, compute_hubspot_kpis
from assets.weekly_kpis import stage_property_names
from emulators.scale import weeks_ending
from resources.warehouse import WarehouseResource
from resources.warehouse_read import read_hubspot_inputs
from settings import parse_settings
url, end = sys.argv[1], datetime.fromisoformat(sys.argv[2])
settings = parse_settings({})
def rss():
    # VmHWM is this process's own peak: ru_maxrss of a child spawned by a large parent starts at the parent's
    # size (Linux records the parent's peak at exec), which hid the KPI step under the emulator's 3 GB.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
warehouse = WarehouseResource(url=url)
warehouse.engine  # schema check before the clock starts
rss_start = rss()
c0, t0 = time.process_time(), time.perf_counter()
frames = read_hubspot_inputs(warehouse, stage_property_names(settings.stages))
read_s, read_cpu_s = time.perf_counter() - t0, time.process_time() - c0
rss_read = rss()
frame_mb = sum(f.memory_usage(deep=True).sum() for f in frames.values()) / 2**20
weeks = weeks_ending(end.date(), 156)
runs, cpu = [], []
for _ in range(2):
    c0, t0 = time.process_time(), time.perf_counter()
    out = compute_hubspot_kpis(**frames, targets=None, weeks=weeks, as_of=pd.Timestamp(end), cfg=FunnelConfig())
    runs.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
peak = rss()
t0 = time.perf_counter(); additivity_violations(out, settings); additivity_s = time.perf_counter() - t0
print(json.dumps({"contacts": len(frames["contacts"]), "deals": len(frames["deals"]), "weeks": len(weeks),
                  "rows_out": len(out), "read_s": round(read_s, 2), "compute_s": round(min(runs), 3),
                  "compute_s_first": round(runs[0], 3), "step_s": round(read_s + runs[0], 2),
                  "step_cpu_s": round(read_cpu_s + cpu[0], 2), "read_cpu_s": round(read_cpu_s, 2),
                  "frames_mb": round(frame_mb), "rss_start_mb": rss_start, "rss_after_read_mb": rss_read,
                  "peak_rss_mb": peak, "additivity_s": round(additivity_s, 3)}))
"""
# Filled warehouses are kept here between runs (filling 10M contacts takes minutes); the as-of week is in the
# name, so a new week fills anew.
KPI_WAREHOUSES = ROOT / ".data" / "bench-kpi"


def bench_kpi(sizes: list[int]) -> Result:
    """The KPI step at each contact count, each in a fresh process (clean peak RSS): the warehouse read
    (SQLite, filled by the scale generator) and the HubSpot KPI compute over 156 weeks; and the CLI's
    ``--help`` and argument-error answer times."""
    end = bench_end()
    out = []
    for n in sizes:
        path = KPI_WAREHOUSES / f"kpi-{n}-{end:%Y%m%d}.db"
        fill_s = None
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            fill_s = round(fill_kpi_warehouse(f"sqlite:///{partial}", n, end), 1)
            partial.rename(path)
        proc = subprocess.run(
            [sys.executable, "-c", _KPI_CHILD, f"sqlite:///{path}", end.isoformat()],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["fill_s"] = fill_s
        log(f"kpi {n:,}: read {row['read_s']}s + compute {row['compute_s_first']}s, peak {row['peak_rss_mb']} MB")
        out.append(row)
    return {"sizes": out, "cli": bench_cli()}


def bench_cli(runs: int = 5) -> Result:
    """Wall time of ``funnel-ledger --help`` and of an argument error, process start to exit (best of ``runs``)."""
    script = Path(sys.executable).with_name("funnel-ledger")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    timings: dict[str, list[float]] = {"help_s": [], "argument_error_s": []}
    for _ in range(runs):
        for key, args in (("help_s", ["--help"]), ("argument_error_s", ["demo", "--as-of", "yesterday"])):
            t0 = time.perf_counter()
            subprocess.run([*command, *args], cwd=ROOT, env=env, capture_output=True, check=False)
            timings[key].append(time.perf_counter() - t0)
    result = {key: round(min(values), 3) for key, values in timings.items()}
    log(f"cli: {result}")
    return result


def kpi_report_lines(kpi: Result) -> list[str]:
    """The generated report's KPI section (benchmarks/report.py)."""
    lines = [
        "### KPI step: warehouse read + compute (SQLite, 156 weeks, one process per size)",
        "",
        "| contacts | deals | output rows | read s | compute s (first / best of 2) | read + compute s | "
        "read + compute CPU s | frames MB | peak RSS MB | additivity check s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['contacts']:,} | {r['deals']:,} | {r['rows_out']:,} | {r['read_s']} | {r['compute_s_first']} / "
        f"{r['compute_s']} | **{r['step_s']}** | {r.get('step_cpu_s', '')} | {r['frames_mb']:,} | "
        f"**{r['peak_rss_mb']:,}** | {r['additivity_s']} |"
        for r in kpi.get("sizes", [])
    ]
    cli = kpi.get("cli")
    if cli:
        lines += [
            "",
            f"`funnel-ledger --help`: {cli['help_s']} s; an argument error (`demo --as-of yesterday`): "
            f"{cli['argument_error_s']} s (process start to exit, best of 5; Dagster is imported only when a run "
            "starts).",
        ]
    lines.append("")
    return lines


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
