"""The Insights flag for records a source sent that cannot be read (quarantined, left out of the KPIs).

Called by ``assets/weekly_kpis.py`` with the warehouse's ``quarantined_records``, which the source assets
fill when a record has an impossible date, a number out of range, NaN or Infinity, or misses a metric.
Like every data-quality flag it is said once per run, on the latest week, per source. Pure: a frame in,
:class:`Insight` rows out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

import pandas as pd

from .rows import Insight, plain_weeks, pluralize
from .source_quality import SOURCE_NAMES

FLAG = "records_quarantined"
# Records named one by one per source; past this the note counts the rest (`funnel-ledger check` lists all).
LISTED_RECORDS = 5
RECORD_WORDS = {
    "contact": "contact",
    "deal": "deal",
    "meeting": "meeting",
    "campaign_day": "campaign",
    "ga4_day": "GA4 day",
    "ga4_event_day": "GA4 event day",
    "ga4_week": "GA4 week",
}
# What leaving the records out does to the numbers, and when they come back: (one record, several).
CONSEQUENCE: dict[str, tuple[str, str]] = {
    "hubspot": (
        "It counts nowhere until it is fixed in HubSpot (the next run reads a fixed record again)",
        "They count nowhere until they are fixed in HubSpot (the next run reads a fixed record again)",
    ),
    "linkedin": (
        "Its spend, impressions and clicks count 0 until LinkedIn reports it readable",
        "Their spend, impressions and clicks count 0 until LinkedIn reports them readable",
    ),
    "google_ads": (
        "Its spend, impressions and clicks count 0 until Google Ads reports it readable",
        "Their spend, impressions and clicks count 0 until Google Ads reports them readable",
    ),
    "ga4": (
        "Its sessions and users count 0 until GA4 reports it readable",
        "Their sessions and users count 0 until GA4 reports them readable",
    ),
}
DEFAULT_CONSEQUENCE = ("It counts nowhere until it is fixed", "They count nowhere until they are fixed")


def quarantine_insights(
    records: pd.DataFrame | None, weeks: Iterable[date], *, sources: Collection[str] | None = None
) -> list[Insight]:
    """Once per run and source: the records left out because they cannot be read, each named.

    Args:
        records: Rows ``source, record_type, record_id, field, raw_value, problem`` (``raw_value`` as the
            source sent it, quoted, "" when missing). May be None or empty.
        weeks: The run's weeks; the notes go on the latest.
        sources: Only these sources (the configured ones); None for all.

    Returns:
        One ``<source>`` / ``records_quarantined`` insight per source with such records; value = how many.
    """
    plain = plain_weeks(weeks)
    if records is None or records.empty or not plain:
        return []
    frame = records if sources is None else records[records["source"].isin(list(sources))]
    out: list[Insight] = []
    for source in sorted(frame["source"].unique()):
        rows = frame[frame["source"] == source].sort_values(["record_type", "record_id"])
        named = [_describe(row) for row in rows.head(LISTED_RECORDS).to_dict("records")]
        n = len(rows)
        more = n - LISTED_RECORDS
        listed = "; ".join(named) + (f"; and {more} more (`funnel-ledger check` lists every one)" if more > 0 else "")
        name = SOURCE_NAMES.get(str(source), str(source))
        one, several = CONSEQUENCE.get(str(source), DEFAULT_CONSEQUENCE)
        detail = (
            f"{name} sent {n} {pluralize(n, 'record')} that cannot be read, left out of the numbers: {listed}. "
            f"{one if n == 1 else several}."
        )
        out.append(Insight(plain[-1], str(source), FLAG, detail, float(n)))
    return out


def _describe(row: dict[str, object]) -> str:
    """``deal 123 (closedate '2024-13-45' is not a date)``."""
    label = RECORD_WORDS.get(str(row["record_type"]), str(row["record_type"]))
    what = " ".join(str(part) for part in (row["field"], row["raw_value"], row["problem"]) if part)
    return f"{label} {row['record_id']} ({what})"
