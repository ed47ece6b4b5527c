"""The Insights flag for an ad platform gone silent: days it had reported spend for and now reports nothing for.

Called by ``assets/weekly_kpis.py`` with the warehouse's ``ad_silent_days``, which the ad assets fill when
a re-pull answers no row for a day that had spend (the day then counts 0 spend). Silence is what LinkedIn
answers when a member loses access and what any platform answers after campaigns are deleted, so the
drop is said in words instead of passing for a quiet week. Pure: frames in, :class:`Insight` rows out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

import numpy as np
import pandas as pd

from ..config import WeekStart
from ..weeks import NAT, dates_to_days, day_to_date, requested_weeks, week_start_days
from .rows import Insight, pluralize
from .wording import describe_weeks

FLAG = "ads_went_silent"
PLATFORM_NAMES = {"linkedin": "LinkedIn Ads", "google_ads": "Google Ads"}


def silent_platform_insights(
    silent_days: pd.DataFrame | None,
    weeks: Iterable[date],
    week_start: WeekStart,
    *,
    platforms: Collection[str] | None = None,
) -> list[Insight]:
    """Once per run and platform: the days it had reported spend for and now reports nothing for.

    Like every data-quality flag it goes on the run's latest week and names the weeks it affects, so a
    silence that spans the whole lookback is one note, not one per week.

    Args:
        silent_days: Rows ``platform, date, previous_cost, currency`` (``previous_cost`` the spend the
            platform had reported for the day, in ``currency``). May be None or empty.
        weeks: First dates of the run's weeks.
        week_start: ``"monday"`` or ``"sunday"``.
        platforms: Only these platforms (the configured ones); None for all.

    Returns:
        One ``<platform>`` / ``ads_went_silent`` insight per platform with silent days in the run's weeks;
        value = the spend those days had (summed over currencies when a platform changed currency, which the
        detail spells out).
    """
    if silent_days is None or silent_days.empty:
        return []
    frame = silent_days if platforms is None else silent_days[silent_days["platform"].isin(list(platforms))]
    if frame.empty:
        return []
    wanted = requested_weeks(weeks, week_start)
    if not len(wanted):
        return []
    run_weeks = [day_to_date(int(w)) for w in wanted]
    days = dates_to_days(frame["date"])
    week_of = week_start_days(days, week_start)
    in_run = np.isin(week_of, wanted) & (days != NAT)
    out: list[Insight] = []
    for platform in sorted(frame["platform"].unique()):
        chosen = (frame["platform"] == platform).to_numpy() & in_run
        if chosen.any():
            out.append(_insight(str(platform), run_weeks, frame[chosen], days[chosen], week_of[chosen]))
    return out


def _insight(
    platform: str, run_weeks: list[date], rows: pd.DataFrame, days: np.ndarray, week_of: np.ndarray
) -> Insight:
    name = PLATFORM_NAMES.get(platform, platform)
    listed = [day_to_date(int(d)).isoformat() for d in sorted(set(days.tolist()))]
    shown = ", ".join(listed[:_LISTED_DAYS]) + (
        f" and {len(listed) - _LISTED_DAYS} more" if len(listed) > _LISTED_DAYS else ""
    )
    costs = pd.to_numeric(rows["previous_cost"], errors="coerce").fillna(0.0)
    by_currency = costs.groupby(rows["currency"].fillna("").to_numpy()).sum()
    spent = " and ".join(f"{total:,.2f} {code}".strip() for code, total in by_currency.items())
    affected = describe_weeks({day_to_date(int(w)) for w in week_of}, run_weeks)
    n = len(listed)
    detail = (
        f"{name} now reports nothing for {n} {pluralize(n, 'day')} ({shown}) in {affected}, for which it had "
        f"reported {spent} of spend: {'it counts' if n == 1 else 'they count'} 0 spend now. Check the account "
        "in the platform (deleted campaigns, a member who lost access, another account) before trusting these "
        "weeks' paid numbers."
    )
    return Insight(week_start=run_weeks[-1], source=platform, flag=FLAG, detail=detail, value=float(costs.sum()))


_LISTED_DAYS = 7
