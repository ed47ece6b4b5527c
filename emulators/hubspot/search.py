"""The HubSpot emulator's search route: filters, sorting, paging and the 10,000-result cap.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator` serving ``POST /crm/v3/objects/{type}/search``.
"""

from __future__ import annotations

import fnmatch
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.hubspot.errors import _ApiError, _json_body, _parse_int, _split_multi
from emulators.hubspot.store import _TIMESTAMP_PROPS, _ObjectStore
from emulators.hubspot.wire import DEFAULT_LIST_PROPERTIES, JSON, _to_epoch_ms, _to_number, _wire_string
from emulators.server import json_response

# Search always adds these to an explicit ``properties`` list (reference §1.4 example response).
_SEARCH_ALWAYS: dict[str, tuple[str, ...]] = {
    "contacts": ("createdate", "hs_object_id", "lastmodifieddate"),
    "deals": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "companies": ("createdate", "hs_lastmodifieddate", "hs_object_id"),
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

_SEARCH_MAX_LIMIT = 200
_SEARCH_CACHE_SIZE = 8


class _SearchRoutes(_ObjectStore):
    """The search endpoint and the filter and sort machinery behind it."""

    _search_cache: dict[tuple[str, str, int], list[JSON]]

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

        matches = self._matches(canonical, body)

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

    # ------------------------------------------------------------------ search internals

    def _matches(self, object_type: str, body: Mapping[str, Any]) -> list[JSON]:
        """Every record matching the query, sorted; cached per query until the portal changes.

        HubSpot's search is an index, not a scan: paging a query costs the page. Here a query's result is
        computed once (narrowed through the last-modified index when every filter group bounds that
        property from below, the incremental syncs' query) and each further page is a slice of it.
        """
        groups = body.get("filterGroups") or []
        sorts = body.get("sorts") or []
        query = str(body.get("query") or "").strip().casefold()
        key = (object_type, json.dumps([groups, sorts, query], sort_keys=True, default=str), self._version)
        cached = self._search_cache.get(key)
        if cached is not None:
            return cached
        predicate = self._compile_filters(object_type, groups)
        lower = self._modified_lower_bound(object_type, groups)
        if lower is None:
            rows = [rec for _, rec in self._sorted_records(object_type) if not rec["archived"]]
        else:
            instants, by_modified = self._live_by_modified(object_type)
            rows = sorted(by_modified[bisect_left(instants, lower) :], key=lambda rec: int(rec["id"]))
        matches = [
            rec
            for rec in rows
            if predicate(rec) and (not query or any(query in (v or "").casefold() for v in rec["properties"].values()))
        ]
        matches = self._apply_sorts(object_type, matches, sorts)
        if len(self._search_cache) >= _SEARCH_CACHE_SIZE or any(k[2] != self._version for k in self._search_cache):
            self._search_cache.clear()
        self._search_cache[key] = matches
        return matches

    def _modified_lower_bound(self, object_type: str, groups: Any) -> float | None:
        """The smallest last-modified instant any group admits, when every group has such a bound."""
        if not isinstance(groups, list) or not groups:
            return None
        modified = _TIMESTAMP_PROPS[object_type][1]
        bounds: list[float] = []
        for group in groups:
            filters = group.get("filters") if isinstance(group, Mapping) else None
            group_bounds = []
            for spec in filters if isinstance(filters, list) else []:
                if (
                    isinstance(spec, Mapping)
                    and spec.get("propertyName") == modified
                    and str(spec.get("operator", "")).upper() in ("GTE", "GT", "EQ", "BETWEEN")
                ):
                    try:
                        group_bounds.append(self._typed("datetime", spec.get("value")))
                    except (TypeError, ValueError):
                        return None  # the filter itself answers the 400
            if not group_bounds:
                return None
            bounds.append(max(group_bounds))
        return min(bounds)

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
