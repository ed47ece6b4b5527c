"""Wire fidelity: HubSpot's official Python SDK (hubspot-api-client 12) reads everything the emulator serves.

The SDK's generated models are the judge: client-side validation is switched on, so a missing required
field or an out-of-enum value in an emulator response fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import hubspot
import pytest
from hubspot.crm.associations.v4.models import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts.models import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.objects.models import PublicObjectSearchRequest as ObjectsSearchRequest

from emulators.hubspot import DEFAULT_LIST_PROPERTIES, HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread

BASE = datetime(2024, 1, 1, tzinfo=UTC)
N_CONTACTS = 230  # three pages of 100 through get_all
N_DEALS = 120  # two pages
N_MEETINGS = 15
STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]
SOURCES = ["PAID_SOCIAL", "PAID_SEARCH", "ORGANIC_SEARCH", "DIRECT_TRAFFIC"]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def build_fixture() -> dict[str, Any]:
    contacts = []
    for i in range(N_CONTACTS):
        created = BASE + timedelta(hours=7 * i, milliseconds=i)
        stage = STAGES[i % len(STAGES)]
        props: dict[str, Any] = {
            "email": f"person{i}@example.com",
            "firstname": f"First{i}",
            "lastname": None if i % 4 == 0 else f"Last{i}",
            "createdate": iso(created),
            "lastmodifieddate": iso(created + timedelta(days=1)),
            "lifecyclestage": stage,
            "hs_analytics_source": SOURCES[i % len(SOURCES)],
            "hs_analytics_source_data_1": "linkedin" if i % 2 else "google",
            f"hs_v2_date_entered_{stage}": iso(created + timedelta(hours=2)),
            f"hs_lifecyclestage_{stage}_date": iso(created + timedelta(hours=2)),
        }
        contacts.append(
            {
                "id": str(1000 + i),
                "properties": props,
                "createdAt": props["createdate"],
                "updatedAt": props["lastmodifieddate"],
                "archived": False,
            }
        )
    deals = []
    for j in range(N_DEALS):
        created = BASE + timedelta(days=j)
        won = j % 3 == 0
        deals.append(
            {
                "id": str(9000 + j),
                "properties": {
                    "dealname": f"Deal {j}",
                    "amount": str(1000 + 250 * j),
                    "dealstage": "closedwon" if won else "qualifiedtobuy",
                    "pipeline": "default",
                    "closedate": iso(created + timedelta(days=30)),
                    "createdate": iso(created),
                    "hs_lastmodifieddate": iso(created + timedelta(days=31)),
                    "hs_is_closed_won": "true" if won else "false",
                },
                "createdAt": iso(created),
                "updatedAt": iso(created + timedelta(days=31)),
                "archived": False,
                # Deal j belongs to contact number 2j (and 2j+1 for even j), wrapping around.
                "associations": {
                    "contacts": [str(1000 + (2 * j) % N_CONTACTS)]
                    + ([str(1000 + (2 * j + 1) % N_CONTACTS)] if j % 2 == 0 else [])
                },
            }
        )
    meetings = []
    for k in range(N_MEETINGS):
        created = BASE + timedelta(days=k, hours=3)
        meetings.append(
            {
                "id": str(500 + k),
                "properties": {
                    "hs_createdate": iso(created),
                    "hs_lastmodifieddate": iso(created),
                    "hs_meeting_title": f"Demo {k}",
                    "hs_meeting_outcome": "COMPLETED" if k % 2 else "SCHEDULED",
                    "hs_meeting_start_time": iso(created + timedelta(days=2)),
                },
                "createdAt": iso(created),
                "updatedAt": iso(created),
                "archived": False,
            }
        )
    pipelines = {
        "deals": [
            {
                "id": "default",
                "label": "Sales Pipeline",
                "stages": [
                    {
                        "id": "qualifiedtobuy",
                        "label": "Qualified",
                        "metadata": {"isClosed": "false", "probability": "0.4"},
                    },
                    {
                        "id": "closedwon",
                        "label": "Closed Won",
                        "metadata": {"isClosed": "true", "probability": "1.0"},
                    },
                ],
            },
            {
                "id": "51997770",
                "label": "Partner Pipeline",
                "displayOrder": 1,
                "createdAt": "2023-05-01T00:00:00Z",
                "updatedAt": "2023-06-01T00:00:00Z",
                "stages": [{"id": "51997771", "label": "Partner won", "metadata": {"isClosed": "true"}}],
            },
        ]
    }
    return {"contacts": contacts, "deals": deals, "meetings": meetings, "pipelines": pipelines}


FIXTURE = build_fixture()


@pytest.fixture(scope="module")
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(FIXTURE, access_token="pat-na1-emulated", burst_limit=0, search_per_second=0)


@pytest.fixture(scope="module")
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


@pytest.fixture
def client(server: RunningServer) -> Any:
    # Every config key is set on the generated Configuration: host reroutes, validation makes models strict.
    return hubspot.Client.create(access_token="pat-na1-emulated", host=server.base_url, client_side_validation=True)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def expected_properties(record: dict[str, Any], object_type: str, requested: list[str]) -> dict[str, Any]:
    names = {*DEFAULT_LIST_PROPERTIES[object_type], *requested}
    props = {**record["properties"], "hs_object_id": record["id"]}
    return {name: props.get(name) for name in names}


def test_contacts_get_all_pages_with_repeated_properties(client: Any, emulator: HubSpotEmulator) -> None:
    requested = ["lifecyclestage", "hs_analytics_source", "hs_analytics_source_data_1"]
    requested += [f"hs_v2_date_entered_{s}" for s in STAGES] + [f"hs_lifecyclestage_{s}_date" for s in STAGES]
    emulator.reset_counts()
    results = client.crm.contacts.get_all(properties=requested)
    assert emulator.counts() == {"contacts.list": 3}
    assert len(results) == N_CONTACTS
    for got, want in zip(results, FIXTURE["contacts"], strict=True):
        assert got.id == want["id"]
        assert got.properties == expected_properties(want, "contacts", requested)
        assert got.created_at == parse(want["createdAt"])
        assert got.updated_at == parse(want["updatedAt"])
        assert got.archived is False
    assert results[0].properties["lastname"] is None
    assert (
        results[3].properties["hs_v2_date_entered_opportunity"]
        == FIXTURE["contacts"][3]["properties"]["hs_v2_date_entered_opportunity"]
    )


def test_deals_get_all_with_associations(client: Any) -> None:
    requested = ["hs_is_closed_won"]
    results = client.crm.deals.get_all(properties=requested, associations=["contacts"])
    assert len(results) == N_DEALS
    for got, want in zip(results, FIXTURE["deals"], strict=True):
        assert got.id == want["id"]
        assert got.properties == expected_properties(want, "deals", requested)
        ids = [a.id for a in got.associations["contacts"].results]
        assert ids == want["associations"]["contacts"]
        assert {a.type for a in got.associations["contacts"].results} == {"deal_to_contact"}
    assert results[3].properties["amount"] == "1750"


def test_meetings_through_generic_objects_api(client: Any) -> None:
    requested = ["hs_meeting_title", "hs_meeting_outcome", "hs_meeting_start_time"]
    results = client.crm.objects.get_all("meetings", properties=requested)
    assert [m.id for m in results] == [m["id"] for m in FIXTURE["meetings"]]
    for got, want in zip(results, FIXTURE["meetings"], strict=True):
        assert got.properties == expected_properties(want, "meetings", requested)
    page = client.crm.objects.meetings.basic_api.get_page(limit=10, properties=["hs_meeting_outcome"])
    assert [m.id for m in page.results] == [str(500 + k) for k in range(10)]
    assert page.paging.next.after == "510"
    last = client.crm.objects.meetings.basic_api.get_page(limit=10, after=page.paging.next.after)
    assert [m.id for m in last.results] == [str(500 + k) for k in range(10, 15)]
    assert last.paging is None


def test_contacts_search_pages_to_the_end(client: Any) -> None:
    cutoff = BASE + timedelta(days=30)
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="createdate", operator="GTE", value=str(int(cutoff.timestamp() * 1000))),
                    Filter(
                        property_name="hs_analytics_source",
                        operator="IN",
                        values=["PAID_SOCIAL", "PAID_SEARCH"],
                    ),
                ]
            )
        ],
        sorts=["hs_object_id"],
        properties=["lifecyclestage", "hs_analytics_source"],
        limit=40,
        after="0",
    )
    expected = [
        c
        for c in FIXTURE["contacts"]
        if parse(c["properties"]["createdate"]) >= cutoff
        and c["properties"]["hs_analytics_source"] in ("PAID_SOCIAL", "PAID_SEARCH")
    ]
    seen = []
    totals = set()
    while True:
        page = client.crm.contacts.search_api.do_search(public_object_search_request=request)
        totals.add(page.total)
        seen.extend(page.results)
        if page.paging is None:
            break
        request.after = page.paging.next.after
    assert totals == {len(expected)}
    assert len(expected) == 64  # hand check: contacts 103..229 (127), i % 4 in {0, 1}: 32 + 32
    assert [r.id for r in seen] == [c["id"] for c in expected]
    for got, want in zip(seen, expected, strict=True):
        assert got.properties == {
            "createdate": want["properties"]["createdate"],
            "hs_object_id": want["id"],
            "lastmodifieddate": want["properties"]["lastmodifieddate"],
            "lifecyclestage": want["properties"]["lifecyclestage"],
            "hs_analytics_source": want["properties"]["hs_analytics_source"],
        }


def test_deal_and_meeting_search(client: Any) -> None:
    won = client.crm.deals.search_api.do_search(
        public_object_search_request=PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=[Filter(property_name="dealstage", operator="EQ", value="closedwon")])],
            properties=["amount"],
            limit=100,
        )
    )
    assert won.total == 40
    assert [d.id for d in won.results] == [str(9000 + j) for j in range(0, N_DEALS, 3)]
    assert won.results[1].properties["amount"] == "1750"
    meetings = client.crm.objects.search_api.do_search(
        "meetings",
        ObjectsSearchRequest(
            filter_groups=[],
            sorts=["-hs_createdate"],
            properties=["hs_meeting_outcome"],
            limit=5,
        ),
    )
    assert meetings.total == N_MEETINGS
    assert [m.id for m in meetings.results] == ["514", "513", "512", "511", "510"]
    assert meetings.paging.next.after == "5"


def test_pipelines(client: Any) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="deals").results
    assert [(p.id, p.label, p.display_order) for p in pipelines] == [
        ("default", "Sales Pipeline", 0),
        ("51997770", "Partner Pipeline", 1),
    ]
    default = pipelines[0]
    assert [(s.id, s.label, s.metadata) for s in default.stages] == [
        ("qualifiedtobuy", "Qualified", {"isClosed": "false", "probability": "0.4"}),
        ("closedwon", "Closed Won", {"isClosed": "true", "probability": "1.0"}),
    ]
    assert pipelines[1].created_at == datetime(2023, 5, 1, tzinfo=UTC)
    assert pipelines[1].stages[0].write_permissions == "CRM_PERMISSIONS_ENFORCEMENT"


def test_associations_v4_batch_read(client: Any) -> None:
    inputs = [PublicFetchAssociationsBatchRequest(id=d["id"]) for d in FIXTURE["deals"][:6]]
    response = client.crm.associations.v4.batch_api.get_page(
        from_object_type="deals",
        to_object_type="contacts",
        batch_input_public_fetch_associations_batch_request=BatchInputPublicFetchAssociationsBatchRequest(
            inputs=inputs
        ),
    )
    assert response.status == "COMPLETE"
    got = {r._from.id: [t.to_object_id for t in r.to] for r in response.results}
    assert got == {d["id"]: d["associations"]["contacts"] for d in FIXTURE["deals"][:6]}
    spec = response.results[0].to[0].association_types[0]
    assert (spec.category, spec.type_id, spec.label) == ("HUBSPOT_DEFINED", 3, None)
    assert response.started_at <= response.completed_at


def test_properties(client: Any, emulator: HubSpotEmulator) -> None:
    for object_type in ("contacts", "deals", "meetings"):
        served = client.crm.properties.core_api.get_all(object_type=object_type).results
        assert [p.name for p in served] == [p["name"] for p in emulator.property_definitions(object_type)]
    contacts = {p.name: p for p in client.crm.properties.core_api.get_all(object_type="contacts").results}
    lifecycle = contacts["lifecyclestage"]
    assert lifecycle.type == "enumeration"
    assert [(o.value, o.label, o.display_order, o.hidden) for o in lifecycle.options][:3] == [
        ("subscriber", "Subscriber", 0, False),
        ("lead", "Lead", 1, False),
        ("marketingqualifiedlead", "Marketing Qualified Lead", 2, False),
    ]
    assert contacts["hs_v2_date_entered_customer"].type == "datetime"
    assert contacts["hs_analytics_source_data_1"].type == "string"
    deals = {p.name: p for p in client.crm.properties.core_api.get_all(object_type="deals").results}
    assert [o.value for o in deals["dealstage"].options] == ["qualifiedtobuy", "closedwon", "51997771"]
    assert [o.value for o in deals["pipeline"].options] == ["default", "51997770"]


def test_wrong_token_surfaces_as_api_exception(server: RunningServer) -> None:
    bad = hubspot.Client.create(access_token="pat-na1-wrong", host=server.base_url)
    with pytest.raises(ContactsApiException) as info:
        bad.crm.contacts.basic_api.get_page(limit=1)
    assert info.value.status == 401
    assert json.loads(info.value.body)["category"] == "INVALID_AUTHENTICATION"
