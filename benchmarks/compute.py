"""Compute benchmarks without emulators: KPI compute time and peak memory per contact count (one process
each), and the columnar GA4 session and ad-row generator. Run by ``benchmarks.run``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from datetime import timedelta

from benchmarks.common import ROOT, Result, bench_end, log

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
        log(f"kpi {n:,} contacts: {row['compute_s']}s, peak {row['peak_rss_mb']} MB")
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
