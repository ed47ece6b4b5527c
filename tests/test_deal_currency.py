"""Deal money in the reporting currency (assets/kpi_math/deal_currency.py), against hand-computed amounts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math.deal_currency import deals_in_reporting_currency
from settings import SettingsError, parse_settings

pytestmark = pytest.mark.unit

# Reporting in EUR; the portal's company currency is USD.
EUR = parse_settings({"currency": "EUR", "currency_rates": {"USD": 0.9, "GBP": 1.2, "PLN": 0.25}})


def _deals(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Deals as the warehouse gives them (amounts as floats, ``currency_code`` = ``deal_currency_code``)."""
    return pd.DataFrame(
        {
            "deal_id": [row["id"] for row in rows],
            "amount": [row.get("amount", np.nan) for row in rows],
            "amount_in_home_currency": [row.get("home", np.nan) for row in rows],
            "currency_code": [row.get("code") for row in rows],
            "mrr": [row.get("mrr", np.nan) for row in rows],
            "pipeline": [row.get("pipeline", "default") for row in rows],
            "archived": [row.get("archived", False) for row in rows],
        }
    )


def _converted(rows: list[dict[str, Any]], company: str | None = "USD", **kw: Any) -> dict[str, tuple[float, float]]:
    out = deals_in_reporting_currency(
        _deals(rows), company_currency=company, rate_to_reporting=EUR.rate_to_reporting, **kw
    )
    assert "amount_in_home_currency" not in out.columns  # one amount for every KPI to read
    return {row.deal_id: (row.amount, row.mrr) for row in out.itertuples()}


def _same(got: tuple[float, float], amount: float, mrr: float = math.nan) -> None:
    for value, expected in zip(got, (amount, mrr), strict=True):
        if math.isnan(expected):
            assert math.isnan(value)
        else:
            assert value == pytest.approx(expected, rel=1e-12)


def test_each_amount_is_converted_from_the_currency_it_is_in():
    got = _converted(
        [
            # No amount in company currency: amount in the deal's currency, 18,000 GBP x 1.2 = 21,600 EUR.
            {"id": "1", "amount": 18_000.0, "code": "GBP"},
            # HubSpot's company-currency amount wins: 10,200 USD x 0.9 = 9,180 EUR (not 40,000 PLN x 0.25).
            {"id": "2", "amount": 40_000.0, "code": "PLN", "home": 10_200.0},
            # No currency code: the amount is in the company currency, 5,000 USD x 0.9 = 4,500 EUR.
            {"id": "3", "amount": 5_000.0},
            {"id": "4", "amount": 1_000.0, "code": "EUR"},  # already in the reporting currency
            # hs_mrr is in the deal's currency even when the amount comes from the company currency:
            # amount 12,000 USD x 0.9 = 10,800 EUR, MRR 800 GBP x 1.2 = 960 EUR.
            {"id": "5", "amount": 10_000.0, "code": "gbp ", "home": 12_000.0, "mrr": 800.0},
            {"id": "6", "code": "GBP"},  # no amount stays no amount (counted with 0, named on Insights)
        ]
    )
    _same(got["1"], 21_600.0)
    _same(got["2"], 9_180.0)
    _same(got["3"], 4_500.0)
    _same(got["4"], 1_000.0)
    _same(got["5"], 10_800.0, 960.0)
    _same(got["6"], math.nan)


def test_a_company_currency_equal_to_the_reporting_currency_is_taken_as_is():
    got = _converted([{"id": "1", "amount": 100.0, "code": "GBP", "home": 119.0}], company="EUR")
    _same(got["1"], 119.0)
    # Unknown company currency (no HubSpot sync recorded it yet): read as the reporting currency.
    got = _converted([{"id": "1", "amount": 100.0, "home": 119.0}, {"id": "2", "amount": 7.0}], company=None)
    _same(got["1"], 119.0)
    _same(got["2"], 7.0)


def test_a_deal_currency_without_a_rate_stops_naming_the_setting_the_currency_and_the_deals():
    rows = [{"id": str(i), "amount": 10.0, "code": "CHF"} for i in (12, 3, 7, 40)]
    with pytest.raises(SettingsError) as raised:
        _converted(rows)
    message = str(raised.value)
    assert message.startswith("setting 'currency_rates': HubSpot (deals 3, 7, 12 and 1 more)")
    assert "reports amounts in CHF but the reporting currency is EUR" in message
    assert "currency_rates: {CHF: <EUR per 1 CHF>}" in message
    # An MRR in a currency without a rate stops the run too, even when the amount is in company currency.
    with pytest.raises(SettingsError, match=r"HubSpot \(deal 9\) reports amounts in CHF"):
        _converted([{"id": "9", "home": 10.0, "code": "CHF", "mrr": 1.0}])


def test_a_company_currency_without_a_rate_stops_naming_it():
    with pytest.raises(SettingsError) as raised:
        _converted([{"id": "5", "amount": 10.0, "code": "EUR", "home": 11.0}], company="SEK")
    assert str(raised.value).startswith(
        "setting 'currency_rates': HubSpot (company currency, amount_in_home_currency of deal 5) reports amounts in SEK"
    )
    # A deal without a currency code is in the company currency too.
    with pytest.raises(SettingsError, match=r"HubSpot \(deal 6\) reports amounts in SEK"):
        _converted([{"id": "6", "amount": 10.0}], company="SEK")


def test_deals_no_kpi_counts_need_no_rate():
    got = _converted(
        [
            {"id": "1", "amount": 10.0, "code": "JPY", "archived": True},
            {"id": "2", "amount": 10.0, "code": "CHF", "pipeline": "partners"},
            {"id": "3", "code": "CHF"},  # in the pipeline, but no amount to convert
            {"id": "4", "amount": 10.0, "code": "GBP", "pipeline": "partners"},  # has a rate: converted anyway
        ],
        pipelines=("default",),
    )
    _same(got["1"], math.nan)
    _same(got["2"], math.nan)
    _same(got["3"], math.nan)
    _same(got["4"], 12.0)
