"""What the tracker asset derives besides the values: which slices get rows, the cohort maturity age, lists."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig
from assets.tracker_inputs import (
    check_scorecard,
    cohort_maturity,
    inputs_fingerprint,
    targets_validation,
    tracker_row_slices,
)
from settings import Settings, SettingsError, parse_settings
from sheets_sync.insights_tab import InsightRow
from sheets_sync.maturity import NO_MATURITY, CohortMaturity
from tests.test_kpi_funnel import contacts_frame

pytestmark = pytest.mark.unit

INBOUND_CHANNELS = {"Organic Search", "Paid Search", "Paid Social", "Organic Social", "Email", "Referral", "Direct"}


def test_default_settings_give_rows_only_where_a_source_can_fill_them() -> None:
    slices = tracker_row_slices(Settings())

    # GA4 never maps to Offline and web traffic is all Inbound: All and the channels, no group rows.
    assert slices["sessions"] == {"All", "Other", *INBOUND_CHANNELS}
    # Ad platforms: their two channels; the Inbound row would only repeat All.
    assert slices["ad_cpc"] == {"All", "Paid Search", "Paid Social"}
    # HubSpot reaches every channel: both groups; Offline, Outbound's only channel, repeats Outbound.
    assert slices["new_mqls"] == {"All", "Inbound", "Outbound", "Other", *INBOUND_CHANNELS}
    # Leads ÷ GA4 sessions: only where both exist.
    assert slices["visit_to_lead_rate"] == {"All", "Inbound", "Other", *INBOUND_CHANNELS}
    assert slices["meetings_booked"] == {"All"}
    # LTV : CAC needs two optional inputs; spend KPIs are limited by their values already.
    assert slices["ltv_to_cac"] == frozenset()
    assert "total_spend" not in slices and "cost_per_lead" not in slices


def test_settings_change_the_rows() -> None:
    settings = parse_settings(
        {
            "ga4": {"channel_map": {"Display": "Offline"}},
            "channels": ["Organic Search", "Paid Search", "Paid Social", "Events", "Offline", "Other"],
            "channel_groups": {
                "Inbound": ["Organic Search", "Paid Search", "Paid Social", "Other"],
                "Outbound": ["Offline", "Events"],
            },
            "channel_map": {"ORGANIC_SEARCH": "Organic Search", "OFFLINE": "Offline"},
            "gross_margin": 0.8,
            "monthly_churn_rate": 0.02,
        }
    )
    slices = tracker_row_slices(settings)

    # GA4 now reaches Offline (Outbound): both groups get rows, and Offline is not alone in Outbound.
    assert slices["sessions"] == {
        "All",
        "Inbound",
        "Outbound",
        "Organic Search",
        "Paid Search",
        "Paid Social",
        "Other",
        "Offline",
    }
    # No HubSpot source maps to Events: no row for it.
    assert "Events" not in slices["new_mqls"] and "Offline" in slices["new_mqls"]
    assert "ltv_to_cac" not in slices  # configured: its spend slices decide


def _contact(contact_id: str, lead: str, customer: str | None) -> dict[str, str]:
    row = {"id": contact_id, "created": lead, "stage": "customer" if customer else "lead", "v2_lead": lead}
    if customer:
        row["v2_customer"] = customer
    return row


def test_cohort_maturity_is_the_median_lead_to_customer_time() -> None:
    contacts = contacts_frame(
        [
            _contact("1", "2024-01-01T00:00:00", "2024-01-11T00:00:00"),  # 10 days
            _contact("2", "2024-01-01T00:00:00", "2024-01-21T12:00:00"),  # 20.5 days
            _contact("3", "2024-01-05T00:00:00", "2024-02-14T00:00:00"),  # 40 days
            _contact("4", "2024-01-06T00:00:00", None),  # not a customer: no lag
        ]
    )

    maturity = cohort_maturity(contacts, FunnelConfig(), pd.Timestamp("2024-03-01T00:00:00Z"))

    assert maturity == CohortMaturity(21, "median lead → customer time of 3 customers")  # 20.5 rounded up
    assert maturity.weeks == 3
    # A customer after the as-of instant does not count yet; without customers every week is mature.
    assert cohort_maturity(contacts, FunnelConfig(), pd.Timestamp("2024-01-15T00:00:00Z")).min_age_days == 10
    assert cohort_maturity(contacts.iloc[3:], FunnelConfig(), pd.Timestamp("2024-03-01T00:00:00Z")) == NO_MATURITY


def test_targets_lists_and_scorecard_setting() -> None:
    lists = targets_validation(Settings())
    assert lists.kpi_ids[:2] == ("sessions", "users") and "cost_per_lead" in lists.kpi_ids
    assert lists.slices[:3] == ("All", "Inbound", "Outbound") and lists.slices[-1] == "Other"
    assert check_scorecard(Settings(), ["new_mqls", *Settings().scorecard])[0] == "new_contacts"
    with pytest.raises(SettingsError, match=r"setting 'scorecard': 'new_mql' is not a KPI id"):
        check_scorecard(parse_settings({"scorecard": ["new_mql"]}), ["new_mqls"])
    with pytest.raises(SettingsError, match="setting 'scorecard': lists new_mqls more than once"):
        parse_settings({"scorecard": ["new_mqls", "new_mqls"]})


def _kpi_values() -> pd.DataFrame:
    weeks = [date(2026, 11, 9), date(2026, 11, 16)]
    return pd.DataFrame(
        {
            "week_start": [weeks[0], weeks[0], weeks[1], weeks[1]],
            "kpi_id": ["new_leads", "cost_per_lead", "new_leads", "cost_per_lead"],
            "kpi_version": ["1.a", "1.b", "1.a", "1.b"],
            "channel": ["All", "All", "All", "Paid Search"],
            "value": [12.0, 0.1 + 0.2, 9.0, float("nan")],
            "run_id": ["run-1"] * 4,
            "computed_at_ms": [1] * 4,
        }
    )


def _fingerprint(**changes: object) -> str:
    inputs: dict[str, object] = {
        "values": _kpi_values(),
        "insights": [InsightRow(date(2026, 11, 9), "ga4", "thresholding", "GA4 withheld rows", 3.0)],
        "settings": parse_settings({}),
        "weeks": [date(2026, 11, 9), date(2026, 11, 16)],
        "as_of": pd.Timestamp("2026-11-30T06:00:00Z"),
        "maturity": CohortMaturity(35, "median lead → customer time of 12 customers"),
    }
    inputs.update(changes)
    return inputs_fingerprint(**inputs)  # type: ignore[arg-type]


def test_the_inputs_fingerprint_follows_every_input_the_tracker_shows_and_nothing_else() -> None:
    base = _fingerprint()
    assert _fingerprint() == base, "the same inputs, built again, give the same fingerprint"
    # Which run computed the values, and when, is not shown on the tracker.
    recomputed = _kpi_values().assign(run_id="run-2", computed_at_ms=2)
    assert _fingerprint(values=recomputed) == base

    one_ulp = _kpi_values()
    one_ulp.loc[1, "value"] = np.nextafter(one_ulp.loc[1, "value"], 1.0)
    filled = _kpi_values()
    filled.loc[3, "value"] = 0.0
    new_version = _kpi_values()
    new_version.loc[0, "kpi_version"] = "2.a"
    other_channel = _kpi_values()
    other_channel.loc[3, "channel"] = "Paid Social"
    changed = {
        "a value, by one ulp": _fingerprint(values=one_ulp),
        "a blank value filled": _fingerprint(values=filled),
        "a KPI's definition": _fingerprint(values=new_version),
        "a value's channel": _fingerprint(values=other_channel),
        "a value fewer": _fingerprint(values=_kpi_values().iloc[:3]),
        "an insight": _fingerprint(insights=[]),
        "a setting": _fingerprint(settings=parse_settings({"currency": "EUR"})),
        "the weeks": _fingerprint(weeks=[date(2026, 11, 16)]),
        "the as-of instant": _fingerprint(as_of=pd.Timestamp("2026-11-30T06:00:01Z")),
        "the cohort maturity": _fingerprint(maturity=NO_MATURITY),
    }
    assert base not in changed.values()
    assert len(set(changed.values())) == len(changed), "every change gives its own fingerprint"
