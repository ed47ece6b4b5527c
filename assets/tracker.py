"""The tracker asset: the owner's weekly tracker (Scorecard, Tracker, Snapshots, Definitions ...) brought up to date."""

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
from assets.tracker_inputs import (
    check_scorecard,
    cohort_maturity,
    inputs_fingerprint,
    targets_validation,
    tracker_row_slices,
)
from assets.weekly_kpis import AS_OF_TAG, KPIS_KEY, funnel_config, parse_as_of, stage_property_names
from resources.settings import SettingsResource
from resources.source_identity import guard_source
from resources.tracker import TrackerResource
from resources.warehouse import WarehouseResource, read_insights
from resources.warehouse_read import read_contacts, read_kpi_values
from settings import Settings
from sheets_sync.definitions_tab import DefinitionRow
from sheets_sync.insights_tab import InsightRow
from sheets_sync.presentation import build_presentation
from sheets_sync.scorecard import Scorecard, build_scorecard, digest_text
from sheets_sync.scorecard_tab import scorecard_tab
from sheets_sync.tabs import StaleUpdateError
from sheets_sync.units import format_change, format_number
from sheets_sync.update import build_update

TRACKER_KEY = ["tracker", "weekly_tracker"]
# Writes refused because the tracker changed since it was read are merged again this many times in all.
WRITE_ATTEMPTS = 3
# The tracker materialization's metadata entry holding the weekly digest text (sent by pipelines/digest.py).
DIGEST_METADATA_KEY = "digest"
# Dagster's tag on a run its schedule launched.
SCHEDULE_TAG = "dagster/schedule_name"


def definition_rows(settings: Settings) -> list[DefinitionRow]:
    """The catalog as Definitions rows, each with its version for these settings."""
    inputs = settings.as_fingerprint_inputs()
    defaults = Settings().as_fingerprint_inputs()
    rows = []
    for order, kpi in enumerate(active_catalog(settings.ga4.scroll_depth_events)):
        used = "; ".join(
            f"{name}={_short(inputs.get(name), is_default=inputs.get(name) == defaults.get(name))}"
            for name in kpi.settings_read
        )
        rows.append(
            DefinitionRow(
                kpi_id=kpi.kpi_id,
                kpi_version=kpi_version(kpi, inputs),
                name=kpi.name,
                section=kpi.section,
                kpi_type=kpi.kpi_type,
                unit=kpi.shown_unit,
                direction=kpi.direction,
                definition=kpi.definition,
                settings=used,
                catalog_order=order,
            )
        )
    return rows


def _short(value: object, *, is_default: bool) -> str:
    """A setting's value as Definitions shows it: lists spelled out, mappings as default or custom."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return "default" if is_default else "custom"
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
        """The weekly tracker the owner reviews: the Scorecard, a row per KPI and slice, a column per week, and
        history."""
        config = settings.load()
        headline_kpis = check_scorecard(config, (kpi.kpi_id for kpi in active_catalog(config.ga4.scroll_depth_events)))
        weeks = [date.fromisoformat(key) for key in context.partition_keys]
        as_of = parse_as_of(context.run.tags.get(AS_OF_TAG))
        values = read_kpi_values(warehouse, weeks)
        insights = [
            InsightRow(row["week_start"], row["source"], row["flag"], row["detail"], row["value"])
            for row in read_insights(warehouse, weeks)
        ]
        contacts = read_contacts(warehouse, stage_property_names(config.stages))
        maturity = cohort_maturity(contacts, funnel_config(config), as_of)
        guard_source(warehouse, tracker.source_identity(), context.log.info)
        inputs = inputs_fingerprint(values, insights, config, weeks, as_of, maturity)
        # A scheduled run always builds its Scorecard: the weekly digest is sent from it.
        if SCHEDULE_TAG not in context.run.tags and tracker.holds_inputs(inputs):
            context.log.info(
                f"tracker {tracker.location}: the workbook holds what the last write built from these same KPI "
                "values, insights and settings, and nobody saved it since; nothing to write, the workbook was "
                "left as it was (not read)"
            )
            context.add_asset_metadata(
                {
                    "tracker": tracker.location,
                    "weeks": len(weeks),
                    "cells_changed": 0,
                    "weeks_added": 0,
                    "snapshot_rows_appended": 0,
                    "restated_cells": 0,
                    "saved": False,
                    "read": False,
                    "path": MetadataValue.path(tracker.location),
                },
                partition_key=context.partition_keys[-1],
            )
            return MaterializeResult()
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            update = build_update(
                values,
                definition_rows(config),
                tracker.read_tabs(),
                run_id=context.run_id,
                snapshot_at=datetime.now(UTC),
                channel_order=config.slice_order(),
                tracker_channels=set(config.tracker_channels) if config.tracker_channels is not None else None,
                channel_groups=config.resolved_channel_groups(),
                row_slices=tracker_row_slices(config),
                insights=insights,
            )
            targets, _costs = tracker.read_owner_tabs()
            card = build_scorecard(
                update, targets, kpi_ids=headline_kpis, currency=config.currency, as_of=as_of.date(), maturity=maturity
            )
            presentation = build_presentation(
                update,
                targets,
                currency=config.currency,
                as_of=as_of.date(),
                maturity=maturity,
                headline_kpis=headline_kpis,
                scorecard=scorecard_tab(card),
                targets_validation=targets_validation(config),
            )
            try:
                written = tracker.write(update, presentation, log=context.log.info, inputs=inputs)
                break
            except StaleUpdateError as stale:
                # Another writer (a run on another warehouse, a person saving the workbook) got there between
                # this run's read and its write, and nothing of this write landed: merge into what is there now.
                if attempt == WRITE_ATTEMPTS:
                    raise
                context.log.warning(
                    f"{stale} -- reading the tracker again and merging this run's values into it "
                    f"(attempt {attempt + 1} of {WRITE_ATTEMPTS})"
                )
        summary = update.summary
        saved = getattr(written, "saved", True)
        context.log.info(
            f"tracker {tracker.location}: {summary.cells_changed} cells changed, "
            f"{summary.weeks_added} weeks added, "
            f"{summary.snapshot_rows_appended} snapshot rows appended, {len(summary.restatements)} restated"
            + (
                f", {summary.owner_edits_restored} cells changed by hand written back (listed on Insights)"
                if summary.owner_edits_restored
                else ""
            )
            # The workbook writer leaves a tracker that already holds this run's numbers untouched.
            + ("; nothing to write, the workbook was left as it was" if not saved else "")
        )
        # Dagster copies a multi-week run's metadata onto every week's materialization event (156 copies for a
        # three-year run, each serialised and stored one by one): the run's figures go on its latest week only,
        # the weeks before it get none (they are the same run; the UI shows the latest week's event).
        context.add_asset_metadata(
            {
                "tracker": tracker.location,
                "weeks": len(weeks),
                "tracker_rows": update.kpi_rows,
                "tracker_rows_shown": sum(1 for row in update.tracker_rows if row.level == 0),
                "cells_changed": summary.cells_changed,
                "weeks_added": summary.weeks_added,
                "snapshot_rows_appended": summary.snapshot_rows_appended,
                "restated_cells": len(summary.restatements),
                "definitions_added": summary.definitions_added,
                "insights_rows": summary.insights_rows,
                "owner_edits_restored": summary.owner_edits_restored,
                "saved": saved,
                "cohort_maturity_days": maturity.min_age_days,
                "scorecard": MetadataValue.md(scorecard_preview(card)),
                # What the weekly digest sends after a scheduled run (pipelines/digest.py).
                DIGEST_METADATA_KEY: MetadataValue.text(digest_text(card, tracker.location)),
                "path": MetadataValue.path(tracker.location),
            },
            partition_key=context.partition_keys[-1],
        )
        return MaterializeResult()

    return weekly_tracker


def scorecard_preview(card: Scorecard) -> str:
    """The Scorecard's All lines as a Markdown table, numbers formatted as on the sheet."""
    if card.week is None:
        return "No complete week yet."
    lines = [f"Week of {card.week.isoformat()} (All)", "", "| KPI | week | change | vs target |", "|---|---|---|---|"]
    for line in card.lines:
        if line.channel != "All":
            continue
        attainment = "immature" if line.immature else f"{line.attainment:.0%}" if line.attainment is not None else ""
        shown = format_number(line.latest, line.unit, card.currency, empty="")
        change = format_change(line.change, line.unit) if line.change is not None else ""
        lines.append(f"| {line.name} | {shown} | {change} | {attainment} |")
    return "\n".join(lines)
