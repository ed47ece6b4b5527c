"""HubSpot data-quality insights: unmapped sources, deals without or with implausible amounts, archived
records and implausible dates. Called by ``assets/weekly_kpis.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from ..channels import unmapped_sources
from ..columns import flag_column, ns_column, numeric_column, string_column
from ..config import FunnelConfig
from ..funnel import live_contacts
from ..weeks import NAT, day_to_date, index_in, instant_ns, local_days, requested_weeks, week_start_days
from .rows import Insight, plain_weeks, pluralize
from .wording import describe_weeks

TOP_UNKNOWN_SOURCES = 5  # a run-wide note names the five most frequent unknown sources
_MISSING = "no source"
LISTED_DEAL_IDS = 5
# An amount above this is far more likely a typo or a test record than a real deal.
IMPLAUSIBLE_AMOUNT = 1e9
# Records dated before this (1970 is what a zero epoch timestamp becomes) are most likely bad imports.
EARLIEST_PLAUSIBLE = pd.Timestamp("2000-01-01", tz="UTC")


def _created_week_index(ns: np.ndarray, week_days: np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    """Requested-week position of each UTC instant, bucketed in the reporting time zone; -1 outside."""
    return index_in(week_start_days(local_days(ns, cfg.timezone), cfg.week_start), week_days)


def _id_sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def unmapped_source_insights(
    contacts: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Once per run: the contacts whose original source is missing or unknown (they count under Other).

    Contacts are those the funnel KPIs count (not archived, created at or before ``as_of``) created in the
    run's weeks, bucketed by create instant in the reporting time zone. The note goes on the latest week
    and names the weeks concerned, the busiest one and the most frequent unknown values.

    Args:
        contacts: Contacts frame (``created_at``, ``analytics_source``, optional
            ``analytics_source_data_1`` and ``archived``).
        weeks: First dates of the run's weeks.
        as_of: The run's as-of instant.
        cfg: Configuration (source map, time zone, week start).

    Returns:
        One ``hubspot`` / ``unmapped_sources`` insight when any such contact exists; value = their count.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    keep, created = live_contacts(contacts, as_of)
    kept = contacts.loc[keep]
    idx = _created_week_index(created[keep], week_days, cfg)
    in_week = idx >= 0
    unmapped = unmapped_sources(kept, cfg).to_numpy(dtype=bool) & in_week
    if not unmapped.any():
        return []
    totals = np.bincount(idx[in_week], minlength=len(week_days))
    per_week = np.bincount(idx[unmapped], minlength=len(week_days))
    codes, uniques = pd.factorize(string_column(kept, "analytics_source")[unmapped], use_na_sentinel=True)
    unique_labels = [u.strip() if isinstance(u, str) and u.strip() else _MISSING for u in uniques]
    labels = pd.Series(np.array([*unique_labels, _MISSING], dtype=object)[codes])
    counts = labels.value_counts()
    # Most frequent first; ties alphabetical so the sentence is stable from run to run.
    ordered = sorted(counts.items(), key=lambda item: (-int(item[1]), str(item[0])))
    top = [f"{label} ({int(n)})" for label, n in ordered]
    shown = ", ".join(top[:TOP_UNKNOWN_SOURCES])
    rest = len(top) - TOP_UNKNOWN_SOURCES
    if rest > 0:
        shown += f" and {rest} other {pluralize(rest, 'value')}"
    n, total = int(per_week.sum()), int(totals.sum())
    run_weeks = [day_to_date(int(d)) for d in week_days]
    affected = [run_weeks[w] for w in np.flatnonzero(per_week)]
    busiest = int(np.argmax(per_week))
    detail = (
        f"Contacts with a missing or unknown original source count under Other; map their sources in "
        f"channel_map to count them in their channel: {n:,} of {total:,} {pluralize(total, 'contact')} created "
        f"in {describe_weeks(affected, run_weeks)}"
    )
    if len(affected) > 1:
        detail += (
            f", most in the week of {run_weeks[busiest].isoformat()} ({per_week[busiest]:,} of {totals[busiest]:,})"
        )
    detail += f". Most frequent: {shown}."
    return [Insight(run_weeks[-1], "hubspot", "unmapped_sources", detail, float(n))]


def _counted_deals_by_week(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The requested week days, each deal's amount and the index of its creation week (-1 = not counted).

    Counted deals are those the deal KPIs count: not archived, created at or before ``as_of``, in the
    configured pipelines; the amount is ``amount_in_home_currency`` when present, else ``amount``.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    created = ns_column(deals, "created_at")
    keep = ~flag_column(deals, "archived") & (created != NAT) & (created <= instant_ns(as_of))
    if cfg.pipelines is not None:
        keep &= string_column(deals, "pipeline").astype(str).isin(list(cfg.pipelines)).to_numpy()
    home = numeric_column(deals, "amount_in_home_currency")
    amount = np.where(np.isnan(home), numeric_column(deals, "amount"), home)
    idx = np.where(keep, _created_week_index(created, week_days, cfg), -1)
    return week_days, amount, idx


def _shortened(items: Sequence[str]) -> str:
    """The first few items, then how many more (so a note stays one readable line)."""
    shown = ", ".join(items[:LISTED_DEAL_IDS])
    if len(items) > LISTED_DEAL_IDS:
        shown += f" and {len(items) - LISTED_DEAL_IDS} more"
    return shown


def deals_without_amount_insights(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Once per run: the deals created in the run's weeks that have no amount (they count with 0).

    Deals are those the deal KPIs count: not archived, created at or before ``as_of``, in the configured
    pipelines. A deal has no amount when both ``amount_in_home_currency`` and ``amount`` are missing
    (KPIS.md §5.3). The note goes on the latest week and names the weeks and the deal ids.

    Args:
        deals: Deals frame (``deal_id``, ``created_at``, ``amount``, optional ``amount_in_home_currency``,
            ``pipeline``, ``archived``).
        weeks: First dates of the run's weeks.
        as_of: The run's as-of instant.
        cfg: Configuration (pipelines, time zone, week start).

    Returns:
        One ``hubspot`` / ``deals_without_amount`` insight when any such deal exists; value = their count.
    """
    week_days, amount, idx = _counted_deals_by_week(deals, weeks, as_of, cfg)
    in_week = idx >= 0
    missing = in_week & np.isnan(amount)
    if not missing.any():
        return []
    n, total = int(missing.sum()), int(in_week.sum())
    ids = string_column(deals, "deal_id").astype(str).to_numpy(dtype=object)
    listed = _shortened(sorted((str(i) for i in ids[missing]), key=_id_sort_key))
    run_weeks = [day_to_date(int(d)) for d in week_days]
    affected = [run_weeks[w] for w in np.unique(idx[missing])]
    detail = (
        f"Deals without an amount count with 0 in pipeline and revenue KPIs; add their amounts in HubSpot: "
        f"{n:,} of {total:,} {pluralize(total, 'deal')} created in {describe_weeks(affected, run_weeks)}; "
        f"{pluralize(n, 'deal id')} {listed}."
    )
    return [Insight(run_weeks[-1], "hubspot", "deals_without_amount", detail, float(n))]


def archived_insights(
    contacts: pd.DataFrame,
    deals: pd.DataFrame,
    weeks: Iterable[date],
    *,
    meetings: pd.DataFrame | None = None,
) -> list[Insight]:
    """How many HubSpot records are archived, merged away or deleted, attached to the latest week.

    These counts describe the mirror as it stands, not a week, so they go on the newest week only. A record
    is counted when its ``archived`` flag is true (the warehouse marks deleted and merged-away records
    archived too).

    Args:
        contacts: Contacts frame (``archived``).
        deals: Deals frame (``archived``).
        weeks: The weeks of the run; the insights go on the latest.
        meetings: Meetings frame (``archived``), optional.

    Returns:
        One ``hubspot`` / ``archived_records`` insight per object type with at least one such record;
        value = the count.
    """
    plain = plain_weeks(weeks)
    if not plain:
        return []
    latest = plain[-1]
    objects: list[tuple[str, str, pd.DataFrame | None]] = [
        ("contact", "contacts", contacts),
        ("deal", "deals", deals),
        ("meeting", "meetings", meetings),
    ]
    out: list[Insight] = []
    for singular, plural, frame in objects:
        if frame is None:
            continue
        n = int(flag_column(frame, "archived").sum())
        if n == 0:
            continue
        out.append(
            Insight(
                week_start=latest,
                source="hubspot",
                flag="archived_records",
                detail=(
                    f"{n:,} HubSpot {pluralize(n, singular, plural)} {'is' if n == 1 else 'are'} archived, "
                    f"merged away or deleted and left out of every KPI (of {len(frame):,} "
                    f"{pluralize(len(frame), singular, plural)} in the mirror)."
                ),
                value=float(n),
            )
        )
    return out


def implausible_amount_insights(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Once per run: the counted deals of the run's weeks whose amount is negative or above
    ``IMPLAUSIBLE_AMOUNT``.

    They still count as HubSpot holds them (the tracker never edits CRM data), so the pipeline and
    revenue KPIs of their weeks carry them; this note says which deals to fix.

    Args:
        deals: Deals frame (``deal_id``, ``created_at``, ``amount``, optional ``amount_in_home_currency``,
            ``pipeline``, ``archived``).
        weeks: First dates of the run's weeks.
        as_of: The run's as-of instant.
        cfg: Configuration (pipelines, time zone, week start).

    Returns:
        One ``hubspot`` / ``implausible_amounts`` insight on the latest week when any such deal exists;
        value = their count.
    """
    week_days, amount, idx = _counted_deals_by_week(deals, weeks, as_of, cfg)
    with np.errstate(invalid="ignore"):
        odd = (idx >= 0) & ((amount < 0) | (amount > IMPLAUSIBLE_AMOUNT))
    if not odd.any():
        return []
    ids = string_column(deals, "deal_id").astype(str).to_numpy(dtype=object)
    listed = sorted(
        ((str(i), float(a)) for i, a in zip(ids[odd], amount[odd], strict=True)),
        key=lambda pair: _id_sort_key(pair[0]),
    )
    shown = _shortened([f"{i}: {a:,.2f}" for i, a in listed])
    n = len(listed)
    run_weeks = [day_to_date(int(d)) for d in week_days]
    affected = [run_weeks[w] for w in np.unique(idx[odd])]
    detail = (
        f"Deals with a negative amount or one above {IMPLAUSIBLE_AMOUNT:,.0f} count as entered in pipeline "
        f"and revenue KPIs; check them in HubSpot: {n} {pluralize(n, 'deal')} created in "
        f"{describe_weeks(affected, run_weeks)}; {pluralize(n, 'deal id')} {shown}."
    )
    return [Insight(run_weeks[-1], "hubspot", "implausible_amounts", detail, float(n))]


def implausible_date_insights(
    contacts: pd.DataFrame, deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp
) -> list[Insight]:
    """One note on the last week for contacts and deals created before 2000 or after the as-of instant.

    A record created after ``as_of`` counts in no week (KPIS.md: nothing after as-of); one from before
    2000 counts where its date falls (in open pipeline, say). Either way the date is most likely wrong.

    Args:
        contacts: Contacts frame (``contact_id``, ``created_at``, ``archived``).
        deals: Deals frame (``deal_id``, ``created_at``, ``archived``).
        weeks: First dates of the weeks to report on.
        as_of: The run's as-of instant.

    Returns:
        A ``hubspot`` / ``implausible_dates`` insight on the last week, value = the number of records, or
        nothing when every date is plausible.
    """
    plain = plain_weeks(weeks)
    if not plain:
        return []
    earliest, latest = instant_ns(EARLIEST_PLAUSIBLE), instant_ns(as_of)
    found: list[str] = []
    for frame, kind, id_column in ((contacts, "contact", "contact_id"), (deals, "deal", "deal_id")):
        if frame.empty:
            continue
        created = ns_column(frame, "created_at")
        odd = ~flag_column(frame, "archived") & (created != NAT) & ((created < earliest) | (created > latest))
        ids = string_column(frame, id_column).astype(str).to_numpy(dtype=object)
        found += [f"{kind} {i}" for i in sorted((str(i) for i in ids[odd]), key=_id_sort_key)]
    if not found:
        return []
    shown = ", ".join(found[:LISTED_DEAL_IDS])
    if len(found) > LISTED_DEAL_IDS:
        shown += f" and {len(found) - LISTED_DEAL_IDS} more"
    n = len(found)
    detail = (
        f"{n} HubSpot {pluralize(n, 'record')} {'is' if n == 1 else 'are'} dated before 2000 or after this run's "
        f"as-of date; a date after it counts in no week, one before 2000 counts where it falls: {shown}."
    )
    return [Insight(plain[-1], "hubspot", "implausible_dates", detail, float(n))]
