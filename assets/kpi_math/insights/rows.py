"""The Insights tab's row type (:class:`Insight`) and frame, and wording helpers shared by the modules
of this package; ``assets/weekly_kpis.py`` and ``assets/radar.py`` build ``Insight`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
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
        score: How unusual the note is (a change's |z|, see ``anomalies``), which ranks it within its
            week; None for notes that are not about a change (data quality, settings), listed after them.
            Not stored: the tab shows the notes in rank order.
    """

    week_start: date
    source: str
    flag: str
    detail: str
    value: float | None
    score: float | None = None


INSIGHT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Insight) if f.name != "score")
"""The columns a note is stored and shown with (its score only orders the notes)."""


def stored_row(note: Insight) -> dict[str, object]:
    """The note as the warehouse and the Insights tab hold it (``INSIGHT_COLUMNS``)."""
    return {column: getattr(note, column) for column in INSIGHT_COLUMNS}


def insights_frame(insights: Iterable[Insight]) -> pd.DataFrame:
    """The Insights tab rows as a frame, in :func:`ranked` order.

    Args:
        insights: Insights from any of this package's functions.

    Returns:
        DataFrame with columns ``week_start, source, flag, detail, value``.
    """
    frame = pd.DataFrame([stored_row(i) for i in ranked(insights)], columns=list(INSIGHT_COLUMNS))
    return frame.astype({"week_start": object, "source": object, "flag": object, "detail": object})


def ranked(insights: Iterable[Insight]) -> list[Insight]:
    """Latest week first; within a week the most unusual change first (by ``score``), then the notes
    without a score by source and flag (stable otherwise).

    Args:
        insights: Notes of any weeks.
    """

    def key(note: Insight) -> tuple[int, int, float, str, str]:
        unscored = note.score is None
        return (-note.week_start.toordinal(), int(unscored), -(note.score or 0.0), note.source, note.flag)

    return sorted(insights, key=key)


def pluralize(n: int, singular: str, plural: str | None = None) -> str:
    """``singular`` for one, else ``plural`` (default: ``singular`` + "s")."""
    return singular if n == 1 else (plural or singular + "s")


def plain_weeks(weeks: Iterable[date]) -> list[date]:
    """Sorted distinct calendar dates (a datetime keeps only its date)."""
    return sorted({w.date() if isinstance(w, datetime) else w for w in weeks})
