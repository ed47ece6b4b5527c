"""The local instance's event storage stores a multi-week run's materializations in batches, and what Dagster
reads back (runs, partitions, latest materializations, their metadata) is what its own SQLite storage gives."""

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.event_storage import EVENT_BATCH_ENV, EVENT_BATCH_SIZE, BatchedSqliteEventLogStorage, instance_yaml
from pipelines.event_storage import main as write_instance_file

WEEKS = 12
PARTITIONS = dg.WeeklyPartitionsDefinition(start_date="2025-01-06")
KEYS = PARTITIONS.get_partition_keys()[:WEEKS]


def _job() -> dg.JobDefinition:
    """Three chained weekly assets run as one multi-week run, as the weekly job is; the last notes its run."""

    def build(name: str, deps: list[Any]) -> dg.AssetsDefinition:
        @dg.asset(name=name, partitions_def=PARTITIONS, backfill_policy=dg.BackfillPolicy.single_run(), deps=deps)
        def weekly(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            context.add_asset_metadata({"weeks": len(context.partition_keys)}, partition_key=context.partition_keys[-1])
            return dg.MaterializeResult(metadata={"asset": name})

        return weekly

    assets: list[dg.AssetsDefinition] = []
    for name in ("raw", "kpis", "tracker"):
        assets.append(build(name, assets[-1:]))
    return dg.Definitions(
        assets=assets, jobs=[dg.define_asset_job("weekly", selection=assets, executor_def=dg.in_process_executor)]
    ).resolve_job_def("weekly")


def _runs(home: Path, monkeypatch: pytest.MonkeyPatch, *, batched: bool) -> dict[str, Any]:
    """Two runs of the same weeks on a persistent instance in ``home``; what the instance reads back."""
    home.mkdir()
    if batched:
        assert write_instance_file([str(home)]) == 0
    else:
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(EVENT_BATCH_ENV, EVENT_BATCH_SIZE if batched else "0")
    stored_one_by_one: list[str] = []
    store_event = SqliteEventLogStorage.store_event

    def counting_store_event(self: SqliteEventLogStorage, event: Any) -> None:
        stored_one_by_one.append(event.dagster_event_type.value if event.is_dagster_event else "log")
        store_event(self, event)

    monkeypatch.setattr(SqliteEventLogStorage, "store_event", counting_store_event)
    tags = {"dagster/asset_partition_range_start": KEYS[0], "dagster/asset_partition_range_end": KEYS[-1]}
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        runs = [_job().execute_in_process(instance=instance, tags=tags) for _ in range(2)]
        keys = [dg.AssetKey(name) for name in ("raw", "kpis", "tracker")]
        run_events = [
            [
                (e.event_log_entry.dagster_event_type, e.event_log_entry.dagster_event.partition)
                for e in instance.get_records_for_run(run.run_id, limit=10_000).records
                if e.event_log_entry.dagster_event is not None
            ]
            for run in runs
        ]
        latest = {key: instance.get_latest_materialization_event(key) for key in keys}
        return {
            "storage": type(storage),
            "stored_one_by_one": stored_one_by_one,
            "run_ids": [run.run_id for run in runs],
            "run_events": [[(kind.value if kind else None, partition) for kind, partition in e] for e in run_events],
            "partitions": {key: instance.get_materialized_partitions(key) for key in keys},
            "materializations": {
                key: sorted(
                    (r.partition_key, r.run_id)
                    for r in instance.fetch_materializations(key, limit=1_000).records
                    if r.partition_key is not None
                )
                for key in keys
            },
            # Per asset: the names of each stored event's tags (data version, code version, partition's run).
            "tag_names": {
                key: sorted(tuple(sorted(tags)) for tags in storage.get_event_tags_for_asset(key)) for key in keys
            },
            "latest": {
                key: (
                    event.run_id,
                    event.dagster_event.partition,
                    {name: value.value for name, value in event.asset_materialization.metadata.items()},
                )
                for key, event in latest.items()
                if event is not None and event.dagster_event is not None and event.asset_materialization is not None
            },
        }


def test_batched_storage_reads_back_what_dagsters_own_storage_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _runs(tmp_path / "plain", monkeypatch, batched=False)
    batched = _runs(tmp_path / "batched", monkeypatch, batched=True)
    assert plain["storage"] is not BatchedSqliteEventLogStorage
    assert batched["storage"] is BatchedSqliteEventLogStorage

    # Dagster's storage stores every weekly materialization on its own; the batched one none of them.
    assert plain["stored_one_by_one"].count("ASSET_MATERIALIZATION") == 2 * 3 * WEEKS
    assert "ASSET_MATERIALIZATION" not in batched["stored_one_by_one"]

    # The same events in each run's log, in the same order, and the same weeks materialized once per run.
    assert batched["run_events"] == plain["run_events"]
    assert [kind for kind, _ in batched["run_events"][0]].count("ASSET_MATERIALIZATION") == 3 * WEEKS
    for key in plain["partitions"]:
        assert batched["partitions"][key] == plain["partitions"][key] == set(KEYS)
        ids = batched["run_ids"]
        assert batched["materializations"][key] == sorted((week, run) for week in KEYS for run in ids)
        # The asset's latest materialization is the second run's last week, with its metadata.
        run_id, partition, metadata = batched["latest"][key]
        assert (run_id, partition) == (ids[1], KEYS[-1])
        assert metadata == {"asset": key.path[-1], "weeks": WEEKS}
        assert plain["latest"][key][1:] == (partition, metadata)
        assert batched["tag_names"][key] == plain["tag_names"][key]
        assert len(plain["tag_names"][key]) == 2 * WEEKS and all(plain["tag_names"][key])


@pytest.mark.unit
def test_instance_file_is_written_once_and_names_the_default_event_files(tmp_path: Path) -> None:
    home = tmp_path / "home with 'quotes'"
    assert write_instance_file([str(home)]) == 0
    text = (home / "dagster.yaml").read_text()
    assert text == instance_yaml(home)
    assert "BatchedSqliteEventLogStorage" in text
    import yaml

    config = yaml.safe_load(text)
    assert config["event_log_storage"]["config"]["base_dir"] == str((home / "history" / "runs").resolve())
    assert config["telemetry"] == {"enabled": False}
    # An instance file the owner already has is theirs: left as it is.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    assert write_instance_file([str(home)]) == 0
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"
    assert write_instance_file([]) == 2
