"""Funnel KPIs (flow and cohort views), stage entry dates and meetings booked, hand-computed."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, funnel_kpis, meetings_kpis, stage_entry_dates
from assets.kpi_math.config import DEFAULT_STAGES

pytestmark = pytest.mark.unit

AS_OF = pd.Timestamp("2024-01-20T00:00:00Z")
W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
FUNNEL_KPI_COUNT = 18  # new_contacts, 5 stage flows, lead_to_customer_rate, 5 cohort counts, 6 cohort ratios


def contacts_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Contacts with defaults; keys ``v2_<stage>`` / ``legacy_<stage>`` become HubSpot's date columns."""
    records = []
    for row in rows:
        rec: dict[str, Any] = {
            "contact_id": row["id"],
            "created_at": row.get("created"),
            "lifecyclestage": row.get("stage"),
            "analytics_source": row.get("source"),
            "analytics_source_data_1": row.get("data_1"),
            "archived": row.get("archived", False),
        }
        for key, value in row.items():
            if key.startswith("v2_"):
                rec[f"hs_v2_date_entered_{key[3:]}"] = value
            elif key.startswith("legacy_"):
                rec[f"hs_lifecyclestage_{key[7:]}_date"] = value
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    for col in frame.columns:
        if col == "created_at" or col.startswith(("hs_v2_", "hs_lifecyclestage_")):
            frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def value(frame: pd.DataFrame, week: date, kpi_id: str, channel: str = "All") -> float:
    rows = frame.loc[(frame["week_start"] == week) & (frame["kpi_id"] == kpi_id) & (frame["channel"] == channel)]
    assert len(rows) == 1, f"expected one row for {week} {kpi_id} {channel}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def entered(frame: pd.DataFrame, contact_id: str, stage: str) -> pd.Timestamp | None:
    got = frame.loc[frame["contact_id"] == contact_id, stage]
    assert len(got) == 1
    return None if pd.isna(got.iloc[0]) else got.iloc[0]


# ---------------------------------------------------------------- entered(S)


def test_skipped_stages_take_the_later_date() -> None:
    contacts = contacts_frame(
        [
            {
                "id": "1",
                "created": "2024-01-01",
                "stage": "customer",
                "v2_lead": "2024-01-02",
                "v2_customer": "2024-01-10",
            }
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    jan2, jan10 = pd.Timestamp("2024-01-02", tz="UTC"), pd.Timestamp("2024-01-10", tz="UTC")
    assert entered(got, "1", "subscriber") == jan2
    assert entered(got, "1", "lead") == jan2
    for stage in ("marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"):
        assert entered(got, "1", stage) == jan10
    assert entered(got, "1", "evangelist") is None


def test_no_stage_dates_fall_back_to_createdate() -> None:
    contacts = contacts_frame([{"id": "1", "created": "2024-01-03T09:00:00Z", "stage": "marketingqualifiedlead"}])
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    created = pd.Timestamp("2024-01-03T09:00:00Z")
    for stage in ("subscriber", "lead", "marketingqualifiedlead"):
        assert entered(got, "1", stage) == created
    for stage in ("salesqualifiedlead", "opportunity", "customer", "evangelist"):
        assert entered(got, "1", stage) is None


def test_fallback_only_when_no_date_for_current_or_later_stage() -> None:
    # Current stage opportunity, but it has an earlier date only (lead): fallback applies to opportunity.
    contacts = contacts_frame([{"id": "1", "created": "2024-01-01", "stage": "opportunity", "v2_lead": "2024-01-05"}])
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    created = pd.Timestamp("2024-01-01", tz="UTC")
    assert entered(got, "1", "lead") == created  # min(lead date, createdate via opportunity)
    assert entered(got, "1", "opportunity") == created


def test_reading_5_1_later_date_after_as_of_blocks_fallback() -> None:
    # Became customer after as_of: not a customer as of as_of, and no createdate fallback for "lead" either.
    contacts = contacts_frame(
        [
            {"id": "blocked", "created": "2024-01-02", "stage": "lead", "v2_customer": "2024-02-01"},
            {"id": "fallback", "created": "2024-01-02", "stage": "lead"},
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    for stage in DEFAULT_STAGES:
        assert entered(got, "blocked", stage) is None
    assert entered(got, "fallback", "lead") == pd.Timestamp("2024-01-02", tz="UTC")


def test_dates_after_as_of_are_ignored() -> None:
    contacts = contacts_frame(
        [
            {
                "id": "1",
                "created": "2024-01-01",
                "stage": "marketingqualifiedlead",
                "v2_lead": "2024-01-02",
                "v2_marketingqualifiedlead": "2024-01-25",
            }
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    assert entered(got, "1", "lead") == pd.Timestamp("2024-01-02", tz="UTC")
    assert entered(got, "1", "marketingqualifiedlead") is None
    # The same contact re-run with a later as_of reaches MQL.
    later = stage_entry_dates(contacts, FunnelConfig(), pd.Timestamp("2024-02-01", tz="UTC"))
    assert entered(later, "1", "marketingqualifiedlead") == pd.Timestamp("2024-01-25", tz="UTC")


def test_v2_preferred_legacy_used_when_v2_missing() -> None:
    contacts = contacts_frame(
        [
            {"id": "both", "created": "2024-01-01", "v2_lead": "2024-01-05", "legacy_lead": "2024-01-03"},
            {"id": "legacy", "created": "2024-01-01", "v2_lead": None, "legacy_lead": "2024-01-04"},
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    assert entered(got, "both", "lead") == pd.Timestamp("2024-01-05", tz="UTC")
    assert entered(got, "legacy", "lead") == pd.Timestamp("2024-01-04", tz="UTC")


def test_other_and_unknown_stages_get_no_fallback_and_columns_may_be_absent() -> None:
    contacts = contacts_frame(
        [
            {"id": "other", "created": "2024-01-01", "stage": "other"},
            {"id": "custom", "created": "2024-01-01", "stage": "123456"},
            {"id": "none", "created": "2024-01-01", "stage": None},
            {"id": "upper", "created": "2024-01-01", "stage": "Lead"},
        ]
    )
    assert not any(c.startswith("hs_") for c in contacts.columns)
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    for cid in ("other", "custom", "none"):
        assert all(entered(got, cid, s) is None for s in DEFAULT_STAGES)
    assert entered(got, "upper", "lead") == pd.Timestamp("2024-01-01", tz="UTC")


def test_archived_and_future_contacts_are_excluded() -> None:
    contacts = contacts_frame(
        [
            {"id": "live", "created": "2024-01-02", "stage": "lead"},
            {"id": "archived", "created": "2024-01-02", "stage": "lead", "archived": True},
            {"id": "future", "created": "2024-01-21", "stage": "lead"},
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    assert got["contact_id"].tolist() == ["live"]


def test_archived_flag_parsed_strictly() -> None:
    contacts = contacts_frame(
        [
            {"id": "a", "created": "2024-01-02", "archived": "false"},
            {"id": "b", "created": "2024-01-02", "archived": "TRUE"},
            {"id": "c", "created": "2024-01-02", "archived": None},
            {"id": "d", "created": "2024-01-02", "archived": True},
        ]
    )
    got = stage_entry_dates(contacts, FunnelConfig(), AS_OF)
    assert got["contact_id"].tolist() == ["a", "c"]


# ---------------------------------------------------------------- funnel_kpis


@pytest.fixture(scope="module")
def funnel() -> pd.DataFrame:
    contacts = contacts_frame(
        [
            # Skips MQL/SQL/opportunity: counted in all of them on the customer date (W2).
            {
                "id": "c1",
                "created": "2024-01-02T10:00:00Z",
                "source": "PAID_SOCIAL",
                "stage": "customer",
                "v2_lead": "2024-01-02T11:00:00Z",
                "v2_customer": "2024-01-09T00:00:00Z",
            },
            # No dates: lead and MQL on its createdate (W1).
            {
                "id": "c2",
                "created": "2024-01-03T00:00:00Z",
                "source": "OFFLINE",
                "stage": "marketingqualifiedlead",
            },
            # Missing source -> Other; MQL date after as_of is ignored.
            {
                "id": "c3",
                "created": "2024-01-08T00:00:00Z",
                "stage": "marketingqualifiedlead",
                "v2_lead": "2024-01-08T00:00:00Z",
                "v2_marketingqualifiedlead": "2024-01-25T00:00:00Z",
            },
            # Unknown source -> Other; lifecycle "other": no stage at all.
            {"id": "c4", "created": "2024-01-09T00:00:00Z", "source": "FOO", "stage": "other"},
            {
                "id": "c5",
                "created": "2024-01-02T00:00:00Z",
                "source": "EMAIL_MARKETING",
                "stage": "lead",
                "archived": True,
            },
            {"id": "c6", "created": "2024-01-21T00:00:00Z", "source": "EMAIL_MARKETING", "stage": "lead"},
            # Created before W1, skipped lead: entered(lead) = MQL date in W1 (flow, not cohort).
            {
                "id": "c7",
                "created": "2023-12-20T00:00:00Z",
                "source": "ORGANIC_SEARCH",
                "stage": "marketingqualifiedlead",
                "v2_marketingqualifiedlead": "2024-01-04T00:00:00Z",
            },
        ]
    )
    return funnel_kpis(contacts, [W2, W1], AS_OF, FunnelConfig())


def test_funnel_rows_exist_for_every_week_kpi_and_slice(funnel: pd.DataFrame) -> None:
    cfg = FunnelConfig()
    assert list(funnel.columns) == ["week_start", "kpi_id", "channel", "value"]
    assert funnel["value"].dtype == np.float64
    assert len(funnel) == 2 * FUNNEL_KPI_COUNT * len(cfg.slices)
    assert funnel["week_start"].iloc[0] == W1 and funnel["week_start"].iloc[-1] == W2
    assert not funnel.duplicated(["week_start", "kpi_id", "channel"]).any()


@pytest.mark.parametrize(
    ("week", "kpi_id", "channel", "expected"),
    [
        (W1, "new_contacts", "All", 2),
        (W1, "new_contacts", "Paid Social", 1),
        (W1, "new_contacts", "Offline", 1),
        (W1, "new_contacts", "Inbound", 1),
        (W1, "new_contacts", "Outbound", 1),
        (W1, "new_contacts", "Email", 0),
        (W1, "new_leads", "All", 3),
        (W1, "new_leads", "Organic Search", 1),
        (W1, "new_leads", "Inbound", 2),
        (W1, "new_mqls", "All", 2),
        (W1, "new_sqls", "All", 0),
        (W1, "new_customers", "All", 0),
        (W1, "lead_to_customer_rate", "All", 0.0),
        (W1, "lead_to_customer_rate", "Email", math.nan),
        (W1, "cohort_leads", "All", 2),
        (W1, "cohort_mqls", "All", 2),
        (W1, "cohort_sqls", "All", 1),
        (W1, "cohort_opportunities", "All", 1),
        (W1, "cohort_customers", "All", 1),
        (W1, "cohort_contact_to_lead", "All", 1.0),
        (W1, "cohort_lead_to_mql", "All", 1.0),
        (W1, "cohort_mql_to_sql", "All", 0.5),
        (W1, "cohort_mql_to_sql", "Paid Social", 1.0),
        (W1, "cohort_mql_to_sql", "Offline", 0.0),
        (W1, "cohort_sql_to_opportunity", "All", 1.0),
        (W1, "cohort_opportunity_to_customer", "All", 1.0),
        (W1, "cohort_contact_to_customer", "All", 0.5),
        (W1, "cohort_contact_to_customer", "Organic Search", math.nan),
        (W2, "new_contacts", "All", 2),
        (W2, "new_contacts", "Other", 2),
        (W2, "new_leads", "All", 1),
        (W2, "new_leads", "Other", 1),
        (W2, "new_mqls", "All", 1),  # c1 skipped MQL: counted on its customer date
        (W2, "new_sqls", "Paid Social", 1),
        (W2, "new_opportunities", "All", 1),
        (W2, "new_customers", "All", 1),
        (W2, "new_customers", "Paid Social", 1),
        (W2, "lead_to_customer_rate", "All", 1.0),
        (W2, "lead_to_customer_rate", "Paid Social", math.nan),
        (W2, "lead_to_customer_rate", "Other", 0.0),
        (W2, "cohort_leads", "All", 1),
        (W2, "cohort_mqls", "All", 0),
        (W2, "cohort_contact_to_lead", "All", 0.5),
        (W2, "cohort_lead_to_mql", "All", 0.0),
        (W2, "cohort_mql_to_sql", "All", math.nan),
    ],
)
def test_funnel_values(funnel: pd.DataFrame, week: date, kpi_id: str, channel: str, expected: float) -> None:
    got = value(funnel, week, kpi_id, channel)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


def test_funnel_is_monotone_and_additive(funnel: pd.DataFrame) -> None:
    cfg = FunnelConfig()
    for week in (W1, W2):
        for channel in cfg.slices:
            cohort = [value(funnel, week, k, channel) for k in ("new_contacts", "cohort_leads", "cohort_mqls")]
            assert cohort == sorted(cohort, reverse=True)
        for kpi_id in ("new_contacts", "new_leads", "new_customers", "cohort_sqls"):
            total = value(funnel, week, kpi_id)
            channels = sum(value(funnel, week, kpi_id, c) for c in cfg.channels)
            groups = value(funnel, week, kpi_id, "Inbound") + value(funnel, week, kpi_id, "Outbound")
            assert total == channels == groups


@pytest.mark.parametrize(
    ("tz", "week_start", "weeks", "expected"),
    [
        # New York, Monday weeks, both DST changes of 2024.
        ("America/New_York", "monday", [date(2024, 3, 4), date(2024, 3, 11)], [1, 2]),
        ("America/New_York", "monday", [date(2024, 10, 28), date(2024, 11, 4)], [1, 2]),
        # Same instants bucketed in UTC: the "just before local midnight" contacts move to the later week.
        ("UTC", "monday", [date(2024, 3, 4), date(2024, 3, 11)], [0, 3]),
        ("UTC", "monday", [date(2024, 10, 28), date(2024, 11, 4)], [0, 3]),
        # Sunday weeks in New York: all three are on or after Sunday's local midnight.
        ("America/New_York", "sunday", [date(2024, 3, 3), date(2024, 3, 10)], [0, 3]),
        ("America/New_York", "sunday", [date(2024, 10, 27), date(2024, 11, 3)], [0, 3]),
    ],
)
def test_week_boundaries_across_dst(tz: str, week_start: str, weeks: list[date], expected: list[int]) -> None:
    contacts = contacts_frame(
        [
            # Sunday 23:59:59 local in New York, then Monday 00:00:00 local, then Monday 12:00 local.
            {"id": "m1", "created": "2024-03-11T03:59:59Z"},
            {"id": "m2", "created": "2024-03-11T04:00:00Z"},
            {"id": "m3", "created": "2024-03-11T16:00:00Z"},
            {"id": "n1", "created": "2024-11-04T04:59:59Z"},
            {"id": "n2", "created": "2024-11-04T05:00:00Z"},
            {"id": "n3", "created": "2024-11-04T17:00:00Z"},
        ]
    )
    cfg = FunnelConfig(timezone=tz, week_start=week_start)  # type: ignore[arg-type]
    got = funnel_kpis(contacts, weeks, pd.Timestamp("2025-01-01", tz="UTC"), cfg)
    assert [value(got, w, "new_contacts") for w in weeks] == expected


def test_stage_kpi_empty_when_stage_not_configured() -> None:
    cfg = FunnelConfig(stages=("lead", "customer"))
    contacts = contacts_frame([{"id": "1", "created": "2024-01-02", "stage": "customer"}])
    got = funnel_kpis(contacts, [W1], AS_OF, cfg)
    assert value(got, W1, "new_leads") == 1
    assert value(got, W1, "new_customers") == 1
    assert math.isnan(value(got, W1, "new_mqls"))
    assert math.isnan(value(got, W1, "cohort_lead_to_mql"))


def test_no_weeks_gives_empty_frame() -> None:
    got = funnel_kpis(contacts_frame([{"id": "1", "created": "2024-01-02"}]), [], AS_OF, FunnelConfig())
    assert got.empty and list(got.columns) == ["week_start", "kpi_id", "channel", "value"]


# ---------------------------------------------------------------- meetings


def test_meetings_booked_all_only() -> None:
    meetings = pd.DataFrame(
        {
            "meeting_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
            "created_at": pd.to_datetime(
                [
                    "2024-01-02T10:00:00Z",
                    "2024-01-03T10:00:00Z",
                    "2024-01-07T23:59:59Z",
                    "2024-01-04T10:00:00Z",
                    "2024-01-21T10:00:00Z",
                    "2024-01-08T00:00:00Z",
                    "2024-01-09T00:00:00Z",
                ],
                utc=True,
            ),
            "outcome": ["SCHEDULED", "canceled", None, "COMPLETED", "SCHEDULED", "COMPLETED", "CANCELED"],
            "archived": [False, False, False, True, False, False, False],
        }
    )
    got = meetings_kpis(meetings, [W1, W2, date(2024, 1, 15)], AS_OF, FunnelConfig())
    assert got["channel"].unique().tolist() == ["All"]
    assert got["kpi_id"].unique().tolist() == ["meetings_booked"]
    # W1: m1 + m3 (no outcome counts); m2 canceled, m4 archived. W2: m6; m7 canceled. m5 after as_of.
    assert got["value"].tolist() == [2.0, 1.0, 0.0]
