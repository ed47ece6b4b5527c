"""Every failure a person can fix ends ``funnel-ledger`` with one line that says what to do, never a traceback:
a missing fixture, a workbook that is not one, a full disk (a real tmpfs under the workbook and under the
warehouse), a file that cannot be written. A bug still shows its traceback."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.cli import main
from pipelines.failures import explain_failure
from resources.tracker import WorkbookTrackerResource, WorkbookUnreadableError
from sheets_sync.tabs import StaleUpdateError
from tests.test_reliability_support import RUN_ARGS, LiveRun

TRACEBACK = "Traceback (most recent call last)"


@pytest.mark.unit
def test_a_missing_fixture_is_one_line(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_SPREADSHEET_ID", raising=False)
    missing = tmp_path / "missing.json"
    assert main(["demo", "--fixture", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err == f"funnel-ledger: {missing}: fixture file not found (check the --fixture path and file)\n"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty (0 bytes), not an .xlsx file"),
        (b"date,channel,cost\n2024-01-01,Offline,300\n", "is not an .xlsx file (another format, or cut off)"),
        (None, "is a zip archive but not an .xlsx workbook"),
    ],
    ids=["empty", "csv", "zip-not-xlsx"],
)
def test_a_workbook_that_is_not_one_is_refused_and_left_alone(content: bytes | None, says: str, tmp_path: Path):
    path = tmp_path / "tracker.xlsx"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "not a workbook")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    workbook = WorkbookTrackerResource(path=str(path))
    for action in (workbook.ensure_readable, workbook.read_tabs, workbook.read_owner_tabs):
        with pytest.raises(WorkbookUnreadableError) as caught:
            action()
        assert str(caught.value) == (
            f"the tracker workbook {path} {says}: restore it from a backup, or move it away and rerun to create a "
            "new tracker there (TRACKER_WORKBOOK sets where it lives)"
        )
    assert path.read_bytes() == before


def _sqlite_full_error(tmp_path: Path) -> BaseException:
    """A real SQLITE_FULL, raised through SQLAlchemy as the warehouse raises it (the file may not grow)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'full.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA max_page_count = 2")
            connection.exec_driver_sql("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    except sa.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("SQLite accepted a row larger than the database may grow")


@pytest.mark.unit
def test_each_fixable_failure_is_explained_in_one_line(tmp_path: Path):
    disk_full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "tracker.xlsx"))
    denied = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "tracker.xlsx"))
    stale = StaleUpdateError("tracker.xlsx: the Snapshots tab has 9 rows but the update was computed from 7")
    sqlite_full = _sqlite_full_error(tmp_path)
    assert isinstance(sqlite_full.__cause__, sqlite3.OperationalError)
    explained = {
        name: explain_failure(error)
        for name, error in [
            ("disk_full", disk_full),
            ("denied", denied),
            ("stale", stale),
            ("sqlite_full", sqlite_full),
        ]
    }
    messages = {name: failure.message for name, failure in explained.items() if failure is not None}
    assert messages == {
        "disk_full": f"no space left on the disk holding {tmp_path} (No space left on device): free some space "
        "there and rerun",
        "denied": f"{tmp_path / 'tracker.xlsx'}: Permission denied: check its permissions (or close it if another "
        "program, such as Excel, holds it open)",
        "stale": "tracker.xlsx: the Snapshots tab has 9 rows but the update was computed from 7 -- another run "
        "wrote the tracker while this one ran: rerun when it has finished",
        "sqlite_full": "the warehouse's disk is full (SQLite: database or disk is full): free some space where the "
        "warehouse lives (WAREHOUSE_URL, default .data/warehouse.db) and rerun; the run resumes where it stopped",
    }
    assert all(failure is not None and failure.exit_code == 1 for failure in explained.values())
    # A bug is not explained away: its traceback shows.
    assert explain_failure(TypeError("unsupported operand")) is None
    # The disk-full error wrapped the way Dagster wraps what a step raised is found all the same.
    wrapped = RuntimeError("step failed")
    wrapped.__cause__ = disk_full
    failure = explain_failure(wrapped)
    assert failure is not None and failure.message.startswith("no space left on the disk holding")


# --- a real full disk ------------------------------------------------------------------------------------

MOUNT_AND_RUN = 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"'


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    """Whether this machine lets an unprivileged user namespace mount a tmpfs (util-linux ``unshare``)."""
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    command = ["unshare", "-rm", "sh", "-c", MOUNT_AND_RUN, "sh", "8k", str(probe), "true"]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("full", "size", "says"),
    [
        (
            "workbook",
            "8k",
            "no space left on the disk holding {full} (No space left on device): free some space there and rerun",
        ),
        (
            "warehouse",
            "160k",
            "the warehouse's disk is full (SQLite: database or disk is full): free some space "
            "where the warehouse lives (WAREHOUSE_URL, default .data/warehouse.db) and rerun; the run resumes where "
            "it stopped",
        ),
    ],
    ids=["workbook", "warehouse"],
)
def test_a_full_disk_is_one_line(full: str, size: str, says: str, tmp_path: Path, monkeypatch):
    """The real CLI in a mount namespace whose workbook or warehouse folder is a tmpfs too small for the run."""
    if not _can_mount_tmpfs(tmp_path):
        pytest.skip("needs `unshare -rm` and tmpfs mounts (user namespaces) to make a real full disk")
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    folder = tmp_path / "full"
    folder.mkdir()
    if full == "workbook":
        monkeypatch.setenv("TRACKER_WORKBOOK", str(folder / "tracker.xlsx"))
    else:
        monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(folder))
    command = ["unshare", "-rm", "sh", "-c", MOUNT_AND_RUN, "sh", size, str(folder)]
    command += [sys.executable, "-m", "pipelines.cli", *RUN_ARGS]
    try:
        result = subprocess.run(command, cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True)
    finally:
        live.stop()
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stderr.splitlines()[-1] == f"funnel-ledger: {says.format(full=folder)}"
    assert TRACEBACK not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.unit
def test_a_message_never_carries_a_secret_of_the_environment(monkeypatch):
    from resources.http import ApiError

    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "SENTINEL-LINKEDIN-TOKEN")
    error = ApiError("LinkedIn Ads refused token SENTINEL-LINKEDIN-TOKEN -- check it", service="LinkedIn", status=401)
    failure = explain_failure(error)
    assert failure is not None
    assert failure.message == "LinkedIn Ads refused token *** -- check it"
