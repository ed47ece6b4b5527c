"""Serve any WSGI app on loopback in a background thread, plus request counting for emulators.

Every emulator (HubSpot, LinkedIn Ads, Google Ads, GA4, Sheets) is a plain WSGI app; tests, the demo and
``funnel-ledger emulators serve`` start them through :func:`serve_in_thread`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger(__name__)

__all__ = ["RequestCounter", "RunningServer", "json_response", "serve_in_thread"]


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler that logs at DEBUG instead of printing one line per request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s -> %s", self.command, self.path.split("?", 1)[0], code)


class RunningServer:
    """A WSGI server running in a daemon thread; stop it with :meth:`stop` or use it as a context manager.

    Attributes:
        app: The WSGI application being served.
        host: The bound host.
        port: The bound port (the real one when 0 was requested).
        base_url: ``http://HOST:PORT`` without a trailing slash.
    """

    def __init__(self, server: BaseWSGIServer, app: WSGIApplication) -> None:
        """Wrap an already-bound server and start serving it.

        Args:
            server: A bound werkzeug server (from ``make_server``).
            app: The WSGI app it serves (kept for callers that want to reach the emulator object).
        """
        self._server = server
        self.app = app
        self.host: str = str(server.server_address[0])
        self.port: int = server.server_port
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"emulator-{self.port}", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._stopped = False
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer(base_url={self.base_url!r})"


def serve_in_thread(
    app: WSGIApplication, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> RunningServer:
    """Serve ``app`` with werkzeug's threaded server in a background thread.

    Args:
        app: Any WSGI application (an emulator instance).
        host: Interface to bind; loopback by default so nothing is exposed to the network.
        port: Port to bind; 0 picks a free one (read it back from ``RunningServer.base_url``).
        quiet: Log each request at DEBUG instead of writing an access-log line to stderr.

    Returns:
        The running server; call ``stop()`` or use ``with serve_in_thread(app) as srv: ...``.
    """
    handler = _QuietRequestHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    return RunningServer(server, app)


class RequestCounter:
    """Thread-safe per-endpoint request counter that emulators inherit.

    ``request_counts`` maps an endpoint name (``"contacts.list"``, ``"pipelines"``…) to the number of
    requests received for it, rejected ones (401, 429, 400) included, because what tests and benchmarks
    care about is how many calls a client made. ``status_counts`` keys ``(endpoint, http_status)``.
    Read them through :meth:`counts` / :meth:`counts_by_status` (copies taken under the lock).
    """

    def __init__(self) -> None:
        """Initialise empty counters."""
        self.request_counts: Counter[str] = Counter()
        self.status_counts: Counter[tuple[str, int]] = Counter()
        self._counts_lock = threading.Lock()

    def _count(self, endpoint: str, status: int | None = None) -> None:
        """Increment the counters for one request (``status`` may be recorded later via ``_count_status``)."""
        with self._counts_lock:
            self.request_counts[endpoint] += 1
            if status is not None:
                self.status_counts[(endpoint, status)] += 1

    def _count_status(self, endpoint: str, status: int) -> None:
        with self._counts_lock:
            self.status_counts[(endpoint, status)] += 1

    def counts(self) -> Counter[str]:
        """Return a snapshot copy of ``request_counts``."""
        with self._counts_lock:
            return Counter(self.request_counts)

    def counts_by_status(self) -> Counter[tuple[str, int]]:
        """Return a snapshot copy of ``status_counts``."""
        with self._counts_lock:
            return Counter(self.status_counts)

    def total_requests(self) -> int:
        """Return the number of requests received across all endpoints."""
        with self._counts_lock:
            return sum(self.request_counts.values())

    def reset_counts(self) -> None:
        """Zero every counter."""
        with self._counts_lock:
            self.request_counts.clear()
            self.status_counts.clear()


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """Build a JSON werkzeug response (compact separators, UTF-8).

    Args:
        body: Any JSON-serialisable value.
        status: HTTP status code.
        headers: Extra response headers.

    Returns:
        The response object.
    """
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(payload, status=status, headers=dict(headers or {}), content_type="application/json")
