"""Small hand-made HubSpot records in wire shape (property values are strings), for readable tests."""

from __future__ import annotations

from typing import Any


def contact(
    contact_id: int,
    created: str,
    *,
    stage: str | None = None,
    source: str | None = None,
    modified: str | None = None,
    archived: bool = False,
    **stage_dates: str,
) -> dict[str, Any]:
    """A contact; ``stage_dates`` keys are property names such as ``hs_v2_date_entered_lead``."""
    properties: dict[str, Any] = {
        "hs_object_id": str(contact_id),
        "createdate": created,
        "lastmodifieddate": modified or created,
        "lifecyclestage": stage,
        "hs_analytics_source": source,
        **stage_dates,
    }
    return {
        "id": str(contact_id),
        "properties": properties,
        "createdAt": created,
        "updatedAt": modified or created,
        "archived": archived,
    }


def deal(
    deal_id: int,
    created: str,
    *,
    amount: str | None = "1000",
    stage: str = "appointmentscheduled",
    close: str | None = None,
    won: bool | None = None,
    contacts: list[str] | None = None,
    modified: str | None = None,
    archived: bool = False,
    **extra: str,
) -> dict[str, Any]:
    closed = stage in ("closedwon", "closedlost")
    properties: dict[str, Any] = {
        "hs_object_id": str(deal_id),
        "createdate": created,
        "hs_lastmodifieddate": modified or created,
        "amount": amount,
        "dealstage": stage,
        "pipeline": "default",
        "closedate": close,
        "hs_is_closed": "true" if closed else "false",
        "hs_is_closed_won": "true" if (won if won is not None else stage == "closedwon") else "false",
        **extra,
    }
    record: dict[str, Any] = {
        "id": str(deal_id),
        "properties": properties,
        "createdAt": created,
        "updatedAt": modified or created,
        "archived": archived,
    }
    if contacts is not None:
        record["associations"] = {"contacts": contacts}
    return record


def meeting(meeting_id: int, created: str, outcome: str = "SCHEDULED") -> dict[str, Any]:
    return {
        "id": str(meeting_id),
        "properties": {
            "hs_object_id": str(meeting_id),
            "hs_createdate": created,
            "hs_lastmodifieddate": created,
            "hs_meeting_outcome": outcome,
        },
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
    }


PIPELINES = {
    "deals": [
        {
            "id": "default",
            "label": "Sales Pipeline",
            "stages": [
                {
                    "id": "appointmentscheduled",
                    "label": "Appointment",
                    "displayOrder": 0,
                    "metadata": {"isClosed": "false", "probability": "0.2"},
                },
                {
                    "id": "contractsent",
                    "label": "Contract sent",
                    "displayOrder": 4,
                    "metadata": {"isClosed": "false", "probability": "0.9"},
                },
                {
                    "id": "closedwon",
                    "label": "Closed won",
                    "displayOrder": 5,
                    "metadata": {"isClosed": "true", "probability": "1.0"},
                },
                {
                    "id": "closedlost",
                    "label": "Closed lost",
                    "displayOrder": 6,
                    "metadata": {"isClosed": "true", "probability": "0.0"},
                },
            ],
        }
    ]
}


def ga4_session(
    day: str,
    user: str,
    group: str,
    *,
    new: bool = False,
    engaged: bool = True,
    duration: float = 60.0,
    events: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One GA4 session record of the fixture (DESIGN.md §4): two page views, no key event."""
    return {
        "date": day,
        "user": user,
        "new_user": new,
        "channel_group": group,
        "source_medium": "x / y",
        "campaign": "(not set)",
        "engaged": engaged,
        "duration_s": duration,
        "pageviews": 2,
        "key_events": 0,
        "events": events or {},
    }
