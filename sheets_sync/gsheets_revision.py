"""The Google Sheet's revision marker: developer metadata that makes a write refuse to land on a newer sheet.

Read by the writer's one ``spreadsheets.get`` (:func:`read_revision`) and written in the same
``batchUpdate`` as everything else (:func:`revision_requests`). A marker's ``metadataId`` is derived from its
revision number, and developer metadata ids are unique within a spreadsheet, so the batch first *creates*
the marker of revision N+1: when another writer already wrote revision N+1 after this run read N, that
request fails, and with it the whole batch (a batchUpdate is atomic). Then it deletes the marker of N.
Sheets has no conditional write; this is the compare-and-set it allows. A refused batch is re-read
(:func:`stale_error`) to say which run wrote first.

Reference: https://developers.google.com/sheets/api/guides/metadata (``metadataId``: "the spreadsheet-scoped
unique ID that identifies the metadata. IDs may be specified when metadata is created").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sheets_sync.tabs import StaleUpdateError

REVISION_KEY = "funnel_ledger.revision"
# Ids of the markers: base + revision (positive int32, far from the small ids people tend to pick).
REVISION_ID_BASE = 1_000_000_000


@dataclass(frozen=True)
class Revision:
    """The tracker's revision as the sheet's marker says: its number and the run that wrote it."""

    number: int
    run_id: str = ""
    written_at: str = ""

    @property
    def metadata_id(self) -> int:
        return REVISION_ID_BASE + self.number

    def describe(self) -> str:
        who = f"run {self.run_id}" if self.run_id else "another run"
        return f"{who} at {self.written_at}" if self.written_at else who


def read_revision(payload: Mapping[str, Any]) -> Revision:
    """The newest marker in a ``spreadsheets.get`` answer; revision 0 when the sheet has none."""
    newest = Revision(0)
    for entry in payload.get("developerMetadata", []) or []:
        if entry.get("metadataKey") != REVISION_KEY:
            continue
        try:
            value = json.loads(entry.get("metadataValue") or "{}")
            number = int(value.get("revision", 0))
        except (ValueError, TypeError, AttributeError):
            continue
        if number > newest.number:
            newest = Revision(number, str(value.get("run_id", "")), str(value.get("written_at", "")))
    return newest


def revision_requests(read: Revision, run_id: str, written_at: datetime) -> tuple[Revision, list[dict[str, Any]]]:
    """The next revision and the requests that write it only over ``read`` (create first, then delete)."""
    stamp = written_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    following = Revision(read.number + 1, run_id, stamp)
    value = json.dumps({"revision": following.number, "run_id": run_id, "written_at": stamp}, sort_keys=True)
    requests: list[dict[str, Any]] = [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataId": following.metadata_id,
                    "metadataKey": REVISION_KEY,
                    "metadataValue": value,
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        }
    ]
    if read.number:
        lookup = {"developerMetadataLookup": {"metadataId": read.metadata_id}}
        requests.append({"deleteDeveloperMetadata": {"dataFilter": lookup}})
    return following, requests


def stale_error(read: Revision, now: Revision, where: str) -> StaleUpdateError | None:
    """The error for a write refused because the sheet moved on since it was read; None when it did not."""
    if now.number == read.number:
        return None
    return StaleUpdateError(
        f"{where}: the tracker was written by {now.describe()} after this run read it (revision {read.number}, now "
        f"{now.number}); nothing of this run's write landed"
    )
