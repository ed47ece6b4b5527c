"""HubSpot values that need more than the strict readers of :mod:`resources.quarantine`.

The ids a merge absorbed (a merged-away record is neither listed nor archived afterwards, and a search by
last-modified date only finds the record the merge left: its ``hs_merged_object_ids`` is the one trace of
the others), and a pipeline stage's win probability.
"""

from __future__ import annotations

from typing import Any

from resources.quarantine import read_number


def stage_probability(value: object) -> float | None:
    """A pipeline stage's win probability; one that is not a number is unknown (portal settings, not a record)."""
    try:
        return read_number(value if value is None else str(value))
    except ValueError:
        return None


def merged_ids(raw: dict[str, Any]) -> tuple[str, ...]:
    """The ids merged into a record, other than its own: they no longer exist in HubSpot.

    HubSpot sets ``hs_merged_object_ids`` on the record a merge leaves (a multi-value property, values
    separated by ``;``). A merge (``POST /crm/v3/objects/{type}/merge``,
    https://developers.hubspot.com/docs/api-reference/crm-contacts-v3/basic/post-crm-v3-objects-contacts-merge)
    of contacts or companies now creates that record with a new id, and "both of the previous IDs will
    point to the resulting merged record"
    (https://developers.hubspot.com/changelog/updated-merge-functionality-for-contacts-and-companies); the
    originals are neither listed nor archived afterwards, so this property is the only trace a sync by
    last-modified date sees of them (https://knowledge.hubspot.com/records/merge-records).
    """
    value = (raw.get("properties") or {}).get("hs_merged_object_ids") or ""
    own = str(raw["id"])
    return tuple(sorted({part.strip() for part in str(value).split(";") if part.strip() and part.strip() != own}))
