"""What every API resource shares: the retrying session, client-side pacing, call counts, reachability errors."""

from __future__ import annotations

import time
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import requests
from dagster import ConfigurableResource
from pydantic import PrivateAttr

from resources.http import DEFAULT_TIMEOUT, ApiError, Clock, RateLimiter, Sleeper, build_session


class CallCounter:
    """API calls made, by endpoint; shown in run metadata and asserted by tests."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, endpoint: str) -> None:
        self.counts[endpoint] = self.counts.get(endpoint, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ApiResource(ConfigurableResource):
    """Base of the API resources: one session per resource instance, built by the shared factory."""

    max_retries: int = 5
    connect_timeout_s: float = DEFAULT_TIMEOUT[0]
    read_timeout_s: float = DEFAULT_TIMEOUT[1]

    _session: requests.Session | None = PrivateAttr(default=None)
    _calls: CallCounter = PrivateAttr(default_factory=CallCounter)
    _clock: Clock = PrivateAttr(default=time.monotonic)
    _sleeper: Sleeper = PrivateAttr(default=time.sleep)
    _limiters: dict[str, RateLimiter] = PrivateAttr(default_factory=dict)

    # Subclasses name themselves and the variable that sets their base URL, for error messages.
    service_name: ClassVar[str] = "API"
    base_url_env: ClassVar[str] = ""

    def with_clock(self, *, clock: Clock, sleeper: Sleeper) -> Self:
        """Use an injected clock and sleeper for pacing and retries (tests never wait for real)."""
        self._clock = clock
        self._sleeper = sleeper
        self._session = None
        self._limiters = {}
        return self

    @property
    def calls(self) -> CallCounter:
        return self._calls

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = build_session(max_retries=self.max_retries, sleeper=self._sleeper)
        return self._session

    def limiter(self, name: str, limit: int, window_s: float) -> RateLimiter:
        """A named client-side rate limiter shared by this resource's calls."""
        if name not in self._limiters:
            self._limiters[name] = RateLimiter(limit, window_s, clock=self._clock, sleeper=self._sleeper)
        return self._limiters[name]

    def send(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        limiter: RateLimiter | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One HTTP call through the retrying session; connection failures become :class:`ApiError`."""
        if limiter is not None:
            limiter.acquire()
        self._calls.add(endpoint)
        try:
            return self.session.request(method, url, timeout=(self.connect_timeout_s, self.read_timeout_s), **kwargs)
        except requests.RequestException as error:
            # Exception texts can carry URLs with query strings; keep only the host and the error class.
            host = urlsplit(url).netloc
            where = f"check {self.base_url_env} and the network" if self.base_url_env else "check the network"
            raise ApiError(
                f"{self.service_name} could not be reached at {host} ({type(error).__name__}) after "
                f"{self.max_retries} retries: {where}",
                service=self.service_name,
                status=None,
            ) from None


def json_body(response: requests.Response) -> Any:
    """The parsed JSON body, or None when the body is not JSON (error pages, truncated bodies).

    None rather than ``{}``: an empty object reads as an empty page, so a 200 whose body was cut off
    would silently lose that page's rows; callers refuse anything that is not the shape they expect.
    """
    try:
        return response.json()
    except ValueError:
        return None
