"""The demo with each setting of the README's table switched on, one at a time and all together.

One small synthetic company (every source, ten weeks) is shared by every run; each run computes four
weeks through the CLI (emulators → warehouse → KPIs → workbook) and must exit 0 with a version on every KPI
row. Where a setting changes numbers, the run shows at least one effect checked by hand: against the
fixture's own records, or against the run with no settings at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
import yaml

from emulators.fixture import dump_fixture
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import main
from resources.warehouse import WarehouseResource
from tests.settings_cases import all_together, setting_cases
from tests.settings_table import readme_settings_rows

TODAY = datetime.now(UTC).date()
# The synthetic company as it stood on 2026-06-01; the run's four Monday weeks end the Sunday before.
DATA_DAY = date(2026, 6, 1)
MONDAYS = (date(2026, 4, 27), date(2026, 5, 18))
SUNDAYS = (date(2026, 4, 26), date(2026, 5, 17))
AS_OF = "2026-06-01T00:00:00Z"
CASES = setting_cases(TODAY)
ZONE = CASES["timezone"]["timezone"]


@dataclass(frozen=True)
class Run:
    """One demo run: its exit code, every KPI row it stored, and its workbook."""

    code: int
    kpis: pd.DataFrame
    workbook: Path

    def value(self, kpi_id: str, channel: str, week: date) -> float:
        rows = self.kpis[(self.kpis["kpi_id"] == kpi_id) & (self.kpis["channel"] == channel)]
        found = rows.loc[rows["week_start"] == week, "value"]
        assert len(found) == 1, (kpi_id, channel, week)
        value = found.iloc[0]
        return math.nan if value is None or pd.isna(value) else float(value)

    def weeks(self) -> list[date]:
        return sorted(set(self.kpis["week_start"]))

    def values(self) -> pd.Series:
        keyed = self.kpis.set_index(["week_start", "kpi_id", "channel"])["value"].astype(float)
        return keyed.sort_index()


def _demo(folder: Path, settings: dict[str, Any], weeks: tuple[date, date], fixture: Path) -> Run:
    folder.mkdir(parents=True)
    config = folder / "funnel-ledger.yaml"
    config.write_text(yaml.safe_dump(settings))
    warehouse_url = f"sqlite:///{folder / 'warehouse.db'}"
    workbook = folder / "tracker.xlsx"
    with pytest.MonkeyPatch.context() as env:
        env.chdir(folder)
        for name in ("DAGSTER_HOME", "FUNNEL_LEDGER_CONFIG", "TRACKER_WORKBOOK", "TRACKER_SPREADSHEET_ID"):
            env.delenv(name, raising=False)
        env.setenv("FUNNEL_LEDGER_DATA_DIR", str(folder / "data"))
        env.setenv("WAREHOUSE_URL", warehouse_url)
        window = ["--as-of", AS_OF, "--from", str(weeks[0]), "--to", str(weeks[1]), "--workbook", str(workbook)]
        code = main(["demo", "--fixture", str(fixture), "--config", str(config), *window])
    warehouse = WarehouseResource(url=warehouse_url)
    kpis = warehouse.read_kpis() if code == 0 else pd.DataFrame()
    warehouse.dispose()
    return Run(code, kpis, workbook)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data = generate_demo_fixture(today=DATA_DAY, weeks=10, scale=0.6)
    path = tmp_path_factory.mktemp("company") / "company.json"
    dump_fixture(data, path)
    return path, data


@pytest.fixture(scope="module")
def baseline(company, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _demo(tmp_path_factory.mktemp("baseline") / "run", {}, MONDAYS, company[0])


# ----------------------------------------------------------------------------- hand computations


def _week(instant: str, zone: str = "UTC", week_start: str = "monday") -> date:
    day = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).date()
    return day - timedelta(days=(day.weekday() + (1 if week_start == "sunday" else 0)) % 7)


def _live(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records a KPI counts: not archived, created by the run's as-of instant."""
    return [r for r in records if not r["archived"] and r["properties"]["createdate"] <= AS_OF]


def new_contacts(data: dict[str, Any], week: date, zone: str = "UTC", week_start: str = "monday", **match: str) -> int:
    """Contacts created in ``week`` (local dates in ``zone``) whose properties equal ``match``."""
    return sum(
        1
        for c in _live(data["hubspot"]["contacts"])
        if _week(c["properties"]["createdate"], zone, week_start) == week
        and all(c["properties"].get(k) == v for k, v in match.items())
    )


def _amount(deal: dict[str, Any]) -> float:
    props = deal["properties"]
    return float(props.get("amount_in_home_currency") or props.get("amount") or 0)


def pipeline_created(
    data: dict[str, Any], week: date, pipeline: str | None = None, zone: str = "UTC", week_start: str = "monday"
) -> float:
    """Amounts (company currency first) of the deals created in ``week``, of one pipeline or all."""
    return sum(
        _amount(d)
        for d in _live(data["hubspot"]["deals"])
        if _week(d["properties"]["createdate"], zone, week_start) == week
        and (pipeline is None or d["properties"]["pipeline"] == pipeline)
    )


def new_mrr(data: dict[str, Any], week: date, monthly: Callable[[float], float]) -> float:
    """Won deals closed in ``week``: ``hs_mrr`` when above 0, else ``monthly(amount)``."""
    total = 0.0
    for d in _live(data["hubspot"]["deals"]):
        props = d["properties"]
        if (
            props.get("hs_is_closed_won") == "true"
            and props["closedate"] <= AS_OF
            and _week(props["closedate"]) == week
        ):
            mrr = float(props.get("hs_mrr") or 0)
            total += mrr if mrr > 0 else monthly(_amount(d))
    return total


def ga4_events(data: dict[str, Any], week: date, event: str, week_start: str = "monday") -> int:
    return sum(
        s["events"].get(event, 0)
        for s in data["ga4"]["sessions"]
        if _week(f"{s['date']}T12:00:00Z", week_start=week_start) == week
    )


def _tab(run: Run, name: str) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(run.workbook)[name].iter_rows(values_only=True))


def _same_numbers(run: Run, baseline: Run, *, except_kpis: frozenset[str] = frozenset()) -> None:
    got, expected = run.values(), baseline.values()
    keep = ~got.index.get_level_values("kpi_id").isin(list(except_kpis))
    pd.testing.assert_series_equal(
        got[keep], expected[~expected.index.get_level_values("kpi_id").isin(list(except_kpis))]
    )


# ----------------------------------------------------------------------------- checks per setting

Check = Callable[[Run, Run, dict[str, Any]], None]
MONEY = ("ad_spend", "pipeline_created", "revenue_won", "open_pipeline", "total_spend")


def _timezone(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    moved = False
    for week in run.weeks():
        local, utc = new_contacts(data, week, ZONE), new_contacts(data, week)
        assert run.value("new_contacts", "All", week) == local and baseline.value("new_contacts", "All", week) == utc
        moved |= local != utc
    assert moved  # the zone moved at least one contact into another week


def _week_start(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    assert run.weeks()[0] == SUNDAYS[0]
    for week in run.weeks():
        assert run.value("new_contacts", "All", week) == new_contacts(data, week, week_start="sunday")
        assert run.value("pipeline_created", "All", week) == pytest.approx(
            pipeline_created(data, week, week_start="sunday")
        )


def _currency(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        for kpi_id in MONEY:
            assert run.value(kpi_id, "All", week) == pytest.approx(0.9 * baseline.value(kpi_id, "All", week)), kpi_id
        assert run.value("new_leads", "All", week) == baseline.value("new_leads", "All", week)
    assert any(baseline.value("pipeline_created", "All", w) > 0 for w in run.weeks())


def _channels(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        assert run.value("new_contacts", "Partners", week) == 0  # nothing maps to it yet: a row of zeros
    _same_numbers(Run(run.code, run.kpis[run.kpis["channel"] != "Partners"], run.workbook), baseline)


def _channel_groups(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        expected = sum(baseline.value("new_contacts", c, week) for c in ("Offline", "Email"))
        assert run.value("new_contacts", "Outbound", week) == expected
        assert run.value("new_contacts", "All", week) == baseline.value("new_contacts", "All", week)


def _channel_map(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        both = baseline.value("new_contacts", "Paid Search", week) + baseline.value("new_contacts", "Paid Social", week)
        assert run.value("new_contacts", "Paid Search", week) == both
        assert run.value("new_contacts", "Paid Social", week) == 0


def _channel_refinements(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    moved = 0
    for week in run.weeks():
        imported = new_contacts(data, week, hs_analytics_source="OFFLINE", hs_analytics_source_data_1="IMPORT")
        moved += imported
        assert run.value("new_contacts", "Offline", week) == baseline.value("new_contacts", "Offline", week) - imported
        assert run.value("new_contacts", "Other", week) == baseline.value("new_contacts", "Other", week) + imported
    assert moved > 0


def _stages(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    versions = run.kpis.groupby("kpi_id")["kpi_version"].first()
    before = baseline.kpis.groupby("kpi_id")["kpi_version"].first()
    assert versions["new_mqls"] != before["new_mqls"] and versions["sessions"] == before["sessions"]
    for week in run.weeks():
        for kpi_id in ("new_contacts", "new_mqls", "new_sqls", "new_customers"):
            assert run.value(kpi_id, "All", week) == baseline.value(kpi_id, "All", week), kpi_id


def _pipelines(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        assert run.value("pipeline_created", "All", week) == pytest.approx(pipeline_created(data, week, "default"))
        assert baseline.value("pipeline_created", "All", week) == pytest.approx(pipeline_created(data, week))
    assert sum(pipeline_created(data, w) - pipeline_created(data, w, "default") for w in run.weeks()) > 0


def _deal_amount_basis(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        assert run.value("new_mrr", "All", week) == pytest.approx(new_mrr(data, week, lambda a: a))
        assert baseline.value("new_mrr", "All", week) == pytest.approx(new_mrr(data, week, lambda a: a / 12))
    assert any(run.value("new_mrr", "All", w) > 0 for w in run.weeks())


def _tracker_channels(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    shown = {row[1] for row in _tab(run, "Tracker")[1:] if row[1]}
    assert shown == {"All", "Inbound"}
    _same_numbers(run, baseline)  # the warehouse and Snapshots keep every slice


def _scorecard(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    names = [row[0] for row in _tab(run, "Scorecard") if row[1] == "All"]
    assert names == ["New MQLs", "Revenue won"]
    _same_numbers(run, baseline)


def _ltv(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    defined = 0
    for week in run.weeks():
        mrr, customers, cac = (run.value(k, "All", week) for k in ("new_mrr", "new_customers", "cac"))
        expected = (mrr / customers) * 0.8 / 0.02 / cac if customers and cac else math.nan
        got = run.value("ltv_to_cac", "All", week)
        assert got == pytest.approx(expected, nan_ok=True)
        defined += not math.isnan(got)
        assert math.isnan(baseline.value("ltv_to_cac", "All", week))
    assert defined


def _ad_channels(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        assert run.value("ad_spend", "Other", week) == baseline.value("ad_spend", "Paid Social", week)
        assert run.value("ad_spend", "Referral", week) == baseline.value("ad_spend", "Paid Search", week)
        assert run.value("ad_spend", "All", week) == pytest.approx(baseline.value("ad_spend", "All", week))
    assert set(run.kpis.loc[run.kpis["kpi_id"] == "ad_spend", "channel"]).isdisjoint({"Paid Social", "Paid Search"})


def _ga4_channel_map(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        both = baseline.value("sessions", "Referral", week) + baseline.value("sessions", "Organic Search", week)
        assert run.value("sessions", "Referral", week) == both and run.value("sessions", "Organic Search", week) == 0


def _scroll_depth(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    for week in run.weeks():
        for depth, event in ((25, "scroll_25"), (50, "scroll_50")):
            assert run.value(f"scroll_depth_{depth}", "All", week) == ga4_events(data, week, event) > 0
    assert not baseline.kpis["kpi_id"].str.startswith("scroll_depth_").any()
    assert {"Scroll depth 25%", "Scroll depth 50%"} <= {row[0] for row in _tab(run, "Tracker")}


def _unchanged(run: Run, baseline: Run, data: dict[str, Any]) -> None:
    _same_numbers(run, baseline)


CHECKS: dict[str, Check] = {
    "timezone": _timezone,
    "week_start": _week_start,
    "currency": _currency,
    "channels": _channels,
    "channel_groups": _channel_groups,
    "channel_map": _channel_map,
    "channel_refinements": _channel_refinements,
    "stages": _stages,
    "pipelines": _pipelines,
    "deal_amount_basis": _deal_amount_basis,
    "tracker_channels": _tracker_channels,
    "scorecard": _scorecard,
    "gross_margin, monthly_churn_rate": _ltv,
    "ads.linkedin_channel, ads.google_ads_channel": _ad_channels,
    "ga4.channel_map": _ga4_channel_map,
    "ga4.scroll_depth_events": _scroll_depth,
}


def _check_versions(run: Run) -> None:
    """Every KPI row carries a version, and the Definitions tab shows it as the current one."""
    assert run.code == 0
    assert len(run.kpis) and run.kpis["kpi_version"].str.fullmatch(r"\d+\.[0-9a-f]{6}").all()
    definitions = {(row[0], row[1]) for row in _tab(run, "Definitions")[1:] if row[10] == "yes"}
    assert set(run.kpis[["kpi_id", "kpi_version"]].itertuples(index=False, name=None)) <= definitions


@pytest.mark.unit
def test_every_readme_settings_row_has_a_case():
    rows = [row.label for row in readme_settings_rows()]
    assert sorted(CASES) == sorted(rows), f"add a case to tests/settings_cases.py for: {set(rows) - set(CASES)}"


@pytest.mark.slow
@pytest.mark.parametrize("row", list(CASES))
def test_one_setting_switched_on(row: str, company, baseline: Run, tmp_path: Path):
    weeks = SUNDAYS if CASES[row].get("week_start") == "sunday" else MONDAYS
    run = _demo(tmp_path / "run", CASES[row], weeks, company[0])
    _check_versions(run)
    CHECKS.get(row, _unchanged)(run, baseline, company[1])


@pytest.mark.slow
def test_every_setting_switched_on_together(company, tmp_path: Path):
    data = company[1]
    run = _demo(tmp_path / "run", all_together(TODAY), SUNDAYS, company[0])
    _check_versions(run)
    assert {row[1] for row in _tab(run, "Tracker")[1:] if row[1]} <= {"All", "Inbound", "Outbound"}
    for week in run.weeks():
        assert run.value("scroll_depth_25", "All", week) == ga4_events(data, week, "scroll_25", "sunday")
        # EUR at 0.9 per USD, the default pipeline only, Sunday weeks of local dates.
        expected = 0.9 * pipeline_created(data, week, "default", ZONE, "sunday")
        assert run.value("pipeline_created", "All", week) == pytest.approx(expected)
    assert run.kpis.loc[run.kpis["kpi_id"] == "ltv_to_cac", "value"].notna().any()
