"""The Tracker's reshape plan: rows that stay keep their row (moved, never rewritten), new rows are inserted
where they belong, a row leaving with the owner's cells beside it goes below the block, new weeks are
inserted at the block's right edge. Steps are replayed with Sheets' own semantics (``moveDimension``'s
destination counts rows before the source is taken out)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from sheets_sync import TabGrids
from sheets_sync.tracker_reshape import Reshape, Step, TrackerOrigin, plan_reshape
from tests.test_tracker_model import RUN1_AT, RUN1_VALUES, applied, frame, run

pytestmark = pytest.mark.unit


def replay(steps: list[Step], rows: list[object]) -> list[object]:
    """What Sheets does with the rows for these steps (``None`` marks an inserted row)."""
    rows = list(rows)
    for kind, at, other in steps:
        if kind == "insert":
            rows[at:at] = [None] * other
        elif kind == "delete":
            del rows[at : at + other]
        else:
            moved = rows.pop(at)
            rows.insert(other - 1 if other > at else other, moved)
    return rows


def _plan(sources: list[int | None], old_height: int, owner_rows: frozenset[int] = frozenset()) -> Reshape:
    return plan_reshape(TrackerOrigin(sources, old_height, 4), 4, owner_rows)


def test_an_unchanged_tracker_needs_no_step():
    plan = _plan([0, 1, 2, 3], 4)
    assert plan.row_steps == [] and plan.extent == 4 and plan.columns_added == 0
    assert [plan.row_after(r) for r in range(6)] == [0, 1, 2, 3, 4, 5]


def test_new_rows_are_inserted_where_they_belong_and_rows_below_shift():
    plan = _plan([0, 1, None, None, 2, 3, None], 4)
    assert plan.row_steps == [("insert", 2, 2), ("insert", 6, 1)]
    assert replay(plan.row_steps, [0, 1, 2, 3]) == [0, 1, None, None, 2, 3, None]
    assert plan.row_after(4) == 7  # an owner's row below the block


def test_a_leaving_row_is_deleted_unless_the_owner_wrote_beside_it():
    assert _plan([0, 1, 3], 4).row_steps == [("delete", 2, 1)]
    kept = _plan([0, 1, 3], 4, owner_rows=frozenset({2}))
    assert replay(kept.row_steps, [0, 1, 2, 3]) == [0, 1, 3, 2]
    assert kept.extent == 4 and kept.row_after(2) == 3  # right below the new block, to be cleared


@pytest.mark.parametrize("seed", range(25))
def test_any_reorder_with_inserts_and_leavers_ends_as_planned(seed: int):
    rng = random.Random(seed)
    old_height = rng.randint(2, 30)
    survivors = [r for r in range(1, old_height) if rng.random() < 0.8]
    if rng.random() < 0.3:
        rng.shuffle(survivors)
    target: list[int | None] = [0, *survivors]
    for _ in range(rng.randint(0, 5)):
        target.insert(rng.randint(1, len(target)), None)
    owner_rows = frozenset(r for r in range(1, old_height) if rng.random() < 0.3)
    plan = _plan(target, old_height, owner_rows)
    replayed = replay(plan.row_steps, list(range(old_height)))
    assert replayed == plan.final_rows
    leavers = [r for r in range(1, old_height) if r not in target]
    assert replayed[: len(target)] == target
    assert sorted(replayed[len(target) :]) == sorted(r for r in leavers if r in owner_rows)
    if target == [0, *range(1, old_height)]:
        assert plan.row_steps == []


def test_the_model_says_where_each_row_came_from_and_new_weeks_go_at_the_block_edge():
    first = run(RUN1_VALUES, TabGrids(), RUN1_AT)
    tabs = applied(TabGrids(), first)
    grid = [list(row) + ([None, "owner note"] if i == 3 else []) for i, row in enumerate(tabs.tracker)]
    later = run(
        frame([(date(2026, 11, 16), "sessions", "1.aaaaaa", "Outbound", 3.0)]),
        TabGrids(tracker=grid, snapshots=tabs.snapshots, definitions=tabs.definitions),
        datetime(2026, 11, 24, tzinfo=UTC),
    )
    origin = later.origin
    assert (origin.old_height, origin.old_width) == (len(tabs.tracker), 4)
    # Every old row is still there; the new Outbound row of Sessions is new.
    assert sorted(s for s in origin.sources if s is not None) == list(range(len(tabs.tracker)))
    new_row = next(i for i, row in enumerate(later.tracker) if row[1] == "Outbound" and row[4] == 3)
    assert origin.sources[new_row] is None
    plan = plan_reshape(origin, len(later.tracker[0]), {3})
    assert (plan.columns_at, plan.columns_added) == (4, 1)
    assert plan.column_after(5) == 6 and plan.column_after(3) == 3
    assert replay(plan.row_steps, list(range(origin.old_height))) == origin.sources


def test_a_line_of_the_owners_among_the_kpi_rows_is_kept_below_and_rows_under_the_tracker_are_theirs():
    first = run(RUN1_VALUES, TabGrids(), RUN1_AT)
    tabs = applied(TabGrids(), first)
    grid = [list(row) for row in tabs.tracker]
    grid.insert(4, ["see the Q3 note", None])  # the owner's line among the KPI rows (above Engagement rate)
    grid += [[None], ["my own table"]]  # and below the Tracker, after a blank row
    later = run(RUN1_VALUES, TabGrids(tracker=grid, snapshots=tabs.snapshots, definitions=tabs.definitions), RUN1_AT)
    origin = later.origin
    assert origin.foreign_rows == frozenset({4})
    assert origin.old_height == len(tabs.tracker) + 1  # the rows under the Tracker are the owner's
    plan = plan_reshape(origin, len(later.tracker[0]), frozenset())
    assert plan.row_after(4) == len(later.tracker)  # right below the Tracker, not deleted
    assert plan.row_after(len(grid) - 1) == len(grid) - 1  # the table below keeps its place
