"""The HubSpot emulator's object store: records, associations, pipelines, and records shaped as the API returns them.

The base class of every route mixin of :class:`~emulators.hubspot.HubSpotEmulator`; the peers layer reads it too.
"""

from __future__ import annotations

import base64
import copy
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from emulators.hubspot.errors import _ApiError
from emulators.hubspot.pipelines import _complete_pipeline, _default_deal_pipeline
from emulators.hubspot.properties import _derive_property_definitions, portal_currencies
from emulators.hubspot.wire import _OBJECT_ALIASES, _SINGULAR, JSON, _iso, _to_epoch_ms, _wire_string

#: Associations embedded in a record of the objects API (``?associations=contacts``) before the cut.
EMBEDDED_ASSOCIATIONS_LIMIT = 100

#: Archived (deleted) records stay in HubSpot's recycle bin, and in ``?archived=true`` listings, for 90 days;
#: then they are purged for good (HubSpot: deleted records are "restorable for 90 days").
RECYCLE_BIN_DAYS = 90

# (created property, last-modified property) per object type, used to fill records that omit them.
_TIMESTAMP_PROPS: dict[str, tuple[str, str]] = {
    "contacts": ("createdate", "lastmodifieddate"),
    "deals": ("createdate", "hs_lastmodifieddate"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate"),
    "companies": ("createdate", "hs_lastmodifieddate"),
}


class _ObjectStore:
    """Records, associations, pipelines and property definitions of one emulated portal.

    The state is created by :class:`~emulators.hubspot.HubSpotEmulator`; callers hold ``_lock`` while
    reading or changing it.
    """

    _lock: threading.RLock
    _wall_clock: Callable[[], datetime]
    _records: dict[str, dict[str, JSON]]
    _sorted: dict[str, list[tuple[int, JSON]]]
    # Live records ordered by last-modified instant (the search index): (instants, records), per type,
    # rebuilt after a change from each record's instant, read once when it is stored.
    _by_modified: dict[str, tuple[list[float], list[JSON]]]
    _modified_ms: dict[str, dict[str, float | None]]
    # A merged-away id -> the id of the record it was merged into (HubSpot answers a GET on either).
    _merged_into: dict[str, dict[str, str]]
    _recycle_bin_days: int | None  # None: archived records are never purged (fixtures with fixed dates)
    _version: int  # bumped on every change: search results cached per query are keyed on it
    # object type -> id -> other object type -> ids (both directions are stored).
    _links: dict[str, dict[str, dict[str, set[str]]]]
    _pipelines: dict[str, list[JSON]]
    _explicit_props: dict[str, list[JSON]]
    _props: dict[str, dict[str, JSON]]
    _props_dirty: bool
    _account: JSON  # the fixture's account-info fields (emulators.hubspot.account)

    # ------------------------------------------------------------------ data management

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the whole portal with a fixture's ``hubspot`` part (counters and limits are kept).

        Args:
            data: Mapping with optional ``contacts``/``deals``/``meetings``/``companies`` record lists,
                ``pipelines``, ``properties`` and ``account`` (account-info fields such as ``portalId``).

        Raises:
            ValueError: When a record id is not a numeric string.
        """
        with self._lock:
            self._records = {t: {} for t in _SINGULAR}
            self._links = {t: {} for t in _SINGULAR}
            self._merged_into = {t: {} for t in _SINGULAR}
            self._sorted = {}
            self._by_modified = {}
            self._modified_ms = {t: {} for t in _SINGULAR}
            self._version += 1
            self._account = dict(data.get("account") or {})
            for key, value in data.items():
                if key in ("pipelines", "properties", "account"):
                    continue
                object_type = _OBJECT_ALIASES.get(key)
                if object_type is None or not isinstance(value, list):
                    continue
                for raw in value:
                    self._store(object_type, raw)
            self._pipelines = {
                _OBJECT_ALIASES.get(t, t): [_complete_pipeline(p, i) for i, p in enumerate(pipes)]
                for t, pipes in (data.get("pipelines") or {}).items()
            }
            if "deals" not in self._pipelines:
                self._pipelines["deals"] = [_default_deal_pipeline()]
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
            self._changed(canonical)

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
            self._modified_ms[canonical].pop(oid, None)
            rows = self._sorted.get(canonical)
            if rows is not None:
                del rows[bisect_left(rows, int(oid), key=lambda row: row[0])]
            self._changed(canonical)
            for to_type, ids in self._links[canonical].pop(oid, {}).items():
                for other in ids:
                    self._links[to_type].get(other, {}).get(canonical, set()).discard(oid)

    def merge(
        self, object_type: str, primary_id: str | int, merged_id: str | int, *, at: datetime | None = None
    ) -> str:
        """Merge two records as HubSpot does (``POST /crm/v3/objects/{type}/merge``); returns the new record's id.

        Since HubSpot's 2024 change for contacts and companies, "a new record with a new ID will be created
        for the resulting merged record, with both records merged into the new one", and "fetching any
        records using the original IDs will return the new merged record with the new ID"
        (https://developers.hubspot.com/changelog/updated-merge-functionality-for-contacts-and-companies;
        the same holds for the other object types it was made consistent with). The two originals leave
        the listings without being archived; the new record carries ``hs_merged_object_ids``
        (semicolon-separated: both ids and any merged into them before), takes the primary's values over the
        other's, the earlier create date, both records' associations, and is modified at ``at``.

        Raises:
            KeyError: When either record does not exist or is archived.
        """
        canonical = self._public_type(object_type)
        stamp = _iso(at or self._wall_clock())
        with self._lock:
            records = self._records[canonical]
            primary, other = records[str(primary_id)], records[str(merged_id)]
            if primary["archived"] or other["archived"] or primary is other:
                raise KeyError(f"cannot merge {canonical} {primary_id} and {merged_id}")
            new_id = str(max(int(i) for i in records) + 1)
            created_prop, modified_prop = _TIMESTAMP_PROPS[canonical]
            props = {**other["properties"], **primary["properties"]}
            merged_ids = [
                *(primary["properties"].get("hs_merged_object_ids") or "").split(";"),
                *(other["properties"].get("hs_merged_object_ids") or "").split(";"),
                primary["id"],
                other["id"],
            ]
            props["hs_merged_object_ids"] = ";".join(sorted({i for i in merged_ids if i}, key=int))
            created = min((primary["createdAt"], other["createdAt"]), key=_to_epoch_ms)
            props.update({"hs_object_id": new_id, created_prop: created, modified_prop: stamp})
            links: dict[str, set[str]] = {}
            for old in (primary["id"], other["id"]):
                for to_type, ids in self._links[canonical].get(old, {}).items():
                    links.setdefault(to_type, set()).update(ids)
                self.remove_record(canonical, old)
            record = {"id": new_id, "properties": props, "createdAt": created, "updatedAt": stamp, "archived": False}
            self._store(canonical, {**record, "associations": {t: sorted(ids) for t, ids in links.items()}})
            aliases = self._merged_into[canonical]
            for old in (primary["id"], other["id"], *[k for k, v in aliases.items() if v in merged_ids]):
                aliases[old] = new_id
            self._props_dirty = True
            return new_id

    def _changed(self, object_type: str) -> None:
        # The id order is kept up to date in place (_store, remove_record); the search index is rebuilt.
        self._by_modified.pop(object_type, None)
        self._version += 1

    def _purged(self, record: JSON) -> bool:
        """An archived record past the recycle bin's 90 days: gone from every read, as in HubSpot."""
        if self._recycle_bin_days is None or not record["archived"] or not record.get("archivedAt"):
            return False
        cutoff = self._wall_clock() - timedelta(days=self._recycle_bin_days)
        return _to_epoch_ms(record["archivedAt"]) < cutoff.timestamp() * 1000

    def _live_by_modified(self, object_type: str) -> tuple[list[float], list[JSON]]:
        """Live records sorted by their last-modified instant, built once per change (the search index)."""
        cached = self._by_modified.get(object_type)
        if cached is None:
            instants = self._modified_ms[object_type]
            # A record whose instant cannot be read is left out: it never matches a date filter, as in the scan.
            keyed = [
                (ms, int(oid), record)
                for oid, record in self._records[object_type].items()
                if not record["archived"] and (ms := instants.get(oid)) is not None
            ]
            keyed.sort(key=lambda item: (item[0], item[1]))
            cached = ([k for k, _, _ in keyed], [r for _, _, r in keyed])
            self._by_modified[object_type] = cached
        return cached

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
        try:
            self._modified_ms[object_type][oid] = _to_epoch_ms(record["properties"][_TIMESTAMP_PROPS[object_type][1]])
        except ValueError:
            self._modified_ms[object_type][oid] = None
        rows = self._sorted.get(object_type)
        if rows is not None:
            num = int(oid)
            at = bisect_left(rows, num, key=lambda row: row[0])
            if at < len(rows) and rows[at][0] == num:
                rows[at] = (num, record)
            else:
                rows.insert(at, (num, record))
        self._changed(object_type)
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

    def _rebuild_properties(self) -> None:
        """Derive property definitions: fixture definitions, standard ones, then anything seen on records."""
        company, additional = portal_currencies(self._account, self._records.get("deals", {}))
        self._props = _derive_property_definitions(
            self._records, self._explicit_props, self._pipelines.get("deals", []), [company, *additional]
        )

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
                shown = ids[:EMBEDDED_ASSOCIATIONS_LIMIT]
                listed: JSON = {"results": [{"id": i, "type": kind} for i in shown]}
                if len(ids) > len(shown):
                    # HubSpot cuts embedded associations at 100 and hands a cursor for the rest, which a
                    # client follows through the associations API (announced for v3 in January 2021).
                    # The cursor is opaque; HubSpot's are base64 offsets ("MzAx" is "301").
                    offset = base64.b64encode(str(len(shown)).encode()).decode()
                    listed["paging"] = {"next": {"after": offset}}
                assoc_out[to_type] = listed
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
