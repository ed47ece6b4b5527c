"""Object type names, default properties and wire value formats shared by the HubSpot emulator.

Used by the emulator's store and routes, and by :mod:`emulators.hubspot.peers`, to read paths and
parameters and to render values the way HubSpot does.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

JSON = dict[str, Any]

# Object type names, singular forms and objectTypeIds accepted in paths.
_OBJECT_ALIASES: dict[str, str] = {
    "contacts": "contacts",
    "contact": "contacts",
    "0-1": "contacts",
    "companies": "companies",
    "company": "companies",
    "0-2": "companies",
    "deals": "deals",
    "deal": "deals",
    "0-3": "deals",
    "meetings": "meetings",
    "meeting": "meetings",
    "0-47": "meetings",
}
_SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal", "meetings": "meeting"}

#: Properties every list/get response carries when ``properties`` is not (or is) given.
DEFAULT_LIST_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
}

# Portal-level objects (pipelines, property definitions) need createdAt/updatedAt; HubSpot reports 0 for
# the built-in ones.
_EPOCH_ISO = "1970-01-01T00:00:00Z"

_EPOCH_MS_TEXT = re.compile(r"-?\d+")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    """Format like HubSpot: UTC, millisecond precision, ``Z`` suffix."""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _to_epoch_ms(value: Any) -> float:
    """Read an instant given as epoch milliseconds (number or digits) or ISO-8601 (date or date-time).

    Raises:
        ValueError: When the value is neither.
    """
    if isinstance(value, bool):
        raise ValueError(f"not an instant: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if _EPOCH_MS_TEXT.fullmatch(text):
        return float(text)
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        # HubSpot stores UTC; a naive timestamp in a filter is read as UTC.
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp() * 1000


def _to_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError("NaN is not a number")
    return number


def _wire_string(value: Any) -> str | None:
    """Property values travel as strings (or null), including numbers and booleans."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
