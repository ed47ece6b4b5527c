"""The seeded simulation: :class:`World` (calendar, demand, per-day RNG streams, caches) and its :class:`DayPlan`.

Built by :func:`~emulators.synthetic.generate_demo_fixture`; every fixture part renders from it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from emulators.synthetic.ads import AdCampaign, AdDay, _draw_roster, _simulate_ads_day
from emulators.synthetic.anomalies import Anomaly, _draw_year_anomalies
from emulators.synthetic.company import (
    _MAX_CONTACTS_PER_DAY,
    _SUMMER_DIP,
    _TREND_ANCHOR,
    _TREND_BOUNDS,
    _TREND_PER_YEAR,
    _WEEKDAY_FACTOR,
    SOURCES,
    STREAM_DAY,
    STREAM_HUBSPOT,
    _midnight_ms,
)
from emulators.synthetic.ga4 import WebDay, _simulate_web_day
from emulators.synthetic.journeys import ContactJourney, _pick_second_contacts, _simulate_contact


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
