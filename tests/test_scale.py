"""The scale generator: seeded columns, wire-shape records, streaming load, edits, KPI frames, GA4 store."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from benchmarks.common import burst_floor_s
from benchmarks.report import render, write_report
from emulators._ratelimit import REAL_LIMITS, scaled_clock, scaled_sleeper
from emulators.hubspot import HubSpotEmulator
from emulators.scale import (
    STAGES,
    GA4SessionStore,
    ScaleSpec,
    ads_daily_rows,
    changed_ids,
    contact_columns,
    contact_record,
    deal_columns,
    deal_record,
    kpi_frames,
    load_hubspot,
    touch,
    weeks_ending,
)

END = datetime(2026, 11, 23, tzinfo=UTC)


def test_spec_scales_counts_but_not_days():
    spec = ScaleSpec().scaled(0.01)
    assert (spec.contacts, spec.deals, spec.campaigns, spec.ga4_sessions, spec.days) == (
        10_000,
        2_000,
        5,
        100_000,
        1095,
    )
    assert ScaleSpec().ad_rows == 500 * 1095
    assert ScaleSpec().scaled(1e-9).contacts == 1


def test_contact_columns_are_seeded_and_consistent():
    a = contact_columns(2_000, end=END)
    b = contact_columns(2_000, end=END)
    assert np.array_equal(a.created_s, b.created_s) and np.array_equal(a.entered_s, b.entered_s)
    end_s = int(END.timestamp())
    assert a.ids[0] == 1 and a.ids[-1] == 2_000
    assert (a.created_s < end_s).all() and (a.modified_s <= end_s).all() and (a.modified_s >= a.created_s).all()
    # Nearly every contact entered "lead" (a few were created days before ``end`` and have not yet);
    # a stage is entered only if every earlier one was.
    entered = a.entered_s >= 0
    assert 1_950 < entered[:, 0].sum() <= 2_000
    assert (entered[:, 1:] <= entered[:, :-1]).all()


def test_records_are_wire_shape_strings():
    c = contact_columns(3, end=END)
    rec = contact_record(c, 0)
    assert rec["id"] == "1" and rec["properties"]["lifecyclestage"] in STAGES
    assert rec["properties"]["createdate"].endswith(".000Z")
    d = deal_columns(3, contacts=3, end=END)
    drec = deal_record(d, 1)
    assert drec["id"] == "10000000001"
    assert drec["associations"] == {"contacts": [str(d.contact_id[1])]}
    closed = drec["properties"]["dealstage"] in ("closedwon", "closedlost")
    assert drec["properties"]["hs_is_closed"] == ("true" if closed else "false")


def test_streaming_load_and_touch_into_the_emulator():
    hub = HubSpotEmulator(None, burst_limit=0, search_per_second=0)
    contacts = contact_columns(50, end=END)
    deals = deal_columns(10, contacts=50, end=END)
    assert load_hubspot(hub, contacts, deals) == 60
    stored = hub.get_record("contacts", 7)
    assert (
        stored is not None
        and stored["properties"]["createdate"] == contact_record(contacts, 6)["properties"]["createdate"]
    )
    ids = changed_ids(contacts.ids, 0.1)
    assert len(ids) == 5 and len(set(ids.tolist())) == 5
    at = datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert touch(hub, "contacts", ids, at) == 5
    edited = hub.get_record("contacts", int(ids[0]))
    assert edited is not None and edited["properties"]["lastmodifieddate"] == "2026-11-23T01:00:00.000Z"


def test_kpi_frames_shape_and_weeks():
    frames = kpi_frames(1_000, end=END)
    assert len(frames["contacts"]) == 1_000 and len(frames["deals"]) == 200
    assert str(frames["contacts"]["created_at"].dtype) == "datetime64[ns, UTC]"
    never = frames["contacts"]["hs_v2_date_entered_customer"].isna().sum()
    assert 0 < never < 1_000
    weeks = weeks_ending(date(2026, 11, 25), 3)
    assert weeks == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]  # 25 Nov is a Wednesday


def test_ga4_store_aggregates_every_session_once():
    store = GA4SessionStore.generate(5_000, start=date(2024, 1, 1), days=10)
    daily = store.daily_by_channel()
    assert daily["sessions"].sum() == 5_000
    assert daily["engagedSessions"].sum() == int(store.engaged.sum())
    assert daily["date"].min() == date(2024, 1, 1) and daily["date"].max() == date(2024, 1, 10)
    assert store.nbytes == 5_000 * (2 + 1 + 1 + 1 + 1)
    ads = ads_daily_rows(3, start=date(2024, 1, 1), days=4)
    assert len(ads) == 12 and ads["campaign_id"].tolist()[:4] == [1, 2, 3, 1]


def test_scaled_clock_and_sleeper_keep_ratios():
    now = [100.0]
    clock = scaled_clock(100, base=lambda: now[0])
    now[0] += 0.1
    assert clock() == pytest.approx(110.0)  # 0.1 real second = 10 scaled seconds
    slept: list[float] = []
    scaled_sleeper(100, sleep=slept.append)(10.0)
    assert slept == [pytest.approx(0.1)]
    assert REAL_LIMITS.hubspot_burst == 190 and REAL_LIMITS.hubspot_search_per_second == 5
    with pytest.raises(ValueError):
        scaled_clock(0)
    # 10,000 list calls at 190 per 10 s: the 526 s floor of limits-and-reliability.md §1.1.
    assert burst_floor_s(10_000, 190, 10.0) == pytest.approx(526.3, abs=0.1)


def test_report_section_is_replaced_in_place(tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# Title\n\nintro\n")
    results = {
        "machine": {"date": "d", "nproc": 2, "cpu": "x", "memory_gib": 1, "python": "3.11", "packages": {}},
        "kpi": {
            "sizes": [
                {
                    "contacts": 10,
                    "deals": 2,
                    "rows_out": 5,
                    "read_s": 0.1,
                    "compute_s": 0.2,
                    "compute_s_first": 0.3,
                    "step_s": 0.4,
                    "step_cpu_s": 0.35,
                    "frames_mb": 1,
                    "peak_rss_mb": 2,
                    "additivity_s": 0.01,
                }
            ],
            "cli": {"help_s": 0.12, "argument_error_s": 0.13},
        },
    }
    write_report(results, doc)
    write_report(results, doc)
    text = doc.read_text()
    assert text.startswith("# Title\n\nintro\n") and text.count("bench:results:start") == 1
    assert "| 10 | 2 | 5 | 0.1 | 0.3 / 0.2 | **0.4** | 0.35 | 1 | **2** | 0.01 |" in render(results)
    assert "`funnel-ledger --help`: 0.12 s" in render(results)
