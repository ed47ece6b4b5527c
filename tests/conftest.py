"""Shared test fixtures: warehouses (SQLite, and PostgreSQL when WAREHOUSE_TEST_URL is set), fake clocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it; records every sleep."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, empty warehouse on each backend the machine offers."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
        return
    with private_postgres_database() as url:
        yield url


@contextmanager
def private_postgres_database() -> Iterator[str]:
    """A new, empty database on the server of ``WAREHOUSE_TEST_URL``, dropped afterwards.

    Each test gets its own database, so tests running at the same time (other checkouts share the server)
    never see each other's tables or schema version.
    """
    server = os.environ.get("WAREHOUSE_TEST_URL")
    if not server:
        pytest.skip("WAREHOUSE_TEST_URL is not set (CI sets it when PostgreSQL answers on 127.0.0.1:5432)")
    name = f"fl_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
