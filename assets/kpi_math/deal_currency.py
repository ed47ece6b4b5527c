"""Deal money in the reporting currency: the one place HubSpot deal amounts are converted.

Called by the weekly KPI step (``assets/weekly_kpis.py``) on the deals it reads from the warehouse, before
any KPI or Insights note reads them, so every deal KPI (pipeline created, open and weighted pipeline,
coverage, revenue won, average deal size, new MRR, sales velocity, marketing share of pipeline) and every
KPI built on them (ROI, LTV : CAC) sums amounts of one currency.

Which HubSpot number, in which currency:

* ``amount_in_home_currency`` ("Amount in company currency") is HubSpot's own conversion of ``amount``
  into the portal's company currency, at the exchange rates of the portal's currency settings. When a
  deal has it, it wins, converted from the company currency (``companyCurrency`` of
  ``GET /account-info/v3/details``) with ``currency_rates`` when that is not the reporting currency.
* Otherwise ``amount`` is in the deal's currency, ``deal_currency_code``; a deal without one is in the
  company currency (HubSpot reads an amount without a currency as company currency).
* ``hs_mrr`` (Monthly recurring revenue) is computed from the deal's recurring line items and, like ARR
  and ACV, "shown in the deal's currency" (HubSpot knowledge base, "HubSpot's default deal properties",
  https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties); HubSpot has no company
  currency copy of it, so it is converted from ``deal_currency_code`` like ``amount``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from settings import SettingsError

from .columns import flag_column, numeric_column, string_column

# How many deal ids a missing-rate message names before "and N more".
LISTED_DEALS = 3

RateToReporting = Callable[[str, str | None], float]
"""``(source described for a message, currency)`` → reporting-currency units per unit of the currency;
``None`` is the reporting currency (1.0). Raises :class:`SettingsError` without a rate
(:meth:`settings.Settings.rate_to_reporting`)."""


def _currency_codes(values: pd.Series, company_currency: str | None) -> np.ndarray:
    """Each deal's ``deal_currency_code`` (trimmed, upper case); blank means the company currency."""
    codes = [
        value.strip().upper() if isinstance(value, str) and value.strip() else company_currency
        for value in values.tolist()
    ]
    return np.array(codes, dtype=object)


def _id_order(deal_id: str) -> tuple[int, float, str]:
    try:
        return (0, float(deal_id), deal_id)
    except ValueError:
        return (1, 0.0, deal_id)


def _deal_list(ids: Sequence[str]) -> str:
    ordered = sorted(ids, key=_id_order)
    shown = ", ".join(ordered[:LISTED_DEALS])
    more = len(ordered) - LISTED_DEALS
    return f"{'deal' if len(ordered) == 1 else 'deals'} {shown}{f' and {more} more' if more > 0 else ''}"


def _rates(
    currencies: np.ndarray,
    needs_rate: np.ndarray,
    deal_ids: np.ndarray,
    rate_to_reporting: RateToReporting,
    describe: Callable[[str], str],
) -> np.ndarray:
    """The rate of each row's currency; NaN for a currency without a rate that no counted deal needs.

    A currency that a counted deal needs (``needs_rate``) and that has no rate stops the run: the message
    names ``currency_rates``, the currency and the deals.
    """
    out = np.full(len(currencies), np.nan)
    for currency in dict.fromkeys(currencies.tolist()):
        rows = currencies == currency if currency is not None else pd.isna(currencies)
        needed = rows & needs_rate
        source = describe(_deal_list([str(i) for i in deal_ids[needed]])) if needed.any() else "HubSpot"
        try:
            out[rows] = rate_to_reporting(source, currency)
        except SettingsError:
            if needed.any():
                raise
            # Only deals no KPI counts (archived, other pipelines) are in it: they need no rate.
    return out


def deals_in_reporting_currency(
    deals: pd.DataFrame,
    *,
    company_currency: str | None,
    rate_to_reporting: RateToReporting,
    pipelines: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The deals with ``amount`` and ``mrr`` in the reporting currency.

    Per deal, ``amount`` becomes ``amount_in_home_currency`` × the company currency's rate when HubSpot gave
    one, else ``amount`` × the rate of ``deal_currency_code`` (blank: the company currency); ``mrr``
    (``hs_mrr``) × the rate of ``deal_currency_code``. A missing amount stays missing (it counts with 0 and
    is named on the Insights tab). ``amount_in_home_currency`` is dropped: the returned ``amount`` is the
    one amount every KPI reads.

    Args:
        deals: Deals as read from the warehouse: ``deal_id``, ``amount``, optional
            ``amount_in_home_currency``, ``currency_code`` (``deal_currency_code``), ``mrr``, ``pipeline``,
            ``archived``.
        company_currency: The portal's company currency (``companyCurrency`` of HubSpot's account-info
            API); None when unknown (a warehouse no HubSpot sync has recorded it in yet), read as the
            reporting currency.
        rate_to_reporting: The ``currency_rates`` lookup (:meth:`settings.Settings.rate_to_reporting`).
        pipelines: The ``pipelines`` setting; deals outside it, like archived deals, count nowhere and
            need no rate.

    Returns:
        A copy of ``deals`` with converted ``amount`` and ``mrr`` and without ``amount_in_home_currency``.

    Raises:
        SettingsError: A deal the KPIs count is in a currency without a rate in ``currency_rates``; the
            message names the setting, the currency and the deals.
    """
    frame = deals.copy()
    deal_ids = string_column(frame, "deal_id").astype(str).to_numpy(dtype=object)
    counted = ~flag_column(frame, "archived")
    if pipelines is not None:
        counted &= string_column(frame, "pipeline").astype(str).isin(list(pipelines)).to_numpy()
    home_amount = numeric_column(frame, "amount_in_home_currency")
    deal_amount = numeric_column(frame, "amount")
    mrr = numeric_column(frame, "mrr")
    deal_currency = _currency_codes(string_column(frame, "currency_code"), company_currency)

    from_home = ~np.isnan(home_amount)
    deal_rate = _rates(
        deal_currency,
        counted & ((~from_home & ~np.isnan(deal_amount)) | ~np.isnan(mrr)),
        deal_ids,
        rate_to_reporting,
        lambda deals_named: f"HubSpot ({deals_named})",
    )
    home_rate = _rates(
        np.full(len(frame), company_currency, dtype=object),
        counted & from_home,
        deal_ids,
        rate_to_reporting,
        lambda deals_named: f"HubSpot (company currency, amount_in_home_currency of {deals_named})",
    )
    frame["amount"] = np.where(from_home, home_amount * home_rate, deal_amount * deal_rate)
    frame["mrr"] = mrr * deal_rate
    return frame.drop(columns=["amount_in_home_currency"], errors="ignore")
