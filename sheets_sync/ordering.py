"""Catalog order: the sort keys :func:`~sheets_sync.update.build_update` gives Tracker, Definitions and
appended Snapshots rows (leading before lagging, then section, KPI, channel and version)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sheets_sync.definitions_tab import DefinitionRow, KpiInfo
from sheets_sync.tracker_tab import RowKey

_VERSION = re.compile(r"^(\d+)\.(.*)$")


class CatalogOrdering:
    """Sort keys shared by the Tracker rows, the Definitions rows and the appended Snapshots rows."""

    _TYPE_RANK: Mapping[str, int] = {"leading": 0, "lagging": 1}

    def __init__(
        self,
        infos: Mapping[tuple[str, str], KpiInfo],
        definitions: Sequence[DefinitionRow],
        channel_order: Sequence[str],
    ) -> None:
        self._infos = infos
        self._section_rank: dict[str, int] = {}
        self._kpi_rank: dict[str, int] = {}
        for d in sorted(definitions, key=lambda d: d.catalog_order):
            self._section_rank.setdefault(d.section, d.catalog_order)
            self._kpi_rank.setdefault(d.kpi_id, d.catalog_order)
        self._channel_rank = {channel: i for i, channel in enumerate(channel_order)}

    def kpi_key(self, kpi_id: str, kpi_version: str) -> tuple[Any, ...]:
        info = self._infos.get((kpi_id, kpi_version))
        kpi_type = info.kpi_type if info else ""
        section = info.section if info else ""
        # Old versions and retired KPIs keep their place next to the current catalog where possible;
        # anything unknown goes after it, alphabetically.
        section_rank = (0, self._section_rank[section], "") if section in self._section_rank else (1, 0, section)
        kpi_rank = (0, self._kpi_rank[kpi_id], "") if kpi_id in self._kpi_rank else (1, 0, kpi_id)
        return (self._TYPE_RANK.get(kpi_type, 2), section_rank, kpi_rank)

    def channel_key(self, channel: str) -> tuple[int, str]:
        return (self._channel_rank.get(channel, len(self._channel_rank)), channel)

    @staticmethod
    def version_key(kpi_version: str) -> tuple[int, str]:
        match = _VERSION.match(kpi_version)
        return (int(match.group(1)), match.group(2)) if match else (-1, kpi_version)

    def row_key(self, key: RowKey) -> tuple[Any, ...]:
        return (
            *self.kpi_key(key.kpi_id, key.kpi_version),
            self.channel_key(key.channel),
            self.version_key(key.kpi_version),
        )

    def definition_key(self, info: KpiInfo) -> tuple[Any, ...]:
        return (*self.kpi_key(info.kpi_id, info.kpi_version), self.version_key(info.kpi_version))
