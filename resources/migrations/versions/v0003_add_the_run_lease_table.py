"""The run lease's table: one row names the run writing to this warehouse (see ``resources/run_lease.py``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Warehouses that ran the lease before it was a migration created the table themselves.
    if "run_lease" in sa.inspect(op.get_bind()).get_table_names():
        with op.batch_alter_table("run_lease") as batch:
            for column, length in (("name", 32), ("run_id", 64), ("host", 255)):
                batch.alter_column(column, existing_type=sa.String(length), type_=sa.Text())
        return
    op.create_table(
        "run_lease",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("acquired_at_ms", sa.BigInteger, nullable=False),
        sa.Column("heartbeat_at_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_lease")
