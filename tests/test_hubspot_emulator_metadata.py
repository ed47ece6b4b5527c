"""HubSpot emulator over real HTTP: v4 associations, deal pipelines and property definitions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from emulators.hubspot import DEFAULT_LIFECYCLE_STAGES, HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread
from tests.hubspot_emulator_support import AUTH, get, search_fixture


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(search_fixture(), burst_limit=0, search_per_second=0)


@pytest.fixture
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


def test_associations_batch_read(server: RunningServer) -> None:
    url = f"{server.base_url}/crm/v4/associations/deals/contacts/batch/read"
    inputs = [{"id": "9001"}, {"id": "9002"}, {"id": "9003"}, {"id": "424242"}]
    response = requests.post(url, json={"inputs": inputs}, headers=AUTH, timeout=5)
    # 9003 has no contacts and 424242 does not exist: HubSpot answers 207 with an error for each.
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert set(body) == {"status", "results", "numErrors", "errors", "startedAt", "completedAt"}
    assert body["numErrors"] == 2
    assert [e["context"]["fromObjectId"] for e in body["errors"]] == [["9003"], ["424242"]]
    spec = [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]
    assert body["results"] == [
        {
            "from": {"id": "9001"},
            "to": [
                {"toObjectId": 51, "associationTypes": spec},
                {"toObjectId": 52, "associationTypes": spec},
            ],
        },
        {"from": {"id": "9002"}, "to": [{"toObjectId": 53, "associationTypes": spec}]},
    ]
    reverse = requests.post(
        f"{server.base_url}/crm/v4/associations/contacts/deals/batch/read",
        json={"inputs": [{"id": "52"}, {"id": "54"}]},
        headers=AUTH,
        timeout=5,
    ).json()
    assert reverse["results"] == [
        {
            "from": {"id": "52"},
            "to": [
                {
                    "toObjectId": 9001,
                    "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None}],
                }
            ],
        }
    ]
    too_many = requests.post(url, json={"inputs": [{"id": str(i)} for i in range(1001)]}, headers=AUTH, timeout=5)
    assert too_many.status_code == 400
    assert too_many.json()["category"] == "VALIDATION_ERROR"


def test_pipelines_are_completed_with_required_fields(server: RunningServer) -> None:
    body = get(server, "/crm/v3/pipelines/deals").json()
    assert body == {
        "results": [
            {
                "id": "default",
                "label": "Sales Pipeline",
                "displayOrder": 0,
                "archived": False,
                "createdAt": "1970-01-01T00:00:00Z",
                "updatedAt": "1970-01-01T00:00:00Z",
                "stages": [
                    {
                        "id": "qualifiedtobuy",
                        "label": "Qualified To Buy",
                        "displayOrder": 0,
                        "metadata": {"isClosed": "false", "probability": "0.4"},
                        "archived": False,
                        "createdAt": "1970-01-01T00:00:00Z",
                        "updatedAt": "1970-01-01T00:00:00Z",
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    },
                    {
                        "id": "closedwon",
                        "label": "Won",
                        "displayOrder": 1,
                        "metadata": {"isClosed": "true", "probability": "1.0"},
                        "archived": False,
                        "createdAt": "1970-01-01T00:00:00Z",
                        "updatedAt": "1970-01-01T00:00:00Z",
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    },
                ],
            }
        ]
    }
    assert get(server, "/crm/v3/pipelines/deals/default").json()["label"] == "Sales Pipeline"
    assert get(server, "/crm/v3/pipelines/deals/nope").status_code == 404


def test_default_pipeline_when_fixture_has_none() -> None:
    with serve_in_thread(HubSpotEmulator({}, burst_limit=0)) as srv:
        stages = get(srv, "/crm/v3/pipelines/deals").json()["results"][0]["stages"]
    assert [s["id"] for s in stages] == [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ]


def test_derived_property_definitions(server: RunningServer) -> None:
    props = {p["name"]: p for p in get(server, "/crm/v3/properties/contacts").json()["results"]}
    stage_ids = [s for s, _ in DEFAULT_LIFECYCLE_STAGES]
    assert stage_ids == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ]
    lifecycle = props["lifecyclestage"]
    assert lifecycle["type"] == "enumeration"
    assert lifecycle["options"][:2] == [
        {"label": "Subscriber", "value": "subscriber", "displayOrder": 0, "hidden": False},
        {"label": "Lead", "value": "lead", "displayOrder": 1, "hidden": False},
    ]
    assert [o["value"] for o in lifecycle["options"]] == stage_ids
    for stage in stage_ids:
        assert props[f"hs_v2_date_entered_{stage}"]["type"] == "datetime"
        assert props[f"hs_lifecyclestage_{stage}_date"]["type"] == "datetime"
    assert props["hs_lifecyclestage_lead_date"]["label"] == "Became a Lead Date"
    assert props["createdate"]["type"] == "datetime"
    assert props["hs_object_id"]["type"] == "number"
    assert props["email"]["type"] == "string"
    # Custom property only present on records: type inferred from the values.
    assert props["num_employees"]["type"] == "number"
    assert props["num_employees"]["hubspotDefined"] is False
    deal_props = {p["name"]: p for p in get(server, "/crm/v3/properties/deals").json()["results"]}
    assert [o["value"] for o in deal_props["dealstage"]["options"]] == ["qualifiedtobuy", "closedwon"]
    assert deal_props["hs_v2_date_entered_closedwon"]["type"] == "datetime"
    assert deal_props["amount"]["type"] == "number"
    assert deal_props["hs_is_closed_won"]["type"] == "bool"
    single = get(server, "/crm/v3/properties/contacts/lifecyclestage").json()
    assert single == lifecycle


def test_fixture_property_definitions_are_served_and_completed() -> None:
    data = search_fixture()
    data["properties"] = {
        "contacts": [{"name": "email", "label": "E-mail", "type": "string", "fieldType": "text", "groupName": "g"}]
    }
    with serve_in_thread(HubSpotEmulator(data, burst_limit=0)) as srv:
        props = {p["name"]: p for p in get(srv, "/crm/v3/properties/contacts").json()["results"]}
    assert props["email"]["label"] == "E-mail"
    assert props["email"]["groupName"] == "g"
    assert props["email"]["options"] == []
    assert props["email"]["description"] == ""
    # Names on records but not in the fixture's definitions are still described.
    assert "lifecyclestage" in props
    assert "hs_lifecyclestage_customer_date" not in props
