"""Extra HubSpot endpoints that widely used open-source extractors call, as a WSGI layer over the emulator.

Singer's ``tap-hubspot``, Meltano's ``tap-hubspot`` and Airbyte's ``source-hubspot`` read the same portal
as the pipeline but through other doors: the CRM schemas endpoint (custom objects), singular object-type
paths (``/crm/v3/objects/contact``), the legacy ``/deals/v1/deal/paged`` and
``/contacts/v1/lists/all/contacts/all`` pagers, the ``/properties/v1|v2/{type}/properties`` listings and
``POST /crm/v3/objects/{type}/batch/read``. This layer answers those from the wrapped
:class:`~emulators.hubspot.HubSpotEmulator`'s records, under the same bearer-token check and the same
10-second burst limiter, and hands every other request to the emulator unchanged (which already accepts
singular object types), so a benchmark compares peers and the pipeline on one dataset and one set of
limits. Requests served here are counted in this layer's ``request_counts``; :meth:`all_counts` adds the
emulator's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulators.hubspot.app import HubSpotEmulator
from emulators.hubspot.wire import _OBJECT_ALIASES, _to_epoch_ms
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

JSON = dict[str, Any]

#: Legacy v1 pagers: deals allow 250 a page, the contacts list 100.
DEALS_PAGED_MAX = 250
CONTACTS_V1_MAX = 100
BATCH_READ_MAX = 100


def _id_property() -> JSON:
    return {
        "name": "hs_object_id",
        "label": "Record ID",
        "description": "",
        "groupName": "",
        "type": "number",
        "fieldType": "number",
        "options": [],
        "hidden": False,
        "calculated": False,
        "hubspotDefined": True,
        "deleted": False,
    }


class HubSpotPeersLayer(RequestCounter):
    """WSGI app: the peers' extra endpoints, everything else delegated to ``hubspot``.

    Request counts are keyed ``"schemas"``, ``"properties.legacy"``, ``"deals.paged"``,
    ``"contacts.v1_list"``, ``"contacts.batch_read"`` / ``"deals.batch_read"``.
    """

    def __init__(self, hubspot: HubSpotEmulator) -> None:
        """Wrap an emulator.

        Args:
            hubspot: The emulator whose records, token and limits this layer shares.
        """
        super().__init__()
        self.hubspot = hubspot
        #: Paths the emulator answered 404 (what a peer asked for that neither layer serves).
        self.unknown_paths: Counter[str] = Counter()
        self._map = Map(
            [
                Rule("/crm/v3/schemas", methods=["GET"], endpoint="schemas"),
                Rule("/crm-object-schemas/v3/schemas", methods=["GET"], endpoint="schemas"),
                Rule("/properties/<version>/<object_type>/properties", methods=["GET"], endpoint="properties"),
                Rule("/deals/v1/deal/paged", methods=["GET"], endpoint="deals_paged"),
                Rule("/contacts/v1/lists/all/contacts/all", methods=["GET"], endpoint="contacts_v1"),
                Rule("/crm/v3/objects/<object_type>/batch/read", methods=["POST"], endpoint="batch_read"),
                Rule("/companies/v2/properties", methods=["GET"], endpoint="companies_properties"),
                Rule("/crm/v3/properties/<object_type>", methods=["GET"], endpoint="other_properties"),
            ],
            strict_slashes=False,
        )

    def all_counts(self) -> Counter[str]:
        """This layer's request counts plus the wrapped emulator's."""
        return self.counts() + self.hubspot.counts()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point: serve a peer endpoint or delegate to the emulator."""
        adapter = self._map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException:
            return self._delegate(environ, start_response)
        if endpoint == "other_properties" and str(args["object_type"]).lower() in _OBJECT_ALIASES:
            return self._delegate(environ, start_response)  # the emulator's own v3 properties
        request = Request(environ)
        name = self._name(str(endpoint), args)
        hub = self.hubspot
        if not hub._authorised(request):
            body = {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
            }
            response = json_response(body, 401)
        else:
            decision = hub._burst.acquire()
            if not decision.allowed:
                response = hub._rate_limited(
                    "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING", decision
                )
            else:
                try:
                    with hub._lock:
                        response = getattr(self, f"_{endpoint}")(request, **args)
                except ValueError as exc:
                    response = json_response(
                        {"status": "error", "message": str(exc), "category": "VALIDATION_ERROR"}, 400
                    )
        self._count(name, response.status_code)
        return response(environ, start_response)

    def _delegate(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))

        def recording(status: str, headers: Any, exc_info: Any = None) -> Any:
            if status.startswith("404"):
                self.unknown_paths[path] += 1
            return start_response(status, headers, exc_info)

        return self.hubspot(environ, recording)

    @staticmethod
    def _name(endpoint: str, args: Mapping[str, Any]) -> str:
        if endpoint == "batch_read":
            raw = str(args["object_type"]).lower()
            return f"{_OBJECT_ALIASES.get(raw, raw)}.batch_read"
        return {
            "schemas": "schemas",
            "properties": "properties.legacy",
            "deals_paged": "deals.paged",
            "contacts_v1": "contacts.v1_list",
            "companies_properties": "properties.legacy",
            "other_properties": "properties.other",
        }[endpoint]

    # ------------------------------------------------------------------ handlers

    def _schemas(self, request: Request) -> Response:
        # The emulator has no custom objects; peers only need a well-formed empty answer.
        return json_response({"results": []})

    def _companies_properties(self, request: Request) -> Response:
        return self._properties(request, "v2", "companies")

    def _other_properties(self, request: Request, object_type: str) -> Response:
        # Object types the emulator does not hold (tickets, custom objects): no properties, not a 404.
        return json_response({"results": []})

    def _properties(self, request: Request, version: str, object_type: str) -> Response:
        if version not in ("v1", "v2"):
            return json_response({"status": "error", "message": f"Unknown version {version}"}, 404)
        canonical = _OBJECT_ALIASES.get(object_type.lower())
        if canonical is None:
            # Deal splits, tickets…: types the portal holds nothing of. Real HubSpot still lists at least
            # the record id, and Airbyte's schema loader reads an empty list as one malformed definition.
            return json_response([_id_property()])
        defs = []
        for d in self.hubspot._defs(canonical).values():
            defs.append(
                {
                    "name": d["name"],
                    "label": d.get("label", d["name"]),
                    "description": d.get("description", ""),
                    "groupName": d.get("groupName", ""),
                    "type": d.get("type", "string"),
                    "fieldType": d.get("fieldType", "text"),
                    "options": d.get("options", []),
                    "hidden": bool(d.get("hidden", False)),
                    "calculated": bool(d.get("calculated", False)),
                    "hubspotDefined": bool(d.get("hubspotDefined", True)),
                    "deleted": False,
                }
            )
        return json_response(defs)

    @staticmethod
    def _int_arg(request: Request, name: str, default: int) -> int:
        raw = request.args.get(name)
        if raw in (None, ""):
            return default
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name} must be an integer, got {raw!r}") from None

    @staticmethod
    def _legacy_properties(record: JSON, names: list[str]) -> JSON:
        props = record["properties"]
        stamp = int(_to_epoch_ms(record["updatedAt"]))
        wanted = names or list(props)
        return {
            name: {"value": props[name], "timestamp": stamp, "source": "CRM_UI", "sourceId": None, "versions": []}
            for name in wanted
            if props.get(name) is not None
        }

    def _page_after(self, object_type: str, offset: int, limit: int) -> tuple[list[JSON], int | None]:
        """Live records with id > ``offset``, ``limit`` of them, and the next offset (None at the end)."""
        rows = self.hubspot._sorted_records(object_type)
        page: list[JSON] = []
        for num, record in rows:
            if num <= offset or record["archived"]:
                continue
            if len(page) == limit:
                return page, int(page[-1]["id"])
            page.append(record)
        return page, None

    def _deals_paged(self, request: Request) -> Response:
        limit = min(max(self._int_arg(request, "limit", 100), 1), DEALS_PAGED_MAX)
        offset = self._int_arg(request, "offset", 0)
        names = [n for value in request.args.getlist("properties") for n in value.split(",") if n]
        with_assoc = request.args.get("includeAssociations", "false").lower() == "true"
        page, next_offset = self._page_after("deals", offset, limit)
        deals = []
        for record in page:
            deal: JSON = {
                "portalId": 1,
                "dealId": int(record["id"]),
                "isDeleted": False,
                "properties": self._legacy_properties(record, names),
            }
            if with_assoc:
                contacts = self.hubspot._live_links("deals", record["id"], "contacts")
                deal["associations"] = {
                    "associatedVids": [int(c) for c in contacts],
                    "associatedCompanyIds": [],
                    "associatedDealIds": [],
                    "associatedTicketIds": [],
                }
            deals.append(deal)
        last = int(page[-1]["id"]) if page else offset
        return json_response(
            {"deals": deals, "hasMore": next_offset is not None, "offset": next_offset if next_offset else last}
        )

    def _contacts_v1(self, request: Request) -> Response:
        count = min(max(self._int_arg(request, "count", 20), 1), CONTACTS_V1_MAX)
        offset = self._int_arg(request, "vidOffset", 0)
        names = [n for value in request.args.getlist("property") for n in value.split(",") if n]
        page, next_offset = self._page_after("contacts", offset, count)
        contacts = [
            {
                "vid": int(record["id"]),
                "canonical-vid": int(record["id"]),
                "addedAt": int(_to_epoch_ms(record["createdAt"])),
                "is-contact": True,
                "properties": {k: {"value": v["value"]} for k, v in self._legacy_properties(record, names).items()},
            }
            for record in page
        ]
        last = int(page[-1]["id"]) if page else offset
        return json_response(
            {"contacts": contacts, "has-more": next_offset is not None, "vid-offset": next_offset or last}
        )

    def _batch_read(self, request: Request, object_type: str) -> Response:
        canonical = _OBJECT_ALIASES.get(object_type.lower())
        if canonical is None:
            return json_response({"status": "error", "message": f"Unknown object type {object_type}"}, 404)
        body = request.get_json(silent=True) or {}
        inputs = body.get("inputs") or []
        if len(inputs) > BATCH_READ_MAX:
            raise ValueError(f"Batch input limit exceeded: {len(inputs)} inputs, maximum is {BATCH_READ_MAX}")
        names = [str(n) for n in body.get("properties") or []]
        results = []
        for item in inputs:
            record = self.hubspot._records[canonical].get(str(item.get("id")))
            if record is None or record["archived"]:
                continue
            rendered = self.hubspot._render(canonical, record, names or list(record["properties"]))
            results.append(rendered)
        now = self.hubspot._wall_clock().isoformat().replace("+00:00", "Z")
        return json_response({"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now})
