"""What the workbook's last write was built from, recorded next to it: a run built from the same inputs, against
the file exactly as that write left it, has nothing to write and need not read the workbook at all.

The record is a hidden file next to the workbook, ``.<name>.inputs`` (JSON): the fingerprint of the inputs
the caller built its write from, and the SHA-256 of the workbook as the write left it (or found it, when
there was nothing to write). Any save by someone else changes the file's bytes, so it no longer matches.
The record only ever saves work: when it is missing, unreadable or does not match, the run reads and
diffs the workbook as usual, and the writer replaces the record under the workbook's lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from pathlib import Path

_CHUNK = 1 << 20


def record_path(workbook: Path) -> Path:
    return workbook.with_name(f".{workbook.name}.inputs")


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes (milliseconds for a three-year workbook)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def holds_inputs(workbook: Path, inputs: str) -> bool:
    """True when the workbook is byte for byte what a write built from ``inputs`` left (or found) there."""
    if not inputs:
        return False
    try:
        record = json.loads(record_path(workbook).read_text(encoding="utf-8"))
        return bool(
            isinstance(record, dict)
            and record.get("inputs") == inputs
            and record.get("sha256") == file_digest(workbook)
        )
    except (OSError, ValueError):
        return False


def record_inputs(workbook: Path, inputs: str) -> None:
    """Record that the workbook as it is now was built from ``inputs`` (none: forget any record).

    Called by the writer under the workbook's lock. Best effort: a record that cannot be written is removed,
    so the next run reads the workbook as usual; the write itself has landed either way.
    """
    target = record_path(workbook)
    temp = target.with_name(f"{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        if not inputs or not workbook.exists():
            target.unlink(missing_ok=True)
            return
        temp.write_text(json.dumps({"inputs": inputs, "sha256": file_digest(workbook)}), encoding="utf-8")
        os.replace(temp, target)
    except OSError:
        for leftover in (temp, target):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
