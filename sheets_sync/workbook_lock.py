"""An exclusive lock on the tracker workbook, held while a writer re-reads, writes and swaps it in.

Used by :meth:`~sheets_sync.xlsx_writer.XlsxTracker.write`. The lock is an OS file lock (``flock`` on POSIX,
``msvcrt.locking`` on Windows) on a hidden file next to the workbook, ``.<name>.lock``: the operating
system releases it when the holder exits, however it exits, so a killed run never leaves the workbook
locked. The file itself stays (deleting a lock file races with the next holder); it records who holds the
lock so a writer that waits can say for whom. Waits are bounded and go through an injected clock and sleep.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DEFAULT_WAIT_S = 120.0  # another writer's save takes seconds; two minutes means something is stuck
POLL_EVERY_S = 0.5


class WorkbookLockedError(RuntimeError):
    """Another writer held the workbook's lock for longer than this one would wait; nothing was written."""


@dataclass(frozen=True)
class LockTiming:
    """Clock and sleep of the lock's waits (tests replace both)."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def lock_path(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.lock")


def _try_lock(handle: BinaryIO) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)  # msvcrt locks bytes from the current position
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle: BinaryIO) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def workbook_lock(
    workbook: Path,
    *,
    holder: str,
    wait_s: float = DEFAULT_WAIT_S,
    timing: LockTiming | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the workbook's lock for the ``with`` block, waiting up to ``wait_s`` for another holder.

    Args:
        workbook: The tracker workbook (its folder must exist).
        holder: Who takes it, written into the lock file (e.g. the run id).
        wait_s: How long to wait for another writer.
        timing: Clock and sleep (tests).
        log: Told once when this writer has to wait, and for whom.

    Raises:
        WorkbookLockedError: Still held by another writer after ``wait_s``.
    """
    timing = timing or LockTiming()
    path = lock_path(workbook)
    handle = open(path, "a+b")  # noqa: SIM115 - held open for the whole block
    try:
        started = timing.clock()
        told = False
        while not _try_lock(handle):
            handle.seek(0)
            other = handle.read().decode("utf-8", "replace").strip() or "another writer"
            waited = timing.clock() - started
            if waited >= wait_s:
                raise WorkbookLockedError(
                    f"{workbook}: {other} is writing this workbook; waited {round(waited)} s and wrote nothing -- "
                    "rerun when it has finished"
                )
            if not told and log is not None:
                log(f"{workbook}: waiting up to {round(wait_s)} s for {other} to finish writing it")
                told = True
            timing.sleep(min(POLL_EVERY_S, max(wait_s - waited, 0.0)))
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{holder} on {socket.gethostname()} (pid {os.getpid()})".encode())
            handle.flush()
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()
