"""Deals in three currencies end to end: HubSpot emulator → warehouse → KPIs, in a fourth reporting currency.

The portal's company currency is USD, the tracker reports in EUR; every figure below is worked out by
hand from the fixture and the rates.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from pipelines.cli import main
from resources.hubspot import HubSpotResource, parse_deal
from resources.warehouse import WarehouseResource
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal

pytestmark = pytest.mark.slow

W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
RATES = {"USD": 0.92, "GBP": 1.15, "PLN": 0.23}


def _fixture() -> dict[str, Any]:
    won = {"stage": "closedwon"}
    return {
        "hubspot": {
            "account": {"portalId": 31415926, "companyCurrency": "USD"},
            "contacts": [contact(1, "2024-01-01T09:00:00Z", stage="customer", source="ORGANIC_SEARCH")],
            "deals": [
                # 18,000 GBP without a company-currency amount: 18,000 x 1.15 = 20,700 EUR; won in W2.
                deal(90, "2024-01-02T10:00:00Z", amount="18000", close="2024-01-09T10:00:00Z", **won,
                     deal_currency_code="GBP", contacts=["1"]),
                # 40,000 PLN that HubSpot converted to 10,000 USD: 10,000 x 0.92 = 9,200 EUR; open (p = 0.2).
                deal(91, "2024-01-03T10:00:00Z", amount="40000", close="2024-03-01T10:00:00Z",
                     deal_currency_code="PLN", amount_in_home_currency="10000"),
                # 5,000 USD, MRR 400 USD: 4,600 EUR and 368 EUR; won in W2.
                deal(92, "2024-01-04T10:00:00Z", amount="5000", close="2024-01-10T10:00:00Z", **won,
                     deal_currency_code="USD", amount_in_home_currency="5000", hs_mrr="400"),
                # No currency code: the company currency, 2,000 USD x 0.92 = 1,840 EUR; created in W2, open.
                deal(93, "2024-01-09T10:00:00Z", amount="2000", close="2024-03-01T10:00:00Z"),
                # 3,000 EUR: taken as is; lost in W2.
                deal(94, "2024-01-05T10:00:00Z", amount="3000", close="2024-01-11T10:00:00Z",
                     stage="closedlost", deal_currency_code="EUR"),
            ],
            "pipelines": PIPELINES,
        }
    }  # fmt: skip


@pytest.fixture
def run_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for name in ("DAGSTER_HOME", "FUNNEL_LEDGER_CONFIG", "TRACKER_WORKBOOK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(tmp_path / "data"))
    warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_url)
    fixture = tmp_path / "portal.json"
    fixture.write_text(json.dumps(_fixture()))

    def run(settings: dict[str, Any]) -> tuple[int, dict[tuple[date, str], float]]:
        config = tmp_path / "funnel-ledger.yaml"
        config.write_text(json.dumps(settings))  # JSON is YAML
        workbook = str(tmp_path / "tracker.xlsx")
        window = ["--from", str(W1), "--to", str(W2), "--as-of", "2024-02-01T00:00:00Z", "--workbook", workbook]
        code = main(["demo", "--fixture", str(fixture), "--config", str(config), *window])
        warehouse = WarehouseResource(url=warehouse_url)
        kpis = warehouse.read_kpis()
        warehouse.dispose()
        everything = kpis[kpis["channel"] == "All"]
        return code, {(row.week_start, row.kpi_id): row.value for row in everything.itertuples()}

    return run


def test_deals_in_three_currencies_are_reported_in_a_fourth(run_demo):
    code, kpis = run_demo({"currency": "EUR", "currency_rates": RATES})
    assert code == 0
    expected = {
        (W1, "pipeline_created"): 20_700 + 9_200 + 4_600 + 3_000,
        (W2, "pipeline_created"): 1_840,
        # Open at W1's end: all four W1 deals (they close in W2); at W2's end: 91 and 93.
        (W1, "open_pipeline"): 37_500,
        (W2, "open_pipeline"): 9_200 + 1_840,
        (W2, "weighted_pipeline"): (9_200 + 1_840) * 0.2,
        (W1, "revenue_won"): 0,
        (W2, "revenue_won"): 20_700 + 4_600,
        (W2, "avg_deal_size"): (20_700 + 4_600) / 2,
        # New MRR (arr basis): 20,700 / 12 for deal 90, hs_mrr 400 USD = 368 EUR for deal 92.
        (W2, "new_mrr"): 20_700 / 12 + 368,
    }
    for key, value in expected.items():
        assert kpis[key] == pytest.approx(value, rel=1e-12), key


def test_a_deal_currency_without_a_rate_stops_the_run_naming_it(run_demo, capsys: pytest.CaptureFixture[str]):
    code, kpis = run_demo({"currency": "EUR", "currency_rates": {"USD": 0.92, "PLN": 0.23}})
    assert code == 2
    error = capsys.readouterr().err
    assert "setting 'currency_rates': HubSpot (deal 90) reports amounts in GBP" in error
    assert "currency_rates: {GBP: <EUR per 1 GBP>}" in error
    assert kpis == {}  # nothing was computed


def test_the_emulator_serves_the_portal_currencies_as_hubspot_does():
    with serve_in_thread(HubSpotEmulator(_fixture()["hubspot"])) as server:
        clock = FakeClock()
        client = HubSpotResource(access_token="t", base_url=server.base_url).with_clock(
            clock=clock, sleeper=clock.sleep
        )
        details = client.account_details()
        currency = {p.name: p for p in client.get_properties("deals")}["deal_currency_code"]
        deals = [
            parse_deal(raw) for page in client.list_pages("deals", ["amount", "deal_currency_code"]) for raw in page
        ]
    # The company currency, and as additional currencies the other ones the portal's deals are in.
    assert (details.company_currency, details.portal_id) == ("USD", 31415926)
    # deal_currency_code is an enumeration of the portal's currencies, company currency first.
    assert currency.type == "enumeration"
    assert [value for value, _ in currency.options] == ["USD", "EUR", "GBP", "PLN"]
    assert {d.deal_id: d.currency_code for d in deals} == {
        "90": "GBP",
        "91": "PLN",
        "92": "USD",
        "93": None,
        "94": "EUR",
    }
    with serve_in_thread(HubSpotEmulator(_fixture()["hubspot"])) as server:
        body = requests.get(
            f"{server.base_url}/account-info/v3/details", headers={"Authorization": "Bearer t"}, timeout=5
        )
    assert body.json()["additionalCurrencies"] == ["EUR", "GBP", "PLN"]
