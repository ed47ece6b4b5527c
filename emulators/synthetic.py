"""Seeded synthetic B2B SaaS world, and the demo fixture drawn from it.

The demo, the tests and the benchmarks need a HubSpot portal that a marketing lead would find plausible:
weekday/weekend rhythm, a mild upward trend, a realistic channel mix, a funnel that leaks at believable
rates with delays of days to weeks, deals that close 20-90 days after they open, and the untidy parts of
real CRMs (skipped stages, legacy stage-date properties, unknown sources, archived records, deals
without amounts).

Stability is the design constraint. The data of a calendar day depends only on ``(seed, day)``:

* every day has its own RNG streams, ``numpy.random.default_rng([seed, day.toordinal(), stream])``;
* every contact created on that day draws its *whole future journey* (stage dates, deal, meetings) from
  its own generator seeded by the day's stream, at creation;
* a fixture "as of" a cutoff (midnight UTC at the start of ``today``) then shows each journey as it stood
  just before the cutoff: events at or after the cutoff are simply not there yet.

So ``generate_demo_fixture(today=T)`` and ``generate_demo_fixture(today=T + 7)`` agree on every record
with no event in ``[T, T + 7)``, and a 30-week and a 52-week fixture agree on the days they share.

:class:`World` is the simulation; the fixture parts are renderings of it. Only the HubSpot part exists
today. LinkedIn Ads, Google Ads and GA4 parts are meant to be rendered from the same world:
:meth:`DayPlan.expected_sessions` gives the sessions per source behind each day's contacts (GA4), and the
paid sources' demand gives the clicks that the ad platforms would report, each drawn from its own stream
(:data:`STREAM_WEB`, :data:`STREAM_ADS`) so adding a part never changes the HubSpot data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_PIPELINE_ID",
    "LIFECYCLE_STAGES",
    "PARTNER_PIPELINE_ID",
    "SOURCES",
    "STREAM_ADS",
    "STREAM_DAY",
    "STREAM_HUBSPOT",
    "STREAM_WEB",
    "ContactJourney",
    "DayPlan",
    "DealJourney",
    "MeetingJourney",
    "SourceProfile",
    "World",
    "deal_pipelines",
    "format_hubspot_timestamp",
    "generate_demo_fixture",
    "hubspot_fixture",
]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# RNG stream ids: the third word of each day's seed sequence. One stream per concern, so that a new
# fixture part (drawing from its own stream) leaves every existing part byte-for-byte unchanged.
STREAM_DAY = 0  # day-level shocks shared by every source (a good day has more sessions *and* leads)
STREAM_HUBSPOT = 1  # contacts and their journeys
STREAM_WEB = 2  # reserved: GA4 sessions
STREAM_ADS = 3  # reserved: LinkedIn Ads / Google Ads daily rows

LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

# Growth is anchored to a fixed calendar date, never to `today`, so a day's volume does not move when the
# fixture is regenerated later; it is clamped so that far-away dates stay sane.
_TREND_ANCHOR = date(2026, 7, 1)
_TREND_PER_YEAR = 1.15
_TREND_BOUNDS = (0.6, 1.6)
# Monday..Sunday; averages to 1.0 so `contacts_per_day` stays the mean daily volume.
_WEEKDAY_FACTOR = (1.15, 1.25, 1.2, 1.15, 1.0, 0.6, 0.65)
_MAX_CONTACTS_PER_DAY = 200.0  # keeps the per-day index below 1000 (ids are ordinal * 1000 + index)

# Offsets keep ids of different object types apart (HubSpot ids are per type, but distinct ids make a
# mixed-up lookup fail loudly in tests instead of returning the wrong record).
_DEAL_ID_OFFSET = 10_000_000_000
_MEETING_ID_OFFSET = 20_000_000_000


@dataclass(frozen=True)
class SourceProfile:
    """How one ``hs_analytics_source`` value behaves in the simulated world.

    Attributes:
        source: The HubSpot internal value (None: the property is empty).
        weight: Share of new contacts.
        data_1: ``hs_analytics_source_data_1`` values and their weights.
        quality: Multiplier on the lead → MQL and MQL → SQL conversion rates.
        visit_to_contact: Contacts per session (used to derive web sessions for a future GA4 part).
    """

    source: str | None
    weight: float
    data_1: tuple[tuple[str | None, float], ...]
    quality: float
    visit_to_contact: float


SOURCES: tuple[SourceProfile, ...] = (
    SourceProfile(
        "ORGANIC_SEARCH", 0.24, (("google", 0.86), ("bing", 0.1), ("duckduckgo", 0.04)), 1.0, 0.012
    ),
    SourceProfile("PAID_SEARCH", 0.14, (("google", 0.9), ("bing", 0.1)), 1.05, 0.025),
    SourceProfile("PAID_SOCIAL", 0.13, (("linkedin", 0.82), ("facebook", 0.18)), 0.75, 0.02),
    SourceProfile(
        "SOCIAL_MEDIA", 0.06, (("linkedin", 0.6), ("twitter", 0.25), ("youtube", 0.15)), 0.8, 0.008
    ),
    SourceProfile("EMAIL_MARKETING", 0.08, (("newsletter", 0.55), ("nurture", 0.45)), 0.9, 0.03),
    SourceProfile(
        "REFERRALS", 0.07, (("g2", 0.45), ("capterra", 0.25), ("partner-site.example", 0.3)), 1.35, 0.03
    ),
    SourceProfile(
        "AI_REFERRALS",
        0.04,
        (("chatgpt.com", 0.7), ("perplexity.ai", 0.2), ("gemini.google.com", 0.1)),
        1.2,
        0.02,
    ),
    SourceProfile("DIRECT_TRAFFIC", 0.12, ((None, 1.0),), 1.1, 0.015),
    SourceProfile("OFFLINE", 0.06, (("IMPORT", 0.5), ("CRM_UI", 0.35), ("INTEGRATION", 0.15)), 1.3, 1.0),
    SourceProfile("OTHER_CAMPAIGNS", 0.03, (("webinar", 0.6), ("partner_campaign", 0.4)), 0.85, 0.02),
    # The untidy tail every real portal has: no source at all, and a value newer than our channel map.
    SourceProfile(None, 0.02, ((None, 1.0),), 0.9, 0.015),
    SourceProfile("SOME_NEW_SOURCE", 0.01, (("unknown", 1.0),), 0.9, 0.015),
)
_SOURCE_CUM = tuple(accumulate(p.weight for p in SOURCES))

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


def format_hubspot_timestamp(ms: int) -> str:
    """Format epoch milliseconds the way HubSpot v3 does: ISO-8601 UTC with milliseconds.

    Args:
        ms: Milliseconds since the Unix epoch.

    Returns:
        A string like ``"2024-01-15T10:22:31.123Z"``.
    """
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _midnight_ms(day: date) -> int:
    return (day - _EPOCH.date()).days * DAY_MS


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


@dataclass(frozen=True)
class DayPlan:
    """Everything the world does on one calendar day (UTC).

    Attributes:
        day: The day.
        shock: The day's multiplicative noise, shared by every source.
        demand: Expected new contacts per ``hs_analytics_source`` (the Poisson means behind ``contacts``).
        contacts: The contacts created that day, with their full future journeys.
    """

    day: date
    shock: float
    demand: dict[str | None, float]
    contacts: tuple[ContactJourney, ...]

    def expected_sessions(self) -> dict[str | None, float]:
        """Expected web sessions per source behind the day's contacts (for a GA4 part).

        Returns:
            Source → expected sessions (OFFLINE contacts come with no web visit, so it is omitted).
        """
        profiles = {p.source: p for p in SOURCES}
        return {s: d / profiles[s].visit_to_contact for s, d in self.demand.items() if s != "OFFLINE"}


class World:
    """The seeded simulation behind every synthetic fixture part.

    Args:
        seed: The world's seed; the same seed always yields the same world.
        contacts_per_day: Mean new contacts per day around the trend anchor (mid-2026).

    Raises:
        ValueError: ``contacts_per_day`` is not in (0, 200].
    """

    def __init__(self, *, seed: int = 7, contacts_per_day: float = 14.0) -> None:
        if not 0 < contacts_per_day <= _MAX_CONTACTS_PER_DAY:
            raise ValueError(
                f"contacts_per_day must be in (0, {_MAX_CONTACTS_PER_DAY:g}], got {contacts_per_day}"
            )
        self.seed = seed
        self.contacts_per_day = contacts_per_day
        self._days: dict[date, DayPlan] = {}

    def rng(self, day: date, stream: int) -> np.random.Generator:
        """The generator of one stream on one day: depends on (seed, day, stream) only.

        Args:
            day: The calendar day.
            stream: One of the ``STREAM_*`` constants.

        Returns:
            A fresh numpy generator.
        """
        return np.random.default_rng([self.seed, day.toordinal(), stream])

    def expected_contacts(self, day: date) -> float:
        """Mean new contacts on ``day`` before the day's shock: level × weekday × trend × holidays.

        Args:
            day: The calendar day.

        Returns:
            The expected count.
        """
        years = (day - _TREND_ANCHOR).days / 365.25
        trend = min(max(_TREND_PER_YEAR**years, _TREND_BOUNDS[0]), _TREND_BOUNDS[1])
        holiday = 0.45 if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day == 1) else 1.0
        return self.contacts_per_day * _WEEKDAY_FACTOR[day.weekday()] * trend * holiday

    def day(self, day: date) -> DayPlan:
        """The simulated day (cached), with every contact created that day and its future.

        Args:
            day: The calendar day.

        Returns:
            The day's plan.
        """
        plan = self._days.get(day)
        if plan is None:
            plan = self._simulate_day(day)
            self._days[day] = plan
        return plan

    def days(self, start: date, end: date) -> Iterator[DayPlan]:
        """The days in ``[start, end)``, oldest first.

        Args:
            start: First day.
            end: Day after the last one.

        Yields:
            One plan per day.
        """
        for offset in range((end - start).days):
            yield self.day(start + timedelta(days=offset))

    def _simulate_day(self, day: date) -> DayPlan:
        shock = float(np.clip(self.rng(day, STREAM_DAY).lognormal(0.0, 0.12), 0.7, 1.4))
        mean = self.expected_contacts(day) * shock
        demand = {p.source: mean * p.weight for p in SOURCES}
        rng = self.rng(day, STREAM_HUBSPOT)
        count = int(rng.poisson(mean))
        if count >= 1000:  # unreachable under the contacts_per_day bound; ids would collide
            raise ValueError(f"{count} contacts on {day}: ids allow at most 999 a day")
        # One child seed per contact: a contact's journey never depends on how many draws its
        # neighbours made, so changing one rule changes only the contacts it applies to.
        seeds = rng.integers(0, 2**62, size=count).tolist()
        midnight = _midnight_ms(day)
        contacts = tuple(
            _simulate_contact(random.Random(s), day=day, index=i, midnight=midnight)
            for i, s in enumerate(seeds)
        )
        _pick_second_contacts(contacts)
        return DayPlan(day=day, shock=shock, demand=demand, contacts=contacts)


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


def _simulate_meeting(
    r: random.Random, contact: ContactJourney, *, after_ms: int, seq: int
) -> MeetingJourney:
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
        (("won", 0.32), ("lost", 0.60), ("stale", 0.08))
        if from_opportunity
        else (("lost", 0.75), ("stale", 0.25)),
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
    mrr = (
        f"{float(amount) / 12:.2f}" if amount is not None and outcome == "won" and r.random() < 0.5 else None
    )
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


def _campaign_name(source: str | None, day: date) -> str:
    quarter = (day.month - 1) // 3 + 1
    kind = "search" if source == "PAID_SEARCH" else "social"
    return f"{day.year}_q{quarter}_{kind}_demo_request"


# --- HubSpot rendering -------------------------------------------------------------------------------


def deal_pipelines() -> dict[str, list[dict[str, Any]]]:
    """The deal pipelines of the synthetic portal, as ``GET /crm/v3/pipelines/deals`` lists them.

    Returns:
        ``{"deals": [Sales Pipeline, Partner Pipeline]}`` with stage metadata as strings.
    """
    out = []
    for order, (pipeline_id, (label, stages)) in enumerate(_PIPELINES.items()):
        created = (
            _PIPELINES_CREATED_AT if pipeline_id == DEFAULT_PIPELINE_ID else _PARTNER_PIPELINE_CREATED_AT
        )
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
        ``{"contacts": [...], "deals": [...], "meetings": [...], "pipelines": {"deals": [...]}}``.
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
    return {"contacts": contacts, "deals": deals, "meetings": meetings, "pipelines": deal_pipelines()}


def generate_demo_fixture(
    *, today: date, weeks: int = 52, seed: int = 7, contacts_per_day: float = 14.0
) -> dict[str, Any]:
    """Generate the seeded synthetic demo fixture, as the portal stood at midnight UTC starting ``today``.

    The data of each calendar day depends only on ``(seed, day)`` (and ``contacts_per_day``), never on
    ``today`` or ``weeks``: regenerating later only adds days and moves journeys forward.

    Args:
        today: The as-of day; data covers the days ``[today - weeks * 7, today)``.
        weeks: How many weeks of history.
        seed: The world's seed.
        contacts_per_day: Mean new contacts per day (about 5,000 contacts over 52 weeks by default).

    Returns:
        A fixture (DESIGN.md §4) with its ``hubspot`` part.

    Raises:
        ValueError: ``weeks`` is negative or ``contacts_per_day`` is out of range.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    world = World(seed=seed, contacts_per_day=contacts_per_day)
    return {"hubspot": hubspot_fixture(world, start=today - timedelta(days=7 * weeks), end=today)}
