"""The fault-injection middleware itself: rules by path, method and ``after``; each fault kind."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests

from emulators import faults as f
from emulators.server import serve_in_thread
from emulators.suite import start_emulators


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = json.dumps({"path": environ["PATH_INFO"], "n": [1, 2, 3]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def served():
    injector = f.FaultInjector(_echo)
    server = serve_in_thread(injector)
    yield injector, server.base_url
    server.stop()


def test_rules_match_by_path_and_method_after_the_passes_they_allow(served):
    injector, url = served
    injector.rules.append(f.rule(r"^/a$", f.status(429, retry_after="7"), f.status(503), method="GET", after=1))
    assert requests.get(f"{url}/a", timeout=5).status_code == 200  # the one allowed pass
    assert requests.post(f"{url}/a", timeout=5).status_code == 200  # another method: not matched
    assert requests.get(f"{url}/b", timeout=5).status_code == 200  # another path: not matched
    first = requests.get(f"{url}/a", timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    assert first.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert requests.get(f"{url}/a", timeout=5).status_code == 503
    assert requests.get(f"{url}/a", timeout=5).json()["path"] == "/a"  # spent: the real app again
    assert (injector.requests, injector.faults_served) == (6, 2)


def test_body_faults(served):
    injector, url = served
    injector.rules.append(
        f.rule("/x", f.truncated(), f.malformed(), f.error_body({"status": "error"}), f.rewrite(lambda a: a["n"]))
    )
    full = json.dumps({"path": "/x", "n": [1, 2, 3]})
    truncated = requests.get(f"{url}/x", timeout=5)
    assert (truncated.status_code, truncated.text) == (200, full[: len(full) // 2])
    assert requests.get(f"{url}/x", timeout=5).text.startswith("<html>")
    assert requests.get(f"{url}/x", timeout=5).json() == {"status": "error"}
    assert requests.get(f"{url}/x", timeout=5).json() == [1, 2, 3]


def test_reset_and_hold(served):
    injector, url = served
    held = f.hold()
    injector.rules.append(f.rule("/r", f.reset()))
    injector.rules.append(f.rule("/h", held))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/r", timeout=5)
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(requests.get(f"{url}/h", timeout=10).status_code))
    worker.start()
    assert held.arrived.wait(5)
    assert answers == []  # still held
    held.release.set()
    worker.join(5)
    assert answers == [200]


def test_read_timeouts_only_hit_matching_urls(served):
    _, url = served
    with f.read_timeouts(1, path="/slow") as raised:
        assert requests.get(f"{url}/fast", timeout=5).status_code == 200
        with pytest.raises(requests.ReadTimeout):
            # A bare session has no retries: the injected timeout surfaces at once.
            requests.get(f"{url}/slow", timeout=5)
    assert raised == ["/slow"]


def test_start_emulators_puts_every_emulator_behind_an_injector():
    with start_emulators({}, faults={"linkedin": [f.rule("/rest/", f.status(500))]}) as suite:
        assert set(suite.faults) == {"hubspot", "linkedin", "google_ads", "ga4", "sheets", "oauth"}
        assert type(suite.app("linkedin")).__name__ == "LinkedInEmulator"
        assert requests.get(f"{suite.urls['linkedin']}/rest/adAccounts/1", timeout=5).status_code == 500
    with pytest.raises(ValueError, match="unknown emulators"):
        start_emulators({}, faults={"salesforce": []})
