"""Shared pieces of the benchmarks: paths, the result type, logging, the as-of instant, rate-limit floors and
the emulator timing wrapper. Imported by every ``benchmarks`` module (``run``, ``peers`` and the sections).
"""

from __future__ import annotations

import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"

Result = dict[str, Any]


def env_float(name: str, default: float) -> float:
    """The float environment variable ``name``, or ``default`` when unset."""
    return float(os.environ.get(name, default))


def log(message: str) -> None:
    """Print a progress line with the UTC time (the benchmarks run for minutes)."""
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def rss_mb() -> float:
    """This process's peak resident set so far, in MB (``VmHWM``; ``ru_maxrss``, in KiB, where there is none).

    ``ru_maxrss`` of a process spawned by a large one starts at the parent's size (Linux records the old
    address space's peak at exec), so it cannot tell a child's own peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def burst_floor_s(calls: int, per_window: int, window_s: float) -> float:
    """Steady-state time the 10-second bucket allows for ``calls`` requests: calls x window / limit."""
    return calls * window_s / per_window if per_window else 0.0


def bench_end() -> datetime:
    """The as-of instant of the generated world: the latest Monday midnight UTC (stable within a week)."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


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
