"""Load, validate and save the emulator fixture file (docs/fixtures.md).

A fixture is one JSON object whose optional parts (``hubspot``, ``linkedin``, ``google_ads``, ``ga4``,
``sheets``) hold records exactly as the real APIs return them. The emulators trust what they serve, so
everything is checked once here, at load time, with messages that name the file, the part and the record:

    fixture.json: hubspot.contacts[12] (id '57'): property 'createdate' must be a string, got 1705312951000

HubSpot records are checked in depth (they are the part people hand-edit most, and a number where HubSpot
sends a string would hide a client bug the emulator exists to catch). The other parts are checked for
shape only (objects and lists of objects); their emulators own the finer rules.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "ALLOWED_PARTS",
    "HUBSPOT_OBJECT_TYPES",
    "FixtureError",
    "dump_fixture",
    "load_fixture",
    "validate_fixture",
]

ALLOWED_PARTS: tuple[str, ...] = ("hubspot", "linkedin", "google_ads", "ga4", "sheets")
HUBSPOT_OBJECT_TYPES: tuple[str, ...] = ("contacts", "deals", "meetings", "companies")
# ``properties`` optionally overrides the property definitions the emulator serves ({type: [definition]});
# ``account`` the account-info details (``portalId``, ``timeZone``...) of ``GET /account-info/v3/details``.
_HUBSPOT_KEYS: tuple[str, ...] = (*HUBSPOT_OBJECT_TYPES, "pipelines", "properties", "account")
# List-valued members of the non-HubSpot parts whose items must be JSON objects.
_RECORD_LISTS: dict[str, tuple[str, ...]] = {
    "linkedin": ("campaigns", "analytics"),
    "google_ads": ("rows",),
    "ga4": ("sessions",),
    "sheets": ("spreadsheets",),
}


class FixtureError(ValueError):
    """A fixture file that cannot be read or does not have the structure of DESIGN.md §4."""


def load_fixture(path: Path) -> dict[str, Any]:
    """Read and validate an emulator fixture file.

    Args:
        path: The JSON fixture file.

    Returns:
        The parsed fixture, unchanged (records stay in their API wire shape).

    Raises:
        FixtureError: The file is missing, is not JSON, or breaks the fixture structure; the message names
            the file, the part and the offending record.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise FixtureError(f"{path}: fixture file not found") from exc
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read fixture file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise FixtureError(f"{path}: fixture file is not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    validate_fixture(data, source=str(path))
    return data


def dump_fixture(data: Mapping[str, Any], path: Path) -> None:
    """Validate a fixture and write it as JSON, atomically.

    The file is written next to its destination and renamed into place, so an interrupted write never
    leaves a truncated fixture behind. Missing parent folders are created.

    Args:
        data: The fixture (see DESIGN.md §4).
        path: Destination file.

    Raises:
        FixtureError: ``data`` is not a valid fixture; nothing is written.
    """
    path = Path(path)
    validate_fixture(data, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # One level of indent keeps a 5,000-contact fixture diffable without doubling its size.
            json.dump(data, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def validate_fixture(data: Any, *, source: str = "<fixture>") -> None:
    """Check that ``data`` has the structure of an emulator fixture.

    Args:
        data: The parsed fixture.
        source: How to name the fixture in error messages (usually its file path).

    Raises:
        FixtureError: On the first structural problem found.
    """
    if not isinstance(data, Mapping):
        raise FixtureError(f"{source}: the fixture must be a JSON object, got {_type_name(data)}")
    unknown = [key for key in data if key not in ALLOWED_PARTS]
    if unknown:
        raise FixtureError(
            f"{source}: unknown part(s) {', '.join(repr(k) for k in unknown)}; "
            f"allowed parts are {', '.join(ALLOWED_PARTS)}"
        )
    for part, value in data.items():
        if not isinstance(value, Mapping):
            raise FixtureError(f"{source}: {part} must be a JSON object, got {_type_name(value)}")
        if part == "hubspot":
            _validate_hubspot(value, source)
        else:
            _validate_record_lists(part, value, source)


def _validate_hubspot(part: Mapping[str, Any], source: str) -> None:
    unknown = [key for key in part if key not in _HUBSPOT_KEYS]
    if unknown:
        raise FixtureError(
            f"{source}: hubspot: unknown member(s) {', '.join(repr(k) for k in unknown)}; "
            f"allowed members are {', '.join(_HUBSPOT_KEYS)}"
        )
    for object_type in HUBSPOT_OBJECT_TYPES:
        if object_type not in part:
            continue
        records = part[object_type]
        where = f"hubspot.{object_type}"
        if not isinstance(records, list):
            raise FixtureError(f"{source}: {where} must be a list of records, got {_type_name(records)}")
        seen: dict[str, int] = {}
        for index, record in enumerate(records):
            _validate_hubspot_record(record, f"{source}: {where}[{index}]")
            record_id = record["id"]
            if record_id in seen:
                raise FixtureError(
                    f"{source}: {where}[{index}] (id {record_id!r}): duplicate id, "
                    f"already used by {where}[{seen[record_id]}]"
                )
            seen[record_id] = index
    if "pipelines" in part:
        _validate_pipelines(part["pipelines"], source)
    if "properties" in part:
        _validate_property_definitions(part["properties"], source)
    if "account" in part:
        _validate_account(part["account"], source)


def _validate_account(account: Any, source: str) -> None:
    if not isinstance(account, Mapping):
        raise FixtureError(f"{source}: hubspot.account must be a JSON object, got {_type_name(account)}")
    portal_id = account.get("portalId")
    if "portalId" in account and (not isinstance(portal_id, int) or isinstance(portal_id, bool) or portal_id <= 0):
        raise FixtureError(f"{source}: hubspot.account.portalId must be a positive integer, got {_show(portal_id)}")
    for name in ("timeZone", "companyCurrency", "accountType", "uiDomain", "dataHostingLocation"):
        if name in account and not isinstance(account[name], str):
            raise FixtureError(f"{source}: hubspot.account.{name} must be a string, got {_show(account[name])}")


def _validate_hubspot_record(record: Any, where: str) -> None:
    if not isinstance(record, Mapping):
        raise FixtureError(f"{where}: must be a JSON object, got {_type_name(record)}")
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise FixtureError(f"{where}: 'id' must be a non-empty string, got {_show(record_id)}")
    where = f"{where} (id {record_id!r})"

    properties = record.get("properties")
    if not isinstance(properties, Mapping):
        raise FixtureError(f"{where}: 'properties' must be a JSON object, got {_show(properties)}")
    for name, value in properties.items():
        # HubSpot sends every property value as a string (numbers and booleans included) or null.
        if value is not None and not isinstance(value, str):
            raise FixtureError(f"{where}: property {name!r} must be a string, got {_show(value)}")

    for field in ("createdAt", "updatedAt"):
        if field not in record:
            raise FixtureError(f"{where}: missing {field!r}")
        _check_timestamp(record[field], f"{where}: {field!r}")
    if "archivedAt" in record and record["archivedAt"] is not None:
        _check_timestamp(record["archivedAt"], f"{where}: 'archivedAt'")
    if "archived" not in record:
        raise FixtureError(f"{where}: missing 'archived'")
    if not isinstance(record["archived"], bool):
        raise FixtureError(f"{where}: 'archived' must be true or false, got {_show(record['archived'])}")

    if "associations" in record:
        _validate_associations(record["associations"], where)


def _validate_associations(associations: Any, where: str) -> None:
    """Accept the fixture form ``{"contacts": ["51"]}`` and the API's ``{"contacts": {"results": [...]}}``."""
    if not isinstance(associations, Mapping):
        raise FixtureError(
            f"{where}: 'associations' must be an object like " + '{"contacts": ["51"]}' + f", got {_show(associations)}"
        )
    for to_type, value in associations.items():
        if isinstance(value, Mapping) and isinstance(value.get("results"), list):
            ids = [item.get("id") if isinstance(item, Mapping) else item for item in value["results"]]
        else:
            ids = value
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise FixtureError(f"{where}: associations.{to_type} must be a list of id strings, got {_show(value)}")


def _validate_property_definitions(definitions: Any, source: str) -> None:
    if not isinstance(definitions, Mapping):
        raise FixtureError(
            f"{source}: hubspot.properties must be an object of definition lists by object type, got "
            f"{_type_name(definitions)}"
        )
    for object_type, items in definitions.items():
        where = f"{source}: hubspot.properties.{object_type}"
        if not isinstance(items, list):
            raise FixtureError(f"{where} must be a list of property definitions, got {_type_name(items)}")
        for index, item in enumerate(items):
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
                raise FixtureError(f"{where}[{index}]: must be an object with a non-empty 'name' string")


def _validate_pipelines(pipelines: Any, source: str) -> None:
    if not isinstance(pipelines, Mapping):
        raise FixtureError(
            f'{source}: hubspot.pipelines must be an object like {{"deals": [...]}}, got {_type_name(pipelines)}'
        )
    for object_type, items in pipelines.items():
        where = f"{source}: hubspot.pipelines.{object_type}"
        if not isinstance(items, list):
            raise FixtureError(f"{where} must be a list of pipelines, got {_type_name(items)}")
        for index, pipeline in enumerate(items):
            at = f"{where}[{index}]"
            if not isinstance(pipeline, Mapping):
                raise FixtureError(f"{at}: must be a JSON object, got {_type_name(pipeline)}")
            pipeline_id = pipeline.get("id")
            if not isinstance(pipeline_id, str) or not pipeline_id:
                raise FixtureError(f"{at}: 'id' must be a non-empty string, got {_show(pipeline_id)}")
            at = f"{at} (id {pipeline_id!r})"
            stages = pipeline.get("stages")
            if not isinstance(stages, list):
                raise FixtureError(f"{at}: 'stages' must be a list, got {_show(stages)}")
            for stage_index, stage in enumerate(stages):
                stage_at = f"{at}: stages[{stage_index}]"
                if not isinstance(stage, Mapping):
                    raise FixtureError(f"{stage_at}: must be a JSON object, got {_type_name(stage)}")
                stage_id = stage.get("id")
                if not isinstance(stage_id, str) or not stage_id:
                    raise FixtureError(f"{stage_at}: 'id' must be a non-empty string, got {_show(stage_id)}")
                metadata = stage.get("metadata", {})
                if not isinstance(metadata, Mapping):
                    raise FixtureError(f"{stage_at} (id {stage_id!r}): 'metadata' must be a JSON object")
                for key, value in metadata.items():
                    if not isinstance(value, str):
                        raise FixtureError(
                            f"{stage_at} (id {stage_id!r}): metadata {key!r} must be a string, got {_show(value)}"
                        )


def _validate_record_lists(part: str, value: Mapping[str, Any], source: str) -> None:
    for member in _RECORD_LISTS.get(part, ()):
        if member not in value:
            continue
        items = value[member]
        if not isinstance(items, list):
            raise FixtureError(f"{source}: {part}.{member} must be a list, got {_type_name(items)}")
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise FixtureError(f"{source}: {part}.{member}[{index}]: must be a JSON object, got {_type_name(item)}")


def _check_timestamp(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise FixtureError(f"{where} must be an ISO-8601 date-time string, got {_show(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FixtureError(f"{where} must be an ISO-8601 date-time string, got {value!r}") from None
    if parsed.tzinfo is None:
        raise FixtureError(f"{where} must carry a time zone (e.g. 'Z'), got {value!r}")


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    """Render an offending value for a message: short JSON, so 1705312951000 reads as it was written."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
