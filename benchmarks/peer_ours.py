"""Funnel Ledger's HubSpot sync as its own process, timed spawn to exit like the peers it is compared with.

Usage: ``python -m benchmarks.peer_ours EMULATOR_URL WAREHOUSE_URL TIME_SCALE NOW_MS full|weekly``. ``full``
forces the full pass (list mode, as the peers' full refresh); ``weekly`` is the scheduled run with the
default cadence (search mode). Prints one JSON line: the sync's mode per stream, records fetched, and the
seconds its imports took (the project's modules, pandas, SQLAlchemy and Dagster).
Imports, settings and the warehouse's migration are part of the measured time, as a peer's start-up is.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    """Run one sync of the mirror against the emulator and print what it did."""
    started = time.perf_counter()
    base_url, warehouse_url, time_scale, now_ms, mode = sys.argv[1:6]
    from assets.hubspot_mirror import HubSpotMirror
    from benchmarks.common import TOKEN
    from emulators import scale as gen
    from emulators._ratelimit import REAL_LIMITS, scaled_clock, scaled_sleeper
    from resources.hubspot import HubSpotResource
    from resources.warehouse import WarehouseResource
    from settings import Settings

    imported = time.perf_counter()
    clock = scaled_clock(float(time_scale))
    client = HubSpotResource(
        access_token=TOKEN,
        base_url=base_url,
        requests_per_10s=REAL_LIMITS.hubspot_burst,
        search_requests_per_second=REAL_LIMITS.hubspot_search_per_second,
    ).with_clock(clock=clock, sleeper=scaled_sleeper(float(time_scale)))
    warehouse = WarehouseResource(url=warehouse_url)
    report = HubSpotMirror(
        client,
        warehouse,
        stages=gen.STAGES,
        now_ms=int(now_ms),
        full_sync_every_days=Settings().hubspot.full_sync_every_days,
        log=lambda _m: None,
    ).run(force_full=mode == "full")
    warehouse.dispose()
    streams = {k: {"mode": v.mode, "fetched": v.fetched} for k, v in report.streams.items()}
    print(json.dumps({"streams": streams, "imports_s": round(imported - started, 2)}), flush=True)


if __name__ == "__main__":
    main()
