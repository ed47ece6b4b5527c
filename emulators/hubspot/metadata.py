"""The HubSpot emulator's portal metadata routes: ``GET /crm/v3/pipelines/...`` and ``/crm/v3/properties/...``.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator`, dispatched by endpoint name.
"""

from __future__ import annotations

import copy

from werkzeug.wrappers import Request, Response

from emulators.hubspot.errors import _not_found
from emulators.hubspot.store import _ObjectStore
from emulators.hubspot.wire import _OBJECT_ALIASES
from emulators.server import json_response


class _MetadataRoutes(_ObjectStore):
    """Pipelines and property definitions, as stored and derived."""

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
