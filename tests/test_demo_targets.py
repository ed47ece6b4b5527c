"""The demo's Targets tab: realistic, valid for the run, written only into a new workbook."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from assets.weekly_kpis import owner_tab_rules
from emulators.synthetic import World
from pipelines.demo import demo_targets, seed_demo_targets
from settings import parse_settings
from sheets_sync import TARGETS_HEADER, XlsxTracker, read_targets

pytestmark = pytest.mark.unit


def test_targets_cover_every_month_and_quarter_and_are_all_valid() -> None:
    rows = demo_targets(date(2026, 6, 1), date(2026, 12, 3))
    targets, problems = read_targets([list(TARGETS_HEADER), *rows], owner_tab_rules(parse_settings({})))
    assert problems == [] and len(targets) == len(rows)
    monthly = targets[(targets["kpi_id"] == "new_mqls") & (targets["channel"] == "All")]
    periods = zip(monthly["period_start"], monthly["period_end"], strict=True)
    assert [(s.isoformat(), e.isoformat()) for s, e in periods] == [
        ("2026-06-01", "2026-06-30"),
        ("2026-07-01", "2026-07-31"),
        ("2026-08-01", "2026-08-31"),
        ("2026-09-01", "2026-09-30"),
        ("2026-10-01", "2026-10-31"),
        ("2026-11-01", "2026-11-30"),
        ("2026-12-01", "2026-12-31"),
    ]
    quarters = targets[targets["kpi_id"] == "revenue_won"]
    assert [s.isoformat() for s in quarters["period_start"]] == ["2026-04-01", "2026-07-01", "2026-10-01"]
    assert set(targets["channel"]) == {"All", "Inbound"}


def test_a_target_is_5_percent_over_what_the_world_expects_rounded_as_a_person_would() -> None:
    world = World()
    june = [date(2026, 6, 1) + timedelta(days=i) for i in range(30)]
    expected = sum(world.expected_contacts(day) for day in june)
    rows = {(r[0], r[1], r[2]): r[4] for r in demo_targets(date(2026, 6, 1), date(2026, 6, 30), world=world)}
    # 0.70 leads and 0.245 MQLs per expected contact (the world's 0.67 and 0.23, about 5% more), to the 5.
    assert rows[("new_leads", "All", "2026-06-01")] == round(expected * 0.70 / 5) * 5
    assert rows[("new_mqls", "All", "2026-06-01")] == round(expected * 0.245 / 5) * 5
    assert rows[("cost_per_lead", "All", "2026-06-01")] == 90.0
    # A summer month asks for less than a spring one: the world's August dip.
    august = demo_targets(date(2026, 8, 1), date(2026, 8, 31), world=world)
    assert next(r[4] for r in august if r[0] == "new_leads") < rows[("new_leads", "All", "2026-06-01")]


def test_seeded_only_into_a_new_workbook(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tracker.xlsx"
    assert seed_demo_targets(path, date(2026, 6, 1), date(2026, 12, 3))
    owner = XlsxTracker(path).owner_tabs(owner_tab_rules(parse_settings({})))
    assert owner.problems == () and len(owner.targets) > 40 and owner.costs.empty
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Targets", "Costs"]
    book["Targets"].append(["new_leads", "All", "2027-01-01", "2027-01-31", 1])
    book.save(path)
    assert not seed_demo_targets(path, date(2026, 6, 1), date(2026, 12, 3))
    assert openpyxl.load_workbook(path)["Targets"].max_row == book["Targets"].max_row
