"""Local, faithful emulator of the HubSpot CRM API; the implementation is in :mod:`emulators.hubspot.store`.

Started by :mod:`emulators.suite`, tests and benchmarks; :mod:`emulators.hubspot.peers` adds the endpoints
open-source extractors call.
"""

from emulators.hubspot.store import DEFAULT_LIFECYCLE_STAGES, DEFAULT_LIST_PROPERTIES, HubSpotEmulator

__all__ = [
    "DEFAULT_LIFECYCLE_STAGES",
    "DEFAULT_LIST_PROPERTIES",
    "HubSpotEmulator",
]
