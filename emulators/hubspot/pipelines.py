"""Deal pipelines as the HubSpot pipelines API returns them: the default one and completed fixture ones.

Used by the emulator's store when it loads a fixture, and by the property definitions (stage labels).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from emulators.hubspot.wire import _EPOCH_ISO, JSON

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


def _complete_pipeline(raw: Mapping[str, Any], index: int) -> JSON:
    """Fill what a fixture pipeline may omit (label, order, timestamps, stage metadata as strings)."""
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


def _default_deal_pipeline() -> JSON:
    """HubSpot's built-in "Sales Pipeline", served when a fixture has no deal pipelines."""
    return _complete_pipeline(
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
