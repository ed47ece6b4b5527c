"""Local, faithful emulator of the HubSpot CRM API (v3 objects/search/pipelines/properties, v4 associations).

Contract: shared/reference/api-wire-formats.md §1. The emulator serves the ``hubspot`` part of a fixture
file (DESIGN.md §4): contacts/deals/meetings records exactly as the API returns them, deals carrying
``associations: {"contacts": ["51", ...]}``, ``pipelines: {"deals": [...]}`` and optionally
``properties: {"contacts": [...definitions...]}``.

Where the reference marks behaviour as unconfirmed the emulator is permissive (accepts every plausible
client encoding) but strict about what a client must get right (limits, auth, page sizes, cursors), so a
client that works here has handled every documented edge of the real API.

Choices made where the real behaviour is unknown ([U] in the reference):

* ``NEQ`` / ``NOT_IN`` / ``NOT_CONTAINS_TOKEN`` match records that have no value for the property.
* Sorting puts records without a value last in ascending order and first in descending order.
* A filter value that cannot be read as the property's type (a date that is neither epoch ms nor ISO-8601,
  a non-numeric amount) is a 400 ``VALIDATION_ERROR`` rather than a silent empty result.
* Filtering or sorting on a property that does not exist behaves as if every record lacked a value.
* ``limit`` over 100 on the list endpoints is clamped to 100 (search rejects over 200 with 400).
"""

from __future__ import annotations

import copy
import fnmatch
import json
import math
import re
import threading
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RateDecision, RollingWindowLimiter
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "DEFAULT_LIFECYCLE_STAGES",
    "DEFAULT_LIST_PROPERTIES",
    "HubSpotEmulator",
]

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

# Search always adds these to an explicit ``properties`` list (reference §1.4 example response).
_SEARCH_ALWAYS: dict[str, tuple[str, ...]] = {
    "contacts": ("createdate", "hs_object_id", "lastmodifieddate"),
    "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "companies": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
}

# (created property, last-modified property) per object type, used to fill records that omit them.
_TIMESTAMP_PROPS: dict[str, tuple[str, str]] = {
    "contacts": ("createdate", "lastmodifieddate"),
    "deals": ("createdate", "hs_lastmodifieddate"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate"),
    "companies": ("createdate", "hs_lastmodifieddate"),
}

#: HubSpot's default lifecycle stages (internal value, label), in pipeline order.
DEFAULT_LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

_DEFAULT_DEAL_STAGES: tuple[tuple[str, str, str, str], ...] = (
    # id, label, isClosed, probability
    ("appointmentscheduled", "Appointment Scheduled", "false", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "false", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "false", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "false", "0.8"),
    ("contractsent", "Contract Sent", "false", "0.9"),
    ("closedwon", "Closed Won", "true", "1.0"),
    ("closedlost", "Closed Lost", "true", "0.0"),
)

_ANALYTICS_SOURCES: tuple[tuple[str, str], ...] = (
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
    ("AI_REFERRALS", "AI Referrals"),
)

_MEETING_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("SCHEDULED", "Scheduled"),
    ("COMPLETED", "Completed"),
    ("RESCHEDULED", "Rescheduled"),
    ("NO_SHOW", "No Show"),
    ("CANCELED", "Canceled"),
)

# HUBSPOT_DEFINED association type ids for the default (unlabelled/primary) association of each pair.
_ASSOCIATION_TYPE_IDS: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 1,
    ("companies", "contacts"): 2,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 5,
    ("companies", "deals"): 6,
    ("companies", "meetings"): 187,
    ("meetings", "companies"): 188,
    ("contacts", "meetings"): 199,
    ("meetings", "contacts"): 200,
    ("deals", "meetings"): 211,
    ("meetings", "deals"): 212,
}

# Portal-level objects (pipelines, property definitions) need createdAt/updatedAt; HubSpot reports 0 for
# the built-in ones.
_EPOCH_ISO = "1970-01-01T00:00:00Z"

_FIELD_TYPE_BY_TYPE = {
    "string": "text",
    "number": "number",
    "datetime": "date",
    "date": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}

_FILTER_OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)

_SEARCH_RESULT_CAP = 10_000
_LIST_MAX_LIMIT = 100
_LIST_HISTORY_MAX_LIMIT = 50
_SEARCH_MAX_LIMIT = 200
_BATCH_READ_MAX_INPUTS = 1000

_AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)

_DATE_LIKE_NAME = re.compile(r"date|timestamp|_time$")
_NUMBER_TEXT = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")
_EPOCH_MS_TEXT = re.compile(r"-?\d+")


class _ApiError(Exception):
    """An error to be rendered as a HubSpot error body."""

    def __init__(self, status: int, message: str, category: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.extra = extra


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


def _split_multi(values: Iterable[str]) -> list[str]:
    """Flatten ``a&a`` repeated params and ``a,b`` comma lists into one ordered, de-duplicated list."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        for part in raw.split(","):
            name = part.strip()
            if name and name not in seen:
                seen.add(name)
                out.append(name)
    return out


def _parse_bool(raw: str | None, name: str, default: bool = False) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _ApiError(400, f"Invalid boolean for query parameter {name}: {raw!r}", "VALIDATION_ERROR")


def _option(label: str, value: str, order: int) -> JSON:
    return {"label": label, "value": value, "displayOrder": order, "hidden": False}


def _property_definition(
    name: str,
    label: str,
    prop_type: str,
    object_type: str,
    *,
    field_type: str | None = None,
    options: list[JSON] | None = None,
    hubspot_defined: bool = True,
    description: str = "",
) -> JSON:
    return {
        "name": name,
        "label": label,
        "type": prop_type,
        "fieldType": field_type or _FIELD_TYPE_BY_TYPE.get(prop_type, "text"),
        "description": description,
        "groupName": f"{_SINGULAR.get(object_type, object_type)}information",
        "options": options or [],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": hubspot_defined,
        "modificationMetadata": {"archivable": True, "readOnlyDefinition": True, "readOnlyValue": False},
        "formField": False,
        "createdAt": _EPOCH_ISO,
        "updatedAt": _EPOCH_ISO,
        "archived": False,
    }


def _complete_definition(raw: Mapping[str, Any], object_type: str) -> JSON:
    """Fill the fields the official client requires into a fixture-provided property definition."""
    name = str(raw["name"])
    prop_type = str(raw.get("type", "string"))
    base = _property_definition(
        name,
        str(raw.get("label", name)),
        prop_type,
        object_type,
        field_type=raw.get("fieldType"),
        hubspot_defined=bool(raw.get("hubspotDefined", name.startswith("hs_"))),
    )
    base.update(copy.deepcopy(dict(raw)))
    base["options"] = [
        {
            "label": str(opt.get("label", opt.get("value", ""))),
            "value": str(opt.get("value", "")),
            "displayOrder": int(opt.get("displayOrder", i)),
            "hidden": bool(opt.get("hidden", False)),
            **({"description": opt["description"]} if "description" in opt else {}),
        }
        for i, opt in enumerate(base.get("options") or [])
    ]
    if base.get("description") is None:
        base["description"] = ""
    return base


def _infer_type(name: str, values: list[str]) -> str:
    """Guess a property's type from its name and the values seen in the fixture."""
    if _DATE_LIKE_NAME.search(name):
        return "datetime"
    if values and all(v.lower() in ("true", "false") for v in values):
        return "bool"
    # Leading zeros (zip codes, phone numbers) mean text, not numbers.
    if values and all(_NUMBER_TEXT.fullmatch(v) for v in values):
        return "number"
    return "string"


class HubSpotEmulator(RequestCounter):
    """WSGI app emulating the HubSpot CRM endpoints the pipeline uses.

    Endpoints: ``GET /crm/v3/objects/{type}``, ``GET /crm/v3/objects/{type}/{id}``,
    ``POST /crm/v3/objects/{type}/search``, ``POST /crm/v4/associations/{from}/{to}/batch/read``,
    ``GET /crm/v4/objects/{type}/{id}/associations/{to}``, ``GET /crm/v3/pipelines/{type}[/{id}]``,
    ``GET /crm/v3/properties/{type}[/{name}]``.

    Request counts are keyed ``"contacts.list"``, ``"contacts.get"``, ``"contacts.search"`` (same for
    deals/meetings), ``"associations.batch_read"``, ``"associations.list"``, ``"pipelines"``,
    ``"properties"``, ``"not_found"``.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        access_token: str | None = None,
        burst_limit: int = 100,
        burst_window_s: float = 10.0,
        search_per_second: int = 5,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = _utcnow,
        send_retry_after: bool = False,
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``hubspot`` part (deep-copied; later changes to it are not seen).
            access_token: The only bearer token accepted; None accepts any non-empty token.
            burst_limit: Max non-search requests per rolling ``burst_window_s``; 0 disables.
            burst_window_s: Length of the burst window in seconds.
            search_per_second: Max search requests per rolling second; 0 disables.
            clock: Monotonic clock driving the rate limits (tests inject a fake one).
            wall_clock: Source of "now" for ``archivedAt``/``updatedAt`` and batch timestamps.
            send_retry_after: Add ``Retry-After`` to 429 responses. Off by default because HubSpot does
                not reliably send it, so clients must not depend on it.
        """
        super().__init__()
        self.access_token = access_token
        self._wall_clock = wall_clock
        self._send_retry_after = send_retry_after
        self._burst = RollingWindowLimiter(burst_limit, burst_window_s, clock=clock)
        self._search = RollingWindowLimiter(search_per_second, 1.0, clock=clock)
        self._lock = threading.RLock()
        self._records: dict[str, dict[str, JSON]] = {}
        self._sorted: dict[str, list[tuple[int, JSON]]] = {}
        # object type -> id -> other object type -> ids (both directions are stored).
        self._links: dict[str, dict[str, dict[str, set[str]]]] = {}
        self._pipelines: dict[str, list[JSON]] = {}
        self._explicit_props: dict[str, list[JSON]] = {}
        self._props: dict[str, dict[str, JSON]] = {}
        self._props_dirty = True
        self._url_map = Map(
            [
                Rule("/crm/v3/objects/<object_type>", methods=["GET"], endpoint="list"),
                Rule("/crm/v3/objects/<object_type>/search", methods=["POST"], endpoint="search"),
                Rule("/crm/v3/objects/<object_type>/<object_id>", methods=["GET"], endpoint="get"),
                Rule(
                    "/crm/v4/associations/<from_type>/<to_type>/batch/read",
                    methods=["POST"],
                    endpoint="associations.batch_read",
                ),
                Rule(
                    "/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>",
                    methods=["GET"],
                    endpoint="associations.list",
                ),
                Rule("/crm/v3/pipelines/<object_type>", methods=["GET"], endpoint="pipelines"),
                Rule("/crm/v3/pipelines/<object_type>/<pipeline_id>", methods=["GET"], endpoint="pipeline"),
                Rule("/crm/v3/properties/<object_type>", methods=["GET"], endpoint="properties"),
                Rule("/crm/v3/properties/<object_type>/<property_name>", methods=["GET"], endpoint="property"),
            ],
            strict_slashes=False,
        )
        self.set_data(data or {})

    # ------------------------------------------------------------------ data management

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the whole portal with a fixture's ``hubspot`` part (counters and limits are kept).

        Args:
            data: Mapping with optional ``contacts``/``deals``/``meetings``/``companies`` record lists,
                ``pipelines`` and ``properties``.

        Raises:
            ValueError: When a record id is not a numeric string.
        """
        with self._lock:
            self._records = {t: {} for t in _SINGULAR}
            self._links = {t: {} for t in _SINGULAR}
            self._sorted = {}
            for key, value in data.items():
                if key in ("pipelines", "properties"):
                    continue
                object_type = _OBJECT_ALIASES.get(key)
                if object_type is None or not isinstance(value, list):
                    continue
                for raw in value:
                    self._store(object_type, raw)
            self._pipelines = {
                _OBJECT_ALIASES.get(t, t): [self._complete_pipeline(p, i) for i, p in enumerate(pipes)]
                for t, pipes in (data.get("pipelines") or {}).items()
            }
            if "deals" not in self._pipelines:
                self._pipelines["deals"] = [self._default_deal_pipeline()]
            self._explicit_props = {
                _OBJECT_ALIASES.get(t, t): [dict(d) for d in defs] for t, defs in (data.get("properties") or {}).items()
            }
            self._props_dirty = True

    def upsert_record(self, object_type: str, record: Mapping[str, Any]) -> None:
        """Create or replace one record, as if it had been edited in the portal.

        The record is stored as given (timestamps are not bumped automatically, so a test controls what
        an incremental sync sees). An ``associations`` key replaces the record's associations to the
        listed object types; without it, existing associations are kept.

        Args:
            object_type: ``contacts``, ``deals``, ``meetings`` or ``companies`` (aliases accepted).
            record: A record in fixture/API shape (``id``, ``properties``, ``createdAt``…).
        """
        canonical = self._public_type(object_type)
        with self._lock:
            self._store(canonical, record)
            self._props_dirty = True

    def archive(self, object_type: str, object_id: str | int, *, at: datetime | None = None) -> None:
        """Archive (soft-delete) a record: ``archived: true``, ``archivedAt`` and ``updatedAt`` set to now.

        Args:
            object_type: Object type (aliases accepted).
            object_id: Record id.
            at: Timestamp to use instead of the wall clock.

        Raises:
            KeyError: When the record does not exist.
        """
        canonical = self._public_type(object_type)
        stamp = _iso(at or self._wall_clock())
        with self._lock:
            record = self._records[canonical][str(object_id)]
            record["archived"] = True
            record["archivedAt"] = stamp
            record["updatedAt"] = stamp

    def remove_record(self, object_type: str, object_id: str | int) -> None:
        """Hard-delete a record and its associations (GDPR delete / purge after 90 days in the bin).

        Args:
            object_type: Object type (aliases accepted).
            object_id: Record id.

        Raises:
            KeyError: When the record does not exist.
        """
        canonical = self._public_type(object_type)
        oid = str(object_id)
        with self._lock:
            del self._records[canonical][oid]
            self._sorted.pop(canonical, None)
            for to_type, ids in self._links[canonical].pop(oid, {}).items():
                for other in ids:
                    self._links[to_type].get(other, {}).get(canonical, set()).discard(oid)

    def get_record(self, object_type: str, object_id: str | int) -> JSON | None:
        """Return a copy of a stored record (live or archived), or None."""
        canonical = self._public_type(object_type)
        with self._lock:
            record = self._records[canonical].get(str(object_id))
            return copy.deepcopy(record) if record is not None else None

    def property_definitions(self, object_type: str) -> list[JSON]:
        """Return copies of the property definitions served for ``object_type``."""
        canonical = self._public_type(object_type)
        with self._lock:
            return copy.deepcopy(list(self._defs(canonical).values()))

    def reset_rate_limits(self) -> None:
        """Forget every request recorded by the burst and search limiters."""
        self._burst.reset()
        self._search.reset()

    @staticmethod
    def _resolve_type(object_type: str) -> str:
        canonical = _OBJECT_ALIASES.get(object_type.lower())
        if canonical is None:
            raise _ApiError(400, f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
        return canonical

    @staticmethod
    def _public_type(object_type: str) -> str:
        canonical = _OBJECT_ALIASES.get(object_type.lower())
        if canonical is None:
            raise ValueError(f"Unknown HubSpot object type {object_type!r}")
        return canonical

    def _defs(self, object_type: str) -> dict[str, JSON]:
        # Definitions are derived lazily so a burst of upserts costs one rebuild, not one per record.
        if self._props_dirty:
            self._rebuild_properties()
            self._props_dirty = False
        return self._props.get(object_type, {})

    def _store(self, object_type: str, raw: Mapping[str, Any]) -> None:
        record = self._normalise_record(object_type, raw)
        oid = record["id"]
        self._records[object_type][oid] = record
        self._sorted.pop(object_type, None)
        associations = raw.get("associations")
        if isinstance(associations, Mapping):
            for to_key, targets in associations.items():
                to_type = _OBJECT_ALIASES.get(str(to_key).lower())
                if to_type is None:
                    continue
                self._replace_links(object_type, oid, to_type, self._association_ids(targets))

    @staticmethod
    def _association_ids(targets: Any) -> list[str]:
        # Accept the fixture form ["51", 52] and the API form {"results": [{"id": "51", "type": ...}]}.
        if isinstance(targets, Mapping):
            targets = targets.get("results", [])
        ids: list[str] = []
        for item in targets or []:
            if isinstance(item, Mapping):
                item = item.get("id", item.get("toObjectId"))
            if item is not None:
                ids.append(str(item))
        return ids

    def _replace_links(self, from_type: str, from_id: str, to_type: str, to_ids: list[str]) -> None:
        current = self._links[from_type].setdefault(from_id, {}).setdefault(to_type, set())
        for old in current:
            self._links[to_type].get(old, {}).get(from_type, set()).discard(from_id)
        current.clear()
        for new in to_ids:
            current.add(new)
            self._links[to_type].setdefault(new, {}).setdefault(from_type, set()).add(from_id)

    def _normalise_record(self, object_type: str, raw: Mapping[str, Any]) -> JSON:
        oid = str(raw.get("id", (raw.get("properties") or {}).get("hs_object_id", "")))
        if not oid.isdigit():
            raise ValueError(f"HubSpot {object_type} ids must be numeric strings, got {oid!r}")
        props = {str(k): _wire_string(v) for k, v in (raw.get("properties") or {}).items()}
        props["hs_object_id"] = oid
        created_prop, modified_prop = _TIMESTAMP_PROPS[object_type]
        now = _iso(self._wall_clock())
        created_at = raw.get("createdAt") or props.get(created_prop) or props.get("createdate") or now
        updated_at = raw.get("updatedAt") or props.get(modified_prop) or created_at
        props.setdefault(created_prop, str(created_at))
        props.setdefault(modified_prop, str(updated_at))
        record: JSON = {
            "id": oid,
            "properties": props,
            "createdAt": str(created_at),
            "updatedAt": str(updated_at),
            "archived": bool(raw.get("archived", False)),
        }
        if raw.get("archivedAt"):
            record["archivedAt"] = str(raw["archivedAt"])
        if raw.get("propertiesWithHistory"):
            record["propertiesWithHistory"] = copy.deepcopy(dict(raw["propertiesWithHistory"]))
        return record

    @staticmethod
    def _complete_pipeline(raw: Mapping[str, Any], index: int) -> JSON:
        pipeline = copy.deepcopy(dict(raw))
        pipeline["id"] = str(pipeline["id"])
        pipeline.setdefault("label", pipeline["id"])
        pipeline.setdefault("displayOrder", index)
        pipeline.setdefault("archived", False)
        pipeline.setdefault("createdAt", _EPOCH_ISO)
        pipeline.setdefault("updatedAt", pipeline["createdAt"])
        default_labels = {sid: label for sid, label, _, _ in _DEFAULT_DEAL_STAGES}
        stages = []
        for i, raw_stage in enumerate(pipeline.get("stages") or []):
            stage = dict(raw_stage)
            stage["id"] = str(stage["id"])
            stage.setdefault("label", default_labels.get(stage["id"], stage["id"]))
            stage.setdefault("displayOrder", i)
            # metadata is a string->string map on the wire ("isClosed": "true", "probability": "1.0").
            stage["metadata"] = {
                str(k): ("true" if v else "false") if isinstance(v, bool) else str(v)
                for k, v in (stage.get("metadata") or {}).items()
            }
            stage.setdefault("archived", False)
            stage.setdefault("createdAt", pipeline["createdAt"])
            stage.setdefault("updatedAt", stage["createdAt"])
            stage.setdefault("writePermissions", "CRM_PERMISSIONS_ENFORCEMENT")
            stages.append(stage)
        pipeline["stages"] = stages
        return pipeline

    @classmethod
    def _default_deal_pipeline(cls) -> JSON:
        return cls._complete_pipeline(
            {
                "id": "default",
                "label": "Sales Pipeline",
                "stages": [
                    {"id": sid, "label": label, "metadata": {"isClosed": closed, "probability": prob}}
                    for sid, label, closed, prob in _DEFAULT_DEAL_STAGES
                ],
            },
            0,
        )

    def _rebuild_properties(self) -> None:
        """Derive property definitions: fixture definitions, standard ones, then anything seen on records."""
        self._props = {}
        for object_type in _SINGULAR:
            records = self._records.get(object_type, {})
            seen: dict[str, list[str]] = {}
            for record in records.values():
                for name, value in record["properties"].items():
                    bucket = seen.setdefault(name, [])
                    if value not in (None, ""):
                        bucket.append(value)
            defs: dict[str, JSON] = {}
            explicit = self._explicit_props.get(object_type)
            if explicit is not None:
                for raw in explicit:
                    definition = _complete_definition(raw, object_type)
                    defs[definition["name"]] = definition
            else:
                for definition in self._standard_definitions(object_type, seen):
                    defs[definition["name"]] = definition
            for name, values in seen.items():
                if name not in defs:
                    prop_type = _infer_type(name, values)
                    options = [_option("Yes", "true", 0), _option("No", "false", 1)] if prop_type == "bool" else None
                    defs[name] = _property_definition(
                        name,
                        name,
                        prop_type,
                        object_type,
                        options=options,
                        hubspot_defined=name.startswith("hs_"),
                    )
            for name, definition in defs.items():
                # Values present on records but missing from an enumeration's options are added, so
                # the options always describe the data being served.
                if definition["type"] == "enumeration":
                    known = {o["value"] for o in definition["options"]}
                    for value in dict.fromkeys(seen.get(name, [])):
                        if value not in known:
                            definition["options"].append(_option(value, value, len(definition["options"])))
                            known.add(value)
            self._props[object_type] = defs

    def _standard_definitions(self, object_type: str, seen: Mapping[str, list[str]]) -> list[JSON]:
        t = object_type

        def d(name: str, label: str, prop_type: str, **kw: Any) -> JSON:
            return _property_definition(name, label, prop_type, t, **kw)

        def enum(name: str, label: str, pairs: Iterable[tuple[str, str]], field_type: str = "select") -> JSON:
            options = [_option(lbl, val, i) for i, (val, lbl) in enumerate(pairs)]
            return d(name, label, "enumeration", field_type=field_type, options=options)

        common = [d("hs_object_id", "Record ID", "number")]
        if t == "contacts":
            stages: list[tuple[str, str]] = list(DEFAULT_LIFECYCLE_STAGES)
            known_stage_ids = {s for s, _ in stages}
            # Custom lifecycle stages (numeric ids) seen in the data get their own stage properties too.
            stages += [(v, v) for v in dict.fromkeys(seen.get("lifecyclestage", [])) if v not in known_stage_ids]
            defs = [
                *common,
                d("email", "Email", "string"),
                d("firstname", "First Name", "string"),
                d("lastname", "Last Name", "string"),
                d("createdate", "Create Date", "datetime"),
                d("lastmodifieddate", "Last Modified Date", "datetime"),
                enum("lifecyclestage", "Lifecycle Stage", stages, field_type="radio"),
                enum("hs_analytics_source", "Original Source", _ANALYTICS_SOURCES),
                d("hs_analytics_source_data_1", "Original Source Drill-Down 1", "string"),
                d("hs_analytics_source_data_2", "Original Source Drill-Down 2", "string"),
                enum("hs_latest_source", "Latest Source", _ANALYTICS_SOURCES),
                d("hs_latest_source_data_1", "Latest Source Drill-Down 1", "string"),
                d("hs_latest_source_data_2", "Latest Source Drill-Down 2", "string"),
                d("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime"),
            ]
            for stage_id, label in stages:
                defs += [
                    d(f"hs_lifecyclestage_{stage_id}_date", f"Became a {label} Date", "datetime"),
                    d(
                        f"hs_v2_date_entered_{stage_id}",
                        f"Date entered '{label} (Lifecycle Stage Pipeline)'",
                        "datetime",
                    ),
                    d(
                        f"hs_v2_date_exited_{stage_id}",
                        f"Date exited '{label} (Lifecycle Stage Pipeline)'",
                        "datetime",
                    ),
                ]
            return defs
        if t == "deals":
            pipelines = self._pipelines.get("deals", [])
            stage_pairs = [(s["id"], s["label"]) for p in pipelines for s in p["stages"]]
            defs = [
                *common,
                d("dealname", "Deal Name", "string"),
                d("amount", "Amount", "number"),
                enum("dealstage", "Deal Stage", stage_pairs, field_type="radio"),
                enum("pipeline", "Pipeline", [(p["id"], p["label"]) for p in pipelines]),
                d("closedate", "Close Date", "datetime"),
                d("createdate", "Create Date", "datetime"),
                d("hs_createdate", "HubSpot Create Date", "datetime"),
                d("hs_lastmodifieddate", "Last Modified Date", "datetime"),
                enum("hs_is_closed", "Is Deal Closed?", [("true", "True"), ("false", "False")]),
                enum("hs_is_closed_won", "Is Closed Won", [("true", "True"), ("false", "False")]),
                enum("hs_is_closed_lost", "Is closed lost", [("true", "True"), ("false", "False")]),
                d("hs_deal_stage_probability", "Deal probability", "number"),
                d("amount_in_home_currency", "Amount in company currency", "number"),
                d("deal_currency_code", "Currency", "string"),
                d("hs_closed_amount", "Closed Deal Amount", "number"),
                d("hs_closed_won_count", "Closed won count", "number"),
                enum("hs_analytics_source", "Original Source Type", _ANALYTICS_SOURCES),
            ]
            for stage_id, label in dict(stage_pairs).items():
                defs += [
                    d(f"hs_v2_date_entered_{stage_id}", f"Date entered '{label}'", "datetime"),
                    d(f"hs_v2_date_exited_{stage_id}", f"Date exited '{label}'", "datetime"),
                ]
            # The boolean flags are HubSpot "bool" properties.
            for flag in defs:
                if flag["name"] in ("hs_is_closed", "hs_is_closed_won", "hs_is_closed_lost"):
                    flag["type"] = "bool"
                    flag["fieldType"] = "booleancheckbox"
            return defs
        if t == "meetings":
            return [
                *common,
                d("hs_meeting_title", "Meeting name", "string"),
                d("hs_meeting_start_time", "Meeting start time", "datetime"),
                d("hs_meeting_end_time", "Meeting end time", "datetime"),
                enum("hs_meeting_outcome", "Meeting outcome", _MEETING_OUTCOMES),
                d("hs_timestamp", "Activity date", "datetime"),
                d("hs_createdate", "Create date", "datetime"),
                d("hs_lastmodifieddate", "Last modified date", "datetime"),
                d("hubspot_owner_id", "Activity assigned to", "string"),
                d("hs_activity_type", "Call and meeting type", "string"),
            ]
        return [
            *common,
            d("name", "Company name", "string"),
            d("domain", "Company Domain Name", "string"),
            d("createdate", "Create Date", "datetime"),
            d("hs_lastmodifieddate", "Last Modified Date", "datetime"),
        ]

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self._url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self._finish("not_found", self._error_response(_not_found(request.path)))
        except MethodNotAllowed:
            body = _error_body(f"Method {request.method} not allowed on {request.path}", "VALIDATION_ERROR")
            return self._finish("method_not_allowed", json_response(body, 405))
        except HTTPException as exc:  # pragma: no cover - routing redirects are disabled by strict_slashes
            return self._finish("not_found", json_response(_error_body(str(exc), "OBJECT_NOT_FOUND"), 404))

        name = self._endpoint_name(str(endpoint), args)
        is_search = endpoint == "search"

        if not self._authorised(request):
            return self._finish(name, json_response(_error_body(_AUTH_MESSAGE, "INVALID_AUTHENTICATION"), 401))

        headers: dict[str, str] = {}
        if is_search:
            decision = self._search.acquire()
            if not decision.allowed:
                return self._finish(
                    name, self._rate_limited("You have reached your secondly limit.", "SECONDLY", decision)
                )
        else:
            decision = self._burst.acquire()
            if self._burst.enabled:
                headers = {
                    "X-HubSpot-RateLimit-Max": str(decision.limit),
                    "X-HubSpot-RateLimit-Remaining": str(decision.remaining),
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self._burst.window_s * 1000)),
                }
            if not decision.allowed:
                response = self._rate_limited(
                    "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING", decision
                )
                response.headers.update(headers)
                return self._finish(name, response)

        try:
            handler = getattr(self, "_handle_" + str(endpoint).replace(".", "_"))
            with self._lock:
                response = handler(request, **args)
        except _ApiError as err:
            response = self._error_response(err)
        response.headers.update(headers)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response

    @staticmethod
    def _endpoint_name(endpoint: str, args: Mapping[str, Any]) -> str:
        if endpoint in ("list", "get", "search"):
            raw = str(args["object_type"])
            return f"{_OBJECT_ALIASES.get(raw.lower(), raw)}.{endpoint}"
        if endpoint == "pipeline":
            return "pipelines"
        if endpoint == "property":
            return "properties"
        return endpoint

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        return self.access_token is None or token == self.access_token

    def _rate_limited(self, message: str, policy: str, decision: RateDecision) -> Response:
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "requestId": str(uuid.uuid4()),
        }
        headers = {}
        if self._send_retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after_s)))
        return json_response(body, 429, headers)

    @staticmethod
    def _error_response(err: _ApiError) -> Response:
        return json_response(_error_body(err.message, err.category, **err.extra), err.status)

    # ------------------------------------------------------------------ rendering helpers

    def _sorted_records(self, object_type: str) -> list[tuple[int, JSON]]:
        cached = self._sorted.get(object_type)
        if cached is None:
            cached = sorted((int(oid), rec) for oid, rec in self._records[object_type].items())
            self._sorted[object_type] = cached
        return cached

    def _live_links(self, object_type: str, oid: str, to_type: str) -> list[str]:
        # Archived records lose their associations from the API's point of view.
        ids = self._links[object_type].get(oid, {}).get(to_type, set())
        live = [i for i in ids if (r := self._records[to_type].get(i)) is not None and not r["archived"]]
        return sorted(live, key=int)

    def _known_properties(self, object_type: str, requested: Iterable[str]) -> list[str]:
        defs = self._defs(object_type)
        return [p for p in requested if p in defs]

    def _render(
        self,
        object_type: str,
        record: JSON,
        names: Iterable[str],
        *,
        associations: Iterable[str] = (),
        history: Iterable[str] = (),
    ) -> JSON:
        props = record["properties"]
        out: JSON = {
            "id": record["id"],
            "properties": {name: props.get(name) for name in sorted(set(names))},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record["archived"] and record.get("archivedAt"):
            out["archivedAt"] = record["archivedAt"]
        history_names = list(history)
        if history_names:
            stored = record.get("propertiesWithHistory") or {}
            out["propertiesWithHistory"] = {
                name: copy.deepcopy(stored[name]) if name in stored else self._synth_history(record, name)
                for name in history_names
            }
        assoc_out: JSON = {}
        for to_type in associations:
            ids = [] if record["archived"] else self._live_links(object_type, record["id"], to_type)
            if ids:
                kind = f"{_SINGULAR[object_type]}_to_{_SINGULAR[to_type]}"
                assoc_out[to_type] = {"results": [{"id": i, "type": kind} for i in ids]}
        if assoc_out:
            out["associations"] = assoc_out
        return out

    @staticmethod
    def _synth_history(record: JSON, name: str) -> list[JSON]:
        # Without stored history the best honest answer is the current value, stamped when last modified.
        value = record["properties"].get(name)
        if value in (None, ""):
            return []
        return [{"value": value, "timestamp": record["updatedAt"], "sourceType": "CRM_UI", "sourceId": ""}]

    # ------------------------------------------------------------------ handlers

    def _handle_list(self, request: Request, object_type: str) -> Response:
        canonical = self._resolve_type(object_type)
        args = request.args
        requested = _split_multi(args.getlist("properties"))
        history = self._known_properties(canonical, _split_multi(args.getlist("propertiesWithHistory")))
        associations = [
            t for t in (_OBJECT_ALIASES.get(a.lower()) for a in _split_multi(args.getlist("associations"))) if t
        ]
        archived = _parse_bool(args.get("archived"), "archived")
        max_limit = _LIST_HISTORY_MAX_LIMIT if history else _LIST_MAX_LIMIT
        limit = min(max(_parse_int(args.get("limit"), "limit", default=10), 1), max_limit)
        after_raw = args.get("after")
        after = _parse_int(after_raw, "after", default=0) if after_raw else 0

        names = [*DEFAULT_LIST_PROPERTIES[canonical], *self._known_properties(canonical, requested)]
        rows = self._sorted_records(canonical)
        start = bisect_left(rows, after, key=lambda row: row[0])
        page: list[JSON] = []
        next_after: int | None = None
        for num, record in rows[start:]:
            if record["archived"] != archived:
                continue
            if len(page) == limit:
                next_after = num
                break
            page.append(self._render(canonical, record, names, associations=associations, history=history))
        body: JSON = {"results": page}
        if next_after is not None:
            body["paging"] = {
                "next": {
                    "after": str(next_after),
                    "link": f"{request.host_url}crm/v3/objects/{object_type}?after={next_after}",
                }
            }
        return json_response(body)

    def _handle_get(self, request: Request, object_type: str, object_id: str) -> Response:
        canonical = self._resolve_type(object_type)
        args = request.args
        archived = _parse_bool(args.get("archived"), "archived")
        record = self._records[canonical].get(object_id)
        if record is None or record["archived"] != archived:
            raise _not_found(request.path, object_id)
        requested = _split_multi(args.getlist("properties"))
        history = self._known_properties(canonical, _split_multi(args.getlist("propertiesWithHistory")))
        associations = [
            t for t in (_OBJECT_ALIASES.get(a.lower()) for a in _split_multi(args.getlist("associations"))) if t
        ]
        names = [*DEFAULT_LIST_PROPERTIES[canonical], *self._known_properties(canonical, requested)]
        return json_response(self._render(canonical, record, names, associations=associations, history=history))

    def _handle_search(self, request: Request, object_type: str) -> Response:
        canonical = self._resolve_type(object_type)
        body = _json_body(request)
        limit = _parse_int(body.get("limit"), "limit", default=10)
        if limit < 0 or limit > _SEARCH_MAX_LIMIT:
            raise _ApiError(
                400,
                f"Invalid input JSON on line 1: limit must be between 0 and {_SEARCH_MAX_LIMIT}, got {limit}",
                "VALIDATION_ERROR",
            )
        after = _parse_int(body.get("after"), "after", default=0)
        if after < 0:
            raise _ApiError(400, f"Invalid after value: {after}", "VALIDATION_ERROR")
        if after + limit > _SEARCH_RESULT_CAP:
            raise _ApiError(
                400,
                f"Search results are limited to {_SEARCH_RESULT_CAP:,} per query; after={after} with "
                f"limit={limit} pages past the 10,000 result limit. Narrow the filters "
                "(e.g. hs_object_id GT the last id seen) and start again.",
                "VALIDATION_ERROR",
            )

        predicate = self._compile_filters(canonical, body.get("filterGroups") or [])
        query = str(body.get("query") or "").strip().casefold()
        rows = [rec for _, rec in self._sorted_records(canonical) if not rec["archived"]]
        matches = [
            rec
            for rec in rows
            if predicate(rec) and (not query or any(query in (v or "").casefold() for v in rec["properties"].values()))
        ]
        matches = self._apply_sorts(canonical, matches, body.get("sorts") or [])

        requested = body.get("properties")
        if requested:
            names = [
                *_SEARCH_ALWAYS[canonical],
                *self._known_properties(canonical, _split_multi(str(p) for p in requested)),
            ]
        else:
            names = list(DEFAULT_LIST_PROPERTIES[canonical])
        page = matches[after : after + limit]
        out: JSON = {"total": len(matches), "results": [self._render(canonical, r, names) for r in page]}
        if after + limit < len(matches) and limit > 0:
            out["paging"] = {"next": {"after": str(after + limit)}}
        return json_response(out)

    def _handle_associations_batch_read(self, request: Request, from_type: str, to_type: str) -> Response:
        source = self._resolve_type(from_type)
        target = self._resolve_type(to_type)
        type_id = _ASSOCIATION_TYPE_IDS.get((source, target))
        if type_id is None:
            raise _ApiError(400, f"Unsupported association {from_type} -> {to_type}", "VALIDATION_ERROR")
        started = _iso(self._wall_clock())
        body = _json_body(request)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise _ApiError(400, "Invalid input JSON: 'inputs' must be a list", "VALIDATION_ERROR")
        if len(inputs) > _BATCH_READ_MAX_INPUTS:
            raise _ApiError(
                400,
                f"Batch input limit exceeded: {len(inputs)} inputs, maximum is {_BATCH_READ_MAX_INPUTS}",
                "VALIDATION_ERROR",
            )
        results: list[JSON] = []
        for item in dict.fromkeys(str(i.get("id") if isinstance(i, Mapping) else i) for i in inputs):
            record = self._records[source].get(item)
            if record is None or record["archived"]:
                continue
            to_ids = self._live_links(source, item, target)
            if not to_ids:
                continue
            results.append(
                {
                    "from": {"id": item},
                    "to": [
                        {
                            "toObjectId": int(t),
                            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
                        }
                        for t in to_ids
                    ],
                }
            )
        return json_response(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": started,
                "completedAt": _iso(self._wall_clock()),
            }
        )

    def _handle_associations_list(self, request: Request, object_type: str, object_id: str, to_type: str) -> Response:
        source = self._resolve_type(object_type)
        target = self._resolve_type(to_type)
        type_id = _ASSOCIATION_TYPE_IDS.get((source, target))
        if type_id is None:
            raise _ApiError(400, f"Unsupported association {object_type} -> {to_type}", "VALIDATION_ERROR")
        record = self._records[source].get(object_id)
        if record is None or record["archived"]:
            raise _not_found(request.path, object_id)
        to_ids = self._live_links(source, object_id, target)
        results = [
            {
                "toObjectId": int(t),
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
            }
            for t in to_ids
        ]
        return json_response({"results": results})

    def _handle_pipelines(self, request: Request, object_type: str) -> Response:
        canonical = _OBJECT_ALIASES.get(object_type.lower(), object_type)
        return json_response({"results": copy.deepcopy(self._pipelines.get(canonical, []))})

    def _handle_pipeline(self, request: Request, object_type: str, pipeline_id: str) -> Response:
        canonical = _OBJECT_ALIASES.get(object_type.lower(), object_type)
        for pipeline in self._pipelines.get(canonical, []):
            if pipeline["id"] == pipeline_id:
                return json_response(copy.deepcopy(pipeline))
        raise _not_found(request.path, pipeline_id)

    def _handle_properties(self, request: Request, object_type: str) -> Response:
        canonical = self._resolve_type(object_type)
        return json_response({"results": copy.deepcopy(list(self._defs(canonical).values()))})

    def _handle_property(self, request: Request, object_type: str, property_name: str) -> Response:
        canonical = self._resolve_type(object_type)
        definition = self._defs(canonical).get(property_name)
        if definition is None:
            raise _not_found(request.path, property_name)
        return json_response(copy.deepcopy(definition))

    # ------------------------------------------------------------------ search internals

    def _property_type(self, object_type: str, name: str) -> str:
        definition = self._defs(object_type).get(name)
        return str(definition["type"]) if definition else "string"

    def _typed(self, prop_type: str, value: Any) -> Any:
        """Convert a value to the comparable form for the property type (raises ValueError)."""
        if prop_type == "number":
            return _to_number(value)
        if prop_type in ("datetime", "date"):
            return _to_epoch_ms(value)
        text = _wire_string(value)
        return (text or "").casefold()

    def _record_value(self, prop_type: str, record: JSON, name: str) -> Any:
        raw = record["id"] if name == "hs_object_id" else record["properties"].get(name)
        if raw in (None, ""):
            return None
        try:
            return self._typed(prop_type, raw)
        except ValueError:
            # Malformed stored data compares like a missing value instead of failing the request.
            return None

    def _compile_filters(self, object_type: str, groups: Any) -> Callable[[JSON], bool]:
        if not isinstance(groups, list):
            raise _ApiError(400, "Invalid input JSON: filterGroups must be a list", "VALIDATION_ERROR")
        compiled: list[list[Callable[[JSON], bool]]] = []
        for group in groups:
            filters = group.get("filters") if isinstance(group, Mapping) else None
            if not isinstance(filters, list):
                raise _ApiError(400, "Invalid input JSON: each filterGroup needs filters", "VALIDATION_ERROR")
            compiled.append([self._compile_filter(object_type, f) for f in filters])
        if not compiled:
            return lambda record: True
        return lambda record: any(all(f(record) for f in group) for group in compiled)

    def _compile_filter(self, object_type: str, spec: Any) -> Callable[[JSON], bool]:
        if not isinstance(spec, Mapping) or "propertyName" not in spec or "operator" not in spec:
            raise _ApiError(400, "Invalid input JSON: a filter needs propertyName and operator", "VALIDATION_ERROR")
        name = str(spec["propertyName"])
        operator = str(spec["operator"]).upper()
        if operator not in _FILTER_OPERATORS:
            raise _ApiError(400, f"Unknown filter operator {operator!r}", "VALIDATION_ERROR")
        prop_type = self._property_type(object_type, name)

        def typed(value: Any, field: str) -> Any:
            if value is None:
                raise _ApiError(400, f"Filter on {name} with operator {operator} requires {field}", "VALIDATION_ERROR")
            try:
                return self._typed(prop_type, value)
            except (ValueError, TypeError) as exc:
                raise _ApiError(
                    400,
                    f"{value!r} is not a valid {prop_type} value for property {name}",
                    "VALIDATION_ERROR",
                    context={"propertyName": [name]},
                ) from exc

        def value_of(record: JSON) -> Any:
            return self._record_value(prop_type, record, name)

        if operator == "HAS_PROPERTY":
            return lambda r: value_of(r) is not None
        if operator == "NOT_HAS_PROPERTY":
            return lambda r: value_of(r) is None
        if operator in ("IN", "NOT_IN"):
            values = spec.get("values")
            if not isinstance(values, list):
                raise _ApiError(400, f"Operator {operator} requires a values list", "VALIDATION_ERROR")
            wanted = {typed(v, "values") for v in values}
            if operator == "IN":
                return lambda r: (v := value_of(r)) is not None and v in wanted
            return lambda r: (v := value_of(r)) is None or v not in wanted
        if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            token = str(_wire_string(spec.get("value")) or "").casefold()
            if not token:
                raise _ApiError(400, f"Operator {operator} requires a value", "VALIDATION_ERROR")

            def contains(record: JSON) -> bool:
                raw = record["properties"].get(name)
                if raw in (None, ""):
                    return False
                text = str(raw).casefold()
                if "*" in token:
                    return fnmatch.fnmatchcase(text, token)
                return token in re.split(r"[^\w@.+-]+", text) or token in text.split("@")

            if operator == "CONTAINS_TOKEN":
                return contains
            return lambda r: not contains(r)

        low = typed(spec.get("value"), "value")
        if operator == "BETWEEN":
            high = typed(spec.get("highValue"), "highValue")
            return lambda r: (v := value_of(r)) is not None and low <= v <= high
        if operator == "EQ":
            return lambda r: (v := value_of(r)) is not None and v == low
        if operator == "NEQ":
            return lambda r: (v := value_of(r)) is None or v != low
        if operator == "LT":
            return lambda r: (v := value_of(r)) is not None and v < low
        if operator == "LTE":
            return lambda r: (v := value_of(r)) is not None and v <= low
        if operator == "GT":
            return lambda r: (v := value_of(r)) is not None and v > low
        return lambda r: (v := value_of(r)) is not None and v >= low  # GTE

    def _apply_sorts(self, object_type: str, records: list[JSON], sorts: Any) -> list[JSON]:
        if not isinstance(sorts, list):
            raise _ApiError(400, "Invalid input JSON: sorts must be a list", "VALIDATION_ERROR")
        specs: list[tuple[str, bool]] = []
        for item in sorts:
            if isinstance(item, str):
                descending = item.startswith("-")
                specs.append((item.lstrip("-"), descending))
            elif isinstance(item, Mapping) and "propertyName" in item:
                direction = str(item.get("direction", "ASCENDING")).upper()
                if direction not in ("ASCENDING", "DESCENDING"):
                    raise _ApiError(400, f"Invalid sort direction {direction!r}", "VALIDATION_ERROR")
                specs.append((str(item["propertyName"]), direction == "DESCENDING"))
            else:
                raise _ApiError(400, f"Invalid sort {item!r}", "VALIDATION_ERROR")
        ordered = list(records)  # already in id order, which is also the tie-breaker
        # Stable sorts applied last-key-first give a lexicographic multi-key order.
        for name, descending in reversed(specs):
            prop_type = self._property_type(object_type, name)

            def key(record: JSON, _name: str = name, _type: str = prop_type) -> tuple[bool, Any]:
                value = self._record_value(_type, record, _name)
                # Missing values sort as the largest: last ascending, first descending.
                return (value is None, value if value is not None else 0)

            ordered.sort(key=key, reverse=descending)
        return ordered


def _error_body(message: str, category: str, **extra: Any) -> JSON:
    body: JSON = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    body.update(extra)
    return body


def _not_found(path: str, object_id: str | None = None) -> _ApiError:
    if object_id is None:
        return _ApiError(404, f"Resource not found: {path}", "OBJECT_NOT_FOUND")
    return _ApiError(
        404,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        context={"id": [object_id]},
    )


def _parse_int(raw: Any, name: str, *, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise _ApiError(400, f"Invalid integer for {name}: {raw!r}", "VALIDATION_ERROR")
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise _ApiError(400, f"Invalid integer for {name}: {raw!r}", "VALIDATION_ERROR") from exc


def _json_body(request: Request) -> JSON:
    raw = request.get_data(cache=False)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _ApiError(400, f"Invalid input JSON: {exc}", "VALIDATION_ERROR") from exc
    if not isinstance(body, dict):
        raise _ApiError(400, "Invalid input JSON: expected an object", "VALIDATION_ERROR")
    return body
