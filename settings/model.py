"""The settings model: every key of ``funnel-ledger.yaml``, its default and its validation.

Ground floor of the project: assets, resources, the tracker and the CLI import it; it imports nothing of
theirs. A wrong value fails before any data moves, with a message naming the setting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from settings.cron import cron_problem, start_date_problem
from settings.defaults import DEFAULT_CHANNELS, DEFAULT_SCORECARD, DEFAULT_SOURCE_MAP, DEFAULT_STAGES
from settings.errors import SettingsError

DEFAULT_CONFIG_FILE = "funnel-ledger.yaml"
DEFAULT_CHANNEL_MAP = dict(DEFAULT_SOURCE_MAP)
GROUPS = ("Inbound", "Outbound")
# The stages whose KPIs the catalog names; a custom stage list must still contain them.
REQUIRED_STAGES = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")

# YAML reads `true` as a boolean, and pydantic's lax mode would take it as 1; a quoted "12" is text. Whole
# numbers and numbers are therefore strict (an int still passes as a number), and no number may be
# infinite or NaN (YAML's `.inf` and `.nan`).
WholeNumber = Annotated[int, Strict()]
Number = Annotated[float, Strict(), AllowInfNan(False)]
# An optional list given empty means nothing at all, which is never what was meant: say how to get "all".
EMPTY_LIST_ADVICE = {
    "pipelines": "leave it out for all pipelines, or list at least one pipeline id",
    "tracker_channels": "leave it out to show every slice, or list at least one of All, a group or a channel",
}


class ChannelRefinement(BaseModel):
    """Maps one ``hs_analytics_source`` + ``hs_analytics_source_data_1`` pair to a channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    data_1: str
    channel: str


class HubSpotSettings(BaseModel):
    """How the HubSpot mirror is kept in sync."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # A full listing catches what the weekly incremental cannot (records hard-deleted or purged from the
    # recycle bin between two runs); monthly by default. ``reconcile_every_days`` is its former name, still read.
    full_sync_every_days: WholeNumber = Field(
        28,
        ge=1,
        validation_alias=AliasChoices("full_sync_every_days", "reconcile_every_days"),
        description="full list pass that catches hard deletes (archives and merges are caught every run)",
    )
    requests_per_10s: WholeNumber = Field(100, ge=1, description="client pacing under the portal's burst limit")
    search_requests_per_second: WholeNumber = Field(4, ge=1, le=5, description="pacing under the 5/s search limit")


class AdsSettings(BaseModel):
    """LinkedIn Ads and Google Ads."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lookback_days: WholeNumber = Field(
        28, ge=0, le=90, description="recent days re-pulled every run (platforms restate)"
    )
    linkedin_channel: str = "Paid Social"
    google_ads_channel: str = "Paid Search"
    # The newest versions of resources/api_versions.py on 2026-12-03 (a test keeps the two equal).
    linkedin_api_version: str = Field("202608", pattern=r"^20\d{4}$")
    google_ads_api_version: str = Field("v26", pattern=r"^v\d{2}$")


class GA4Settings(BaseModel):
    """Google Analytics 4."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lookback_days: WholeNumber = Field(3, ge=0, le=30, description="recent days re-pulled every run")
    channel_map: dict[str, str] = Field(default_factory=dict, description="GA4 default channel group -> channel")
    scroll_depth_events: dict[Literal[25, 50, 75, 100], str] = Field(
        default_factory=dict, description="scroll depth percentage -> GA4 event name"
    )


class Settings(BaseModel):
    """The non-secret settings of ``funnel-ledger.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    week_start: Literal["monday", "sunday"] = "monday"
    start_date: date = date(2024, 1, 1)
    currency: str = "USD"
    refresh_weeks: WholeNumber = Field(12, ge=1, le=520)
    schedule_cron: str | None = Field(
        None, description="when the weekly run starts, in `timezone`; default 06:00 on the day after the week ends"
    )
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    channel_groups: dict[str, tuple[str, ...]] | None = None
    channel_map: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CHANNEL_MAP))
    channel_refinements: tuple[ChannelRefinement, ...] = ()
    stages: tuple[str, ...] = DEFAULT_STAGES
    pipelines: tuple[str, ...] | None = None
    deal_amount_basis: Literal["arr", "mrr", "one_time"] = "arr"
    tracker_channels: tuple[str, ...] | None = None
    scorecard: tuple[str, ...] = Field(DEFAULT_SCORECARD, description="kpi_ids on the Scorecard tab, in order")
    gross_margin: Number | None = Field(None, gt=0, le=1)
    monthly_churn_rate: Number | None = Field(None, gt=0, le=1)
    hubspot: HubSpotSettings = HubSpotSettings()
    ads: AdsSettings = AdsSettings()
    ga4: GA4Settings = GA4Settings()
    currency_rates: dict[str, Number] = Field(
        default_factory=dict, description="units of `currency` per 1 unit of a source's currency"
    )
    bad_records: Literal["quarantine", "stop"] = Field(
        "quarantine",
        description="a record a source sends that cannot be read: kept aside and named on Insights, or stop the run",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone name (e.g. 'Europe/Warsaw', 'UTC')") from None
        return value

    @field_validator("schedule_cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        problem = None if value is None else cron_problem(value)
        if problem:
            raise ValueError(f"'{value}' {problem}")
        return value

    @field_validator("start_date")
    @classmethod
    def _trackable_start(cls, value: date) -> date:
        problem = start_date_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def resolved_schedule_cron(self) -> str:
        """The weekly run's cron: the setting, else 06:00 on the first day of the next week."""
        return self.schedule_cron or f"0 6 * * {1 if self.week_start == 'monday' else 0}"

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not value.isupper():
            raise ValueError(f"'{value}' is not a 3-letter ISO 4217 currency code such as 'USD' or 'EUR'")
        return value

    @field_validator("channels", "stages", "tracker_channels", "pipelines", "scorecard")
    @classmethod
    def _unique_non_empty(cls, value: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError(EMPTY_LIST_ADVICE.get(info.field_name or "", "must list at least one entry"))
        duplicates = sorted({item for item in value if value.count(item) > 1})
        if duplicates:
            raise ValueError(f"lists {', '.join(duplicates)} more than once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        known = set(self.channels)
        if "Other" not in known:
            raise ValueError("channels: must contain 'Other' (where unmapped sources go)")
        groups = self.resolved_channel_groups()
        if set(groups) != set(GROUPS):
            raise ValueError(f"channel_groups: must define exactly the groups {' and '.join(GROUPS)}")
        seen: dict[str, str] = {}
        for group, members in groups.items():
            for channel in members:
                if channel not in known:
                    raise ValueError(f"channel_groups.{group}: '{channel}' is not one of channels")
                if channel in seen:
                    raise ValueError(f"channel_groups: '{channel}' is in both {seen[channel]} and {group}")
                seen[channel] = group
        ungrouped = [channel for channel in self.channels if channel not in seen]
        if ungrouped:
            raise ValueError(f"channel_groups: {', '.join(ungrouped)} belong to no group (Inbound or Outbound)")
        for source, channel in self.channel_map.items():
            if channel not in known:
                raise ValueError(f"channel_map.{source}: '{channel}' is not one of channels")
        for index, refinement in enumerate(self.channel_refinements):
            if refinement.channel not in known:
                raise ValueError(f"channel_refinements[{index}]: '{refinement.channel}' is not one of channels")
        missing = [stage for stage in REQUIRED_STAGES if stage not in self.stages]
        if missing:
            raise ValueError(f"stages: must include {', '.join(missing)} (the funnel KPIs are defined on them)")
        if self.tracker_channels is not None:
            slices = {"All", *GROUPS, *known}
            unknown = [name for name in self.tracker_channels if name not in slices]
            if unknown:
                raise ValueError(f"tracker_channels: {', '.join(unknown)} is not All, a group or a channel")
        for name, channel in (
            ("ads.linkedin_channel", self.ads.linkedin_channel),
            ("ads.google_ads_channel", self.ads.google_ads_channel),
            *((f"ga4.channel_map.{group}", channel) for group, channel in self.ga4.channel_map.items()),
        ):
            if channel not in known:
                raise ValueError(f"{name}: '{channel}' is not one of channels")
        for code, rate in self.currency_rates.items():
            if len(code) != 3 or not code.isupper() or not rate > 0:
                raise ValueError(f"currency_rates.{code}: needs a 3-letter currency code and a rate above 0")
        return self

    def resolved_channel_groups(self) -> dict[str, tuple[str, ...]]:
        """The channel groups, defaulting to Offline = Outbound and every other channel Inbound."""
        if self.channel_groups is not None:
            return dict(self.channel_groups)
        outbound = tuple(channel for channel in self.channels if channel == "Offline")
        inbound = tuple(channel for channel in self.channels if channel != "Offline")
        return {"Inbound": inbound, "Outbound": outbound}

    def slice_order(self) -> list[str]:
        """Every slice in tracker order: All, the groups, then each channel."""
        return ["All", *GROUPS, *self.channels]

    def as_fingerprint_inputs(self) -> dict[str, Any]:
        """The settings a KPI version fingerprint may read, by name (see KPIS.md §1 "Version")."""
        return {
            "timezone": self.timezone,
            "week_start": self.week_start,
            "currency": self.currency,
            "stages": list(self.stages),
            "channels": list(self.channels),
            "channel_map": {
                "map": dict(sorted(self.channel_map.items())),
                "refinements": [r.model_dump() for r in self.channel_refinements],
            },
            "channel_groups": {k: list(v) for k, v in sorted(self.resolved_channel_groups().items())},
            "pipelines": list(self.pipelines) if self.pipelines is not None else "all",
            "deal_amount_basis": self.deal_amount_basis,
            "gross_margin": self.gross_margin,
            "monthly_churn_rate": self.monthly_churn_rate,
            "ga4_channel_map": dict(sorted(self.ga4.channel_map.items())),
            "ad_platform_channels": self.ad_platform_channels(),
            "scroll_depth_events": {str(k): v for k, v in sorted(self.ga4.scroll_depth_events.items())},
            "currency_rates": dict(sorted(self.currency_rates.items())),
        }

    def ad_platform_channels(self) -> dict[str, str]:
        """Ad platform -> channel its spend and clicks belong to."""
        return {"linkedin": self.ads.linkedin_channel, "google_ads": self.ads.google_ads_channel}

    def rate_to_reporting(self, source: str, currency: str | None) -> float:
        """Multiplier from a source's currency to the reporting currency; fails clearly without a rate."""
        if currency is None or currency == self.currency:
            return 1.0
        if currency in self.currency_rates:
            return self.currency_rates[currency]
        raise SettingsError(
            f"setting 'currency_rates': {source} reports amounts in {currency} but the reporting currency is "
            f"{self.currency}; add `currency_rates: {{{currency}: <{self.currency} per 1 {currency}>}}` to "
            "funnel-ledger.yaml or set 'currency' to match"
        )


# Pydantic error types whose message does not say what was given; the value is added in YAML spelling.
_ECHO_INPUT = frozenset(
    {"literal_error", "string_pattern_mismatch", "int_type", "float_type", "finite_number", "string_type"}
)


def _as_yaml(value: Any) -> str:
    """A scalar as it was most likely written in the YAML file (``true``, ``.inf``, ``'text'``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    return repr(value)


def _format_validation_error(source: str, error: ValidationError) -> str:
    lines = [f"{source}: invalid settings, nothing was run:"]
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if not location and ": " in message:  # cross-field rules name their setting first
            location, message = message.split(": ", 1)
        if item["type"] == "extra_forbidden":
            message = "is not a known setting (check the spelling; see README 'Settings')"
        elif item["type"] in _ECHO_INPUT and not isinstance(item.get("input"), Mapping | list | tuple):
            message = f"{message} (got {_as_yaml(item.get('input'))})"
        lines.append(f"  - setting '{location}': {message}")
    return "\n".join(lines)


def parse_settings(raw: Mapping[str, Any] | None, *, source: str = DEFAULT_CONFIG_FILE) -> Settings:
    """Validate a settings mapping; raises :class:`SettingsError` naming every bad setting."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise SettingsError(f"{source}: must be a YAML mapping of settings (key: value), got {type(raw).__name__}")
    try:
        return Settings.model_validate(dict(raw))
    except ValidationError as error:
        raise SettingsError(_format_validation_error(source, error)) from None
