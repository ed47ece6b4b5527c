"""HubSpot associations read to the end: per-object paging and 207 Multi-Status, with a deal of 600 contacts.

The v4 batch read pages each deal on its own (500 a page in the emulator) and answers 207 with an
``errors`` entry for a deal without contacts; objects listed with ``?associations=contacts`` embed 100 and
hand a cursor for the rest. HubSpot's own client (``hubspot-api-client``) reads both answers; the mirror
stores all 600 contacts whether the deal came from the full listing or from an incremental search.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hubspot
import pytest
import requests
import sqlalchemy as sa
from hubspot.crm.associations.v4.models import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)

from assets.hubspot_mirror import HubSpotMirror
from emulators.hubspot import HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread
from resources.http import ApiError
from resources.hubspot import HubSpotResource, parse_deal, parse_instant_ms
from resources.hubspot_associations import raise_association_errors
from resources.warehouse import WarehouseResource, hubspot_deal_contacts
from settings import DEFAULT_STAGES
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal

AUTH = {"Authorization": "Bearer t"}
BIG_DEAL = 700
BIG_CONTACTS = [str(10_000 + n) for n in range(600)]


def _portal() -> dict[str, Any]:
    contacts = [contact(int(c), "2024-01-01T00:00:00Z") for c in BIG_CONTACTS]
    contacts += [contact(1, "2024-01-01T00:00:00Z"), contact(2, "2024-01-01T00:00:00Z")]
    return {
        "contacts": contacts,
        "deals": [
            deal(BIG_DEAL, "2024-01-05T00:00:00Z", contacts=BIG_CONTACTS),
            deal(701, "2024-01-06T00:00:00Z", contacts=["1", "2"]),
            deal(702, "2024-01-07T00:00:00Z", contacts=[]),
        ],
        "pipelines": PIPELINES,
    }


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0)


@pytest.fixture
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


def _batch(server: RunningServer, inputs: list[dict[str, str]]) -> requests.Response:
    url = f"{server.base_url}/crm/v4/associations/deals/contacts/batch/read"
    return requests.post(url, json={"inputs": inputs}, headers=AUTH, timeout=10)


def test_batch_read_pages_each_deal_and_answers_207_for_deals_without_contacts(server: RunningServer) -> None:
    first = _batch(server, [{"id": str(BIG_DEAL)}, {"id": "701"}, {"id": "702"}, {"id": "424242"}])
    assert first.status_code == 207
    body = first.json()
    big, small = body["results"]
    assert [t["toObjectId"] for t in big["to"]] == [int(c) for c in BIG_CONTACTS[:500]]
    assert [t["toObjectId"] for t in small["to"]] == [1, 2] and "paging" not in small
    after = big["paging"]["next"]["after"]
    assert set(big["paging"]) == {"next"} and set(big["paging"]["next"]) == {"after"}
    assert body["numErrors"] == 2
    assert body["errors"][0] == {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": "No contact is associated with deal 702.",
        "context": {"fromObjectId": ["702"], "fromObjectType": ["deal"], "toObjectType": ["contact"]},
    }
    assert body["errors"][1]["context"]["fromObjectId"] == ["424242"]

    rest = _batch(server, [{"id": str(BIG_DEAL), "after": after}])
    assert rest.status_code == 200
    (page,) = rest.json()["results"]
    assert [t["toObjectId"] for t in page["to"]] == [int(c) for c in BIG_CONTACTS[500:]]
    assert "paging" not in page and "errors" not in rest.json()

    broken = _batch(server, [{"id": str(BIG_DEAL), "after": "bm90LWEtY3Vyc29y"}])
    assert broken.status_code == 400 and broken.json()["category"] == "VALIDATION_ERROR"
    malformed = _batch(server, [{"id": "abc"}]).json()
    assert malformed["errors"][0]["subCategory"] == "crm.associations.INVALID_IDENTIFIER"


def test_hubspots_own_client_reads_the_paged_207_answer(server: RunningServer) -> None:
    # Validation off for this one: the SDK's generated StandardError marks ``links`` and ``errors``
    # required, but the 207 answers recorded from HubSpot carry neither (status, category, subCategory,
    # message, context only), and the emulator answers as HubSpot does.
    client = hubspot.Client.create(access_token="t", host=server.base_url, client_side_validation=False)
    api = client.crm.associations.v4.batch_api
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=str(BIG_DEAL)), PublicFetchAssociationsBatchRequest(id="702")]
    )
    response = api.get_page(
        from_object_type="deals", to_object_type="contacts", batch_input_public_fetch_associations_batch_request=request
    )
    assert response.num_errors == 1
    assert response.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    (result,) = response.results
    assert len(result.to) == 500
    after = result.paging.next.after
    more = api.get_page(
        from_object_type="deals",
        to_object_type="contacts",
        batch_input_public_fetch_associations_batch_request=BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=str(BIG_DEAL), after=after)]
        ),
    )
    assert [str(t.to_object_id) for t in more.results[0].to] == BIG_CONTACTS[500:]
    # The SDK maps 207 and 200 to different models, as HubSpot's spec declares them.
    assert type(response).__name__ == "BatchResponsePublicAssociationMultiWithLabelWithErrors"
    assert type(more).__name__ == "BatchResponsePublicAssociationMultiWithLabel"
    assert more.results[0].paging is None


def _resource(server: RunningServer) -> HubSpotResource:
    clock = FakeClock()
    return HubSpotResource(access_token="t", base_url=server.base_url).with_clock(clock=clock, sleeper=clock.sleep)


def test_the_client_follows_each_deals_cursor_to_the_end(server: RunningServer) -> None:
    hubspot_client = _resource(server)
    links = hubspot_client.deal_contact_ids([str(BIG_DEAL), "701", "702", "424242", "701"])
    assert links == {str(BIG_DEAL): tuple(BIG_CONTACTS), "701": ("1", "2"), "702": (), "424242": ()}
    assert hubspot_client.calls.counts == {"associations.batch_read": 2}  # the 100 left of deal 700 in a second call
    with pytest.raises(ApiError, match=r"deal\(s\) abc: VALIDATION_ERROR"):
        hubspot_client.deal_contact_ids(["701", "abc"])


@pytest.mark.unit
def test_a_207_error_other_than_no_associations_stops_naming_the_deals() -> None:
    errors = [
        {
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "context": {"fromObjectId": ["1"]},
        },
        {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "subCategory": "crm.associations.INVALID_IDENTIFIER",
            "message": "Invalid object identifier",
            "context": {"fromObjectId": ["12", "3"]},
        },
    ]
    with pytest.raises(ApiError) as caught:
        raise_association_errors(errors)
    assert "deal(s) 3, 12: VALIDATION_ERROR: Invalid object identifier" in str(caught.value)
    assert caught.value.status == 207
    raise_association_errors(errors[:1])  # "nothing associated" alone is no error


@pytest.mark.unit
def test_a_listed_deal_with_a_cut_contact_list_says_so() -> None:
    listed = deal(5, "2024-01-01T00:00:00Z")
    listed["associations"] = {
        "contacts": {"results": [{"id": "9", "type": "deal_to_contact"}], "paging": {"next": {"after": "MTAw"}}}
    }
    record = parse_deal(listed)
    assert record.contact_ids == ("9",) and record.more_contacts is True
    listed["associations"]["contacts"].pop("paging")
    assert parse_deal(listed).more_contacts is False


def _links(warehouse: WarehouseResource) -> dict[str, set[str]]:
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(hubspot_deal_contacts)).mappings().all()
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["deal_id"], set()).add(row["contact_id"])
    return out


def test_the_mirror_keeps_all_600_contacts_in_full_and_incremental_syncs(
    emulator: HubSpotEmulator, server: RunningServer, warehouse_url: str
) -> None:
    listed = requests.get(
        f"{server.base_url}/crm/v3/objects/deals", params={"associations": "contacts"}, headers=AUTH, timeout=10
    ).json()
    embedded = listed["results"][0]["associations"]["contacts"]
    assert len(embedded["results"]) == 100 and embedded["paging"]["next"]["after"]

    warehouse = WarehouseResource(url=warehouse_url)
    clock = FakeClock()
    client = HubSpotResource(access_token="t", base_url=server.base_url).with_clock(clock=clock, sleeper=clock.sleep)
    now = parse_instant_ms("2024-02-01T00:00:00Z")
    assert now is not None
    full = HubSpotMirror(client, warehouse, stages=DEFAULT_STAGES, now_ms=now, log=lambda _: None).run()
    assert full.streams["deals"].mode == "full"
    links = _links(warehouse)
    assert links[str(BIG_DEAL)] == set(BIG_CONTACTS) and links["701"] == {"1", "2"} and "702" not in links
    # Only the cut deal was read again, in two batch calls (500, then the last 100).
    assert client.calls.counts["associations.batch_read"] == 2

    # The big deal changes and loses one contact: the incremental sync reads its 599 through the batch API.
    emulator.upsert_record(
        "deals",
        deal(BIG_DEAL, "2024-01-05T00:00:00Z", contacts=BIG_CONTACTS[1:], modified="2024-02-02T00:00:00Z"),
    )
    later = parse_instant_ms("2024-02-03T00:00:00Z")
    assert later is not None
    incremental = HubSpotMirror(client, warehouse, stages=DEFAULT_STAGES, now_ms=later, log=lambda _: None).run()
    assert incremental.streams["deals"].mode == "incremental"
    assert _links(warehouse)[str(BIG_DEAL)] == set(BIG_CONTACTS[1:])
    warehouse.dispose()
