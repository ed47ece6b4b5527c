"""Scale generator for benchmarks: a large HubSpot portal, ad campaigns and GA4 sessions, built columnar.

Every source is first drawn as numpy columns (a few bytes per record) and turned into wire-shape dicts
only while it is streamed into an emulator, one record at a time, so a portal is never held twice: the
emulator's own store is the only dict copy. The same columns give the KPI benchmark its pandas frames
without any emulator, and the GA4 sessions stay columnar (``GA4SessionStore``) and are served as
aggregates, because the GA4 Data API itself only ever returns aggregated rows.

Everything is seeded: the same ``(spec, seed, end)`` gives the same portal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd

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
#: GA4 default channel groups the session store draws from.
GA4_CHANNELS: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Unassigned",
)
DEAL_STAGES: tuple[str, ...] = ("appointmentscheduled", "contractsent", "closedwon", "closedlost")
PIPELINE_STAGES = pd.DataFrame(
    {
        "pipeline_id": ["default"] * 4,
        "stage_id": list(DEAL_STAGES),
        "is_closed": [False, False, True, True],
        "probability": [0.2, 0.9, 1.0, 0.0],
    }
)
DAY_S = 86_400


@dataclass(frozen=True)
class ScaleSpec:
    """How big the generated world is. The defaults are the issue's full scale.

    Attributes:
        contacts: HubSpot contacts (about 2% archived).
        deals: HubSpot deals, each associated with one contact.
        campaigns: Campaigns on each ad platform.
        days: Days of history (3 years).
        ga4_sessions: GA4 sessions over ``days``.
    """

    contacts: int = 1_000_000
    deals: int = 200_000
    campaigns: int = 500
    days: int = 3 * 365
    ga4_sessions: int = 10_000_000

    def scaled(self, factor: float) -> ScaleSpec:
        """The same world with every record count multiplied by ``factor`` (days stay; at least 1 of each).

        Args:
            factor: Volume multiplier, e.g. 0.01 for a quick run.
        """
        return replace(
            self,
            contacts=max(1, round(self.contacts * factor)),
            deals=max(1, round(self.deals * factor)),
            campaigns=max(1, round(self.campaigns * factor)),
            ga4_sessions=max(1, round(self.ga4_sessions * factor)),
        )

    @property
    def ad_rows(self) -> int:
        """Daily campaign rows per ad platform (campaigns x days)."""
        return self.campaigns * self.days


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


# ---------------------------------------------------------------------------------------------------- KPI frames


def _utc(epoch_s: np.ndarray) -> pd.Series:
    # NaT for "never" (-1) without a Python-level loop: NaT is int64 min in datetime64.
    ns = np.where(epoch_s >= 0, epoch_s * 1_000_000_000, np.iinfo(np.int64).min).astype("datetime64[ns]")
    return pd.Series(ns).dt.tz_localize("UTC")


def kpi_frames(contacts: int, *, end: datetime, deals: int | None = None, seed: int = 21) -> dict[str, pd.DataFrame]:
    """The frames ``compute_hubspot_kpis`` takes, built directly from columns (no emulator, no warehouse).

    Args:
        contacts: Number of contacts.
        end: The as-of instant.
        deals: Number of deals (default: a fifth of the contacts).
        seed: Random seed.

    Returns:
        ``contacts``, ``deals``, ``deal_contacts``, ``meetings`` and ``pipeline_stages`` frames in the
        shape ``read_hubspot_inputs`` produces.
    """
    c = contact_columns(contacts, end=end, seed=seed)
    d = deal_columns(deals if deals is not None else max(1, contacts // 5), contacts=contacts, end=end, seed=seed + 1)
    source_values = np.array(SOURCES, dtype=object)
    contact_ids = pd.Series(c.ids.astype(str), dtype=object)
    contact_frame = pd.DataFrame(
        {
            "contact_id": contact_ids,
            "created_at": _utc(c.created_s),
            "lifecyclestage": np.array(STAGES, dtype=object)[c.stage],
            "analytics_source": source_values[c.source],
            "analytics_source_data_1": None,
            "archived": c.archived,
        }
    )
    for k, stage in enumerate(STAGES):
        contact_frame[f"hs_v2_date_entered_{stage}"] = _utc(c.entered_s[:, k])
    del c
    stage_names = np.array(DEAL_STAGES, dtype=object)[d.stage]
    deal_ids = pd.Series(d.ids.astype(str), dtype=object)
    deal_frame = pd.DataFrame(
        {
            "deal_id": deal_ids,
            "created_at": _utc(d.created_s),
            "close_date": _utc(d.close_s),
            "amount": d.amount.astype(np.float64),
            "amount_in_home_currency": np.nan,
            "pipeline": "default",
            "dealstage": stage_names,
            "is_closed": pd.Series(np.isin(stage_names, ["closedwon", "closedlost"]), dtype=object),
            "is_closed_won": pd.Series(stage_names == "closedwon", dtype=object),
            "deal_stage_probability": np.nan,
            "mrr": np.nan,
            "analytics_source": source_values[d.source],
            "analytics_source_data_1": None,
            "archived": d.archived,
        }
    )
    links = pd.DataFrame({"deal_id": deal_ids, "contact_id": pd.Series(d.contact_id.astype(str), dtype=object)})
    meetings = pd.DataFrame(
        {
            "meeting_id": pd.Series([], dtype=object),
            "created_at": pd.Series([], dtype="datetime64[ns, UTC]"),
            "outcome": pd.Series([], dtype=object),
            "archived": pd.Series([], dtype=bool),
        }
    )
    return {
        "contacts": contact_frame,
        "deals": deal_frame,
        "deal_contacts": links,
        "meetings": meetings,
        "pipeline_stages": PIPELINE_STAGES.copy(),
    }


def weeks_ending(end: date, weeks: int) -> list[date]:
    """The Mondays of the ``weeks`` complete weeks before ``end``, oldest first."""
    last = end - timedelta(days=end.weekday() + 7)
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


# ---------------------------------------------------------------------------------------------------- GA4 / ads


@dataclass(frozen=True)
class GA4SessionStore:
    """GA4 sessions as compact columns: 10 million sessions take about 60 MB.

    Attributes:
        start: The first day.
        day: Day offset from ``start`` per session (int16).
        channel: Index into ``GA4_CHANNELS`` (int8).
        engaged: Whether the session was engaged.
        conversions: Key events in the session (uint8).
        new_user: Whether the session started a new user.
    """

    start: date
    day: np.ndarray
    channel: np.ndarray
    engaged: np.ndarray
    conversions: np.ndarray
    new_user: np.ndarray

    @classmethod
    def generate(cls, sessions: int, *, start: date, days: int, seed: int = 31) -> GA4SessionStore:
        """Draw ``sessions`` sessions over ``days`` days from ``start``."""
        rng = np.random.default_rng(seed)
        weights = np.array([0.35, 0.12, 0.08, 0.08, 0.05, 0.07, 0.22, 0.03])
        return cls(
            start=start,
            day=np.sort(rng.integers(0, days, sessions)).astype(np.int16),
            channel=rng.choice(len(GA4_CHANNELS), sessions, p=weights / weights.sum()).astype(np.int8),
            engaged=rng.random(sessions) < 0.6,
            conversions=(rng.random(sessions) < 0.03).astype(np.uint8),
            new_user=rng.random(sessions) < 0.4,
        )

    def __len__(self) -> int:
        return len(self.day)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns."""
        return sum(a.nbytes for a in (self.day, self.channel, self.engaged, self.conversions, self.new_user))

    def daily_by_channel(self) -> pd.DataFrame:
        """The aggregate a ``runReport`` on date x sessionDefaultChannelGroup returns.

        One ``bincount`` per metric over a combined (day, channel) key: no per-session Python work, so
        10 million sessions aggregate in well under a second.

        Returns:
            Rows ``date, channel, sessions, engagedSessions, keyEvents, newUsers`` for every (day, channel)
            that has at least one session, sorted by date then channel.
        """
        width = len(GA4_CHANNELS)
        days = int(self.day.max()) + 1 if len(self.day) else 0
        key = self.day.astype(np.int64) * width + self.channel
        size = days * width
        sessions = np.bincount(key, minlength=size)
        engaged = np.bincount(key, weights=self.engaged, minlength=size)
        events = np.bincount(key, weights=self.conversions, minlength=size)
        new = np.bincount(key, weights=self.new_user, minlength=size)
        present = np.flatnonzero(sessions)
        return pd.DataFrame(
            {
                "date": [self.start + timedelta(days=int(k // width)) for k in present],
                "channel": [GA4_CHANNELS[int(k % width)] for k in present],
                "sessions": sessions[present].astype(np.int64),
                "engagedSessions": engaged[present].astype(np.int64),
                "keyEvents": events[present].astype(np.int64),
                "newUsers": new[present].astype(np.int64),
            }
        )


def ads_daily_rows(campaigns: int, *, start: date, days: int, seed: int = 41) -> pd.DataFrame:
    """Daily campaign rows for one ad platform (``campaigns x days`` rows), columnar.

    Args:
        campaigns: Number of campaigns.
        start: First day.
        days: Number of days.
        seed: Random seed.
    """
    rng = np.random.default_rng(seed)
    n = campaigns * days
    impressions = rng.integers(0, 5_000, n)
    clicks = rng.binomial(impressions, 0.02)
    return pd.DataFrame(
        {
            "date": np.repeat(pd.date_range(start, periods=days, freq="D").date, campaigns),
            "campaign_id": np.tile(np.arange(1, campaigns + 1), days),
            "impressions": impressions,
            "clicks": clicks,
            "cost_micros": clicks * rng.integers(500_000, 5_000_000, n),
            "conversions": rng.binomial(clicks, 0.05),
        }
    )
