"""What the tracker asset derives from the settings and the mirror besides the KPI values.

* :func:`tracker_row_slices`: the slices of each KPI a source can fill at all, so the Tracker has no row
  that can only ever be empty or 0 (web rows for a channel GA4 never maps to) and no row that can only
  repeat the one above it;
* :func:`cohort_maturity`: the age a cohort week needs before its numbers are read as final
  (:mod:`sheets_sync.maturity`), from the median lead → customer time in the HubSpot mirror;
* :func:`targets_validation`: the Targets tab's drop-down lists;
* :func:`inputs_fingerprint`: one hash of everything the tracker write is built from besides the tracker
  itself, so a run with the same inputs as the write the workbook holds can leave it unread.

Called by :mod:`assets.tracker`; pure apart from the frames passed in.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from assets.kpi_math import CATALOG, FunnelConfig, KpiDef, stage_entry_dates
from settings import Settings, SettingsError
from sheets_sync.insights_tab import InsightRow
from sheets_sync.maturity import NO_MATURITY, CohortMaturity
from sheets_sync.validation import TargetsValidation

ALL = "All"
# GA4's default channel groups (https://support.google.com/analytics/answer/9756891). A group named like
# one of our channels maps to it, every other one to Other, unless ga4.channel_map says otherwise.
GA4_DEFAULT_CHANNEL_GROUPS: tuple[str, ...] = (
    "Affiliates",
    "Audio",
    "Cross-network",
    "Direct",
    "Display",
    "Email",
    "Mobile Push Notifications",
    "Organic Search",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Paid Other",
    "Paid Search",
    "Paid Shopping",
    "Paid Social",
    "Paid Video",
    "Referral",
    "SMS",
    "Unassigned",
)
NS_PER_DAY = 86_400 * 10**9


def _ga4_channels(settings: Settings) -> set[str]:
    by_name = {channel.casefold(): channel for channel in settings.channels}
    reached = {by_name[group.casefold()] for group in GA4_DEFAULT_CHANNEL_GROUPS if group.casefold() in by_name}
    return reached | set(settings.ga4.channel_map.values()) | {"Other"}


def _hubspot_channels(settings: Settings) -> set[str]:
    return set(settings.channel_map.values()) | {r.channel for r in settings.channel_refinements} | {"Other"}


def _source_channels(kpi: KpiDef, settings: Settings) -> tuple[set[str] | None, bool]:
    """The channels a KPI's sources can fill (``None``: the computed values decide) and whether it has a
    single source (so a group holding every fillable channel repeats All exactly)."""
    if kpi.slices == "all_only":
        return set(), True
    if kpi.slices == "paid":
        return set(settings.ad_platform_channels().values()), True
    if kpi.slices == "spend" or (kpi.source == "mixed" and kpi.kpi_id != "visit_to_lead_rate"):
        return None, False
    if kpi.source == "ga4":
        return _ga4_channels(settings), True
    if kpi.kpi_id == "visit_to_lead_rate":
        return _hubspot_channels(settings) & _ga4_channels(settings), False
    return _hubspot_channels(settings), kpi.source in ("hubspot", "ads")


def tracker_row_slices(settings: Settings, catalog: Iterable[KpiDef] = CATALOG) -> dict[str, frozenset[str]]:
    """For each KPI, the slices that get a Tracker row (Snapshots keep every slice).

    A channel gets a row when a source of the KPI can map to it (HubSpot through ``channel_map``, GA4
    through its default channel groups and ``ga4.channel_map``, ad platforms through their channel); a
    group when one of its channels does. A group row is left out when it can only repeat All (a
    single-source KPI whose channels all sit in that group: web and paid media are all Inbound), and a
    channel row when it is its group's only channel (Offline is Outbound). LTV : CAC has no row until
    ``gross_margin`` and ``monthly_churn_rate`` are set. KPIs whose rows the computed values already limit
    (spend, most mixed ones) are not listed.
    """
    groups = settings.resolved_channel_groups()
    slices: dict[str, frozenset[str]] = {}
    for kpi in catalog:
        if kpi.kpi_id == "ltv_to_cac" and (settings.gross_margin is None or settings.monthly_churn_rate is None):
            slices[kpi.kpi_id] = frozenset()  # empty until both inputs are set: no row at all
            continue
        channels, single_source = _source_channels(kpi, settings)
        if channels is None:
            continue
        filled_groups = {group for group, members in groups.items() if channels & set(members)}
        rows = {ALL}
        if not (single_source and len(filled_groups) == 1 and channels <= set(groups[next(iter(filled_groups))])):
            rows |= filled_groups
        for group, members in groups.items():
            shown_under_group = group in rows
            for channel in members:
                if channel in channels and not (shown_under_group and len(members) == 1):
                    rows.add(channel)
        slices[kpi.kpi_id] = frozenset(rows)
    return slices


def cohort_maturity(contacts: pd.DataFrame, cfg: FunnelConfig, as_of: pd.Timestamp) -> CohortMaturity:
    """The cohort maturity age: the median days from lead to customer of the contacts that became customers.

    Contacts that skipped the lead stage count from the earliest later stage (the funnel's own stage rule,
    :func:`assets.kpi_math.stage_entry_dates`). Without any customer yet, every complete week is mature.

    Raises:
        SettingsError: The configured stages lack ``lead`` or ``customer`` (the settings model requires both).
    """
    if "lead" not in cfg.stages or "customer" not in cfg.stages:
        raise SettingsError("setting 'stages': must include lead and customer (the cohort maturity rule uses them)")
    if contacts.empty:
        return NO_MATURITY
    dates = stage_entry_dates(contacts, cfg, as_of)
    lead = dates["lead"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    customer = dates["customer"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    nat = np.iinfo(np.int64).min
    both = (lead != nat) & (customer != nat)
    lags = (customer[both] - lead[both]) / NS_PER_DAY
    if not len(lags):
        return NO_MATURITY
    median = max(0.0, float(np.median(lags)))
    return CohortMaturity(math.ceil(median), f"median lead → customer time of {len(lags):,} customers")


def targets_validation(settings: Settings, catalog: Iterable[KpiDef] = CATALOG) -> TargetsValidation:
    """The Targets tab's lists: the catalog's KPI ids and every slice."""
    return TargetsValidation(tuple(kpi.kpi_id for kpi in catalog), tuple(settings.slice_order()))


def check_scorecard(settings: Settings, known: Iterable[str]) -> list[str]:
    """The ``scorecard`` setting's KPIs, refusing one the catalog does not know.

    Raises:
        SettingsError: A listed id is not a KPI, named with what to do.
    """
    ids = set(known)
    unknown = [kpi_id for kpi_id in settings.scorecard if kpi_id not in ids]
    if unknown:
        raise SettingsError(
            f"setting 'scorecard': {', '.join(repr(k) for k in unknown)} is not a KPI id; use the kpi_id column "
            "of the Definitions tab (e.g. new_mqls, cost_per_lead)"
        )
    return list(settings.scorecard)


# The KPI values' columns the tracker shows and keeps; which run computed a value, and when, is not shown.
_VALUE_KEYS = ("week_start", "kpi_id", "kpi_version", "channel")
# The packages whose code turns the inputs into the workbook: an upgrade, or any edit to them, is a new input.
_TRACKER_CODE = ("assets", "resources", "settings", "sheets_sync")


@cache
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in _TRACKER_CODE:
        for source in sorted((root / package).rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(
    values: pd.DataFrame,
    insights: Sequence[InsightRow],
    settings: Settings,
    weeks: Sequence[date],
    as_of: pd.Timestamp,
    maturity: CohortMaturity,
) -> str:
    """A hash of everything the tracker step builds its write from, apart from the tracker itself: the KPI
    values (to the bit), the Insights rows, the settings, the run's weeks and as-of instant, the cohort
    maturity, and the code that lays them out. Equal fingerprints give the same write."""
    digest = hashlib.sha256()
    for part in (_code_fingerprint(), settings.model_dump_json(), repr([w.isoformat() for w in weeks])):
        digest.update(part.encode())
    digest.update(f"{as_of.isoformat()}|{maturity!r}|{len(values)}".encode())
    # A 64-bit hash per row of the value's key (pandas' own, the same in every process), and the values' bits.
    digest.update(pd.util.hash_pandas_object(values.loc[:, list(_VALUE_KEYS)], index=False).to_numpy().tobytes())
    digest.update(values["value"].to_numpy(dtype="float64", na_value=np.nan).tobytes())
    digest.update(repr(list(insights)).encode())
    return digest.hexdigest()
