"""The shared session factory: a flake matrix with exact call counts, Retry-After, fatal 4xx, pacing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable

import pytest
from werkzeug.wrappers import Request, Response

from emulators.server import serve_in_thread
from resources.http import ApiError, ConcurrencyLimit, RateLimiter, build_session
from resources.hubspot import HubSpotResource
from tests.conftest import FakeClock


class FlakyApp:
    """Answers ``failures`` times with ``status`` (optionally with Retry-After), then 200."""

    def __init__(self, failures: int, status: int, retry_after: str | None = None) -> None:
        self.failures = failures
        self.status = status
        self.retry_after = retry_after
        self.calls = 0

    def __call__(self, environ, start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
        Request(environ)
        self.calls += 1
        if self.calls <= self.failures:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            body = {"status": "error", "message": "try later", "category": "RATE_LIMITS"}
            response = Response(json.dumps(body), status=self.status, headers=headers, mimetype="application/json")
        else:
            response = Response(json.dumps({"results": []}), mimetype="application/json")
        return response(environ, start_response)


@pytest.mark.parametrize(
    ("failures", "status", "max_retries", "expected_calls", "succeeds"),
    [
        (0, 503, 3, 1, True),
        (1, 503, 3, 2, True),
        (3, 503, 3, 4, True),
        (4, 503, 3, 4, False),
        (2, 429, 5, 3, True),
        (2, 500, 0, 1, False),
    ],
)
def test_flake_matrix_makes_exactly_the_expected_calls(failures, status, max_retries, expected_calls, succeeds):
    clock = FakeClock()
    app = FlakyApp(failures, status)
    with serve_in_thread(app) as server:
        session = build_session(max_retries=max_retries, backoff_factor=0.5, sleeper=clock.sleep)
        response = session.get(f"{server.base_url}/x", timeout=5)
    assert app.calls == expected_calls
    assert (response.status_code == 200) is succeeds
    # Every retry waited (on the fake clock), with backoff growing and never above the cap.
    assert len(clock.sleeps) == expected_calls - 1
    assert all(0 < s <= 60 for s in clock.sleeps)


def test_retry_after_header_is_honoured():
    clock = FakeClock()
    app = FlakyApp(2, 429, retry_after="7")
    with serve_in_thread(app) as server:
        session = build_session(max_retries=5, sleeper=clock.sleep)
        response = session.post(f"{server.base_url}/search", json={}, timeout=5)
    assert response.status_code == 200
    assert clock.sleeps == [7.0, 7.0]


def test_client_error_is_fatal_and_names_the_setting_without_leaking_the_token():
    clock = FakeClock()
    app = FlakyApp(99, 401)
    token = "pat-na1-sentinel-secret-token"
    with serve_in_thread(app) as server:
        hubspot = HubSpotResource(access_token=token, base_url=server.base_url).with_clock(
            clock=clock, sleeper=clock.sleep
        )
        with pytest.raises(ApiError) as caught:
            hubspot.get_deal_pipelines()
    assert app.calls == 1  # 401 is not retried
    message = str(caught.value)
    assert "HUBSPOT_ACCESS_TOKEN" in message and "401" in message
    assert token not in message and token not in repr(caught.value.args)


def test_rate_limiter_paces_to_the_window():
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(3, 1.0, clock=clock, sleeper=clock.sleep)
    stamps = []
    for _ in range(7):
        limiter.acquire()
        stamps.append(clock.now)
    assert stamps == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0]
    # Any rolling second holds at most three calls.
    assert all(sum(1 for t in stamps if start <= t < start + 1.0) <= 3 for start in stamps)


def test_a_concurrency_limit_bounds_calls_in_flight_not_their_rate() -> None:
    limit = ConcurrencyLimit(2)
    inside = threading.Semaphore(0)
    release = threading.Event()

    def call() -> None:
        with limit:
            inside.release()
            release.wait()

    holders = [threading.Thread(target=call) for _ in range(2)]
    for thread in holders:
        thread.start()
    for _ in holders:
        inside.acquire()  # both calls are in flight
    assert limit._slots is not None and not limit._slots.acquire(blocking=False)  # a third waits
    release.set()
    for thread in holders:
        thread.join()
    # Sequential calls never wait, however many and however fast.
    for _ in range(100):
        with limit:
            pass
    assert limit._slots.acquire(blocking=False)
