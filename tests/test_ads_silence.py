"""An ad platform that goes silent is said, not read as a quiet week.

Unit: the Insights rows from ``ad_silent_days`` (hand-computed). End to end on the emulators: LinkedIn
without ``r_ads_reporting`` or without a role on the account stops the run with a message naming the
scope or the role (nothing written); with access but no delivery for days it had spend for, those days
count 0 spend and the Insights tab carries ``ads_went_silent`` with the spend they had.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from assets.kpi_math.insights.silent_platforms import silent_platform_insights
from emulators.linkedin import MemberAccess
from emulators.suite import start_emulators
from emulators.synthetic import generate_demo_fixture
from pipelines.cli import run_pipeline
from pipelines.demo import DemoEnvironment
from pipelines.failures import error_chain
from resources.http import ApiError
from resources.warehouse import WarehouseResource, ad_daily, ad_silent_days, weekly_insights, weekly_kpis
from settings import RuntimeEnv, parse_settings


@pytest.mark.unit
def test_silent_days_become_one_insight_per_platform_and_run() -> None:
    silent = pd.DataFrame(
        {
            "platform": ["linkedin", "linkedin", "linkedin", "google_ads"],
            "date": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 8), date(2024, 1, 3)],
            "previous_cost": [100.5, 20.0, 5.0, 7.0],
            "currency": ["USD", "USD", "USD", "EUR"],
        }
    )
    weeks = [date(2024, 1, 1), date(2024, 1, 8)]
    notes = silent_platform_insights(silent, weeks, "monday", platforms={"linkedin"})
    # Once per run, on the latest week, naming the weeks it affects (100.5 + 20 + 5 = 125.5).
    assert [(n.week_start, n.source, n.flag, n.value) for n in notes] == [
        (date(2024, 1, 8), "linkedin", "ads_went_silent", 125.5),
    ]
    assert notes[0].detail.startswith(
        "LinkedIn Ads now reports nothing for 3 days (2024-01-01, 2024-01-02, 2024-01-08) in every week of the "
        "run (2024-01-01 to 2024-01-08), for which it had reported 125.50 USD of spend: they count 0 spend now."
    )
    only_last = silent_platform_insights(silent, [date(2024, 1, 8)], "monday", platforms={"linkedin"})
    assert [(n.value, "1 day (2024-01-08) in the week of 2024-01-08" in n.detail) for n in only_last] == [(5.0, True)]
    assert "it counts 0 spend" in only_last[0].detail
    # Sunday weeks: 2023-12-31 holds Jan 1-3; Google Ads included when no filter is given.
    sunday = silent_platform_insights(silent, [date(2023, 12, 31)], "sunday")
    assert [(n.source, n.value) for n in sunday] == [("google_ads", 7.0), ("linkedin", 120.5)]
    assert "7.00 EUR" in sunday[0].detail
    assert silent_platform_insights(None, weeks, "monday") == []
    assert silent_platform_insights(silent.iloc[0:0], weeks, "monday") == []


TODAY = datetime.now(UTC).date()
LAST_WEEK = TODAY - timedelta(days=TODAY.weekday() + 7)
FIRST_WEEK = LAST_WEEK - timedelta(weeks=3)


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    fixture = generate_demo_fixture(today=TODAY, weeks=8, scale=0.15, sources=("hubspot", "linkedin"))
    suite = start_emulators(fixture, hubspot_burst_limit=0, hubspot_search_per_second=0)
    demo = DemoEnvironment(
        suite=suite,
        fixture_source="test",
        parts=frozenset({"linkedin"}),
        fixture_ids={"linkedin": fixture["linkedin"]["account_id"]},
    )
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "demo", "FUNNEL_LEDGER_DATA_DIR": str(tmp_path)})
    yield demo, runtime, fixture
    suite.stop()


def _run(demo: DemoEnvironment, runtime: RuntimeEnv) -> dict[str, Any]:
    settings = parse_settings({"start_date": (FIRST_WEEK - timedelta(weeks=4)).isoformat()})
    return run_pipeline(
        settings=settings,
        runtime=runtime,
        config_path=None,
        sources=demo.resources(settings),
        first=FIRST_WEEK,
        last=LAST_WEEK,
        as_of=None,
    )


def _linkedin_rows(warehouse: WarehouseResource) -> list[tuple[Any, ...]]:
    with warehouse.engine.connect() as conn:
        query = sa.select(ad_daily).where(ad_daily.c.platform == "linkedin").order_by(ad_daily.c.date)
        return [tuple(row) for row in conn.execute(query)]


def _day(element: dict[str, Any]) -> date:
    start = element["dateRange"]["start"]
    return date(start["year"], start["month"], start["day"])


@pytest.mark.slow
def test_linkedin_without_access_stops_and_without_delivery_is_zero_with_a_flag(environment) -> None:
    demo, runtime, fixture = environment
    linkedin = demo.suite.app("linkedin")
    warehouse = WarehouseResource(url=runtime.warehouse_url)
    _run(demo, runtime)
    before = _linkedin_rows(warehouse)
    assert before

    # Without the reporting scope: LinkedIn answers 403 and the run stops naming the scope.
    linkedin.set_member_access(MemberAccess(scopes=frozenset({"r_ads"})))
    with pytest.raises(Exception) as caught:
        _run(demo, runtime)
    error = next(e for e in error_chain(caught.value) if isinstance(e, ApiError))
    assert isinstance(error, ApiError) and "lacks the r_ads_reporting scope" in str(error)
    # Without a role on the account: LinkedIn answers an empty 200; the run stops naming the role.
    linkedin.set_member_access(MemberAccess(roles={}))
    with pytest.raises(Exception) as caught:
        _run(demo, runtime)
    error = next(e for e in error_chain(caught.value) if isinstance(e, ApiError))
    assert isinstance(error, ApiError) and error.category == "NO_ACCOUNT_ROLE" and "VIEWER" in str(error)
    assert _linkedin_rows(warehouse) == before  # nothing was written either time

    # With access but no delivery in the last two weeks: those days count 0 and are flagged.
    linkedin.set_member_access(MemberAccess())
    quiet_from = LAST_WEEK - timedelta(weeks=1)
    kept = [e for e in fixture["linkedin"]["analytics"] if _day(e) < quiet_from]
    gone = [e for e in fixture["linkedin"]["analytics"] if quiet_from <= _day(e) < LAST_WEEK + timedelta(days=7)]
    linkedin.set_data({**fixture["linkedin"], "analytics": kept})
    run = _run(demo, runtime)

    expected_by_week: dict[date, Decimal] = {}
    for element in gone:
        week = _day(element) - timedelta(days=_day(element).weekday())
        cost = Decimal(element["costInLocalCurrency"]).quantize(Decimal("1E-9"))
        expected_by_week[week] = expected_by_week.get(week, Decimal(0)) + cost
    assert set(expected_by_week) == {quiet_from, LAST_WEEK} and all(v > 0 for v in expected_by_week.values())
    with warehouse.engine.connect() as conn:
        spend = dict(
            conn.execute(
                sa.select(weekly_kpis.c.week_start, weekly_kpis.c.value).where(
                    weekly_kpis.c.kpi_id == "ad_spend", weekly_kpis.c.channel == "Paid Social"
                )
            ).all()
        )
        flags = (
            conn.execute(sa.select(weekly_insights).where(weekly_insights.c.flag == "ads_went_silent")).mappings().all()
        )
        silent_days = conn.execute(sa.select(sa.func.count()).select_from(ad_silent_days)).scalar_one()
    assert spend[quiet_from] == 0 and spend[LAST_WEEK] == 0
    assert spend[FIRST_WEEK] > 0
    # One flag for the run, on its latest week, with the spend of every silent day of the run's weeks.
    assert [(row["week_start"], row["value"]) for row in flags] == [
        (LAST_WEEK, pytest.approx(float(sum(expected_by_week.values()))))
    ]
    assert all(row["source"] == "linkedin" and row["run_id"] == run["run_id"] for row in flags)
    assert silent_days == len({_day(e) for e in gone})

    # A rerun keeps the flag (the days are still silent), and delivery coming back clears it.
    _run(demo, runtime)
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ad_silent_days)).scalar_one() == silent_days
    linkedin.set_data(fixture["linkedin"])
    _run(demo, runtime)
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ad_silent_days)).scalar_one() == 0
        flagged = conn.execute(sa.select(weekly_insights).where(weekly_insights.c.flag == "ads_went_silent")).all()
    assert flagged == []
    warehouse.dispose()
