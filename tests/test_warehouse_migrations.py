"""Warehouse schema migrations on SQLite and PostgreSQL: built exactly, adopted, migrated, refused.

Every test runs on both dialects (PostgreSQL when ``WAREHOUSE_TEST_URL`` is set, each test in a database
of its own). A refused warehouse is compared before and after: nothing may change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pipelines.check import check_warehouse
from resources.migrations import (
    BASELINE_REVISION,
    WarehouseSchemaError,
    alembic_config,
    head_revision,
    script_directory,
)
from resources.warehouse import WarehouseResource, hubspot_deals, metadata, quarantined_records, upsert, weekly_kpis
from tests.test_reliability_support import dump_warehouse


def _engine(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _at_revision(url: str, revision: str) -> None:
    """The warehouse as an older funnel-ledger left it: migrated up to ``revision`` only."""
    for engine in _engine(url):
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)


def _baseline() -> sa.MetaData:
    baseline = script_directory().get_revision(BASELINE_REVISION)
    assert baseline is not None
    meta: sa.MetaData = baseline.module.baseline_metadata()
    return meta


def _differences(url: str) -> list[Any]:
    for engine in _engine(url):
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    raise AssertionError("unreachable")


def _version(url: str) -> list[str]:
    for engine in _engine(url):
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))]
    raise AssertionError("unreachable")


def _deal(deal_id: str, amount: str) -> dict[str, Any]:
    return {"deal_id": deal_id, "amount": amount, "archived": False, "deleted": False, "synced_at_ms": 1}


def _old_rows(url: str, meta: sa.MetaData) -> None:
    """A deal and a KPI value, written through revision 0001's tables."""
    for engine in _engine(url):
        with engine.begin() as connection:
            connection.execute(sa.insert(meta.tables["hubspot_deals"]), [_deal("7", "1200.50")])
            connection.execute(
                sa.insert(meta.tables["weekly_kpis"]),
                [
                    {
                        "week_start": date(2024, 1, 1),
                        "kpi_id": "new_deals",
                        "kpi_version": "v1",
                        "channel": "All",
                        "value": 1.0,
                    }
                ],
            )


def _assert_old_rows_kept(warehouse: WarehouseResource) -> None:
    with warehouse.engine.connect() as connection:
        assert connection.execute(sa.select(hubspot_deals.c.deal_id, hubspot_deals.c.amount)).all() == [
            ("7", "1200.50")
        ]
        assert connection.execute(sa.select(weekly_kpis.c.kpi_id, weekly_kpis.c.value)).all() == [("new_deals", 1.0)]


def test_the_migrations_build_exactly_the_metadata(warehouse_url: str):
    warehouse = WarehouseResource(url=warehouse_url)
    try:
        warehouse.engine  # noqa: B018 - first use creates the schema
    finally:
        warehouse.dispose()
    assert _differences(warehouse_url) == []
    assert _version(warehouse_url) == [head_revision()]
    status = WarehouseResource(url=warehouse_url).schema_status()
    assert (status.state, status.revision, status.tables) == ("current", head_revision(), len(metadata.tables))


def test_no_text_column_has_a_length_limit():
    bounded = [
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.String) and column.type.length is not None
    ]
    assert bounded == []


def test_values_longer_than_the_old_limits_fit_on_every_dialect(warehouse_url: str):
    """Every text column of every table takes 5,000 characters (PostgreSQL refused 41 in an amount)."""
    long_text = "9" * 5_000
    warehouse = WarehouseResource(url=warehouse_url)
    try:
        with warehouse.engine.begin() as connection:
            for table in metadata.sorted_tables:
                row: dict[str, Any] = {}
                for column in table.columns:
                    if isinstance(column.type, sa.String):
                        row[column.name] = long_text
                    elif isinstance(column.type, sa.Date):
                        row[column.name] = date(2024, 1, 1)
                    elif isinstance(column.type, sa.Boolean):
                        row[column.name] = False
                    else:
                        row[column.name] = 1
                upsert(connection, table, [row])
        with warehouse.engine.connect() as connection:
            for table in metadata.sorted_tables:
                texts = [c for c in table.columns if isinstance(c.type, sa.String)]
                assert connection.execute(sa.select(*texts)).all() == [tuple(long_text for _ in texts)], table.name
    finally:
        warehouse.dispose()


def test_a_warehouse_made_before_migrations_is_stamped_and_migrated_keeping_its_rows(warehouse_url: str):
    """Tables of revision 0001 without a version (and without a table added late) are adopted."""
    baseline = _baseline()
    for engine in _engine(warehouse_url):
        baseline.create_all(engine, tables=[t for t in baseline.sorted_tables if t.name != "ad_silent_days"])
    _old_rows(warehouse_url, baseline)
    warehouse = WarehouseResource(url=warehouse_url)
    status = warehouse.schema_status()
    assert (status.state, status.tables) == ("unversioned", len(baseline.tables) - 1)
    assert status.describe() == (
        f"{len(baseline.tables) - 1} tables created before schema versions: the next run records them as "
        f"revision {BASELINE_REVISION} and migrates them to {head_revision()}"
    )
    try:
        _assert_old_rows_kept(warehouse)
    finally:
        warehouse.dispose()
    assert _differences(warehouse_url) == []
    assert _version(warehouse_url) == [head_revision()]


def test_a_warehouse_at_an_older_revision_is_migrated_keeping_its_rows(warehouse_url: str):
    _at_revision(warehouse_url, BASELINE_REVISION)
    _old_rows(warehouse_url, _baseline())
    warehouse = WarehouseResource(url=warehouse_url)
    status = warehouse.schema_status()
    assert (status.state, status.revision) == ("behind", BASELINE_REVISION)
    try:
        _assert_old_rows_kept(warehouse)
        # A value the old bounds refused on PostgreSQL now fits.
        with warehouse.engine.begin() as connection:
            upsert(connection, hubspot_deals, [_deal("8", "1" * 60)])
    finally:
        warehouse.dispose()
    assert _differences(warehouse_url) == []
    assert _version(warehouse_url) == [head_revision()]


def test_a_newer_warehouse_stops_before_any_write(warehouse_url: str):
    WarehouseResource(url=warehouse_url).engine.dispose()
    for engine in _engine(warehouse_url):
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    before = dump_warehouse(warehouse_url)
    with pytest.raises(WarehouseSchemaError) as caught:
        WarehouseResource(url=warehouse_url).engine  # noqa: B018
    message = str(caught.value)
    assert "\n" not in message
    assert "is at schema revision 0099, which this funnel-ledger" in message
    assert f"(revisions up to {head_revision()}) does not know: a newer funnel-ledger wrote it" in message
    assert message.endswith("upgrade funnel-ledger, or point WAREHOUSE_URL at another database")
    assert dump_warehouse(warehouse_url) == before


@pytest.mark.parametrize("damage", ["dropped", "renamed"])
def test_a_damaged_warehouse_stops_before_any_write(warehouse_url: str, damage: str):
    WarehouseResource(url=warehouse_url).engine.dispose()
    statement = {
        "dropped": "ALTER TABLE hubspot_deals DROP COLUMN amount",
        "renamed": "ALTER TABLE hubspot_deals RENAME COLUMN amount TO deal_amount",
    }[damage]
    for engine in _engine(warehouse_url):
        with engine.begin() as connection:
            connection.execute(sa.text(statement))
    before = dump_warehouse(warehouse_url)
    with pytest.raises(WarehouseSchemaError) as caught:
        WarehouseResource(url=warehouse_url).engine  # noqa: B018
    message = str(caught.value)
    assert "\n" not in message
    assert f"does not match schema revision {head_revision()}: hubspot_deals has no column amount" in message
    assert "Nothing was written" in message
    assert dump_warehouse(warehouse_url) == before
    status = WarehouseResource(url=warehouse_url).schema_status()
    assert (status.state, status.problem) == ("damaged", message)


def test_a_damaged_warehouse_made_before_migrations_is_refused(warehouse_url: str):
    baseline = _baseline()
    for engine in _engine(warehouse_url):
        baseline.create_all(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE weekly_kpis DROP COLUMN value"))
    with pytest.raises(WarehouseSchemaError, match=f"does not match schema revision {BASELINE_REVISION}: weekly_kpis"):
        WarehouseResource(url=warehouse_url).engine  # noqa: B018
    for engine in _engine(warehouse_url):
        assert "alembic_version" not in sa.inspect(engine).get_table_names()


def test_a_migration_that_fails_leaves_the_warehouse_as_it_was(warehouse_url: str):
    """Revision 0002 alters ad_daily.cost; with that column gone the migration fails and rolls back whole."""
    _at_revision(warehouse_url, BASELINE_REVISION)
    for engine in _engine(warehouse_url):
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE ad_daily DROP COLUMN cost"))
    before = dump_warehouse(warehouse_url)
    with pytest.raises(WarehouseSchemaError) as caught:
        WarehouseResource(url=warehouse_url).engine  # noqa: B018
    assert f"could not be migrated from revision {BASELINE_REVISION} to {head_revision()}" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert dump_warehouse(warehouse_url) == before
    assert _version(warehouse_url) == [BASELINE_REVISION]


def test_two_processes_migrating_at_once_migrate_once(warehouse_url: str):
    _at_revision(warehouse_url, BASELINE_REVISION)
    errors: list[BaseException] = []

    def first_use() -> None:
        warehouse = WarehouseResource(url=warehouse_url)
        try:
            warehouse.engine  # noqa: B018
        except BaseException as error:
            errors.append(error)
        finally:
            warehouse.dispose()

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _version(warehouse_url) == [head_revision()]
    assert _differences(warehouse_url) == []


def test_check_reports_the_schema_version(warehouse_url: str):
    def row() -> tuple[str, str]:
        result = check_warehouse(SimpleNamespace(resources={"warehouse": WarehouseResource(url=warehouse_url)}))  # type: ignore[arg-type]
        return result.status, result.detail

    shown = sa.engine.make_url(warehouse_url).render_as_string(hide_password=True)
    head = head_revision()
    assert row() == ("ok", f"{shown}: connected, empty: the first run creates the schema (revision {head})")
    _at_revision(warehouse_url, BASELINE_REVISION)
    assert row() == (
        "ok",
        f"{shown}: connected, schema revision {BASELINE_REVISION}: the next run migrates it to {head}",
    )
    WarehouseResource(url=warehouse_url).engine.dispose()
    assert row() == ("ok", f"{shown}: connected, schema revision {head} (current), {len(metadata.tables)} tables")
    # Records the runs could not read are listed one per line (a warning: someone should fix them).
    for engine in _engine(warehouse_url):
        with engine.begin() as connection:
            connection.execute(
                sa.insert(quarantined_records),
                [
                    {
                        "source": "hubspot",
                        "record_type": "deal",
                        "record_id": "300",
                        "field": "amount",
                        "raw_value": "'1e400'",
                        "problem": "is out of range (beyond ±10^18)",
                        "seen_at_ms": 1,
                    }
                ],
            )
    result = check_warehouse(SimpleNamespace(resources={"warehouse": WarehouseResource(url=warehouse_url)}))  # type: ignore[arg-type]
    assert (result.status, result.lines) == (
        "warning",
        ("HubSpot deal 300: amount '1e400' is out of range (beyond ±10^18)",),
    )
    assert result.detail.endswith("tables; 1 record quarantined (cannot be read)")
    for engine in _engine(warehouse_url):
        with engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE sync_state DROP COLUMN watermark_ms"))
    status, detail = row()
    assert status == "FAILED"
    assert f"does not match schema revision {head}: sync_state has no column watermark_ms" in detail
