"""HubSpot portal at benchmark scale: contacts and deals drawn as seeded numpy columns, streamed as records.

Used by the benchmarks (``emulators.scale``) to fill a ``HubSpotEmulator`` and to edit records between syncs;
:mod:`emulators.scale.frames` builds the KPI frames from the same columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

#: Lifecycle stages in funnel order, as HubSpot's internal values.
STAGES: tuple[str, ...] = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
#: ``hs_analytics_source`` values drawn for contacts and deals (``None`` = unknown source).
SOURCES: tuple[str | None, ...] = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "PAID_SOCIAL",
    "SOCIAL_MEDIA",
    "EMAIL_MARKETING",
    "REFERRALS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    None,
)
#: Deal stages of the default pipeline, as HubSpot's internal values.
DEAL_STAGES: tuple[str, ...] = ("appointmentscheduled", "contractsent", "closedwon", "closedlost")
DAY_S = 86_400


@dataclass(frozen=True)
class ContactColumns:
    """Contacts as columns. Times are epoch seconds (int64); a stage date of -1 means never entered."""

    ids: np.ndarray
    created_s: np.ndarray
    modified_s: np.ndarray
    stage: np.ndarray  # index into STAGES of the current lifecycle stage
    source: np.ndarray  # index into SOURCES
    archived: np.ndarray
    entered_s: np.ndarray  # shape (n, len(STAGES))

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class DealColumns:
    """Deals as columns (epoch seconds; amounts in whole currency units)."""

    ids: np.ndarray
    created_s: np.ndarray
    modified_s: np.ndarray
    close_s: np.ndarray
    stage: np.ndarray  # index into DEAL_STAGES
    amount: np.ndarray
    source: np.ndarray
    contact_id: np.ndarray
    archived: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _end_s(end: datetime) -> int:
    return int(end.timestamp())


def _modified(rng: np.random.Generator, wanted: np.ndarray, created: np.ndarray, end_s: int) -> np.ndarray:
    """Last-modified times: ``wanted`` unless it is too late, then a random time in the week before ``end``.

    Clipping to exactly ``end`` would pile thousands of records onto the instant an incremental sync's
    overlap window re-reads; real portals spread their recent edits out.
    """
    cap = end_s - rng.integers(2 * 3600, 7 * DAY_S, len(wanted), dtype=np.int64)
    return np.maximum(created, np.minimum(wanted, cap))


def contact_columns(n: int, *, end: datetime, days: int = 3 * 365, seed: int = 11) -> ContactColumns:
    """Draw ``n`` contacts created uniformly over the ``days`` before ``end``.

    Each contact reaches a random depth of the funnel; it enters every stage up to that depth a few days
    apart (never after ``end``). Ids start at 1 and are dense.

    Args:
        n: Number of contacts.
        end: The as-of instant (UTC); nothing is created or modified after it.
        days: Length of the history.
        seed: Random seed.
    """
    rng = np.random.default_rng(seed)
    end_s = _end_s(end)
    created = end_s - rng.integers(1, days * DAY_S, n, dtype=np.int64)
    # Funnel depth: 60% lead, then roughly halving per stage.
    depth = np.searchsorted(np.cumsum([0.6, 0.2, 0.1, 0.06, 0.04]), rng.random(n), side="right")
    depth = np.minimum(depth, len(STAGES) - 1)
    gaps = rng.integers(0, 10 * DAY_S, (n, len(STAGES)), dtype=np.int64).cumsum(axis=1)
    entered = created[:, None] + gaps
    reached = np.arange(len(STAGES))[None, :] <= depth[:, None]
    entered = np.where(reached & (entered <= end_s), entered, -1)
    last_entered = entered.max(axis=1)
    modified = _modified(rng, np.maximum(created, last_entered) + rng.integers(0, DAY_S, n), created, end_s)
    return ContactColumns(
        ids=np.arange(1, n + 1, dtype=np.int64),
        created_s=created,
        modified_s=modified,
        stage=depth.astype(np.int8),
        source=rng.integers(0, len(SOURCES), n).astype(np.int8),
        archived=rng.random(n) < 0.02,
        entered_s=entered,
    )


def deal_columns(
    n: int, *, contacts: int, end: datetime, days: int = 3 * 365, seed: int = 12, first_id: int = 10_000_000_000
) -> DealColumns:
    """Draw ``n`` deals created over the ``days`` before ``end``, each linked to one of ``contacts``.

    Args:
        n: Number of deals.
        contacts: Number of contacts (ids ``1..contacts``) the deals link to.
        end: The as-of instant (UTC).
        days: Length of the history.
        seed: Random seed.
        first_id: Id of the first deal (kept apart from contact ids, as in a real portal).
    """
    rng = np.random.default_rng(seed)
    end_s = _end_s(end)
    created = end_s - rng.integers(1, days * DAY_S, n, dtype=np.int64)
    close = np.minimum(created + rng.integers(0, 90 * DAY_S, n, dtype=np.int64), end_s + 60 * DAY_S)
    stage = rng.choice(len(DEAL_STAGES), n, p=[0.3, 0.1, 0.3, 0.3]).astype(np.int8)
    modified = _modified(rng, np.maximum(created, np.minimum(close, end_s)) + rng.integers(0, DAY_S, n), created, end_s)
    return DealColumns(
        ids=np.arange(first_id, first_id + n, dtype=np.int64),
        created_s=created,
        modified_s=modified,
        close_s=close,
        stage=stage,
        amount=rng.integers(500, 50_000, n, dtype=np.int64),
        source=rng.integers(0, len(SOURCES), n).astype(np.int8),
        contact_id=rng.integers(1, max(contacts, 1) + 1, n, dtype=np.int64),
        archived=rng.random(n) < 0.02,
    )


def _iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(int(epoch_s), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def contact_record(cols: ContactColumns, i: int) -> dict[str, Any]:
    """Contact ``i`` in HubSpot wire shape (what the emulator stores and serves)."""
    created = _iso(cols.created_s[i])
    modified = _iso(cols.modified_s[i])
    props: dict[str, Any] = {
        "createdate": created,
        "lastmodifieddate": modified,
        "lifecyclestage": STAGES[cols.stage[i]],
        "hs_analytics_source": SOURCES[cols.source[i]],
    }
    for k, stage in enumerate(STAGES):
        at = cols.entered_s[i, k]
        if at >= 0:
            props[f"hs_v2_date_entered_{stage}"] = _iso(at)
    return {
        "id": str(cols.ids[i]),
        "properties": props,
        "createdAt": created,
        "updatedAt": modified,
        "archived": bool(cols.archived[i]),
        # An archived record was archived when it was last modified (HubSpot's recycle bin keeps 90 days).
        **({"archivedAt": modified} if cols.archived[i] else {}),
    }


def deal_record(cols: DealColumns, i: int) -> dict[str, Any]:
    """Deal ``i`` in HubSpot wire shape, with its contact association."""
    stage = DEAL_STAGES[cols.stage[i]]
    created = _iso(cols.created_s[i])
    modified = _iso(cols.modified_s[i])
    return {
        "id": str(cols.ids[i]),
        "properties": {
            "createdate": created,
            "hs_lastmodifieddate": modified,
            "amount": str(int(cols.amount[i])),
            "dealstage": stage,
            "pipeline": "default",
            "closedate": _iso(cols.close_s[i]),
            "hs_is_closed": "true" if stage in ("closedwon", "closedlost") else "false",
            "hs_is_closed_won": "true" if stage == "closedwon" else "false",
            "hs_analytics_source": SOURCES[cols.source[i]],
        },
        "createdAt": created,
        "updatedAt": modified,
        "archived": bool(cols.archived[i]),
        **({"archivedAt": modified} if cols.archived[i] else {}),
        "associations": {"contacts": [str(cols.contact_id[i])]},
    }


def iter_records(cols: ContactColumns | DealColumns) -> Iterator[dict[str, Any]]:
    """Wire-shape records one at a time (nothing is accumulated)."""
    render = contact_record if isinstance(cols, ContactColumns) else deal_record
    for i in range(len(cols)):
        yield render(cols, i)  # type: ignore[arg-type]


class RecordSink(Protocol):
    """What :func:`load_hubspot` streams into (``HubSpotEmulator`` satisfies it)."""

    def upsert_record(self, object_type: str, record: Any) -> None: ...


def load_hubspot(emulator: RecordSink, contacts: ContactColumns, deals: DealColumns) -> int:
    """Stream contacts then deals into an emulator record by record; returns how many were loaded.

    Passing the records one by one (instead of a fixture list to the constructor) is what keeps a
    million contacts in memory once: the emulator's normalised copy is the only dict per record.
    """
    loaded = 0
    for record in iter_records(contacts):
        emulator.upsert_record("contacts", record)
        loaded += 1
    for record in iter_records(deals):
        emulator.upsert_record("deals", record)
        loaded += 1
    return loaded


def changed_ids(ids: np.ndarray, fraction: float, *, seed: int = 13) -> np.ndarray:
    """A seeded sample of ``ceil(fraction * len(ids))`` ids (the records a benchmark edits)."""
    rng = np.random.default_rng(seed)
    count = min(len(ids), int(np.ceil(fraction * len(ids))))
    return np.sort(rng.choice(ids, count, replace=False))


class EditablePortal(RecordSink, Protocol):
    def get_record(self, object_type: str, object_id: str | int) -> Any: ...


def touch(emulator: EditablePortal, object_type: str, ids: np.ndarray, at: datetime) -> int:
    """Mark records as edited at ``at`` (their last-modified properties move there); returns the count.

    Args:
        emulator: The portal.
        object_type: ``contacts`` or ``deals``.
        ids: Record ids to edit.
        at: The edit instant (UTC).
    """
    stamp = _iso(int(at.timestamp()))
    modified_prop = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
    done = 0
    for oid in ids:
        record = emulator.get_record(object_type, int(oid))
        if record is None:
            continue
        record = dict(record)
        record["properties"] = {**record["properties"], modified_prop: stamp}
        record["updatedAt"] = stamp
        emulator.upsert_record(object_type, record)
        done += 1
    return done
