"""HubSpot emulator over real HTTP: server plumbing, list and get, auth, rate limits, portal changes.

Search is tested in ``test_hubspot_emulator_search.py``; associations, pipelines and properties in
``test_hubspot_emulator_metadata.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from emulators.hubspot import HubSpotEmulator
from emulators.server import RunningServer, serve_in_thread
from tests.hubspot_emulator_support import (
    AUTH,
    AUTH_MESSAGE,
    FakeClock,
    get,
    many_contacts,
    search,
    search_fixture,
    search_ids,
)


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(search_fixture(), burst_limit=0, search_per_second=0)


@pytest.fixture
def server(emulator: HubSpotEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


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
