"""Two runs at once on one tracker, both targets: the real ``funnel-ledger run`` in two threads against the
emulators, interleaved with events (nothing sleeps). On one warehouse the second run waits for the run lease
and says so; on two warehouses both read the tracker before either writes, and the second's write is refused
by the revision marker, re-read and merged. Either way the tracker ends with every snapshot row once."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulators import faults
from pipelines.cli import main
from resources import run_lease
from resources.tracker import TrackerResource
from tests.conftest import FakeClock
from tests.test_reliability_support import RUN_ARGS, LiveRun, clean_states

pytestmark = pytest.mark.slow

LIMIT_S = 900.0  # a hang guard for events, never a speed check


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return clean_states(tmp_path_factory)


class Runs:
    """Runs ``funnel-ledger run`` in named threads and keeps their exit codes."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.threads: dict[str, threading.Thread] = {}
        self.errors: dict[str, BaseException] = {}

    def start(self, name: str) -> None:
        def run() -> None:
            try:
                self.codes[name] = main(RUN_ARGS)
            except BaseException as error:  # reported by join()
                self.errors[name] = error

        thread = threading.Thread(target=run, name=name, daemon=True)
        self.threads[name] = thread
        thread.start()

    def join(self) -> None:
        for name, thread in self.threads.items():
            thread.join(LIMIT_S)
            assert not thread.is_alive(), f"{name} never ended"
        assert not self.errors, self.errors


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, threading.Event]]:
    """Events around the tracker: ``<thread>-read`` is set after a thread read the tabs, and a thread's write
    waits for ``<thread>-may-write`` when the test created that event."""
    events: dict[str, threading.Event] = {}
    read_tabs, write = TrackerResource.read_tabs, TrackerResource.write

    def reading(self: TrackerResource) -> Any:
        tabs = read_tabs(self)
        events.setdefault(f"{threading.current_thread().name}-read", threading.Event()).set()
        return tabs

    def writing(self: TrackerResource, *args: Any, **kwargs: Any) -> Any:
        gate = events.get(f"{threading.current_thread().name}-may-write")
        if gate is not None:
            events.setdefault(f"{threading.current_thread().name}-at-write", threading.Event()).set()
            assert gate.wait(LIMIT_S)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(TrackerResource, "read_tabs", reading)
    monkeypatch.setattr(TrackerResource, "write", writing)
    monkeypatch.setattr(faults, "HOLD_LIMIT_S", LIMIT_S)
    yield events


def _event(events: dict[str, threading.Event], name: str) -> threading.Event:
    return events.setdefault(name, threading.Event())


def _snapshot_keys(tracker: dict[str, list[list[Any]]]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in tracker["Snapshots"][1:]]


@pytest.mark.parametrize("target", ["sheet", "xlsx"])
def test_a_second_run_on_the_same_warehouse_waits_for_the_lease_then_adds_nothing_twice(
    target: str, clean, gated, tmp_path: Path, monkeypatch, capsys
):
    live = LiveRun(tmp_path, monkeypatch, target=target).start()
    runs = Runs()
    clock = FakeClock()
    first_may_write = _event(gated, "run-a-may-write")

    def wait_for_the_first_run(seconds: float) -> None:
        # The second run polls the lease: let the first one finish, then poll again.
        clock.sleep(seconds)
        first_may_write.set()
        runs.threads["run-a"].join(LIMIT_S)

    monkeypatch.setattr(run_lease, "DEFAULT_TIMING", run_lease.LeaseTiming(clock, wait_for_the_first_run))
    try:
        runs.start("run-a")
        assert _event(gated, "run-a-at-write").wait(LIMIT_S)  # holds the lease, about to write the tracker
        runs.start("run-b")
        runs.join()
        assert runs.codes == {"run-a": 0, "run-b": 0}
        log = capsys.readouterr().err
        assert log.count("waiting up to 1800 s for the run lease: the warehouse is being written by run ") == 1
        assert log.count("run lease taken after waiting 5 s for ") == 1
        warehouse, tracker = live.state()
        assert warehouse == clean[target][0]
        assert tracker == clean[target][1]  # the second run appended no snapshot row and changed no cell
        keys = _snapshot_keys(tracker)
        assert len(keys) == len(set(keys))
    finally:
        first_may_write.set()
        live.stop()


@pytest.mark.parametrize("target", ["sheet", "xlsx"])
def test_two_warehouses_writing_one_tracker_merge_instead_of_overwriting(
    target: str, clean, gated, tmp_path: Path, monkeypatch, capsys
):
    live = LiveRun(tmp_path, monkeypatch, target=target).start()
    runs = Runs()
    first_may_write = _event(gated, "run-a-may-write")
    try:
        runs.start("run-a")
        assert _event(gated, "run-a-at-write").wait(LIMIT_S)  # read the tracker, holding its write
        # The second run keeps its own warehouse: no lease in common, only the tracker.
        monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(tmp_path / "data-b"))
        runs.start("run-b")
        assert _event(gated, "run-b-read").wait(LIMIT_S)  # both read the tracker before either wrote
        first_may_write.set()
        runs.join()
        assert runs.codes == {"run-a": 0, "run-b": 0}
        log = capsys.readouterr().err
        assert "after this run read it" in log
        assert log.count("-- reading the tracker again and merging this run's values into it (attempt 2 of 3)") == 1
        warehouse, tracker = live.state()
        assert warehouse == clean[target][0]
        assert tracker == clean[target][1]
        keys = _snapshot_keys(tracker)
        assert len(keys) == len(set(keys))
    finally:
        first_may_write.set()
        live.stop()


def test_a_second_run_told_not_to_wait_stops_naming_the_run_that_holds_the_warehouse(
    gated, tmp_path: Path, monkeypatch, capsys
):
    live = LiveRun(tmp_path, monkeypatch, target="sheet").start()
    runs = Runs()
    first_may_write = _event(gated, "run-a-may-write")
    try:
        runs.start("run-a")
        assert _event(gated, "run-a-at-write").wait(LIMIT_S)
        tracker_before = live.tracker()
        monkeypatch.setenv(run_lease.LEASE_WAIT_ENV, "0")
        capsys.readouterr()
        code = main(RUN_ARGS)  # the second run, in this thread
        err = capsys.readouterr().err
        assert code == 1
        stop = [line for line in err.splitlines() if line.startswith("funnel-ledger: another run is writing")]
        assert len(stop) == 1
        assert re.search(r"writing this warehouse: run [0-9a-f-]{36} on \S+ \(pid \d+\), holding it since ", stop[0])
        assert "this run waited 0 s and stopped before writing anything -- rerun when that run has finished" in stop[0]
        assert live.tracker() == tracker_before  # the second run wrote nothing
        first_may_write.set()
        runs.join()
        assert runs.codes == {"run-a": 0}
    finally:
        first_may_write.set()
        live.stop()
