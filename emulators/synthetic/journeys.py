"""HubSpot journeys: each contact's whole future (lifecycle stages, deal, meetings), drawn at creation.

Called by :class:`~emulators.synthetic.world.World` to simulate a day; rendered by ``synthetic.hubspot``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from emulators.synthetic.company import _SOURCE_CUM, DAY_MS, HOUR_MS, SOURCES, _campaign_name

LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

# Offsets keep ids of different object types apart (HubSpot ids are per type, but distinct ids make a
# mixed-up lookup fail loudly in tests instead of returning the wrong record).
_DEAL_ID_OFFSET = 10_000_000_000
_MEETING_ID_OFFSET = 20_000_000_000

# Funnel rates (per stage transition) and delays in days; see ContactJourney for how they combine.
_P_CREATED_AS_SUBSCRIBER = 0.45

_P_SUBSCRIBER_TO_LEAD = 0.35
_P_LEAD_TO_MQL = 0.35
_P_MQL_TO_SQL = 0.40
_P_SQL_TO_OPPORTUNITY = 0.60
_P_OTHER = 0.02  # vendors, partners, job seekers: lifecyclestage "other", never a funnel stage
_P_ARCHIVED = 0.011  # spam and duplicates, archived within days
_P_SKIP_MQL = 0.08  # sales accepts a lead straight to SQL
_P_SKIP_SQL = 0.06  # an MQL goes straight to opportunity
_P_INSTANT_MQL = 0.25  # demo-request forms make an MQL at creation
_P_EVANGELIST = 0.06
# Which stage-date properties a record carries: both families (most records), only the v2 family, only
# the legacy "became a … date" family (older records), or none at all (imports with the stage only).
_DATE_FAMILIES = (("both", 0.47), ("v2", 0.40), ("legacy", 0.10), ("none", 0.03))

DEFAULT_PIPELINE_ID = "default"
PARTNER_PIPELINE_ID = "51997770"


@dataclass(frozen=True)
class _Stage:
    id: str
    label: str
    probability: str
    is_closed: bool
    is_won: bool = False


_PIPELINES: dict[str, tuple[str, tuple[_Stage, ...]]] = {
    DEFAULT_PIPELINE_ID: (
        "Sales Pipeline",
        (
            _Stage("appointmentscheduled", "Appointment Scheduled", "0.2", False),
            _Stage("qualifiedtobuy", "Qualified To Buy", "0.4", False),
            _Stage("presentationscheduled", "Presentation Scheduled", "0.6", False),
            _Stage("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
            _Stage("contractsent", "Contract Sent", "0.9", False),
            _Stage("closedwon", "Closed Won", "1.0", True, True),
            _Stage("closedlost", "Closed Lost", "0.0", True),
        ),
    ),
    PARTNER_PIPELINE_ID: (
        "Partner Pipeline",
        (
            _Stage("51997771", "Partner Referral Received", "0.1", False),
            _Stage("51997772", "Partner Qualified", "0.3", False),
            _Stage("51997773", "Joint Proposal", "0.6", False),
            _Stage("51997774", "Partner Closed Won", "1.0", True, True),
            _Stage("51997775", "Partner Closed Lost", "0.0", True),
        ),
    ),
}
_STAGE_BY_ID: dict[str, _Stage] = {s.id: s for _, stages in _PIPELINES.values() for s in stages}
_PIPELINES_CREATED_AT = "2023-01-09T15:04:12.000Z"
_PARTNER_PIPELINE_CREATED_AT = "2024-03-18T09:41:55.000Z"

_PLANS = (("Starter", 6_000.0, 0.30), ("Growth", 14_000.0, 0.50), ("Enterprise", 42_000.0, 0.20))
_MEETING_OUTCOMES = (
    ("COMPLETED", 0.62),
    ("NO_SHOW", 0.10),
    ("RESCHEDULED", 0.08),
    ("CANCELED", 0.10),
    ("SCHEDULED", 0.10),  # reps who never log an outcome
)

_FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Marco",
    "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
_LAST_NAMES = (
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski",
    "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quispe", "Rossi", "Silva", "Tanaka", "Varga", "Weber",
)  # fmt: skip
_COMPANY_A = (
    "North", "Blue", "Bright", "Iron", "Silver", "Cedar", "Quantum", "Harbor", "Summit", "Copper", "Nimbus",
    "Atlas",
)  # fmt: skip
_COMPANY_B = (
    "wind", "field", "stack", "works", "loop", "forge", "logic", "path", "grid", "scale", "ware", "point",
)  # fmt: skip
_COMPANY_C = (
    "Analytics",
    "Labs",
    "Systems",
    "Health",
    "Logistics",
    "Software",
    "Robotics",
    "Finance",
    "Cloud",
)


def _choose(r: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    return r.choices([o for o, _ in options], weights=[w for _, w in options], k=1)[0]


def _days(r: random.Random, mean: float, minimum: float = 0.0) -> int:
    """An exponential delay in ms: most things happen soon, a few take much longer."""
    return int((minimum + r.expovariate(1.0 / mean)) * DAY_MS) + r.randint(1_000, 600_000)


@dataclass
class MeetingJourney:
    """A meeting's whole life: booked, held (or not), outcome logged."""

    id: str
    created_ms: int
    start_ms: int
    duration_ms: int
    outcome: str
    outcome_ms: int | None  # when the final outcome was logged; None = stays SCHEDULED
    title: str
    activity_type: str


@dataclass
class DealJourney:
    """A deal's whole life: stage entries in order, the close (if it ever closes) and its amounts."""

    id: str
    pipeline: str
    name: str
    created_ms: int
    expected_close_ms: int
    stages: list[tuple[str, int]]  # (stage id, entered at), the last one closed when the deal closes
    amount: str | None
    amount_in_home_currency: bool
    mrr: str | None  # set on the deal when it is won
    source: str | None  # the deal's own hs_analytics_source, on ~30% of deals
    second_contact_u: float | None  # uniform draw used to pick a second associated contact of the day
    contact_ids: list[str] = field(default_factory=list)

    @property
    def close_ms(self) -> int | None:
        """When the deal closes (won or lost), or None if it never does."""
        last_stage, entered = self.stages[-1]
        return entered if _STAGE_BY_ID[last_stage].is_closed else None


@dataclass
class ContactJourney:
    """One contact's whole life, drawn at creation: who, from where, and every future stage entry."""

    id: str
    index: int
    created_ms: int
    source: str | None
    source_data_1: str | None
    source_data_2: str | None
    firstname: str
    lastname: str
    company: str
    stage_ms: dict[str, int]  # lifecycle stage → entered at (ms), in funnel order, strictly increasing
    date_family: str  # "both" | "v2" | "legacy" | "none"
    archived_ms: int | None
    # Updates that change no funnel property (form resubmissions, calculated fields) but still move
    # lastmodifieddate, as they do in a real portal: incremental syncs must not assume stage == change.
    touches_ms: list[int] = field(default_factory=list)
    deal: DealJourney | None = None
    meetings: list[MeetingJourney] = field(default_factory=list)

    @property
    def email(self) -> str:
        """A synthetic address on a reserved (.example) domain."""
        slug = self.company.lower().replace(" ", "")
        return f"{self.firstname}.{self.lastname}.{self.id[-3:]}@{slug}.example".lower()


def _time_of_day_ms(r: random.Random) -> int:
    # B2B traffic peaks in European afternoons / American mornings (UTC), with a long tail at night.
    hours = r.gauss(14.5, 3.6) % 24.0
    return int(hours * HOUR_MS) + r.randint(0, 999)


def _simulate_contact(r: random.Random, *, day: date, index: int, midnight: int) -> ContactJourney:
    ordinal = day.toordinal()
    contact_id = str(ordinal * 1000 + index)
    created = midnight + _time_of_day_ms(r)
    profile = r.choices(SOURCES, cum_weights=_SOURCE_CUM, k=1)[0]
    data_1 = _choose(r, profile.data_1)
    data_2 = _campaign_name(profile.source, day) if profile.source in ("PAID_SEARCH", "PAID_SOCIAL") else None
    first, last = r.choice(_FIRST_NAMES), r.choice(_LAST_NAMES)
    company = f"{r.choice(_COMPANY_A)}{r.choice(_COMPANY_B)} {r.choice(_COMPANY_C)}"
    family = _choose(r, _DATE_FAMILIES)

    stage_ms: dict[str, int] = {}
    contact = ContactJourney(
        id=contact_id,
        index=index,
        created_ms=created,
        source=profile.source,
        source_data_1=data_1,
        source_data_2=data_2,
        firstname=first,
        lastname=last,
        company=company,
        stage_ms=stage_ms,
        date_family=family,
        archived_ms=None,
    )
    kind = r.random()
    if kind < _P_ARCHIVED:
        # Spam or a duplicate: created, maybe scored as a lead, archived within days; never progresses.
        stage_ms["lead" if r.random() < 0.6 else "subscriber"] = created
        contact.archived_ms = created + _days(r, 4.0, minimum=0.05)
        return contact
    contact.touches_ms = sorted(created + _days(r, 25.0, minimum=0.02) for _ in range(r.randint(0, 3)))
    if kind < _P_ARCHIVED + _P_OTHER:
        stage_ms["other"] = created
        return contact

    # Offline contacts are imported by sales from events and lists: they arrive as leads.
    t = created
    if profile.source != "OFFLINE" and r.random() < _P_CREATED_AS_SUBSCRIBER:
        stage_ms["subscriber"] = t
        if r.random() >= _P_SUBSCRIBER_TO_LEAD:
            return contact
        t += _days(r, 20.0, minimum=0.5)
    stage_ms["lead"] = t

    if r.random() >= min(_P_LEAD_TO_MQL * profile.quality, 0.95):
        return contact
    t += 1_000 + r.randint(0, 30_000) if r.random() < _P_INSTANT_MQL else _days(r, 6.0, minimum=0.1)
    stage_ms["marketingqualifiedlead"] = t
    mql_ms = t
    if r.random() < 0.55:
        contact.meetings.append(_simulate_meeting(r, contact, after_ms=mql_ms, seq=0))

    if r.random() >= min(_P_MQL_TO_SQL * profile.quality, 0.95):
        return contact
    t += _days(r, 4.0, minimum=0.2)
    stage_ms["salesqualifiedlead"] = t
    sql_ms = t
    if not contact.meetings and r.random() < 0.7:
        contact.meetings.append(_simulate_meeting(r, contact, after_ms=sql_ms, seq=0))

    if r.random() >= _P_SQL_TO_OPPORTUNITY:
        # Some reps open a deal for an SQL that never becomes a real opportunity; it is lost or goes stale.
        if r.random() < 0.25:
            deal_created = sql_ms + _days(r, 3.0, minimum=0.5)
            contact.deal = _simulate_deal(r, contact, created_ms=deal_created, from_opportunity=False)
        _skip_stages(r, stage_ms)
        return contact

    t += _days(r, 6.0, minimum=0.5)
    # Creating the associated deal is what moves the contact to opportunity (HubSpot's lifecycle sync),
    # so the deal is a few seconds older than the opportunity date.
    deal = _simulate_deal(r, contact, created_ms=t, from_opportunity=True)
    contact.deal = deal
    t += r.randint(2_000, 90_000)
    stage_ms["opportunity"] = t
    close_ms = deal.close_ms
    if close_ms is not None and _STAGE_BY_ID[deal.stages[-1][0]].is_won:
        # Closing the deal won makes the contact a customer within minutes (workflow lag).
        t = max(t, close_ms) + r.randint(5_000, 15 * 60_000)
        stage_ms["customer"] = t
        if r.random() < _P_EVANGELIST:
            stage_ms["evangelist"] = t + _days(r, 60.0, minimum=30.0)
    _skip_stages(r, stage_ms)
    return contact


def _skip_stages(r: random.Random, stage_ms: dict[str, int]) -> None:
    """Drop a middle stage's date for contacts that jumped it (the next stage keeps its own date)."""
    if "salesqualifiedlead" in stage_ms and r.random() < _P_SKIP_MQL:
        stage_ms.pop("marketingqualifiedlead", None)
    if "opportunity" in stage_ms and r.random() < _P_SKIP_SQL:
        stage_ms.pop("salesqualifiedlead", None)


def _simulate_meeting(r: random.Random, contact: ContactJourney, *, after_ms: int, seq: int) -> MeetingJourney:
    created = after_ms + _days(r, 1.0, minimum=0.01)
    start_day = (created // DAY_MS) + r.randint(1, 10)
    weekday = (start_day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    if weekday >= 5:
        start_day += 7 - weekday  # nobody books a demo on a weekend: move it to Monday
    # Meetings start on the hour or half hour, in working hours across the EU/US overlap.
    start = start_day * DAY_MS + r.randint(26, 38) * (HOUR_MS // 2)
    duration = r.choice((30, 30, 45, 60)) * 60_000
    outcome = _choose(r, _MEETING_OUTCOMES)
    outcome_ms: int | None
    if outcome in ("COMPLETED", "NO_SHOW"):
        outcome_ms = start + duration + r.randint(60_000, 36 * HOUR_MS)
    elif outcome in ("CANCELED", "RESCHEDULED"):
        outcome_ms = created + int(r.random() * (start - created))
    else:
        outcome_ms = None
    activity = "Demo" if r.random() < 0.7 else "Discovery call"
    return MeetingJourney(
        id=str(_MEETING_ID_OFFSET + int(contact.id) * 10 + seq),
        created_ms=created,
        start_ms=start,
        duration_ms=duration,
        outcome=outcome,
        outcome_ms=outcome_ms,
        title=f"{activity}: {contact.company}",
        activity_type=activity,
    )


def _simulate_deal(
    r: random.Random, contact: ContactJourney, *, created_ms: int, from_opportunity: bool
) -> DealJourney:
    partner = r.random() < (0.4 if contact.source == "REFERRALS" else 0.08)
    pipeline_id = PARTNER_PIPELINE_ID if partner else DEFAULT_PIPELINE_ID
    stages = _PIPELINES[pipeline_id][1]
    open_stages = [s.id for s in stages if not s.is_closed]
    won_id = next(s.id for s in stages if s.is_won)
    lost_id = next(s.id for s in stages if s.is_closed and not s.is_won)

    outcome = _choose(
        r,
        (("won", 0.32), ("lost", 0.60), ("stale", 0.08)) if from_opportunity else (("lost", 0.75), ("stale", 0.25)),
    )
    if outcome == "won":
        cycle_days = min(max(20.0 + r.gammavariate(2.0, 15.0), 20.0), 90.0)
        depth = len(open_stages)
    else:
        cycle_days = min(max(5.0 + r.gammavariate(1.5, 20.0), 5.0), 150.0)
        depth = 1 + min(int(r.expovariate(0.9)), len(open_stages) - 1)
    cycle_ms = int(cycle_days * DAY_MS)
    reached = open_stages[:depth]
    # Reps skip intermediate stages now and then; the first stage is set at creation.
    reached = [reached[0]] + [s for s in reached[1:] if r.random() < 0.88]
    offsets = sorted(r.random() * 0.9 for _ in reached[1:])
    timeline = [(reached[0], created_ms)] + [
        (stage, created_ms + int(off * cycle_ms) + 1_000 * (k + 1))
        for k, (stage, off) in enumerate(zip(reached[1:], offsets, strict=True))
    ]
    if outcome != "stale":
        timeline.append((won_id if outcome == "won" else lost_id, created_ms + cycle_ms + 60_000))

    plan, median, _ = _choose(r, tuple(((p, m, w), w) for p, m, w in _PLANS))
    value = median * r.lognormvariate(0.0, 0.35) * (0.8 if partner else 1.0)
    amount: str | None
    if r.random() < 0.03:
        amount = None
    elif r.random() < 0.15:
        amount = f"{round(value, 1):.2f}"  # "8400.50": a discount applied by hand
    else:
        amount = str(int(round(value, -2)))
    mrr = f"{float(amount) / 12:.2f}" if amount is not None and outcome == "won" and r.random() < 0.5 else None
    deal_source = contact.source if r.random() < 0.3 else None
    ordinal_index = int(contact.id)
    return DealJourney(
        id=str(_DEAL_ID_OFFSET + ordinal_index),
        pipeline=pipeline_id,
        name=f"{contact.company} – {plan}",
        created_ms=created_ms,
        # The rep's first guess of the close date, set at creation; often wrong, never updated here.
        expected_close_ms=created_ms + int((30 + 45 * r.random()) * DAY_MS),
        stages=timeline,
        amount=amount,
        amount_in_home_currency=r.random() < 0.5,
        mrr=mrr,
        source=deal_source,
        second_contact_u=r.random() if r.random() < 0.15 else None,
        contact_ids=[contact.id],
    )


def _pick_second_contacts(contacts: Sequence[ContactJourney]) -> None:
    """Associate some deals to a second live contact of the same day (a colleague on the buying team)."""
    live = [c.index for c in contacts if c.archived_ms is None]
    for contact in contacts:
        deal = contact.deal
        if deal is None or deal.second_contact_u is None:
            continue
        others = [i for i in live if i != contact.index]
        if others:
            deal.contact_ids.append(contacts[others[int(deal.second_contact_u * len(others))]].id)
