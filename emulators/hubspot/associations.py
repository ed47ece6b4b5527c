"""The HubSpot emulator's v4 association routes: batch read and one record's associations.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator`, dispatched by endpoint name.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.wrappers import Request, Response

from emulators.hubspot.errors import _ApiError, _json_body, _not_found, _parse_int
from emulators.hubspot.store import _ObjectStore
from emulators.hubspot.wire import JSON, _iso
from emulators.server import json_response

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

_BATCH_READ_MAX_INPUTS = 1000
# GET /crm/v4/objects/{type}/{id}/associations/{toType}: ``limit`` defaults to 500, its maximum
# (hubspot-api-client 12 ``associations.v4.basic_api.get_page`` default; HubSpot's associations v4 guide).
_LIST_PAGE_SIZE = 500


class _AssociationRoutes(_ObjectStore):
    """Association reads over the store's links (archived records have none)."""

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
        limit = min(max(_parse_int(request.args.get("limit"), "limit", default=_LIST_PAGE_SIZE), 1), _LIST_PAGE_SIZE)
        # The cursor is opaque to clients; here it is the first associated id of the next page.
        after = _parse_int(request.args.get("after") or None, "after", default=0)
        to_ids = [t for t in self._live_links(source, object_id, target) if int(t) >= after]
        page, rest = to_ids[:limit], to_ids[limit:]
        body: JSON = {
            "results": [
                {
                    "toObjectId": int(t),
                    "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
                }
                for t in page
            ]
        }
        if rest:
            body["paging"] = {
                "next": {
                    "after": rest[0],
                    "link": f"{request.host_url}crm/v4/objects/{object_type}/{object_id}/associations/{to_type}"
                    f"?after={rest[0]}",
                }
            }
        return json_response(body)
