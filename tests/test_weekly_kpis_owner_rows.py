"""The KPI step with the owner's tabs: cost KPIs blank in weeks without a spend source (every other value
unchanged), rows the validation left out named on Insights, notes ranked latest week first."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from assets.weekly_kpis import compute_weekly_kpis_and_insights, owner_tab_rules
from emulators.scale import kpi_frames, weeks_ending
from settings import parse_settings
from sheets_sync.owner_tabs import OwnerTabProblem, empty_targets, read_costs

pytestmark = pytest.mark.unit

END = datetime(2024, 11, 30, tzinfo=UTC)
WEEKS = weeks_ending(END.date(), 8)  # 2024-09-30 .. 2024-11-18
SPEND_KPIS = {"total_spend", "cost_per_lead", "cost_per_mql", "cost_per_opportunity", "cac", "marketing_roi"}
SPEND_KPIS |= {"ltv_to_cac"}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return kpi_frames(2000, end=END)


def _compute(frames: dict[str, pd.DataFrame], costs: pd.DataFrame | None, problems=()):
    return compute_weekly_kpis_and_insights(
        frames,
        settings=parse_settings({}),
        weeks=WEEKS,
        as_of=pd.Timestamp(END),
        targets=empty_targets(),
        costs=costs,
        owner_problems=problems,
    )


def test_one_october_costs_row_fills_its_week_and_leaves_the_others_blank(frames) -> None:
    grid = [
        ["channel", "period_start", "period_end", "amount", "note"],
        ["Offline", "2024-10-07", "2024-10-13", 1400.0, "Trade show"],
        ["Ofline", "2024-10-14", "2024-10-20", 900.0, "typo: never booked anywhere"],
    ]
    costs, problems = read_costs(grid, owner_tab_rules(parse_settings({})))
    with_costs, notes = _compute(frames, costs, problems)
    without, _ = _compute(frames, None)

    offline = with_costs[(with_costs["channel"] == "Offline") & with_costs["kpi_id"].isin(SPEND_KPIS)]
    # Every week keeps its Offline rows (Snapshots keep every KPI and slice), blank outside the covered week.
    assert sorted(set(offline["week_start"])) == WEEKS
    spend = offline[offline["kpi_id"] == "total_spend"].set_index("week_start")["value"]
    assert spend[date(2024, 10, 7)] == 1400.0
    assert all(math.isnan(spend[w]) for w in WEEKS if w != date(2024, 10, 7))
    cpl = offline[offline["kpi_id"] == "cost_per_lead"].set_index("week_start")["value"]
    assert all(math.isnan(cpl[w]) for w in WEEKS if w != date(2024, 10, 7))
    # The typo row of the next week was left out: All has no spend source that week, so no number.
    all_spend = with_costs[(with_costs["channel"] == "All") & (with_costs["kpi_id"] == "total_spend")]
    by_week = all_spend.set_index("week_start")["value"]
    assert by_week[date(2024, 10, 7)] == 1400.0 and math.isnan(by_week[date(2024, 10, 14)])

    # Costs change spend-based KPIs only: every other value is the same as without them.
    def others(frame: pd.DataFrame) -> pd.DataFrame:
        rest = frame[~frame["kpi_id"].isin(SPEND_KPIS)]
        return rest.sort_values(["week_start", "kpi_id", "channel"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(others(with_costs), others(without))

    # The typo is named on Insights, once, on the latest week.
    left_out = [n for n in notes if n.flag == "row_left_out"]
    assert [(n.week_start, n.source, n.value) for n in left_out] == [(WEEKS[-1], "costs", 3.0)]
    assert left_out[0].detail == (
        "Costs tab row 3 is left out of the numbers until it is fixed: channel 'Ofline' is not a channel "
        "(did you mean Offline?)."
    )


def test_notes_come_latest_week_first(frames) -> None:
    problem = OwnerTabProblem("Targets", 7, "target 'lots' is not a number")
    _, notes = _compute(frames, None, [problem])
    weeks = [n.week_start for n in notes]
    assert weeks == sorted(weeks, reverse=True)
    assert any(n.source == "targets" and n.detail.startswith("Targets tab row 7 is left out") for n in notes)
