"""Row and column groups of a sheet in the Sheets emulator: the depth model behind ``rowGroups``.

Sheets models grouping as a depth per row (column): adding a group over a range increments the depth of
every index in it, deleting one decrements it, and the groups are the maximal runs of indexes at depth
``d`` or more, for each ``d``. That one rule reproduces the examples of the API reference
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request#AddDimensionGroupRequest):
``[C:D, depth 1] + [B:E]`` gives ``[B:E, 1]`` and ``[C:D, 2]``; ``[B:E, 1], [C:D, 2]`` minus ``[D:E]``
gives ``[B:D, 1]`` and ``[C:C, 2]``. Whether a group is collapsed is kept per ``(start, end, depth)`` and
forgotten when the group's range changes. The batchUpdate requests are :mod:`emulators.sheets.batch_groups`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GroupKey = tuple[int, int, int]
"""``(start, end, depth)`` of one group, end exclusive."""


@dataclass
class DimensionGroups:
    """The groups along one dimension of a sheet."""

    depths: dict[int, int] = field(default_factory=dict)
    collapsed: set[GroupKey] = field(default_factory=set)

    def groups(self) -> list[GroupKey]:
        """Every group, by start then depth (the order ``rowGroups`` lists them in)."""
        found: list[GroupKey] = []
        deepest = max(self.depths.values(), default=0)
        for depth in range(1, deepest + 1):
            start: int | None = None
            previous = -2
            for index in sorted(i for i, d in self.depths.items() if d >= depth):
                if start is None or index != previous + 1:
                    if start is not None:
                        found.append((start, previous + 1, depth))
                    start = index
                previous = index
            if start is not None:
                found.append((start, previous + 1, depth))
        return sorted(found, key=lambda g: (g[0], g[2]))

    def _forget_stale(self) -> None:
        self.collapsed &= set(self.groups())

    def add(self, start: int, end: int) -> None:
        for index in range(start, end):
            self.depths[index] = self.depths.get(index, 0) + 1
        self._forget_stale()

    def delete(self, start: int, end: int) -> bool:
        """Decrement the depth over the range; False when no index of it was grouped."""
        touched = False
        for index in range(start, end):
            depth = self.depths.get(index, 0)
            if depth:
                touched = True
                if depth == 1:
                    del self.depths[index]
                else:
                    self.depths[index] = depth - 1
        self._forget_stale()
        return touched

    def insert(self, at: int, count: int) -> None:
        """Shift indexes at or after ``at`` by ``count`` (inserted rows are not grouped)."""
        self.depths = {(i + count if i >= at else i): d for i, d in self.depths.items()}
        self.collapsed = {(s + count if s >= at else s, e + count if e > at else e, d) for s, e, d in self.collapsed}
        self._forget_stale()

    def remove(self, start: int, end: int) -> None:
        """Drop indexes ``start..end-1`` and shift the later ones back."""
        count = end - start
        self.depths = {(i - count if i >= end else i): d for i, d in self.depths.items() if not start <= i < end}
        self._forget_stale()

    def truncate(self, size: int) -> None:
        """Forget indexes past the end of a shrunk grid."""
        self.depths = {i: d for i, d in self.depths.items() if i < size}
        self._forget_stale()
