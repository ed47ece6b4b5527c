"""Which account of each source a warehouse mirrors, and the guard that keeps two accounts out of one warehouse.

The assets call :func:`ensure_source_identity` before they write a source's data: the first run records
the identity (HubSpot portal, LinkedIn ad account, Google Ads customer, GA4 property, tracker
spreadsheet); a later run whose source differs stops with a message naming the variable and both
identities. ``funnel-ledger reset-source`` calls :func:`reset_source` to drop one source's data (and the
KPIs computed from it) so the warehouse can mirror another account. Without this, a warehouse pointed at a
second portal keeps the first portal's watermarks, fetches nothing older than them and reports a mix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resources.warehouse import (
    WarehouseResource,
    ad_daily,
    ad_silent_days,
    ga4_daily,
    ga4_daily_events,
    ga4_weekly,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
    hubspot_meetings,
    hubspot_pipeline_stages,
    quarantined_records,
    source_identity,
    source_status,
    sync_state,
    upsert,
    weekly_insights,
    weekly_kpis,
)
from settings import SettingsError

SOURCES: tuple[str, ...] = ("hubspot", "linkedin", "google_ads", "ga4", "tracker")
_HUBSPOT_STREAMS = ("contacts", "deals", "meetings")


@dataclass(frozen=True)
class SourceIdentity:
    """The account a source resource reads.

    Attributes:
        source: ``hubspot``, ``linkedin``, ``google_ads``, ``ga4`` or ``tracker``.
        identity: The account's id as the API names it (portal id, ad account id, customer id...).
        label: How a person reads it: ``HubSpot portal 12345678``.
        setting: The variable that chooses it (``HUBSPOT_ACCESS_TOKEN``, ``LINKEDIN_AD_ACCOUNT_ID``...).
    """

    source: str
    identity: str
    label: str
    setting: str


class SourceIdentityError(SettingsError):
    """A run whose source is another account than the one the warehouse mirrors (nothing was written)."""


def shown_url(url: str) -> str:
    """A warehouse URL fit for a message: the password, if any, masked."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<WAREHOUSE_URL>"


def recorded_identities(warehouse: WarehouseResource) -> dict[str, SourceIdentity]:
    """The identities this warehouse holds, by source."""
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(source_identity)).mappings().all()
    return {row["source"]: SourceIdentity(row["source"], row["identity"], row["label"], row["setting"]) for row in rows}


def identity_mismatch(recorded: SourceIdentity, current: SourceIdentity, warehouse_url: str) -> str:
    """The one-line message of a run whose source differs from the recorded one."""
    return (
        f"{current.setting} now points at {current.label}, but this warehouse ({shown_url(warehouse_url)}) "
        f"mirrors {recorded.label}: nothing was written. To keep both, give this run its own warehouse "
        "(WAREHOUSE_URL, or FUNNEL_LEDGER_DATA_DIR for the default SQLite file); to replace "
        f"{recorded.label} with {current.label} here, run `funnel-ledger reset-source {current.source} --yes` "
        f"first (it deletes this warehouse's {current.source} data and the KPIs computed from it)"
    )


def ensure_source_identity(warehouse: WarehouseResource, current: SourceIdentity, *, now_ms: int) -> bool:
    """Record ``current`` on first sight, or stop the run when the warehouse mirrors another account.

    Called before a source's data is written, so a mismatch leaves the warehouse untouched.

    Args:
        warehouse: The warehouse the run writes to.
        current: The account the run's resource reads.
        now_ms: The run's clock, stored as first/last seen.

    Returns:
        True when the identity was recorded by this call (first run of the source), else False.

    Raises:
        SourceIdentityError: The warehouse holds another identity for this source.
    """
    with warehouse.engine.begin() as conn:
        row = (
            conn.execute(sa.select(source_identity).where(source_identity.c.source == current.source))
            .mappings()
            .first()
        )
        if row is not None and row["identity"] != current.identity:
            recorded = SourceIdentity(row["source"], row["identity"], row["label"], row["setting"])
            raise SourceIdentityError(identity_mismatch(recorded, current, warehouse.url))
        upsert(
            conn,
            source_identity,
            [
                {
                    "source": current.source,
                    "identity": current.identity,
                    "label": current.label,
                    "setting": current.setting,
                    "first_seen_at_ms": row["first_seen_at_ms"] if row is not None else now_ms,
                    "last_seen_at_ms": now_ms,
                }
            ],
        )
    return row is None


def guard_source(warehouse: WarehouseResource, identity: SourceIdentity | None, log: Callable[[str], None]) -> None:
    """What an asset calls before writing a source's data: :func:`ensure_source_identity`, logged.

    Args:
        warehouse: The warehouse the asset writes.
        identity: The source's identity, or None when it has none to guard (a local workbook).
        log: Where the first recording is said (the run log).
    """
    if identity is None or not identity.identity:
        return
    if ensure_source_identity(warehouse, identity, now_ms=int(time.time() * 1000)):
        log(f"{identity.label} recorded as this warehouse's {identity.source} source")


def _source_conditions(source: str) -> list[tuple[sa.Table, sa.ColumnElement[bool] | None]]:
    """The rows a source owns, table by table (None: every row of the table)."""
    if source == "hubspot":
        return [
            (hubspot_contacts, None),
            (hubspot_contact_stage_dates, None),
            (hubspot_deals, None),
            (hubspot_deal_contacts, None),
            (hubspot_meetings, None),
            (hubspot_pipeline_stages, None),
            (sync_state, sync_state.c.stream.in_(_HUBSPOT_STREAMS)),
            (source_status, source_status.c.source == "hubspot"),
        ]
    if source in ("linkedin", "google_ads"):
        return [
            (ad_daily, ad_daily.c.platform == source),
            (ad_silent_days, ad_silent_days.c.platform == source),
            (source_status, source_status.c.source == source),
        ]
    if source == "ga4":
        return [
            (ga4_daily, None),
            (ga4_daily_events, None),
            (ga4_weekly, None),
            (source_status, source_status.c.source == "ga4"),
        ]
    if source == "tracker":
        return []  # the warehouse keeps nothing of the tracker but its identity
    raise SettingsError(f"reset-source: unknown source {source!r}; choose one of {', '.join(SOURCES)}")


def _count(conn: Connection, table: sa.Table, condition: sa.ColumnElement[bool] | None) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    return int(conn.execute(query if condition is None else query.where(condition)).scalar_one())


def reset_source(warehouse: WarehouseResource, source: str, *, apply: bool) -> dict[str, int]:
    """Delete (or, without ``apply``, count) one source's rows, its identity and the KPIs derived from data.

    Weekly KPIs and insights are derived from every source at once, so a source's reset drops them all;
    the next run recomputes its weeks from what is left. Everything happens in one transaction.

    Args:
        warehouse: The warehouse to reset.
        source: One of :data:`SOURCES`.
        apply: Delete when True; only count when False.

    Returns:
        Rows affected by table name (the identity row as ``source_identity``).

    Raises:
        SettingsError: ``source`` is not one of :data:`SOURCES`.
    """
    owned = _source_conditions(source)
    if source != "tracker":  # the records of the old account it could not read go with its data
        owned.append((quarantined_records, quarantined_records.c.source == source))
    derived = [(weekly_kpis, None), (weekly_insights, None)] if source != "tracker" else []
    targets = [*owned, *derived, (source_identity, source_identity.c.source == source)]
    counts: dict[str, int] = {}
    with warehouse.engine.begin() as conn:
        for table, condition in targets:
            counts[table.name] = counts.get(table.name, 0) + _count(conn, table, condition)
            if apply:
                statement = sa.delete(table)
                conn.execute(statement if condition is None else statement.where(condition))
    return counts
