"""The settings the KPI math needs, as one frozen, validated value (no file reading here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from settings.defaults import DEFAULT_CHANNELS, DEFAULT_SOURCE_MAP, DEFAULT_STAGES

WeekStart = Literal["monday", "sunday"]
AmountBasis = Literal["arr", "mrr", "one_time"]

ALL = "All"
OTHER = "Other"


def default_channel_groups(channels: tuple[str, ...] = DEFAULT_CHANNELS) -> dict[str, tuple[str, ...]]:
    """KPIS.md default groups: ``Offline`` is Outbound, every other channel Inbound.

    Args:
        channels: The channel taxonomy.

    Returns:
        ``{"Inbound": (...), "Outbound": (...)}`` in taxonomy order.
    """
    return {
        "Inbound": tuple(c for c in channels if c != "Offline"),
        "Outbound": tuple(c for c in channels if c == "Offline"),
    }


@dataclass(frozen=True)
class SourceRefinement:
    """Maps one (``hs_analytics_source``, ``hs_analytics_source_data_1``) pair to a channel.

    Both values match exactly but case-insensitively; a matching refinement wins over the source map.
    """

    source: str
    source_data_1: str
    channel: str


@dataclass(frozen=True)
class FunnelConfig:
    """Everything the pure KPI functions read from the settings.

    Attributes:
        timezone: IANA reporting time zone; HubSpot instants are bucketed by their local date there.
        week_start: First day of a reporting week.
        stages: Ordered funnel stages (HubSpot lifecycle internal values).
        channels: The channel taxonomy; must contain ``Other``.
        channel_groups: Group name -> member channels; the groups must partition ``channels``.
        source_map: ``hs_analytics_source`` (case-insensitive) -> channel.
        source_refinements: Exact (source, source_data_1) overrides of ``source_map``.
        pipelines: Deal pipeline ids to keep; ``None`` keeps every pipeline.
        deal_amount_basis: What a deal amount means, for ``new_mrr``.
        gross_margin: Optional fraction for ``ltv_to_cac``.
        monthly_churn_rate: Optional fraction for ``ltv_to_cac``.
    """

    timezone: str = "UTC"
    week_start: WeekStart = "monday"
    stages: tuple[str, ...] = DEFAULT_STAGES
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    channel_groups: Mapping[str, tuple[str, ...]] = field(default_factory=default_channel_groups)
    source_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SOURCE_MAP))
    source_refinements: tuple[SourceRefinement, ...] = ()
    pipelines: tuple[str, ...] | None = None
    deal_amount_basis: AmountBasis = "arr"
    gross_margin: float | None = None
    monthly_churn_rate: float | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: '{self.timezone}' is not an IANA time zone name") from None
        if self.week_start not in ("monday", "sunday"):
            raise ValueError(f"week_start: must be 'monday' or 'sunday', got {self.week_start!r}")
        if self.deal_amount_basis not in ("arr", "mrr", "one_time"):
            raise ValueError(f"deal_amount_basis: must be arr, mrr or one_time, got {self.deal_amount_basis!r}")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels: a channel is listed twice")
        if OTHER not in self.channels:
            raise ValueError("channels: must contain 'Other' (where unmapped sources go)")
        # The additivity identity All = sum of groups = sum of channels needs a partition.
        seen: dict[str, str] = {}
        for group, members in self.channel_groups.items():
            if group == ALL or group in self.channels:
                raise ValueError(f"channel_groups: group name '{group}' collides with a slice name")
            for channel in members:
                if channel not in self.channels:
                    raise ValueError(f"channel_groups.{group}: '{channel}' is not one of channels")
                if channel in seen:
                    raise ValueError(f"channel_groups: '{channel}' is in both {seen[channel]} and {group}")
                seen[channel] = group
        ungrouped = [c for c in self.channels if c not in seen]
        if ungrouped:
            raise ValueError(f"channel_groups: {', '.join(ungrouped)} belong to no group")
        for source, channel in self.source_map.items():
            if channel not in self.channels:
                raise ValueError(f"source_map.{source}: '{channel}' is not one of channels")
        for refinement in self.source_refinements:
            if refinement.channel not in self.channels:
                raise ValueError(f"source_refinements: '{refinement.channel}' is not one of channels")
        for name, value in (
            ("gross_margin", self.gross_margin),
            ("monthly_churn_rate", self.monthly_churn_rate),
        ):
            if value is not None and not value > 0:
                raise ValueError(f"{name}: must be > 0 when set, got {value!r}")

    @property
    def groups(self) -> tuple[str, ...]:
        """Group names in configuration order."""
        return tuple(self.channel_groups)

    @property
    def slices(self) -> tuple[str, ...]:
        """Every slice in output order: ``All``, each group, each channel."""
        return (ALL, *self.groups, *self.channels)
