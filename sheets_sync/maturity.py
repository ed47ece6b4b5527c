"""When a cohort week has matured: cohort KPIs of younger weeks are still rising and are marked immature.

A cohort KPI (section "Funnel (cohort)") counts, of the contacts created in a week, those that reached a
stage by the run. A week too young for its contacts to have got there shows low numbers that are no
failure: the Scorecard marks them immature instead of red, the Tracker leaves them uncoloured and greyed,
and the cohort funnel chart shows the most recent week that has matured.

The rule: a cohort week is mature once the days from its last day to the run's as-of date reach the median
time from lead to customer of the contacts that became customers (computed by the tracker asset from the
HubSpot mirror, see ``assets/tracker_inputs.py``). Half of a cohort's eventual customers have converted by
then, so its funnel shape is readable; younger weeks mostly show who has not converted yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

COHORT_SECTION = "Funnel (cohort)"
DAYS_IN_WEEK = 7


@dataclass(frozen=True)
class CohortMaturity:
    """The age a cohort week needs before its numbers are read as final enough.

    Attributes:
        min_age_days: Days from the week's last day to the as-of date a cohort needs (0: every complete
            week is mature).
        basis: Where the age comes from, for the reader, e.g. ``"median lead → customer time, 412
            customers"``.
    """

    min_age_days: int
    basis: str = ""

    def age_days(self, week_start: date, as_of: date) -> int:
        """Days from the week's last day to ``as_of`` (negative while the week is in progress)."""
        return (as_of - (week_start + timedelta(days=DAYS_IN_WEEK - 1))).days

    def is_mature(self, week_start: date, as_of: date) -> bool:
        """Whether a cohort week's numbers have matured by ``as_of``."""
        return self.age_days(week_start, as_of) >= self.min_age_days

    def latest_mature_week(self, weeks: list[date], as_of: date) -> date | None:
        """The most recent of ``weeks`` that has matured, ``None`` when none has."""
        mature = [week for week in weeks if self.is_mature(week, as_of) and self.age_days(week, as_of) >= 0]
        return max(mature, default=None)

    @property
    def weeks(self) -> int:
        """The minimum age in whole weeks, rounded up (for labels)."""
        return -(-self.min_age_days // DAYS_IN_WEEK)


NO_MATURITY = CohortMaturity(0, "no customer yet to measure the lead → customer time")


def is_cohort_section(section: str) -> bool:
    """Whether a KPI of this section is a cohort value (it keeps rising after its week)."""
    return section == COHORT_SECTION
