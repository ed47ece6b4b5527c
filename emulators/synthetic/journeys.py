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

:class:`World` is the simulation; the fixture parts are renderings of it, and they tell one story. Each
day the world has a demand (expected new contacts per ``hs_analytics_source``: level × weekday × trend ×
season × the day's shock). Every observable quantity is drawn around that demand:

* web sessions per source = demand ÷ the source's visit → contact rate (about 3%, so visit → lead is
  about 2%), split over GA4 channel groups and source / medium like HubSpot's ``source_data_1``;
* paid sessions are not drawn directly: LinkedIn Ads and Google Ads impressions are drawn so that the
  expected clicks × click → session rate (about 0.85 and 0.9) equals the paid sessions the demand asks
  for, then clicks ← impressions × CTR, and the GA4 sessions of each campaign ← its clicks;
* GA4 users return: a returning session belongs to a user first seen 0-120 days earlier (any channel),
  so a week's users are fewer than the sum of its days' users, and ``new_user`` marks first sessions only.

Anomalies are part of the world, on a per-seed yearly calendar (:meth:`World.anomalies`): one LinkedIn
campaign paused for two weeks (its clicks and sessions vanish, HubSpot contacts do not: first-touch
attribution lags), two GA4 tracking-outage days (a few percent of sessions recorded), and one Google Ads
week with a CPC spike. Ad platforms restate recent days the way real ones do: a click's conversions
arrive over the following days, so the last weeks' conversion counts grow between fixtures.

Every part draws from its own streams (:data:`STREAM_ADS`, :data:`STREAM_WEB`, :data:`STREAM_EVENTS`), so
adding or removing a part never changes another one, and a day's ad rows and sessions depend only on
``(seed, day)`` (and the volume knobs): returning users point back at earlier days through those days'
session counts, which are themselves functions of ``(seed, day)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DEFAULT_PIPELINE_ID",
    "DEMO_SOURCES",
    "GA4_CHANNEL_GROUPS",
    "GA4_PROPERTY_ID",
    "GOOGLE_ADS_CUSTOMER_ID",
    "LIFECYCLE_STAGES",
    "LINKEDIN_ACCOUNT_ID",
    "PARTNER_PIPELINE_ID",
    "SOURCES",
    "STREAM_ADS",
    "STREAM_DAY",
    "STREAM_EVENTS",
    "STREAM_HUBSPOT",
    "STREAM_WEB",
    "AdCampaign",
    "AdDay",
    "Anomaly",
    "ContactJourney",
    "DayPlan",
    "DealJourney",
    "MeetingJourney",
    "SourceProfile",
    "WebBucket",
    "WebDay",
    "World",
    "deal_pipelines",
    "format_hubspot_timestamp",
    "ga4_fixture",
    "ga4_sessions",
    "generate_demo_fixture",
    "google_ads_fixture",
    "hubspot_fixture",
    "linkedin_fixture",
]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# RNG stream ids: the third word of each day's seed sequence. One stream per concern, so that a new
# fixture part (drawing from its own stream) leaves every existing part byte-for-byte unchanged.
STREAM_DAY = 0  # day-level shocks shared by every source (a good day has more sessions *and* leads)
STREAM_HUBSPOT = 1  # contacts and their journeys
STREAM_WEB = 2  # GA4 sessions (sub-stream 0: counts per bucket, 1: each session's details)
STREAM_ADS = 3  # LinkedIn Ads / Google Ads daily rows, and the GA4 sessions their clicks become
STREAM_EVENTS = 4  # per seed, not per day: the ad-campaign roster and each year's anomaly calendar

DEMO_SOURCES: tuple[str, ...] = ("hubspot", "linkedin", "google_ads", "ga4")
LINKEDIN_ACCOUNT_ID = "512388408"
GOOGLE_ADS_CUSTOMER_ID = "1234567890"
GA4_PROPERTY_ID = "123456"
GA4_CHANNEL_GROUPS: tuple[str, ...] = (
    "Organic Search",
    "Paid Search",
    "Paid Social",
    "Organic Social",
    "Email",
    "Referral",
    "Direct",
    "Unassigned",
    "Display",
    "Cross-network",
)

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
# The summer dip: buyers on holiday from mid-July to the end of August, deepest (-22%) early in August.
# It starts after July 4th so that the days before it keep the volumes they always had.
_SUMMER_DIP = ((7, 13), (9, 1), 0.22)
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
        visit_to_contact: Contacts per web session (sessions = demand ÷ this; about 2-4%, so that the
            visit → lead rate lands at 1-3% once subscribers and spam are left out).
    """

    source: str | None
    weight: float
    data_1: tuple[tuple[str | None, float], ...]
    quality: float
    visit_to_contact: float


SOURCES: tuple[SourceProfile, ...] = (
    SourceProfile("ORGANIC_SEARCH", 0.24, (("google", 0.86), ("bing", 0.1), ("duckduckgo", 0.04)), 1.0, 0.028),
    SourceProfile("PAID_SEARCH", 0.14, (("google", 0.9), ("bing", 0.1)), 1.05, 0.034),
    SourceProfile("PAID_SOCIAL", 0.13, (("linkedin", 0.82), ("facebook", 0.18)), 0.75, 0.03),
    SourceProfile("SOCIAL_MEDIA", 0.06, (("linkedin", 0.6), ("twitter", 0.25), ("youtube", 0.15)), 0.8, 0.02),
    SourceProfile("EMAIL_MARKETING", 0.08, (("newsletter", 0.55), ("nurture", 0.45)), 0.9, 0.036),
    SourceProfile("REFERRALS", 0.07, (("g2", 0.45), ("capterra", 0.25), ("partner-site.example", 0.3)), 1.35, 0.038),
    SourceProfile(
        "AI_REFERRALS",
        0.04,
        (("chatgpt.com", 0.7), ("perplexity.ai", 0.2), ("gemini.google.com", 0.1)),
        1.2,
        0.036,
    ),
    SourceProfile("DIRECT_TRAFFIC", 0.12, ((None, 1.0),), 1.1, 0.032),
    SourceProfile("OFFLINE", 0.06, (("IMPORT", 0.5), ("CRM_UI", 0.35), ("INTEGRATION", 0.15)), 1.3, 1.0),
    SourceProfile("OTHER_CAMPAIGNS", 0.03, (("webinar", 0.6), ("partner_campaign", 0.4)), 0.85, 0.036),
    # The untidy tail every real portal has: no source at all, and a value newer than our channel map.
    SourceProfile(None, 0.02, ((None, 1.0),), 0.9, 0.032),
    SourceProfile("SOME_NEW_SOURCE", 0.01, (("unknown", 1.0),), 0.9, 0.032),
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
        """Expected web sessions per source behind the day's contacts (the GA4 part draws its sessions around these).

        Returns:
            Source → expected sessions (OFFLINE contacts come with no web visit, so it is omitted).
        """
        profiles = {p.source: p for p in SOURCES}
        return {s: d / profiles[s].visit_to_contact for s, d in self.demand.items() if s != "OFFLINE"}


class World:
    """The seeded simulation behind every synthetic fixture part.

    Args:
        seed: The world's seed; the same seed always yields the same world.
        contacts_per_day: Mean new contacts per day around the trend anchor (mid-2026); web sessions,
            ad impressions, clicks and spend all scale with it.

    Raises:
        ValueError: ``contacts_per_day`` is not in (0, 200].
    """

    def __init__(self, *, seed: int = 7, contacts_per_day: float = 14.0) -> None:
        if not 0 < contacts_per_day <= _MAX_CONTACTS_PER_DAY:
            raise ValueError(f"contacts_per_day must be in (0, {_MAX_CONTACTS_PER_DAY:g}], got {contacts_per_day}")
        self.seed = seed
        self.contacts_per_day = contacts_per_day
        self._days: dict[date, DayPlan] = {}
        self._demand: dict[date, tuple[float, dict[str | None, float]]] = {}
        self._ads: dict[date, tuple[AdDay, ...]] = {}
        self._web: dict[date, WebDay] = {}
        self._years: dict[int, tuple[Anomaly, ...]] = {}
        self._roster: tuple[tuple[AdCampaign, ...], tuple[AdCampaign, ...]] | None = None
        self._user_prefix: dict[date, str] = {}

    def rng(self, day: date, stream: int, sub: int | None = None) -> np.random.Generator:
        """The generator of one stream on one day: depends on (seed, day, stream[, sub]) only.

        Args:
            day: The calendar day.
            stream: One of the ``STREAM_*`` constants.
            sub: An optional sub-stream, so that one concern can draw in stages (e.g. GA4 counts, which
                other days read, apart from the per-session details, which nothing else reads).

        Returns:
            A fresh numpy generator.
        """
        key = [self.seed, day.toordinal(), stream] if sub is None else [self.seed, day.toordinal(), stream, sub]
        return np.random.default_rng(key)

    @staticmethod
    def seasonality(day: date) -> float:
        """The calendar's multiplier on demand: the summer dip and the year-end holidays.

        Args:
            day: The calendar day.

        Returns:
            1.0 on an ordinary day; down to 0.78 in early August and 0.45 from December 23 to January 1.
        """
        if (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day == 1):
            return 0.45
        (start_m, start_d), (end_m, end_d), depth = _SUMMER_DIP
        start, end = date(day.year, start_m, start_d), date(day.year, end_m, end_d)
        if start <= day < end:
            x = (day - start).days / (end - start).days
            return 1.0 - depth * math.sin(math.pi * x) ** 2
        return 1.0

    def expected_contacts(self, day: date) -> float:
        """Mean new contacts on ``day`` before the day's shock: level × weekday × trend × season.

        Args:
            day: The calendar day.

        Returns:
            The expected count.
        """
        years = (day - _TREND_ANCHOR).days / 365.25
        trend = min(max(_TREND_PER_YEAR**years, _TREND_BOUNDS[0]), _TREND_BOUNDS[1])
        return self.contacts_per_day * _WEEKDAY_FACTOR[day.weekday()] * trend * self.seasonality(day)

    def demand(self, day: date) -> tuple[float, dict[str | None, float]]:
        """The day's shock and its demand per source, without simulating its contacts (cached).

        Args:
            day: The calendar day.

        Returns:
            ``(shock, {hs_analytics_source: expected new contacts})``.
        """
        found = self._demand.get(day)
        if found is None:
            shock = float(np.clip(self.rng(day, STREAM_DAY).lognormal(0.0, 0.12), 0.7, 1.4))
            mean = self.expected_contacts(day) * shock
            found = (shock, {p.source: mean * p.weight for p in SOURCES})
            self._demand[day] = found
        return found

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

    # --- paid media and web traffic ------------------------------------------------------------------

    def campaigns(self, platform: str) -> tuple[AdCampaign, ...]:
        """The ad campaigns of one platform: 4-6 per platform, fixed per seed.

        Args:
            platform: ``"linkedin"`` or ``"google_ads"``.

        Returns:
            The campaigns, in roster order.

        Raises:
            ValueError: Unknown platform.
        """
        if self._roster is None:
            self._roster = _draw_roster(self.seed, self.contacts_per_day)
        if platform == "linkedin":
            return self._roster[0]
        if platform == "google_ads":
            return self._roster[1]
        raise ValueError(f"unknown ad platform {platform!r}; expected 'linkedin' or 'google_ads'")

    def anomalies(self, start: date, end: date) -> list[Anomaly]:
        """The anomalies that overlap the days ``[start, end)``, by start date.

        Args:
            start: First day.
            end: Day after the last one.

        Returns:
            The anomalies (each year has one LinkedIn pause, two GA4 outages and one CPC spike week).
        """
        found: list[Anomaly] = []
        for year in range(start.year - 1, end.year + 1):
            found.extend(a for a in self._year_anomalies(year) if a.start < end and a.end > start)
        return sorted(found, key=lambda a: (a.start, a.kind))

    def ads_day(self, day: date) -> tuple[AdDay, ...]:
        """The ad platforms' day (cached): one row per campaign with impressions, LinkedIn first.

        Args:
            day: The calendar day.

        Returns:
            The campaign-days with activity; paused and not-yet-created campaigns have none.
        """
        found = self._ads.get(day)
        if found is None:
            found = _simulate_ads_day(self, day)
            self._ads[day] = found
        return found

    def web_day(self, day: date) -> WebDay:
        """GA4's day (cached): sessions and first-time users per traffic bucket.

        Args:
            day: The calendar day.

        Returns:
            The day's session counts; the sessions themselves are drawn by :func:`ga4_sessions`.
        """
        found = self._web.get(day)
        if found is None:
            found = _simulate_web_day(self, day)
            self._web[day] = found
        return found

    def _year_anomalies(self, year: int) -> tuple[Anomaly, ...]:
        found = self._years.get(year)
        if found is None:
            found = _draw_year_anomalies(self, year)
            self._years[year] = found
        return found

    def _user_id_prefix(self, day: date) -> str:
        prefix = self._user_prefix.get(day)
        if prefix is None:
            prefix = f"u{day:%Y%m%d}-"
            self._user_prefix[day] = prefix
        return prefix

    def _simulate_day(self, day: date) -> DayPlan:
        shock, demand = self.demand(day)
        mean = self.expected_contacts(day) * shock  # not sum(demand): that float differs in the last bit
        rng = self.rng(day, STREAM_HUBSPOT)
        count = int(rng.poisson(mean))
        if count >= 1000:  # unreachable under the contacts_per_day bound; ids would collide
            raise ValueError(f"{count} contacts on {day}: ids allow at most 999 a day")
        # One child seed per contact: a contact's journey never depends on how many draws its
        # neighbours made, so changing one rule changes only the contacts it applies to.
        seeds = rng.integers(0, 2**62, size=count).tolist()
        midnight = _midnight_ms(day)
        contacts = tuple(
            _simulate_contact(random.Random(s), day=day, index=i, midnight=midnight) for i, s in enumerate(seeds)
        )
        _pick_second_contacts(contacts)
        return DayPlan(day=day, shock=shock, demand=dict(demand), contacts=contacts)


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


def _campaign_name(source: str | None, day: date) -> str:
    quarter = (day.month - 1) // 3 + 1
    kind = "search" if source == "PAID_SEARCH" else "social"
    return f"{day.year}_q{quarter}_{kind}_demo_request"


# --- Paid media and web traffic ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdCampaign:
    """One ad campaign of the synthetic LinkedIn Ads account or Google Ads customer.

    Attributes:
        platform: ``"linkedin"`` or ``"google_ads"``.
        id: The platform's campaign id (digits; LinkedIn renders it as a JSON number).
        name: The campaign name shown in the platform.
        objective: LinkedIn ``objectiveType`` or Google Ads advertising channel type.
        cost_type: ``"CPC"`` or ``"CPM"`` (how the platform bills; Google Ads search is CPC).
        channel_group: GA4 default channel group of the sessions its clicks become.
        share: Share of the platform's clicks at full delivery (the roster's shares sum to 1).
        ctr: Typical click-through rate.
        cpc: Typical cost per click, USD.
        landing_rate: Landing-page clicks per click (LinkedIn lead-gen forms keep most clicks on-site).
        session_rate: GA4 sessions per landing-page click (consent banners and early exits lose some).
        conversion_rate: Platform-tracked conversions per landing-page click.
        lead_form_rate: LinkedIn one-click (lead-gen form) leads per click.
        created: First day the campaign can deliver.
        utm_campaign: GA4 ``sessionCampaignName`` of its sessions; None for the quarterly demo-request
            name that HubSpot also records as ``hs_analytics_source_data_2``.
        group_id: LinkedIn campaign group id (None on Google Ads).
        daily_budget: Daily budget, USD.
    """

    platform: str
    id: str
    name: str
    objective: str
    cost_type: str
    channel_group: str
    share: float
    ctr: float
    cpc: float
    landing_rate: float
    session_rate: float
    conversion_rate: float
    lead_form_rate: float
    created: date
    utm_campaign: str | None
    group_id: str | None
    daily_budget: float

    def ga4_campaign(self, day: date) -> str:
        """The GA4 campaign name of the campaign's sessions on ``day``.

        Args:
            day: The calendar day.

        Returns:
            The utm campaign (LinkedIn) or the campaign name itself (Google Ads auto-tagging).
        """
        if self.utm_campaign is not None:
            return self.utm_campaign
        return _campaign_name("PAID_SOCIAL" if self.platform == "linkedin" else "PAID_SEARCH", day)


@dataclass(frozen=True)
class AdDay:
    """One campaign's day as its platform reports it (only days with impressions exist).

    Attributes:
        campaign: The campaign.
        day: The calendar day (in the account's time zone, UTC).
        impressions: Impressions.
        clicks: Clicks.
        landing_page_clicks: Clicks that reached the website.
        cost_cents: Spend in US cents.
        cost_tail: LinkedIn's BigDecimal residue in units of 1e-19 (0: an exact amount).
        one_click_leads: LinkedIn lead-gen form submissions.
        sessions: GA4 sessions the clicks became (before any tracking outage).
        conversion_credits: Each platform conversion's credit (1.0, or a fraction under data-driven
            attribution on Google Ads).
        conversion_lags: Days after the click at which each conversion is recorded.
    """

    campaign: AdCampaign
    day: date
    impressions: int
    clicks: int
    landing_page_clicks: int
    cost_cents: int
    cost_tail: int
    one_click_leads: int
    sessions: int
    conversion_credits: tuple[float, ...]
    conversion_lags: tuple[int, ...]

    def conversions(self, as_of: date) -> float:
        """Conversions the platform reports for this day when asked on ``as_of`` (restated upwards).

        Args:
            as_of: The day of the report (its midnight UTC is the cutoff).

        Returns:
            The sum of the credits of the conversions recorded before ``as_of``.
        """
        age = (as_of - self.day).days
        return sum(c for c, lag in zip(self.conversion_credits, self.conversion_lags, strict=True) if lag < age)


@dataclass(frozen=True)
class Anomaly:
    """Something that went wrong (or unusual) in the world, for a stretch of days.

    Attributes:
        kind: ``"linkedin_campaign_paused"``, ``"ga4_tracking_outage"`` or ``"google_ads_cpc_spike"``.
        start: First day.
        end: Day after the last one.
        campaign_id: The campaign concerned (the paused LinkedIn campaign), else None.
        description: What a marketer would write in the tracker's notes.
    """

    kind: str
    start: date
    end: date
    campaign_id: str | None
    description: str

    def covers(self, day: date) -> bool:
        """Whether ``day`` is in ``[start, end)``."""
        return self.start <= day < self.end


@dataclass(frozen=True)
class WebBucket:
    """One GA4 traffic slice: channel group × source / medium × campaign.

    Attributes:
        channel_group: GA4 ``sessionDefaultChannelGroup``.
        source_medium: GA4 ``sessionSourceMedium``.
        campaign: GA4 ``sessionCampaignName``.
        source: The HubSpot ``hs_analytics_source`` whose demand drives the slice.
        engagement_rate: Share of first-time visitors' sessions that are engaged (returning: +0.08).
        new_user_share: Share of the slice's sessions that are a user's first.
        key_event_rate: Key-event probability of an engaged session.
    """

    channel_group: str
    source_medium: str
    campaign: str
    source: str | None
    engagement_rate: float
    new_user_share: float
    key_event_rate: float


@dataclass(frozen=True)
class WebDay:
    """GA4's day in counts: the sessions and the first-time users of each bucket.

    Attributes:
        day: The calendar day (property time zone, UTC).
        outage: Whether the tag was broken that day (only a few percent of sessions recorded).
        buckets: The traffic slices.
        sessions: Recorded sessions per bucket.
        new_users: Sessions per bucket that are a user's first-ever session.
    """

    day: date
    outage: bool
    buckets: tuple[WebBucket, ...]
    sessions: tuple[int, ...]
    new_users: tuple[int, ...]

    @property
    def first_visits(self) -> int:
        """Users first seen this day: the pool later sessions return from."""
        return sum(self.new_users)


_PROFILE_BY_SOURCE: dict[str | None, SourceProfile] = {p.source: p for p in SOURCES}

# GA4 renders each (hs_analytics_source, source_data_1) as one slice; paid LinkedIn and Google traffic
# is not listed: it comes from the ad platforms' clicks, one slice per campaign.
_WEB_ORIGINS: dict[tuple[str | None, str | None], tuple[str, str, str]] = {
    ("ORGANIC_SEARCH", "google"): ("Organic Search", "google / organic", "(organic)"),
    ("ORGANIC_SEARCH", "bing"): ("Organic Search", "bing / organic", "(organic)"),
    ("ORGANIC_SEARCH", "duckduckgo"): ("Organic Search", "duckduckgo / organic", "(organic)"),
    ("PAID_SEARCH", "bing"): ("Paid Search", "bing / cpc", "bing_search_generic"),
    ("PAID_SOCIAL", "facebook"): ("Paid Social", "facebook / paid_social", "fb_retargeting"),
    ("SOCIAL_MEDIA", "linkedin"): ("Organic Social", "linkedin.com / referral", "(referral)"),
    ("SOCIAL_MEDIA", "twitter"): ("Organic Social", "t.co / referral", "(referral)"),
    ("SOCIAL_MEDIA", "youtube"): ("Organic Social", "youtube.com / referral", "(referral)"),
    ("EMAIL_MARKETING", "newsletter"): ("Email", "newsletter / email", "monthly_newsletter"),
    ("EMAIL_MARKETING", "nurture"): ("Email", "hubspot / email", "nurture_trial_onboarding"),
    ("REFERRALS", "g2"): ("Referral", "g2.com / referral", "(referral)"),
    ("REFERRALS", "capterra"): ("Referral", "capterra.com / referral", "(referral)"),
    ("REFERRALS", "partner-site.example"): ("Referral", "partner-site.example / referral", "(referral)"),
    ("AI_REFERRALS", "chatgpt.com"): ("Referral", "chatgpt.com / referral", "(referral)"),
    ("AI_REFERRALS", "perplexity.ai"): ("Referral", "perplexity.ai / referral", "(referral)"),
    ("AI_REFERRALS", "gemini.google.com"): ("Referral", "gemini.google.com / referral", "(referral)"),
    ("DIRECT_TRAFFIC", None): ("Direct", "(direct) / (none)", "(direct)"),
    ("OTHER_CAMPAIGNS", "webinar"): ("Unassigned", "zoom / webinar", "webinar_series"),
    ("OTHER_CAMPAIGNS", "partner_campaign"): ("Unassigned", "partner / co-marketing", "partner_co_marketing"),
    (None, None): ("Unassigned", "(not set) / (not set)", "(not set)"),
    ("SOME_NEW_SOURCE", "unknown"): ("Display", "adroll / display", "retargeting_display"),
}
_AD_DRIVEN: dict[tuple[str, str], str] = {
    ("PAID_SOCIAL", "linkedin"): "linkedin",
    ("PAID_SEARCH", "google"): "google_ads",
}
# (engagement rate of first visits, share of sessions that are a user's first): B2B-typical values;
# paid social and display bring many one-page visits from new people, email brings people back.
_GROUP_BEHAVIOUR: dict[str, tuple[float, float]] = {
    "Organic Search": (0.62, 0.74),
    "Paid Search": (0.58, 0.80),
    "Paid Social": (0.42, 0.86),
    "Organic Social": (0.47, 0.70),
    "Email": (0.68, 0.25),
    "Referral": (0.66, 0.72),
    "Direct": (0.55, 0.45),
    "Unassigned": (0.34, 0.60),
    "Display": (0.22, 0.88),
    "Cross-network": (0.38, 0.82),
}
_RETURNING_ENGAGEMENT_BONUS = 0.08
# Key events (form submissions, demo requests) per session ≈ 1.15 × contacts per session: most create a
# contact, some come from people already in the CRM.
_KEY_EVENTS_PER_CONTACT = 1.15
_OUTAGE_RECORDED = 0.04  # share of sessions GA4 still records on a tracking-outage day
_SAME_DAY_RETURN = 0.12  # share of returning sessions whose user was first seen earlier that day
_RETURN_LAG_MEAN_DAYS = 10.0
_RETURN_LAG_MAX_DAYS = 120


def _bucket(source: str | None, group: str, source_medium: str, campaign: str) -> WebBucket:
    engagement, new_share = _GROUP_BEHAVIOUR[group]
    vtc = _PROFILE_BY_SOURCE[source].visit_to_contact
    return WebBucket(
        channel_group=group,
        source_medium=source_medium,
        campaign=campaign,
        source=source,
        engagement_rate=engagement,
        new_user_share=new_share,
        key_event_rate=min(0.9, _KEY_EVENTS_PER_CONTACT * vtc / engagement),
    )


def _static_buckets() -> tuple[tuple[WebBucket, float], ...]:
    """The buckets driven directly by demand, each with its share of its source's sessions."""
    out = []
    for profile in SOURCES:
        if profile.source == "OFFLINE":  # imports and sales-entered contacts never visited the site
            continue
        for data_1, weight in profile.data_1:
            if (profile.source, data_1) in _AD_DRIVEN:
                continue
            group, source_medium, campaign = _WEB_ORIGINS[(profile.source, data_1)]
            out.append((_bucket(profile.source, group, source_medium, campaign), weight))
    return tuple(out)


_STATIC_BUCKETS = _static_buckets()
_STATIC_SHARE = np.array([share for _, share in _STATIC_BUCKETS])
_STATIC_VTC = np.array([_PROFILE_BY_SOURCE[b.source].visit_to_contact for b, _ in _STATIC_BUCKETS])


def _ad_driven_share(source: str, platform: str) -> float:
    """Share of a source's sessions that come from one ad platform (its ``source_data_1`` weight)."""
    data_1 = next(d for (s, d), p in _AD_DRIVEN.items() if s == source and p == platform)
    return dict(_PROFILE_BY_SOURCE[source].data_1)[data_1]


class _LinkedInTemplate(NamedTuple):
    name: str
    utm: str | None  # None: the quarterly demo-request name HubSpot records as source_data_2
    objective: str
    cost_type: str
    share: float
    ctr: float
    cpc: float  # USD
    landing: float  # landing-page clicks per click
    conversion: float  # website conversions per landing-page click
    lead_form: float  # one-click leads per click


# Lead-gen forms keep the visitor on LinkedIn: few landing-page clicks, many one-click leads.
_LINKEDIN_TEMPLATES: tuple[_LinkedInTemplate, ...] = (
    _LinkedInTemplate(
        "Demo request – Website", None, "WEBSITE_CONVERSION", "CPC", 0.34, 0.0058, 9.4, 0.95, 0.03, 0.0
    ),
    _LinkedInTemplate(
        "Lead gen – Buyer's guide", "li_buyers_guide_leadgen", "LEAD_GENERATION", "CPM",
        0.18, 0.0082, 7.1, 0.4, 0.0, 0.11,
    ),
    _LinkedInTemplate(
        "Retargeting – Site visitors", "li_retargeting_site_visitors", "WEBSITE_CONVERSION", "CPM",
        0.18, 0.0096, 5.6, 0.95, 0.035, 0.0,
    ),
    _LinkedInTemplate(
        "Thought leadership – Benchmark report", "li_benchmark_report", "WEBSITE_VISIT", "CPM",
        0.16, 0.0044, 8.2, 0.94, 0.012, 0.0,
    ),
    _LinkedInTemplate(
        "ABM – Target accounts", "li_abm_target_accounts", "WEBSITE_CONVERSION", "CPC",
        0.14, 0.0049, 12.6, 0.95, 0.025, 0.0,
    ),
    _LinkedInTemplate(
        "Event – Webinar registrations", "li_webinar_registrations", "LEAD_GENERATION", "CPC",
        0.10, 0.0071, 6.3, 0.4, 0.0, 0.09,
    ),
)  # fmt: skip
_LINKEDIN_SESSION_RATE = 0.98
_LINKEDIN_GROUPS = ("Always-on demand", "Awareness")


class _GoogleTemplate(NamedTuple):
    name: str
    channel_type: str  # advertisingChannelType
    channel_group: str  # GA4 group of its sessions
    share: float
    ctr: float
    cpc: float  # USD
    conversion: float  # conversions per click


# Performance Max serves across Google's networks, so GA4 files its sessions under Cross-network.
_GOOGLE_TEMPLATES: tuple[_GoogleTemplate, ...] = (
    _GoogleTemplate("Search – Brand", "SEARCH", "Paid Search", 0.20, 0.078, 2.3, 0.06),
    _GoogleTemplate("Search – Generic", "SEARCH", "Paid Search", 0.34, 0.031, 7.4, 0.02),
    _GoogleTemplate("Search – Competitors", "SEARCH", "Paid Search", 0.16, 0.037, 9.8, 0.018),
    _GoogleTemplate("Performance Max – Demo", "PERFORMANCE_MAX", "Cross-network", 0.12, 0.021, 3.9, 0.015),
    _GoogleTemplate("Search – Integrations", "SEARCH", "Paid Search", 0.10, 0.052, 4.2, 0.025),
    _GoogleTemplate("Search – Remarketing (RLSA)", "SEARCH", "Paid Search", 0.08, 0.061, 5.1, 0.04),
)
_GOOGLE_SESSION_RATE = 0.9  # GA4 sessions per Google Ads click
_CPC_SPIKE = (1.85, 0.85)  # CPC multiplier and click multiplier (lost impression share) in a spike week
_CONVERSION_LAG_MEAN_DAYS = 4.0  # B2B demo requests often follow the ad click by days
_CONVERSION_WINDOW_DAYS = 30


def _draw_roster(seed: int, contacts_per_day: float) -> tuple[tuple[AdCampaign, ...], tuple[AdCampaign, ...]]:
    """4-6 campaigns per platform, with ids and budgets, from the seed alone."""
    rng = np.random.default_rng([seed, STREAM_EVENTS])
    n_li, n_g = (4 + int(rng.integers(0, 3)) for _ in range(2))
    # Ids grow with creation order, as they do on both platforms.
    li_ids = 400_000_000 + np.cumsum(rng.integers(1_000, 90_000_000, size=len(_LINKEDIN_TEMPLATES)))
    g_ids = 20_000_000_000 + np.cumsum(rng.integers(1_000, 900_000_000, size=len(_GOOGLE_TEMPLATES)))
    group_ids = 600_000_000 + rng.integers(0, 99_999_999, size=len(_LINKEDIN_GROUPS))
    # Budgets cover a busy weekday: peak contacts → paid sessions → clicks → spend, with headroom.
    peak = contacts_per_day * max(_WEEKDAY_FACTOR) * _TREND_BOUNDS[1]

    li_templates = _LINKEDIN_TEMPLATES[:n_li]
    li_total = sum(t.share for t in li_templates)
    li_sessions = peak * _PROFILE_BY_SOURCE["PAID_SOCIAL"].weight / _PROFILE_BY_SOURCE["PAID_SOCIAL"].visit_to_contact
    li_sessions *= _ad_driven_share("PAID_SOCIAL", "linkedin")
    li_per_click = sum(t.share / li_total * t.landing * _LINKEDIN_SESSION_RATE for t in li_templates)
    linkedin = tuple(
        AdCampaign(
            platform="linkedin",
            id=str(int(li_ids[k])),
            name=name,
            objective=objective,
            cost_type=cost_type,
            channel_group="Paid Social",
            share=share / li_total,
            ctr=ctr,
            cpc=cpc,
            landing_rate=landing,
            session_rate=_LINKEDIN_SESSION_RATE,
            conversion_rate=conversion,
            lead_form_rate=lead_form,
            created=date(2023, 2, 6) + timedelta(days=41 * k),
            utm_campaign=utm,
            group_id=str(int(group_ids[0 if objective != "WEBSITE_VISIT" else 1])),
            daily_budget=math.ceil(li_sessions / li_per_click * share / li_total * cpc * 1.3 / 10) * 10.0,
        )
        for k, (name, utm, objective, cost_type, share, ctr, cpc, landing, conversion, lead_form) in enumerate(
            li_templates
        )
    )

    g_templates = _GOOGLE_TEMPLATES[:n_g]
    g_total = sum(t.share for t in g_templates)
    g_sessions = peak * _PROFILE_BY_SOURCE["PAID_SEARCH"].weight / _PROFILE_BY_SOURCE["PAID_SEARCH"].visit_to_contact
    g_clicks = g_sessions * _ad_driven_share("PAID_SEARCH", "google_ads") / _GOOGLE_SESSION_RATE
    google = tuple(
        AdCampaign(
            platform="google_ads",
            id=str(int(g_ids[k])),
            name=name,
            objective=channel_type,
            cost_type="CPC",
            channel_group=group,
            share=share / g_total,
            ctr=ctr,
            cpc=cpc,
            landing_rate=1.0,
            session_rate=_GOOGLE_SESSION_RATE,
            conversion_rate=conversion,
            lead_form_rate=0.0,
            created=date(2022, 10, 3) + timedelta(days=29 * k),
            utm_campaign=name,  # auto-tagging: GA4 shows the Google Ads campaign name
            group_id=None,
            daily_budget=math.ceil(g_clicks * share / g_total * cpc * 1.3 / 10) * 10.0,
        )
        for k, (name, channel_type, group, share, ctr, cpc, conversion) in enumerate(g_templates)
    )
    return linkedin, google


def _draw_year_anomalies(world: World, year: int) -> tuple[Anomaly, ...]:
    rng = np.random.default_rng([world.seed, year, STREAM_EVENTS, 1])
    linkedin = world.campaigns("linkedin")
    jan1 = date(year, 1, 1)
    paused = linkedin[int(rng.integers(0, len(linkedin)))]
    pause_start = jan1 + timedelta(days=int(rng.integers(75, 240)))
    outages = [jan1 + timedelta(days=int(rng.integers(35, 165))), jan1 + timedelta(days=int(rng.integers(245, 330)))]
    spike = jan1 + timedelta(days=int(rng.integers(250, 320)))
    spike -= timedelta(days=spike.weekday())  # a Monday-to-Sunday week
    return (
        Anomaly(
            "linkedin_campaign_paused",
            pause_start,
            pause_start + timedelta(days=14),
            paused.id,
            f"LinkedIn campaign {paused.name} paused for two weeks (creative review)",
        ),
        *(
            Anomaly(
                "ga4_tracking_outage",
                day,
                day + timedelta(days=1),
                None,
                f"GA4 tag missing after a site release: about {_OUTAGE_RECORDED:.0%} of sessions recorded",
            )
            for day in outages
        ),
        Anomaly(
            "google_ads_cpc_spike",
            spike,
            spike + timedelta(days=7),
            None,
            f"competitors bid on our keywords: Google Ads CPC ×{_CPC_SPIKE[0]}, clicks ×{_CPC_SPIKE[1]}",
        ),
    )


def _active(world: World, kind: str, day: date, campaign_id: str | None = None) -> bool:
    return any(
        a.kind == kind and a.covers(day) and (campaign_id is None or a.campaign_id == campaign_id)
        for a in world._year_anomalies(day.year)
    )


def _conversion_lags(rng: np.random.Generator, count: int) -> list[int]:
    lags = np.floor(rng.exponential(_CONVERSION_LAG_MEAN_DAYS, size=count))
    return np.minimum(lags, _CONVERSION_WINDOW_DAYS - 1).astype(int).tolist()


def _simulate_ads_day(world: World, day: date) -> tuple[AdDay, ...]:
    """Both platforms' campaign-days: expected clicks are set so paid sessions meet the day's demand."""
    _, demand = world.demand(day)
    rng = world.rng(day, STREAM_ADS)
    rows: list[AdDay] = []
    for platform, source in (("linkedin", "PAID_SOCIAL"), ("google_ads", "PAID_SEARCH")):
        campaigns = world.campaigns(platform)
        n = len(campaigns)
        sessions_wanted = (
            demand[source] / _PROFILE_BY_SOURCE[source].visit_to_contact * _ad_driven_share(source, platform)
        )
        exists = np.array([day >= c.created for c in campaigns])
        share = np.array([c.share for c in campaigns]) * exists
        per_click = np.array([c.landing_rate * c.session_rate for c in campaigns])
        # Budget moves to the campaigns that exist; a paused one's share is simply lost (fewer visits).
        denominator = float((share * per_click).sum())
        scale = sessions_wanted / denominator if denominator > 0 else 0.0
        paused = np.array(
            [platform == "linkedin" and _active(world, "linkedin_campaign_paused", day, c.id) for c in campaigns]
        )
        clicks_wanted = scale * share * ~paused
        ctr = np.array([c.ctr for c in campaigns]) * rng.lognormal(0.0, 0.08, n)
        cpc = np.array([c.cpc for c in campaigns]) * rng.lognormal(0.0, 0.10, n)
        if platform == "google_ads" and _active(world, "google_ads_cpc_spike", day):
            cpc *= _CPC_SPIKE[0]
            clicks_wanted *= _CPC_SPIKE[1]
        impressions = rng.poisson(clicks_wanted / ctr)
        clicks = rng.binomial(impressions, ctr)
        landing = rng.binomial(clicks, [c.landing_rate for c in campaigns])
        sessions = rng.binomial(landing, [c.session_rate for c in campaigns])
        leads = rng.binomial(clicks, [c.lead_form_rate for c in campaigns])
        conversions = rng.binomial(landing, [c.conversion_rate for c in campaigns])
        total = int(conversions.sum())
        lags = _conversion_lags(rng, total)
        if platform == "google_ads":
            # Data-driven attribution splits some conversions between campaigns: fractional credits.
            credits = np.where(rng.random(total) < 0.7, 1.0, np.round(rng.uniform(0.2, 0.95, total), 2)).tolist()
        else:
            credits = [1.0] * total
        effective = np.array([cpc[i] if c.cost_type == "CPC" else cpc[i] * c.ctr for i, c in enumerate(campaigns)])
        billed = np.where([c.cost_type == "CPC" for c in campaigns], clicks, impressions)
        cents = np.rint(billed * effective * 100).astype(int)
        tails = rng.integers(1, 1_000_000, size=n) * (rng.random(n) < 0.6)
        offset = 0
        for i, campaign in enumerate(campaigns):
            k = int(conversions[i])
            if impressions[i] > 0:  # no activity, no row (both platforms omit empty days)
                rows.append(
                    AdDay(
                        campaign=campaign,
                        day=day,
                        impressions=int(impressions[i]),
                        clicks=int(clicks[i]),
                        landing_page_clicks=int(landing[i]),
                        cost_cents=int(cents[i]),
                        cost_tail=int(tails[i]) if platform == "linkedin" and cents[i] > 0 else 0,
                        one_click_leads=int(leads[i]),
                        sessions=int(sessions[i]),
                        conversion_credits=tuple(credits[offset : offset + k]),
                        conversion_lags=tuple(lags[offset : offset + k]),
                    )
                )
            offset += k
    return tuple(rows)


def _ad_buckets(world: World, day: date) -> tuple[WebBucket, ...]:
    return tuple(
        _bucket(
            "PAID_SOCIAL" if c.platform == "linkedin" else "PAID_SEARCH",
            c.channel_group,
            "linkedin / paid_social" if c.platform == "linkedin" else "google / cpc",
            c.ga4_campaign(day),
        )
        for platform in ("linkedin", "google_ads")
        for c in world.campaigns(platform)
    )


def _simulate_web_day(world: World, day: date) -> WebDay:
    _, demand = world.demand(day)
    rng = world.rng(day, STREAM_WEB, 0)
    source_sessions = np.array([demand[b.source] for b, _ in _STATIC_BUCKETS]) / _STATIC_VTC * _STATIC_SHARE
    static = rng.poisson(source_sessions * rng.lognormal(0.0, 0.08, len(_STATIC_BUCKETS)))
    by_campaign = {row.campaign.id: row.sessions for row in world.ads_day(day)}
    paid = [by_campaign.get(c.id, 0) for p in ("linkedin", "google_ads") for c in world.campaigns(p)]
    buckets = tuple(b for b, _ in _STATIC_BUCKETS) + _ad_buckets(world, day)
    counts = np.concatenate([static, np.array(paid, dtype=np.int64)])
    outage = _active(world, "ga4_tracking_outage", day)
    if outage:
        counts = rng.binomial(counts, _OUTAGE_RECORDED)
    new = rng.binomial(counts, [b.new_user_share for b in buckets])
    return WebDay(
        day=day,
        outage=outage,
        buckets=buckets,
        sessions=tuple(counts.tolist()),
        new_users=tuple(new.tolist()),
    )


def _returning_user(world: World, day: date, lag: int, u: float) -> str:
    """The user of a returning session: one of the users first seen ``lag`` days before ``day``."""
    birth = day - timedelta(days=lag)
    for _ in range(_RETURN_LAG_MAX_DAYS * 3):
        first_visits = world.web_day(birth).first_visits
        if first_visits:
            return world._user_id_prefix(birth) + str(int(u * first_visits))
        birth -= timedelta(days=1)  # nobody new that day (an outage, a tiny world): an earlier day
    # A world so small that nobody arrived for a year: a visitor from before anything was recorded.
    return world._user_id_prefix(day - timedelta(days=lag)) + "0"


def _ga4_day_sessions(world: World, day: date) -> list[dict[str, Any]]:
    web = world.web_day(day)
    sessions = np.array(web.sessions, dtype=np.int64)
    new_counts = np.array(web.new_users, dtype=np.int64)
    index = np.arange(len(web.buckets))
    # First-time sessions come first, so a same-day return always follows its user's first session.
    bucket = np.concatenate([np.repeat(index, new_counts), np.repeat(index, sessions - new_counts)])
    n = len(bucket)
    n_new = int(new_counts.sum())
    is_new = np.arange(n) < n_new
    rng = world.rng(day, STREAM_WEB, 1)

    engagement = np.array([b.engagement_rate for b in web.buckets])[bucket]
    engaged = rng.random(n) < engagement + _RETURNING_ENGAGEMENT_BONUS * ~is_new
    # GA4's rule: engaged = over 10 s, or 2+ page views, or a key event; so bounces are short one-pagers.
    engaged_duration = np.minimum(10.0 + rng.lognormal(math.log(95.0), 0.85, n), 3_600.0)
    bounce_duration = np.where(rng.random(n) < 0.55, 0.0, rng.uniform(0.3, 10.0, n))
    duration = np.round(np.where(engaged, engaged_duration, bounce_duration), 1)
    pageviews = np.where(engaged, 1 + rng.poisson(1.3 + 0.5 * ~is_new), 1)
    key_rate = np.array([b.key_event_rate for b in web.buckets])[bucket]
    key_events = np.where(engaged & (rng.random(n) < key_rate), 1 + (rng.random(n) < 0.08), 0)
    scroll_25 = rng.binomial(pageviews, np.where(engaged, 0.8, 0.3))
    scroll_50 = rng.binomial(scroll_25, 0.68)
    scroll_75 = rng.binomial(scroll_50, 0.6)
    scroll_90 = rng.binomial(scroll_75, 0.55)
    n_returning = n - n_new
    lags = np.where(
        rng.random(n_returning) < _SAME_DAY_RETURN,
        0,
        np.minimum(1 + np.floor(rng.exponential(_RETURN_LAG_MEAN_DAYS, n_returning)), _RETURN_LAG_MAX_DAYS),
    ).astype(int)
    picks = rng.random(n_returning)

    prefix = world._user_id_prefix(day)
    users = [prefix + str(j) for j in range(n_new)]
    users += [_returning_user(world, day, lag, u) for lag, u in zip(lags.tolist(), picks.tolist(), strict=True)]
    on = day.isoformat()
    out: list[dict[str, Any]] = []
    for i, b, new, eng, dur, pv, ke, s25, s50, s75, s90 in zip(
        range(n),
        bucket.tolist(),
        is_new.tolist(),
        engaged.tolist(),
        duration.tolist(),
        pageviews.tolist(),
        key_events.tolist(),
        scroll_25.tolist(),
        scroll_50.tolist(),
        scroll_75.tolist(),
        scroll_90.tolist(),
        strict=True,
    ):
        events: dict[str, int] = {}
        if s25:  # counts are nested (90 ⊂ 75 ⊂ 50 ⊂ 25), so the first zero ends the list
            events["scroll_25"] = s25
            if s50:
                events["scroll_50"] = s50
                if s75:
                    events["scroll_75"] = s75
                    if s90:
                        events["scroll_90"] = s90
        bk = web.buckets[b]
        out.append(
            {
                "date": on,
                "user": users[i],
                "new_user": new,
                "channel_group": bk.channel_group,
                "source_medium": bk.source_medium,
                "campaign": bk.campaign,
                "engaged": eng,
                "duration_s": dur,
                "pageviews": pv,
                "key_events": ke,
                "events": events,
            }
        )
    return out


# --- HubSpot rendering -------------------------------------------------------------------------------


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


# --- Ad platform and GA4 rendering -----------------------------------------------------------------


def _linkedin_costs(cents: int, tail: int) -> tuple[str, str]:
    """``costInLocalCurrency`` and ``costInUsd``: BigDecimal strings, the local one with its long tail."""
    whole, frac = divmod(cents, 100)
    usd = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
    # "107.53" + 335346e-19 → "107.5300000000000335346", the shape LinkedIn really returns.
    local = f"{whole}.{frac:02d}{tail:017d}" if tail else usd
    return local, usd


def _linkedin_date(day: date) -> dict[str, int]:
    return {"year": day.year, "month": day.month, "day": day.day}


def _linkedin_campaign(world: World, campaign: AdCampaign, end: date) -> dict[str, Any]:
    pauses = [
        a
        for a in world.anomalies(campaign.created, end)
        if a.kind == "linkedin_campaign_paused" and a.campaign_id == campaign.id
    ]
    # Status changes happen in the morning (UTC) of the day a pause starts or ends.
    changes = [_midnight_ms(d) + 9 * HOUR_MS for a in pauses for d in (a.start, a.end) if d < end]
    created_ms = _midnight_ms(campaign.created) - 3 * HOUR_MS
    last_day = end - timedelta(days=1)
    paused_now = any(a.covers(last_day) for a in pauses)
    return {
        "id": int(campaign.id),
        "name": campaign.name,
        "account": f"urn:li:sponsoredAccount:{LINKEDIN_ACCOUNT_ID}",
        "campaignGroup": f"urn:li:sponsoredCampaignGroup:{campaign.group_id}",
        "status": "PAUSED" if paused_now else "ACTIVE",
        "type": "SPONSORED_UPDATES",
        "costType": campaign.cost_type,
        "objectiveType": campaign.objective,
        "dailyBudget": {"amount": f"{campaign.daily_budget:.2f}", "currencyCode": "USD"},
        "runSchedule": {"start": _midnight_ms(campaign.created)},
        "changeAuditStamps": {
            "created": {"time": created_ms},
            "lastModified": {"time": max([created_ms, *changes])},
        },
    }


def linkedin_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the LinkedIn Ads part: the account's campaigns and their daily analytics ``[start, end)``.

    Analytics elements are those of ``GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY``
    (counts as numbers, costs as BigDecimal strings); campaign-days without impressions are absent.
    Conversions are as reported on ``end``: recent days still gain some in later fixtures.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"account_id", "currency", "campaigns": [...], "analytics": [...]}``.
    """
    campaigns = [_linkedin_campaign(world, c, end) for c in world.campaigns("linkedin") if c.created < end]
    analytics: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        when = _linkedin_date(day)
        for row in world.ads_day(day):
            if row.campaign.platform != "linkedin":
                continue
            local, usd = _linkedin_costs(row.cost_cents, row.cost_tail)
            analytics.append(
                {
                    "dateRange": {"start": when, "end": dict(when)},
                    "pivotValues": [f"urn:li:sponsoredCampaign:{row.campaign.id}"],
                    "impressions": row.impressions,
                    "clicks": row.clicks,
                    "landingPageClicks": row.landing_page_clicks,
                    "costInLocalCurrency": local,
                    "costInUsd": usd,
                    "externalWebsiteConversions": round(row.conversions(end)),
                    "oneClickLeads": row.one_click_leads,
                }
            )
    return {"account_id": LINKEDIN_ACCOUNT_ID, "currency": "USD", "campaigns": campaigns, "analytics": analytics}


def google_ads_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the Google Ads part: one GAQL result row per campaign and day ``[start, end)``.

    Rows are proto3 JSON as ``googleAds:search`` returns them (int64 as strings, ``conversions`` a
    double, often fractional under data-driven attribution); campaign-days without impressions are absent.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"customer_id", "currency", "time_zone", "rows": [...]}``.
    """
    rows: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        on = day.isoformat()
        for row in world.ads_day(day):
            if row.campaign.platform != "google_ads":
                continue
            rows.append(
                {
                    "campaign": {"id": row.campaign.id, "name": row.campaign.name},
                    "metrics": {
                        "impressions": str(row.impressions),
                        "clicks": str(row.clicks),
                        "costMicros": str(row.cost_cents * 10_000),
                        "conversions": round(float(row.conversions(end)), 6),
                    },
                    "segments": {"date": on},
                }
            )
    return {"customer_id": GOOGLE_ADS_CUSTOMER_ID, "currency": "USD", "time_zone": "UTC", "rows": rows}


def ga4_sessions(world: World, *, start: date, end: date) -> list[dict[str, Any]]:
    """The GA4 sessions of the days ``[start, end)``, one record per session.

    Each day's sessions depend only on ``(seed, day)``: a returning user is drawn from the users first
    seen on an earlier day, through that day's counts, which nothing about the window changes.

    Args:
        world: The simulated world.
        start: First day.
        end: Day after the last one.

    Returns:
        Session records (DESIGN.md §4): date, user, new_user, channel_group, source_medium, campaign,
        engaged, duration_s, pageviews, key_events and events (``scroll_25`` … ``scroll_90`` counts,
        zero counts left out).
    """
    out: list[dict[str, Any]] = []
    for offset in range((end - start).days):
        out.extend(_ga4_day_sessions(world, start + timedelta(days=offset)))
    return out


def ga4_fixture(world: World, *, start: date, end: date) -> dict[str, Any]:
    """Render the GA4 part: the property and its sessions ``[start, end)``.

    Args:
        world: The simulated world.
        start: First day.
        end: The as-of day (excluded).

    Returns:
        ``{"property_id", "time_zone", "sessions": [...]}``.
    """
    return {"property_id": GA4_PROPERTY_ID, "time_zone": "UTC", "sessions": ga4_sessions(world, start=start, end=end)}


def generate_demo_fixture(
    *,
    today: date,
    weeks: int = 52,
    seed: int = 7,
    contacts_per_day: float = 14.0,
    sources: Sequence[str] = DEMO_SOURCES,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Generate the seeded synthetic demo fixture, as every source stood at midnight UTC starting ``today``.

    The data of each calendar day depends only on ``(seed, day)`` (and the volume knobs), never on
    ``today`` or ``weeks``: regenerating later only adds days, moves HubSpot journeys forward and lets
    recent ad conversions arrive.

    Args:
        today: The as-of day; data covers the days ``[today - weeks * 7, today)``.
        weeks: How many weeks of history.
        seed: The world's seed.
        contacts_per_day: Mean new contacts per day (about 5,000 contacts and 150,000 GA4 sessions over
            52 weeks by default).
        sources: Which parts to render, among ``hubspot``, ``linkedin``, ``google_ads`` and ``ga4``.
        scale: Multiplies the whole world's volume (contacts, sessions, impressions, spend); the same as
            ``contacts_per_day × scale``.

    Returns:
        A fixture (DESIGN.md §4) with the requested parts, in that order.

    Raises:
        ValueError: ``weeks`` is negative, a source is unknown, or the volume is out of range.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    unknown = [s for s in sources if s not in DEMO_SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(map(repr, unknown))}; choose from {', '.join(DEMO_SOURCES)}")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    world = World(seed=seed, contacts_per_day=contacts_per_day * scale)
    start = today - timedelta(days=7 * weeks)
    renderers = {
        "hubspot": hubspot_fixture,
        "linkedin": linkedin_fixture,
        "google_ads": google_ads_fixture,
        "ga4": ga4_fixture,
    }
    return {name: renderers[name](world, start=start, end=today) for name in DEMO_SOURCES if name in sources}
