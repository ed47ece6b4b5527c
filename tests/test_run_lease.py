"""The run lease on SQLite and PostgreSQL: one holder, a bounded wait that names the holder, and a killed
holder's lease freed (at once on the same machine or on PostgreSQL, after the heartbeat expires elsewhere).
Clocks and waits are injected: nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from resources.run_lease import (
    DEFAULT_WAIT_S,
    EXPIRES_AFTER_S,
    LEASE_WAIT_ENV,
    LeaseTiming,
    RunLease,
    RunLeaseHeldError,
    lease_wait_seconds,
    run_lease,
)
from settings import SettingsError
from tests.conftest import FakeClock


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(warehouse_url)
    yield engine
    engine.dispose()


def _lease(engine: sa.Engine, clock: FakeClock, run_id: str, **kwargs: object) -> RunLease:
    options: dict[str, object] = {"host": "box-a", "pid": 100, "alive": lambda pid: True}
    options.update(kwargs)
    return RunLease(engine, run_id=run_id, timing=LeaseTiming(clock, clock.sleep), **options)  # type: ignore[arg-type]


def test_a_second_run_stops_naming_the_run_that_holds_the_lease(engine, clock: FakeClock):
    first = _lease(engine, clock, "run-one")
    first.acquire(0, print)
    second = _lease(engine, clock, "run-two", pid=200)
    try:
        logged: list[str] = []
        with pytest.raises(RunLeaseHeldError) as stopped:
            second.acquire(60, logged.append)
        message = str(stopped.value)
        assert "\n" not in message
        assert "run run-one on box-a (pid 100)" in message
        assert "waited 60 s and stopped before writing anything" in message
        assert LEASE_WAIT_ENV in message
        assert logged == [
            "waiting up to 60 s for the run lease: the warehouse is being written by run run-one on box-a "
            "(pid 100), holding it since 1970-01-01 00:16:40Z, last seen 0 s ago"
        ]
        # Polled every 5 s up to the bound, never past it.
        assert sum(clock.sleeps) == 60 and max(clock.sleeps) == 5
    finally:
        first.release()
        second.release()


def test_a_waiting_run_takes_the_lease_when_the_holder_finishes(engine, clock: FakeClock):
    first = _lease(engine, clock, "run-one")
    first.acquire(0, print)

    def finish_first_run(seconds: float) -> None:
        clock.sleep(seconds)
        first.release()

    second = _lease(engine, clock, "run-two", pid=200)
    second.timing = LeaseTiming(clock, finish_first_run)
    logged: list[str] = []
    second.acquire(600, logged.append)
    try:
        assert second.holder() is not None and second.holder().run_id == "run-two"  # type: ignore[union-attr]
        assert logged[-1] == "run lease taken after waiting 5 s for run-one"
    finally:
        second.release()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(run_lease)).scalar_one() == 0


def test_a_killed_holder_on_this_machine_frees_the_lease_at_once(engine, clock: FakeClock):
    killed = _lease(engine, clock, "run-killed")
    killed.acquire(0, print)
    if killed.postgres:
        killed.close()  # what the server sees when the process dies: its connection ends
    else:
        killed.held = False  # the process is gone: it never releases
    rerun = _lease(engine, clock, "run-rerun", pid=200, alive=lambda pid: pid != 100)
    try:
        rerun.acquire(0, print)
        assert rerun.holder().run_id == "run-rerun"  # type: ignore[union-attr]
    finally:
        rerun.release()


def test_sqlite_a_holder_on_another_machine_expires_with_its_heartbeat(tmp_path, clock: FakeClock):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    try:
        holder = _lease(engine, clock, "run-elsewhere", host="box-b")
        holder.acquire(0, print)
        here = _lease(engine, clock, "run-here", host="box-a", pid=200)
        # Beating keeps it held however long the run takes.
        clock.now += EXPIRES_AFTER_S - 1
        holder.beat()
        clock.now += EXPIRES_AFTER_S - 1
        with pytest.raises(RunLeaseHeldError, match="run run-elsewhere on box-b"):
            here.acquire(0, print)
        # Silent for longer than the expiry (the machine died): taken over.
        clock.now += 2
        here.acquire(0, print)
        assert here.holder().run_id == "run-here"  # type: ignore[union-attr]
        # The old holder's release no longer touches the row it lost.
        holder.release()
        assert here.holder().run_id == "run-here"  # type: ignore[union-attr]
        here.release()
    finally:
        engine.dispose()


def test_the_same_run_takes_its_own_lease_again(engine, clock: FakeClock):
    first = _lease(engine, clock, "run-one")
    first.acquire(0, print)
    if first.postgres:
        first.release()
        pytest.skip("PostgreSQL: the advisory lock belongs to a connection; one process per run holds it")
    again = _lease(engine, clock, "run-one", pid=101)
    again.acquire(0, print)
    assert again.holder().pid == 101  # type: ignore[union-attr]
    again.release()


@pytest.mark.unit
def test_the_wait_is_read_from_the_environment():
    assert lease_wait_seconds({}) == DEFAULT_WAIT_S
    assert lease_wait_seconds({LEASE_WAIT_ENV: " 0 "}) == 0
    assert lease_wait_seconds({LEASE_WAIT_ENV: "90.5"}) == 90.5
    for bad in ("-1", "soon", "inf", "nan"):
        with pytest.raises(SettingsError, match=f"{LEASE_WAIT_ENV}=.*number of seconds from 0 up"):
            lease_wait_seconds({LEASE_WAIT_ENV: bad})
