"""The weekly KPI mart: every catalog KPI per week and channel slice, computed from the warehouse."""

import os
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
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
from assets.keys import GA4_DAILY_KEY, GA4_WEEKLY_KEY, GOOGLE_ADS_KEY, LINKEDIN_KEY
from assets.kpi_checks import additivity_violations, duplicate_keys, quarantined_by_source, ratio_violations
from assets.kpi_math import (
    CATALOG_BY_ID,
    FunnelConfig,
    Insight,
    SourceRefinement,
    active_catalog,
    ad_spend_daily,
    archived_insights,
    compute_hubspot_kpis,
    deals_without_amount_insights,
    efficiency_kpis,
    ga4_sessions_by_week_channel,
    kpi_version,
    map_ga4_channel_groups,
    paid_kpis,
    paired_metric_insights,
    source_status_insights,
    spend_by_week_channel,
    timezone_mismatch_insights,
    unmapped_source_insights,
    unsettled_ads_insights,
    visit_to_lead_rate,
    web_kpis,
)
from assets.kpi_math.deal_currency import deals_in_reporting_currency
from assets.kpi_math.insights import (
    ANOMALY_TRAILING_WEEKS,
    TRAILING_WEEKS,
    ga4_quality_insights,
    implausible_amount_insights,
    implausible_date_insights,
    kpi_anomaly_insights,
    owner_tab_insights,
    quarantine_insights,
    ranked,
    stored_row,
    without_unpulled_weeks,
)
from assets.kpi_math.insights.silent_platforms import silent_platform_insights
from assets.kpi_math.web import weeks_with_rows, without_unpulled_web_weeks
from assets.radar import api_version_radar, legacy_property_radar, linkedin_token_radar
from resources.api_versions import versions_in_use
from resources.settings import SettingsResource
from resources.source_identity import guard_source
from resources.tracker import TrackerResource
from resources.warehouse import (
    WarehouseResource,
    read_source_inputs,
    replace_insight_weeks,
)
from resources.warehouse_read import kpi_weeks_hold, read_hubspot_inputs
from settings import Settings, SettingsError
from sheets_sync.owner_tabs import OwnerTabProblem, OwnerTabRules
from sheets_sync.units import format_number

KPIS_KEY = ["marts", "weekly_kpis"]
AS_OF_TAG = "funnel-ledger/as_of"
PLATFORM_NAMES = {"linkedin": "LinkedIn Ads", "google_ads": "Google Ads"}


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


def owner_tab_rules(settings: Settings) -> OwnerTabRules:
    """What a Targets or Costs row may name: the catalog's KPIs (and the configured scroll depths), and
    All, the groups and the channels of the settings."""
    return OwnerTabRules(
        kpi_ids=frozenset(kpi.kpi_id for kpi in active_catalog(settings.ga4.scroll_depth_events)),
        channels=tuple(settings.channels),
        groups=tuple(settings.resolved_channel_groups()),
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
    catalog = active_catalog(settings.ga4.scroll_depth_events)
    versions = {kpi.kpi_id: kpi_version(kpi, inputs) for kpi in catalog}
    out = values.copy()
    out["kpi_version"] = out["kpi_id"].map(versions)
    return out[["week_start", "kpi_id", "kpi_version", "channel", "value"]]


def ad_frame(ad_daily: pd.DataFrame, settings: Settings, currencies: dict[str, str | None]) -> pd.DataFrame:
    """Daily ad rows with spend converted to the reporting currency (fails clearly without a rate)."""
    frame = ad_daily.copy()
    rates = {
        platform: settings.rate_to_reporting(PLATFORM_NAMES.get(platform, platform), currency)
        for platform, currency in currencies.items()
    }
    frame["spend"] = frame["cost"] * frame["platform"].map(rates).fillna(1.0)
    return frame


def deal_frame(deals: pd.DataFrame, settings: Settings, company_currency: str | None) -> pd.DataFrame:
    """Deals with amounts in the reporting currency (fails clearly without a rate), like :func:`ad_frame`."""
    return deals_in_reporting_currency(
        deals,
        company_currency=company_currency,
        rate_to_reporting=settings.rate_to_reporting,
        pipelines=settings.pipelines,
    )


def ga4_frames(
    sources: dict[str, pd.DataFrame], settings: Settings, cfg: FunnelConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    daily = sources["ga4_daily"].copy()
    daily["channel"] = map_ga4_channel_groups(daily["channel_group"], settings.ga4.channel_map, cfg)
    events = sources["ga4_events"].copy()
    events["channel"] = map_ga4_channel_groups(events["channel_group"], settings.ga4.channel_map, cfg)
    return daily, sources["ga4_weekly"], events


def compute_weekly_kpis(
    inputs: dict[str, pd.DataFrame],
    *,
    settings: Settings,
    weeks: Sequence[date],
    as_of: pd.Timestamp,
    targets: pd.DataFrame,
    costs: pd.DataFrame | None = None,
    sources: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Every KPI of the catalog for the given weeks, versioned, in long form."""
    values, _ = compute_weekly_kpis_and_insights(
        inputs, settings=settings, weeks=weeks, as_of=as_of, targets=targets, costs=costs, sources=sources
    )
    return values


def compute_weekly_kpis_and_insights(
    inputs: dict[str, pd.DataFrame],
    *,
    settings: Settings,
    weeks: Sequence[date],
    as_of: pd.Timestamp,
    targets: pd.DataFrame,
    costs: pd.DataFrame | None = None,
    sources: dict[str, pd.DataFrame] | None = None,
    today: date | None = None,
    owner_problems: Sequence[OwnerTabProblem] = (),
) -> tuple[pd.DataFrame, list[Insight]]:
    """All KPIs (HubSpot, web, paid, efficiency) and the Insights rows for the given weeks, ranked.

    The eight weeks before the first one are computed too (and dropped): the anomaly notes compare each
    week with the 8 weeks before it, the paired-metric notes with the 4 before. ``owner_problems`` are the
    Targets and Costs rows the owner-tab validation left out; each is named on Insights.
    """
    cfg = funnel_config(settings)
    context = max(TRAILING_WEEKS, ANOMALY_TRAILING_WEEKS)
    context_weeks = [weeks[0] - timedelta(weeks=n) for n in range(context, 0, -1)] + list(weeks)
    status = _source_status(sources)
    configured = {name for name, row in status.items() if row["configured"]}
    # Deal money is converted here, once, before any KPI or note reads it.
    inputs = {
        **inputs,
        "deals": deal_frame(inputs["deals"], settings, _text(status.get("hubspot", {}).get("currency"))),
    }
    hubspot = compute_hubspot_kpis(
        contacts=inputs["contacts"],
        deals=inputs["deals"],
        deal_contacts=inputs["deal_contacts"],
        meetings=inputs["meetings"],
        pipeline_stages=inputs["pipeline_stages"],
        targets=targets,
        weeks=context_weeks,
        as_of=as_of,
        cfg=cfg,
    )
    platform_channels = {p: c for p, c in settings.ad_platform_channels().items() if p in configured}
    ads = (
        ad_frame(
            sources["ad_daily"][sources["ad_daily"]["platform"].isin(list(platform_channels))],
            settings,
            {p: _text(status[p]["currency"]) for p in platform_channels},
        )
        if sources is not None
        else None
    )
    ga4_daily, ga4_weekly, ga4_events = (
        ga4_frames(sources, settings, cfg) if sources is not None and "ga4" in configured else (None, None, None)
    )
    spend = spend_by_week_channel(
        ad_spend_daily(ads, platform_channels) if ads is not None else None,
        costs,
        context_weeks,
        cfg,
        ad_channels=platform_channels.values(),
    )
    parts = [
        hubspot,
        web_kpis(
            ga4_daily,
            ga4_weekly,
            ga4_events,
            context_weeks,
            cfg,
            scroll_depth_events={int(p): name for p, name in settings.ga4.scroll_depth_events.items()} or None,
        ),
        paid_kpis(ads, context_weeks, cfg, platform_channels=platform_channels),
        efficiency_kpis(hubspot, spend, cfg),
        visit_to_lead_rate(hubspot, ga4_sessions_by_week_channel(ga4_daily, context_weeks, cfg), cfg),
    ]
    everything = pd.concat([p for p in parts if len(p)], ignore_index=True)
    if ga4_daily is not None:
        everything = without_unpulled_web_weeks(everything, ga4_daily, ga4_events, cfg)
    pulled = {
        name: weeks_with_rows(frame, cfg)
        for name, frame in (("ga4", ga4_daily), ("ads", ads if platform_channels else None))
        if frame is not None
    }
    baseline = without_unpulled_weeks(everything, pulled, weeks)
    insights = _insights(baseline, inputs, settings, cfg, list(weeks), as_of, status, today, sources)
    insights += owner_tab_insights(owner_problems, weeks)
    if sources is not None:
        insights += silent_platform_insights(
            sources.get("ad_silent_days"), weeks, settings.week_start, platforms=platform_channels.keys()
        )
        insights += quarantine_insights(sources.get("quarantined_records"), weeks, sources=read_sources(status))
    requested = everything[everything["week_start"].isin(list(weeks))]
    return with_versions(requested, settings).reset_index(drop=True), ranked(insights)


def read_sources(status: dict[str, dict[str, object]]) -> set[str]:
    """The sources whose records count: HubSpot always, the others when configured."""
    return {"hubspot", *(name for name, row in status.items() if row["configured"])}


def _source_status(sources: dict[str, pd.DataFrame] | None) -> dict[str, dict[str, object]]:
    if sources is None or sources["source_status"].empty:
        return {}
    return {
        str(row["source"]): {str(k): v for k, v in row.items()} for row in sources["source_status"].to_dict("records")
    }


def _insights(
    kpis_long: pd.DataFrame,
    inputs: dict[str, pd.DataFrame],
    settings: Settings,
    cfg: FunnelConfig,
    weeks: list[date],
    as_of: pd.Timestamp,
    status: dict[str, dict[str, object]],
    today: date | None,
    sources: dict[str, pd.DataFrame] | None,
) -> list[Insight]:
    notes: list[Insight] = []
    notes += unmapped_source_insights(inputs["contacts"], weeks, as_of, cfg)
    notes += deals_without_amount_insights(inputs["deals"], weeks, as_of, cfg)
    notes += implausible_amount_insights(inputs["deals"], weeks, as_of, cfg)
    notes += implausible_date_insights(inputs["contacts"], inputs["deals"], weeks, as_of)
    notes += archived_insights(inputs["contacts"], inputs["deals"], weeks, meetings=inputs["meetings"])
    for source in ("linkedin", "google_ads", "ga4"):
        row = status.get(source)
        if row is None:
            continue
        if not row["configured"]:
            notes += source_status_insights(source, False, weeks, missing=_missing(str(row.get("detail") or "")))
            continue
        notes += timezone_mismatch_insights(source, _text(row.get("time_zone")), settings.timezone, weeks)
    ads_configured = [s for s in ("linkedin", "google_ads") if status.get(s, {}).get("configured")]
    if ads_configured:
        last_day = (today or date.today()) - timedelta(days=1)
        notes += unsettled_ads_insights(weeks, last_day, settings.ads.lookback_days, sources=ads_configured)
    if "ga4" in status and status["ga4"]["configured"] and sources is not None:
        notes += ga4_quality_insights(_ga4_report_flags(sources["ga4_weekly"]), weeks)
    notes += paired_metric_insights(kpis_long, weeks, cfg, currency=settings.currency)
    notes += kpi_anomaly_insights(kpis_long, weeks, cfg, currency=settings.currency)
    notes += _radar(inputs, settings, weeks[-1], status, today or date.today())
    return notes


def _radar(
    inputs: dict[str, pd.DataFrame], settings: Settings, week: date, status: dict[str, dict[str, object]], today: date
) -> list[Insight]:
    """The expiry radar, on the latest week: tokens, API versions, retired HubSpot properties."""
    notes = legacy_property_radar(inputs["contacts"], settings.stages, week)
    if status.get("linkedin", {}).get("configured"):
        created = os.environ.get("LINKEDIN_TOKEN_CREATED_AT", "").strip()
        try:
            created_at = date.fromisoformat(created) if created else None
        except ValueError:
            raise SettingsError(
                f"LINKEDIN_TOKEN_CREATED_AT={created!r}: must be the date the token was generated, YYYY-MM-DD"
            ) from None
        notes += linkedin_token_radar(created_at, today, week, configured=True)
    configured = {source: bool(status.get(source, {}).get("configured")) for source in ("linkedin", "google_ads")}
    in_use = versions_in_use(
        google_ads=settings.ads.google_ads_api_version if configured["google_ads"] else None,
        linkedin=settings.ads.linkedin_api_version if configured["linkedin"] else None,
        today=today,
    )
    notes += api_version_radar(in_use, week)
    return notes


def _ga4_report_flags(ga4_weekly: pd.DataFrame) -> pd.DataFrame:
    """One row per week-grain GA4 report (week × slice) with its quality flags, as the insight reads them."""
    return pd.DataFrame(
        {
            "week_start": ga4_weekly["week_start"],
            "subject_to_thresholding": ga4_weekly["thresholded"],
            "data_loss_from_other_row": ga4_weekly["data_loss_from_other_row"],
        }
    )


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _missing(detail: str) -> str | None:
    # "linkedin is not configured (A, B not set): ..." -> "A, B"
    if "(" in detail and " not set)" in detail:
        return detail.split("(", 1)[1].split(" not set)", 1)[0]
    return None


def build_weekly_kpis_asset(partitions: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        key=KPIS_KEY,
        group_name="kpis",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        deps=[MIRROR_KEY, LINKEDIN_KEY, GOOGLE_ADS_KEY, GA4_DAILY_KEY, GA4_WEEKLY_KEY],
        check_specs=[
            AssetCheckSpec("unique_keys", asset=KPIS_KEY),
            AssetCheckSpec("all_equals_groups_equals_channels", asset=KPIS_KEY),
            AssetCheckSpec("ratios_within_0_1", asset=KPIS_KEY),
            # Not blocking: the run goes on without the records; the check says they are missing.
            AssetCheckSpec(
                "no_records_quarantined",
                asset=KPIS_KEY,
                description="every record the sources sent could be read (none left out of the numbers)",
            ),
        ],
    )
    def weekly_kpis(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        tracker: TrackerResource,
        settings: SettingsResource,
    ) -> MaterializeResult:
        """Leading and lagging KPIs per week for All, Inbound, Outbound and every channel."""
        config = settings.load()
        weeks = [date.fromisoformat(key) for key in context.partition_keys]
        as_of = parse_as_of(context.run.tags.get(AS_OF_TAG))
        started = time.perf_counter()
        inputs = read_hubspot_inputs(warehouse, stage_property_names(config.stages))
        # Costs and Targets come from the tracker: another team's sheet must not feed this warehouse.
        guard_source(warehouse, tracker.source_identity(), context.log.info)
        owner = tracker.owner_tabs(owner_tab_rules(config))
        for problem in owner.problems:
            context.log.warning(f"{problem}; the row is left out of the numbers")
        sources = read_source_inputs(warehouse)
        values, insights = compute_weekly_kpis_and_insights(
            inputs,
            settings=config,
            weeks=weeks,
            as_of=as_of,
            targets=owner.targets,
            costs=owner.costs,
            sources=sources,
            owner_problems=owner.problems,
        )
        quarantined = quarantined_by_source(sources["quarantined_records"], read_sources(_source_status(sources)))
        # Values the warehouse already holds keep the run that computed them: an unchanged rerun writes nothing.
        held = kpi_weeks_hold(warehouse, values, weeks)
        written = (
            0
            if held
            else warehouse.replace_kpi_weeks(
                values, weeks, run_id=context.run_id, computed_at_ms=int(time.time() * 1000)
            )
        )
        noted = replace_insight_weeks(
            warehouse, [{**stored_row(note), "run_id": context.run_id} for note in insights], weeks
        )
        context.log.info(
            f"computed {len(values)} KPI values for {len(weeks)} weeks ({weeks[0]} to {weeks[-1]}) as of "
            f"{as_of.isoformat()} in {time.perf_counter() - started:.2f}s"
            + ("; the warehouse already held every one of them, left as it was" if held else "")
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
                "insights": noted,
                "owner_rows_left_out": len({(p.tab, p.row) for p in owner.problems}),
                "records_quarantined": sum(quarantined.values()),
                "contacts_in": len(inputs["contacts"]),
                "deals_in": len(inputs["deals"]),
                "preview": MetadataValue.md(_preview(values, weeks[-1], config.currency)),
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
                AssetCheckResult(
                    check_name="no_records_quarantined",
                    passed=not quarantined,
                    severity=AssetCheckSeverity.WARN,
                    metadata={"by_source": MetadataValue.json(quarantined)},
                ),
            ],
        )

    return weekly_kpis


def _preview(values: pd.DataFrame, week: date, currency: str) -> str:
    """The latest week's All values as a Markdown table, formatted by unit as on the tracker."""
    latest = values[(values["week_start"] == week) & (values["channel"] == "All")]
    lines = ["| KPI | value |", "|---|---|"]
    for row in latest.itertuples(index=False):
        value = float(row.value) if row.value is not None and not pd.isna(row.value) else None  # type: ignore[arg-type]
        kpi = CATALOG_BY_ID.get(str(row.kpi_id))
        shown = format_number(value, kpi.shown_unit if kpi else "", currency, empty="")
        lines.append(f"| {row.kpi_id} | {shown} |")
    return "\n".join(lines)
