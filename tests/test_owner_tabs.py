"""Owner-tab validation: each bad Targets or Costs row is named with its row and left out; the rest count."""

from __future__ import annotations

from datetime import date

import pytest

from sheets_sync import (
    COSTS_HEADER,
    TARGETS_HEADER,
    OwnerTabRules,
    read_costs,
    read_owner_tabs_from_grids,
    read_targets,
)

pytestmark = pytest.mark.unit

RULES = OwnerTabRules(
    kpi_ids=frozenset({"new_mqls", "new_leads", "revenue_won", "cost_per_lead"}),
    channels=("Paid Search", "Paid Social", "Email", "Offline", "Other"),
    groups=("Inbound", "Outbound"),
)


def test_each_targets_error_is_named_with_its_row_and_the_valid_rows_still_count() -> None:
    grid: list[list[object]] = [
        list(TARGETS_HEADER),
        ["new_mqls", "All", "2026-10-01", "2026-10-31", 100],  # row 2: fine
        ["new_mql", "All", "2026-10-01", "2026-10-31", 100],  # row 3: kpi typo
        ["new_leads", "Ofline", "2026-10-01", "2026-10-31", 40],  # row 4: channel typo
        ["new_leads", "Inbound", "2026-10-01", "2026-12-31", 300],  # row 5: fine (a group is a slice)
        ["new_mqls", "All", "2026-10-15", "2026-11-15", 120],  # row 6: overlaps row 2
        ["revenue_won", "All", "2026-12-31", "2026-10-01", 90000],  # row 7: end before start
        ["revenue_won", "Inbound", "2026-10-01", "2026-12-31", "about 90k"],  # row 8: text target
        ["new_mqls", "all", "2026-11-01", "2026-11-30", 110],  # row 9: case near miss
        ["new_mqls", "All", "2026-11-01", "2026-11-30", 110],  # row 10: fine, after row 2's period
    ]

    targets, problems = read_targets(grid, RULES)

    assert [str(p) for p in problems] == [
        "Targets tab row 3: kpi_id 'new_mql' is not a known KPI (did you mean new_mqls?)",
        "Targets tab row 4: channel 'Ofline' is not All, a channel group or a channel (did you mean Offline?)",
        "Targets tab row 6: period 2026-10-15..2026-11-15 overlaps row 2 for new_mqls / All",
        "Targets tab row 7: period_end 2026-10-01 is before period_start 2026-12-31",
        "Targets tab row 8: target 'about 90k' is not a number",
        "Targets tab row 9: channel 'all' is not All, a channel group or a channel (did you mean All?)",
    ]
    assert [(p.tab, p.row) for p in problems] == [("Targets", r) for r in (3, 4, 6, 7, 8, 9)]
    assert targets[["kpi_id", "channel", "period_start", "target"]].to_dict("records") == [
        {"kpi_id": "new_mqls", "channel": "All", "period_start": date(2026, 10, 1), "target": 100.0},
        {"kpi_id": "new_leads", "channel": "Inbound", "period_start": date(2026, 10, 1), "target": 300.0},
        {"kpi_id": "new_mqls", "channel": "All", "period_start": date(2026, 11, 1), "target": 110.0},
    ]


def test_a_row_left_out_does_not_block_a_later_row_for_the_same_key() -> None:
    # Row 2 is bad (text target), so row 3 is the only target for new_mqls / All: no overlap reported.
    grid: list[list[object]] = [
        list(TARGETS_HEADER),
        ["new_mqls", "All", "2026-10-01", "2026-10-31", "n/a"],
        ["new_mqls", "All", "2026-10-01", "2026-10-31", 100],
    ]
    targets, problems = read_targets(grid, RULES)
    assert [str(p) for p in problems] == ["Targets tab row 2: target 'n/a' is not a number"]
    assert targets["target"].tolist() == [100.0]


def test_each_costs_error_is_named_and_nothing_is_booked_to_another_channel() -> None:
    grid: list[list[object]] = [
        list(COSTS_HEADER),
        ["Offline", "2026-10-01", "2026-10-31", 3000, "Trade show"],  # row 2: fine
        ["Ofline", "2026-10-01", "2026-10-31", 3000, ""],  # row 3: typo
        ["Inbound", "2026-10-01", "2026-10-31", 500, ""],  # row 4: a group
        ["All", "2026-10-01", "2026-10-31", 800, ""],  # row 5: the total
        ["Podcasts", "2026-10-01", "2026-10-31", 200, ""],  # row 6: not a channel at all
        ["Email", "2026-10-01", "2026-10-31", -50, ""],  # row 7: negative
        ["Email", "2026-10-01", "2026-10-31", "1,200", ""],  # row 8: fine (thousands separator)
    ]

    costs, problems = read_costs(grid, RULES)

    assert [str(p) for p in problems] == [
        "Costs tab row 3: channel 'Ofline' is not a channel (did you mean Offline?)",
        "Costs tab row 4: channel 'Inbound' is a channel group; a cost belongs to one channel (e.g. Offline), so "
        "split it over its channels, one row each",
        "Costs tab row 5: channel 'All' is the total; a cost belongs to one channel (e.g. Offline), so split it "
        "over its channels, one row each",
        "Costs tab row 6: channel 'Podcasts' is not a channel (use one of Paid Search, Paid Social, Email, "
        "Offline, Other)",
        "Costs tab row 7: amount -50 is negative",
    ]
    assert costs[["channel", "amount"]].to_dict("records") == [
        {"channel": "Offline", "amount": 3000.0},
        {"channel": "Email", "amount": 1200.0},
    ]


def test_a_missing_column_is_a_row_1_problem_and_the_run_goes_on() -> None:
    owner = read_owner_tabs_from_grids(
        [["kpi_id", "channel", "period_start", "period_end"]],
        [list(COSTS_HEADER), ["Offline", "2026-10-01", "2026-10-31", 10, ""]],
        RULES,
    )
    assert [str(p) for p in owner.problems] == [
        "Targets tab row 1: missing column(s) 'target' (expected kpi_id, channel, period_start, period_end, target)"
    ]
    assert owner.targets.empty and owner.costs["amount"].tolist() == [10.0]


def test_without_rules_any_name_is_accepted_but_the_shape_is_still_checked() -> None:
    grid: list[list[object]] = [
        list(COSTS_HEADER),
        ["Podcasts", "2026-10-01", "2026-10-31", 200, ""],
        ["Email", "2026-10-01", "", 50, ""],
    ]
    costs, problems = read_costs(grid)
    assert costs["channel"].tolist() == ["Podcasts"]
    assert [str(p) for p in problems] == ["Costs tab row 3: period_end is empty (expected a date YYYY-MM-DD)"]


def test_a_google_sheets_date_cell_is_read_from_its_serial_number() -> None:
    # Sheets returns a date cell's effectiveValue as days since 1899-12-30: 46296 is 2026-10-01.
    grid: list[list[object]] = [
        list(TARGETS_HEADER),
        ["new_mqls", "All", 46296, 46326, 100],
        ["new_mqls", "Inbound", 20261001, "2026-10-31", 80],  # a number that is no serial date
    ]
    targets, problems = read_targets(grid, RULES)
    assert targets[["period_start", "period_end"]].to_dict("records") == [
        {"period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31)}
    ]
    assert [str(p) for p in problems] == ["Targets tab row 3: period_start '20261001' is not a date (YYYY-MM-DD)"]
