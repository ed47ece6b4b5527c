"""The weekly KPI mart: every catalog KPI per week and channel slice, computed from the warehouse."""

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from assets.hubspot import MIRROR_KEY
from assets.kpi_checks import additivity_violations, duplicate_keys, ratio_violations
from assets.kpi_math import CATALOG_BY_ID, FunnelConfig, SourceRefinement, compute_hubspot_kpis, kpi_version
from pipelines.settings import Settings, SettingsResource
from resources.tracker import WorkbookTrackerResource
from resources.warehouse import WarehouseResource, read_hubspot_inputs

KPIS_KEY = ["marts", "weekly_kpis"]
AS_OF_TAG = "funnel-ledger/as_of"


def funnel_config(settings: Settings) -> FunnelConfig:
    """The slice of the settings the pure KPI functions read."""
    return FunnelConfig(
        timezone=settings.timezone,
        week_start=settings.week_start,
        stages=settings.stages,
        channels=settings.channels,
        channel_groups=settings.resolved_channel_groups(),
        source_map=dict(settings.channel_map),
        source_refinements=tuple(
            SourceRefinement(source=r.source, source_data_1=r.data_1, channel=r.channel)
            for r in settings.channel_refinements
        ),
        pipelines=settings.pipelines,
        deal_amount_basis=settings.deal_amount_basis,
        gross_margin=settings.gross_margin,
        monthly_churn_rate=settings.monthly_churn_rate,
    )


def stage_property_names(stages: Sequence[str]) -> list[str]:
    return [name for stage in stages for name in (f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date")]


def parse_as_of(value: str | None) -> pd.Timestamp:
    """The run's as-of instant: ISO-8601 from the run tag (naive = UTC), else now."""
    if not value:
        return pd.Timestamp(datetime.now(UTC))
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def with_versions(values: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Attach ``kpi_version`` to each KPI value (KPIS.md §1 "Version")."""
    inputs = settings.as_fingerprint_inputs()
    versions = {kpi_id: kpi_version(kpi, inputs) for kpi_id, kpi in CATALOG_BY_ID.items()}
    out = values.copy()
    out["kpi_version"] = out["kpi_id"].map(versions)
    return out[["week_start", "kpi_id", "kpi_version", "channel", "value"]]


def compute_weekly_kpis(
    inputs: dict[str, pd.DataFrame],
    *,
    settings: Settings,
    weeks: Sequence[date],
    as_of: pd.Timestamp,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """Every KPI this release computes for the given weeks, versioned, in long form."""
    values = compute_hubspot_kpis(
        contacts=inputs["contacts"],
        deals=inputs["deals"],
        deal_contacts=inputs["deal_contacts"],
        meetings=inputs["meetings"],
        pipeline_stages=inputs["pipeline_stages"],
        targets=targets,
        weeks=list(weeks),
        as_of=as_of,
        cfg=funnel_config(settings),
    )
    return with_versions(values, settings)


def build_weekly_kpis_asset(partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        key=KPIS_KEY,
        group_name="kpis",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        deps=[MIRROR_KEY],
        check_specs=[
            AssetCheckSpec("unique_keys", asset=KPIS_KEY),
            AssetCheckSpec("all_equals_groups_equals_channels", asset=KPIS_KEY),
            AssetCheckSpec("ratios_within_0_1", asset=KPIS_KEY),
        ],
    )
    def weekly_kpis(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        tracker: WorkbookTrackerResource,
        settings: SettingsResource,
    ) -> MaterializeResult:
        """Leading and lagging KPIs per week for All, Inbound, Outbound and every channel."""
        config = settings.load()
        weeks = [date.fromisoformat(key) for key in context.partition_keys]
        as_of = parse_as_of(context.run.tags.get(AS_OF_TAG))
        started = time.perf_counter()
        inputs = read_hubspot_inputs(warehouse, stage_property_names(config.stages))
        targets, _costs = tracker.read_owner_tabs()
        values = compute_weekly_kpis(inputs, settings=config, weeks=weeks, as_of=as_of, targets=targets)
        written = warehouse.replace_kpi_weeks(
            values, weeks, run_id=context.run_id, computed_at_ms=int(time.time() * 1000)
        )
        context.log.info(
            f"computed {len(values)} KPI values for {len(weeks)} weeks ({weeks[0]} to {weeks[-1]}) as of "
            f"{as_of.isoformat()} in {time.perf_counter() - started:.2f}s"
        )
        duplicates = duplicate_keys(values)
        additivity = additivity_violations(values, config)
        ratios = ratio_violations(values)
        return MaterializeResult(
            metadata={
                "weeks": len(weeks),
                "first_week": str(weeks[0]),
                "last_week": str(weeks[-1]),
                "as_of": as_of.isoformat(),
                "rows_written": written,
                "contacts_in": len(inputs["contacts"]),
                "deals_in": len(inputs["deals"]),
                "preview": MetadataValue.md(_preview(values, weeks[-1])),
            },
            check_results=[
                AssetCheckResult(
                    check_name="unique_keys", passed=not duplicates, metadata={"duplicates": len(duplicates)}
                ),
                AssetCheckResult(
                    check_name="all_equals_groups_equals_channels",
                    passed=not additivity,
                    metadata={"violations": MetadataValue.json(additivity[:20])},
                ),
                AssetCheckResult(
                    check_name="ratios_within_0_1",
                    passed=not ratios,
                    metadata={"violations": MetadataValue.json(ratios[:20])},
                ),
            ],
        )

    return weekly_kpis


def _preview(values: pd.DataFrame, week: date) -> str:
    latest = values[(values["week_start"] == week) & (values["channel"] == "All")]
    lines = ["| KPI | value |", "|---|---|"]
    for row in latest.itertuples(index=False):
        value = float(row.value) if row.value is not None and not pd.isna(row.value) else None  # type: ignore[arg-type]
        shown = "" if value is None else f"{value:,.4g}"
        lines.append(f"| {row.kpi_id} | {shown} |")
    return "\n".join(lines)
