"""The tracker asset: the owner's weekly tracker (Tracker, Snapshots, Definitions tabs) brought up to date."""

from datetime import UTC, date, datetime

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.kpi_math import active_catalog, kpi_version
from assets.weekly_kpis import KPIS_KEY
from resources.settings import SettingsResource
from resources.source_identity import guard_source
from resources.tracker import TrackerResource
from resources.warehouse import WarehouseResource, read_insights
from settings import Settings
from sheets_sync.definitions_tab import DefinitionRow
from sheets_sync.insights_tab import InsightRow
from sheets_sync.presentation import build_presentation
from sheets_sync.update import build_update

TRACKER_KEY = ["tracker", "weekly_tracker"]


def definition_rows(settings: Settings) -> list[DefinitionRow]:
    """The catalog as Definitions rows, each with its version for these settings."""
    inputs = settings.as_fingerprint_inputs()
    rows = []
    for order, kpi in enumerate(active_catalog(settings.ga4.scroll_depth_events)):
        used = "; ".join(f"{name}={_short(inputs.get(name))}" for name in kpi.settings_read)
        rows.append(
            DefinitionRow(
                kpi_id=kpi.kpi_id,
                kpi_version=kpi_version(kpi, inputs),
                name=kpi.name,
                section=kpi.section,
                kpi_type=kpi.kpi_type,
                unit=kpi.unit,
                direction=kpi.direction,
                definition=kpi.definition,
                settings=used,
                catalog_order=order,
            )
        )
    return rows


def _short(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return "custom" if value else "default"
    return str(value)


def build_tracker_asset(partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        key=TRACKER_KEY,
        group_name="tracker",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        deps=[KPIS_KEY],
        pool="tracker_writer",
    )
    def weekly_tracker(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        tracker: TrackerResource,
        settings: SettingsResource,
    ) -> MaterializeResult:
        """The weekly tracker the owner reviews: a row per KPI and slice, a column per week, and history."""
        config = settings.load()
        weeks = [date.fromisoformat(key) for key in context.partition_keys]
        values = warehouse.read_kpis(weeks)
        update = build_update(
            values,
            definition_rows(config),
            tracker.read_tabs(),
            run_id=context.run_id,
            snapshot_at=datetime.now(UTC),
            channel_order=config.slice_order(),
            tracker_channels=set(config.tracker_channels) if config.tracker_channels is not None else None,
            insights=[
                InsightRow(row["week_start"], row["source"], row["flag"], row["detail"], row["value"])
                for row in read_insights(warehouse, weeks)
            ],
        )
        targets, _costs = tracker.read_owner_tabs()
        guard_source(warehouse, tracker.source_identity(), context.log.info)
        tracker.write(update, build_presentation(update, targets, currency=config.currency))
        summary = update.summary
        context.log.info(
            f"tracker {tracker.location}: {summary.cells_changed} cells changed, "
            f"{summary.weeks_added} weeks added, "
            f"{summary.snapshot_rows_appended} snapshot rows appended, {len(summary.restatements)} restated"
        )
        return MaterializeResult(
            metadata={
                "tracker": tracker.location,
                "weeks": len(weeks),
                "tracker_rows": len(update.tracker_rows),
                "cells_changed": summary.cells_changed,
                "weeks_added": summary.weeks_added,
                "snapshot_rows_appended": summary.snapshot_rows_appended,
                "restated_cells": len(summary.restatements),
                "definitions_added": summary.definitions_added,
                "insights_rows": summary.insights_rows,
                "path": MetadataValue.path(tracker.location),
            }
        )

    return weekly_tracker
