"""batchUpdate requests on developer metadata: create, update and delete, matched by ``DataFilter`` lookups.

Registered in :data:`METADATA_REQUESTS` for :mod:`emulators.sheets.batch_update`; ``spreadsheets.get`` lists
the entries (:func:`spreadsheet_metadata`, :func:`sheet_metadata`). Shapes follow the Sheets API v4 reference
(``DeveloperMetadata``, ``DeveloperMetadataLocation``, ``DataFilter.developerMetadataLookup``, and the
``createDeveloperMetadata`` / ``updateDeveloperMetadata`` / ``deleteDeveloperMetadata`` replies):
https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.developerMetadata and
https://developers.google.com/sheets/api/guides/metadata. A ``metadataId`` is unique within the spreadsheet
("the spreadsheet-scoped unique ID"), so creating one that exists fails the whole batch; clients use that as
a compare-and-set. Metadata on the spreadsheet and on sheets is supported; on rows and columns
(``dimensionRange`` locations) and ``a1Range``/``gridRange`` data filters the emulator refuses.
"""

from __future__ import annotations

import copy
from typing import Any

from emulators.google_rpc import invalid
from emulators.sheets.batch_common import RequestHandler
from emulators.sheets.fields import apply_mask, required_field_mask
from emulators.sheets.store import JSON, Spreadsheet

VISIBILITIES = ("DOCUMENT", "PROJECT")
_MAX_ID = 2**31 - 1


def _location(work: Spreadsheet, raw: Any, where: str) -> JSON:
    """A DeveloperMetadataLocation as stored and answered (``locationType`` filled in)."""
    if not isinstance(raw, dict):
        raise invalid(f"Invalid {where}: Developer metadata must always have a location specified.")
    if "dimensionRange" in raw:
        raise invalid(f"Invalid {where}: row and column metadata is not supported by the Sheets emulator.")
    if raw.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if "sheetId" in raw:
        sheet_id = int(raw["sheetId"])
        if work.sheet_by_id(sheet_id) is None:
            raise invalid(f"Invalid {where}: No grid with id: {sheet_id}")
        return {"locationType": "SHEET", "sheetId": sheet_id}
    raise invalid(f"Invalid {where}: Developer metadata must always have a location specified.")


def _lookup_matches(entry: JSON, lookup: JSON) -> bool:
    if "metadataId" in lookup and int(lookup["metadataId"]) != entry["metadataId"]:
        return False
    for name in ("metadataKey", "metadataValue", "visibility"):
        if name in lookup and lookup[name] != entry.get(name):
            return False
    if "locationType" in lookup and lookup["locationType"] != entry["location"]["locationType"]:
        return False
    location = lookup.get("metadataLocation")
    if isinstance(location, dict):
        if location.get("spreadsheet") and entry["location"]["locationType"] != "SPREADSHEET":
            return False
        if "sheetId" in location and entry["location"].get("sheetId") != int(location["sheetId"]):
            return False
    return True


def matching(work: Spreadsheet, data_filter: Any, where: str) -> list[JSON]:
    """The entries a DataFilter selects (only ``developerMetadataLookup`` filters are supported)."""
    if not isinstance(data_filter, dict) or not data_filter:
        raise invalid(f"Invalid {where}: dataFilter is required")
    if "developerMetadataLookup" not in data_filter:
        raise invalid(
            f"Invalid {where}: only developerMetadataLookup data filters are supported by the Sheets emulator."
        )
    lookup = data_filter["developerMetadataLookup"]
    criteria = ("metadataId", "metadataKey", "metadataValue", "visibility", "locationType", "metadataLocation")
    if not isinstance(lookup, dict) or not any(name in lookup for name in criteria):
        raise invalid(f"Invalid {where}: A developer metadata lookup must specify at least one criterion.")
    return [entry for entry in work.developer_metadata if _lookup_matches(entry, lookup)]


def create_developer_metadata(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    raw = payload.get("developerMetadata")
    if not isinstance(raw, dict):
        raise invalid(f"Invalid {where}: developerMetadata is required")
    if not raw.get("metadataKey"):
        raise invalid(f"Invalid {where}: Developer metadata must always have a key specified.")
    if raw.get("visibility") not in VISIBILITIES:
        raise invalid(f"Invalid {where}: Developer metadata must always have a visibility specified.")
    entry: JSON = {"metadataKey": str(raw["metadataKey"])}
    if "metadataValue" in raw:
        entry["metadataValue"] = str(raw["metadataValue"])
    entry["location"] = _location(work, raw.get("location"), where)
    entry["visibility"] = raw["visibility"]
    taken = {existing["metadataId"] for existing in work.developer_metadata}
    if "metadataId" in raw:
        metadata_id = int(raw["metadataId"])
        if not 0 < metadata_id <= _MAX_ID:
            raise invalid(f"Invalid {where}: metadataId must be positive.")
        if metadata_id in taken:
            raise invalid(f"Invalid {where}: Developer metadata with ID {metadata_id} already exists.")
    else:
        metadata_id = work.rng.randrange(1, _MAX_ID)
        while metadata_id in taken:
            metadata_id = work.rng.randrange(1, _MAX_ID)
    entry = {"metadataId": metadata_id, **entry}
    work.developer_metadata.append(entry)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(entry)}}


def update_developer_metadata(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    filters = payload.get("dataFilters")
    if not isinstance(filters, list) or not filters:
        raise invalid(f"Invalid {where}: At least one data filter must be specified.")
    tree = required_field_mask(payload, where)
    source = payload.get("developerMetadata") or {}
    if "metadataId" in source and tree is not None and "metadataId" in tree:
        raise invalid(f"Invalid {where}: metadataId cannot be updated.")
    selected: dict[int, JSON] = {}
    for index, data_filter in enumerate(filters):
        for entry in matching(work, data_filter, f"{where}.dataFilters[{index}]"):
            selected[entry["metadataId"]] = entry
    for entry in selected.values():
        updated = copy.deepcopy(entry)
        apply_mask(updated, source, tree)
        updated["metadataId"] = entry["metadataId"]
        if "location" in source and (tree is None or "location" in tree):
            updated["location"] = _location(work, source["location"], where)
        if updated.get("visibility") not in VISIBILITIES or not updated.get("metadataKey"):
            raise invalid(f"Invalid {where}: Developer metadata must have a key and a visibility.")
        entry.clear()
        entry.update(updated)
    return {"updateDeveloperMetadata": {"developerMetadata": [copy.deepcopy(e) for e in selected.values()]}}


def delete_developer_metadata(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    doomed = matching(work, payload.get("dataFilter"), where)
    ids = {entry["metadataId"] for entry in doomed}
    work.developer_metadata = [entry for entry in work.developer_metadata if entry["metadataId"] not in ids]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": copy.deepcopy(doomed)}}


def forget_sheet(work: Spreadsheet, sheet_id: int) -> None:
    """A deleted sheet's metadata goes with it."""
    work.developer_metadata = [e for e in work.developer_metadata if e["location"].get("sheetId") != sheet_id]


def spreadsheet_metadata(book: Spreadsheet) -> list[JSON]:
    return [copy.deepcopy(e) for e in book.developer_metadata if e["location"]["locationType"] == "SPREADSHEET"]


def sheet_metadata(book: Spreadsheet, sheet_id: int) -> list[JSON]:
    return [copy.deepcopy(e) for e in book.developer_metadata if e["location"].get("sheetId") == sheet_id]


METADATA_REQUESTS: dict[str, RequestHandler] = {
    "createDeveloperMetadata": create_developer_metadata,
    "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
}
