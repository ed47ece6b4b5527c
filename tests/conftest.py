"""Shared test fixtures: warehouses (SQLite, and PostgreSQL when WAREHOUSE_TEST_URL is set), fake clocks."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from resources.warehouse import metadata


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
    url = os.environ.get("WAREHOUSE_TEST_URL")
    if not url:
        pytest.skip("WAREHOUSE_TEST_URL is not set (CI sets it when PostgreSQL answers on 127.0.0.1:5432)")
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    yield url
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
