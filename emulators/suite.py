"""Start every emulator on loopback, loaded with a fixture's parts, and say where each one listens.

Used by the demo, ``funnel-ledger emulators serve``, benchmarks and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Any

from emulators.faults import FaultInjector, Rule
from emulators.ga4 import GA4Emulator
from emulators.google_ads import GoogleAdsEmulator
from emulators.google_oauth import GoogleOAuthEmulator
from emulators.hubspot import HubSpotEmulator
from emulators.linkedin import LinkedInEmulator
from emulators.server import RunningServer, serve_in_thread
from emulators.sheets import SheetsEmulator


@dataclass
class EmulatorSuite:
    """Running emulators: ``urls`` maps a name (hubspot, linkedin, google_ads, ga4, sheets, oauth) to its URL."""

    servers: dict[str, RunningServer] = field(default_factory=dict)
    faults: dict[str, FaultInjector] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        return {name: server.base_url for name, server in self.servers.items()}

    def app(self, name: str) -> Any:
        return self.servers[name].app

    @property
    def hubspot(self) -> HubSpotEmulator:
        app = self.app("hubspot")
        assert isinstance(app, HubSpotEmulator)
        return app

    @property
    def token_url(self) -> str:
        return f"{self.urls['oauth']}/token"

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> EmulatorSuite:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_emulators(
    fixture: dict[str, Any],
    *,
    hubspot_token: str | None = None,
    hubspot_burst_limit: int = 100,
    hubspot_search_per_second: int = 5,
    faults: Mapping[str, Iterable[Rule]] | None = None,
    today: Callable[[], date] | None = None,
) -> EmulatorSuite:
    """Serve every emulator; a part missing from the fixture leaves that emulator empty.

    Args:
        fixture: The fixture's parts by emulator name.
        hubspot_token: The token the HubSpot emulator accepts (any when None).
        hubspot_burst_limit: HubSpot's per-10-seconds limit (0: none).
        hubspot_search_per_second: HubSpot's search limit per second (0: none).
        faults: Fault rules by emulator name (hubspot, linkedin, google_ads, ga4, sheets, oauth); every
            emulator sits behind a :class:`~emulators.faults.FaultInjector` (``suite.faults[name]``), so a
            test may also add rules while the suite runs. ``suite.app(name)`` stays the emulator itself.
        today: The date clock of the emulators whose APIs have versions on a calendar (LinkedIn, Google
            Ads): they serve only the versions live on its day. Default: today's UTC date.
    """
    suite = EmulatorSuite()
    oauth = GoogleOAuthEmulator()
    apps: dict[str, Any] = {
        "hubspot": HubSpotEmulator(
            fixture.get("hubspot", {}),
            access_token=hubspot_token,
            burst_limit=hubspot_burst_limit,
            search_per_second=hubspot_search_per_second,
        ),
        "linkedin": LinkedInEmulator(fixture.get("linkedin"), calendar_today=today),
        "google_ads": GoogleAdsEmulator(fixture.get("google_ads"), calendar_today=today),
        "ga4": GA4Emulator(fixture.get("ga4"), oauth=oauth),
        "sheets": SheetsEmulator(fixture.get("sheets"), oauth=oauth),
        "oauth": oauth,
    }
    planned = dict(faults or {})
    unknown = set(planned) - set(apps)
    if unknown:
        raise ValueError(f"faults for unknown emulators: {sorted(unknown)}; known: {sorted(apps)}")
    for name, app in apps.items():
        injector = FaultInjector(app, planned.get(name, ()))
        server = serve_in_thread(injector)
        # Callers reach the emulator object (request counts, state) through ``app``, not the middleware.
        server.app = app
        suite.servers[name] = server
        suite.faults[name] = injector
    return suite
