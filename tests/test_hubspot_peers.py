"""The peers' extra HubSpot endpoints answer from the emulator's records, under its token and limits."""

from __future__ import annotations

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.hubspot.peers import HubSpotPeersLayer
from emulators.server import serve_in_thread
from tests.conftest import FakeClock
from tests.factories import contact, deal

AUTH = {"Authorization": "Bearer t"}


@pytest.fixture
def peers():
    clock = FakeClock()
    hub = HubSpotEmulator(
        {
            "contacts": [
                contact(1, "2024-01-01T00:00:00Z", stage="lead"),
                contact(2, "2024-01-02T00:00:00Z", stage="customer"),
                contact(3, "2024-01-03T00:00:00Z", archived=True),
                contact(4, "2024-01-04T00:00:00Z", stage="lead"),
            ],
            "deals": [
                deal(11, "2024-02-01T00:00:00Z", amount="500", contacts=["1"]),
                deal(12, "2024-02-02T00:00:00Z", amount="700", contacts=["2", "4"]),
                deal(13, "2024-02-03T00:00:00Z", amount="900"),
            ],
        },
        access_token="t",
        burst_limit=5,
        clock=clock,
    )
    layer = HubSpotPeersLayer(hub)
    with serve_in_thread(layer) as server:
        yield layer, server.base_url, clock


def test_legacy_deals_pager_pages_by_deal_id_with_associations(peers):
    layer, url, _ = peers
    first = requests.get(
        f"{url}/deals/v1/deal/paged",
        params=[("limit", "2"), ("properties", "amount"), ("properties", "dealstage"), ("includeAssociations", "true")],
        headers=AUTH,
        timeout=5,
    ).json()
    assert [d["dealId"] for d in first["deals"]] == [11, 12]
    assert first["hasMore"] is True and first["offset"] == 12
    assert first["deals"][1]["properties"]["amount"]["value"] == "700"
    assert set(first["deals"][1]["properties"]) == {"amount", "dealstage"}
    assert first["deals"][1]["associations"]["associatedVids"] == [2, 4]
    second = requests.get(
        f"{url}/deals/v1/deal/paged", params={"limit": 2, "offset": 12}, headers=AUTH, timeout=5
    ).json()
    assert [d["dealId"] for d in second["deals"]] == [13] and second["hasMore"] is False
    assert layer.counts()["deals.paged"] == 2


def test_v1_contact_list_skips_archived_and_pages_by_vid(peers):
    _, url, _ = peers
    page = requests.get(
        f"{url}/contacts/v1/lists/all/contacts/all",
        params={"count": "2", "property": "lifecyclestage"},
        headers=AUTH,
        timeout=5,
    ).json()
    assert [c["vid"] for c in page["contacts"]] == [1, 2] and page["has-more"] is True and page["vid-offset"] == 2
    assert page["contacts"][1]["properties"] == {"lifecyclestage": {"value": "customer"}}
    rest = requests.get(
        f"{url}/contacts/v1/lists/all/contacts/all", params={"count": 2, "vidOffset": 2}, headers=AUTH, timeout=5
    ).json()
    assert [c["vid"] for c in rest["contacts"]] == [4] and rest["has-more"] is False


def test_batch_read_schemas_properties_and_singular_paths(peers):
    layer, url, _ = peers
    batch = requests.post(
        f"{url}/crm/v3/objects/deals/batch/read",
        json={"inputs": [{"id": "13"}, {"id": "11"}, {"id": "99"}], "properties": ["amount"]},
        headers=AUTH,
        timeout=5,
    ).json()
    assert batch["status"] == "COMPLETE"
    assert [(r["id"], r["properties"]["amount"]) for r in batch["results"]] == [("13", "900"), ("11", "500")]
    assert requests.get(f"{url}/crm/v3/schemas", headers=AUTH, timeout=5).json() == {"results": []}
    props = requests.get(f"{url}/properties/v2/deals/properties", headers=AUTH, timeout=5).json()
    assert "amount" in {p["name"] for p in props}
    # Singular object type: delegated to the emulator, which counts it under the canonical name.
    listed = requests.get(f"{url}/crm/v3/objects/contact", params={"limit": 10}, headers=AUTH, timeout=5).json()
    assert [r["id"] for r in listed["results"]] == ["1", "2", "4"]
    counts = layer.all_counts()
    assert counts["deals.batch_read"] == 1 and counts["schemas"] == 1 and counts["properties.legacy"] == 1
    assert counts["contacts.list"] == 1


def test_shares_the_emulators_token_and_burst_limit(peers):
    layer, url, clock = peers
    assert requests.get(f"{url}/crm/v3/schemas", timeout=5).status_code == 401
    statuses = [requests.get(f"{url}/crm/v3/schemas", headers=AUTH, timeout=5).status_code for _ in range(4)]
    # Burst limit 5 per 10 s shared with the emulator: one more on the emulator's own path fills it.
    assert statuses == [200, 200, 200, 200]
    assert requests.get(f"{url}/crm/v3/objects/contacts", headers=AUTH, timeout=5).status_code == 200
    assert requests.get(f"{url}/deals/v1/deal/paged", headers=AUTH, timeout=5).status_code == 429
    clock.sleep(10.0)
    assert requests.get(f"{url}/deals/v1/deal/paged", headers=AUTH, timeout=5).status_code == 200
    assert layer.counts_by_status()[("deals.paged", 429)] == 1
