"""The tracker workbook's revision: custom document properties the writer reads with the tabs and checks again,
under the workbook's lock, before it writes.

The properties (``FunnelLedgerRevision``, ``FunnelLedgerRun``, ``FunnelLedgerWrittenAt``; File > Properties >
Custom in Excel) say which write the file holds. A token of the revision and the file's size and
modification time is taken when the tabs are read (:func:`revision_token`); the writer takes it again under
the lock, and refuses to write when it moved: another run wrote, or someone saved the workbook (Excel keeps
custom properties, so an owner's save changes only the file), since this run read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl.packaging.custom import CustomPropertyList, IntProperty, StringProperty
from openpyxl.workbook.workbook import Workbook

from sheets_sync.tabs import StaleUpdateError

REVISION = "FunnelLedgerRevision"
RUN = "FunnelLedgerRun"
WRITTEN_AT = "FunnelLedgerWrittenAt"


@dataclass(frozen=True)
class WorkbookRevision:
    """The revision a workbook holds, and who wrote it."""

    number: int = 0
    run_id: str = ""
    written_at: str = ""

    @classmethod
    def of(cls, wb: Workbook) -> WorkbookRevision:
        props: CustomPropertyList = wb.custom_doc_props
        return cls.of_values({prop.name: prop.value for prop in props.props})

    @classmethod
    def of_values(cls, values: dict[str, object]) -> WorkbookRevision:
        """The revision in a workbook's custom properties, by name."""
        try:
            number = int(values.get(REVISION, 0) or 0)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            number = 0
        return cls(number, str(values.get(RUN, "") or ""), str(values.get(WRITTEN_AT, "") or ""))

    def next(self, wb: Workbook, run_id: str, written_at: datetime) -> WorkbookRevision:
        """Stamp the following revision on ``wb`` and return it."""
        following = WorkbookRevision(self.number + 1, run_id, written_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        props: CustomPropertyList = wb.custom_doc_props
        for name in (REVISION, RUN, WRITTEN_AT):
            if name in props.names:
                del props[name]
        props.append(IntProperty(name=REVISION, value=following.number))
        props.append(StringProperty(name=RUN, value=run_id))
        props.append(StringProperty(name=WRITTEN_AT, value=following.written_at))
        return following


def revision_token(path: Path, revision: WorkbookRevision, stat: os.stat_result | None = None) -> str:
    """What a reader saw: the revision and the file as it was (empty when there is no file yet).

    ``stat``: the file's status taken before its bytes were read (so a save landing while they are read
    shows as a changed file); taken now when not given.
    """
    if stat is None:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return ""
    return f"{revision.number}:{stat.st_size}:{stat.st_mtime_ns}"


def check_unchanged(path: Path, read_token: str, now: WorkbookRevision) -> None:
    """Refuse to write when the workbook is not what the update was computed from.

    Raises:
        StaleUpdateError: Another run wrote it, or it was saved by someone, since it was read.
    """
    current = revision_token(path, now)
    if current == read_token:
        return
    read_number = int(read_token.split(":", 1)[0]) if read_token else 0
    if now.number != read_number:
        who = f"run {now.run_id}" if now.run_id else "another run"
        when = f" at {now.written_at}" if now.written_at else ""
        raise StaleUpdateError(
            f"{path}: the workbook was written by {who}{when} after this run read it (revision {read_number}, now "
            f"{now.number}); nothing of this run's write landed"
        )
    raise StaleUpdateError(
        f"{path}: the workbook was saved (by a person or another program) after this run read it; nothing of this "
        "run's write landed"
    )
