"""The warehouse as it was before schema versions: the first revision, and what an unversioned one holds.

Frozen on purpose: this is the schema every warehouse created before migrations carries, so it must not
follow later edits of ``resources/warehouse.py``. An empty warehouse is built by running it and every
later revision; an unversioned one is checked against :func:`baseline_metadata`, its missing tables are
created, and it is stamped with this revision before the later ones run (``resources/migrations``).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def baseline_metadata() -> sa.MetaData:
    """The tables of revision 0001, column for column as ``resources/warehouse.py`` declared them."""
    meta = sa.MetaData()
    sa.Table(
        "hubspot_contacts",
        meta,
        sa.Column("contact_id", sa.String(32), primary_key=True),
        sa.Column("created_at_ms", sa.BigInteger),
        sa.Column("updated_at_ms", sa.BigInteger),
        sa.Column("lifecyclestage", sa.Text),
        sa.Column("analytics_source", sa.Text),
        sa.Column("analytics_source_data_1", sa.Text),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "hubspot_contact_stage_dates",
        meta,
        sa.Column("contact_id", sa.String(32), primary_key=True),
        sa.Column("property", sa.String(120), primary_key=True),
        sa.Column("value_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "hubspot_deals",
        meta,
        sa.Column("deal_id", sa.String(32), primary_key=True),
        sa.Column("created_at_ms", sa.BigInteger),
        sa.Column("updated_at_ms", sa.BigInteger),
        sa.Column("close_date_ms", sa.BigInteger),
        sa.Column("amount", sa.String(40)),
        sa.Column("amount_in_home_currency", sa.String(40)),
        sa.Column("currency_code", sa.Text),
        sa.Column("pipeline", sa.Text),
        sa.Column("dealstage", sa.Text),
        sa.Column("is_closed", sa.Boolean),
        sa.Column("is_closed_won", sa.Boolean),
        sa.Column("deal_stage_probability", sa.Float),
        sa.Column("mrr", sa.String(40)),
        sa.Column("analytics_source", sa.Text),
        sa.Column("analytics_source_data_1", sa.Text),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "hubspot_deal_contacts",
        meta,
        sa.Column("deal_id", sa.String(32), primary_key=True),
        sa.Column("contact_id", sa.String(32), primary_key=True),
    )
    sa.Table(
        "hubspot_meetings",
        meta,
        sa.Column("meeting_id", sa.String(32), primary_key=True),
        sa.Column("created_at_ms", sa.BigInteger),
        sa.Column("updated_at_ms", sa.BigInteger),
        sa.Column("outcome", sa.Text),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "hubspot_pipeline_stages",
        meta,
        sa.Column("pipeline_id", sa.String(64), primary_key=True),
        sa.Column("stage_id", sa.String(64), primary_key=True),
        sa.Column("pipeline_label", sa.Text),
        sa.Column("stage_label", sa.Text),
        sa.Column("display_order", sa.Integer),
        sa.Column("is_closed", sa.Boolean, nullable=False),
        sa.Column("probability", sa.Float),
    )
    sa.Table(
        "sync_state",
        meta,
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("watermark_ms", sa.BigInteger),
        sa.Column("last_full_sync_ms", sa.BigInteger),
        sa.Column("stage_properties", sa.Text),
    )
    sa.Table(
        "weekly_kpis",
        meta,
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("kpi_id", sa.String(64), primary_key=True),
        sa.Column("kpi_version", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("value", sa.Float),
        sa.Column("run_id", sa.String(64)),
        sa.Column("computed_at_ms", sa.BigInteger),
    )
    sa.Table(
        "ad_daily",
        meta,
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("impressions", sa.BigInteger, nullable=False),
        sa.Column("clicks", sa.BigInteger, nullable=False),
        sa.Column("cost", sa.String(48), nullable=False),
        sa.Column("currency", sa.String(8)),
        sa.Column("conversions", sa.Float, nullable=False),
        sa.Column("platform_leads", sa.BigInteger, nullable=False),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "ga4_daily",
        meta,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("channel_group", sa.String(100), primary_key=True),
        sa.Column("sessions", sa.BigInteger, nullable=False),
        sa.Column("engaged_sessions", sa.BigInteger, nullable=False),
        sa.Column("pageviews", sa.BigInteger, nullable=False),
        sa.Column("key_events", sa.Float, nullable=False),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "ga4_daily_events",
        meta,
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("channel_group", sa.String(100), primary_key=True),
        sa.Column("event_name", sa.String(100), primary_key=True),
        sa.Column("event_count", sa.BigInteger, nullable=False),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "ga4_weekly",
        meta,
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("slice", sa.String(64), primary_key=True),
        sa.Column("users", sa.BigInteger, nullable=False),
        sa.Column("new_users", sa.BigInteger, nullable=False),
        sa.Column("avg_session_duration_s", sa.Float),
        sa.Column("thresholded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("data_loss_from_other_row", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "source_status",
        meta,
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("configured", sa.Boolean, nullable=False),
        sa.Column("currency", sa.String(8)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("flags", sa.Text),
        sa.Column("synced_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "source_identity",
        meta,
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("identity", sa.String(200), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("setting", sa.String(64), nullable=False),
        sa.Column("first_seen_at_ms", sa.BigInteger, nullable=False),
        sa.Column("last_seen_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "ad_silent_days",
        meta,
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("previous_cost", sa.String(48), nullable=False),
        sa.Column("currency", sa.String(8)),
        sa.Column("noticed_at_ms", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "weekly_insights",
        meta,
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("flag", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("run_id", sa.String(64)),
    )
    return meta


def upgrade() -> None:
    baseline_metadata().create_all(op.get_bind())


def downgrade() -> None:
    baseline_metadata().drop_all(op.get_bind())
