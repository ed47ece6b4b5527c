"""`funnel-ledger emulators serve`: the first line of output is one JSON object of base URLs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.factories import contact

pytestmark = pytest.mark.slow


def test_serve_prints_every_base_url_first_and_serves_until_stopped(tmp_path: Path):
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"hubspot": {"contacts": [contact(1, "2024-01-01T00:00:00Z")]}}))
    command = [str(Path(sys.executable).parent / "funnel-ledger"), "emulators", "serve", "--fixture", str(fixture)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        assert set(urls) == {"hubspot", "linkedin", "google_ads", "ga4", "sheets", "oauth"}
        assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
        response = requests.get(
            f"{urls['hubspot']}/crm/v3/objects/contacts", headers={"Authorization": "Bearer any"}, timeout=5
        )
        assert [r["id"] for r in response.json()["results"]] == ["1"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
