"""Open-source HubSpot extractors on the same emulator, data and limits as the pipeline.

Each peer gets its own virtualenv (created on first use under ``.data/bench-peers``, pinned versions),
is pointed at the emulator by ``peer_wrapper.py`` (none has a base-URL setting), discovers its catalog,
then reads contacts and deals (full refresh, and Meltano's tap again from a bookmark after a week). The
figures are the read's wall time spawn to exit, the requests the emulator served for it, the records the
peer emitted and the mode it read in (list or search); the pipeline's own sync of the same portal is
spawned as a process and measured in the same way beside them (``benchmarks.peer_ours``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, TOKEN, TimedApp, bench_end

WRAPPER = Path(__file__).with_name("peer_wrapper.py")


@dataclass(frozen=True)
class Peer:
    """One extractor: its PyPI package, console script and how to drive it."""

    name: str
    requirement: str
    script: str
    config: dict[str, Any]
    discover_args: tuple[str, ...]
    read_flag: str  # how the read is given its catalog


PEERS: tuple[Peer, ...] = (
    Peer(
        "singer tap-hubspot",
        "tap-hubspot==4.5.0",
        "tap-hubspot",
        {"api_key": TOKEN, "start_date": "2000-01-01T00:00:00Z"},
        ("--discover",),
        "--properties",  # the Singer tap still takes its catalog as --properties
    ),
    Peer(
        "meltano tap-hubspot",
        "meltano-tap-hubspot==0.10.1",
        "tap-hubspot",
        # No start_date: without a bookmark the tap lists (GET /crm/v3/objects/{type}); with one it searches.
        {"access_token": TOKEN},
        ("--discover",),
        "--catalog",
    ),
    Peer(
        "airbyte source-hubspot",
        "airbyte-source-hubspot==5.7.0",
        "source-hubspot",
        {
            "credentials": {"credentials_title": "Private App Credentials", "access_token": TOKEN},
            "start_date": "2000-01-01T00:00:00Z",
        },
        ("discover",),
        "read",
    ),
)


def _log(message: str) -> None:
    print(f"[bench peers {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_venv(peer: Peer, base: Path) -> Path:
    """The peer's interpreter, creating its virtualenv and installing it from PyPI when missing."""
    venv = base / peer.requirement.split("==")[0]
    python = venv / "bin" / "python"
    marker = venv / f".installed-{peer.requirement}"
    if not marker.exists():
        _log(f"installing {peer.requirement} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", peer.requirement], check=True, timeout=1200)
        marker.touch()
    return python


def _singer_select(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    # Select the wanted streams and every field in them (the Singer tap emits only selected fields).
    kept = []
    for stream in catalog["streams"]:
        if stream["tap_stream_id"] not in streams:
            continue
        for entry in stream.get("metadata", []):
            entry["metadata"]["selected"] = True
        kept.append(stream)
    return {"streams": kept}


def _airbyte_configure(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    return {
        "streams": [
            {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for s in catalog["streams"]
            if s["name"] in streams
        ]
    }


def _parse_catalog(peer: Peer, stdout: str) -> dict[str, Any]:
    if peer.read_flag != "read":
        parsed: dict[str, Any] = json.loads(stdout)
        return parsed
    for line in stdout.splitlines():
        with_type = json.loads(line) if line.startswith("{") else {}
        if with_type.get("type") == "CATALOG":
            catalog: dict[str, Any] = with_type["catalog"]
            return catalog
    raise RuntimeError("no CATALOG message in the discover output")


def _last_error(stderr: str, stdout_tail: str) -> str:
    lines = [line for line in (stderr + "\n" + stdout_tail).splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line or "error" in line:
            return line.strip()[:300]
    return (lines[-1] if lines else "no output")[:300]


def run_peer(
    peer: Peer,
    busy: Callable[[], float],
    python: Path,
    base_url: str,
    workdir: Path,
    counts: Callable[[], Counter[str]],
    timeout_s: float,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Discover then read contacts and deals (from ``state``'s bookmarks when given); timed spawn to exit."""
    cfg = workdir / f"{peer.script}-{peer.requirement.split('==')[0]}.config.json"
    cfg.write_text(json.dumps(peer.config))
    base_cmd = [str(python), str(WRAPPER), base_url, peer.script]
    before = counts()
    discover = subprocess.run(
        [*base_cmd, *peer.discover_args, "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    discover_calls = counts() - before
    if discover.returncode != 0:
        return {"peer": peer.name, "status": "failed", "reason": "discover: " + _last_error(discover.stderr, "")}
    catalog_raw = _parse_catalog(peer, discover.stdout)
    wanted = {"contacts", "deals"}
    catalog = (
        _airbyte_configure(catalog_raw, wanted) if peer.read_flag == "read" else _singer_select(catalog_raw, wanted)
    )
    cat_path = cfg.with_suffix(".catalog.json")
    cat_path.write_text(json.dumps(catalog))
    if peer.read_flag == "read":
        cmd = [*base_cmd, "read", "--config", str(cfg), "--catalog", str(cat_path)]
    else:
        cmd = [*base_cmd, "--config", str(cfg), peer.read_flag, str(cat_path)]
    if state is not None:
        state_path = cfg.with_suffix(".state.json")
        state_path.write_text(json.dumps(state))
        cmd += ["--state", str(state_path)]
    before = counts()
    busy0 = busy()
    records: Counter[str] = Counter()
    tail: list[bytes] = []
    t0 = time.perf_counter()
    stderr_path = workdir / f"{cfg.stem}.stderr"
    with stderr_path.open("wb") as err, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err) as proc:
        assert proc.stdout is not None
        deadline = t0 + timeout_s
        for line in proc.stdout:
            # Count records by stream without decoding every message (a million lines at full scale).
            if b'"RECORD"' in line[:40]:
                stream = (
                    b"contacts" if b'"contacts"' in line[:120] else b"deals" if b'"deals"' in line[:120] else b"other"
                )
                records[stream.decode()] += 1
            else:
                tail = [*tail[-20:], line[:500]]
            if time.perf_counter() > deadline:
                proc.kill()
                break
        code = proc.wait()
    wall = time.perf_counter() - t0
    calls = counts() - before
    out: dict[str, Any] = {
        "peer": peer.name,
        "requirement": peer.requirement,
        "status": "ok" if code == 0 else f"exit {code}",
        "wall_s": round(wall, 2),
        "calls": dict(sorted(calls.items())),
        "calls_total": sum(calls.values()),
        "discover_calls": sum(discover_calls.values()),
        "records": dict(records),
        "emulator_busy_s": round(busy() - busy0, 2),
    }
    if code != 0:
        out["reason"] = _last_error(
            stderr_path.read_text(errors="replace")[-5000:], b"".join(tail).decode(errors="replace")
        )
    return out


def _mode(calls: dict[str, int]) -> str:
    """How a read reached the records: ``search`` (CRM search, 5/s) or ``list`` (list and pagers, 190/10 s)."""
    search = sum(v for k, v in calls.items() if k.endswith(".search"))
    listed = sum(v for k, v in calls.items() if k.endswith((".list", ".paged", ".v1_list", "batch_read")))
    return "search" if search > listed else "list"


def run_ours(
    busy: Callable[[], float],
    counts: Callable[[], Counter[str]],
    base_url: str,
    warehouse_url: str,
    time_scale: float,
    now_ms: int,
    mode: str,
) -> dict[str, Any]:
    """Funnel Ledger's HubSpot sync spawned as its own process (``benchmarks.peer_ours``), timed to its exit."""
    cmd = [sys.executable, "-m", "benchmarks.peer_ours", base_url, warehouse_url, str(time_scale), str(now_ms), mode]
    before, busy0 = counts(), busy()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env={**os.environ})
    wall = time.perf_counter() - t0
    calls = counts() - before
    row: dict[str, Any] = {
        "peer": "funnel-ledger (this project)",
        "status": "ok" if proc.returncode == 0 else f"exit {proc.returncode}",
        "wall_s": round(wall, 2),
        "calls": dict(sorted(calls.items())),
        "calls_total": sum(calls.values()),
        "emulator_busy_s": round(busy() - busy0, 2),
    }
    if proc.returncode == 0:
        printed = json.loads(proc.stdout.strip().splitlines()[-1])
        row["records"] = {k: v["fetched"] for k, v in printed["streams"].items()}
        row["sync_modes"] = {k: v["mode"] for k, v in printed["streams"].items()}
        row["imports_s"] = printed["imports_s"]
    else:
        row["reason"] = _last_error(proc.stderr[-5000:], "")
    return row


def _meltano_state(since: str) -> dict[str, Any]:
    """Meltano tap-hubspot's bookmarks (Singer SDK state) for contacts and deals at ``since``."""
    return {
        "bookmarks": {
            "contacts": {"replication_key": "lastmodifieddate", "replication_key_value": since},
            "deals": {"replication_key": "hs_lastmodifieddate", "replication_key_value": since},
        }
    }


def bench_peers(scale: float, time_scale: float, workdir: Path) -> list[dict[str, Any]]:
    """Load one portal; the full read of every extractor (ours spawned as a process too), then the weekly read.

    Every row is timed spawn to exit and says its mode: ``list`` for a full read (the list endpoints and
    pagers, HubSpot's fast path for everything), ``search`` for a read of what changed. The emulator's
    search is indexed on the last-modified date and pages a query's result, so a peer reading in search
    mode is measured, not the emulator. Then 1% of the records change, the portal's clock moves seven
    days, and the extractors that read incrementally run again from a bookmark at the full read: ours
    (the scheduled weekly run) and Meltano's tap (search from its state); Singer's and Airbyte's
    incremental reads need their own state formats and are not run.
    """
    from emulators import scale as gen
    from emulators._ratelimit import REAL_LIMITS, scaled_clock
    from emulators.hubspot import HubSpotEmulator
    from emulators.hubspot.peers import HubSpotPeersLayer
    from emulators.hubspot.store import RECYCLE_BIN_DAYS
    from emulators.server import serve_in_thread

    base = Path(os.environ.get("BENCH_PEERS_DIR", ROOT / ".data" / "bench-peers"))
    timeout_s = float(os.environ.get("BENCH_PEER_TIMEOUT", "1800"))
    spec = gen.ScaleSpec().scaled(scale)
    end = bench_end()
    portal_now = [end]
    hub = HubSpotEmulator(
        None,
        access_token=TOKEN,
        burst_limit=REAL_LIMITS.hubspot_burst,
        burst_window_s=REAL_LIMITS.hubspot_burst_window_s,
        search_per_second=REAL_LIMITS.hubspot_search_per_second,
        clock=scaled_clock(time_scale),
        wall_clock=lambda: portal_now[0],
        recycle_bin_days=RECYCLE_BIN_DAYS,
    )
    contacts = gen.contact_columns(spec.contacts, end=end)
    deals = gen.deal_columns(spec.deals, contacts=spec.contacts, end=end)
    gen.load_hubspot(hub, contacts, deals)
    layer = HubSpotPeersLayer(hub)
    timed = TimedApp(layer)
    rows: list[dict[str, Any]] = []
    warehouse_url = f"sqlite:///{workdir / 'peers-ours.db'}"
    with serve_in_thread(timed) as server:

        def ours(now: datetime, mode: str, read: str) -> None:
            hub.reset_rate_limits()
            row = run_ours(
                lambda: timed.busy_s,
                layer.all_counts,
                server.base_url,
                warehouse_url,
                time_scale,
                int(now.timestamp() * 1000),
                mode,
            )
            # Our weekly run searches and lists the (small) archived listing; a full pass lists everything.
            modes = set(row.get("sync_modes", {}).values())
            row.update(read=read, mode="list" if modes == {"full"} else "search (+ archived listing)")
            row["reason"] = (
                f"{row.get('imports_s', '?')} s of it importing; also reads archived records and meetings, "
                "writes the warehouse"
            )
            _log(f"ours ({read}): {row['status']} {row['wall_s']}s {row['calls_total']} calls")
            rows.append(row)

        def peer_row(peer: Peer, read: str, state: dict[str, Any] | None = None) -> None:
            hub.reset_rate_limits()
            try:
                python = ensure_venv(peer, base)
                row = run_peer(
                    peer, lambda: timed.busy_s, python, server.base_url, workdir, layer.all_counts, timeout_s, state
                )
            except (subprocess.SubprocessError, OSError, RuntimeError, ValueError) as exc:
                row = {"peer": peer.name, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:300]}
            row.update(read=read, mode=_mode(row.get("calls", {})) if row.get("calls") else "")
            row["unknown_paths"] = dict(layer.unknown_paths)
            layer.unknown_paths.clear()
            _log(
                f"{peer.name} ({read}): {row.get('status')} {row.get('wall_s', '')}s {row.get('calls_total', '')} calls"
            )
            rows.append(row)

        ours(end, "full", "full")
        for peer in PEERS:
            peer_row(peer, "full")
        # A week: 1% of the contacts and deals change, HubSpot's clock moves on.
        gen.touch(hub, "contacts", gen.changed_ids(contacts.ids[~contacts.archived], 0.01), end + timedelta(days=3))
        gen.touch(hub, "deals", gen.changed_ids(deals.ids[~deals.archived], 0.01), end + timedelta(days=4))
        portal_now[0] = end + timedelta(days=7)
        ours(end + timedelta(days=7), "weekly", "weekly, 1% changed")
        meltano = next(p for p in PEERS if p.name.startswith("meltano"))
        peer_row(meltano, "weekly, 1% changed", _meltano_state(end.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return rows
