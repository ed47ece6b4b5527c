"""The warehouse's schema versions: Alembic migrations shipped in the package, applied before any write.

:func:`upgrade_to_head` is called by ``resources/warehouse.py`` the first time a process uses the
warehouse; :func:`inspect_schema` by ``funnel-ledger check``, which changes nothing. The scripts live in
``versions/`` beside this file and are found from here (``script_location`` is set in code), so a
pip-installed funnel-ledger migrates without an ``alembic.ini``. The version is Alembic's own
``alembic_version`` table.

What a database can be, and what the first use does about it:

- **empty**: every revision runs, which creates the schema.
- **unversioned** (created before migrations): its tables are checked against the first revision, the
  ones it lacks are created, it is stamped with that revision, and the later revisions run.
- **behind**: the later revisions run.
- **current**: nothing to do (one look at the catalog, no lock).
- **newer** (a revision this version does not know) or **damaged** (a table or column missing: dropped
  or renamed by hand): :class:`WarehouseSchemaError`, one line, before anything is written.

Migrations run in one transaction with the check before them and the check after them, so a failure
leaves the database as it was: PostgreSQL's DDL is transactional (and an advisory lock keeps two
processes from migrating at once); on SQLite the transaction is opened by hand with ``BEGIN IMMEDIATE``
(Python's sqlite3 would otherwise commit around DDL), and tables are altered in Alembic's batch mode
(copy and rename, SQLite's way to change a column).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

SCRIPT_LOCATION = Path(__file__).resolve().parent
BASELINE_REVISION = "0001"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key of the migration (any fixed 64-bit number; other locks use other keys).
POSTGRES_LOCK_KEY = 0x46_4C_5F_53_43_48_45_4D  # "FL_SCHEM"
# Missing tables or columns named in one message; the rest are counted.
NAMED_PROBLEMS = 3

State = Literal["empty", "unversioned", "behind", "current", "newer", "damaged"]

log = logging.getLogger(__name__)


class WarehouseSchemaError(RuntimeError):
    """The warehouse's schema is not one this version can use (newer or damaged); nothing was written."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands against this version's migrations.

    Attributes:
        state: See the module docstring.
        revision: The revision the database carries (None: no version recorded).
        head: The newest revision this version knows.
        tables: How many of the warehouse's tables the database holds.
        problem: For ``newer`` and ``damaged``: what is wrong, in words.
    """

    state: State
    revision: str | None
    head: str
    tables: int
    problem: str | None = None

    def describe(self) -> str:
        """One line for ``funnel-ledger check``."""
        if self.state == "current":
            return f"schema revision {self.revision} (current), {self.tables} tables"
        if self.state == "empty":
            return f"empty: the first run creates the schema (revision {self.head})"
        if self.state == "unversioned":
            return (
                f"{self.tables} tables created before schema versions: the next run records them as revision "
                f"{BASELINE_REVISION} and migrates them to {self.head}"
            )
        if self.state == "behind":
            return f"schema revision {self.revision}: the next run migrates it to {self.head}"
        return self.problem or self.state


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # v0003_<slug>.py: a module name may not start with a digit (mypy checks the scripts too).
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "resources/migrations/versions holds no revision"
    return head


def inspect_schema(bind: Engine | Connection, target: sa.MetaData) -> SchemaStatus:
    """The database's state against ``target`` (the warehouse's metadata), reading the catalog only."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return _inspect(connection, target)
    return _inspect(bind, target)


def connect(url: str) -> Engine:
    """An engine for ``url`` (a SQLite file's folder is created), its schema not looked at."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url)


def open_at_head(url: str, target: sa.MetaData) -> Engine:
    """An engine for ``url`` once the database is at the newest revision (see :func:`upgrade_to_head`)."""
    engine = connect(url)
    try:
        upgrade_to_head(engine, target)
    except BaseException:
        engine.dispose()
        raise
    return engine


def schema_status(url: str, target: sa.MetaData) -> SchemaStatus:
    """Where the database at ``url`` stands against ``target``, changing nothing."""
    engine = connect(url)
    try:
        return inspect_schema(engine, target)
    finally:
        engine.dispose()


def upgrade_to_head(engine: Engine, target: sa.MetaData) -> SchemaStatus:
    """Bring the database to the newest revision, or stop before any write when it cannot be used.

    Raises:
        WarehouseSchemaError: The database is newer than this version or damaged (a message naming the
            database, what is wrong and what to do), or a migration failed (rolled back).
    """
    status = inspect_schema(engine, target)
    if status.state == "current":
        return status
    _refuse(status, engine)
    with _migration_transaction(engine) as connection:
        # Another process may have migrated while this one waited for the lock: look again.
        status = _inspect(connection, target)
        _refuse(status, engine)
        if status.state == "current":
            return status
        if status.state == "unversioned":
            _adopt(connection)
        try:
            command.upgrade(alembic_config(connection), "head")
        except Exception as error:  # a driver's error, or Alembic's own (batch mode on a missing column)
            reason = (str(getattr(error, "orig", None) or error).splitlines() or [""])[0]
            raise WarehouseSchemaError(
                f"the warehouse at {_shown(engine)} could not be migrated from revision "
                f"{status.revision or BASELINE_REVISION} to {status.head} ({type(error).__name__}: {reason}); "
                "nothing was changed: restore the database from a backup or point WAREHOUSE_URL at a new, empty "
                "database"
            ) from None
        after = _inspect(connection, target)
        _refuse(after, engine)
    log.info("warehouse schema: %s -> %s", status.revision or status.state, after.revision)
    return after


def _inspect(connection: Connection, target: sa.MetaData) -> SchemaStatus:
    script = script_directory()
    head = script.get_current_head() or ""
    names = set(sa.inspect(connection).get_table_names())
    ours = [name for name in target.tables if name in names]
    revisions = MigrationContext.configure(connection).get_current_heads() if VERSION_TABLE in names else ()
    if not revisions:
        if not ours:
            return SchemaStatus("empty", None, head, 0)
        baseline = _baseline_metadata(script)
        problems = _missing(connection, baseline, only_present=True)
        if problems:
            return SchemaStatus("damaged", None, head, len(ours), _damaged(connection, BASELINE_REVISION, problems))
        return SchemaStatus("unversioned", None, head, len(ours))
    known = {revision.revision for revision in script.walk_revisions()}
    revision = revisions[0]
    if len(revisions) > 1 or revision not in known:
        shown = ", ".join(revisions)
        problem = (
            f"the warehouse at {_shown(connection)} is at schema revision {shown}, which this funnel-ledger "
            f"(revisions up to {head}) does not know: a newer funnel-ledger wrote it. Nothing was written: "
            "upgrade funnel-ledger, or point WAREHOUSE_URL at another database"
        )
        return SchemaStatus("newer", shown, head, len(ours), problem)
    if revision != head:
        return SchemaStatus("behind", revision, head, len(ours))
    problems = _missing(connection, target, only_present=False)
    if problems:
        return SchemaStatus("damaged", revision, head, len(ours), _damaged(connection, revision, problems))
    return SchemaStatus("current", revision, head, len(ours))


def _missing(connection: Connection, target: sa.MetaData, *, only_present: bool) -> list[str]:
    """Tables and columns of ``target`` the database lacks (``only_present``: among its tables only)."""
    inspector = sa.inspect(connection)
    names = set(inspector.get_table_names())
    problems = [f"table {name} is missing" for name in target.tables if name not in names and not only_present]
    present = [name for name in target.tables if name in names]
    columns = inspector.get_multi_columns(filter_names=present) if present else {}
    found = {table: {column["name"] for column in listed} for (_, table), listed in columns.items()}
    for name in present:
        problems += [
            f"{name} has no column {column.name}"
            for column in target.tables[name].columns
            if column.name not in found.get(name, set())
        ]
    return problems


def _damaged(connection: Connection, revision: str, problems: list[str]) -> str:
    named = "; ".join(problems[:NAMED_PROBLEMS])
    more = len(problems) - NAMED_PROBLEMS
    if more > 0:
        named += f" and {more} more"
    return (
        f"the warehouse at {_shown(connection)} does not match schema revision {revision}: {named} (dropped or "
        "renamed by hand?). Nothing was written: restore it (or the database from a backup), or point "
        "WAREHOUSE_URL at a new, empty database, which the next run fills again from the sources"
    )


def _refuse(status: SchemaStatus, bind: Engine | Connection) -> None:
    if status.state in ("newer", "damaged"):
        raise WarehouseSchemaError(status.problem or f"the warehouse at {_shown(bind)} cannot be used")


def _adopt(connection: Connection) -> None:
    """Record a warehouse made before migrations as the first revision, creating the tables it lacks."""
    _baseline_metadata(script_directory()).create_all(connection, checkfirst=True)
    command.stamp(alembic_config(connection), BASELINE_REVISION)


def _baseline_metadata(script: ScriptDirectory) -> sa.MetaData:
    baseline = script.get_revision(BASELINE_REVISION)
    assert baseline is not None
    metadata: sa.MetaData = baseline.module.baseline_metadata()
    return metadata


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for checks and DDL, held against other processes doing the same."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(POSTGRES_LOCK_KEY)))
                yield connection
            return
        # Python's sqlite3 opens transactions only before DML and may commit around DDL; with its own
        # handling off, BEGIN IMMEDIATE makes the DDL transactional and takes the write lock now.
        raw = connection.connection.dbapi_connection
        assert raw is not None
        previous = raw.isolation_level  # type: ignore[attr-defined]
        raw.isolation_level = None  # type: ignore[attr-defined]
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            raw.isolation_level = previous  # type: ignore[attr-defined]


def _shown(bind: Engine | Connection) -> str:
    """The database's URL without its password."""
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=True)
