"""Alembic's environment for the warehouse migrations: run on the connection the caller opened.

``resources/migrations/__init__.py`` passes an open connection (in its transaction) through
``config.attributes["connection"]``; ``python -m resources.migrations`` (writing a new revision) passes a
URL instead. Alembic runs this file; nothing imports it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from resources.warehouse import metadata


def _run(connection: sa.Connection) -> None:
    # Batch mode renders ALTERs as SQLite's copy-and-rename; compare_type catches a column's type change.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
