"""The KPI step's read of the mirror (resources/warehouse_read.py) on SQLite and PostgreSQL: integer ids when
every id is a canonical integer, text otherwise (and the ids pointing at them alike), categorical sources
and stages, only the stage-date properties present, archived or deleted as one flag."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from resources import warehouse_read
from resources.warehouse import (
    WarehouseResource,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
)
from resources.warehouse_read import (
    WarehouseReadError,
    kpi_weeks_hold,
    read_contacts,
    read_hubspot_inputs,
    read_kpi_values,
)

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z in ms


def _contact(contact_id: str, **extra: Any) -> dict[str, Any]:
    row = {
        "contact_id": contact_id,
        "created_at_ms": T0,
        "updated_at_ms": T0,
        "lifecyclestage": "lead",
        "analytics_source": "ORGANIC_SEARCH",
        "analytics_source_data_1": None,
        "archived": False,
        "deleted": False,
        "synced_at_ms": 1,
    }
    return row | extra


def _deal(deal_id: str) -> dict[str, Any]:
    return {
        "deal_id": deal_id,
        "created_at_ms": T0,
        "updated_at_ms": T0,
        "close_date_ms": None,
        "amount": "1200.50",
        "amount_in_home_currency": None,
        "currency_code": None,
        "pipeline": "default",
        "dealstage": "appointmentscheduled",
        "is_closed": None,
        "is_closed_won": False,
        "deal_stage_probability": None,
        "mrr": None,
        "analytics_source": None,
        "analytics_source_data_1": None,
        "archived": False,
        "deleted": False,
        "synced_at_ms": 1,
    }


def _store(warehouse: WarehouseResource, contact_ids: list[str], deal_ids: list[str]) -> None:
    contacts = [_contact(i) for i in contact_ids]
    contacts[0] |= {"lifecyclestage": "customer", "analytics_source": None, "deleted": True}
    with warehouse.engine.begin() as conn:
        conn.execute(sa.insert(hubspot_contacts), contacts)
        conn.execute(
            sa.insert(hubspot_contact_stage_dates),
            [
                {"contact_id": contact_ids[1], "property": "hs_v2_date_entered_lead", "value_ms": T0 + 1000},
                {"contact_id": "404", "property": "hs_v2_date_entered_lead", "value_ms": T0},  # no such contact
                {"contact_id": contact_ids[1], "property": "not_wanted", "value_ms": T0},
            ],
        )
        conn.execute(sa.insert(hubspot_deals), [_deal(i) for i in deal_ids])
        conn.execute(
            sa.insert(hubspot_deal_contacts),
            [{"deal_id": deal_ids[0], "contact_id": contact_ids[1]}, {"deal_id": deal_ids[0], "contact_id": "12x"}],
        )


def test_integer_ids_categories_and_present_stage_dates(warehouse_url: str) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    _store(warehouse, ["10", "9", "11"], ["900"])
    inputs = read_hubspot_inputs(warehouse, ["hs_v2_date_entered_lead", "hs_lifecyclestage_lead_date"])
    warehouse.dispose()
    contacts = inputs["contacts"]
    assert contacts["contact_id"].tolist() == [10, 11, 9]  # the key's (text) order, as int64
    assert contacts["contact_id"].dtype == "int64"
    assert isinstance(contacts["analytics_source"].dtype, pd.CategoricalDtype)
    assert contacts["analytics_source"].isna().tolist() == [True, False, False]
    assert contacts["archived"].tolist() == [True, False, False]  # deleted reads as archived
    # Only the property a contact has is a column; the legacy one no contact has is left out.
    assert [c for c in contacts.columns if c.startswith("hs_")] == ["hs_v2_date_entered_lead"]
    lead = contacts.set_index("contact_id")["hs_v2_date_entered_lead"]
    assert lead.loc[9] == pd.Timestamp(T0 + 1000, unit="ms", tz="UTC") and lead.isna().sum() == 2
    deals = inputs["deals"]
    assert deals["deal_id"].tolist() == [900] and deals["amount"].tolist() == [1200.5]
    assert deals["is_closed"].tolist() == [None] and deals["is_closed_won"].tolist() == [False]
    # A link to an id that is no integer cannot be one of the integer contacts: it matches none (-1).
    assert inputs["deal_contacts"].values.tolist() == [[900, -1], [900, 9]]


def test_text_ids_stay_text_and_links_read_alike(warehouse_url: str) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    _store(warehouse, ["007", "c2", "3"], ["d1"])
    inputs = read_hubspot_inputs(warehouse, ["hs_v2_date_entered_lead"])
    warehouse.dispose()
    contacts = inputs["contacts"]
    assert contacts["contact_id"].tolist() == ["007", "3", "c2"]
    assert contacts.set_index("contact_id")["hs_v2_date_entered_lead"].notna().to_dict() == {
        "007": False,
        "3": False,
        "c2": True,
    }
    assert inputs["deals"]["deal_id"].tolist() == ["d1"]
    assert inputs["deal_contacts"].values.tolist() == [["d1", "12x"], ["d1", "c2"]]


def test_a_column_empty_in_its_first_rows_and_text_later_reads_as_text(warehouse_url: str) -> None:
    """SQLite keeps a type per value and ADBC's SQLite driver settles a column's type on the values it has
    seen: a source blank for the first few thousand contacts must still read as the text that follows."""
    warehouse = WarehouseResource(url=warehouse_url)
    ids = [str(n) for n in range(1, 3001)]
    contacts = [_contact(i, analytics_source=None, analytics_source_data_1=None) for i in ids]
    contacts[-1] |= {"analytics_source": "PAID_SEARCH", "analytics_source_data_1": "brand"}
    with warehouse.engine.begin() as conn:
        conn.execute(sa.insert(hubspot_contacts), contacts)
    got = read_hubspot_inputs(warehouse, ["hs_v2_date_entered_lead"])["contacts"]
    warehouse.dispose()
    assert len(got) == 3000 and got["contact_id"].dtype == "int64"
    last = got.set_index("contact_id").loc[3000]
    assert last["analytics_source"] == "PAID_SEARCH" and last["analytics_source_data_1"] == "brand"
    assert got["analytics_source"].isna().sum() == 2999
    assert list(got["analytics_source"].cat.categories) == ["PAID_SEARCH"]


def test_an_in_memory_sqlite_warehouse_is_refused_with_the_setting_to_change() -> None:
    warehouse = WarehouseResource(url="sqlite:///:memory:")
    with pytest.raises(WarehouseReadError, match=r"in-memory SQLite.*set WAREHOUSE_URL"):
        read_hubspot_inputs(warehouse, [])
    warehouse.dispose()


def test_the_contacts_alone_read_as_in_the_whole_mirror(warehouse_url: str) -> None:
    """The tracker's cohort maturity reads the contacts and their stage dates only: the same frame."""
    warehouse = WarehouseResource(url=warehouse_url)
    _store(warehouse, ["10", "9", "11"], ["900"])
    properties = ["hs_v2_date_entered_lead", "hs_lifecyclestage_lead_date"]
    alone = read_contacts(warehouse, properties)
    whole = read_hubspot_inputs(warehouse, properties)["contacts"]
    warehouse.dispose()
    pd.testing.assert_frame_equal(alone, whole)
    assert "hs_v2_date_entered_lead" in alone.columns


def test_stage_dates_placed_a_slice_at_a_time_land_as_placed_at_once(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    _store(warehouse, ["10", "9", "11"], ["900"])
    with warehouse.engine.begin() as conn:
        conn.execute(
            sa.insert(hubspot_contact_stage_dates),
            [
                {"contact_id": "10", "property": "hs_v2_date_entered_lead", "value_ms": T0 + 5},
                {"contact_id": "11", "property": "hs_lifecyclestage_lead_date", "value_ms": T0 + 7},
            ],
        )
    properties = ["hs_v2_date_entered_lead", "hs_lifecyclestage_lead_date"]
    at_once = read_contacts(warehouse, properties)
    monkeypatch.setattr(warehouse_read, "PLACE_ROWS", 1)
    one_by_one = read_contacts(warehouse, properties)
    warehouse.dispose()
    pd.testing.assert_frame_equal(one_by_one, at_once)
    assert at_once[properties].notna().sum().tolist() == [2, 1]


def test_the_kpi_weeks_held_are_told_apart_from_any_change(warehouse_url: str) -> None:
    from datetime import date

    import numpy as np

    warehouse = WarehouseResource(url=warehouse_url)
    weeks = [date(2026, 11, 9), date(2026, 11, 16)]
    values = pd.DataFrame(
        {
            "week_start": [weeks[1], weeks[0], weeks[0]],
            "kpi_id": ["new_leads", "new_leads", "cost_per_lead"],
            "kpi_version": ["1.a", "1.a", "1.b"],
            "channel": ["All", "All", "Paid Search"],
            "value": [9.0, 0.1 + 0.2, np.nan],
        }
    )
    assert not kpi_weeks_hold(warehouse, values, weeks), "nothing stored yet"
    warehouse.replace_kpi_weeks(values, weeks, run_id="run-1", computed_at_ms=1)
    assert kpi_weeks_hold(warehouse, values, weeks)
    assert kpi_weeks_hold(warehouse, values.iloc[::-1], weeks), "the order rows come in does not matter"
    # Another week's values are not these weeks' business.
    later = date(2026, 11, 23)
    warehouse.replace_kpi_weeks(values.iloc[1:].assign(week_start=later), [later], run_id="run-2", computed_at_ms=2)
    assert kpi_weeks_hold(warehouse, values, weeks)

    changed = {
        "a value by one ulp": values.assign(value=[9.0, np.nextafter(0.1 + 0.2, 1.0), np.nan]),
        "a blank filled": values.assign(value=[9.0, 0.1 + 0.2, 0.0]),
        "a value gone": values.iloc[:2],
        "a value more": pd.concat([values, values.iloc[:1].assign(channel="Inbound")]),
        "a new definition": values.assign(kpi_version=["1.a", "2.a", "1.b"]),
        "another channel": values.assign(channel=["All", "All", "Paid Social"]),
    }
    for what, frame in changed.items():
        assert not kpi_weeks_hold(warehouse, frame, weeks), what


def test_the_kpi_values_read_through_adbc_are_the_frame_sqlalchemy_reads(warehouse_url: str) -> None:
    from datetime import date

    import numpy as np

    warehouse = WarehouseResource(url=warehouse_url)
    weeks = [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    values = pd.DataFrame(
        {
            "week_start": [weeks[1], weeks[0], weeks[0], weeks[2]],
            "kpi_id": ["new_leads", "new_leads", "cost_per_lead", "new_leads"],
            "kpi_version": ["1.a", "1.a", "1.b", "1.a"],
            "channel": ["All", "Zürich événements", "Paid Search", "All"],
            "value": [9.0, 0.1 + 0.2, np.nan, 1e300],
        }
    )
    warehouse.replace_kpi_weeks(values, weeks, run_id="run-1", computed_at_ms=1_764_000_000_000)
    wanted = weeks[:2]
    read = read_kpi_values(warehouse, wanted)
    pd.testing.assert_frame_equal(read, warehouse.read_kpis(wanted))
    assert len(read) == 3 and set(read["week_start"]) == set(wanted)
