"""Opening and saving the tracker workbook without openpyxl touching the Snapshots rows, and telling when a
write would change nothing.

A run only appends to Snapshots, so :func:`load_for_write` hands openpyxl the workbook with that tab's
``<sheetData>`` emptied (every other part, the tab's own settings included, is loaded as usual) and keeps
the rows aside as bytes; :class:`SplicingZip` puts them back in front of the appended rows when openpyxl
saves. When the rows are not in the plain shape openpyxl writes (the workbook was saved by Excel, which
uses shared strings), the workbook is loaded whole, as before, and the next save is plain again.

:func:`peek` reads the package's small parts (custom and core properties, the tab names) without parsing
any sheet, and :func:`content_fingerprint` hashes everything a write derives from the update and its
presentation, so the writer can leave the file alone when the run would write what it already holds
(:meth:`~sheets_sync.xlsx_writer.XlsxTracker.write`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import html
import io
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from openpyxl.packaging.custom import CustomPropertyList, StringProperty
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import fromstring

from sheets_sync.cells import stored_text
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import SNAPSHOTS_HEADER, SNAPSHOTS_TAB
from sheets_sync.update import TrackerUpdate
from sheets_sync.xlsx_drawings import AnchorShift, SheetShapes, restore_shapes
from sheets_sync.xlsx_revision import WorkbookRevision
from sheets_sync.xlsx_sheetdata import read_rows, read_sheet_parts, split_sheet_data

CONTENT = "FunnelLedgerContent"
# Bump when the writer lays a tab out differently: a workbook written before then is rewritten once.
WRITER_FORMAT = "1"
# Insights columns that name the run which noted a row; an unchanged note keeps the run that first noted it.
_INSIGHTS_RUN_COLUMNS = (5, 6)
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]*)</dcterms:modified>")
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')


@dataclass(frozen=True)
class Peek:
    """What the package says about itself without parsing a sheet."""

    revision: WorkbookRevision
    content: str
    modified: str
    sheetnames: frozenset[str]


def peek(path: Path) -> Peek:
    """The workbook's revision, stored content fingerprint, save stamp and tab names."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        props = CustomPropertyList()
        if "docProps/custom.xml" in names:
            props = CustomPropertyList.from_tree(fromstring(archive.read("docProps/custom.xml")))
        core = archive.read("docProps/core.xml") if "docProps/core.xml" in names else b""
        # A package without it is no workbook: openpyxl says so when the write loads it.
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace") if "xl/workbook.xml" in names else ""
    values = {prop.name: prop.value for prop in props.props}
    modified = _MODIFIED.search(core)
    sheets = re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', workbook)
    return Peek(
        revision=WorkbookRevision.of_values(values),
        content=str(values.get(CONTENT, "") or ""),
        modified=modified.group(1).decode("utf-8").strip() if modified else "",
        sheetnames=frozenset(html.unescape(name) for name in sheets),
    )


def modified_stamp(moment: datetime) -> str:
    """The ``dcterms:modified`` text openpyxl writes for ``moment`` (naive UTC, whole seconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp_content(wb: Workbook, fingerprint: str, modified: str) -> None:
    """Record what this write holds, and the save stamp that proves nobody saved the file since."""
    props: CustomPropertyList = wb.custom_doc_props
    if CONTENT in props.names:
        del props[CONTENT]
    props.append(StringProperty(name=CONTENT, value=f"{fingerprint}@{modified}"))


def _canonical(value: Any) -> Any:
    """A JSON-able form of the update's and presentation's parts that is the same in every process."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}]
    if isinstance(value, dict):
        return sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(item) for item in value), key=repr)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        # As the workbook holds a number: a value computed by this run and the same value read back from the
        # file by the next one hash alike.
        return ["n", stored_text(value)]
    if isinstance(value, datetime | date):
        return ["d", value.isoformat()]
    return ["r", repr(value)]


def content_fingerprint(update: TrackerUpdate, presentation: Presentation, currency: str) -> str:
    """A hash of everything the write of ``update`` with ``presentation`` puts into the workbook.

    The run's id and instant are left out: they are what every run differs by. So are the Insights columns
    naming the run that noted a row, so a note that is still true keeps the run that first noted it.
    """
    insights = [
        [None if column in _INSIGHTS_RUN_COLUMNS else cell for column, cell in enumerate(row)]
        for row in update.insights[1:]
    ]
    parts = {
        "format": WRITER_FORMAT,
        "currency": currency,
        "tracker": update.tracker,
        "tracker_rows": update.tracker_rows,
        "weeks": update.weeks,
        "definitions": update.definitions,
        "insights": [update.insights[:1], insights] if update.insights_replaced else None,
        # Notes are this run's restatements only (the notes already on the Tracker are kept by the write
        # itself): a run with notes has changed cells, and is written for them.
        "presentation": dataclasses.replace(presentation, notes=[]),
    }
    text = json.dumps(_canonical(parts), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def nothing_to_write(update: TrackerUpdate, tabs: list[str], fingerprint: str, seen: Peek) -> bool:
    """True when the workbook already holds what this write would put there (``tabs`` are the tabs it writes),
    and nobody saved it since."""
    summary = update.summary
    if update.snapshots_append or update.snapshots_header_needed:
        return False
    if summary.cells_changed or summary.tracker_rows_added or summary.weeks_added or summary.definitions_added:
        return False
    if summary.owner_edits_restored:
        return False
    stored, _, saved_at = seen.content.partition("@")
    if stored != fingerprint or not saved_at or saved_at != seen.modified:
        return False
    # A tab the write would (re)create is missing (the owner deleted it): the write puts it back.
    return all(title in seen.sheetnames for title in tabs)


@dataclass
class LoadedWorkbook:
    """A workbook loaded for a write; ``rows`` holds the Snapshots rows openpyxl was not given (or ``None``)."""

    wb: Workbook
    rows: bytes | None = None
    last_row: int = 0
    dimension: tuple[bytes, bytes] | None = None


def _kept_aside(archive: zipfile.ZipFile) -> tuple[str, bytes, bytes, int] | None:
    """``(part, rows, empty sheet XML, last row)`` when the Snapshots rows can bypass openpyxl."""
    parts = read_sheet_parts(archive, SNAPSHOTS_TAB)
    if parts is None or not parts.rows:
        return None
    tail_start = parts.rows.rfind(b"<row ")
    numbers = _ROW_NUMBER.findall(parts.rows[tail_start:]) if tail_start >= 0 else []
    tail = read_rows(parts.rows[tail_start:]) if tail_start >= 0 else None
    if not numbers or tail is None:
        return None
    last_row = int(numbers[0])
    # The last row must hold a value among the tab's columns: nothing (formatted, empty) lies below the data,
    # so the appended rows follow it directly. A sample of the rows must read as plain cells.
    if not any(cell not in (None, "") for row in tail[-1:] for cell in row[: len(SNAPSHOTS_HEADER)]):
        return None
    if read_rows(parts.rows[: parts.rows.find(b"</row>", 0) + len(b"</row>")]) is None:
        return None
    if b' t="s"' in parts.rows or b"<f" in parts.rows:
        return None  # shared strings or formulas: openpyxl reads them
    return parts.name, parts.rows, parts.empty_xml, last_row


def load_for_write(path: Path) -> LoadedWorkbook:
    """Load the workbook for a write, the Snapshots rows kept aside when they are plain."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        aside = _kept_aside(archive)
        if aside is None:
            return LoadedWorkbook(openpyxl.load_workbook(io.BytesIO(data)))
        name, rows, empty, last_row = aside
        stub = io.BytesIO()
        with zipfile.ZipFile(stub, "w", zipfile.ZIP_STORED) as out:
            for info in archive.infolist():
                out.writestr(info.filename, empty if info.filename == name else archive.read(info.filename))
        dimension = _DIMENSION.search(empty)
    wb = openpyxl.load_workbook(stub)
    if wb[SNAPSHOTS_TAB]._cells:
        # Something put cells on the emptied tab (comments on its cells): load it whole instead.
        return LoadedWorkbook(openpyxl.load_workbook(io.BytesIO(data)))
    ref = (dimension.group(1) + dimension.group(2), dimension.group(3) or dimension.group(1)) if dimension else None
    return LoadedWorkbook(wb, rows=rows, last_row=last_row, dimension=ref)


class SplicingZip(zipfile.ZipFile):
    """The archive openpyxl saves into: the Snapshots part gets the rows kept aside in front of its own."""

    def __init__(self, handle: Any, loaded: LoadedWorkbook) -> None:
        super().__init__(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._loaded = loaded
        self._sheet: Worksheet | None = loaded.wb[SNAPSHOTS_TAB] if loaded.rows is not None else None

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        sheet = self._sheet
        if sheet is None or arcname != sheet.path[1:]:
            super().write(filename, arcname, compress_type, compresslevel)
            return
        cut = split_sheet_data(Path(filename).read_bytes())
        if cut is None:
            raise ValueError(f"openpyxl saved the {SNAPSHOTS_TAB} tab without rows to append to")
        before, appended, after = cut
        loaded = self._loaded
        last = max([loaded.last_row, *(int(n) for n in _ROW_NUMBER.findall(appended))])
        if loaded.dimension is not None:
            first_cell, last_col = loaded.dimension
            ref = first_cell + b":" + last_col + str(last).encode()
            before = _DIMENSION.sub(b'<dimension ref="' + ref + b'" />', before, count=1)
        body = before + b"<sheetData>" + (loaded.rows or b"") + appended + b"</sheetData>" + after
        # The rows are most of the package: a light compression keeps the save fast at a slightly larger file.
        self.writestr(arcname, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def save_atomically(
    path: Path, loaded: LoadedWorkbook, shapes: dict[str, SheetShapes], shifts: dict[str, AnchorShift]
) -> None:
    """Write the workbook next to ``path`` and swap it in: a crash mid-save never leaves a half-written file."""
    directory = path.parent
    # A run killed between writing its temp file and renaming it leaves the temp file behind; the
    # workbook itself was never touched, so the leftover is only clutter. The workbook's lock is held,
    # so no other writer's temp file is in the making.
    for stale in directory.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()
    temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # 0o666 through the process umask: the same permissions a plain save would give a new file.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            if shapes:
                # Serialise in memory, put the shapes openpyxl dropped back, then write the package.
                buffer = io.BytesIO()
                _save_closing_on_failure(loaded, buffer)
                handle.write(restore_shapes(buffer.getvalue(), shapes, shifts))
            else:
                _save_closing_on_failure(loaded, handle)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_directory(directory)


def _save_closing_on_failure(loaded: LoadedWorkbook, handle: BinaryIO) -> None:
    """``wb.save(handle)`` (the Snapshots rows kept aside spliced back in), closing openpyxl's zip archive when
    writing fails (a full disk).

    openpyxl's ``save_workbook`` leaves its ``ZipFile`` open when a write raises; its finalizer then fails
    again at interpreter exit and prints a traceback after the run's own one-line message.
    """
    archive = SplicingZip(handle, loaded)
    try:
        ExcelWriter(loaded.wb, archive).save()  # closes the archive when it succeeds
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()  # writing its end record fails again on a full disk; it is closed all the same
        raise


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
