"""Deal → contact associations through HubSpot's v4 batch read, with per-object paging and 207 answers.

Called by :meth:`resources.hubspot.HubSpotResource.deal_contact_ids`. HubSpot's batch read answers each
input object on its own: a result has a ``paging.next.after`` cursor when that object has more
associations, and the object goes back in a later call as ``{"id", "after"}`` ("The 'after' field in a
returned paging object can be added alongside the 'id' to retrieve the next page of associations from
that objectId", CRM API reference, Batch read associations). A 207 Multi-Status answer lists objects it
could not answer under ``errors``; ``OBJECT_NOT_FOUND`` / ``crm.associations.NO_ASSOCIATIONS_FOUND`` is
HubSpot's way of saying "this deal has no contacts".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from resources.http import ApiError

Request = Callable[..., dict[str, Any]]
BATCH_PATH = "/crm/v4/associations/deals/contacts/batch/read"
# The per-object errors that mean "nothing to read" rather than "could not read": HubSpot answers a deal
# without contacts (and one deleted meanwhile) with OBJECT_NOT_FOUND / NO_ASSOCIATIONS_FOUND; a malformed
# id is VALIDATION_ERROR / crm.associations.INVALID_IDENTIFIER, a real failure.
NOTHING_ASSOCIATED = "crm.associations.NO_ASSOCIATIONS_FOUND"
DELETED = "OBJECT_NOT_FOUND"


def read_deal_contacts(request: Request, deal_ids: Iterable[str], *, batch_size: int) -> dict[str, tuple[str, ...]]:
    """Every associated contact id of each deal, following each deal's own cursor to the end.

    Args:
        request: The resource's ``_request(method, path, endpoint, **kwargs)`` (pacing, retries, errors).
        deal_ids: Deals to read (repeats are read once).
        batch_size: Inputs per call (HubSpot accepts at most 1,000).

    Returns:
        Contact ids per deal, sorted numerically; () for a deal without contacts (or deleted meanwhile).

    Raises:
        ApiError: A per-deal error other than "nothing associated" (naming the deals), or a cursor that
            HubSpot hands back twice for one deal (a loop).
    """
    ids = list(dict.fromkeys(deal_ids))
    found: dict[str, set[str]] = {deal_id: set() for deal_id in ids}
    pending: list[tuple[str, str | None]] = [(deal_id, None) for deal_id in ids]
    seen_cursors: set[tuple[str, str]] = set()
    while pending:
        batch, pending = pending[:batch_size], pending[batch_size:]
        inputs = [{"id": deal_id} if after is None else {"id": deal_id, "after": after} for deal_id, after in batch]
        payload = request("POST", BATCH_PATH, "associations.batch_read", json={"inputs": inputs})
        raise_association_errors(payload.get("errors") or [])
        for result in payload.get("results") or []:
            deal_id = str(result["from"]["id"])
            found.setdefault(deal_id, set()).update(str(to["toObjectId"]) for to in result.get("to") or [])
            after = ((result.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                continue
            if (deal_id, str(after)) in seen_cursors:
                raise ApiError(
                    f"HubSpot associations.batch_read handed the same cursor twice for deal {deal_id}; rerun later "
                    "(the sync resumes where it stopped)",
                    service="HubSpot",
                    status=200,
                )
            seen_cursors.add((deal_id, str(after)))
            pending.append((deal_id, str(after)))
    return {deal_id: tuple(sorted(contacts, key=_numeric_first)) for deal_id, contacts in found.items()}


def raise_association_errors(errors: Sequence[dict[str, Any]]) -> None:
    """Stop on a per-object error of a 207 answer other than "nothing associated", naming the deals."""
    serious = [e for e in errors if e.get("subCategory") != NOTHING_ASSOCIATED and e.get("category") != DELETED]
    if not serious:
        return
    first = serious[0]
    deals = sorted(
        {str(i) for error in serious for i in ((error.get("context") or {}).get("fromObjectId") or [])},
        key=_numeric_first,
    )
    shown = ", ".join(deals[:5]) + (f" and {len(deals) - 5} more" if len(deals) > 5 else "")
    raise ApiError(
        f"HubSpot associations.batch_read could not read the contacts of deal(s) {shown or '(not named)'}: "
        f"{first.get('category')}: {first.get('message', '')} -- rerun later (the sync resumes where it stopped); "
        "if it persists, check that the private app has crm.objects.deals.read and crm.objects.contacts.read",
        service="HubSpot",
        status=207,
        category=str(first.get("category") or ""),
    )


def _numeric_first(value: str) -> tuple[int, str]:
    return (int(value), value) if value.isdigit() else (0, value)
