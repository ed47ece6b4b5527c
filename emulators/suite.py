"""Start every emulator a fixture has data for, on loopback, and say where each one listens."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from emulators.hubspot import HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread


@dataclass
class EmulatorSuite:
    """Running emulators: ``urls`` maps a source name ("hubspot", ...) to its base URL."""

    servers: dict[str, RunningServer] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        return {name: server.base_url for name, server in self.servers.items()}

    @property
    def hubspot(self) -> HubSpotEmulator:
        app = self.servers["hubspot"].app
        assert isinstance(app, HubSpotEmulator)
        return app

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
    """Serve the fixture's parts; HubSpot is always served (empty when the fixture has no ``hubspot``)."""
    suite = EmulatorSuite()
    suite.servers["hubspot"] = serve_in_thread(
        HubSpotEmulator(
            fixture.get("hubspot", {}),
            access_token=hubspot_token,
            burst_limit=hubspot_burst_limit,
            search_per_second=hubspot_search_per_second,
        )
    )
    return suite
