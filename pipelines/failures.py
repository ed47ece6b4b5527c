"""What the CLI prints when a command fails: a message naming the problem and what to do, with an exit code.

Called by :func:`pipelines.cli.main` for any exception a command raises. A problem a person can fix (a
setting, a credential, an API that refused, a fixture, a workbook, a full disk, a file that cannot be
written) becomes ``funnel-ledger: <message>`` on stderr, never a traceback; anything else is a bug and
keeps its traceback. Every message goes through the secret redaction of the check table. The run's own
log on the terminal (:data:`terminal_logger`) shows each Dagster error without its stack trace, which
stays in the run's event log.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from dagster import Field, InitLoggerContext, colored_console_logger, logger

from settings import SettingsError

SETTINGS_EXIT = 2
FAILURE_EXIT = 1
# Where the files a run writes are set; named in advice about a file that cannot be read or written.
FILE_SETTINGS = "--config, TRACKER_WORKBOOK, FUNNEL_LEDGER_DATA_DIR or WAREHOUSE_URL"


@dataclass(frozen=True)
class Failure:
    """What to print for a failed command and the exit code to return."""

    message: str
    exit_code: int


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what caused it, outermost first.

    Dagster wraps what an asset or a resource raised in its own errors (``user_exception``); libraries chain
    theirs with ``raise ... from``. An error raised ``from None`` ends the chain: it already says it all.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        inner = getattr(current, "user_exception", None) or current.__cause__
        if inner is None and not current.__suppress_context__:
            inner = current.__context__
        current = inner


def _expected_errors() -> tuple[type[BaseException], ...]:
    from emulators.fixture import FixtureError
    from resources.http import ApiError
    from resources.migrations import WarehouseSchemaError
    from resources.run_lease import RunLeaseHeldError
    from resources.tracker import WorkbookUnreadableError
    from sheets_sync.owner_tabs import OwnerTabError
    from sheets_sync.tabs import TrackerLayoutError
    from sheets_sync.workbook_lock import WorkbookLockedError

    return (
        ApiError,
        FixtureError,
        OwnerTabError,
        RunLeaseHeldError,
        TrackerLayoutError,
        WarehouseSchemaError,
        WorkbookLockedError,
        WorkbookUnreadableError,
    )


def _with_advice(error: BaseException) -> str:
    """The error's own message, plus what to do where the message does not say it."""
    from emulators.fixture import FixtureError

    if isinstance(error, FixtureError):
        return f"{error} (check the --fixture path and file)"
    return str(error)


def _stale_update(error: BaseException) -> str | None:
    from sheets_sync.tabs import StaleUpdateError

    if not isinstance(error, StaleUpdateError):
        return None
    return f"{error} -- another run wrote the tracker while this one ran: rerun when it has finished"


def _disk_full(error: BaseException) -> str | None:
    """The one-line advice for a full disk, from an OS error or a database driver's error; else None."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        where = os.path.dirname(os.path.abspath(error.filename)) if error.filename else "the data folder"
        return f"no space left on the disk holding {where} ({error.strerror}): free some space there and rerun"
    if isinstance(error, sqlite3.Error) and getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return (
            "the warehouse's disk is full (SQLite: database or disk is full): free some space where the warehouse "
            "lives (WAREHOUSE_URL, default .data/warehouse.db) and rerun; the run resumes where it stopped"
        )
    # psycopg's DiskFull (SQLSTATE 53100, "insufficient resources: disk full").
    if getattr(error, "sqlstate", None) == "53100":
        return "the PostgreSQL server's disk is full (SQLSTATE 53100): free space on the database server and rerun"
    return None


def _file_problem(error: BaseException) -> str | None:
    """A file or folder that cannot be read or written, named with what to do; else None."""
    if not isinstance(error, OSError) or not error.filename:
        return None
    name = os.fspath(error.filename)
    if isinstance(error, PermissionError):
        advice = "check its permissions (or close it if another program, such as Excel, holds it open)"
    elif error.errno == errno.EROFS:
        advice = f"the disk is read-only: point {FILE_SETTINGS} at a writable place"
    else:
        advice = f"check the path ({FILE_SETTINGS})"
    return f"{name}: {error.strerror or type(error).__name__}: {advice}"


def explain_failure(error: BaseException) -> Failure | None:
    """What to print for ``error``, or None when it is a bug (the caller lets its traceback show)."""
    chain = list(error_chain(error))
    expected = _expected_errors()
    failure: Failure | None = None
    for link in chain:
        if isinstance(link, SettingsError):
            failure = Failure(str(link), SETTINGS_EXIT)
        elif isinstance(link, expected):
            failure = Failure(_with_advice(link), FAILURE_EXIT)
        else:
            message = _stale_update(link) or _disk_full(link)
            failure = Failure(message, FAILURE_EXIT) if message else None
        if failure is not None:
            break
    if failure is None:
        # Last: a plain file error, only when nothing more telling is in the chain.
        message = next((text for text in map(_file_problem, chain) if text), None)
        failure = Failure(message, FAILURE_EXIT) if message else None
    if failure is None:
        return None
    return Failure(_redacted(failure.message), failure.exit_code)


def _redacted(message: str) -> str:
    """The message with any secret of the environment, or anything shaped like a token, masked."""
    from pipelines.check import SECRET_ENVS
    from pipelines.sensors import redact_secrets

    return redact_secrets(message, [os.environ.get(name, "").strip() for name in SECRET_ENVS])


STACK_TRACE_MARK = "\n\nStack Trace:"


class _WithoutStackTrace(logging.Filter):
    """Cuts a log record's message at Dagster's stack trace: the error's class and message stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        head, mark, _ = text.partition(STACK_TRACE_MARK)
        if mark:
            record.msg, record.args = head, ()
        return True


@logger(
    {
        "log_level": Field(str, is_required=False, default_value="INFO"),
        "name": Field(str, is_required=False, default_value="dagster"),
    },
    description="Dagster's console logger without stack traces, for runs started from the terminal.",
)
def terminal_logger(init_context: InitLoggerContext) -> logging.Logger:
    """Dagster's colored console logger, whose error records stop before the stack trace."""
    console: logging.Logger = colored_console_logger.logger_fn(init_context)  # type: ignore[misc]
    console.addFilter(_WithoutStackTrace())
    return console
