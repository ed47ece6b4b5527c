"""The one HTTP session factory every API resource uses: timeouts, retries, pacing, secret-safe errors.

Retries are urllib3's ``Retry`` (429 and 5xx, ``Retry-After`` honoured, else capped exponential backoff
with jitter); other 4xx are fatal and surface as :class:`ApiError` with a message that names the setting
to fix. Sleeping goes through an injectable function so tests never wait for real. :func:`redact_url` and
:func:`url_host` are the one way a URL is shown in a message, a log line or run metadata.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

Sleeper = Callable[[float], None]
Clock = Callable[[], float]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds


REDACTED = "***"


def url_host(url: str) -> str:
    """``host[:port]`` of ``url``: what a message may say about where a request went.

    Never ``urlsplit(url).netloc``: that keeps ``user:password@`` when the URL carries credentials.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: say nothing of it
        port = None
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literals keep their brackets
        host = f"[{host}]"
    return f"{host}:{port}" if port is not None else host


def redact_url(url: str) -> str:
    """``url`` safe to log or store: userinfo and every query value masked, the fragment dropped.

    ``http://user:PASS@gateway:8080/hubspot?key=K`` becomes ``http://***@gateway:8080/hubspot?key=***``.
    Which query parameters are secret cannot be known, so all values are masked; their names stay to help
    whoever reads the message.
    """
    parts = urlsplit(url)
    netloc = url_host(url)
    if parts.username is not None or parts.password is not None:
        netloc = f"{REDACTED}@{netloc}"
    query = "&".join(f"{name}={REDACTED}" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class ApiError(RuntimeError):
    """A request an API refused for good (after retries); the message says what to fix.

    Attributes:
        service: which API ("HubSpot", ...).
        status: HTTP status, or None for connection failures.
        category: the API's own error category or code when it sent one.
    """

    def __init__(self, message: str, *, service: str, status: int | None, category: str | None = None):
        super().__init__(message)
        self.service = service
        self.status = status
        self.category = category


class PacedRetry(Retry):
    """``Retry`` whose waits go through an injected sleeper (tests pass a fake; production ``time.sleep``)."""

    def __init__(self, *args: Any, sleeper: Sleeper = time.sleep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleeper = sleeper

    def new(self, **kw: Any) -> PacedRetry:
        retry = super().new(**kw)
        retry.sleeper = self.sleeper
        return retry

    def get_backoff_time(self) -> float:
        # urllib3 retries the first failure at once; against a rate limit that only earns a second 429,
        # so every retry here waits: factor x 1, 2, 4, ... (+ jitter), capped.
        errors = len(self.history)
        if errors == 0:
            return 0.0
        backoff = self.backoff_factor * (2 ** (errors - 1)) + random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, backoff)))

    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            self.sleeper(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            self.sleeper(backoff)


def build_session(
    *,
    max_retries: int = 5,
    backoff_factor: float = 1.0,
    backoff_max: float = 60.0,
    retry_after_max: float = 120.0,
    sleeper: Sleeper = time.sleep,
    user_agent: str = "funnel-ledger/0.1",
    session: requests.Session | None = None,
) -> requests.Session:
    """Create a ``requests.Session`` with retries on 429 and 5xx for every method the pipeline uses.

    POST is retried too: every POST this project sends is a read (HubSpot search, GA4 reports, GAQL),
    so repeating it is safe.

    Args:
        max_retries: attempts after the first one before the response is handed back as final.
        backoff_factor: base of the exponential backoff used when no ``Retry-After`` is sent.
        backoff_max: cap of one backoff wait, seconds.
        retry_after_max: cap of one ``Retry-After`` wait, seconds (a server asking for longer fails).
        sleeper: function used to wait; tests inject a recorder.
        user_agent: ``User-Agent`` header.
        session: An existing session (or subclass) to configure instead of a new one.
    """
    retry = PacedRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=frozenset({"GET", "POST", "PUT", "DELETE"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        backoff_jitter=0.25 * backoff_factor,
        retry_after_max=retry_after_max,
        respect_retry_after_header=True,
        raise_on_status=False,
        sleeper=sleeper,
    )
    session = session if session is not None else requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


class RateLimiter:
    """Client-side pacing: at most ``limit`` calls in any rolling ``window_s`` seconds.

    Staying under an API's published limit is cheaper than bouncing off it: a 429 costs a request and
    a wait. A ``limit`` of 0 disables pacing.
    """

    def __init__(self, limit: int, window_s: float, *, clock: Clock = time.monotonic, sleeper: Sleeper = time.sleep):
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleeper = sleeper
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more call fits in the window, then record it."""
        if self.limit <= 0:
            return
        with self._lock:
            while True:
                now = self._clock()
                while self._calls and now - self._calls[0] >= self.window_s:
                    self._calls.popleft()
                if len(self._calls) < self.limit:
                    self._calls.append(now)
                    return
                self._sleeper(self._calls[0] + self.window_s - now)


class ConcurrencyLimit:
    """At most ``limit`` calls in flight at once (a limit of 0 bounds nothing).

    For quotas on concurrent requests (GA4: 10 per property), which are not rates: a client that waits for
    each answer is never over them, however fast the answers come, so pacing it by the second would only
    add waits. Across processes, the Dagster pool of the source keeps the runs' requests apart.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit) if limit > 0 else None

    def __enter__(self) -> None:
        if self._slots is not None:
            self._slots.acquire()

    def __exit__(self, *exc: object) -> None:
        if self._slots is not None:
            self._slots.release()
