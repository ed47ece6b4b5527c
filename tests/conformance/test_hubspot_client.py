"""HubSpot conformance, the cases beyond ``tests/test_hubspot_official_client.py``: HubSpot's own SDK
(``hubspot-api-client`` 12, client-side validation on) reads the emulator's refusals and rarer pages.

Get-by-id of a missing or archived record (404 body as HubSpot sends it, quoted in
HubSpot/hubspot-api-nodejs#669), archived pages, the search ``limit`` ceiling of 200 and the
10,000-result cap, property history (``propertiesWithHistory``, pages capped at 50 as the SDK's
``PROPERTY_HISTORY_MAX_SIZE``) and the v4 association list with its ``after`` cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import hubspot
import pytest
from hubspot.crm.associations.v4 import ApiException as AssociationsApiException
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts.models import Filter, FilterGroup, PublicObjectSearchRequest

from emulators.hubspot import HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread

TOKEN = "pat-na1-conformance"
BASE = datetime(2024, 1, 1, tzinfo=UTC)
N_CONTACTS = 120  # every fourth one archived
N_DEAL_CONTACTS = 600  # deal 9001's contacts: two association pages of 500


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def contact(i: int, *, archived: bool = False) -> dict[str, Any]:
    created = BASE + timedelta(hours=i)
    record: dict[str, Any] = {
        "id": str(i),
        "properties": {"createdate": iso(created), "lastmodifieddate": iso(created), "lifecyclestage": "lead"},
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "archived": archived,
    }
    if record["archived"]:
        record["archivedAt"] = iso(created + timedelta(days=30))
    return record


HISTORY = [
    {"value": "customer", "timestamp": "2024-03-01T09:00:00.000Z", "sourceType": "CRM_UI", "sourceId": "userId:123"},
    {"value": "lead", "timestamp": "2024-01-01T07:00:00.000Z", "sourceType": "FORM", "sourceId": "form:7"},
]


def fixture() -> dict[str, Any]:
    contacts = [contact(i, archived=i % 4 == 0) for i in range(1, N_CONTACTS + 1)]
    contacts[6]["properties"]["lifecyclestage"] = "customer"  # contact 7
    contacts[6]["propertiesWithHistory"] = {"lifecyclestage": HISTORY}
    # Deal 9001's contacts 1001..1600 exist as live records so the association list reports them.
    contacts += [contact(1000 + i) for i in range(1, N_DEAL_CONTACTS + 1)]
    deals = [
        {
            "id": "9001",
            "properties": {"dealname": "Big", "amount": "100000", "dealstage": "closedwon", "pipeline": "default"},
            "createdAt": iso(BASE),
            "updatedAt": iso(BASE),
            "archived": False,
            "associations": {"contacts": [str(1000 + i) for i in range(1, N_DEAL_CONTACTS + 1)]},
        },
        {
            "id": "9002",
            "properties": {"dealname": "Small", "amount": "500", "dealstage": "closedwon", "pipeline": "default"},
            "createdAt": iso(BASE),
            "updatedAt": iso(BASE),
            "archived": False,
            # Contact 4 is archived: archived records lose their associations.
            "associations": {"contacts": ["1", "2", "3", "4"]},
        },
    ]
    return {"contacts": contacts, "deals": deals}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    emulator = HubSpotEmulator(fixture(), access_token=TOKEN, burst_limit=0, search_per_second=0)
    with serve_in_thread(emulator) as srv:
        yield srv


def sdk(server: RunningServer) -> Any:
    return hubspot.Client.create(access_token=TOKEN, host=server.base_url, client_side_validation=True)


@pytest.fixture
def client(server: RunningServer) -> Any:
    return sdk(server)


def error_body(error: Exception) -> dict[str, Any]:
    return dict(json.loads(getattr(error, "body", "")))


def test_get_by_id_and_its_404(client: Any) -> None:
    found = client.crm.contacts.basic_api.get_by_id("7", properties=["lifecyclestage"])
    assert (found.id, found.properties["lifecyclestage"], found.archived) == ("7", "customer", False)
    with pytest.raises(ContactsApiException) as missing:
        client.crm.contacts.basic_api.get_by_id("999999")
    assert missing.value.status == 404
    body = error_body(missing.value)
    assert {k: body[k] for k in ("status", "message", "category", "context")} == {
        "status": "error",
        "message": "Object not found.  objectId are usually numeric.",
        "category": "OBJECT_NOT_FOUND",
        "context": {"id": ["999999"]},
    }
    assert body["correlationId"]


def test_archived_record_by_id_needs_archived_true(client: Any) -> None:
    with pytest.raises(ContactsApiException) as live_only:
        client.crm.contacts.basic_api.get_by_id("8")
    assert live_only.value.status == 404
    archived = client.crm.contacts.basic_api.get_by_id("8", archived=True)
    assert (archived.archived, archived.archived_at) == (True, BASE + timedelta(hours=8, days=30))


def test_archived_pages(client: Any) -> None:
    archived = client.crm.contacts.get_all(archived=True)
    assert [c.id for c in archived] == [str(i) for i in range(4, N_CONTACTS + 1, 4)]
    assert all(c.archived and c.archived_at == c.created_at + timedelta(days=30) for c in archived)
    first = client.crm.contacts.basic_api.get_page(limit=10, archived=True)
    assert (len(first.results), first.paging.next.after) == (10, "44")
    live = client.crm.contacts.get_all()
    assert len(live) == N_CONTACTS - N_CONTACTS // 4 + N_DEAL_CONTACTS
    assert not any(c.archived for c in live)


def search_request(limit: int, after: str | None = None) -> PublicObjectSearchRequest:
    return PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="lifecyclestage", operator="EQ", value="lead")])],
        sorts=["hs_object_id"],
        limit=limit,
        after=after,
    )


def test_search_limit_ceiling_is_200(client: Any) -> None:
    page = client.crm.contacts.search_api.do_search(public_object_search_request=search_request(200))
    # Live leads: 90 of contacts 1..120 (contact 7 is a customer) and the 600 deal contacts.
    assert (len(page.results), page.total, page.paging.next.after) == (200, 89 + N_DEAL_CONTACTS, "200")
    with pytest.raises(ContactsApiException) as refused:
        client.crm.contacts.search_api.do_search(public_object_search_request=search_request(201))
    assert refused.value.status == 400
    assert error_body(refused.value)["category"] == "VALIDATION_ERROR"


def test_search_stops_at_10000_results() -> None:
    many = [contact(i) for i in range(1, 10_051)]
    emulator = HubSpotEmulator({"contacts": many}, access_token=TOKEN, burst_limit=0, search_per_second=0)
    with serve_in_thread(emulator) as srv:
        client = sdk(srv)
        last_page = client.crm.contacts.search_api.do_search(public_object_search_request=search_request(200, "9800"))
        assert last_page.total == 10_050
        assert [r.id for r in last_page.results] == [str(i) for i in range(9801, 10_001)]
        with pytest.raises(ContactsApiException) as beyond:
            client.crm.contacts.search_api.do_search(public_object_search_request=search_request(100, "10000"))
    assert beyond.value.status == 400
    assert error_body(beyond.value)["category"] == "VALIDATION_ERROR"


def test_property_history(client: Any) -> None:
    one = client.crm.contacts.basic_api.get_by_id("7", properties_with_history=["lifecyclestage"])
    history = one.properties_with_history["lifecyclestage"]
    assert [(h.value, h.timestamp, h.source_type, h.source_id) for h in history] == [
        ("customer", datetime(2024, 3, 1, 9, tzinfo=UTC), "CRM_UI", "userId:123"),
        ("lead", datetime(2024, 1, 1, 7, tzinfo=UTC), "FORM", "form:7"),
    ]
    # A page asking for history holds at most 50 records, whatever the limit asked.
    page = client.crm.contacts.basic_api.get_page(limit=100, properties_with_history=["lifecyclestage"])
    assert len(page.results) == 50
    synthesised = page.results[0].properties_with_history["lifecyclestage"]
    # Without recorded history, the current value stamped when the record last changed.
    assert [(h.value, h.timestamp) for h in synthesised] == [("lead", BASE + timedelta(hours=1))]


def test_v4_association_list_pages(client: Any) -> None:
    api = client.crm.associations.v4.basic_api
    first = api.get_page(object_type="deals", object_id="9001", to_object_type="contacts")
    assert len(first.results) == 500
    second = api.get_page(
        object_type="deals", object_id="9001", to_object_type="contacts", after=first.paging.next.after
    )
    assert second.paging is None
    ids = [r.to_object_id for r in [*first.results, *second.results]]
    assert ids == [str(1000 + i) for i in range(1, N_DEAL_CONTACTS + 1)]
    spec = first.results[0].association_types[0]
    assert (spec.category, spec.type_id, spec.label) == ("HUBSPOT_DEFINED", 3, None)
    small = api.get_page(object_type="deals", object_id="9002", to_object_type="contacts", limit=2)
    rest = api.get_page(object_type="deals", object_id="9002", to_object_type="contacts", after=small.paging.next.after)
    assert [r.to_object_id for r in [*small.results, *rest.results]] == ["1", "2", "3"]
    with pytest.raises(AssociationsApiException) as missing:
        api.get_page(object_type="deals", object_id="9999", to_object_type="contacts")
    assert missing.value.status == 404
