"""The run lease: one run at a time writes the warehouse and the tracker.

Taken by :class:`RunLeaseResource` when a run starts (Dagster sets resources up before the run's first step,
so before anything is read or written) and released when the run ends. The lease lives in the warehouse,
so it binds every run that writes there: ``funnel-ledger run``/``backfill``/``demo`` in a terminal, and runs
launched by the Dagster daemon (schedule, UI, backfills), whatever machine they run on.

- PostgreSQL: ``pg_try_advisory_lock`` on a connection held open for the whole run. The server drops the
  lock the moment that connection closes, so a killed run frees it at once. A row of ``run_lease`` names
  the holder, so a waiting run can say which run it waits for.
- SQLite: the ``run_lease`` row itself is the lock, taken with a compare-and-set ``UPDATE``; the holder
  refreshes its heartbeat every 30 s. A holder on the same machine whose process is gone is stale at once;
  one on another machine when its heartbeat is older than five minutes.

A run that finds the lease held waits up to ``FUNNEL_LEDGER_LEASE_WAIT_SECONDS`` (default 30 minutes),
logging which run it waits for, then stops with one line naming that run. Clocks and waits are injected
(:class:`LeaseTiming`), so tests never sleep.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from resources.migrations import connect, upgrade_to_head
from resources.warehouse import metadata, run_lease
from settings import SettingsError

LEASE_WAIT_ENV = "FUNNEL_LEDGER_LEASE_WAIT_SECONDS"
DEFAULT_WAIT_S = 30 * 60.0  # a weekly run takes minutes and a 3-year backfill well under half an hour
HEARTBEAT_EVERY_S = 30.0
EXPIRES_AFTER_S = 300.0  # a SQLite holder on another machine that has not beaten for this long is gone
POLL_EVERY_S = 5.0
LEASE_NAME = "writer"
# One advisory lock key per database: a stable 63-bit number derived from the project's name.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"funnel-ledger run lease").digest()[:8], "big") >> 1


class RunLeaseHeldError(RuntimeError):
    """Another run held the lease for longer than this run would wait; nothing was written."""


@dataclass(frozen=True)
class LeaseTiming:
    """Where the lease reads the time and how it waits (tests replace both; nothing sleeps for real)."""

    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


#: The timing every :class:`RunLeaseResource` uses; tests swap it with ``monkeypatch.setattr``.
DEFAULT_TIMING = LeaseTiming()


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds the lease, as its row says."""

    run_id: str
    host: str
    pid: int
    acquired_at_ms: int
    heartbeat_at_ms: int

    def describe(self, now_s: float) -> str:
        started = datetime.fromtimestamp(self.acquired_at_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        seen = max(0, round(now_s - self.heartbeat_at_ms / 1000))
        return f"run {self.run_id} on {self.host} (pid {self.pid}), holding it since {started}, last seen {seen} s ago"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 checks without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return True  # cannot tell: assume alive, the heartbeat decides
    return True


def lease_wait_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How long a run waits for the lease: ``FUNNEL_LEDGER_LEASE_WAIT_SECONDS``, default 30 minutes.

    Raises:
        SettingsError: The value is not a number of seconds from 0 up.
    """
    env = os.environ if environ is None else environ
    raw = env.get(LEASE_WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SettingsError(
            f"{LEASE_WAIT_ENV}={raw!r}: must be a number of seconds from 0 up (0 = stop at once when another run "
            "holds the warehouse)"
        )
    return seconds


class RunLease:
    """The lease of one run on one warehouse.

    Args:
        engine: The warehouse.
        run_id: The run taking the lease.
        timing: Clock and wait.
        host: This machine's name (default: the real one).
        pid: This process (default: the real one).
        alive: Tells whether a process of this machine still runs (default :func:`process_alive`).
        expires_after_s: SQLite: a holder on another machine silent for this long is gone.
        poll_every_s: How often a waiting run tries again.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        run_id: str,
        timing: LeaseTiming = DEFAULT_TIMING,
        host: str | None = None,
        pid: int | None = None,
        alive: Callable[[int], bool] = process_alive,
        expires_after_s: float = EXPIRES_AFTER_S,
        poll_every_s: float = POLL_EVERY_S,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.timing = timing
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.alive = alive
        self.expires_after_s = expires_after_s
        self.poll_every_s = poll_every_s
        self.held = False
        self._session: Connection | None = None  # PostgreSQL: the connection holding the advisory lock
        self._beats: threading.Thread | None = None
        self._stop_beats = threading.Event()
        # The lease table comes with the warehouse's schema (revision 0003): the database is migrated first.
        upgrade_to_head(engine, metadata)

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _now_ms(self) -> int:
        return int(self.timing.clock() * 1000)

    # --- reading -----------------------------------------------------------------------------------

    def holder(self) -> LeaseHolder | None:
        """The lease's row, or None when nobody has it."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(run_lease).where(run_lease.c.name == LEASE_NAME)).mappings().first()
        if row is None:
            return None
        return LeaseHolder(
            str(row["run_id"]),
            str(row["host"]),
            int(row["pid"]),
            int(row["acquired_at_ms"]),
            int(row["heartbeat_at_ms"]),
        )

    def holder_or_unknown(self) -> LeaseHolder:
        """The holder, or a placeholder when the row cannot be read right now."""
        try:
            holder = self.holder()
        except sa.exc.OperationalError:
            holder = None
        now = self._now_ms()
        return holder or LeaseHolder("(unknown)", "?", 0, now, now)

    def _stale(self, holder: LeaseHolder) -> bool:
        if holder.run_id == self.run_id:
            return True  # our own run (a step process set up again): take it over
        if holder.host == self.host and not self.alive(holder.pid):
            return True
        return self._now_ms() - holder.heartbeat_at_ms > self.expires_after_s * 1000

    # --- taking and giving back --------------------------------------------------------------------

    def try_acquire(self) -> LeaseHolder | None:
        """Take the lease if it is free; returns None when taken, else who holds it."""
        if self.postgres:
            return self._try_advisory()
        return self._try_row()

    def _row_values(self) -> dict[str, object]:
        now = self._now_ms()
        return {
            "run_id": self.run_id,
            "host": self.host[:255],
            "pid": self.pid,
            "acquired_at_ms": now,
            "heartbeat_at_ms": now,
        }

    def _try_row(self) -> LeaseHolder | None:
        holder = self.holder()
        values = self._row_values()
        with self.engine.begin() as conn:
            if holder is None:
                try:
                    conn.execute(sa.insert(run_lease).values(name=LEASE_NAME, **values))
                except sa.exc.IntegrityError:
                    return self.holder()  # another run inserted it first
            else:
                if not self._stale(holder):
                    return holder
                # Compare-and-set: only if the row is still the one judged stale.
                taken = conn.execute(
                    sa.update(run_lease)
                    .where(
                        run_lease.c.name == LEASE_NAME,
                        run_lease.c.run_id == holder.run_id,
                        run_lease.c.heartbeat_at_ms == holder.heartbeat_at_ms,
                    )
                    .values(**values)
                )
                if taken.rowcount != 1:
                    return self.holder()
        self.held = True
        return None

    def _try_advisory(self) -> LeaseHolder | None:
        if self._session is None:
            self._session = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = self._session.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        if not got:
            return self.holder_or_unknown()
        # The row only says who holds the lock; a killed holder's row is simply overwritten.
        statement = postgresql.insert(run_lease).values(name=LEASE_NAME, **self._row_values())
        excluded = {name: statement.excluded[name] for name in self._row_values()}
        self._session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=excluded))
        self.held = True
        return None

    def acquire(self, wait_s: float, log: Callable[[str], None]) -> None:
        """Take the lease, waiting up to ``wait_s`` seconds while another run holds it.

        Raises:
            RunLeaseHeldError: Still held after ``wait_s``; one line naming the holder.
        """
        started = self.timing.clock()
        deadline = started + wait_s
        announced: str | None = None
        while True:
            try:
                holder = self.try_acquire()
            except sa.exc.OperationalError:
                # SQLite answers "database is locked" while the holder commits a long write: still held.
                if self.postgres:
                    raise
                holder = self.holder_or_unknown()
            now = self.timing.clock()
            if holder is None:
                if announced is not None:
                    log(f"run lease taken after waiting {round(now - started)} s for {announced}")
                return
            if announced != holder.run_id:
                announced = holder.run_id
                log(
                    f"waiting up to {round(wait_s)} s for the run lease: the warehouse is being written by "
                    f"{holder.describe(now)}"
                )
            if now >= deadline:
                self.close()
                raise RunLeaseHeldError(
                    f"another run is writing this warehouse: {holder.describe(now)}; this run waited "
                    f"{round(now - started)} s and stopped before writing anything -- rerun when that run has "
                    f"finished, or set {LEASE_WAIT_ENV} to wait longer"
                )
            self.timing.sleep(min(self.poll_every_s, max(deadline - now, 0.0)))

    def beat(self) -> None:
        """Refresh the heartbeat (SQLite; on PostgreSQL it only shows when the holder was last seen)."""
        if not self.held:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(run_lease)
                .where(run_lease.c.name == LEASE_NAME, run_lease.c.run_id == self.run_id)
                .values(heartbeat_at_ms=self._now_ms())
            )

    def start_heartbeat(self, every_s: float = HEARTBEAT_EVERY_S) -> None:
        """Beat in a background thread until :meth:`release` (a real-time wait: only the heartbeat waits)."""

        def run() -> None:
            while not self._stop_beats.wait(every_s):
                # A busy SQLite file (a long write) only delays a beat; the next one catches up.
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    self.beat()

        self._beats = threading.Thread(target=run, name=f"run-lease-{self.run_id[:8]}", daemon=True)
        self._beats.start()

    def release(self) -> None:
        """Give the lease back (only ours: a row another run took over is left alone)."""
        self._stop_beats.set()
        if self._beats is not None:
            self._beats.join(timeout=10)
            self._beats = None
        if self.held:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        sa.delete(run_lease).where(run_lease.c.name == LEASE_NAME, run_lease.c.run_id == self.run_id)
                    )
                if self._session is not None:
                    self._session.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            finally:
                self.held = False
        self.close()

    def close(self) -> None:
        if self._session is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._session.close()  # closing the session frees an advisory lock still held
            self._session = None


class RunLeaseResource(ConfigurableResource):
    """The warehouse's run lease, held from the run's start to its end (see the module docstring).

    Attributes:
        url: The warehouse (``WAREHOUSE_URL``).
        wait_seconds: How long to wait while another run holds the lease before stopping.
    """

    url: str = "sqlite:///.data/warehouse.db"
    wait_seconds: float = DEFAULT_WAIT_S

    _lease: RunLease | None = PrivateAttr(default=None)
    _engine: Engine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._engine = connect(self.url)
        run_id = context.run_id or "(no run)"
        log = context.log.info if context.log is not None else (lambda _message: None)
        lease = RunLease(self._engine, run_id=run_id, timing=DEFAULT_TIMING)
        try:
            lease.acquire(self.wait_seconds, log)
        except BaseException:
            self._engine.dispose()
            raise
        if not lease.postgres:
            lease.start_heartbeat()
        self._lease = lease

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
