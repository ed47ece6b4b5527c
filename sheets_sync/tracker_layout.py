"""The Tracker's layout: section header rows, KPI blocks (All, the groups, their channels) and earlier definitions.

Called by :func:`~sheets_sync.update.build_update` once the run is merged into the rows; the presentation
turns the ``level`` of each row into collapsed row groups (Sheets ``addDimensionGroup``, openpyxl outline
levels).

Order: sections in catalog order, each once, as a header row; within a section leading KPIs before lagging
ones, then catalog order. A KPI's block is ``All``, then each group followed by its channels (outline level
1, collapsed by default: the default view is All and the groups), then channels of no group; a group row
that repeats All in every week is collapsed with the channels. Rows of a
KPI version that is no longer current go to a last section, "Earlier definitions", collapsed, each labelled
with its version; rows whose identity could not be recovered are kept verbatim at the very end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date

from sheets_sync.cells import Cell, Grid, same_value
from sheets_sync.definitions_tab import DefinitionRow, KpiInfo
from sheets_sync.ordering import CatalogOrdering
from sheets_sync.tabs import TRACKER_FIXED_HEADER
from sheets_sync.tracker_tab import RowKey, TrackerRow, TrackerRowState, versioned_label

TOTAL = "All"
EARLIER_SECTION = "Earlier definitions"


@dataclass(frozen=True)
class SliceTree:
    """Where each slice sits in a KPI's block: its rank and outline level.

    ``All`` first (level 0), then each group (level 0) followed by its channels (level 1), then channels in
    no group (level 1), then anything unknown, alphabetically.
    """

    rank: Mapping[str, int]
    level: Mapping[str, int]

    @classmethod
    def build(cls, channel_order: Sequence[str], channel_groups: Mapping[str, Sequence[str]] | None) -> SliceTree:
        """The tree from the slice order (``All``, groups, channels) and the groups' members.

        Without ``channel_groups`` the slice order is kept as is, with every slice but ``All`` and the
        default groups at level 1.
        """
        if channel_groups is None:
            levels = {name: 0 if name in (TOTAL, "Inbound", "Outbound") else 1 for name in channel_order}
            return cls({name: i for i, name in enumerate(channel_order)}, levels)
        order: list[str] = [TOTAL]
        level: dict[str, int] = {TOTAL: 0}
        position = {name: i for i, name in enumerate(channel_order)}
        for group in sorted(channel_groups, key=lambda g: position.get(g, len(position))):
            order.append(group)
            level[group] = 0
            for channel in sorted(channel_groups[group], key=lambda c: position.get(c, len(position))):
                order.append(channel)
                level[channel] = 1
        for name in channel_order:
            if name not in level:
                order.append(name)
                level[name] = 1
        return cls({name: i for i, name in enumerate(order)}, level)

    def key(self, channel: str) -> tuple[int, str]:
        return (self.rank.get(channel, len(self.rank)), channel)

    def level_of(self, channel: str) -> int:
        return self.level.get(channel, 1)


def _section_rank(definitions: Sequence[DefinitionRow]) -> dict[str, int]:
    rank: dict[str, int] = {}
    for d in sorted(definitions, key=lambda d: d.catalog_order):
        rank.setdefault(d.section, len(rank))
    return rank


def repeats_total(states: Mapping[RowKey, TrackerRowState], tree: SliceTree) -> set[RowKey]:
    """Group rows (level 0, not All) whose every value equals the All row's: spend that is all Inbound, an
    ROI whose All row already counts only Inbound revenue. They are collapsed under All like a channel,
    kept (with their history) for the week they start to differ."""
    repeated: set[RowKey] = set()
    for key, state in states.items():
        if key.channel == TOTAL or tree.level_of(key.channel) != 0:
            continue
        total = states.get(RowKey(key.kpi_id, key.kpi_version, TOTAL))
        if total is None or not state.cells:
            continue
        weeks = set(state.cells) | set(total.cells)
        if all(same_value(state.cells.get(week), total.cells.get(week)) for week in weeks):
            repeated.add(key)
    return repeated


def lay_out(
    states: Mapping[RowKey, TrackerRowState],
    unresolved: Sequence[TrackerRowState],
    infos: Mapping[tuple[str, str], KpiInfo],
    definitions: Sequence[DefinitionRow],
    ordering: CatalogOrdering,
    tree: SliceTree,
    weeks: Sequence[date],
    collapsed: Set[RowKey] = frozenset(),
) -> tuple[Grid, list[TrackerRow]]:
    """The Tracker grid (header first) and the metadata of each row below the header.

    Args:
        states: The KPI rows to show, by identity, with their cells.
        unresolved: Rows whose identity is unknown (kept verbatim at the end).
        infos: Every known KPI version.
        definitions: The current catalog (section order).
        ordering: Catalog order of KPIs and versions.
        tree: Where each slice sits in a KPI's block.
        weeks: The week columns, left to right.
        collapsed: Rows collapsed under the row above even at level 0 (:func:`repeats_total`).
    """
    sections = _section_rank(definitions)

    def info_of(key: RowKey) -> KpiInfo:
        info = infos.get((key.kpi_id, key.kpi_version))
        assert info is not None  # rows are only resolved through infos
        return info

    def block_key(key: RowKey) -> tuple[object, ...]:
        info = info_of(key)
        type_rank = {"leading": 0, "lagging": 1}.get(info.kpi_type, 2)
        return (
            sections.get(info.section, len(sections)),
            info.section,
            type_rank,
            ordering.kpi_key(key.kpi_id, key.kpi_version),
            ordering.version_key(key.kpi_version),
        )

    current = sorted((k for k in states if info_of(k).current), key=lambda k: (block_key(k), tree.key(k.channel)))
    earlier = sorted((k for k in states if not info_of(k).current), key=lambda k: (block_key(k), tree.key(k.channel)))
    grid: Grid = [[*TRACKER_FIXED_HEADER, *(week.isoformat() for week in weeks)]]
    rows: list[TrackerRow] = []

    def header_row(title: str) -> None:
        grid.append([title, None, *([None] * len(weeks))])
        rows.append(TrackerRow(None, title, title, "", "", "", kind="section"))

    def kpi_rows(keys: Sequence[RowKey], *, is_current: bool) -> None:
        previous_block: tuple[str, str] | None = None
        for key in keys:
            info = info_of(key)
            block = (key.kpi_id, key.kpi_version)
            label = info.name if is_current else versioned_label(info.name, key.kpi_version)
            first_of_block = block != previous_block
            previous_block = block
            cells = states[key].cells
            grid.append([label if first_of_block else None, key.channel, *(cells.get(week) for week in weeks)])
            rows.append(
                TrackerRow(
                    key,
                    info.name,
                    info.section,
                    info.kpi_type,
                    info.unit,
                    info.direction,
                    level=1 if not is_current or key in collapsed else tree.level_of(key.channel),
                    current=is_current,
                )
            )

    section: str | None = None
    section_keys: list[RowKey] = []
    for key in current:
        if info_of(key).section != section:
            kpi_rows(section_keys, is_current=True)
            section_keys = []
            section = info_of(key).section
            header_row(section)
        section_keys.append(key)
    kpi_rows(section_keys, is_current=True)
    if earlier:
        header_row(EARLIER_SECTION)
        kpi_rows(earlier, is_current=False)
    for state in unresolved:
        fixed: list[Cell] = [*state.fixed[: len(TRACKER_FIXED_HEADER)]]
        fixed += [None] * (len(TRACKER_FIXED_HEADER) - len(fixed))
        grid.append([*fixed, *(state.cells.get(week) for week in weeks)])
        rows.append(TrackerRow(None, str(fixed[0] or ""), "", "", "", "", kind="unresolved"))
    return grid, rows
