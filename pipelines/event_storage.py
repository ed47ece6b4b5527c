"""The local Dagster instance's event storage: SQLite, with a multi-week run's materializations stored together.

A run over N weeks records one materialization per week for each weekly asset (937 for a three-year run).
Dagster's SQLite event storage stores every event on its own: a new connection to the run's database and
one to the index, two commits. On SQLite that is about 10 ms an event, half of an unchanged three-year rerun.
With ``DAGSTER_EVENT_BATCH_SIZE`` set, Dagster hands the storage an asset's materializations of one step as
one batch (``store_event_batch``). Dagster's PostgreSQL storage writes such a batch in one statement; its
SQLite storage still writes it event by event. This storage writes it as the PostgreSQL one does, and is
otherwise Dagster's SQLite storage, reading and writing the same files.

``make run`` and ``make dev`` write the instance file that selects it (``python -m pipelines.event_storage
DAGSTER_HOME``); ``build_definitions`` sets the batch size unless the environment already does.
"""

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dagster import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData

# Read by the instance each time a step's asset events are logged. A batch ends with its step's output anyway;
# the size only caps how many events wait in memory (a ten-year run is 520 weeks).
EVENT_BATCH_ENV = "DAGSTER_EVENT_BATCH_SIZE"
EVENT_BATCH_SIZE = "1000"
_BATCHED_TYPES = ({DagsterEventType.ASSET_MATERIALIZATION}, {DagsterEventType.ASSET_OBSERVATION})


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event storage; one step's materializations of an asset stored in two transactions."""

    @classmethod
    def from_config_value(  # type: ignore[override]  # the base's signature names its own config type
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> "BatchedSqliteEventLogStorage":
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """One insert into the run's database, then the index rows, their tags and the asset's latest event in
        one transaction: what ``store_event`` does for each event, and what Dagster's PostgreSQL storage does
        for a batch. Any other mix of events is stored one by one, as Dagster's SQLite storage does."""
        kinds = {event.dagster_event_type for event in events}
        if not events or len({event.run_id for event in events}) != 1 or kinds not in _BATCHED_TYPES:
            super().store_event_batch(events)
            return
        # Each event serialised once, for both databases, and inserted with one statement compiled once.
        rows = [self._event_to_row(event) for event in events]
        # The run's events first: should the index transaction fail, Dagster stores the batch again event by
        # event, which repeats lines of the run's log rather than the asset's materializations.
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
            # The transaction holds SQLite's write lock from its first insert, so no other writer's row comes
            # between these: each row took the next id, and the last one is the highest.
            last_id = conn.execute(sa.select(sa.func.max(SqlEventLogStorageTable.c.id))).scalar_one()
            event_ids = list(range(int(last_id) - len(rows) + 1, int(last_id) + 1))
            self._store_asset_event_tags(conn, events, event_ids)
            # The asset's row holds its latest event only; every event of the batch would overwrite it in turn.
            self._store_asset_event(conn, events[-1], event_ids[-1])


def instance_yaml(dagster_home: Path) -> str:
    """A local instance file: telemetry off, event storage in the same files Dagster's default would use."""
    runs = (dagster_home.resolve() / "history" / "runs").as_posix()
    return (
        "telemetry:\n"
        "  enabled: false\n"
        "# Multi-week runs store each asset's weekly materializations in one transaction (pipelines/event_storage.py)\n"
        "event_log_storage:\n"
        "  module: pipelines.event_storage\n"
        "  class: BatchedSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(runs)}\n"  # a JSON string is a YAML string, quotes and all
    )


def main(argv: Sequence[str]) -> int:
    """``python -m pipelines.event_storage DAGSTER_HOME``: write ``DAGSTER_HOME/dagster.yaml`` if it is missing."""
    if len(argv) != 1:
        print("usage: python -m pipelines.event_storage DAGSTER_HOME", file=sys.stderr)
        return 2
    home = Path(argv[0])
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if target.exists():
        return 0
    target.write_text(instance_yaml(home))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
