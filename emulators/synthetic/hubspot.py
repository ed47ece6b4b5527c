"""The HubSpot part of the fixture: the portal's contacts, deals, meetings and pipelines as of a cutoff.

Renders the journeys of ``synthetic.journeys``; :func:`hubspot_fixture` is called by ``generate_demo_fixture``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from emulators.synthetic.company import _EPOCH, _midnight_ms
from emulators.synthetic.journeys import (
    _PARTNER_PIPELINE_CREATED_AT,
    _PIPELINES,
    _PIPELINES_CREATED_AT,
    _STAGE_BY_ID,
    DEFAULT_PIPELINE_ID,
    ContactJourney,
    DealJourney,
    MeetingJourney,
)

if TYPE_CHECKING:
    from emulators.synthetic.world import World

#: The synthetic company's HubSpot portal (``GET /account-info/v3/details``).
HUBSPOT_PORTAL_ID = 24681357


def format_hubspot_timestamp(ms: int) -> str:
    """Format epoch milliseconds the way HubSpot v3 does: ISO-8601 UTC with milliseconds.

    Args:
        ms: Milliseconds since the Unix epoch.

    Returns:
        A string like ``"2024-01-15T10:22:31.123Z"``.
    """
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def deal_pipelines() -> dict[str, list[dict[str, Any]]]:
    """The deal pipelines of the synthetic portal, as ``GET /crm/v3/pipelines/deals`` lists them.

    Returns:
        ``{"deals": [Sales Pipeline, Partner Pipeline]}`` with stage metadata as strings.
    """
    out = []
    for order, (pipeline_id, (label, stages)) in enumerate(_PIPELINES.items()):
        created = _PIPELINES_CREATED_AT if pipeline_id == DEFAULT_PIPELINE_ID else _PARTNER_PIPELINE_CREATED_AT
        out.append(
            {
                "id": pipeline_id,
                "label": label,
                "displayOrder": order,
                "archived": False,
                "createdAt": created,
                "updatedAt": created,
                "stages": [
                    {
                        "id": stage.id,
                        "label": stage.label,
                        "displayOrder": i,
                        "metadata": {
                            "isClosed": "true" if stage.is_closed else "false",
                            "probability": stage.probability,
                        },
                        "archived": False,
                        "createdAt": created,
                        "updatedAt": created,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    }
                    for i, stage in enumerate(stages)
                ],
            }
        )
    return {"deals": out}


def _render_contact(c: ContactJourney, cutoff: int) -> dict[str, Any]:
    reached = [(stage, t) for stage, t in c.stage_ms.items() if t < cutoff]
    archived = c.archived_ms is not None and c.archived_ms < cutoff
    events = [c.created_ms, *(t for _, t in reached)]
    if archived and c.archived_ms is not None:
        events.append(c.archived_ms)
    events.extend(t for t in c.touches_ms if t < cutoff)
    updated = format_hubspot_timestamp(max(events))
    created = format_hubspot_timestamp(c.created_ms)
    props: dict[str, str | None] = {
        "hs_object_id": c.id,
        "createdate": created,
        "lastmodifieddate": updated,
        "email": c.email,
        "firstname": c.firstname,
        "lastname": c.lastname,
        "company": c.company,
        "lifecyclestage": max(reached, key=lambda st: st[1])[0] if reached else None,
        "hs_analytics_source": c.source,
        "hs_analytics_source_data_1": c.source_data_1,
        "hs_analytics_source_data_2": c.source_data_2,
    }
    for stage, t in reached:
        stamp = format_hubspot_timestamp(t)
        if c.date_family in ("both", "v2"):
            props[f"hs_v2_date_entered_{stage}"] = stamp
        if c.date_family in ("both", "legacy"):
            props[f"hs_lifecyclestage_{stage}_date"] = stamp
    record: dict[str, Any] = {
        "id": c.id,
        "properties": props,
        "createdAt": created,
        "updatedAt": updated,
        "archived": archived,
    }
    if archived and c.archived_ms is not None:
        record["archivedAt"] = format_hubspot_timestamp(c.archived_ms)
    return record


def _render_deal(d: DealJourney, cutoff: int) -> dict[str, Any]:
    timeline = [(stage, t) for stage, t in d.stages if t < cutoff]
    stage_id, _ = timeline[-1]
    stage = _STAGE_BY_ID[stage_id]
    won = stage.is_won
    closed_ms = timeline[-1][1] if stage.is_closed else None
    updated = format_hubspot_timestamp(max(t for _, t in timeline))
    created = format_hubspot_timestamp(d.created_ms)
    props: dict[str, str | None] = {
        "hs_object_id": d.id,
        "dealname": d.name,
        "pipeline": d.pipeline,
        "dealstage": stage_id,
        "amount": d.amount,
        "deal_currency_code": "USD",
        "createdate": created,
        "hs_createdate": created,
        "hs_lastmodifieddate": updated,
        "closedate": format_hubspot_timestamp(closed_ms if closed_ms is not None else d.expected_close_ms),
        "hs_is_closed": "true" if stage.is_closed else "false",
        "hs_is_closed_won": "true" if won else "false",
        "hs_is_closed_lost": "true" if stage.is_closed and not won else "false",
        "hs_deal_stage_probability": stage.probability,
    }
    if d.amount_in_home_currency and d.amount is not None:
        props["amount_in_home_currency"] = d.amount
    if won and d.mrr is not None:
        props["hs_mrr"] = d.mrr
    if d.source is not None:
        props["hs_analytics_source"] = d.source
    for stage_entered, t in timeline:
        props[f"hs_v2_date_entered_{stage_entered}"] = format_hubspot_timestamp(t)
    return {
        "id": d.id,
        "properties": props,
        "createdAt": created,
        "updatedAt": updated,
        "archived": False,
        "associations": {"contacts": list(d.contact_ids)},
    }


def _render_meeting(m: MeetingJourney, contact_id: str, cutoff: int) -> dict[str, Any]:
    logged = m.outcome_ms is not None and m.outcome_ms < cutoff
    outcome = m.outcome if logged else "SCHEDULED"
    updated_ms = m.outcome_ms if logged and m.outcome_ms is not None else m.created_ms
    created = format_hubspot_timestamp(m.created_ms)
    updated = format_hubspot_timestamp(updated_ms)
    start = format_hubspot_timestamp(m.start_ms)
    props: dict[str, str | None] = {
        "hs_object_id": m.id,
        "hs_createdate": created,
        "hs_lastmodifieddate": updated,
        "hs_timestamp": start,
        "hs_meeting_start_time": start,
        "hs_meeting_end_time": format_hubspot_timestamp(m.start_ms + m.duration_ms),
        "hs_meeting_title": m.title,
        "hs_activity_type": m.activity_type,
        "hs_meeting_outcome": outcome,
    }
    return {
        "id": m.id,
        "properties": props,
        "createdAt": created,
        "updatedAt": updated,
        "archived": False,
        "associations": {"contacts": [contact_id]},
    }


def hubspot_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the HubSpot part of a fixture: the portal as it stood at midnight UTC starting ``end``.

    Covers contacts created on the days ``[start, end)``, with their deals and meetings; every event at
    or after the cutoff is left out (stages not reached yet, deals not opened or closed yet, outcomes not
    logged yet). Archived contacts are included with ``"archived": true``.

    Args:
        world: The simulated world.
        start: First day whose contacts are included.
        end: The as-of day: the cutoff is its midnight UTC, and it is excluded.

    Returns:
        ``{"contacts": [...], "deals": [...], "meetings": [...], "pipelines": {"deals": [...]},
        "account": {"portalId": ...}}``.
    """
    cutoff = _midnight_ms(end)
    contacts: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    meetings: list[dict[str, Any]] = []
    for plan in world.days(start, end):
        for c in plan.contacts:
            contacts.append(_render_contact(c, cutoff))
            if c.deal is not None and c.deal.created_ms < cutoff:
                deals.append(_render_deal(c.deal, cutoff))
            meetings.extend(_render_meeting(m, c.id, cutoff) for m in c.meetings if m.created_ms < cutoff)
    return {
        "contacts": contacts,
        "deals": deals,
        "meetings": meetings,
        "pipelines": deal_pipelines(),
        # One portal whatever the cutoff: the demo's warehouse keeps mirroring it day after day.
        "account": {"portalId": HUBSPOT_PORTAL_ID, "timeZone": "UTC", "companyCurrency": "USD"},
    }
