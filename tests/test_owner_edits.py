"""History that survives the owner's hand (model): the latest snapshot is the latest ``snapshot_at``, never the
row's position; the pipeline's cells the owner changed are written back from Snapshots (Tracker) or the
catalog (Definitions) and named on Insights; the owner's cells right of the tables are left alone."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from sheets_sync import SNAPSHOTS_HEADER, TabGrids
from sheets_sync.insights_tab import InsightRow
from sheets_sync.snapshots_tab import read_snapshots_tab
from tests.test_tracker_model import RUN1_AT, RUN1_VALUES, RUN2_AT, W1, W2, applied, frame, run

pytestmark = pytest.mark.unit

W3 = date(2026, 11, 16)
RUN3_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def _two_runs() -> TabGrids:
    """Two runs: the second restates W2's new leads (9 -> 11), so that key has two snapshot rows."""
    first = run(RUN1_VALUES, TabGrids(), RUN1_AT)
    tabs = applied(TabGrids(), first)
    second_values = RUN1_VALUES.copy()
    second_values.loc[(second_values["kpi_id"] == "new_leads") & (second_values["week_start"] == W2), "value"] = 11.0
    second = run(second_values, tabs, RUN2_AT)
    return replace(applied(tabs, second), insights=[])


def _cell(tabs: TabGrids, label: tuple[str, str], week: date) -> object:
    header = tabs.tracker[0]
    column = header.index(week.isoformat())
    carried = ""
    for row in tabs.tracker[1:]:
        carried = row[0] or carried if row[1] else ""
        if (carried, row[1]) == label:
            return row[column]
    raise KeyError(label)


def _set_cell(tabs: TabGrids, label: tuple[str, str], week: date, value: object) -> TabGrids:
    header = tabs.tracker[0]
    column = header.index(week.isoformat())
    grid = [list(row) for row in tabs.tracker]
    carried = ""
    for row in grid[1:]:
        carried = row[0] or carried if row[1] else ""
        if (carried, row[1]) == label:
            row[column] = value
    return replace(tabs, tracker=grid)


def test_the_latest_snapshot_is_the_latest_snapshot_at_whatever_the_row_order():
    tabs = _two_runs()
    header, rows = tabs.snapshots[0], tabs.snapshots[1:]
    assert sum(1 for row in rows if row[3] == "new_leads" and row[2] == W2.isoformat()) == 2
    for order in ("sorted by value", "reversed", "shuffled"):
        if order == "sorted by value":
            shuffled = sorted(rows, key=lambda row: (row[3], -(row[6] or 0)))
        elif order == "reversed":
            shuffled = rows[::-1]
        else:
            shuffled = random.Random(7).sample(rows, len(rows))
        history = read_snapshots_tab([header, *shuffled])
        assert history.latest[(W2, "new_leads", "2.bbbbbb", "All")] == 11, order
        assert history.first_reported[(W2, "new_leads", "2.bbbbbb", "All")] == (9, date(2026, 11, 10)), order
        # An unchanged run appends nothing, however the owner sorted the tab.
        values = RUN1_VALUES.copy()
        values.loc[(values["kpi_id"] == "new_leads") & (values["week_start"] == W2), "value"] = 11.0
        again = run(values, replace(tabs, snapshots=[header, *shuffled]), RUN3_AT)
        assert again.snapshots_append == [], order
        assert again.summary.owner_edits_restored == 0


def test_owner_cells_right_of_the_snapshots_and_blank_rows_are_not_history():
    tabs = _two_runs()
    grid = [list(row) for row in tabs.snapshots]
    grid[0] += [None, "owner notes"]
    grid[3] += [None, "checked with finance"]
    grid.append([None] * len(SNAPSHOTS_HEADER) + [None, "a note below the history"])
    history = read_snapshots_tab(grid)
    assert history.rows == len(tabs.snapshots)  # the note below the last row does not move the append point
    assert history.latest == read_snapshots_tab(tabs.snapshots).latest


def test_a_value_typed_over_or_cleared_outside_the_run_is_written_back_and_named_on_insights():
    tabs = _two_runs()
    edited = _set_cell(tabs, ("New leads", "All"), W1, 99)
    edited = _set_cell(edited, ("Sessions", "All"), W2, None)
    # This run computes only W3: both edited weeks are outside its range.
    values = frame([(W3, "sessions", "1.aaaaaa", "All", 130.0), (W3, "new_leads", "2.bbbbbb", "All", 4.0)])
    insight = InsightRow(W3, "ga4", "thresholding", "some rows withheld", 1)
    update = run(values, edited, RUN3_AT, insights=[insight])
    after = replace(edited, tracker=update.tracker)
    assert _cell(after, ("New leads", "All"), W1) == 7
    assert _cell(after, ("Sessions", "All"), W2) == 120
    assert update.summary.restatements == []  # a hand edit is not a restatement
    assert update.summary.owner_edits_restored == 2
    assert {row[3] for row in update.snapshots_append} == {"sessions", "new_leads"}  # only W3's new values
    notes = [row for row in update.insights[1:] if row[2] == "owner_edits_restored"]
    assert len(notes) == 1
    week, source, _, detail, value = notes[0][:5]
    new_leads_row = next(i for i, row in enumerate(update.tracker) if row[0] == "New leads")
    sessions_row = next(i for i, row in enumerate(update.tracker) if row[0] == "Sessions")
    assert (week, source, value) == (W3.isoformat(), "tracker", 2)
    assert detail == (
        "Tracker: 2 cells the pipeline writes differed from the latest value in Snapshots and were written back: "
        f"D{sessions_row + 1} (Sessions / All, week {W2}: empty -> 120); "
        f"C{new_leads_row + 1} (New leads / All, week {W1}: 99 -> 7). "
        "Type notes in cells right of the weeks: they are kept"
    )
    assert [row[2] for row in update.insights[1:]] == ["thresholding", "owner_edits_restored"]


def test_a_hand_edit_in_a_computed_week_is_restored_and_a_real_change_is_a_restatement_from_the_snapshot():
    tabs = _two_runs()
    edited = _set_cell(tabs, ("New leads", "All"), W2, 500)  # snapshot says 11
    edited = _set_cell(edited, ("Sessions", "All"), W1, 1)  # snapshot says 100
    values = RUN1_VALUES.copy()
    values.loc[(values["kpi_id"] == "new_leads") & (values["week_start"] == W2), "value"] = 11.0  # unchanged
    sessions_w1 = (values["kpi_id"] == "sessions") & (values["week_start"] == W1) & (values["channel"] == "All")
    values.loc[sessions_w1, "value"] = 101.0  # really restated
    update = run(values, edited, RUN3_AT, insights=[])
    after = replace(edited, tracker=update.tracker)
    assert _cell(after, ("New leads", "All"), W2) == 11
    assert _cell(after, ("Sessions", "All"), W1) == 101
    assert [(r.key.kpi_id, r.old_value, r.new_value) for r in update.summary.restatements] == [("sessions", 100, 101)]
    assert update.summary.owner_edits_restored == 2
    assert [row[3] for row in update.snapshots_append] == ["sessions"]


def test_a_cell_whose_history_left_snapshots_is_left_as_it_is():
    tabs = _two_runs()
    edited = _set_cell(tabs, ("New leads", "All"), W1, 99)
    header = tabs.snapshots[0]
    trimmed = [header, *(row for row in tabs.snapshots[1:] if row[2] != W1.isoformat())]  # W1 moved elsewhere
    update = run(frame([(W3, "new_leads", "2.bbbbbb", "All", 4.0)]), replace(edited, snapshots=trimmed), RUN3_AT)
    assert _cell(replace(edited, tracker=update.tracker), ("New leads", "All"), W1) == 99
    assert update.summary.owner_edits_restored == 0


def test_a_deleted_tracker_row_comes_back_with_its_history():
    tabs = _two_runs()
    grid = [row for row in tabs.tracker if row[0] != "Revenue won"]
    update = run(frame([(W3, "revenue_won", "1.cccccc", "All", 50.0)]), replace(tabs, tracker=grid), RUN3_AT)
    row = next(row for row in update.tracker if row[0] == "Revenue won")
    assert row[2:] == [None, 12000.5, 50.0]


def test_rows_of_a_slice_no_longer_tracked_keep_their_last_values():
    tabs = _two_runs()
    # Inbound leaves the Tracker; Snapshots go on recording it, the old row keeps what it showed.
    values = frame([(W1, "sessions", "1.aaaaaa", "Inbound", 85.0), (W1, "sessions", "1.aaaaaa", "All", 100.0)])
    later = run(values, tabs, RUN3_AT, tracker_channels={"All"})
    assert _cell(replace(tabs, tracker=later.tracker), ("Sessions", "Inbound"), W1) == 80
    after = replace(applied(tabs, later), insights=[])
    again = run(values, after, datetime(2026, 12, 1, tzinfo=UTC), tracker_channels={"All"}, insights=[])
    assert again.summary.owner_edits_restored == 0


def test_a_definition_edited_by_hand_is_written_back_and_named():
    tabs = _two_runs()
    grid = [list(row) for row in tabs.definitions]
    row = next(i for i, r in enumerate(grid) if r[0] == "sessions")
    grid[row][7] = "my own wording"
    grid[0].append("owner notes")
    grid[row].append("keep me")
    update = run(RUN1_VALUES, replace(tabs, definitions=grid), RUN3_AT, insights=[])
    assert update.definitions[row][7] == "Sessions definition"
    note = next(r for r in update.insights[1:] if r[2] == "owner_edits_restored")
    assert note[3].startswith(
        f"Definitions: 1 cell the pipeline writes differed from the KPI catalog and was written back: H{row + 1} "
        "(definition of sessions 1.aaaaaa: my own wording -> Sessions definition)"
    )


def test_owner_columns_right_of_insights_keep_their_header_and_follow_their_rows():
    tabs = _two_runs()
    first = run(RUN1_VALUES, tabs, RUN3_AT, insights=[InsightRow(W1, "ga4", "thresholding", "x", 1)])
    grid = [list(row) for row in first.insights]
    grid[0] += ["owner"]
    grid[1] += ["looked at it"]
    later = run(
        frame([(W3, "sessions", "1.aaaaaa", "All", 1.0)]),
        replace(tabs, insights=grid),
        datetime(2026, 12, 1, tzinfo=UTC),
        insights=[InsightRow(W3, "ga4", "thresholding", "y", 2)],
    )
    assert later.insights[0][-1] == "owner"
    kept = next(row for row in later.insights[1:] if row[3] == "x")
    assert kept[-1] == "looked at it"
