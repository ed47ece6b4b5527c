"""The HubSpot emulator's object routes: ``GET /crm/v3/objects/{type}`` (list), ``/{type}/{id}`` and the merge.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator`, dispatched by endpoint name.
"""

from __future__ import annotations

from bisect import bisect_left

from werkzeug.wrappers import Request, Response

from emulators.hubspot.errors import _ApiError, _json_body, _not_found, _parse_bool, _parse_int, _split_multi
from emulators.hubspot.store import _ObjectStore
from emulators.hubspot.wire import _OBJECT_ALIASES, DEFAULT_LIST_PROPERTIES, JSON
from emulators.server import json_response

_LIST_MAX_LIMIT = 100
_LIST_HISTORY_MAX_LIMIT = 50


class _RecordRoutes(_ObjectStore):
    """List and get-by-id routes over the object store."""

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
            # Archived records are listed in id order like live ones, until the recycle bin purges them.
            if record["archived"] != archived or (archived and self._purged(record)):
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

    def _handle_merge(self, request: Request, object_type: str) -> Response:
        canonical = self._resolve_type(object_type)
        body = _json_body(request)
        primary, other = str(body.get("primaryObjectId", "")), str(body.get("objectIdToMerge", ""))
        try:
            new_id = self.merge(canonical, primary, other)
        except KeyError:
            raise _ApiError(
                400, f"Cannot merge {object_type} {other} into {primary}: both must exist", "VALIDATION_ERROR"
            ) from None
        names = [*DEFAULT_LIST_PROPERTIES[canonical], "hs_merged_object_ids"]
        return json_response(self._render(canonical, self._records[canonical][new_id], names))

    def _handle_get(self, request: Request, object_type: str, object_id: str) -> Response:
        canonical = self._resolve_type(object_type)
        args = request.args
        archived = _parse_bool(args.get("archived"), "archived")
        # A merged-away id answers with the record it was merged into (its new id), as HubSpot does.
        object_id = self._merged_into.get(canonical, {}).get(object_id, object_id)
        record = self._records[canonical].get(object_id)
        if record is None or record["archived"] != archived or self._purged(record):
            raise _not_found(request.path, object_id)
        requested = _split_multi(args.getlist("properties"))
        history = self._known_properties(canonical, _split_multi(args.getlist("propertiesWithHistory")))
        associations = [
            t for t in (_OBJECT_ALIASES.get(a.lower()) for a in _split_multi(args.getlist("associations"))) if t
        ]
        names = [*DEFAULT_LIST_PROPERTIES[canonical], *self._known_properties(canonical, requested)]
        return json_response(self._render(canonical, record, names, associations=associations, history=history))
