"""Secrets around the edges: credentials and query secrets in a base URL never reach an error, the terminal,
Python logging or Dagster's run storage and compute logs; a token with whitespace around it (a ``.env`` saved
with Windows line endings) works, with a warning, and one with a line break inside is named, not reported as
a network fault."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, EnvVar
from werkzeug.wrappers import Request, Response

from emulators.server import serve_in_thread
from pipelines.definitions import RANGE_END_TAG, RANGE_START_TAG, WEEKLY_JOB, build_definitions
from resources.http import ApiError, redact_url, url_host
from resources.hubspot import HubSpotResource
from resources.linkedin_ads import LinkedInAdsResource
from settings import RuntimeEnv, Settings
from tests.test_reliability_secrets import _Everything, storage_text
from tests.test_reliability_support import FIRST, LAST, SECRETS, LiveRun

PASSWORD = "SENTINEL-URL-PASSWORD"
QUERY_SECRET = "SENTINEL-URL-QUERY"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("url", "host", "redacted"),
    [
        ("https://api.hubapi.com", "api.hubapi.com", "https://api.hubapi.com"),
        (f"http://user:{PASSWORD}@127.0.0.1:8080/hubspot", "127.0.0.1:8080", "http://***@127.0.0.1:8080/hubspot"),
        (f"https://{PASSWORD}@gateway.example.com", "gateway.example.com", "https://***@gateway.example.com"),
        (
            f"https://gateway.example.com/v1?key={QUERY_SECRET}&region=eu#{PASSWORD}",
            "gateway.example.com",
            "https://gateway.example.com/v1?key=***&region=***",
        ),
        ("http://[::1]:9000/x", "[::1]:9000", "http://[::1]:9000/x"),
        ("http://host:notaport/", "host", "http://host/"),
    ],
    ids=["plain", "userinfo", "user-only", "query-and-fragment", "ipv6", "bad-port"],
)
def test_a_url_is_shown_by_host_or_with_its_secrets_masked(url: str, host: str, redacted: str):
    assert url_host(url) == host
    assert redact_url(url) == redacted


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.unit
@pytest.mark.parametrize(
    ("base", "problem"),
    [
        (f"http://user:{PASSWORD}@127.0.0.1:{{port}}", "holds credentials (user:password@ before the host)"),
        (f"http://127.0.0.1:{{port}}/hubspot?key={QUERY_SECRET}", "has a query or fragment (?… or #…)"),
    ],
    ids=["userinfo", "query"],
)
def test_a_base_url_with_secrets_set_by_hand_is_refused_and_never_echoed(base: str, problem: str):
    secret_url = base.format(port=_closed_port())
    says = f"HubSpot: HUBSPOT_BASE_URL {problem}: remove "
    # Configured by hand (a deployment's own definitions): refused when the resource is built.
    with pytest.raises(ApiError) as built:
        HubSpotResource(access_token="token", base_url=secret_url)
    # A copy that skipped validation (model_copy) sends nothing all the same.
    copy = HubSpotResource(access_token="token").model_copy(update={"base_url": secret_url})
    with pytest.raises(ApiError) as sent:
        copy.get_deal_pipelines()
    assert copy.calls.total == 0
    for caught in (built, sent):
        assert str(caught.value).startswith(says), caught.value
        assert PASSWORD not in str(caught.value) and QUERY_SECRET not in str(caught.value)


@pytest.mark.unit
def test_an_unreachable_api_is_named_by_its_host_only():
    port = _closed_port()
    hubspot = HubSpotResource(access_token="token", base_url=f"http://127.0.0.1:{port}/hubspot", max_retries=0)
    with pytest.raises(ApiError) as caught:
        hubspot.get_deal_pipelines()
    assert str(caught.value) == (
        f"HubSpot could not be reached at 127.0.0.1:{port} (ConnectionError) after 0 retries: check "
        "HUBSPOT_BASE_URL and the network"
    )


class _HeaderRecorder:
    """Answers every request with an empty page and keeps the Authorization headers it saw."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.authorizations.append(Request(environ).headers.get("Authorization", ""))
        return Response(json.dumps({"results": []}), mimetype="application/json")(environ, start_response)


@pytest.mark.unit
def test_whitespace_around_a_token_is_removed_with_one_warning(caplog: pytest.LogCaptureFixture):
    app = _HeaderRecorder()
    server = serve_in_thread(app)
    try:
        hubspot = HubSpotResource(access_token="pat-na1-abc\r\n", base_url=server.base_url)
        with caplog.at_level("WARNING"):
            hubspot.get_deal_pipelines()
            hubspot.get_properties("contacts")
    finally:
        server.stop()
    assert app.authorizations == ["Bearer pat-na1-abc", "Bearer pat-na1-abc"]
    warnings = [record.getMessage() for record in caplog.records if "HUBSPOT_ACCESS_TOKEN" in record.getMessage()]
    assert warnings == [
        "HUBSPOT_ACCESS_TOKEN has spaces or a line break around it (a .env file saved with Windows line endings?); "
        "they were removed: fix the variable to silence this warning"
    ]
    assert not any("pat-na1-abc" in record.getMessage() for record in caplog.records)


@pytest.mark.unit
def test_a_line_break_inside_a_token_is_named_and_never_echoed():
    hubspot = HubSpotResource(access_token="pat-na1-SENTINEL\nX-Injected: 1", base_url="http://127.0.0.1:9")
    with pytest.raises(ApiError) as caught:
        hubspot.get_deal_pipelines()
    assert str(caught.value) == (
        "HubSpot request not sent: a credential holds a line break or another control character; check "
        "HUBSPOT_ACCESS_TOKEN"
    )


@pytest.mark.slow
def test_a_windows_line_ending_on_the_tokens_still_runs_with_a_warning(tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", SECRETS["HUBSPOT_ACCESS_TOKEN"] + "\r")
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", " " + SECRETS["LINKEDIN_ACCESS_TOKEN"] + "\r\n")
    try:
        code, err = live.run(capsys)
    finally:
        live.stop()
    assert code == 0, err
    for name in ("HUBSPOT_ACCESS_TOKEN", "LINKEDIN_ACCESS_TOKEN"):
        assert f"{name} has spaces or a line break around it" in err
    assert SECRETS["HUBSPOT_ACCESS_TOKEN"] not in err and SECRETS["LINKEDIN_ACCESS_TOKEN"] not in err


@pytest.mark.slow
def test_credentials_in_a_base_url_stop_the_run_before_it_starts(tmp_path: Path, monkeypatch, capsys):
    home = tmp_path / "dagster_home"
    home.mkdir()
    live = LiveRun(tmp_path, monkeypatch).start()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert live.suite is not None
    monkeypatch.setenv("HUBSPOT_BASE_URL", live.suite.urls["hubspot"].replace("://", f"://user:{PASSWORD}@"))
    try:
        code, err = live.run(capsys)
        requests = sum(injector.requests for injector in live.suite.faults.values())
    finally:
        live.stop()
    assert code == 2
    assert err == (
        "funnel-ledger: HUBSPOT_BASE_URL holds credentials (user:password@ before the host): remove them; each API "
        "signs in with its own token, and an HTTP proxy's login belongs in HTTPS_PROXY\n"
    )
    assert requests == 0
    assert PASSWORD not in storage_text(home)


@pytest.mark.slow
def test_a_base_url_secret_never_reaches_the_run_storage_or_logs(tmp_path: Path, monkeypatch, capsys):
    """A deployment whose LinkedIn resource reads its base URL from the environment at run time (``EnvVar``),
    set to one with credentials and a query secret: the run fails that resource's setup with a message naming
    the variable. Searched: the terminal, every Python log record, the event log, and every file of a real
    Dagster instance with its compressed run storage (job snapshots hold resource config)."""
    import logging

    home = tmp_path / "dagster_home"
    home.mkdir()
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    secret_url = f"http://user:{PASSWORD}@127.0.0.1:{_closed_port()}/li?key={QUERY_SECRET}"
    monkeypatch.setenv("DEPLOYMENT_LINKEDIN_URL", secret_url)
    linkedin = LinkedInAdsResource(base_url=EnvVar("DEPLOYMENT_LINKEDIN_URL"))
    defs = build_definitions(Settings(), RuntimeEnv.from_environ(), source_resources={"linkedin": linkedin})
    everything = _Everything()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(everything)
    root.setLevel(logging.DEBUG)
    try:
        with DagsterInstance.get() as instance:
            result = defs.resolve_job_def(WEEKLY_JOB).execute_in_process(
                instance=instance, tags={RANGE_START_TAG: FIRST, RANGE_END_TAG: LAST}, raise_on_error=False
            )
            events = [repr(entry) for entry in instance.all_logs(result.run_id)]
    finally:
        root.removeHandler(everything)
        root.setLevel(previous)
        live.stop()
    assert not result.success
    assert any("LinkedIn Ads: LINKEDIN_BASE_URL holds credentials (user:password@" in event for event in events)
    captured = capsys.readouterr()
    stored = storage_text(home)
    assert "DEPLOYMENT_LINKEDIN_URL" in stored  # the snapshot was searched: it names the variable, not its value
    text = "\n".join([captured.out, captured.err, *events, *everything.texts, stored])
    assert PASSWORD not in text and QUERY_SECRET not in text
