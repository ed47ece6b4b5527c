"""A three-year backfill is one run that pulls each source once; the next scheduled run recomputes only
the trailing weeks."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from emulators.suite import start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import run_pipeline
from pipelines.demo import DemoEnvironment
from resources.warehouse import WarehouseResource, weekly_kpis
from settings import RuntimeEnv, parse_settings

pytestmark = pytest.mark.slow

WEEKS = 156


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    today = datetime.now(UTC).date()
    fixture = generate_demo_fixture(today=today, weeks=WEEKS + 8, scale=0.25)
    # No burst limit in the emulator and no pacing in the client: this test counts calls, not time.
    suite = start_emulators(fixture, hubspot_burst_limit=0, hubspot_search_per_second=0)
    demo = DemoEnvironment(
        suite=suite,
        fixture_source="test",
        parts=frozenset({"linkedin", "google_ads", "ga4"}),
        fixture_ids={
            "linkedin": fixture["linkedin"]["account_id"],
            "google_ads": fixture["google_ads"]["customer_id"],
            "ga4": fixture["ga4"]["property_id"],
        },
    )
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": str(tmp_path)})
    yield demo, runtime, fixture, today
    suite.stop()


def _counts(demo: DemoEnvironment) -> dict[str, dict[str, int]]:
    return {name: dict(demo.suite.app(name).request_counts) for name in ("hubspot", "linkedin", "google_ads", "ga4")}


def test_three_years_in_one_run_then_a_weekly_run_recomputes_only_the_trailing_weeks(environment):
    demo, runtime, fixture, today = environment
    last_week = today - timedelta(days=today.weekday() + 7)  # the latest complete Monday week
    first_week = last_week - timedelta(weeks=WEEKS - 1)
    settings = parse_settings(
        {"start_date": (first_week - timedelta(weeks=4)).isoformat(), "hubspot": {"requests_per_10s": 100_000}}
    )
    sources = demo.resources(settings)

    backfill = run_pipeline(
        settings=settings,
        runtime=runtime,
        config_path=None,
        sources=sources,
        first=first_week,
        last=last_week,
        as_of=None,
    )
    assert len(backfill["weeks"]) == WEEKS
    counts = _counts(demo)
    contacts = fixture["hubspot"]["contacts"]
    live = sum(1 for c in contacts if not c["archived"])
    archived = len(contacts) - live
    # HubSpot: one full listing, 100 a page, nothing else per week.
    assert counts["hubspot"]["contacts.list"] == math.ceil(live / 100) + max(1, math.ceil(archived / 100))
    assert "contacts.search" not in counts["hubspot"]
    # Ads: one ranged request each for the whole three years.
    assert counts["linkedin"]["linkedin.adAnalytics"] == 1
    assert counts["google_ads"]["google_ads.searchStream"] == 1
    # GA4: one daily report; week-grain users four weeks per report, all slices in one batch.
    assert counts["ga4"]["runReport"] == 1
    assert counts["ga4"]["batchRunReports"] == math.ceil(WEEKS / 4)

    warehouse = WarehouseResource(url=runtime.warehouse_url)
    with warehouse.engine.connect() as conn:
        by_run = pd.DataFrame(conn.execute(sa.select(weekly_kpis.c.week_start, weekly_kpis.c.run_id)).fetchall())
    assert by_run["week_start"].nunique() == WEEKS
    assert set(by_run["run_id"]) == {backfill["run_id"]}

    # The Monday schedule's request: the trailing refresh_weeks (12) in one run.
    trailing_first = last_week - timedelta(weeks=settings.refresh_weeks - 1)
    weekly = run_pipeline(
        settings=settings,
        runtime=runtime,
        config_path=None,
        sources=sources,
        first=trailing_first,
        last=last_week,
        as_of=None,
    )
    after = _counts(demo)
    # Incremental: no relisting of live contacts, only the archived listing (the recycle bin) again.
    relisted = after["hubspot"]["contacts.list"] - counts["hubspot"]["contacts.list"]
    assert relisted == max(1, math.ceil(archived / 100))
    assert after["hubspot"].get("contacts.search", 0) >= 1
    with warehouse.engine.connect() as conn:
        by_run = pd.DataFrame(conn.execute(sa.select(weekly_kpis.c.week_start, weekly_kpis.c.run_id)).fetchall())
    assert weekly["weeks"] == [(trailing_first + timedelta(weeks=n)).isoformat() for n in range(settings.refresh_weeks)]
    # The run computed its 12 weeks; values that came out as the warehouse already held them are not written
    # again (they keep the backfill's stamp), so whatever it wrote lies in those weeks.
    rewritten = set(by_run.loc[by_run["run_id"] == weekly["run_id"], "week_start"])
    assert all(week >= trailing_first for week in rewritten)
    assert by_run["week_start"].nunique() == WEEKS  # the older weeks are still there, from the backfill
    warehouse.dispose()
