"""Demo mode: the production code against in-process emulators loaded with synthetic (or fixture) data.

Only base URLs differ from live mode. The emulators run inside whichever process loads the definitions
(the CLI, ``dagster dev``'s code server, a run worker), so every process gets its own, identical copy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from emulators.fixture import load_fixture
from emulators.suite import EmulatorSuite, start_emulators
from emulators.synthetic import generate_demo_fixture

# The demo emulators accept this token; it guards nothing and is not a secret.
DEMO_HUBSPOT_TOKEN = "demo-token"
DEMO_WEEKS = 52
FIXTURE_ENV = "FUNNEL_LEDGER_FIXTURE"


@dataclass(frozen=True)
class DemoEnvironment:
    suite: EmulatorSuite
    fixture_source: str

    @property
    def hubspot_url(self) -> str:
        return self.suite.urls["hubspot"]


_lock = threading.Lock()
_running: dict[tuple[str, str], DemoEnvironment] = {}


def demo_environment(fixture_path: Path | None = None, *, today: date | None = None) -> DemoEnvironment:
    """The process's demo emulators (started on first use, then reused).

    Without a fixture the synthetic portal is cut at midnight UTC today, so every run of one day sees the
    same data and a rerun appends no snapshot.
    """
    day = today or datetime.now(UTC).date()
    key = (str(fixture_path or ""), day.isoformat() if fixture_path is None else "")
    with _lock:
        if key not in _running:
            if fixture_path is not None:
                fixture = load_fixture(fixture_path)
                source = str(fixture_path)
            else:
                fixture = generate_demo_fixture(today=day, weeks=DEMO_WEEKS)
                source = f"synthetic portal, {DEMO_WEEKS} weeks to {day.isoformat()}"
            suite = start_emulators(fixture, hubspot_token=DEMO_HUBSPOT_TOKEN, hubspot_burst_limit=190)
            _running[key] = DemoEnvironment(suite=suite, fixture_source=source)
        return _running[key]


def stop_demo_environments() -> None:
    """Stop every demo emulator this process started (the next use starts fresh ones)."""
    with _lock:
        for environment in _running.values():
            environment.suite.stop()
        _running.clear()
