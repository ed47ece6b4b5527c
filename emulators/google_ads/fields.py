"""The Google Ads emulator's report model: every selectable GAQL field of ``campaign`` and its JSON encoding.

Used by the GAQL parser (field lookup), the fixture loader (metric parsing) and the report (row rendering).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

JSON = dict[str, Any]
Kind = Literal["int64", "double", "string", "enum", "date"]
Category = Literal["attribute", "segment", "metric"]


@dataclass(frozen=True)
class GaqlField:
    """One selectable GAQL field of the emulated ``campaign`` report."""

    name: str
    kind: Kind
    category: Category
    enum_values: frozenset[str] = frozenset()

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def json_name(self) -> str:
        head, *rest = self.name.split(".", 1)[1].split("_")
        return head + "".join(part.capitalize() for part in rest)

    @property
    def mask_name(self) -> str:
        return f"{self.resource}.{self.json_name}"


_STATUSES = frozenset({"ENABLED", "PAUSED", "REMOVED", "UNKNOWN", "UNSPECIFIED"})
_CHANNEL_TYPES = frozenset(
    {
        "SEARCH",
        "DISPLAY",
        "SHOPPING",
        "HOTEL",
        "VIDEO",
        "MULTI_CHANNEL",
        "LOCAL",
        "SMART",
        "PERFORMANCE_MAX",
        "LOCAL_SERVICES",
        "TRAVEL",
        "DEMAND_GEN",
        "UNKNOWN",
        "UNSPECIFIED",
    }
)

#: Every field the emulator understands, by GAQL name.
FIELDS: dict[str, GaqlField] = {
    f.name: f
    for f in (
        GaqlField("segments.date", "date", "segment"),
        GaqlField("campaign.resource_name", "string", "attribute"),
        GaqlField("campaign.id", "int64", "attribute"),
        GaqlField("campaign.name", "string", "attribute"),
        GaqlField("campaign.status", "enum", "attribute", _STATUSES),
        GaqlField("campaign.advertising_channel_type", "enum", "attribute", _CHANNEL_TYPES),
        GaqlField("customer.resource_name", "string", "attribute"),
        GaqlField("customer.id", "int64", "attribute"),
        GaqlField("customer.descriptive_name", "string", "attribute"),
        GaqlField("customer.currency_code", "string", "attribute"),
        GaqlField("customer.time_zone", "string", "attribute"),
        GaqlField("metrics.impressions", "int64", "metric"),
        GaqlField("metrics.clicks", "int64", "metric"),
        GaqlField("metrics.cost_micros", "int64", "metric"),
        GaqlField("metrics.conversions", "double", "metric"),
        GaqlField("metrics.conversions_value", "double", "metric"),
        GaqlField("metrics.all_conversions", "double", "metric"),
    )
}
#: Metric fields by their fixture-row key (``costMicros`` or ``cost_micros``).
METRIC_BY_JSON: dict[str, GaqlField] = {
    **{f.json_name: f for f in FIELDS.values() if f.category == "metric"},
    **{f.name.split(".", 1)[1]: f for f in FIELDS.values() if f.category == "metric"},
}


def parse_metric(f: GaqlField, raw: Any) -> int | float:
    """A fixture metric value as the number the field holds (int64 values may arrive as strings)."""
    if f.kind == "int64":
        return int(str(raw))
    return float(raw)


def encode_value(f: GaqlField, value: Any) -> Any:
    """A field value in the proto3 JSON mapping the API answers with."""
    if f.kind == "int64":
        return str(value)  # proto3 JSON: int64 travels as a string
    if f.kind == "double":
        return float(value)
    return value
