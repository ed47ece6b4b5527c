"""The Definitions tab: one row per ``kpi_id × kpi_version``, every version ever used, ``current`` marking the
versions the Tracker and Scorecard show.

:func:`~sheets_sync.update.build_update` reads the tab, merges the run's catalog into it (``first_used`` is
set once and preserved) and writes it back whole; the Tracker finds its rows' identities through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sheets_sync.cells import Grid, cell_at, cell_text, is_blank_row
from sheets_sync.tabs import DEFINITIONS_HEADER, DEFINITIONS_OPTIONAL, DEFINITIONS_TAB, TrackerLayoutError

KpiType = Literal["leading", "lagging"]
Unit = Literal["count", "currency", "ratio", "days", "seconds", "currency_per_day", "multiple"]
Direction = Literal["up", "down"]
UNITS: frozenset[str] = frozenset({"count", "currency", "ratio", "days", "seconds", "currency_per_day", "multiple"})
CURRENT_MARK = "yes"
"""The ``current`` cell of the versions the Tracker's and Scorecard's rows show."""


@dataclass(frozen=True)
class DefinitionRow:
    """One KPI version of the catalog, as shown on the Definitions tab.

    Attributes:
        kpi_id: Stable KPI id from KPIS.md, e.g. ``"new_leads"``.
        kpi_version: ``"<n>.<fp>"``, e.g. ``"1.a3f9c2"``.
        name: Display name, e.g. ``"New leads"``.
        section: Catalog section, e.g. ``"Funnel (flow)"``.
        kpi_type: ``"leading"`` or ``"lagging"``.
        unit: One of :data:`UNITS` (how the value reads: ``ratio`` as a percent, ``multiple`` as ``1.9x``).
        direction: ``"up"`` (higher is better) or ``"down"``.
        definition: Human-readable definition text.
        settings: The settings this version depends on, e.g. ``"timezone=UTC; stages=lead,..."``.
        catalog_order: Position in the catalog; orders sections and KPIs on the Tracker.
    """

    kpi_id: str
    kpi_version: str
    name: str
    section: str
    kpi_type: KpiType
    unit: Unit
    direction: Direction
    definition: str
    settings: str
    catalog_order: int


@dataclass
class KpiInfo:
    """A KPI version known to the model: from the current catalog (``current``) or kept on the tab.

    ``shown_on_tab`` says whether the tab as read marked the version ``current``: the version the Tracker's
    plain rows (KPI name without a version suffix) held when they were written.
    """

    kpi_id: str
    kpi_version: str
    name: str
    section: str
    kpi_type: str
    unit: str
    direction: str
    definition: str
    settings: str
    first_used: str
    current: bool
    shown_on_tab: bool = False


KpiInfos = dict[tuple[str, str], KpiInfo]
"""KPI versions by ``(kpi_id, kpi_version)``."""


def _header_index(header: Sequence[object], required: Sequence[str], tab: str) -> dict[str, int]:
    names = [cell_text(cell).lower() for cell in header]
    missing = [column for column in required if column not in names and column not in DEFINITIONS_OPTIONAL]
    if missing:
        raise TrackerLayoutError(
            f"{tab} tab row 1: missing column(s) {', '.join(repr(m) for m in missing)} (expected {', '.join(required)})"
        )
    return {column: names.index(column) for column in required if column in names}


def read_definitions_tab(grid: Grid) -> KpiInfos:
    """Read the KPI versions kept on the Definitions tab (none when the tab is missing or empty).

    Raises:
        TrackerLayoutError: A column is missing or a row lacks its ``kpi_id`` or ``kpi_version``.
    """
    infos: KpiInfos = {}
    if not grid or is_blank_row(grid[0]):
        return infos
    index = _header_index(grid[0], DEFINITIONS_HEADER, DEFINITIONS_TAB)
    # Cells the owner typed right of the table neither make a row part of it nor stop it being read.
    width = max(index.values()) + 1
    for row_number, row in enumerate(grid[1:], start=2):
        if is_blank_row(row[:width]):
            continue
        values = {
            column: cell_text(cell_at(row, index[column])) if column in index else "" for column in DEFINITIONS_HEADER
        }
        if not values["kpi_id"] or not values["kpi_version"]:
            raise TrackerLayoutError(f"{DEFINITIONS_TAB} tab row {row_number}: kpi_id and kpi_version are required")
        infos[(values["kpi_id"], values["kpi_version"])] = KpiInfo(
            kpi_id=values["kpi_id"],
            kpi_version=values["kpi_version"],
            name=values["name"],
            section=values["section"],
            kpi_type=values["type"],
            unit=values["unit"],
            direction=values["direction"],
            definition=values["definition"],
            settings=values["settings"],
            first_used=values["first_used"],
            current=False,
            shown_on_tab=values["current"].lower() == CURRENT_MARK,
        )
    return infos


def merge_definitions(
    existing: KpiInfos, definitions: Sequence[DefinitionRow], first_used: str
) -> tuple[KpiInfos, int]:
    """Add the current catalog to the versions kept on the tab.

    Returns:
        Every known version (the catalog's marked ``current``) and the number of versions new to the tab.

    Raises:
        ValueError: A definition has an unknown unit or the catalog lists a version twice.
    """
    infos = dict(existing)
    added = 0
    for d in definitions:
        if d.unit not in UNITS:
            raise ValueError(f"KPI {d.kpi_id} {d.kpi_version}: unknown unit {d.unit!r}")
        key = (d.kpi_id, d.kpi_version)
        if key in infos and infos[key].current:
            raise ValueError(f"KPI {d.kpi_id} version {d.kpi_version} is defined twice")
        previous = infos.get(key)
        if previous is None:
            added += 1
        infos[key] = KpiInfo(
            kpi_id=d.kpi_id,
            kpi_version=d.kpi_version,
            name=d.name,
            section=d.section,
            kpi_type=d.kpi_type,
            unit=d.unit,
            direction=d.direction,
            definition=d.definition,
            settings=d.settings,
            # first_used is history: once written it is never changed
            first_used=previous.first_used if previous is not None and previous.first_used else first_used,
            current=True,
            shown_on_tab=previous.shown_on_tab if previous is not None else False,
        )
    return infos, added


def definitions_grid(infos_in_order: Iterable[KpiInfo]) -> Grid:
    """The full Definitions grid (header row first), one row per KPI version in the given order."""
    grid: Grid = [list(DEFINITIONS_HEADER)]
    for info in infos_in_order:
        grid.append(
            [
                info.kpi_id,
                info.kpi_version,
                info.name,
                info.section,
                info.kpi_type,
                info.unit,
                info.direction,
                info.definition,
                info.settings,
                info.first_used or None,
                CURRENT_MARK if info.current else None,
            ]
        )
    return grid
