"""Fault injection for the emulators: a WSGI middleware that answers planned faults before (or instead of,
or on top of) the real emulator, per endpoint path, plus a transport patch for read timeouts.

A test describes faults as :class:`Rule` objects: a regular expression on the request path (and
optionally the method), how many matching requests pass untouched first (``after``), and the list of
:class:`Fault` objects served to the next matching requests, one each. Once a rule's faults are spent the
requests reach the emulator unchanged, so "a 5xx burst of three" is three faults in one rule.

Nothing here sleeps: a slow response is either a request held on a :class:`threading.Event` the test
controls (:func:`hold`) or a read timeout raised on the client side at once (:func:`read_timeouts`).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ReadTimeoutError
from werkzeug.wrappers import Response

Rewrite = Callable[[Any], Any]

# A held request never waits longer than this, so a test that forgets to release it still ends.
HOLD_LIMIT_S = 30.0


@dataclass
class Fault:
    """One planned fault.

    Attributes:
        kind: ``status`` (answer ``status`` with ``body``), ``reset`` (close the connection with a RST),
            ``hold`` (block until ``release`` is set, then pass through), ``truncate`` (the real answer
            cut in half), ``malformed`` (a 200 whose body is not JSON), ``rewrite`` (the real JSON answer
            passed through ``rewrite``).
        status: HTTP status for ``status`` faults.
        headers: Extra response headers (``Retry-After``).
        body: JSON body for ``status`` faults; a default Google-style error when None.
        rewrite: For ``rewrite`` faults, a function from the parsed JSON answer to the answer to send.
        arrived: Set when the fault's request arrives (tests wait on it before killing a process).
        release: For ``hold`` faults, the event that lets the request go on.
        after_release: For ``hold`` faults, what the held request gets once released: None passes it to
            the emulator (the request landed), another fault (a reset) drops it (it never landed).
    """

    kind: str
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    rewrite: Rewrite | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    after_release: Fault | None = None


def status(code: int, *, retry_after: str | None = None, body: Any = None) -> Fault:
    """An HTTP error answer (429, 5xx, 401, ...), with ``Retry-After`` when given."""
    return Fault("status", code, {"Retry-After": retry_after} if retry_after else {}, body)


def burst(code: int, count: int, *, retry_after: str | None = None) -> list[Fault]:
    """``count`` identical error answers in a row."""
    return [status(code, retry_after=retry_after) for _ in range(count)]


def reset() -> Fault:
    """The connection is reset by the server before any answer."""
    return Fault("reset")


def hold() -> Fault:
    """The request blocks until the test sets ``fault.release`` (``fault.arrived`` says it got there)."""
    return Fault("hold")


def truncated() -> Fault:
    """The real answer with its body cut in half (a 200 with broken JSON)."""
    return Fault("truncate")


def malformed() -> Fault:
    """A 200 whose body is HTML, not JSON (a proxy's error page)."""
    return Fault("malformed")


def error_body(body: Any) -> Fault:
    """A 200 carrying an error object instead of data."""
    return Fault("status", 200, body=body)


def rewrite(function: Rewrite) -> Fault:
    """The real JSON answer passed through ``function`` (schema drift, nulls, numbers as strings...)."""
    return Fault("rewrite", rewrite=function)


@dataclass
class Rule:
    """Faults for requests whose path matches ``path`` (a regex searched in the path and query string).

    Attributes:
        path: Regular expression searched in ``PATH_INFO?QUERY_STRING``.
        faults: Served one per matching request, in order; the rule is spent when empty.
        method: Only requests with this method match, when given.
        after: Matching requests passed through untouched before the first fault.
        seen: Matching requests so far (read by tests).
    """

    path: str
    faults: list[Fault]
    method: str | None = None
    after: int = 0
    seen: int = 0

    def matches(self, method: str, target: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return re.search(self.path, target) is not None


def rule(path: str, *faults: Fault | Iterable[Fault], method: str | None = None, after: int = 0) -> Rule:
    """Build a :class:`Rule`; fault arguments may be single faults or lists (from :func:`burst`)."""
    flat: list[Fault] = []
    for item in faults:
        flat.extend([item] if isinstance(item, Fault) else item)
    return Rule(path, flat, method=method, after=after)


class FaultInjector:
    """WSGI middleware: serves the planned faults of the first matching live rule, else the real app.

    Attributes:
        app: The emulator behind the faults.
        rules: The plan; tests may append rules while the server runs.
        requests: Requests seen; ``faults_served``: faults answered.
    """

    def __init__(self, app: Any, rules: Iterable[Rule] = ()) -> None:
        self.app = app
        self.rules = list(rules)
        self.requests = 0
        self.faults_served = 0
        self._lock = threading.Lock()

    def _next_fault(self, method: str, target: str) -> Fault | None:
        with self._lock:
            self.requests += 1
            for planned in self.rules:
                if not planned.faults or not planned.matches(method, target):
                    continue
                planned.seen += 1
                if planned.seen <= planned.after:
                    return None
                self.faults_served += 1
                return planned.faults.pop(0)
            return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            target = f"{target}?{environ['QUERY_STRING']}"
        fault = self._next_fault(environ.get("REQUEST_METHOD", "GET"), target)
        if fault is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        fault.arrived.set()
        if fault.kind == "reset":
            _reset_connection(environ)
            return []
        if fault.kind == "hold":
            fault.release.wait(HOLD_LIMIT_S)
            if fault.after_release is not None and fault.after_release.kind == "reset":
                _reset_connection(environ)
                return []
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        if fault.kind == "status":
            body = fault.body if fault.body is not None else _default_error(fault.status)
            answer = Response(json.dumps(body), status=fault.status, headers=fault.headers, mimetype="application/json")
            return answer(environ, start_response)  # type: ignore[no-any-return]
        if fault.kind == "malformed":
            page = Response("<html><body>502 Bad Gateway</body></html>", status=200, mimetype="application/json")
            return page(environ, start_response)  # type: ignore[no-any-return]
        code, headers, payload = _call(self.app, environ)
        if fault.kind == "truncate":
            payload = payload[: len(payload) // 2]
        elif fault.kind == "rewrite" and fault.rewrite is not None and 200 <= code < 300:
            payload = json.dumps(fault.rewrite(json.loads(payload))).encode()
        kept = [(k, v) for k, v in headers if k.lower() not in {"content-length", "content-encoding"}]
        start_response(_status_line(code), [*kept, ("Content-Length", str(len(payload)))])
        return [payload]


def _default_error(code: int) -> dict[str, Any]:
    names = {429: "RESOURCE_EXHAUSTED", 401: "UNAUTHENTICATED", 500: "INTERNAL"}
    return {"error": {"code": code, "message": "injected fault", "status": names.get(code, "UNAVAILABLE")}}


def _status_line(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def _call(app: Any, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the real app and collect its whole answer."""
    captured: dict[str, Any] = {}

    def start_response(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status_line.split(" ", 1)[0])
        captured["headers"] = list(headers)
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        payload = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], payload


def _reset_connection(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        # SO_LINGER 0 makes close() send RST: the client sees "connection reset by peer". The server still
        # holds file objects on this socket, so shutdown() is what ends the connection itself.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)


# Compatibility with the client tests' original middleware (``tests/faults.py``): one plan for every path.
class FaultyApp(FaultInjector):
    """Answers the planned faults one request at a time on any path, then passes requests to the app."""

    def __init__(self, app: Any, plan: Iterable[Fault] = ()) -> None:
        super().__init__(app, [Rule(".*", list(plan))])

    @property
    def plan(self) -> list[Fault]:
        return self.rules[0].faults

    @plan.setter
    def plan(self, faults: Iterable[Fault]) -> None:
        self.rules[0].faults = list(faults)


@contextmanager
def read_timeouts(count: int, *, path: str | None = None) -> Iterator[list[str]]:
    """The next ``count`` HTTP requests (whose URL matches ``path`` when given) fail with a read timeout,
    raised at once on the client side: a response slower than the read timeout, without anyone waiting.

    Yields:
        The URLs that timed out, in order.
    """
    raised: list[str] = []
    real = HTTPConnectionPool._make_request

    def flaky(self: HTTPConnectionPool, conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if len(raised) < count and (path is None or re.search(path, url)):
            raised.append(url)
            raise ReadTimeoutError(self, url, "Read timed out. (injected)")
        return real(self, conn, method, url, *args, **kwargs)

    with mock.patch.object(HTTPConnectionPool, "_make_request", flaky):
        yield raised
