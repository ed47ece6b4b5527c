"""The warehouse: SQLAlchemy Core tables for the HubSpot mirror, sync state and weekly KPIs.

SQLite by default (``.data/warehouse.db``), PostgreSQL (or any dialect with upserts) by ``WAREHOUSE_URL``.
Raw tables are keyed by the source's natural key and written with upserts in one transaction; the KPI
table is rewritten window by window (delete the weeks, insert them again) so reruns never duplicate.
Text columns are unbounded (``Text``) so that whatever a source sends fits on every dialect. The schema is
versioned by the Alembic migrations of ``resources/migrations``: the engine is handed out only once the
database is at the newest revision (migrated when older, refused when newer or damaged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from dagster import ConfigurableResource
from pydantic import PrivateAttr
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from resources.migrations import SchemaStatus, open_at_head, schema_status

metadata = sa.MetaData()

hubspot_contacts = sa.Table(
    "hubspot_contacts",
    metadata,
    sa.Column("contact_id", sa.Text, primary_key=True),
    sa.Column("created_at_ms", sa.BigInteger),
    sa.Column("updated_at_ms", sa.BigInteger),
    sa.Column("lifecyclestage", sa.Text),
    sa.Column("analytics_source", sa.Text),
    sa.Column("analytics_source_data_1", sa.Text),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

hubspot_contact_stage_dates = sa.Table(
    "hubspot_contact_stage_dates",
    metadata,
    sa.Column("contact_id", sa.Text, primary_key=True),
    sa.Column("property", sa.Text, primary_key=True),
    sa.Column("value_ms", sa.BigInteger, nullable=False),
)

hubspot_deals = sa.Table(
    "hubspot_deals",
    metadata,
    sa.Column("deal_id", sa.Text, primary_key=True),
    sa.Column("created_at_ms", sa.BigInteger),
    sa.Column("updated_at_ms", sa.BigInteger),
    sa.Column("close_date_ms", sa.BigInteger),
    # Amounts stay exact decimal text; the KPI layer decides the arithmetic.
    sa.Column("amount", sa.Text),
    sa.Column("amount_in_home_currency", sa.Text),
    sa.Column("currency_code", sa.Text),
    sa.Column("pipeline", sa.Text),
    sa.Column("dealstage", sa.Text),
    sa.Column("is_closed", sa.Boolean),
    sa.Column("is_closed_won", sa.Boolean),
    sa.Column("deal_stage_probability", sa.Float),
    sa.Column("mrr", sa.Text),
    sa.Column("analytics_source", sa.Text),
    sa.Column("analytics_source_data_1", sa.Text),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

hubspot_deal_contacts = sa.Table(
    "hubspot_deal_contacts",
    metadata,
    sa.Column("deal_id", sa.Text, primary_key=True),
    sa.Column("contact_id", sa.Text, primary_key=True),
)

hubspot_meetings = sa.Table(
    "hubspot_meetings",
    metadata,
    sa.Column("meeting_id", sa.Text, primary_key=True),
    sa.Column("created_at_ms", sa.BigInteger),
    sa.Column("updated_at_ms", sa.BigInteger),
    sa.Column("outcome", sa.Text),
    sa.Column("archived", sa.Boolean, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

hubspot_pipeline_stages = sa.Table(
    "hubspot_pipeline_stages",
    metadata,
    sa.Column("pipeline_id", sa.Text, primary_key=True),
    sa.Column("stage_id", sa.Text, primary_key=True),
    sa.Column("pipeline_label", sa.Text),
    sa.Column("stage_label", sa.Text),
    sa.Column("display_order", sa.Integer),
    sa.Column("is_closed", sa.Boolean, nullable=False),
    sa.Column("probability", sa.Float),
)

sync_state = sa.Table(
    "sync_state",
    metadata,
    sa.Column("stream", sa.Text, primary_key=True),
    sa.Column("watermark_ms", sa.BigInteger),
    sa.Column("last_full_sync_ms", sa.BigInteger),
    sa.Column("stage_properties", sa.Text),
)

weekly_kpis = sa.Table(
    "weekly_kpis",
    metadata,
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("kpi_id", sa.Text, primary_key=True),
    sa.Column("kpi_version", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("run_id", sa.Text),
    sa.Column("computed_at_ms", sa.BigInteger),
)

ad_daily = sa.Table(
    "ad_daily",
    metadata,
    sa.Column("platform", sa.Text, primary_key=True),
    sa.Column("campaign_id", sa.Text, primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("impressions", sa.BigInteger, nullable=False),
    sa.Column("clicks", sa.BigInteger, nullable=False),
    sa.Column("cost", sa.Text, nullable=False),  # exact decimal text, in the account's currency
    sa.Column("currency", sa.Text),
    sa.Column("conversions", sa.Float, nullable=False),
    sa.Column("platform_leads", sa.BigInteger, nullable=False),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

ga4_daily = sa.Table(
    "ga4_daily",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("channel_group", sa.Text, primary_key=True),
    sa.Column("sessions", sa.BigInteger, nullable=False),
    sa.Column("engaged_sessions", sa.BigInteger, nullable=False),
    sa.Column("pageviews", sa.BigInteger, nullable=False),
    sa.Column("key_events", sa.Float, nullable=False),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

ga4_daily_events = sa.Table(
    "ga4_daily_events",
    metadata,
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("channel_group", sa.Text, primary_key=True),
    sa.Column("event_name", sa.Text, primary_key=True),
    sa.Column("event_count", sa.BigInteger, nullable=False),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

ga4_weekly = sa.Table(
    "ga4_weekly",
    metadata,
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("slice", sa.Text, primary_key=True),
    sa.Column("users", sa.BigInteger, nullable=False),
    sa.Column("new_users", sa.BigInteger, nullable=False),
    sa.Column("avg_session_duration_s", sa.Float),
    sa.Column("thresholded", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("data_loss_from_other_row", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

# What each source said about itself on its last sync (configured or not, currency, time zone, data
# quality flags): the Insights tab reads it.
source_status = sa.Table(
    "source_status",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("configured", sa.Boolean, nullable=False),
    sa.Column("currency", sa.Text),
    sa.Column("time_zone", sa.Text),
    sa.Column("detail", sa.Text),
    sa.Column("flags", sa.Text),  # JSON: per week flags such as GA4 thresholding
    sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
)

# Which account of each source this warehouse mirrors (HubSpot portal, LinkedIn ad account, Google Ads
# customer, GA4 property, tracker spreadsheet): a run whose source differs stops before writing
# (resources/source_identity.py).
source_identity = sa.Table(
    "source_identity",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("identity", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),  # e.g. "HubSpot portal 12345678"
    sa.Column("setting", sa.Text, nullable=False),  # the variable that chooses it
    sa.Column("first_seen_at_ms", sa.BigInteger, nullable=False),
    sa.Column("last_seen_at_ms", sa.BigInteger, nullable=False),
)

# Days an ad platform reported spend for and later reported nothing for (the row is kept until the
# platform reports the day again): the Insights tab flags them, because the day now counts 0 spend.
ad_silent_days = sa.Table(
    "ad_silent_days",
    metadata,
    sa.Column("platform", sa.Text, primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("previous_cost", sa.Text, nullable=False),  # exact decimal text, in ``currency``
    sa.Column("currency", sa.Text),
    sa.Column("noticed_at_ms", sa.BigInteger, nullable=False),
)

# Records a source sent that could not be read (an impossible date, a number out of range, NaN): kept here
# instead of in the mirror, left out of the KPIs and named on the Insights tab (resources/quarantine.py).
# One row per record: the first field that failed, as the source sent it (cut short).
quarantined_records = sa.Table(
    "quarantined_records",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),  # hubspot, linkedin, google_ads, ga4
    sa.Column("record_type", sa.Text, primary_key=True),  # contact, deal, meeting, campaign_day, ...
    sa.Column("record_id", sa.Text, primary_key=True),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("raw_value", sa.Text, nullable=False),
    sa.Column("problem", sa.Text, nullable=False),
    sa.Column("record_date", sa.Date),  # the day of a daily row (ads, GA4); None for CRM records
    sa.Column("seen_at_ms", sa.BigInteger, nullable=False),
)

# The run lease (resources/run_lease.py): one row naming the run that writes to this warehouse now.
run_lease = sa.Table(
    "run_lease",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("acquired_at_ms", sa.BigInteger, nullable=False),
    sa.Column("heartbeat_at_ms", sa.BigInteger, nullable=False),
)

OBJECT_TABLES: dict[str, tuple[sa.Table, str]] = {
    "contacts": (hubspot_contacts, "contact_id"),
    "deals": (hubspot_deals, "deal_id"),
    "meetings": (hubspot_meetings, "meeting_id"),
}

UPSERT_CHUNK = 2_000


def upsert(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert rows, updating every non-key column of rows whose primary key exists (SQLite, PostgreSQL)."""
    if not rows:
        return 0
    keys = [column.name for column in table.primary_key.columns]
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"WAREHOUSE_URL dialect {dialect!r} is not supported; use SQLite or PostgreSQL")
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = list(rows[start : start + UPSERT_CHUNK])
        statement = insert(table)
        updates = {name: statement.excluded[name] for name in chunk[0] if name not in keys}
        statement = (
            statement.on_conflict_do_update(index_elements=keys, set_=updates)
            if updates
            else statement.on_conflict_do_nothing(index_elements=keys)
        )
        conn.execute(statement, chunk)
    return len(rows)


def _range_condition(
    table: sa.Table, column: str, start: date, end: date, where: Mapping[str, Any]
) -> sa.ColumnElement[bool]:
    """``column`` in [start, end] (inclusive) and every ``where`` column equal to its value."""
    condition = sa.and_(table.c[column] >= start, table.c[column] <= end)
    for name, value in where.items():
        condition = sa.and_(condition, table.c[name] == value)
    return condition


class WarehouseResource(ConfigurableResource):
    """SQL warehouse holding the raw HubSpot mirror and the weekly KPI table (``WAREHOUSE_URL``)."""

    url: str = "sqlite:///.data/warehouse.db"

    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> Engine:
        """The database at the newest schema revision: migrated on first use; newer or damaged is refused."""
        if self._engine is None:
            self._engine = open_at_head(self.url, metadata)
        return self._engine

    def schema_status(self) -> SchemaStatus:
        """Where the database stands against the migrations, changing nothing (for ``check``)."""
        return schema_status(self.url, metadata)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- sync state --------------------------------------------------------------------------------

    def get_sync_state(self, stream: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sync_state).where(sync_state.c.stream == stream)).mappings().first()
        return dict(row) if row else {"stream": stream, "watermark_ms": None, "last_full_sync_ms": None}

    # --- reads for the KPI step ---------------------------------------------------------------------

    def read_frame(self, table: sa.Table) -> pd.DataFrame:
        """The whole table, ordered by its primary key (the same warehouse gives the same frame, row for row)."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            # Plain tuples: pandas probes a SQLAlchemy Row for attributes, row by row.
            return pd.DataFrame(list(result.tuples()), columns=list(result.keys()))

    def read_kpis(self, weeks: Iterable[date] | None = None) -> pd.DataFrame:
        query = sa.select(weekly_kpis)
        if weeks is not None:
            query = query.where(weekly_kpis.c.week_start.in_(list(weeks)))
        with self.engine.connect() as conn:
            result = conn.execute(query.order_by(*weekly_kpis.primary_key.columns))
            return pd.DataFrame(list(result.tuples()), columns=list(result.keys()))

    def replace_range(
        self,
        table: sa.Table,
        rows: Sequence[Mapping[str, Any]],
        *,
        column: str,
        start: date,
        end: date,
        where: Mapping[str, Any] | None = None,
    ) -> int:
        """Replace every row whose ``column`` lies in [start, end] (and matches ``where``) in one transaction.

        Platforms restate recent days and drop days that no longer have activity; deleting the pulled
        range before inserting keeps the warehouse equal to what the platform says now.
        """
        condition = _range_condition(table, column, start, end, where or {})
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(condition))
            if rows:
                for chunk_start in range(0, len(rows), UPSERT_CHUNK):
                    conn.execute(sa.insert(table), list(rows[chunk_start : chunk_start + UPSERT_CHUNK]))
        return len(rows)

    def count_range(self, table: sa.Table, *, column: str, start: date, end: date, where: Mapping[str, Any]) -> int:
        condition = _range_condition(table, column, start, end, where)
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one())

    def set_source_status(self, **row: Any) -> None:
        with self.engine.begin() as conn:
            upsert(conn, source_status, [row])

    def replace_kpi_weeks(self, frame: pd.DataFrame, weeks: Sequence[date], *, run_id: str, computed_at_ms: int) -> int:
        """Delete the given weeks from ``weekly_kpis`` and insert ``frame`` in one transaction."""
        rows = [
            {
                "week_start": row.week_start,
                "kpi_id": row.kpi_id,
                "kpi_version": row.kpi_version,
                "channel": row.channel,
                "value": _optional_float(row.value),
                "run_id": run_id,
                "computed_at_ms": computed_at_ms,
            }
            for row in frame.itertuples(index=False)
        ]
        with self.engine.begin() as conn:
            conn.execute(sa.delete(weekly_kpis).where(weekly_kpis.c.week_start.in_(list(weeks))))
            if rows:
                conn.execute(sa.insert(weekly_kpis), rows)
        return len(rows)


def _optional_float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


weekly_insights = sa.Table(
    "weekly_insights",
    metadata,
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("flag", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),  # several notes of one flag in one week
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("run_id", sa.Text),
)


def read_source_inputs(warehouse: WarehouseResource) -> dict[str, pd.DataFrame]:
    """Ad, GA4, source-status and quarantine tables as the KPI step reads them (costs in their currency)."""
    ads = warehouse.read_frame(ad_daily)
    ads["cost"] = pd.to_numeric(ads["cost"], errors="coerce").astype("float64")
    silent = warehouse.read_frame(ad_silent_days)
    silent["previous_cost"] = pd.to_numeric(silent["previous_cost"], errors="coerce").astype("float64")
    return {
        "ad_daily": ads,
        "ad_silent_days": silent,
        "ga4_daily": warehouse.read_frame(ga4_daily),
        "ga4_events": warehouse.read_frame(ga4_daily_events),
        "ga4_weekly": warehouse.read_frame(ga4_weekly),
        "source_status": warehouse.read_frame(source_status),
        "quarantined_records": warehouse.read_frame(quarantined_records),
    }


def read_insights(warehouse: WarehouseResource, weeks: Sequence[date]) -> list[dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        rows = conn.execute(
            sa.select(weekly_insights)
            .where(weekly_insights.c.week_start.in_(list(weeks)))
            # seq is the note's rank within its week (most unusual change first), as the run stored it.
            .order_by(weekly_insights.c.week_start, weekly_insights.c.seq)
        ).mappings()
        return [dict(row) for row in rows]


def replace_insight_weeks(
    warehouse: WarehouseResource, rows: Sequence[Mapping[str, Any]], weeks: Sequence[date]
) -> int:
    """Rewrite the insights of the given weeks (a rerun replaces a week's notes, never adds to them).

    ``rows`` come in the order the tab shows them; ``seq`` numbers them within their week, so reading by
    (week, seq) gives that order back.
    """
    counters: dict[Any, int] = {}
    numbered = []
    for row in rows:
        counters[row["week_start"]] = counters.get(row["week_start"], 0) + 1
        numbered.append({**row, "seq": counters[row["week_start"]]})
    with warehouse.engine.begin() as conn:
        conn.execute(sa.delete(weekly_insights).where(weekly_insights.c.week_start.in_(list(weeks))))
        if numbered:
            conn.execute(sa.insert(weekly_insights), numbered)
    return len(numbered)
