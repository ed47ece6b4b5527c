"""HubSpot emulator over real HTTP: paging, properties, search semantics, limits, auth, associations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from emulators.hubspot import DEFAULT_LIFECYCLE_STAGES, HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread

AUTH = {"Authorization": "Bearer pat-na1-test"}
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


class FakeClock:
    """Monotonic clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def contact(cid: int, created: str, **props: str | None) -> dict[str, Any]:
    return {
        "id": str(cid),
        "properties": {"createdate": created, "lastmodifieddate": created, **props},
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
    }


def search_fixture() -> dict[str, Any]:
    """Six contacts (one archived), three deals, one meeting, one pipeline."""
    archived = contact(55, "2024-01-02T00:00:00.000Z", lifecyclestage="lead", hs_analytics_source="PAID_SOCIAL")
    archived.update(archived=True, archivedAt="2024-02-01T00:00:00.000Z")
    return {
        "contacts": [
            contact(
                51,
                "2024-01-01T10:00:00.000Z",
                email="a@x.com",
                lifecyclestage="lead",
                hs_analytics_source="PAID_SOCIAL",
                num_employees="10",
            ),
            contact(
                52,
                "2024-01-03T00:00:00Z",
                email="b@x.com",
                lifecyclestage="marketingqualifiedlead",
                hs_analytics_source="PAID_SEARCH",
                hs_v2_date_entered_marketingqualifiedlead="2024-01-05T12:00:00.000Z",
                num_employees="250",
            ),
            contact(
                53,
                "2024-01-08T00:00:00.000Z",
                email="C@X.com",
                lifecyclestage="customer",
                hs_analytics_source="ORGANIC_SEARCH",
                hs_v2_date_entered_marketingqualifiedlead="2024-01-08T00:00:00.000Z",
                num_employees="9",
            ),
            contact(54, "2024-01-10T23:59:59.999Z", lifecyclestage="lead", hs_analytics_source="PAID_SOCIAL"),
            archived,
            contact(
                56,
                "2023-12-31T23:00:00.000Z",
                email="d@x.com",
                lifecyclestage="opportunity",
                hs_analytics_source="",
                num_employees="100",
            ),
        ],
        "deals": [
            {
                "id": "9001",
                "properties": {"amount": "12000", "dealstage": "closedwon", "pipeline": "default"},
                "createdAt": "2024-01-04T00:00:00.000Z",
                "updatedAt": "2024-01-09T00:00:00.000Z",
                "archived": False,
                "associations": {"contacts": ["51", "52"]},
            },
            {
                "id": "9002",
                "properties": {"amount": "500.50", "dealstage": "qualifiedtobuy", "pipeline": "default"},
                "createdAt": "2024-01-05T00:00:00.000Z",
                "updatedAt": "2024-01-05T00:00:00.000Z",
                "archived": False,
                "associations": {"contacts": ["53", "55"]},
            },
            {
                "id": "9003",
                "properties": {"amount": None, "dealstage": "qualifiedtobuy", "pipeline": "default"},
                "createdAt": "2024-01-06T00:00:00.000Z",
                "updatedAt": "2024-01-06T00:00:00.000Z",
                "archived": False,
            },
        ],
        "meetings": [
            {
                "id": "7",
                "properties": {
                    "hs_createdate": "2024-01-04T09:00:00.000Z",
                    "hs_meeting_outcome": "SCHEDULED",
                },
                "createdAt": "2024-01-04T09:00:00.000Z",
                "updatedAt": "2024-01-04T09:00:00.000Z",
                "archived": False,
            }
        ],
        "pipelines": {
            "deals": [
                {
                    "id": "default",
                    "label": "Sales Pipeline",
                    "stages": [
                        {"id": "qualifiedtobuy", "metadata": {"isClosed": False, "probability": 0.4}},
                        {
                            "id": "closedwon",
                            "label": "Won",
                            "metadata": {"isClosed": "true", "probability": "1.0"},
                        },
                    ],
                }
            ]
        },
    }


def many_contacts(n: int, first_id: int = 1, archived_every: int = 0) -> dict[str, Any]:
    records = []
    for i in range(n):
        rec = contact(first_id + i, "2024-01-01T00:00:00.000Z")
        if archived_every and i % archived_every == 0:
            rec["archived"] = True
        records.append(rec)
    return {"contacts": records}


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(search_fixture(), burst_limit=0, search_per_second=0)


@pytest.fixture
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


def get(srv: RunningServer, path: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
    return requests.get(srv.base_url + path, params=params, headers=AUTH if headers is None else headers, timeout=5)


def search(srv: RunningServer, body: dict[str, Any], object_type: str = "contacts") -> requests.Response:
    return requests.post(f"{srv.base_url}/crm/v3/objects/{object_type}/search", json=body, headers=AUTH, timeout=5)


def search_ids(srv: RunningServer, *filters: dict[str, Any], **extra: Any) -> list[str]:
    body = {"filterGroups": [{"filters": list(filters)}], "limit": 100, **extra}
    response = search(srv, body)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]


# ---------------------------------------------------------------- server plumbing


def test_serve_in_thread_binds_loopback_and_stops() -> None:
    emu = HubSpotEmulator({}, burst_limit=0)
    srv = serve_in_thread(emu)
    assert srv.base_url.startswith("http://127.0.0.1:")
    assert srv.port > 0
    assert get(srv, "/crm/v3/objects/contacts").json() == {"results": []}
    srv.stop()
    srv.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.base_url + "/crm/v3/objects/contacts", headers=AUTH, timeout=2)


def test_concurrent_requests_are_all_counted() -> None:
    emu = HubSpotEmulator(search_fixture(), burst_limit=0, search_per_second=0)
    with serve_in_thread(emu) as srv, ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: get(srv, "/crm/v3/objects/deals").status_code, range(40)))
    assert statuses == [200] * 40
    assert emu.counts() == {"deals.list": 40}
    assert emu.total_requests() == 40
    emu.reset_counts()
    assert emu.counts() == {}


# ---------------------------------------------------------------- list endpoint


@pytest.mark.parametrize(("n", "expected_pages"), [(25, [10, 10, 5]), (20, [10, 10]), (0, [0])])
def test_list_pages_exactly_and_omits_paging_on_last_page(n: int, expected_pages: list[int]) -> None:
    with serve_in_thread(HubSpotEmulator(many_contacts(n, first_id=1001), burst_limit=0)) as srv:
        sizes, ids, afters = [], [], []
        params: dict[str, str] = {}
        while True:
            body = get(srv, "/crm/v3/objects/contacts", params).json()
            sizes.append(len(body["results"]))
            ids += [r["id"] for r in body["results"]]
            if "paging" not in body:
                break
            afters.append(body["paging"]["next"]["after"])
            assert body["paging"]["next"]["link"] == (f"{srv.base_url}/crm/v3/objects/contacts?after={afters[-1]}")
            params = {"after": afters[-1]}
    assert sizes == expected_pages
    assert ids == [str(1001 + i) for i in range(n)]
    assert afters == [str(1011 + 10 * i) for i in range(len(expected_pages) - 1)]


def test_list_limit_is_clamped_to_100() -> None:
    with serve_in_thread(HubSpotEmulator(many_contacts(150, first_id=1), burst_limit=0)) as srv:
        body = get(srv, "/crm/v3/objects/contacts", {"limit": "500"}).json()
    assert len(body["results"]) == 100
    assert body["paging"]["next"]["after"] == "101"


def test_list_returns_defaults_plus_requested_in_both_encodings(server: RunningServer) -> None:
    wanted = ["lifecyclestage", "hs_v2_date_entered_marketingqualifiedlead", "not_a_property"]
    repeated = get(server, "/crm/v3/objects/contacts", [("properties", p) for p in wanted]).json()
    comma = get(server, "/crm/v3/objects/contacts", {"properties": ",".join(wanted)}).json()
    assert repeated == comma
    first = repeated["results"][0]
    assert first == {
        "id": "51",
        "properties": {
            "createdate": "2024-01-01T10:00:00.000Z",
            "email": "a@x.com",
            "firstname": None,
            "hs_object_id": "51",
            "hs_v2_date_entered_marketingqualifiedlead": None,
            "lastmodifieddate": "2024-01-01T10:00:00.000Z",
            "lastname": None,
            "lifecyclestage": "lead",
        },
        "createdAt": "2024-01-01T10:00:00.000Z",
        "updatedAt": "2024-01-01T10:00:00.000Z",
        "archived": False,
    }
    # The archived contact 55 is not listed by default.
    assert [r["id"] for r in repeated["results"]] == ["51", "52", "53", "54", "56"]


def test_list_default_properties_per_object_type(server: RunningServer) -> None:
    deal = get(server, "/crm/v3/objects/deals").json()["results"][0]
    assert set(deal["properties"]) == {
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    }
    assert deal["properties"]["amount"] == "12000"
    assert deal["properties"]["hs_lastmodifieddate"] == "2024-01-09T00:00:00.000Z"
    meeting = get(server, "/crm/v3/objects/meetings", {"properties": "hs_meeting_outcome"}).json()["results"][0]
    assert meeting["properties"] == {
        "hs_createdate": "2024-01-04T09:00:00.000Z",
        "hs_lastmodifieddate": "2024-01-04T09:00:00.000Z",
        "hs_meeting_outcome": "SCHEDULED",
        "hs_object_id": "7",
    }


def test_archived_listing_only_returns_archived_records(server: RunningServer) -> None:
    body = get(server, "/crm/v3/objects/contacts", {"archived": "true"}).json()
    assert [r["id"] for r in body["results"]] == ["55"]
    assert body["results"][0]["archived"] is True
    assert body["results"][0]["archivedAt"] == "2024-02-01T00:00:00.000Z"
    assert "paging" not in body


def test_archived_listing_pages_over_archived_only() -> None:
    # 30 contacts, every third archived: ids 1, 4, ..., 28 (10 records) are archived.
    with serve_in_thread(HubSpotEmulator(many_contacts(30, archived_every=3), burst_limit=0)) as srv:
        first = get(srv, "/crm/v3/objects/contacts", {"archived": "true", "limit": "4"}).json()
        second = get(srv, "/crm/v3/objects/contacts", {"archived": "true", "limit": "4", "after": "11"}).json()
    assert [r["id"] for r in first["results"]] == ["1", "4", "7", "10"]
    assert first["paging"]["next"]["after"] == "13"
    assert [r["id"] for r in second["results"]] == ["13", "16", "19", "22"]


def test_list_deal_associations(server: RunningServer) -> None:
    body = get(server, "/crm/v3/objects/deals", {"associations": "contacts"}).json()
    by_id = {r["id"]: r for r in body["results"]}
    assert by_id["9001"]["associations"] == {
        "contacts": {"results": [{"id": "51", "type": "deal_to_contact"}, {"id": "52", "type": "deal_to_contact"}]}
    }
    # Contact 55 is archived, so only 53 remains; deal 9003 has none and carries no key.
    assert by_id["9002"]["associations"]["contacts"]["results"] == [{"id": "53", "type": "deal_to_contact"}]
    assert "associations" not in by_id["9003"]
    contacts = get(server, "/crm/v3/objects/contacts", {"associations": "deals"}).json()["results"]
    assert contacts[0]["associations"] == {"deals": {"results": [{"id": "9001", "type": "contact_to_deal"}]}}


def test_get_single_object_and_404(server: RunningServer) -> None:
    ok = get(server, "/crm/v3/objects/deals/9002", {"properties": "hs_is_closed_won"}).json()
    assert ok["id"] == "9002"
    assert ok["properties"]["amount"] == "500.50"
    missing = get(server, "/crm/v3/objects/contacts/424242")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert missing.json()["status"] == "error"
    route = get(server, "/crm/v3/nothing/here")
    assert route.status_code == 404
    assert route.json()["category"] == "OBJECT_NOT_FOUND"
    bad_type = get(server, "/crm/v3/objects/widgets")
    assert bad_type.status_code == 400
    assert bad_type.json()["message"] == "Unable to infer object type from: widgets"


# ---------------------------------------------------------------- search


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


# ---------------------------------------------------------------- auth


def test_missing_and_wrong_bearer_get_hubspot_401_body() -> None:
    emu = HubSpotEmulator(search_fixture(), access_token="pat-na1-good", burst_limit=0)
    with serve_in_thread(emu) as srv:
        missing = get(srv, "/crm/v3/objects/contacts", headers={})
        wrong = get(srv, "/crm/v3/objects/contacts", headers={"Authorization": "Bearer pat-na1-bad"})
        basic = get(srv, "/crm/v3/objects/contacts", headers={"Authorization": "Basic pat-na1-good"})
        good = get(srv, "/crm/v3/objects/contacts", headers={"Authorization": "Bearer pat-na1-good"})
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        body = response.json()
        assert set(body) == {"status", "message", "correlationId", "category"}
        assert body["status"] == "error"
        assert body["message"] == AUTH_MESSAGE
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert str(uuid.UUID(body["correlationId"])) == body["correlationId"]
    assert good.status_code == 200
    assert emu.counts_by_status()[("contacts.list", 401)] == 3


def test_any_non_empty_token_when_none_configured(server: RunningServer) -> None:
    assert get(server, "/crm/v3/objects/contacts", headers={"Authorization": "Bearer anything"}).status_code == 200
    assert get(server, "/crm/v3/objects/contacts", headers={"Authorization": "Bearer "}).status_code == 401


# ---------------------------------------------------------------- rate limits


def test_burst_limit_429_and_window_recovery() -> None:
    clock = FakeClock()
    emu = HubSpotEmulator(search_fixture(), burst_limit=3, burst_window_s=10.0, search_per_second=0, clock=clock)
    with serve_in_thread(emu) as srv:
        ok = []
        for _ in range(3):
            ok.append(get(srv, "/crm/v3/objects/contacts"))
            clock.advance(1.0)  # requests at t=0, 1, 2
        limited = get(srv, "/crm/v3/objects/contacts")  # t=3
        # Search is exempt from the burst bucket and carries no rate-limit headers.
        searched = search(srv, {"limit": 1})
        clock.now = 9.99
        still_limited = get(srv, "/crm/v3/pipelines/deals")
        clock.now = 10.0  # the t=0 request leaves the window
        recovered = get(srv, "/crm/v3/pipelines/deals")
        limited_again = get(srv, "/crm/v3/properties/contacts")

    assert [r.status_code for r in ok] == [200, 200, 200]
    assert [r.headers["X-HubSpot-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
    assert ok[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert ok[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert limited.status_code == 429
    body = limited.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert "Retry-After" not in limited.headers
    assert searched.status_code == 200
    assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in searched.headers)
    assert still_limited.status_code == 429
    assert recovered.status_code == 200
    assert recovered.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert limited_again.status_code == 429
    assert emu.counts() == {"contacts.list": 4, "contacts.search": 1, "pipelines": 2, "properties": 1}
    assert emu.counts_by_status()[("contacts.list", 429)] == 1


def test_search_secondly_limit_429_and_recovery() -> None:
    clock = FakeClock()
    emu = HubSpotEmulator(search_fixture(), burst_limit=2, search_per_second=2, clock=clock)
    with serve_in_thread(emu) as srv:
        first = [search(srv, {"limit": 1}).status_code for _ in range(2)]
        limited = search(srv, {"limit": 1})
        clock.advance(0.5)
        still_limited = search(srv, {"limit": 1})
        clock.advance(0.5)
        recovered = search(srv, {"limit": 1})
        # Five searches did not touch the burst bucket (limit 2).
        listed = [get(srv, "/crm/v3/objects/deals").status_code for _ in range(2)]
    assert first == [200, 200]
    assert limited.status_code == 429
    assert limited.json()["message"] == "You have reached your secondly limit."
    assert limited.json()["policyName"] == "SECONDLY"
    assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in limited.headers)
    assert still_limited.status_code == 429
    assert recovered.status_code == 200
    assert listed == [200, 200]
    assert emu.counts()["contacts.search"] == 5


def test_zero_disables_limits_and_retry_after_is_opt_in() -> None:
    clock = FakeClock()
    with serve_in_thread(HubSpotEmulator({}, burst_limit=0, search_per_second=0, clock=clock)) as srv:
        statuses = {get(srv, "/crm/v3/objects/contacts").status_code for _ in range(101)}
        statuses |= {search(srv, {}).status_code for _ in range(6)}
        no_headers = get(srv, "/crm/v3/objects/contacts")
    assert statuses == {200}
    assert "X-HubSpot-RateLimit-Max" not in no_headers.headers

    emu = HubSpotEmulator({}, burst_limit=1, burst_window_s=10.0, clock=clock, send_retry_after=True)
    with serve_in_thread(emu) as srv:
        get(srv, "/crm/v3/objects/contacts")
        clock.advance(2.5)
        limited = get(srv, "/crm/v3/objects/contacts")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "8"  # 7.5 s left, rounded up


# ---------------------------------------------------------------- associations, pipelines, properties


def test_associations_batch_read(server: RunningServer) -> None:
    url = f"{server.base_url}/crm/v4/associations/deals/contacts/batch/read"
    inputs = [{"id": "9001"}, {"id": "9002"}, {"id": "9003"}, {"id": "424242"}]
    response = requests.post(url, json={"inputs": inputs}, headers=AUTH, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert set(body) == {"status", "results", "startedAt", "completedAt"}
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


# ---------------------------------------------------------------- portal changes between syncs


def test_upsert_and_archive_simulate_portal_changes(emulator: HubSpotEmulator, server: RunningServer) -> None:
    emulator.upsert_record(
        "contacts",
        {
            "id": "57",
            "properties": {"lifecyclestage": "lead", "createdate": "2024-02-01T00:00:00.000Z", "score": 3},
            "createdAt": "2024-02-01T00:00:00.000Z",
            "updatedAt": "2024-02-01T00:00:00.000Z",
        },
    )
    emulator.archive("contacts", "51", at=datetime(2024, 2, 2, 8, 30, tzinfo=UTC))
    emulator.upsert_record(
        "deals",
        {
            "id": "9003",
            "properties": {"amount": "700", "dealstage": "closedwon", "pipeline": "default"},
            "createdAt": "2024-01-06T00:00:00.000Z",
            "updatedAt": "2024-02-03T00:00:00.000Z",
            "associations": {"contacts": ["57"]},
        },
    )

    live = get(server, "/crm/v3/objects/contacts", {"properties": "score"}).json()["results"]
    assert [r["id"] for r in live] == ["52", "53", "54", "56", "57"]
    assert live[-1]["properties"]["score"] == "3"
    archived = get(server, "/crm/v3/objects/contacts", {"archived": "true"}).json()["results"]
    assert [(r["id"], r["archivedAt"], r["updatedAt"]) for r in archived] == [
        ("51", "2024-02-02T08:30:00.000Z", "2024-02-02T08:30:00.000Z"),
        ("55", "2024-02-01T00:00:00.000Z", "2024-01-02T00:00:00.000Z"),
    ]
    assert search_ids(server, {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}) == [
        "54",
        "57",
    ]
    assoc = requests.post(
        f"{server.base_url}/crm/v4/associations/deals/contacts/batch/read",
        json={"inputs": [{"id": "9001"}, {"id": "9003"}]},
        headers=AUTH,
        timeout=5,
    ).json()["results"]
    assert [(r["from"]["id"], [t["toObjectId"] for t in r["to"]]) for r in assoc] == [
        ("9001", [52]),
        ("9003", [57]),
    ]
    assert emulator.property_definitions("contacts")[-1]["name"] == "score"

    emulator.remove_record("contacts", "57")
    assert emulator.get_record("contacts", "57") is None
    with pytest.raises(ValueError, match="Unknown HubSpot object type"):
        emulator.archive("widgets", "1")
    with pytest.raises(KeyError):
        emulator.archive("contacts", "999")
