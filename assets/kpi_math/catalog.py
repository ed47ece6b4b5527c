"""The KPI catalog of KPIS.md §3: ids, names, units, types, directions and plain-language definitions.

A declarative table of :class:`~.kpi_def.KpiDef` rows (the type and the version fingerprint live in
``kpi_def``); read through ``assets.kpi_math`` by the KPI functions, the weekly KPI and tracker assets.
"""

from __future__ import annotations

from collections.abc import Iterable

from .kpi_def import SCROLL_DEPTHS, Direction, KpiDef, KpiType, Section, ShownUnit, Slices, Source, Unit

# Settings keys (the names settings/model.py exposes for fingerprints; GA4/ads keys are read with
# .get, so a deployment without them fingerprints them as null).
_BUCKET = ("timezone", "week_start")
_HS = (*_BUCKET, "channel_map", "channel_groups")
_GA4 = (*_BUCKET, "ga4_channel_map", "channel_groups")
_ADS = (*_BUCKET, "ad_platform_channels", "channel_groups")
_FUNNEL = (*_HS, "stages")
_DEALS = (*_HS, "pipelines")
_DEALS_CCY = (*_DEALS, "currency")
_SPEND = (*_BUCKET, "channel_map", "channel_groups", "ad_platform_channels", "currency")

_NO_SOURCE_BLANK = (
    "Blank, not 0, in a week the slice has no spend source: no ad platform mapped to any of its channels "
    "and no Costs row covering a day of that week (a cost that was not entered is unknown, not free)."
)
_WEEK = "The week runs from its first day 00:00 to the next week's first day 00:00 in the reporting time zone."
_AS_OF = "Events dated after the run's as-of instant are ignored."
_DEAL_SCOPE = (
    "Deals of the configured pipelines (default: all), archived deals excluded; a deal's channel is its own "
    "original source, else the channel of its earliest-created associated contact, else Other."
)
_AMOUNT = (
    "Amount = the amount in the reporting currency (amount in home currency when present, else amount); "
    "a deal without an amount counts with 0."
)
_WON = (
    "Won = HubSpot's 'is closed won' flag (or, when that flag is missing, a stage the pipeline marks closed "
    "with probability 100%); lost = closed and not won; the close date dates the close, a close dated "
    "after the as-of instant does not count yet, and a closed deal without a close date counts in no week."
)
_STAGE = (
    "A contact enters a stage on its 'date entered' for that stage (legacy 'became a ... date' when "
    "missing); a contact that skipped the stage counts as entering it on the earliest date of a later "
    "stage; a contact sitting in a stage with no date for it or any later stage counts from its create "
    "date. Archived contacts are excluded."
)


def _k(
    kpi_id: str,
    name: str,
    section: Section,
    kpi_type: KpiType,
    unit: Unit,
    direction: Direction,
    definition: str,
    settings_read: tuple[str, ...],
    slices: Slices,
    source: Source,
    definition_number: int = 1,
    shown_as: ShownUnit | None = None,
) -> KpiDef:
    return KpiDef(
        kpi_id=kpi_id,
        name=name,
        section=section,
        kpi_type=kpi_type,
        unit=unit,
        direction=direction,
        definition=definition,
        definition_number=definition_number,
        settings_read=settings_read,
        slices=slices,
        source=source,
        shown_as=shown_as,
    )


def _stage_count(kpi_id: str, name: str, stage_label: str, section: Section, kpi_type: KpiType) -> KpiDef:
    return _k(
        kpi_id,
        name,
        section,
        kpi_type,
        "count",
        "up",
        f"Contacts that entered the {stage_label} stage in the week, whatever their create date "
        f"(flow view). {_STAGE} {_WEEK} {_AS_OF}",
        _FUNNEL,
        "all",
        "hubspot",
    )


def _cohort_count(kpi_id: str, name: str, stage_label: str) -> KpiDef:
    return _k(
        kpi_id,
        name,
        "Funnel (cohort)",
        "leading",
        "count",
        "up",
        f"Of the contacts created in the week, those that had reached {stage_label} (or a later stage) by "
        f"the as-of instant. Recent weeks keep rising as contacts progress. {_STAGE}",
        _FUNNEL,
        "all",
        "hubspot",
    )


def _cohort_ratio(kpi_id: str, name: str, numerator: str, denominator: str) -> KpiDef:
    return _k(
        kpi_id,
        name,
        "Funnel (cohort)",
        "leading",
        "ratio",
        "up",
        f"{numerator} ÷ {denominator} for the contacts created in the week, as of the run; never above 100% "
        "because a later stage implies the earlier ones. Empty when the denominator is 0.",
        _FUNNEL,
        "all",
        "hubspot",
    )


CATALOG: tuple[KpiDef, ...] = (
    # ---- Web (GA4) ----
    _k(
        "sessions",
        "Sessions",
        "Web",
        "leading",
        "count",
        "up",
        "GA4 sessions whose date falls in the week (dates as the GA4 property reports them).",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "users",
        "Users",
        "Web",
        "leading",
        "count",
        "up",
        "GA4 total users of the week, asked from GA4 for exactly this week and slice; users are not "
        "additive, so channel rows need not add up to All.",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "new_users",
        "New users",
        "Web",
        "leading",
        "count",
        "up",
        "GA4 new users of the week: distinct users whose first visit falls in the week and slice, asked from "
        "GA4 at week grain (not additive).",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "engaged_sessions",
        "Engaged sessions",
        "Web",
        "leading",
        "count",
        "up",
        "GA4 engaged sessions in the week.",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "engagement_rate",
        "Engagement rate",
        "Web",
        "leading",
        "ratio",
        "up",
        "Engaged sessions ÷ sessions in the week (bounce rate = 100% minus this). Empty without sessions.",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "avg_session_duration_s",
        "Avg. session duration",
        "Web",
        "leading",
        "seconds",
        "up",
        "GA4 average session duration of the week in seconds, asked from GA4 at week grain per slice.",
        _GA4,
        "all",
        "ga4",
    ),
    _k(
        "pageviews_per_session",
        "Pages per session",
        "Web",
        "leading",
        "ratio",
        "up",
        "GA4 page and screen views ÷ sessions in the week. Empty without sessions.",
        _GA4,
        "all",
        "ga4",
        shown_as="multiple",
    ),
    _k(
        "key_events",
        "Key events",
        "Web",
        "leading",
        "count",
        "up",
        "GA4 key events (the events marked as key events in GA4) in the week.",
        _GA4,
        "all",
        "ga4",
    ),
    # ---- Paid media ----
    _k(
        "ad_impressions",
        "Ad impressions",
        "Paid media",
        "leading",
        "count",
        "up",
        "Sum of daily ad impressions (LinkedIn Ads, Google Ads) with date in the week, dates as each ad "
        "account reports them.",
        _ADS,
        "paid",
        "ads",
    ),
    _k(
        "ad_clicks",
        "Ad clicks",
        "Paid media",
        "leading",
        "count",
        "up",
        "Sum of daily ad clicks with date in the week.",
        _ADS,
        "paid",
        "ads",
    ),
    _k(
        "ad_spend",
        "Ad spend",
        "Paid media",
        "leading",
        "currency",
        "down",
        "Ad spend with date in the week: LinkedIn cost in local currency plus Google Ads cost "
        "(cost micros ÷ 1,000,000); 0 when nothing was spent.",
        (*_ADS, "currency"),
        "paid",
        "ads",
    ),
    _k(
        "ad_conversions",
        "Platform conversions",
        "Paid media",
        "leading",
        "count",
        "up",
        "Conversions the ad platforms report in the week: LinkedIn website conversions plus Google Ads "
        "conversions (may be fractional).",
        _ADS,
        "paid",
        "ads",
    ),
    _k(
        "ad_platform_leads",
        "Lead-form leads",
        "Paid media",
        "leading",
        "count",
        "up",
        "LinkedIn lead-gen form leads (one-click leads) in the week.",
        _ADS,
        "paid",
        "ads",
    ),
    _k(
        "ad_ctr",
        "CTR",
        "Paid media",
        "leading",
        "ratio",
        "up",
        "Ad clicks ÷ ad impressions in the week. Empty without impressions.",
        _ADS,
        "paid",
        "ads",
    ),
    _k(
        "ad_cpc",
        "CPC",
        "Paid media",
        "leading",
        "currency",
        "down",
        "Ad spend ÷ ad clicks in the week. Empty without clicks.",
        (*_ADS, "currency"),
        "paid",
        "ads",
    ),
    _k(
        "ad_cpm",
        "CPM",
        "Paid media",
        "leading",
        "currency",
        "down",
        "1,000 × ad spend ÷ ad impressions in the week. Empty without impressions.",
        (*_ADS, "currency"),
        "paid",
        "ads",
    ),
    # ---- Funnel (flow) ----
    _k(
        "new_contacts",
        "New contacts",
        "Funnel (flow)",
        "leading",
        "count",
        "up",
        f"HubSpot contacts created in the week; archived contacts excluded. {_WEEK} {_AS_OF}",
        _HS,
        "all",
        "hubspot",
    ),
    _stage_count("new_leads", "New leads", "lead", "Funnel (flow)", "leading"),
    _stage_count("new_mqls", "New MQLs", "marketing qualified lead", "Funnel (flow)", "leading"),
    _stage_count("new_sqls", "New SQLs", "sales qualified lead", "Funnel (flow)", "leading"),
    _stage_count("new_opportunities", "New opportunities", "opportunity", "Funnel (flow)", "leading"),
    _k(
        "visit_to_lead_rate",
        "Visit → lead rate",
        "Funnel (flow)",
        "leading",
        "ratio",
        "up",
        "New leads (HubSpot, flow view) ÷ GA4 sessions of the same week and slice. Empty without GA4 data "
        "or when there were no sessions.",
        (*_FUNNEL, "ga4_channel_map"),
        "all",
        "mixed",
    ),
    _k(
        "meetings_booked",
        "Meetings booked",
        "Funnel (flow)",
        "leading",
        "count",
        "up",
        "HubSpot meetings created in the week whose outcome is not Canceled (a meeting without an outcome "
        f"counts); archived meetings excluded. Channel All only. {_WEEK} {_AS_OF}",
        _BUCKET,
        "all_only",
        "hubspot",
    ),
    # ---- Funnel (cohort) ----
    _cohort_count("cohort_leads", "Cohort: reached lead", "lead"),
    _cohort_count("cohort_mqls", "Cohort: reached MQL", "marketing qualified lead"),
    _cohort_count("cohort_sqls", "Cohort: reached SQL", "sales qualified lead"),
    _cohort_count("cohort_opportunities", "Cohort: reached opportunity", "opportunity"),
    _cohort_count("cohort_customers", "Cohort: reached customer", "customer"),
    _cohort_ratio("cohort_contact_to_lead", "Cohort contact → lead", "Cohort leads", "new contacts"),
    _cohort_ratio("cohort_lead_to_mql", "Cohort lead → MQL", "Cohort MQLs", "cohort leads"),
    _cohort_ratio("cohort_mql_to_sql", "Cohort MQL → SQL", "Cohort SQLs", "cohort MQLs"),
    _cohort_ratio("cohort_sql_to_opportunity", "Cohort SQL → opportunity", "Cohort opportunities", "cohort SQLs"),
    _cohort_ratio(
        "cohort_opportunity_to_customer",
        "Cohort opportunity → customer",
        "Cohort customers",
        "cohort opportunities",
    ),
    _cohort_ratio("cohort_contact_to_customer", "Cohort contact → customer", "Cohort customers", "new contacts"),
    # ---- Pipeline & revenue ----
    _k(
        "new_deals",
        "New deals",
        "Pipeline & revenue",
        "leading",
        "count",
        "up",
        f"Deals created in the week (with or without an amount). {_DEAL_SCOPE} {_WEEK} {_AS_OF}",
        _DEALS,
        "all",
        "hubspot",
    ),
    _k(
        "pipeline_created",
        "Pipeline created",
        "Pipeline & revenue",
        "leading",
        "currency",
        "up",
        "Sum of the amounts of deals created in the week; the Inbound row is marketing-sourced pipeline. "
        f"0 when no deal was created. {_AMOUNT} {_DEAL_SCOPE}",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    _k(
        "marketing_share_of_pipeline",
        "Marketing share of pipeline",
        "Pipeline & revenue",
        "leading",
        "ratio",
        "up",
        "Pipeline created by Inbound deals ÷ pipeline created by all deals in the week (channel All only). "
        "Empty when no pipeline was created.",
        _DEALS,
        "all_only",
        "hubspot",
    ),
    _k(
        "open_pipeline",
        "Open pipeline",
        "Pipeline & revenue",
        "leading",
        "currency",
        "up",
        "Sum of the current amounts of deals created before the week's end and not closed by the week's end "
        "(closed = currently closed with a close date before the week's end). An open deal whose close date "
        "has passed is still open; a closed deal with no close date is never counted as open. "
        f"{_AMOUNT} {_DEAL_SCOPE} {_AS_OF}",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    _k(
        "weighted_pipeline",
        "Weighted pipeline",
        "Pipeline & revenue",
        "leading",
        "currency",
        "up",
        "The open-pipeline deals, each amount × its current stage probability (the pipeline stage's "
        "probability, else the deal's stage probability, else 0).",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    _k(
        "pipeline_coverage",
        "Pipeline coverage",
        "Pipeline & revenue",
        "leading",
        "ratio",
        "up",
        "Open pipeline at the week's end whose close date falls in the calendar quarter (reporting time "
        "zone) containing the week's last day ÷ that quarter's Revenue won target for the same slice "
        "(Targets tab). "
        "The quarter's target is the sum of the Revenue won targets of the slice, each prorated by the days "
        "of its period that fall inside the quarter ÷ the days of its period. Empty without a target.",
        _DEALS_CCY,
        "all",
        "hubspot",
        shown_as="multiple",
    ),
    _stage_count("new_customers", "New customers", "customer", "Pipeline & revenue", "lagging"),
    _k(
        "lead_to_customer_rate",
        "Lead → customer rate",
        "Pipeline & revenue",
        "lagging",
        "ratio",
        "up",
        "New customers ÷ new leads of the same week (flow view, not a cohort). Empty without new leads.",
        _FUNNEL,
        "all",
        "hubspot",
    ),
    _k(
        "deals_won",
        "Deals won",
        "Pipeline & revenue",
        "lagging",
        "count",
        "up",
        f"Won deals with close date in the week (with or without an amount). {_WON} {_DEAL_SCOPE}",
        _DEALS,
        "all",
        "hubspot",
    ),
    _k(
        "deals_lost",
        "Deals lost",
        "Pipeline & revenue",
        "lagging",
        "count",
        "down",
        f"Lost deals with close date in the week. {_WON} {_DEAL_SCOPE}",
        _DEALS,
        "all",
        "hubspot",
    ),
    _k(
        "revenue_won",
        "Revenue won",
        "Pipeline & revenue",
        "lagging",
        "currency",
        "up",
        f"Sum of the amounts of deals won in the week; 0 when none. {_AMOUNT} {_WON}",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    _k(
        "win_rate",
        "Win rate",
        "Pipeline & revenue",
        "lagging",
        "ratio",
        "up",
        "Deals won ÷ (deals won + deals lost) in the week. Empty when no deal closed.",
        _DEALS,
        "all",
        "hubspot",
    ),
    _k(
        "avg_deal_size",
        "Average deal size",
        "Pipeline & revenue",
        "lagging",
        "currency",
        "up",
        "Revenue won ÷ deals won in the week; deals without an amount count with 0 (a week whose only won "
        "deal has no amount shows 0). Empty when no deal was won.",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    _k(
        "avg_sales_cycle_days",
        "Average sales cycle",
        "Pipeline & revenue",
        "lagging",
        "days",
        "down",
        "Mean of (close date − create date) over deals won in the week, exact elapsed time in days "
        "(seconds ÷ 86,400). Empty when no deal was won.",
        _DEALS,
        "all",
        "hubspot",
    ),
    _k(
        "new_mrr",
        "New MRR",
        "Pipeline & revenue",
        "lagging",
        "currency",
        "up",
        "Sum over deals won in the week of the deal's MRR when it is present and above 0, else: amount ÷ 12 "
        "when deal amounts are annual (arr, default), the amount when they are monthly (mrr), nothing when "
        "they are one-time (one_time: only deals with an MRR above 0 contribute). 0 when none.",
        (*_DEALS_CCY, "deal_amount_basis"),
        "all",
        "hubspot",
    ),
    _k(
        "sales_velocity",
        "Sales velocity",
        "Pipeline & revenue",
        "leading",
        "currency_per_day",
        "up",
        "(Number of open deals at the week's end × win rate × average deal size) ÷ average sales cycle in "
        "days, the last three over the deals closed in the 13 weeks ending with this week. Empty when no "
        "deal was won in those 13 weeks or the average cycle is not above 0.",
        _DEALS_CCY,
        "all",
        "hubspot",
    ),
    # ---- Efficiency ----
    _k(
        "total_spend",
        "Marketing spend",
        "Efficiency",
        "leading",
        "currency",
        "down",
        "Ad spend of the platforms mapped to the slice plus the other costs of the Costs tab, each cost "
        "spread evenly over the days of its period, with date in the week. Only slices with an ad platform "
        "or a Costs row have a row. " + _NO_SOURCE_BLANK + " A Costs row naming no channel of the taxonomy "
        "(or a group) is reported on Insights and counts nowhere.",
        _SPEND,
        "spend",
        "mixed",
    ),
    _k(
        "cost_per_lead",
        "Cost per lead (CPL)",
        "Efficiency",
        "leading",
        "currency",
        "down",
        "Marketing spend ÷ new leads of the same week and slice (for All: all spend over all new leads, "
        "organic and outbound included). Empty without new leads. " + _NO_SOURCE_BLANK,
        (*_SPEND, "stages"),
        "spend",
        "mixed",
    ),
    _k(
        "cost_per_mql",
        "Cost per MQL",
        "Efficiency",
        "leading",
        "currency",
        "down",
        "Marketing spend ÷ new MQLs of the same week and slice. Empty without new MQLs. " + _NO_SOURCE_BLANK,
        (*_SPEND, "stages"),
        "spend",
        "mixed",
    ),
    _k(
        "cost_per_opportunity",
        "Cost per opportunity (SQO)",
        "Efficiency",
        "leading",
        "currency",
        "down",
        "Marketing spend ÷ new opportunities (contacts entering the opportunity stage) of the same week and "
        "slice. Empty without new opportunities. " + _NO_SOURCE_BLANK,
        (*_SPEND, "stages"),
        "spend",
        "mixed",
    ),
    _k(
        "cac",
        "Customer acquisition cost",
        "Efficiency",
        "lagging",
        "currency",
        "down",
        "Marketing spend ÷ new customers (contacts entering the customer stage, not deals won) of the same "
        "week and slice. Empty without new customers. " + _NO_SOURCE_BLANK,
        (*_SPEND, "stages"),
        "spend",
        "mixed",
    ),
    _k(
        "marketing_roi",
        "Marketing ROI",
        "Efficiency",
        "lagging",
        "ratio",
        "up",
        "(Revenue won − marketing spend) ÷ marketing spend of the same week and slice; the All row uses the "
        "Inbound (marketing-sourced) revenue won. Empty without spend. " + _NO_SOURCE_BLANK,
        (*_SPEND, "pipelines"),
        "spend",
        "mixed",
    ),
    _k(
        "ltv_to_cac",
        "LTV : CAC",
        "Efficiency",
        "lagging",
        "ratio",
        "up",
        "Optional: needs gross margin and monthly churn rate. LTV = (new MRR ÷ new customers) × gross margin "
        "÷ monthly churn rate; the KPI is LTV ÷ CAC for the same week and slice. Empty when either input is "
        "not configured or a denominator is 0. " + _NO_SOURCE_BLANK,
        (*_SPEND, "stages", "pipelines", "deal_amount_basis", "gross_margin", "monthly_churn_rate"),
        "spend",
        "mixed",
        shown_as="multiple",
    ),
)


def scroll_depth_kpi(p: int) -> KpiDef:
    """The optional GA4 scroll-depth KPI for ``p`` percent (25, 50, 75 or 100).

    Args:
        p: Scroll depth percentage.

    Returns:
        The ``scroll_depth_<p>`` definition.

    Raises:
        ValueError: If ``p`` is not one of 25, 50, 75, 100.
    """
    if p not in SCROLL_DEPTHS:
        raise ValueError(f"scroll depth must be one of {SCROLL_DEPTHS}, got {p!r}")
    return _k(
        f"scroll_depth_{p}",
        f"Scroll depth {p}%",
        "Web",
        "leading",
        "count",
        "up",
        f"Optional: GA4 count of the event configured for {p}% scroll depth in the week; absent when no "
        "event is configured.",
        (*_GA4, "scroll_depth_events"),
        "all",
        "ga4",
    )


def active_catalog(scroll_depths: Iterable[int] = ()) -> tuple[KpiDef, ...]:
    """The catalog as a run uses it: every KPI, in catalog order, with the optional ones the settings switch on.

    Args:
        scroll_depths: The percentages of ``ga4.scroll_depth_events``; each adds its ``scroll_depth_<p>`` KPI.
    """
    optional = [scroll_depth_kpi(p) for p in sorted(set(scroll_depths))]
    return tuple(sorted((*CATALOG, *optional), key=lambda kpi: CATALOG_POSITION[kpi.kpi_id]))


CATALOG_BY_ID: dict[str, KpiDef] = {k.kpi_id: k for k in CATALOG}

_ORDER: list[str] = []
for _kpi in CATALOG:
    _ORDER.append(_kpi.kpi_id)
    if _kpi.kpi_id == "key_events":
        _ORDER.extend(f"scroll_depth_{p}" for p in SCROLL_DEPTHS)
CATALOG_POSITION: dict[str, int] = {kpi_id: i for i, kpi_id in enumerate(_ORDER)}
"""Catalog order of every kpi_id, the optional scroll-depth KPIs placed right after ``key_events``."""
