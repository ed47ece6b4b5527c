"""Funnel Ledger benchmarks: API calls and time against the rate-limit floor, compute, memory, sheet requests.

Run with ``make bench`` (or ``python -m benchmarks.run``). Knobs, all environment variables:

* ``BENCH_SCALE`` (default 0.01): multiplies the full-scale world (1M contacts, 200k deals, 500 campaigns,
  10M GA4 sessions); 1 is the issue's full scale.
* ``BENCH_TIME_SCALE`` (default 100): how much faster than real time the rate limits run.
* ``BENCH_KPI_SIZES`` (default ``1000000,10000000``): contact counts for the KPI step benchmark (warehouse
  read + compute; each size's SQLite warehouse is filled once per as-of week into ``.data/bench-kpi/``).
* ``BENCH_PIPELINE_SCALE`` (default 0.25): the demo fixture's scale for the whole-pipeline runs.
* ``BENCH_PARTITION_WEEKS`` (default 13): how many weeks the one-run-per-partition comparison runs.
* ``BENCH_PEERS`` (default 1): 0 skips the open-source extractors.
* ``BENCH_PEERS_SCALE`` (default ``BENCH_SCALE``): the portal size the peers read (they are slow).
* ``BENCH_ONLY``: comma-separated sections to run (hubspot, kpi, ga4, warehouse, pipeline, workbook, peers).
* ``BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
* ``BENCH_OUT`` (default ``docs/benchmarks.md``): the report whose generated section is rewritten.

Figures are measured, never asserted: the report says which target each one meets or misses.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, Result, env_float, log
from benchmarks.compute import bench_ga4_store, bench_kpi
from benchmarks.hubspot_sync import bench_hubspot
from benchmarks.peers import bench_peers
from benchmarks.pipeline import bench_pipeline
from benchmarks.report import machine, write_report
from benchmarks.warehouse import bench_warehouse
from benchmarks.workbook import bench_workbook


def main() -> int:
    """Run every benchmark and rewrite the report's generated section; returns the exit code."""
    scale = env_float("BENCH_SCALE", 0.01)
    time_scale = env_float("BENCH_TIME_SCALE", 100)
    sizes = [int(s) for s in os.environ.get("BENCH_KPI_SIZES", "1000000,10000000").split(",") if s.strip()]
    pipeline_scale = env_float("BENCH_PIPELINE_SCALE", 0.25)
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
        if wanted("workbook"):
            results["workbook"] = bench_workbook(pipeline_scale)
        if wanted("peers") and os.environ.get("BENCH_PEERS", "1") != "0":
            results["peers_scale"] = env_float("BENCH_PEERS_SCALE", scale)
            results["peers"] = bench_peers(results["peers_scale"], time_scale, Path(tmp))
    results["total_s"] = round(time.perf_counter() - started, 1)
    json_path = Path(os.environ.get("BENCH_JSON", ROOT / "benchmarks" / "results" / "latest.json"))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_report(results, out)
    log(f"done in {results['total_s']}s; wrote {out} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
