"""Unbounded text columns on every dialect, and the table of quarantined records.

PostgreSQL enforced the lengths of revision 0001 (a deal amount over 40 characters, a channel over 64
stopped a run midway with ``StringDataRightTruncation``) where SQLite ignores them: every such column
becomes ``TEXT``. ``quarantined_records`` keeps the records a source sent that could not be read.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Revision 0001's bounded columns: (table, ((column, length), ...)).
BOUNDED: dict[str, tuple[tuple[str, int], ...]] = {
    "hubspot_contacts": (("contact_id", 32),),
    "hubspot_contact_stage_dates": (("contact_id", 32), ("property", 120)),
    "hubspot_deals": (("deal_id", 32), ("amount", 40), ("amount_in_home_currency", 40), ("mrr", 40)),
    "hubspot_deal_contacts": (("deal_id", 32), ("contact_id", 32)),
    "hubspot_meetings": (("meeting_id", 32),),
    "hubspot_pipeline_stages": (("pipeline_id", 64), ("stage_id", 64)),
    "sync_state": (("stream", 64),),
    "weekly_kpis": (("kpi_id", 64), ("kpi_version", 32), ("channel", 64), ("run_id", 64)),
    "ad_daily": (("platform", 32), ("campaign_id", 64), ("cost", 48), ("currency", 8)),
    "ga4_daily": (("channel_group", 100),),
    "ga4_daily_events": (("channel_group", 100), ("event_name", 100)),
    "ga4_weekly": (("slice", 64),),
    "source_status": (("source", 32), ("currency", 8), ("time_zone", 64)),
    "source_identity": (("source", 32), ("identity", 200), ("setting", 64)),
    "ad_silent_days": (("platform", 32), ("previous_cost", 48), ("currency", 8)),
    "weekly_insights": (("source", 32), ("flag", 64), ("run_id", 64)),
}


def upgrade() -> None:
    for table, columns in BOUNDED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns:
                batch.alter_column(column, existing_type=sa.String(length), type_=sa.Text())
    op.create_table(
        "quarantined_records",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("record_type", sa.Text, primary_key=True),
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("raw_value", sa.Text, nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("record_date", sa.Date),
        sa.Column("seen_at_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quarantined_records")
    # Values longer than a bound would not fit back on PostgreSQL: they are cut to it.
    for table, columns in BOUNDED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length),
                    postgresql_using=f"left({column}, {length})",
                )
