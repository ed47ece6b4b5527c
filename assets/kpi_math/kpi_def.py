"""What a KPI definition is (:class:`KpiDef` and its vocabularies) and its version fingerprint.

Every KPI carries the settings keys it reads; :func:`kpi_version` fingerprints them so that a change of
formula (``definition_number``) or of a setting the KPI depends on yields a new version, i.e. a new row
on the Tracker (KPIS.md §1 "Version"). The catalog declares the KPIs; the weekly KPI and tracker assets
version them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Section = Literal["Web", "Paid media", "Funnel (flow)", "Funnel (cohort)", "Pipeline & revenue", "Efficiency"]
KpiType = Literal["leading", "lagging"]
Unit = Literal["count", "currency", "ratio", "days", "seconds", "currency_per_day"]
ShownUnit = Literal["count", "currency", "ratio", "days", "seconds", "currency_per_day", "multiple"]
Direction = Literal["up", "down"]
Slices = Literal["all", "all_only", "paid", "spend"]
Source = Literal["hubspot", "ga4", "ads", "mixed"]

SECTIONS: tuple[Section, ...] = (
    "Web",
    "Paid media",
    "Funnel (flow)",
    "Funnel (cohort)",
    "Pipeline & revenue",
    "Efficiency",
)
SCROLL_DEPTHS: tuple[int, ...] = (25, 50, 75, 100)


@dataclass(frozen=True)
class KpiDef:
    """One KPI of the catalog.

    Attributes:
        kpi_id: Stable id (KPIS.md §3).
        name: Display name.
        section: Tracker section.
        kpi_type: ``leading`` or ``lagging``.
        unit: How the value is expressed.
        direction: ``up`` when higher is better, ``down`` when lower is better.
        definition: Plain-language definition, including any choice made where KPIS.md is silent.
        definition_number: Bumped whenever the formula or filter changes (starts at 1).
        settings_read: Names of the settings keys whose values the KPI depends on.
        slices: Which rows exist: ``all`` (All, groups, channels), ``all_only``, ``paid`` (All + ad
            platform channels + their groups), ``spend`` (All + channels with a spend source + groups).
        source: Where the inputs come from.
        shown_as: How the value reads when it is not what ``unit`` implies: ``multiple`` for the ratios
            that are not shares (pages per session 1.9x, LTV : CAC, pipeline coverage), which a percent
            format would show as 186%. ``None``: as the unit says (a ``ratio`` reads as a percent).
    """

    kpi_id: str
    name: str
    section: Section
    kpi_type: KpiType
    unit: Unit
    direction: Direction
    definition: str
    definition_number: int
    settings_read: tuple[str, ...]
    slices: Slices
    source: Source
    shown_as: ShownUnit | None = None

    @property
    def shown_unit(self) -> ShownUnit:
        """The unit the tracker formats the value by (``shown_as``, else ``unit``)."""
        return self.shown_as or self.unit


def kpi_version(kpi: KpiDef, settings: Mapping[str, object]) -> str:
    """The KPI's version string ``"<definition_number>.<fp>"``.

    ``fp`` is the first 6 hex characters of the SHA-256 of the canonical JSON (sorted keys, compact
    separators, ``default=str``) of ``{name: settings[name] for name in kpi.settings_read}``. A key the
    settings do not carry fingerprints as ``null``.

    Args:
        kpi: The KPI.
        settings: Settings by name (e.g. ``Settings.as_fingerprint_inputs()``).

    Returns:
        e.g. ``"1.a3f9c2"``.
    """
    read = {name: settings.get(name) for name in kpi.settings_read}
    canonical = json.dumps(read, sort_keys=True, separators=(",", ":"), default=str)
    fp = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:6]
    return f"{kpi.definition_number}.{fp}"
