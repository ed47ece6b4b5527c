"""HubSpot extraction benchmark: a full sync, then the weekly scheduled run seven days later after 1% of the
records changed, against the emulator at real limits run N times faster, with calls and wall time against
the rate-limit floor. Run by ``benchmarks.run``.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import TOKEN, Result, TimedApp, bench_end, burst_floor_s, log, rss_mb


def bench_hubspot(scale: float, time_scale: float, workdir: Path) -> Result:
    """Full sync then a weekly incremental after 1% of records changed, at real limits x ``time_scale``."""
    from assets.hubspot_mirror import HubSpotMirror
    from emulators import scale as gen
    from emulators._ratelimit import REAL_LIMITS, scaled_clock, scaled_sleeper
    from emulators.hubspot import HubSpotEmulator
    from emulators.hubspot.store import RECYCLE_BIN_DAYS
    from emulators.server import serve_in_thread
    from resources.hubspot import HubSpotResource
    from resources.warehouse import WarehouseResource
    from settings import Settings

    spec = gen.ScaleSpec().scaled(scale)
    end = bench_end()
    limits = REAL_LIMITS
    clock = scaled_clock(time_scale)
    portal_now = [end]  # HubSpot's clock: the recycle bin keeps what was archived in the 90 days before it
    emulator = HubSpotEmulator(
        None,
        access_token=TOKEN,
        burst_limit=limits.hubspot_burst,
        burst_window_s=limits.hubspot_burst_window_s,
        search_per_second=limits.hubspot_search_per_second,
        clock=clock,
        wall_clock=lambda: portal_now[0],
        recycle_bin_days=RECYCLE_BIN_DAYS,
    )
    rss0 = rss_mb()
    t0 = time.perf_counter()
    contacts = gen.contact_columns(spec.contacts, end=end)
    deals = gen.deal_columns(spec.deals, contacts=spec.contacts, end=end)
    gen.load_hubspot(emulator, contacts, deals)
    load_s = time.perf_counter() - t0
    log(f"hubspot: {spec.contacts:,} contacts + {spec.deals:,} deals loaded in {load_s:.1f}s")
    result: Result = {
        "scale": scale,
        "time_scale": time_scale,
        "contacts": spec.contacts,
        "deals": spec.deals,
        "load_s": round(load_s, 2),
        "emulator_rss_growth_mb": round(rss_mb() - rss0, 1),
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
        bin_full = _in_recycle_bin(contacts, deals, end)
        result["full"] = _hubspot_phase(full_calls, refused, full_s, time_scale, contacts, deals, bin_full, full=True)
        result["full"]["fetched"] = {k: v.fetched for k, v in full.streams.items()}
        result["full"]["emulator_busy_s"] = round(timed.busy_s - busy0, 2)
        log(f"hubspot full sync: {sum(full_calls.values())} calls in {full_s:.1f}s")

        # The weekly scheduled run, seven days after the full sync, with the default settings (a full pass
        # every 28 days): 1% of contacts and of deals were edited during the week.
        week = timedelta(days=7)
        changed_c = gen.changed_ids(contacts.ids[~contacts.archived], 0.01)
        changed_d = gen.changed_ids(deals.ids[~deals.archived], 0.01)
        gen.touch(emulator, "contacts", changed_c, end + timedelta(days=3))
        gen.touch(emulator, "deals", changed_d, end + timedelta(days=4))
        portal_now[0] = end + week
        bin_weekly = _in_recycle_bin(contacts, deals, end + week)
        before = emulator.counts()
        status_before = emulator.counts_by_status()
        busy0 = timed.busy_s
        t0 = time.perf_counter()
        incr = HubSpotMirror(
            client(),
            warehouse,
            stages=gen.STAGES,
            now_ms=int((end + week).timestamp() * 1000),
            full_sync_every_days=Settings().hubspot.full_sync_every_days,
            log=lambda _m: None,
        ).run()
        incr_s = time.perf_counter() - t0
        incr_calls = emulator.counts() - before
        min_changed = (
            math.ceil(len(changed_c) / 200) + math.ceil(len(changed_d) / 200) + math.ceil(len(changed_d) / 1000)
        )
        # Deletions: every page of each type's archived listing (the recycle bin), at least one each.
        min_deleted = sum(max(1, math.ceil(n / 100)) for n in bin_weekly)
        result["incremental"] = {
            "run": "weekly scheduled run, 7 days after the full sync",
            "changed_contacts": len(changed_c),
            "changed_deals": len(changed_d),
            "recycle_bin": {"contacts": bin_weekly[0], "deals": bin_weekly[1]},
            "modes": {k: v.mode for k, v in incr.streams.items()},
            "fetched": {k: v.fetched for k, v in incr.streams.items()},
            **_hubspot_phase(
                incr_calls,
                _refused(emulator, status_before),
                incr_s,
                time_scale,
                contacts,
                deals,
                bin_weekly,
                full=False,
            ),
            "min_calls_changed": min_changed + min_deleted,
        }
        result["incremental"]["emulator_busy_s"] = round(timed.busy_s - busy0, 2)
        result["incremental"]["share_of_full"] = round(
            result["incremental"]["calls_total"] / max(1, result["full"]["calls_total"]), 4
        )
        log(
            f"hubspot weekly run: {sum(incr_calls.values())} calls in {incr_s:.1f}s "
            f"({result['incremental']['share_of_full']:.2%} of the full sync's)"
        )
    warehouse.dispose()
    return result


def _refused(emulator: Any, before: Counter[tuple[str, int]]) -> int:
    """429 answers served since ``before`` (a ``counts_by_status`` snapshot)."""
    after = emulator.counts_by_status()
    return sum(v for (_name, status), v in (after - before).items() if status == 429)


def _in_recycle_bin(contacts: Any, deals: Any, now: datetime) -> tuple[int, int]:
    """Archived contacts and deals HubSpot still lists at ``now`` (archived in the 90 days before it)."""
    from emulators.hubspot.store import RECYCLE_BIN_DAYS

    cutoff = (now - timedelta(days=RECYCLE_BIN_DAYS)).timestamp()
    return (
        int((contacts.archived & (contacts.modified_s >= cutoff)).sum()),
        int((deals.archived & (deals.modified_s >= cutoff)).sum()),
    )


def _hubspot_phase(
    calls: Counter[str],
    refused: int,
    wall_s: float,
    time_scale: float,
    contacts: Any,
    deals: Any,
    recycle_bin: tuple[int, int],
    *,
    full: bool,
) -> Result:
    from emulators._ratelimit import REAL_LIMITS as L

    # The floor counts the calls that had to succeed; a refused (429) call is the client's overhead.
    search = sum(v for k, v in calls.items() if k.endswith(".search"))
    burst = sum(calls.values()) - search - refused
    live_c, live_d = int((~contacts.archived).sum()), int((~deals.archived).sum())
    arch_c, arch_d = recycle_bin  # archived records older than the recycle bin's 90 days are gone
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
