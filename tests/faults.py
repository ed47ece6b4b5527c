"""Fault injection for client tests: a WSGI middleware that answers planned faults before the real app,
and a transport patch that raises read timeouts without anyone waiting for them."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ReadTimeoutError
from werkzeug.wrappers import Response


@dataclass
class Fault:
    """One planned fault: an HTTP status (with optional headers and body) or a connection reset."""

    kind: str  # "status" | "reset"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def status(code: int, *, retry_after: str | None = None, body: Any = None) -> Fault:
    return Fault("status", code, {"Retry-After": retry_after} if retry_after else {}, body)


def reset() -> Fault:
    return Fault("reset")


class FaultyApp:
    """Answers the planned faults one request at a time, then passes requests to the real app."""

    def __init__(self, app: Any, plan: Iterable[Fault] = ()) -> None:
        self.app = app
        self.plan = list(plan)
        self.requests = 0
        self.faults_served = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.requests += 1
        if not self.plan:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        fault = self.plan.pop(0)
        self.faults_served += 1
        if fault.kind == "reset":
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                # SO_LINGER 0 makes close() send RST: the client sees "connection reset by peer".
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # The server still holds file objects on this socket, so close() alone would not end the
                # connection; shutdown() acts on the connection itself.
                sock.shutdown(socket.SHUT_RDWR)
            return []
        body = fault.body if fault.body is not None else {"error": {"code": fault.status, "status": "UNAVAILABLE"}}
        response = Response(json.dumps(body), status=fault.status, headers=fault.headers, mimetype="application/json")
        return response(environ, start_response)  # type: ignore[no-any-return]


@contextmanager
def read_timeouts(count: int) -> Iterator[list[int]]:
    """The next ``count`` HTTP requests fail with a read timeout, raised at once (nothing waits)."""
    raised: list[int] = []
    real = HTTPConnectionPool._make_request

    def flaky(self: HTTPConnectionPool, *args: Any, **kwargs: Any) -> Any:
        if len(raised) < count:
            raised.append(1)
            raise ReadTimeoutError(self, "/", "Read timed out. (injected)")
        return real(self, *args, **kwargs)

    with mock.patch.object(HTTPConnectionPool, "_make_request", flaky):
        yield raised
