"""What every API resource shares: the retrying session, client-side pacing, call counts, reachability errors.

Also where credentials read from the environment are cleaned (:meth:`ApiResource.clean_secret`) and where a
request's URL is reduced to its host before an error can carry it.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import requests
from dagster import ConfigurableResource, get_dagster_logger
from pydantic import PrivateAttr, model_validator

from resources.http import (
    DEFAULT_TIMEOUT,
    ApiError,
    Clock,
    ConcurrencyLimit,
    RateLimiter,
    Sleeper,
    build_session,
    url_host,
)
from settings import base_url_problem


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
    _in_flight: dict[str, ConcurrencyLimit] = PrivateAttr(default_factory=dict)
    _warned: set[str] = PrivateAttr(default_factory=set)

    # Subclasses name themselves, the variable that sets their base URL and the variables holding their
    # credentials, for error messages.
    service_name: ClassVar[str] = "API"
    base_url_env: ClassVar[str] = ""
    credential_envs: ClassVar[tuple[str, ...]] = ()

    def clean_secret(self, name: str, value: str) -> str:
        """``value`` without surrounding whitespace; says so once (never showing the value) when there was any.

        A token copied with a trailing newline, or read from a ``.env`` saved with Windows line endings
        (``\r``), is otherwise refused by requests as an invalid header, which reads like a network fault.
        """
        cleaned = value.strip()
        if cleaned != value and name not in self._warned:
            self._warned.add(name)
            get_dagster_logger("funnel_ledger").warning(
                f"{name} has spaces or a line break around it (a .env file saved with Windows line endings?); "
                "they were removed: fix the variable to silence this warning"
            )
        return cleaned

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

    @model_validator(mode="after")
    def _base_url_without_secrets(self) -> Self:
        self._refuse_secrets_in_base_url()
        return self

    def _refuse_secrets_in_base_url(self) -> None:
        """No resource with credentials or a query in its base URL, whoever configures it.

        ``RuntimeEnv`` refuses those in the environment already; this covers a resource configured by hand (a
        deployment's own definitions, the launchpad). Refused here, the value never reaches Dagster's job
        snapshot in the run storage, urllib3's request log (it logs the query), or requests (which would send
        the credentials instead of the token). The error is an :class:`ApiError`, not a ``ValueError``, so
        pydantic passes it on as it is instead of quoting the value in a ``ValidationError``.
        """
        base = getattr(self, "base_url", None)
        if not isinstance(base, str):
            return
        parts = urlsplit(base)
        # Only what can hold a secret: before Dagster resolves an EnvVar, the field holds the variable's name.
        if parts.username is None and parts.password is None and not parts.query and not parts.fragment:
            return
        problem = base_url_problem(base, "https://…") or "holds credentials or a query: remove them"
        name = self.base_url_env or f"the {self.service_name} base URL"
        raise ApiError(f"{self.service_name}: {name} {problem}", service=self.service_name, status=None)

    def limiter(self, name: str, limit: int, window_s: float) -> RateLimiter:
        """A named client-side rate limiter shared by this resource's calls."""
        if name not in self._limiters:
            self._limiters[name] = RateLimiter(limit, window_s, clock=self._clock, sleeper=self._sleeper)
        return self._limiters[name]

    def concurrency(self, name: str, limit: int) -> ConcurrencyLimit:
        """A named bound on this resource's calls in flight at once."""
        if name not in self._in_flight:
            self._in_flight[name] = ConcurrencyLimit(limit)
        return self._in_flight[name]

    def send(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        limiter: RateLimiter | None = None,
        concurrency: ConcurrencyLimit | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One HTTP call through the retrying session; connection failures become :class:`ApiError`."""
        self._refuse_secrets_in_base_url()  # a copy made with model_copy(update=...) skipped validation
        if limiter is not None:
            limiter.acquire()
        self._calls.add(endpoint)
        try:
            timeout = (self.connect_timeout_s, self.read_timeout_s)
            with concurrency if concurrency is not None else nullcontext():
                return self.session.request(method, url, timeout=timeout, **kwargs)
        except requests.exceptions.InvalidHeader:
            # requests' own message quotes the header value, i.e. the token: never pass it on.
            names = " and ".join(self.credential_envs) or "the credentials"
            raise ApiError(
                f"{self.service_name} request not sent: a credential holds a line break or another control "
                f"character; check {names}",
                service=self.service_name,
                status=None,
            ) from None
        except requests.RequestException as error:
            # Exception texts can carry URLs with credentials or query strings; keep the host and the class.
            host = url_host(url)
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
