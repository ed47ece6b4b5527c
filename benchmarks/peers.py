"""Open-source HubSpot extractors on the same emulator, data and limits as the pipeline.

Each peer gets its own virtualenv (created on first use under ``.data/bench-peers``, pinned versions),
is pointed at the emulator by ``peer_wrapper.py`` (none has a base-URL setting), discovers its catalog,
then reads contacts and deals once (full refresh). The figures are the read's wall time, the requests
the emulator served for it, and the records the peer emitted; the pipeline's own full sync of the same
portal is measured in the same way beside them.
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
from datetime import timedelta
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
        {"access_token": TOKEN, "start_date": "2000-01-01T00:00:00Z"},
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
) -> dict[str, Any]:
    """Discover then read contacts and deals; returns status, wall time, calls and records."""
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


def bench_peers(scale: float, time_scale: float, workdir: Path) -> list[dict[str, Any]]:
    """Load one portal, run the pipeline's full sync and every peer on it; one row each."""
    from assets.hubspot_mirror import HubSpotMirror
    from emulators import scale as gen
    from emulators._ratelimit import REAL_LIMITS, scaled_clock, scaled_sleeper
    from emulators.hubspot import HubSpotEmulator
    from emulators.hubspot.peers import HubSpotPeersLayer
    from emulators.server import serve_in_thread
    from resources.hubspot import HubSpotResource
    from resources.warehouse import WarehouseResource

    base = Path(os.environ.get("BENCH_PEERS_DIR", ROOT / ".data" / "bench-peers"))
    timeout_s = float(os.environ.get("BENCH_PEER_TIMEOUT", "1800"))
    spec = gen.ScaleSpec().scaled(scale)
    end = bench_end()
    clock = scaled_clock(time_scale)
    hub = HubSpotEmulator(
        None,
        access_token=TOKEN,
        burst_limit=REAL_LIMITS.hubspot_burst,
        burst_window_s=REAL_LIMITS.hubspot_burst_window_s,
        search_per_second=REAL_LIMITS.hubspot_search_per_second,
        clock=clock,
        wall_clock=lambda: end,
    )
    gen.load_hubspot(
        hub, gen.contact_columns(spec.contacts, end=end), gen.deal_columns(spec.deals, contacts=spec.contacts, end=end)
    )
    layer = HubSpotPeersLayer(hub)
    timed = TimedApp(layer)
    rows: list[dict[str, Any]] = []
    with serve_in_thread(timed) as server:
        # The pipeline first, on the same server (its full sync: live and archived contacts, deals, meetings).
        client = HubSpotResource(
            access_token=TOKEN,
            base_url=server.base_url,
            requests_per_10s=REAL_LIMITS.hubspot_burst,
            search_requests_per_second=REAL_LIMITS.hubspot_search_per_second,
        ).with_clock(clock=clock, sleeper=scaled_sleeper(time_scale))
        warehouse = WarehouseResource(url=f"sqlite:///{workdir / 'peers-ours.db'}")
        before = layer.all_counts()
        busy0 = timed.busy_s
        t0 = time.perf_counter()
        report = HubSpotMirror(
            client,
            warehouse,
            stages=gen.STAGES,
            now_ms=int((end + timedelta(0)).timestamp() * 1000),
            log=lambda _m: None,
        ).run(force_full=True)
        calls = layer.all_counts() - before
        rows.append(
            {
                "peer": "funnel-ledger (this project)",
                "status": "ok",
                "wall_s": round(time.perf_counter() - t0, 2),
                "calls": dict(sorted(calls.items())),
                "calls_total": sum(calls.values()),
                "records": {k: v.fetched for k, v in report.streams.items()},
                "emulator_busy_s": round(timed.busy_s - busy0, 2),
                "reason": "includes archived records, meetings, pipelines and the warehouse write",
            }
        )
        warehouse.dispose()
        _log(f"ours: {rows[-1]['wall_s']}s, {rows[-1]['calls_total']} calls")
        for peer in PEERS:
            hub.reset_rate_limits()
            try:
                python = ensure_venv(peer, base)
                row = run_peer(
                    peer, lambda: timed.busy_s, python, server.base_url, workdir, layer.all_counts, timeout_s
                )
            except (subprocess.SubprocessError, OSError, RuntimeError, ValueError) as exc:
                row = {"peer": peer.name, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:300]}
            row["unknown_paths"] = dict(layer.unknown_paths)
            layer.unknown_paths.clear()
            _log(f"{peer.name}: {row.get('status')} {row.get('wall_s', '')}s {row.get('calls_total', '')} calls")
            rows.append(row)
    return rows
