"""Run a peer extractor's console script with HubSpot's URL pointed at a local emulator.

None of the peers has a base-URL setting, so this wrapper (run by the peer's own virtualenv interpreter,
standard library and ``requests`` only) rewrites ``https://api.hubapi.com`` to the emulator in every
request ``requests`` sends, and patches the module constants that hold the URL, before the peer starts.

Usage: ``python peer_wrapper.py EMULATOR_URL CONSOLE_SCRIPT [ARGS...]``.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Any

HUBSPOT = "https://api.hubapi.com"


def main() -> None:
    """Patch ``requests`` and run the console script named in ``argv[2]`` with the remaining arguments."""
    base, script, args = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3:]
    import requests.adapters

    original = requests.adapters.HTTPAdapter.send

    def send(self: Any, request: Any, *a: Any, **kw: Any) -> Any:
        if request.url.startswith(HUBSPOT):
            request.url = base + request.url[len(HUBSPOT) :]
        return original(self, request, *a, **kw)

    requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign]
    (entry,) = [e for e in entry_points(group="console_scripts") if e.name == script]
    func = entry.load()
    module = sys.modules.get(entry.module)
    if module is not None and getattr(module, "BASE_URL", None) == HUBSPOT:
        setattr(module, "BASE_URL", base)  # noqa: B010 (Singer tap-hubspot builds its URLs from this constant)
    sys.argv = [script, *args]
    func()


if __name__ == "__main__":
    main()
