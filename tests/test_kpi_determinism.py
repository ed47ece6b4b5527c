"""The same warehouse gives the same KPIs, to the bit: rows stored in another order (as upserts, deletes and
reinserts leave them from one run to the next) are read in key order, so every float sum adds the same
numbers in the same order. A restated cell on an unchanged rerun came from such an ulp of difference."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from assets.weekly_kpis import compute_weekly_kpis, stage_property_names
from resources.warehouse import (
    WarehouseResource,
    ad_daily,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
    hubspot_pipeline_stages,
    read_source_inputs,
    source_status,
)
from resources.warehouse_read import read_hubspot_inputs
from settings import parse_settings
from sheets_sync.owner_tabs import empty_targets

END = datetime(2024, 6, 3, tzinfo=UTC)
WEEKS = [date(2024, 3, 4) + timedelta(weeks=i) for i in range(13)]
SOURCES = ["ORGANIC_SEARCH", "PAID_SEARCH", "PAID_SOCIAL", "REFERRALS", "OFFLINE", None]
STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _world(seed: int = 7) -> dict[sa.Table, list[dict[str, Any]]]:
    """Contacts, deals with amounts in cents (non-dyadic: float sums depend on their order) and ad days."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    contacts, dates, deals, links, ads = [], [], [], [], []
    for i in range(1, 401):
        created = start + timedelta(seconds=rng.randrange(150 * 86_400))
        depth = rng.randrange(len(STAGES))
        contacts.append(
            {
                "contact_id": str(i),
                "created_at_ms": _ms(created),
                "updated_at_ms": _ms(created),
                "lifecyclestage": STAGES[depth],
                "analytics_source": rng.choice(SOURCES),
                "analytics_source_data_1": None,
                "archived": rng.random() < 0.05,
                "deleted": False,
                "synced_at_ms": 1,
            }
        )
        for k in range(depth + 1):
            at = created + timedelta(days=3 * k, seconds=rng.randrange(86_400))
            dates.append({"contact_id": str(i), "property": f"hs_v2_date_entered_{STAGES[k]}", "value_ms": _ms(at)})
    for j in range(250):
        created = start + timedelta(seconds=rng.randrange(150 * 86_400))
        stage = rng.choice(["appointmentscheduled", "closedwon", "closedlost"])
        deals.append(
            {
                "deal_id": str(9000 + j),
                "created_at_ms": _ms(created),
                "updated_at_ms": _ms(created),
                "close_date_ms": _ms(created + timedelta(days=rng.randrange(60))),
                "amount": f"{rng.randrange(100_000, 9_000_000) / 100:.2f}",
                "amount_in_home_currency": None,
                "currency_code": None,
                "pipeline": "default",
                "dealstage": stage,
                "is_closed": stage != "appointmentscheduled",
                "is_closed_won": stage == "closedwon",
                "deal_stage_probability": None,
                "mrr": None,
                "analytics_source": rng.choice(SOURCES),
                "analytics_source_data_1": None,
                "archived": False,
                "deleted": False,
                "synced_at_ms": 1,
            }
        )
        links.append({"deal_id": str(9000 + j), "contact_id": str(rng.randrange(1, 401))})
    for platform in ("linkedin", "google_ads"):
        for campaign in range(6):
            for day in range(150):
                ads.append(
                    {
                        "platform": platform,
                        "campaign_id": f"c{campaign}",
                        "date": (start + timedelta(days=day)).date(),
                        "impressions": rng.randrange(1000),
                        "clicks": rng.randrange(50),
                        "cost": f"{rng.randrange(1, 50_000) / 100:.2f}",
                        "currency": "USD",
                        "conversions": rng.randrange(7) / 3,
                        "platform_leads": rng.randrange(3),
                        "synced_at_ms": 1,
                    }
                )
    stages = [
        {"pipeline_id": "default", "stage_id": s, "pipeline_label": "Sales", "stage_label": s}
        | {"display_order": n, "is_closed": s != "appointmentscheduled", "probability": p}
        for n, (s, p) in enumerate([("appointmentscheduled", 0.2), ("closedwon", 1.0), ("closedlost", 0.0)])
    ]
    status = [
        {"source": source, "configured": True, "currency": "USD", "time_zone": "UTC"}
        | {"detail": None, "flags": None, "synced_at_ms": 1}
        for source in ("linkedin", "google_ads")
    ]
    return {
        hubspot_contacts: contacts,
        hubspot_contact_stage_dates: dates,
        hubspot_deals: deals,
        hubspot_deal_contacts: links,
        hubspot_pipeline_stages: stages,
        ad_daily: ads,
        source_status: status,
    }


def _kpis(warehouse: WarehouseResource, world: dict[sa.Table, list[dict[str, Any]]], order: int) -> pd.DataFrame:
    """Store the world with each table's rows in the given order (0: as drawn, else shuffled), compute."""
    with warehouse.engine.begin() as conn:
        for table, rows in world.items():
            conn.execute(sa.delete(table))
            stored = list(rows)
            if order:
                random.Random(order).shuffle(stored)
            conn.execute(sa.insert(table), stored)
    settings = parse_settings({})
    return compute_weekly_kpis(
        read_hubspot_inputs(warehouse, stage_property_names(settings.stages)),
        settings=settings,
        weeks=WEEKS,
        as_of=pd.Timestamp(END),
        targets=empty_targets(),
        sources=read_source_inputs(warehouse),
    )


def test_rows_stored_in_another_order_give_bit_identical_kpis(warehouse_url: str) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    world = _world()
    first = _kpis(warehouse, world, order=0)
    for order in (1, 2):
        again = _kpis(warehouse, world, order=order)
        pd.testing.assert_frame_equal(first, again, check_exact=True)
        # NaN-aware equality of the bits, not only of the values.
        assert first["value"].to_numpy().tobytes() == again["value"].to_numpy().tobytes()
    warehouse.dispose()
    money = first[first["kpi_id"].isin(["pipeline_created", "ad_spend", "revenue_won"])]["value"]
    assert np.nansum(money.to_numpy()) > 0  # the sums that depend on order are there
