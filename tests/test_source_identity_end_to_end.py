"""Source identity end to end: a second demo fixture gets its own warehouse and reports its own numbers; a
live run pointed at another HubSpot portal with the same warehouse stops before writing, until the
documented ``reset-source`` lets the warehouse mirror the new portal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from emulators.fixture import dump_fixture
from emulators.suite import start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import main
from resources.warehouse import WarehouseResource, hubspot_contacts, source_identity, weekly_kpis

pytestmark = pytest.mark.slow

TODAY = datetime.now(UTC).date()
LAST_WEEK = TODAY - timedelta(days=TODAY.weekday() + 7)  # the latest complete Monday week
FIRST_WEEK = LAST_WEEK - timedelta(weeks=3)
RANGE = ["--from", FIRST_WEEK.isoformat(), "--to", LAST_WEEK.isoformat()]


def _company(seed: int, portal_id: int) -> dict:
    fixture = generate_demo_fixture(today=TODAY, weeks=8, seed=seed, scale=0.15)
    fixture["hubspot"]["account"]["portalId"] = portal_id
    return fixture


def _kpis(data_dir: Path) -> pd.DataFrame:
    warehouse = WarehouseResource(url=f"sqlite:///{data_dir / 'warehouse.db'}")
    try:
        values = warehouse.read_kpis()
    finally:
        warehouse.dispose()
    columns = ["week_start", "kpi_id", "kpi_version", "channel", "value"]
    return values[columns].sort_values(columns[:4]).reset_index(drop=True)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in (
        "DAGSTER_HOME",
        "FUNNEL_LEDGER_CONFIG",
        "FUNNEL_LEDGER_DATA_DIR",
        "FUNNEL_LEDGER_FIXTURE",
        "FUNNEL_LEDGER_MODE",
        "WAREHOUSE_URL",
        "TRACKER_WORKBOOK",
        "TRACKER_SPREADSHEET_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_second_demo_fixture_reports_its_own_numbers(checkout: Path, monkeypatch, capsys) -> None:
    first, second = checkout / "first.json", checkout / "other.json"
    dump_fixture(_company(7, 11111111), first)
    dump_fixture(_company(8, 22222222), second)

    assert main(["demo", "--fixture", str(first), *RANGE]) == 0
    assert main(["demo", "--fixture", str(second), *RANGE]) == 0
    printed = capsys.readouterr().out
    folders = sorted(p.name for p in (checkout / ".data").iterdir() if p.name.startswith("demo-"))
    assert [name.rsplit("-", 1)[0] for name in folders] == ["demo-first", "demo-other"]
    other_dir = checkout / ".data" / folders[1]
    assert f"Tracker: {(other_dir / 'tracker.xlsx').resolve()}" in printed
    assert not (checkout / ".data" / "warehouse.db").exists()  # the synthetic demo's warehouse is untouched

    # The same fixture computed in an empty data folder: every KPI value is the same.
    monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(checkout / "alone"))
    assert main(["demo", "--fixture", str(second), *RANGE]) == 0
    (alone_dir,) = (checkout / "alone").iterdir()
    together, alone = _kpis(other_dir), _kpis(alone_dir)
    assert len(together) > 500
    pd.testing.assert_frame_equal(together, alone)
    first_values = _kpis(checkout / ".data" / folders[0])
    assert not first_values.equals(together)  # two companies, two sets of numbers


def _live_env(urls: dict[str, str], data_dir: Path) -> dict[str, str]:
    return {
        "HUBSPOT_ACCESS_TOKEN": "pat-na1-00000000-sentinel",
        "HUBSPOT_BASE_URL": urls["hubspot"],
        "FUNNEL_LEDGER_DATA_DIR": str(data_dir),
    }


def _count(warehouse: WarehouseResource, table: sa.Table) -> int:
    with warehouse.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_live_run_against_another_portal_stops_until_the_source_is_reset(checkout: Path, monkeypatch, capsys) -> None:
    first, second = _company(7, 11111111), _company(8, 22222222)
    suite = start_emulators({"hubspot": first["hubspot"]}, hubspot_burst_limit=0, hubspot_search_per_second=0)
    try:
        for name, value in _live_env(suite.urls, checkout / "data").items():
            monkeypatch.setenv(name, value)
        assert main(["run", *RANGE]) == 0
        warehouse = WarehouseResource(url=f"sqlite:///{checkout / 'data' / 'warehouse.db'}")
        contacts_before = _count(warehouse, hubspot_contacts)
        kpis_before = warehouse.read_kpis()
        assert contacts_before == len(first["hubspot"]["contacts"])
        capsys.readouterr()

        # The same token variable now reaches another portal (HUBSPOT_BASE_URL and WAREHOUSE_URL unchanged).
        suite.hubspot.set_data(second["hubspot"])
        calls_before = dict(suite.hubspot.request_counts)
        assert main(["run", *RANGE]) == 2
        error = capsys.readouterr().err
        assert "HUBSPOT_ACCESS_TOKEN now points at HubSpot portal 22222222 (app.hubspot.com)" in error
        assert "mirrors HubSpot portal 11111111 (app.hubspot.com): nothing was written" in error
        assert "funnel-ledger reset-source hubspot --yes" in error and "sentinel" not in error
        assert _count(warehouse, hubspot_contacts) == contacts_before
        pd.testing.assert_frame_equal(warehouse.read_kpis(), kpis_before)
        # Stopped after the one account-info call, before reading any record (the settings preflight before
        # it reads the portal's stage property and pipelines: metadata, no record).
        calls = {k: v - calls_before.get(k, 0) for k, v in suite.hubspot.request_counts.items()}
        assert {k: v for k, v in calls.items() if v} == {"account_info": 1, "properties": 1, "pipelines": 1}

        # The documented way out: say what would go, then reset and rerun.
        assert main(["reset-source", "hubspot"]) == 0
        report = capsys.readouterr().out
        assert "mirrors HubSpot portal 11111111" in report and "Nothing was deleted" in report
        assert _count(warehouse, hubspot_contacts) == contacts_before
        assert main(["reset-source", "hubspot", "--yes"]) == 0
        assert f"{contacts_before:,} hubspot_contacts" in capsys.readouterr().out
        assert _count(warehouse, hubspot_contacts) == 0 and _count(warehouse, weekly_kpis) == 0
        assert main(["run", *RANGE]) == 0
        assert _count(warehouse, hubspot_contacts) == len(second["hubspot"]["contacts"])
        with warehouse.engine.connect() as conn:
            held = conn.execute(sa.select(source_identity.c.source, source_identity.c.identity)).all()
        assert held == [("hubspot", "22222222")]
        warehouse.dispose()
    finally:
        suite.stop()
