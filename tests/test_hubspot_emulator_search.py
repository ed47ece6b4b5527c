"""HubSpot emulator search over real HTTP: operators, filter groups, sorts, paging and the 10,000 cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulators.hubspot import HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread
from tests.hubspot_emulator_support import many_contacts, search, search_fixture, search_ids


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(search_fixture(), burst_limit=0, search_per_second=0)


@pytest.fixture
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"propertyName": "lifecyclestage", "operator": "EQ", "value": "LEAD"}, ["51", "54"]),
        ({"propertyName": "lifecyclestage", "operator": "NEQ", "value": "lead"}, ["52", "53", "56"]),
        ({"propertyName": "email", "operator": "EQ", "value": "c@x.com"}, ["53"]),
        ({"propertyName": "createdate", "operator": "LT", "value": "2024-01-03T00:00:00Z"}, ["51", "56"]),
        ({"propertyName": "createdate", "operator": "LTE", "value": "1704240000000"}, ["51", "52", "56"]),
        ({"propertyName": "createdate", "operator": "GT", "value": "2024-01-08T00:00:00.000Z"}, ["54"]),
        ({"propertyName": "createdate", "operator": "GTE", "value": 1704672000000}, ["53", "54"]),
        # Numeric, not lexicographic: "9" < "10" here.
        ({"propertyName": "num_employees", "operator": "GT", "value": "10"}, ["52", "56"]),
        ({"propertyName": "num_employees", "operator": "LTE", "value": "10"}, ["51", "53"]),
        ({"propertyName": "hs_object_id", "operator": "GT", "value": "53"}, ["54", "56"]),
        (
            {
                "propertyName": "createdate",
                "operator": "BETWEEN",
                "value": "2024-01-01T00:00:00Z",
                "highValue": "1704672000000",
            },
            ["51", "52", "53"],
        ),
        (
            {
                "propertyName": "hs_analytics_source",
                "operator": "IN",
                "values": ["paid_social", "ORGANIC_SEARCH"],
            },
            ["51", "53", "54"],
        ),
        # 56 has an empty source: it is "not in" the list.
        (
            {"propertyName": "hs_analytics_source", "operator": "NOT_IN", "values": ["PAID_SOCIAL"]},
            ["52", "53", "56"],
        ),
        ({"propertyName": "email", "operator": "HAS_PROPERTY"}, ["51", "52", "53", "56"]),
        ({"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}, ["54"]),
        ({"propertyName": "hs_analytics_source", "operator": "NOT_HAS_PROPERTY"}, ["56"]),
        (
            {"propertyName": "hs_v2_date_entered_marketingqualifiedlead", "operator": "HAS_PROPERTY"},
            ["52", "53"],
        ),
        (
            {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@x.com"},
            ["51", "52", "53", "56"],
        ),
    ],
)
def test_search_operators(server: RunningServer, flt: dict[str, Any], expected: list[str]) -> None:
    assert search_ids(server, flt) == expected


def test_search_epoch_ms_and_iso_filter_values_agree(server: RunningServer) -> None:
    prop = "hs_v2_date_entered_marketingqualifiedlead"
    upper = {"propertyName": prop, "operator": "LT", "value": "2024-01-08T00:00:00Z"}
    # 2024-01-05T00:00:00Z == 1704412800000 ms.
    as_string_ms = search_ids(server, {"propertyName": prop, "operator": "GTE", "value": "1704412800000"}, upper)
    as_number_ms = search_ids(server, {"propertyName": prop, "operator": "GTE", "value": 1704412800000}, upper)
    as_iso = search_ids(server, {"propertyName": prop, "operator": "GTE", "value": "2024-01-05T00:00:00.000Z"}, upper)
    as_date = search_ids(server, {"propertyName": prop, "operator": "GTE", "value": "2024-01-05"}, upper)
    assert as_string_ms == as_number_ms == as_iso == as_date == ["52"]


def test_search_filter_groups_are_or_of_ands(server: RunningServer) -> None:
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]},
            {
                "filters": [
                    {"propertyName": "num_employees", "operator": "GTE", "value": "100"},
                    {"propertyName": "createdate", "operator": "LT", "value": "2024-01-01T00:00:00Z"},
                ]
            },
        ]
    }
    assert [r["id"] for r in search(server, body).json()["results"]] == ["53", "56"]


def test_search_bad_filter_value_is_a_validation_error(server: RunningServer) -> None:
    response = search(
        server,
        {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "soon"}]}]},
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        ([{"propertyName": "createdate", "direction": "DESCENDING"}], ["54", "53", "52", "51", "56"]),
        (["createdate"], ["56", "51", "52", "53", "54"]),
        # Missing values sort last ascending and first descending.
        (["num_employees"], ["53", "51", "56", "52", "54"]),
        (["-num_employees"], ["54", "52", "56", "51", "53"]),
        ([{"propertyName": "lifecyclestage", "direction": "ASCENDING"}], ["53", "51", "54", "52", "56"]),
        ([], ["51", "52", "53", "54", "56"]),
    ],
)
def test_search_sorts(server: RunningServer, sorts: list[Any], expected: list[str]) -> None:
    response = search(server, {"sorts": sorts, "limit": 100})
    assert [r["id"] for r in response.json()["results"]] == expected


def test_search_paging_total_and_properties(server: RunningServer) -> None:
    pages = []
    body: dict[str, Any] = {"limit": 2, "properties": ["email", "bogus"]}
    while True:
        page = search(server, body).json()
        pages.append(page)
        if "paging" not in page:
            break
        body["after"] = page["paging"]["next"]["after"]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [[r["id"] for r in p["results"]] for p in pages] == [["51", "52"], ["53", "54"], ["56"]]
    assert [p.get("paging", {}).get("next", {}).get("after") for p in pages] == ["2", "4", None]
    assert pages[0]["results"][0]["properties"] == {
        "createdate": "2024-01-01T10:00:00.000Z",
        "email": "a@x.com",
        "hs_object_id": "51",
        "lastmodifieddate": "2024-01-01T10:00:00.000Z",
    }
    assert "associations" not in pages[0]["results"][0]
    default = search(server, {"limit": 1}).json()["results"][0]["properties"]
    assert sorted(default) == [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ]


def test_search_limit_over_200_is_rejected(server: RunningServer) -> None:
    response = search(server, {"limit": 201})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert search(server, {"limit": 200}).status_code == 200


def test_search_10000_result_cap() -> None:
    emu = HubSpotEmulator(many_contacts(10_050), burst_limit=0, search_per_second=0)
    with serve_in_thread(emu) as srv:
        last_allowed = search(srv, {"limit": 200, "after": "9800", "sorts": ["hs_object_id"]})
        past_cap = search(srv, {"limit": 200, "after": "9900"})
        at_cap = search(srv, {"limit": 1, "after": "10000"})
    assert last_allowed.status_code == 200
    body = last_allowed.json()
    assert body["total"] == 10_050
    assert [r["id"] for r in body["results"]][:2] == ["9801", "9802"]
    assert body["results"][-1]["id"] == "10000"
    assert body["paging"]["next"]["after"] == "10000"
    for refused in (past_cap, at_cap):
        assert refused.status_code == 400
        error = refused.json()
        assert error["category"] == "VALIDATION_ERROR"
        assert error["status"] == "error"
        assert "10,000" in error["message"]


def test_archived_records_never_appear_in_search(emulator: HubSpotEmulator, server: RunningServer) -> None:
    ids = search_ids(server, {"propertyName": "hs_analytics_source", "operator": "EQ", "value": "PAID_SOCIAL"})
    assert ids == ["51", "54"]
