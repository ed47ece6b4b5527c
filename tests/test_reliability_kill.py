"""SIGKILL mid-extraction and mid-write: the rerun leaves exactly what a clean run leaves (no duplicate,
no lost row, no snapshot appended twice)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators import faults as f
from tests.test_reliability_support import RUN_ARGS, LiveRun, clean_states

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
# A hang guard, not a speed check: on a loaded machine the subprocess may take minutes to import Dagster
# and reach its first request; polled, never slept through.
ARRIVAL_LIMIT_S = 900.0


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return clean_states(tmp_path_factory)


def _spawn(live: LiveRun, command: list[str]) -> subprocess.Popen[bytes]:
    # The env is this process's, where LiveRun.start() pointed every base URL at the emulators.
    return subprocess.Popen(
        command, cwd=live.tmp, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _kill_when(process: subprocess.Popen[bytes], reached: Callable[[], bool]) -> None:
    """SIGKILL the process as soon as ``reached()`` holds (polled); fail if it ends or never gets there."""
    deadline = time.monotonic() + ARRIVAL_LIMIT_S
    while not reached():
        if process.poll() is not None:
            raise AssertionError(f"the run ended ({process.returncode}) first: {process.stderr.read()!r}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the run never reached the point to kill it at"
        time.sleep(0.05)  # bounded wait for a subprocess to reach a point
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def _rerun_and_compare(live: LiveRun, clean: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for injector in live.suite.faults.values():  # type: ignore[union-attr]
        injector.rules.clear()
    code, err = live.run(capsys)
    assert code == 0, err
    warehouse, tracker = live.state()
    assert warehouse == clean[live.target][0]
    assert tracker == clean[live.target][1]


def test_killed_mid_extraction_then_rerun_matches_a_clean_run(clean, tmp_path: Path, monkeypatch, capsys):
    held = f.hold()
    # Contacts are mirrored already when the deals page is held: the kill leaves a half-synced mirror.
    live = LiveRun(tmp_path, monkeypatch).start({"hubspot": [f.rule(r"^/crm/v3/objects/deals(\?|$)", held)]})
    try:
        process = _spawn(live, [str(BIN / "funnel-ledger"), *RUN_ARGS])
        _kill_when(process, held.arrived.is_set)
        held.after_release = f.reset()
        held.release.set()
        assert live.tracker() == {}  # nothing reached the sheet
        _rerun_and_compare(live, clean, capsys)
    finally:
        held.release.set()
        live.stop()


@pytest.mark.parametrize("landed", [False, True], ids=["write-lost", "write-landed"])
def test_killed_mid_sheet_write_then_rerun_matches_a_clean_run(
    landed: bool, clean, tmp_path: Path, monkeypatch, capsys
):
    held = f.hold()
    live = LiveRun(tmp_path, monkeypatch).start({"sheets": [f.rule(r":batchUpdate$", held)]})
    try:
        process = _spawn(live, [str(BIN / "funnel-ledger"), *RUN_ARGS])
        _kill_when(process, held.arrived.is_set)
        # The batchUpdate was sent whole before the kill: Google either applied it or never got it.
        held.after_release = None if landed else f.reset()
        held.release.set()
        tabs = live.tracker()
        assert bool(tabs) == landed
        if landed:
            assert tabs == clean["sheet"][1]  # one atomic batchUpdate: all of it or nothing
        _rerun_and_compare(live, clean, capsys)
    finally:
        held.release.set()
        live.stop()


# The xlsx writer needs no network, so no emulator request can hold it: this wrapper (test code, not a
# hook in the product) makes os.replace of the workbook announce itself with a marker file and block,
# so the test kills the process between building the new workbook and swapping it in.
XLSX_WRAPPER = """
import os, sys, threading
from pathlib import Path
marker = Path(sys.argv[1])
real = os.replace
def held_replace(src, dst, *args, **kwargs):
    if str(dst).endswith("tracker.xlsx"):
        marker.write_text(str(src))
        threading.Event().wait()
    return real(src, dst, *args, **kwargs)
os.replace = held_replace
from pipelines.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _stamp_a_later_save(workbook: Path) -> None:
    """Give the workbook the save stamp another program's save would (``dcterms:modified``), content unchanged."""
    with zipfile.ZipFile(workbook) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2099-01-01T00:00:00Z", data)
            target.writestr(info, data)


def test_killed_between_building_and_replacing_the_workbook(clean, tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    try:
        # A first clean run leaves a workbook; the killed rerun must leave it exactly as it was.
        code, err = live.run(capsys)
        assert code == 0, err
        # Saved since by someone else (a new save stamp), so the rerun has something to write: a rerun of a
        # workbook that already holds its numbers is not saved at all.
        _stamp_a_later_save(live.workbook)
        before = live.workbook.read_bytes()
        marker = tmp_path / "replacing"
        command = [sys.executable, "-c", XLSX_WRAPPER, str(marker), *RUN_ARGS]
        process = _spawn(live, command)
        _kill_when(process, marker.exists)
        assert Path(marker.read_text()).exists()  # the new workbook was built, not swapped in
        assert live.workbook.read_bytes() == before
        _rerun_and_compare(live, clean, capsys)
        # The rerun also swept away the temp file the killed run left behind.
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    finally:
        live.stop()
