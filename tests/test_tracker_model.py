"""Tracker model: merge rules, Snapshots dedupe, Definitions history, restatements, owner tab parsing."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from sheets_sync import (
    COSTS_TEMPLATE,
    DEFINITIONS_HEADER,
    SNAPSHOTS_HEADER,
    TARGETS_HEADER,
    TARGETS_TEMPLATE,
    Cell,
    DefinitionRow,
    OwnerTabError,
    RowKey,
    TabGrids,
    TrackerLayoutError,
    TrackerUpdate,
    build_update,
    parse_costs,
    parse_targets,
    same_value,
)

pytestmark = pytest.mark.unit

NaN = math.nan
W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)
RUN1_AT = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
RUN2_AT = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
RUN3_AT = datetime(2026, 11, 24, 6, 30, 15, tzinfo=UTC)
CHANNELS = ["All", "Inbound", "Outbound", "Organic Search", "Paid Search"]


def definition(kpi_id: str, version: str, name: str, section: str, kpi_type: str, unit: str, order: int):
    return DefinitionRow(
        kpi_id=kpi_id,
        kpi_version=version,
        name=name,
        section=section,
        kpi_type=kpi_type,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        direction="up",
        definition=f"{name} definition",
        settings="timezone=UTC",
        catalog_order=order,
    )


SESSIONS = definition("sessions", "1.aaaaaa", "Sessions", "Web", "leading", "count", 1)
ENGAGEMENT = definition("engagement_rate", "1.aaaaaa", "Engagement rate", "Web", "leading", "ratio", 2)
NEW_LEADS = definition("new_leads", "2.bbbbbb", "New leads", "Funnel (flow)", "leading", "count", 10)
NEW_DEALS = definition("new_deals", "1.dddddd", "New deals", "Pipeline", "leading", "count", 15)
REVENUE = definition("revenue_won", "1.cccccc", "Revenue won", "Pipeline", "lagging", "currency", 20)
CATALOG = [REVENUE, NEW_DEALS, NEW_LEADS, ENGAGEMENT, SESSIONS]  # deliberately not in catalog order


def frame(rows: list[tuple[date, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week_start", "kpi_id", "kpi_version", "channel", "value"])


def run(values: pd.DataFrame, existing: TabGrids, at: datetime, **kwargs) -> TrackerUpdate:
    kwargs.setdefault("definitions", CATALOG)
    return build_update(
        values,
        kwargs.pop("definitions"),
        existing,
        run_id=f"run-{at:%m%d}",
        snapshot_at=at,
        channel_order=CHANNELS,
        **kwargs,
    )


def applied(existing: TabGrids, update: TrackerUpdate) -> TabGrids:
    """What a writer leaves in the tabs after applying ``update``."""
    return TabGrids(
        tracker=update.tracker,
        snapshots=[*existing.snapshots, *update.snapshot_rows_to_write],
        definitions=update.definitions,
    )


RUN1_VALUES = frame(
    [
        (W2, "revenue_won", "1.cccccc", "All", 12000.5),
        (W1, "sessions", "1.aaaaaa", "Inbound", 80.0),
        (W1, "sessions", "1.aaaaaa", "All", 100.0),
        (W2, "sessions", "1.aaaaaa", "All", 120.0),
        (W1, "engagement_rate", "1.aaaaaa", "All", 0.5),
        (W2, "engagement_rate", "1.aaaaaa", "All", NaN),
        (W1, "new_leads", "2.bbbbbb", "All", 7.0),
        (W2, "new_leads", "2.bbbbbb", "All", 9.0),
        (W1, "new_deals", "1.dddddd", "Outbound", 2.0),
    ]
)
HEADER = ["KPI", "Channel"]
LEGACY_HEADER = ["Section", "KPI", "Channel", "Unit", "Type", "Version"]


def first_run() -> tuple[TabGrids, TrackerUpdate]:
    update = run(RUN1_VALUES, TabGrids(), RUN1_AT)
    return applied(TabGrids(), update), update


# ------------------------------------------------------------------------------------------------ Tracker


def test_first_run_builds_sections_once_and_kpi_blocks_with_numbers_and_blanks() -> None:
    _, update = first_run()

    assert update.tracker == [
        [*HEADER, "2026-11-02", "2026-11-09"],
        ["Web", None, None, None],
        ["Sessions", "All", 100, 120],
        [None, "Inbound", 80, None],
        ["Engagement rate", "All", 0.5, None],
        ["Funnel (flow)", None, None, None],
        ["New leads", "All", 7, 9],
        ["Pipeline", None, None, None],
        ["New deals", "Outbound", 2, None],
        ["Revenue won", "All", None, 12000.5],
    ]
    rows = zip(update.tracker[1:], update.tracker_rows, strict=True)
    counts = [cell for row, meta in rows if meta.unit == "count" for cell in row[2:]]
    assert all(type(cell) is int for cell in counts if cell is not None)
    assert update.weeks == [W1, W2]
    kinds = [row.kind for row in update.tracker_rows]
    assert kinds == ["section", "kpi", "kpi", "kpi", "section", "kpi", "section", "kpi", "kpi"]
    assert [row.key for row in update.tracker_rows][1:3] == [
        RowKey("sessions", "1.aaaaaa", "All"),
        RowKey("sessions", "1.aaaaaa", "Inbound"),
    ]
    assert update.cell_position(RowKey("revenue_won", "1.cccccc", "All"), W2) == (9, 3)
    assert update.summary.tracker_rows_added == 6
    assert update.kpi_rows == 6
    assert update.summary.weeks_added == 2
    assert update.summary.cells_changed == 8  # 9 values, one of them empty on an empty cell
    assert update.summary.restatements == []


def test_a_new_version_starts_a_fresh_row_and_the_old_one_moves_to_earlier_definitions() -> None:
    existing, _ = first_run()
    new_leads_v3 = replace(NEW_LEADS, kpi_version="3.eeeeee", definition="New leads, MQL stage excluded")
    catalog = [SESSIONS, ENGAGEMENT, new_leads_v3, NEW_DEALS, REVENUE]
    values = frame(
        [
            (W2, "sessions", "1.aaaaaa", "All", 125.0),  # recomputed week overwrites
            (W3, "sessions", "1.aaaaaa", "All", 130.0),  # new week column
            (W3, "sessions", "1.aaaaaa", "Organic Search", 40.0),  # new row, under the groups
            (W2, "new_leads", "3.eeeeee", "All", 8.0),  # new version: new row, old row keeps history
            (W3, "new_leads", "3.eeeeee", "All", 11.0),
            (W2, "engagement_rate", "1.aaaaaa", "All", 0.25),  # empty → value: a change, not a restatement
        ]
    )

    update = run(values, existing, RUN2_AT, definitions=catalog)

    assert update.tracker == [
        [*HEADER, "2026-11-02", "2026-11-09", "2026-11-16"],
        ["Web", None, None, None, None],
        ["Sessions", "All", 100, 125, 130],
        [None, "Inbound", 80, None, None],
        [None, "Organic Search", None, None, 40],
        ["Engagement rate", "All", 0.5, 0.25, None],
        ["Funnel (flow)", None, None, None, None],
        ["New leads", "All", None, 8, 11],
        ["Pipeline", None, None, None, None],
        ["New deals", "Outbound", 2, None, None],
        ["Revenue won", "All", None, 12000.5, None],
        ["Earlier definitions", None, None, None, None],
        ["New leads (v2.bbbbbb)", "All", 7, 9, None],
    ]
    assert [(row.level, row.current) for row in update.tracker_rows[-2:]] == [(0, True), (1, False)]
    assert update.tracker_rows[3].level == 1  # a channel sits under the groups, collapsed
    assert update.summary.tracker_rows_added == 2
    assert update.summary.weeks_added == 1
    assert update.summary.cells_changed == 6
    assert [(r.key.kpi_id, r.week_start, r.old_value, r.new_value) for r in update.summary.restatements] == [
        ("sessions", W2, 120, 125)
    ]
    # Definitions says which version the plain "New leads" row shows now.
    current = {(row[0], row[1]): row[10] for row in update.definitions[1:]}
    assert (current[("new_leads", "2.bbbbbb")], current[("new_leads", "3.eeeeee")]) == (None, "yes")


def test_plain_rows_keep_their_version_through_runs_that_no_longer_know_the_old_one() -> None:
    existing, _ = first_run()
    v3 = replace(NEW_LEADS, kpi_version="3.eeeeee")
    second = run(frame([(W3, "new_leads", "3.eeeeee", "All", 11.0)]), existing, RUN2_AT, definitions=[v3])
    existing = applied(existing, second)

    # Only the current catalog is passed; the 2.bbbbbb row is identified through its label and Definitions,
    # and the plain row through the version Definitions marked current.
    third = run(frame([(W3, "new_leads", "3.eeeeee", "All", 12.0)]), existing, RUN3_AT, definitions=[v3])

    leads = [row for row in third.tracker if row[0] and str(row[0]).startswith("New leads")]
    assert leads == [["New leads", "All", None, None, 12], ["New leads (v2.bbbbbb)", "All", 7, 9, None]]
    assert len(third.tracker) == len(second.tracker)
    assert third.summary.unresolved_rows == 0
    assert [(r.old_value, r.new_value) for r in third.summary.restatements] == [(11, 12)]


def test_tracker_channels_limit_rows_but_not_snapshots() -> None:
    update = run(RUN1_VALUES, TabGrids(), RUN1_AT, tracker_channels={"All"})

    assert {row[1] for row in update.tracker[1:]} == {"All", None}
    # sessions, engagement, new_leads, revenue (new_deals is Outbound only) and three section rows
    assert update.kpi_rows == 4
    assert {row[5] for row in update.snapshots_append} == {"All", "Inbound", "Outbound"}
    assert update.summary.snapshot_rows_appended == 9


def test_channels_nest_under_their_group_and_slices_no_source_fills_get_no_row() -> None:
    values = frame(
        [(W1, "sessions", "1.aaaaaa", channel, value) for channel, value in SESSIONS_BY_SLICE.items()]
        + [(W1, "new_leads", "2.bbbbbb", channel, value) for channel, value in LEADS_BY_SLICE.items()]
    )
    groups = {"Inbound": ["Organic Search", "Paid Search"], "Outbound": ["Offline"]}
    order = ["All", "Inbound", "Outbound", "Organic Search", "Paid Search", "Offline"]
    # GA4 never maps to Offline, and web sessions are all Inbound: All, then the channels, no group rows.
    slices = {"sessions": frozenset({"All", "Organic Search", "Paid Search"})}

    update = build_update(
        values,
        CATALOG,
        TabGrids(),
        run_id="r",
        snapshot_at=RUN1_AT,
        channel_order=order,
        channel_groups=groups,
        row_slices=slices,
    )

    assert update.tracker == [
        [*HEADER, "2026-11-02"],
        ["Web", None, None],
        ["Sessions", "All", 100],
        [None, "Organic Search", 60],
        [None, "Paid Search", 40],
        ["Funnel (flow)", None, None],
        ["New leads", "All", 10],
        [None, "Inbound", 7],
        [None, "Organic Search", 5],
        [None, "Paid Search", 2],
        [None, "Outbound", 3],
        [None, "Offline", 3],
    ]
    assert [row.level for row in update.tracker_rows] == [0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1]
    assert {row[5] for row in update.snapshots_append if row[3] == "sessions"} == set(SESSIONS_BY_SLICE)

    # A row no source can fill that an earlier tracker still holds is dropped (Snapshots keep its values).
    held = applied(TabGrids(), update)
    stale = TabGrids(
        tracker=[*held.tracker[:5], [None, "Offline", 0], *held.tracker[5:]],
        snapshots=held.snapshots,
        definitions=held.definitions,
    )
    again = build_update(
        values,
        CATALOG,
        stale,
        run_id="r2",
        snapshot_at=RUN2_AT,
        channel_order=order,
        channel_groups=groups,
        row_slices=slices,
    )
    assert again.tracker == update.tracker
    assert again.summary.unresolved_rows == 0


def test_a_group_row_that_repeats_all_is_collapsed_but_kept() -> None:
    values = frame(
        [
            (W1, "sessions", "1.aaaaaa", "All", 100.0),
            (W1, "sessions", "1.aaaaaa", "Inbound", 100.0),
            (W2, "sessions", "1.aaaaaa", "All", 90.0),
            (W2, "sessions", "1.aaaaaa", "Inbound", 90.0),
            (W1, "new_leads", "2.bbbbbb", "All", 9.0),
            (W1, "new_leads", "2.bbbbbb", "Inbound", 7.0),
        ]
    )

    update = run(values, TabGrids(), RUN1_AT)

    levels = {(row.key.kpi_id, row.key.channel): row.level for row in update.tracker_rows if row.key}
    assert levels == {
        ("sessions", "All"): 0,
        ("sessions", "Inbound"): 1,
        ("new_leads", "All"): 0,
        ("new_leads", "Inbound"): 0,
    }
    assert [None, "Inbound", 100, 90] in update.tracker


SESSIONS_BY_SLICE = {
    "All": 100.0,
    "Inbound": 100.0,
    "Outbound": 0.0,
    "Organic Search": 60.0,
    "Paid Search": 40.0,
    "Offline": 0.0,
}
LEADS_BY_SLICE = {
    "All": 10.0,
    "Inbound": 7.0,
    "Outbound": 3.0,
    "Organic Search": 5.0,
    "Paid Search": 2.0,
    "Offline": 3.0,
}


def test_a_tracker_in_the_earlier_six_column_layout_is_read_and_rewritten() -> None:
    legacy = TabGrids(
        tracker=[
            [*LEGACY_HEADER, "2026-11-02"],
            ["Web", "Sessions", "All", "count", "Leading", "1.aaaaaa", 100],
            ["Web", "Sessions", "Inbound", "count", "Leading", "1.aaaaaa", 80],
            ["Funnel (flow)", "New leads", "All", "count", "Leading", "1.old000", 5],
            ["Misc", "Hand-added row", "All", "count", "Leading", "0.x", 1],
        ],
        definitions=[
            list(DEFINITIONS_HEADER[:-1]),  # written before the "current" column existed
            ["sessions", "1.aaaaaa", "Sessions", "Web", "leading", "count", "up", "d", "s", "2026-11-01"],
            ["new_leads", "1.old000", "New leads", "Funnel (flow)", "leading", "count", "up", "d", "s", "2026-10-01"],
        ],
    )

    update = run(frame([(W2, "sessions", "1.aaaaaa", "All", 120.0)]), legacy, RUN1_AT)

    assert update.tracker == [
        [*HEADER, "2026-11-02", "2026-11-09"],
        ["Web", None, None, None],
        ["Sessions", "All", 100, 120],
        [None, "Inbound", 80, None],
        ["Earlier definitions", None, None, None],
        ["New leads (v1.old000)", "All", 5, None],
        ["Hand-added row (v0.x)", "All", 1, None],
    ]
    assert update.summary.unresolved_rows == 1
    assert update.summary.tracker_rows_added == 0


def test_renamed_kpi_keeps_its_row_and_unknown_rows_are_kept_verbatim() -> None:
    existing, _ = first_run()
    stray: list[Cell] = ["Hand-added row", "All", 1, 2]
    existing = TabGrids(
        tracker=[*existing.tracker, stray], snapshots=existing.snapshots, definitions=existing.definitions
    )
    renamed = replace(SESSIONS, name="Web sessions")

    update = run(frame([(W2, "sessions", "1.aaaaaa", "All", 120.0)]), existing, RUN2_AT, definitions=[renamed])

    assert ["Web sessions", "All", 100, 120] in update.tracker
    assert sum(row[0] in {"Sessions", "Web sessions"} and row[1] == "All" for row in update.tracker) == 1
    assert update.tracker[-1] == stray
    assert update.tracker_rows[-1].key is None and update.tracker_rows[-1].kind == "unresolved"
    assert update.summary.unresolved_rows == 1
    assert update.summary.tracker_rows_added == 0


def test_all_digit_version_fingerprint_stays_text() -> None:
    digits = replace(SESSIONS, kpi_version="1.120000")
    values = frame([(W1, "sessions", "1.120000", "All", 5.0)])
    first = run(values, TabGrids(), RUN1_AT, definitions=[digits])

    second = run(values, applied(TabGrids(), first), RUN2_AT, definitions=[digits])

    assert second.tracker == [[*HEADER, "2026-11-02"], ["Web", None, None], ["Sessions", "All", 5]]
    assert second.definitions[1][1] == "1.120000"
    assert second.summary.unresolved_rows == 0
    assert second.snapshots_append == []


def test_foreign_tracker_layout_and_unknown_kpi_are_refused() -> None:
    foreign = TabGrids(tracker=[["Week", "Sessions"], ["2026-11-02", 5]])
    with pytest.raises(TrackerLayoutError, match=r"Tracker tab row 1: expected columns KPI, Channel first"):
        run(RUN1_VALUES, foreign, RUN1_AT)

    bad_week = TabGrids(tracker=[[*HEADER, "Notes", "2026-11-02"]])
    with pytest.raises(TrackerLayoutError, match=r"column C: 'Notes' is not a week start date"):
        run(RUN1_VALUES, bad_week, RUN1_AT)
    # A column of the owner's right of the weeks is theirs; one between weeks means a damaged header.
    between = TabGrids(tracker=[[*HEADER, "2026-11-02", "Notes", "2026-11-09"]])
    with pytest.raises(TrackerLayoutError, match=r"column D: Notes sits between week columns"):
        run(RUN1_VALUES, between, RUN1_AT)
    owner_column = run(RUN1_VALUES, TabGrids(tracker=[[*HEADER, "2026-11-02", "Notes"]]), RUN1_AT)
    assert owner_column.tracker[0] == [*HEADER, "2026-11-02", "2026-11-09"]

    with pytest.raises(ValueError, match=r"KPI mystery version 1\.x has no definition"):
        run(frame([(W1, "mystery", "1.x", "All", 1.0)]), TabGrids(), RUN1_AT)

    with pytest.raises(ValueError, match=r"duplicate row for 2026-11-02 sessions 1\.aaaaaa All"):
        run(frame([(W1, "sessions", "1.aaaaaa", "All", 1.0)] * 2), TabGrids(), RUN1_AT)


# ---------------------------------------------------------------------------------------------- Snapshots


def test_snapshots_first_run_appends_every_key_with_header() -> None:
    _, update = first_run()

    assert update.snapshots_header_needed
    assert update.snapshot_rows_to_write[0] == list(SNAPSHOTS_HEADER)
    assert update.snapshots_append[:3] == [
        ["2026-11-10T06:00:00Z", "run-1110", "2026-11-02", "sessions", "1.aaaaaa", "All", 100],
        ["2026-11-10T06:00:00Z", "run-1110", "2026-11-02", "sessions", "1.aaaaaa", "Inbound", 80],
        ["2026-11-10T06:00:00Z", "run-1110", "2026-11-02", "engagement_rate", "1.aaaaaa", "All", 0.5],
    ]
    assert len(update.snapshots_append) == 9
    assert update.snapshots_existing_rows == 0


def test_snapshots_rerun_unchanged_appends_nothing() -> None:
    existing, _ = first_run()

    rerun = run(RUN1_VALUES, existing, RUN2_AT)

    assert rerun.snapshots_append == []
    assert not rerun.snapshots_header_needed
    assert rerun.snapshots_existing_rows == 10
    assert rerun.summary.cells_changed == 0
    assert rerun.tracker == existing.tracker


def test_snapshots_changed_value_appends_exactly_one_row() -> None:
    existing, _ = first_run()
    values = RUN1_VALUES.copy()
    values.loc[2, "value"] = 101.0  # sessions All W1

    update = run(values, existing, RUN3_AT)

    assert update.snapshots_append == [
        ["2026-11-24T06:30:15Z", "run-1124", "2026-11-02", "sessions", "1.aaaaaa", "All", 101]
    ]


def test_snapshots_compare_against_latest_not_first() -> None:
    existing, _ = first_run()
    changed = RUN1_VALUES.copy()
    changed.loc[2, "value"] = 101.0
    existing = applied(existing, run(changed, existing, RUN2_AT))

    # Back to the first value: differs from the latest snapshot (101), so it is recorded again.
    back = run(RUN1_VALUES, existing, RUN3_AT)

    assert [row[6] for row in back.snapshots_append] == [100]


@pytest.mark.parametrize(
    ("before", "after", "appended"),
    [
        (NaN, 0.0, 1),  # empty vs 0 differs
        (0.0, NaN, 1),
        (NaN, NaN, 0),  # empty vs empty is equal
        (0.3, 0.1 + 0.2, 0),  # float noise below 9 significant digits
        (0.3, 0.3000001, 1),
    ],
)
def test_snapshots_empty_zero_and_rounding(before: float, after: float, appended: int) -> None:
    first = run(frame([(W1, "engagement_rate", "1.aaaaaa", "All", before)]), TabGrids(), RUN1_AT)
    existing = applied(TabGrids(), first)

    second = run(frame([(W1, "engagement_rate", "1.aaaaaa", "All", after)]), existing, RUN2_AT)

    assert len(second.snapshots_append) == appended


def test_snapshots_read_back_as_text_from_a_sheet_still_dedupe() -> None:
    # A Sheet read with formatted values returns text; the model must compare numbers, not strings.
    existing = TabGrids(
        snapshots=[
            list(SNAPSHOTS_HEADER),
            ["2026-11-10T06:00:00Z", "r1", "2026-11-02", "sessions", "1.aaaaaa", "All", "1,234"],
        ]
    )

    update = run(frame([(W1, "sessions", "1.aaaaaa", "All", 1234.0)]), existing, RUN2_AT)

    assert update.snapshots_append == []


def test_same_value_rules() -> None:
    assert same_value(None, None)
    assert same_value("", None)
    assert not same_value(None, 0)
    assert same_value(5, 5.0)
    assert same_value(1234567891.0, 1234567891.5)  # within 1e-9 of each other: recomputation noise
    assert not same_value(1234567891.0, 1234567894.0)
    assert not same_value(999_999.99, 1_000_000.00)  # a cent on a million is a change
    assert same_value(0.0, 1e-12)  # near zero, an absolute tolerance
    assert not same_value(0.0, 1e-6)


@pytest.mark.parametrize("value", [155.6634375, 42.66755125])
def test_same_value_across_a_rounding_boundary(value: float) -> None:
    """One ulp either side of a value whose 10th digit is a 5: rounding to 9 digits split these (a rerun
    reported such cells as restated); they are the same value."""
    below, above = math.nextafter(value, -math.inf), math.nextafter(value, math.inf)
    assert {f"{n:.9g}" for n in (below, value, above)} != {f"{value:.9g}"}  # they straddle the boundary
    assert same_value(below, above) and same_value(value, above) and same_value(below, value)


# -------------------------------------------------------------------------------------------- Definitions


def test_definitions_first_used_preserved_and_old_versions_kept() -> None:
    existing, first = first_run()
    assert first.definitions[0] == list(DEFINITIONS_HEADER)
    assert first.definitions[1] == [
        "sessions",
        "1.aaaaaa",
        "Sessions",
        "Web",
        "leading",
        "count",
        "up",
        "Sessions definition",
        "timezone=UTC",
        "2026-11-10",
        "yes",
    ]
    v3 = replace(NEW_LEADS, kpi_version="3.eeeeee", definition="New leads v3")
    reworded = replace(SESSIONS, definition="GA4 sessions with date in W")

    update = run(frame([]), existing, RUN2_AT, definitions=[reworded, ENGAGEMENT, v3, NEW_DEALS, REVENUE])

    rows = {(row[0], row[1]): row for row in update.definitions[1:]}
    assert [(row[0], row[1]) for row in update.definitions[1:]] == [
        ("sessions", "1.aaaaaa"),
        ("engagement_rate", "1.aaaaaa"),
        ("new_leads", "2.bbbbbb"),
        ("new_leads", "3.eeeeee"),
        ("new_deals", "1.dddddd"),
        ("revenue_won", "1.cccccc"),
    ]
    assert rows[("sessions", "1.aaaaaa")][7:] == ["GA4 sessions with date in W", "timezone=UTC", "2026-11-10", "yes"]
    assert rows[("new_leads", "2.bbbbbb")][7:] == ["New leads definition", "timezone=UTC", "2026-11-10", None]
    assert rows[("new_leads", "3.eeeeee")][7:] == ["New leads v3", "timezone=UTC", "2026-11-17", "yes"]
    assert update.summary.definitions_added == 1


# ------------------------------------------------------------------------------------------ Restatements


def test_restatement_records_first_reported_value_and_date() -> None:
    existing = TabGrids()
    for at, value in ((RUN1_AT, 100.0), (RUN2_AT, 110.0)):
        update = run(frame([(W1, "sessions", "1.aaaaaa", "All", value)]), existing, at)
        existing = applied(existing, update)
    assert [(r.old_value, r.new_value) for r in update.summary.restatements] == [(100, 110)]

    third = run(
        frame([(W1, "sessions", "1.aaaaaa", "All", 120.0), (W1, "engagement_rate", "1.aaaaaa", "All", 0.4)]),
        existing,
        RUN3_AT,
    )

    (restated,) = third.summary.restatements
    assert restated.key == RowKey("sessions", "1.aaaaaa", "All")
    assert restated.week_start == W1
    assert (restated.old_value, restated.new_value) == (110, 120)
    assert (restated.first_reported_value, restated.first_reported_on) == (100, date(2026, 11, 10))
    assert restated.note() == "first reported 100 on 2026-11-10"
    assert restated.note("EUR") == "first reported 100 on 2026-11-10"  # a count has no currency
    assert third.summary.cells_changed == 2


def test_restatement_note_reads_money_as_the_tracker_shows_it() -> None:
    first = run(frame([(W2, "revenue_won", "1.cccccc", "All", 6765.4)]), TabGrids(), RUN1_AT)
    second = run(frame([(W2, "revenue_won", "1.cccccc", "All", 7001.0)]), applied(TabGrids(), first), RUN2_AT)

    (restated,) = second.summary.restatements
    assert restated.note() == "first reported $6,765 on 2026-11-10"
    assert restated.note("EUR") == "first reported €6,765 on 2026-11-10"


def test_restatement_to_empty_and_ratio_note_and_missing_history() -> None:
    first = run(frame([(W1, "engagement_rate", "1.aaaaaa", "All", 0.425)]), TabGrids(), RUN1_AT)
    existing = applied(TabGrids(), first)
    # Snapshots tab lost: the first-reported value falls back to what the Tracker showed.
    no_history = TabGrids(tracker=existing.tracker, definitions=existing.definitions)

    update = run(frame([(W1, "engagement_rate", "1.aaaaaa", "All", NaN)]), no_history, RUN2_AT)

    (restated,) = update.summary.restatements
    assert (restated.old_value, restated.new_value) == (0.425, None)
    assert (restated.first_reported_value, restated.first_reported_on) == (0.425, None)
    assert restated.note() == "first reported 42.5%"
    with_history = run(frame([(W1, "engagement_rate", "1.aaaaaa", "All", 0.5)]), existing, RUN2_AT)
    assert with_history.summary.restatements[0].note() == "first reported 42.5% on 2026-11-10"


# -------------------------------------------------------------------------------------------- Owner tabs


def test_parse_targets_valid_rows_skip_comments_and_blanks() -> None:
    grid: list[list[object]] = [
        ["KPI_ID", "channel", "period_start", "period_end", "target", "comment"],
        list(TARGETS_TEMPLATE[1]),
        ["revenue_won", "All", "2026-01-01", "2026-03-31", 250000, "Q1"],
        [],
        ["new_leads", "Inbound", date(2026, 1, 1), datetime(2026, 1, 31), "1,200"],
    ]

    targets = parse_targets(grid, known_kpi_ids={"revenue_won", "new_leads"})

    assert targets.to_dict("records") == [
        {
            "kpi_id": "revenue_won",
            "channel": "All",
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 3, 31),
            "target": 250000.0,
        },
        {
            "kpi_id": "new_leads",
            "channel": "Inbound",
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "target": 1200.0,
        },
    ]
    assert str(targets["target"].dtype) == "float64"
    assert parse_targets([list(TARGETS_HEADER), list(TARGETS_TEMPLATE[1])]).empty
    assert list(parse_targets([]).columns) == list(TARGETS_HEADER)


def test_parse_targets_errors_name_tab_row_and_column() -> None:
    grid: list[list[object]] = [
        list(TARGETS_HEADER),
        ["revenue_won", "All", "2026-01-01", "2026-03-31", 1000],
        ["revenue_won", "All", "2026-03-01", "2026-06-30", 2000],
        ["new_leads", "All", "2026-01-01", "2026-13-01", 10],
        ["new_lead", "", "2026-02-01", "2026-01-01", "lots"],
    ]

    with pytest.raises(OwnerTabError) as caught:
        parse_targets(grid, known_kpi_ids={"revenue_won", "new_leads"})

    assert caught.value.errors == [
        "Targets tab row 3: period 2026-03-01..2026-06-30 overlaps row 2 for revenue_won / All",
        "Targets tab row 4: period_end '2026-13-01' is not a date (YYYY-MM-DD)",
        "Targets tab row 5: kpi_id 'new_lead' is not a known KPI (did you mean new_leads?)",
        "Targets tab row 5: channel is empty (use 'All' for the total)",
        "Targets tab row 5: period_end 2026-01-01 is before period_start 2026-02-01",
        "Targets tab row 5: target 'lots' is not a number",
    ]
    with pytest.raises(OwnerTabError, match=r"^Targets tab row 1: missing column\(s\) 'target'"):
        parse_targets([["kpi_id", "channel", "period_start", "period_end"]])


def test_parse_costs_valid_and_errors() -> None:
    grid: list[list[object]] = [
        list(COSTS_TEMPLATE[0]),
        list(COSTS_TEMPLATE[1]),
        ["Offline", "2026-01-01", "2026-01-31", 3100.5, "Trade show"],
        ["Paid Social", "2026-02-01", "2026-02-28", 0],
    ]
    costs = parse_costs(grid)
    assert costs.to_dict("records") == [
        {
            "channel": "Offline",
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "amount": 3100.5,
            "note": "Trade show",
        },
        {
            "channel": "Paid Social",
            "period_start": date(2026, 2, 1),
            "period_end": date(2026, 2, 28),
            "amount": 0.0,
            "note": "",
        },
    ]

    bad: list[list[object]] = [
        list(COSTS_TEMPLATE[0]),
        ["Offline", "", "2026-01-31", -5],
        ["Email", "2026-01-01", "01/31/2026", None],
    ]
    with pytest.raises(OwnerTabError) as caught:
        parse_costs(bad)
    assert caught.value.errors == [
        "Costs tab row 2: period_start is empty (expected a date YYYY-MM-DD)",
        "Costs tab row 2: amount -5 is negative",
        "Costs tab row 3: period_end '01/31/2026' is not a date (YYYY-MM-DD)",
        "Costs tab row 3: amount is empty (expected a number)",
    ]
