"""The Insights tab's row type (:class:`Insight`) and frame, and wording helpers shared by the modules
of this package; ``assets/weekly_kpis.py`` and ``assets/radar.py`` build ``Insight`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime

import pandas as pd


@dataclass(frozen=True)
class Insight:
    """One row of the Insights tab.

    Attributes:
        week_start: The week the row is about.
        source: ``hubspot``, ``ga4``, ``linkedin``, ``google_ads``, ``costs``, ``pipeline`` or ``kpis``.
        flag: Short machine-readable code (e.g. ``ga4_thresholding``, ``unmapped_sources``).
        detail: A sentence with the numbers, for a marketing lead.
        value: The headline number, or None.
    """

    week_start: date
    source: str
    flag: str
    detail: str
    value: float | None


INSIGHT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Insight))


def insights_frame(insights: Iterable[Insight]) -> pd.DataFrame:
    """The Insights tab rows as a frame, sorted by week then source and flag (stable otherwise).

    Args:
        insights: Insights from any of this package's functions.

    Returns:
        DataFrame with columns ``week_start, source, flag, detail, value``.
    """
    rows = sorted(insights, key=lambda i: (i.week_start, i.source, i.flag))
    frame = pd.DataFrame([astuple(i) for i in rows], columns=list(INSIGHT_COLUMNS))
    return frame.astype({"week_start": object, "source": object, "flag": object, "detail": object})


def pluralize(n: int, singular: str, plural: str | None = None) -> str:
    """``singular`` for one, else ``plural`` (default: ``singular`` + "s")."""
    return singular if n == 1 else (plural or singular + "s")


def plain_weeks(weeks: Iterable[date]) -> list[date]:
    """Sorted distinct calendar dates (a datetime keeps only its date)."""
    return sorted({w.date() if isinstance(w, datetime) else w for w in weeks})
