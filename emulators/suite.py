"""Start every emulator on loopback, loaded with a fixture's parts, and say where each one listens."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

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
) -> EmulatorSuite:
    """Serve every emulator; a part missing from the fixture leaves that emulator empty."""
    suite = EmulatorSuite()
    oauth = GoogleOAuthEmulator()
    suite.servers["hubspot"] = serve_in_thread(
        HubSpotEmulator(
            fixture.get("hubspot", {}),
            access_token=hubspot_token,
            burst_limit=hubspot_burst_limit,
            search_per_second=hubspot_search_per_second,
        )
    )
    suite.servers["linkedin"] = serve_in_thread(LinkedInEmulator(fixture.get("linkedin")))
    suite.servers["google_ads"] = serve_in_thread(GoogleAdsEmulator(fixture.get("google_ads")))
    suite.servers["ga4"] = serve_in_thread(GA4Emulator(fixture.get("ga4"), oauth=oauth))
    suite.servers["sheets"] = serve_in_thread(SheetsEmulator(fixture.get("sheets"), oauth=oauth))
    suite.servers["oauth"] = serve_in_thread(oauth)
    return suite
