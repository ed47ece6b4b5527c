"""The HubSpot mirror: full sync, incremental sync by watermark, reconciliation of deletes and archives."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assets.hubspot_mirror import HubSpotMirror
from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from resources.hubspot import HubSpotResource, parse_instant_ms
from resources.warehouse import (
    WarehouseResource,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
    hubspot_meetings,
)
from resources.warehouse_read import read_hubspot_inputs
from settings import DEFAULT_STAGES, SettingsError
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal, meeting

DAY_MS = 86_400_000


def _now(iso: str) -> int:
    value = parse_instant_ms(iso)
    assert value is not None
    return value


def _fixture() -> dict:
    return {
        "contacts": [
            contact(
                1,
                "2024-01-01T10:00:00Z",
                stage="lead",
                source="PAID_SOCIAL",
                hs_v2_date_entered_lead="2024-01-02T10:00:00Z",
            ),
            contact(
                2,
                "2024-01-03T10:00:00Z",
                stage="customer",
                source="ORGANIC_SEARCH",
                modified="2024-02-29T12:00:00Z",
                hs_lifecyclestage_customer_date="2024-02-01T00:00:00Z",
            ),
            contact(3, "2024-01-04T10:00:00Z", stage="subscriber"),
            contact(4, "2024-01-05T10:00:00Z", stage="lead", archived=True),
        ],
        "deals": [
            deal(
                90,
                "2024-01-10T00:00:00Z",
                amount="12000.50",
                stage="closedwon",
                close="2024-02-01T00:00:00Z",
                contacts=["2"],
                modified="2024-02-29T12:00:00Z",
            ),
            deal(91, "2024-01-11T00:00:00Z", amount=None, contacts=["1", "3"]),
        ],
        "meetings": [meeting(7, "2024-01-12T00:00:00Z"), meeting(8, "2024-01-13T00:00:00Z", "CANCELED")],
        "pipelines": PIPELINES,
    }


def _rows(warehouse: WarehouseResource, table: sa.Table) -> list[dict]:
    with warehouse.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()]


def _mirror(url: str, clock: FakeClock, warehouse: WarehouseResource, now_ms: int) -> HubSpotMirror:
    hubspot = HubSpotResource(access_token="t", base_url=url).with_clock(clock=clock, sleeper=clock.sleep)
    return HubSpotMirror(hubspot, warehouse, stages=DEFAULT_STAGES, now_ms=now_ms, log=lambda _: None)


def test_full_then_incremental_then_reconciliation(warehouse_url):
    clock = FakeClock()
    app = HubSpotEmulator(_fixture(), clock=clock)
    warehouse = WarehouseResource(url=warehouse_url)
    with serve_in_thread(app) as server:
        first = _mirror(server.base_url, clock, warehouse, _now("2024-03-01T00:00:00Z")).run()
        assert {name: s.mode for name, s in first.streams.items()} == dict.fromkeys(
            ("contacts", "deals", "meetings"), "full"
        )
        contacts = {r["contact_id"]: r for r in _rows(warehouse, hubspot_contacts)}
        assert set(contacts) == {"1", "2", "3", "4"}
        assert contacts["4"]["archived"] is True and contacts["1"]["archived"] is False
        assert contacts["1"]["analytics_source"] == "PAID_SOCIAL"
        dates = {(r["contact_id"], r["property"]): r["value_ms"] for r in _rows(warehouse, hubspot_contact_stage_dates)}
        assert dates == {
            ("1", "hs_v2_date_entered_lead"): _now("2024-01-02T10:00:00Z"),
            ("2", "hs_lifecyclestage_customer_date"): _now("2024-02-01T00:00:00Z"),
        }
        deals = {r["deal_id"]: r for r in _rows(warehouse, hubspot_deals)}
        assert deals["90"]["amount"] == "12000.50" and deals["91"]["amount"] is None
        assert deals["90"]["is_closed_won"] is True
        links = {(r["deal_id"], r["contact_id"]) for r in _rows(warehouse, hubspot_deal_contacts)}
        assert links == {("90", "2"), ("91", "1"), ("91", "3")}
        assert len(_rows(warehouse, hubspot_meetings)) == 2
        assert first.streams["contacts"].written == first.streams["contacts"].distinct == 4

        # The portal changes: contact 1 becomes an MQL, deal 91 gets an amount and loses contact 3,
        # deal 90 is archived, contact 3 is merged away (vanishes).
        app.upsert_record(
            "contacts",
            contact(
                1,
                "2024-01-01T10:00:00Z",
                stage="marketingqualifiedlead",
                source="PAID_SOCIAL",
                modified="2024-03-02T00:00:00Z",
                hs_v2_date_entered_lead="2024-01-02T10:00:00Z",
                hs_v2_date_entered_marketingqualifiedlead="2024-03-02T00:00:00Z",
            ),
        )
        app.upsert_record(
            "deals",
            deal(91, "2024-01-11T00:00:00Z", amount="500", contacts=["1"], modified="2024-03-02T00:00:00Z"),
        )
        app.archive("deals", "90")
        app.remove_record("contacts", "3")

        calls_before = dict(app.request_counts)
        second = _mirror(server.base_url, clock, warehouse, _now("2024-03-03T00:00:00Z")).run()
        assert {name: s.mode for name, s in second.streams.items()} == dict.fromkeys(
            ("contacts", "deals", "meetings"), "incremental"
        )
        # No list pass: one page of the archived listing (the recycle bin) besides the search.
        assert app.request_counts["contacts.list"] == calls_before["contacts.list"] + 1
        assert app.request_counts["contacts.search"] > calls_before.get("contacts.search", 0)
        contacts = {r["contact_id"]: r for r in _rows(warehouse, hubspot_contacts)}
        assert contacts["1"]["lifecyclestage"] == "marketingqualifiedlead"
        deals = {r["deal_id"]: r for r in _rows(warehouse, hubspot_deals)}
        assert deals["91"]["amount"] == "500"
        links = {(r["deal_id"], r["contact_id"]) for r in _rows(warehouse, hubspot_deal_contacts)}
        assert links == {("91", "1")}  # an archived deal has no associations
        # The archived deal is in the archived listing; a hard-deleted contact waits for the full pass.
        assert contacts["3"]["deleted"] is False and deals["90"]["archived"] is True

        third = _mirror(server.base_url, clock, warehouse, _now("2024-03-11T00:00:00Z")).run(force_full=True)
        assert third.streams["contacts"].mode == "full"
        assert third.streams["contacts"].marked_deleted == 1
        contacts = {r["contact_id"]: r for r in _rows(warehouse, hubspot_contacts)}
        deals = {r["deal_id"]: r for r in _rows(warehouse, hubspot_deals)}
        assert contacts["3"]["deleted"] is True and deals["90"]["archived"] is True

        inputs = read_hubspot_inputs(
            warehouse, ["hs_v2_date_entered_lead", "hs_v2_date_entered_marketingqualifiedlead"]
        )
        # HubSpot's ids are integers: the KPI step reads them as int64.
        frame = inputs["contacts"].set_index("contact_id")
        assert bool(frame.loc[3, "archived"]) is True  # deleted reads as archived: excluded from KPIs
        assert frame.loc[1, "hs_v2_date_entered_marketingqualifiedlead"].isoformat() == "2024-03-02T00:00:00+00:00"
        assert inputs["deals"].set_index("deal_id").loc[91, "amount"] == 500.0
    warehouse.dispose()


def test_rerunning_a_sync_changes_nothing(warehouse_url):
    clock = FakeClock()
    app = HubSpotEmulator(_fixture(), clock=clock)
    warehouse = WarehouseResource(url=warehouse_url)
    with serve_in_thread(app) as server:
        _mirror(server.base_url, clock, warehouse, _now("2024-03-01T00:00:00Z")).run()
        before = [_rows(warehouse, t) for t in (hubspot_contacts, hubspot_deals, hubspot_deal_contacts)]
        _mirror(server.base_url, clock, warehouse, _now("2024-03-01T00:00:00Z")).run(force_full=True)
        after = [_rows(warehouse, t) for t in (hubspot_contacts, hubspot_deals, hubspot_deal_contacts)]
    assert before == after
    warehouse.dispose()


def test_unknown_stage_in_settings_fails_naming_the_setting(tmp_path):
    clock = FakeClock()
    app = HubSpotEmulator(_fixture(), clock=clock)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(app) as server:
        hubspot = HubSpotResource(access_token="t", base_url=server.base_url).with_clock(
            clock=clock, sleeper=clock.sleep
        )
        mirror = HubSpotMirror(
            hubspot, warehouse, stages=[*DEFAULT_STAGES, "demo_booked"], now_ms=0, log=lambda _: None
        )
        with pytest.raises(SettingsError, match=r"setting 'stages': demo_booked is not a lifecycle stage"):
            mirror.run()
    assert app.request_counts.get("contacts.list", 0) == 0  # failed before any data moved
