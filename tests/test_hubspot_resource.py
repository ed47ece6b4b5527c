"""The HubSpot resource against the emulator: paging, the 10,000-result cap, associations, parsing."""

from __future__ import annotations

import math

import pytest

from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from resources.hubspot import (
    CONTACT_PROPERTIES,
    HubSpotResource,
    parse_contact,
    parse_deal,
    parse_instant_ms,
    parse_meeting,
)
from resources.quarantine import BadValue
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal
from tests.faults import FaultyApp, read_timeouts, reset, status

MS_2024_01_01 = 1_704_067_200_000


def _resource(url: str, clock: FakeClock) -> HubSpotResource:
    return HubSpotResource(access_token="t", base_url=url).with_clock(clock=clock, sleeper=clock.sleep)


def test_parse_instant_accepts_iso_with_and_without_ms_and_epoch_ms():
    assert parse_instant_ms("2024-01-01T00:00:00.000Z") == MS_2024_01_01
    assert parse_instant_ms("2024-01-01T00:00:00Z") == MS_2024_01_01
    assert parse_instant_ms("2024-01-01") == MS_2024_01_01
    assert parse_instant_ms(str(MS_2024_01_01)) == MS_2024_01_01
    assert parse_instant_ms(None) is None and parse_instant_ms("") is None


def test_parse_deal_keeps_amounts_exact_and_reads_flags():
    raw = deal(
        9,
        "2024-01-02T00:00:00Z",
        amount="107.5300000000000335346",
        stage="closedwon",
        close="2024-02-01T00:00:00Z",
        contacts=None,
        hs_mrr="",
        hs_deal_stage_probability="1.0",
    )
    raw["associations"] = {
        "contacts": {"results": [{"id": "52", "type": "deal_to_contact"}, {"id": "51", "type": "deal_to_contact"}]}
    }
    parsed = parse_deal(raw)
    assert parsed.amount == "107.5300000000000335346"
    assert parsed.is_closed is True and parsed.is_closed_won is True
    assert parsed.mrr is None and parsed.deal_stage_probability == 1.0
    assert parsed.contact_ids == ("51", "52")
    # Text where HubSpot keeps a number is no amount at all: the deal is quarantined, never read as 0 or None.
    with pytest.raises(BadValue, match=r"^amount 'not a number' is not a number$"):
        parse_deal(deal(10, "2024-01-02T00:00:00Z", amount="not a number"))


def test_parse_reads_json_typed_values_like_hubspot_strings():
    """Schema drift seen in third-party exports of HubSpot data (Airbyte's connector types its records):
    numbers and booleans arrive as JSON numbers and booleans, instants with an offset and microseconds."""
    raw = {
        "id": "4280411910",
        "properties": {
            "amount": 6,
            "hs_mrr": 0.0,
            "hs_is_closed": True,
            "hs_is_closed_won": False,
            "hs_deal_stage_probability": 0.2,
            "createdate": "2021-02-23T20:08:49.603000+00:00",
        },
        "createdAt": "2021-02-23T20:08:49.603Z",
        "updatedAt": "2021-02-23T20:08:53.371Z",
        "archived": False,
    }
    parsed = parse_deal(raw)
    assert (parsed.amount, parsed.mrr) == ("6", "0.0")
    assert (parsed.is_closed, parsed.is_closed_won, parsed.deal_stage_probability) == (True, False, 0.2)
    # 2021-02-23T20:08:49.603Z is 1,614,110,929,603 ms; the offset form with microseconds is the same instant.
    assert parse_instant_ms("2021-02-23T20:08:49.603000+00:00") == 1_614_110_929_603 == parsed.created_at_ms


def test_parse_meeting_without_its_own_dates_falls_back_to_created_and_updated_at():
    meeting = parse_meeting(
        {"id": "7", "properties": {}, "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-02T00:00:00.000Z"}
    )
    assert (meeting.created_at_ms, meeting.updated_at_ms) == (MS_2024_01_01, MS_2024_01_01 + 86_400_000)
    assert (meeting.outcome, meeting.archived) == (None, False)


def test_parse_contact_collects_only_present_stage_dates():
    raw = contact(
        1,
        "2024-01-01T00:00:00Z",
        stage="lead",
        hs_v2_date_entered_lead="2024-01-02T00:00:00Z",
        hs_lifecyclestage_lead_date=None,
    )
    parsed = parse_contact(raw, ["hs_v2_date_entered_lead", "hs_lifecyclestage_lead_date"])
    assert parsed.stage_dates_ms == {"hs_v2_date_entered_lead": MS_2024_01_01 + 86_400_000}
    assert parsed.lifecyclestage == "lead" and parsed.archived is False


def test_list_pages_reads_every_record_in_ceil_n_over_100_calls():
    clock = FakeClock()
    contacts = [contact(i, "2024-01-01T00:00:00Z", stage="lead") for i in range(1, 251)]
    app = HubSpotEmulator({"contacts": contacts}, clock=clock)
    with serve_in_thread(app) as server:
        hubspot = _resource(server.base_url, clock)
        pages = list(hubspot.list_pages("contacts", CONTACT_PROPERTIES))
    assert [len(page) for page in pages] == [100, 100, 50]
    assert sorted(int(r["id"]) for page in pages for r in page) == list(range(1, 251))
    assert hubspot.calls.counts == {"contacts.list": 3}
    assert app.request_counts["contacts.list"] == 3


def test_search_past_the_10000_cap_reanchors_without_extra_calls():
    clock = FakeClock()
    n = 10_450
    contacts = [contact(i, "2024-01-01T00:00:00Z", modified="2024-03-01T00:00:00Z") for i in range(1, n + 1)]
    # A few records modified before the watermark must not come back.
    contacts += [contact(i, "2024-01-01T00:00:00Z", modified="2023-12-01T00:00:00Z") for i in range(n + 1, n + 6)]
    app = HubSpotEmulator({"contacts": contacts}, clock=clock)
    with serve_in_thread(app) as server:
        hubspot = _resource(server.base_url, clock)
        since = parse_instant_ms("2024-02-01T00:00:00Z")
        assert since is not None
        ids = [
            int(r["id"])
            for page in hubspot.search_modified_since("contacts", ["lastmodifieddate"], since)
            for r in page
        ]
    assert ids == list(range(1, n + 1))  # each once, in order
    assert hubspot.calls.counts == {"contacts.search": math.ceil(n / 200)}
    # Paced at 4 searches a second on the injected clock: no 429 was ever answered.
    assert app.request_counts["contacts.search"] == math.ceil(n / 200)
    assert clock.now - 1_000.0 >= (math.ceil(n / 200) - 4) / 4


def test_deal_contact_associations_in_batches_of_1000():
    clock = FakeClock()
    deals = [deal(i, "2024-01-01T00:00:00Z", contacts=[str(i + 5000)]) for i in range(1, 1201)]
    deals.append(deal(2000, "2024-01-01T00:00:00Z", contacts=[]))
    contacts = [contact(i + 5000, "2024-01-01T00:00:00Z") for i in range(1, 1201)]
    app = HubSpotEmulator({"contacts": contacts, "deals": deals, "pipelines": PIPELINES}, clock=clock)
    with serve_in_thread(app) as server:
        hubspot = _resource(server.base_url, clock)
        links = hubspot.deal_contact_ids([str(i) for i in range(1, 1201)] + ["2000"])
        stages = hubspot.get_deal_pipelines()
    assert links["1"] == ("5001",) and links["1200"] == ("6200",) and links["2000"] == ()
    assert hubspot.calls.counts["associations.batch_read"] == 2
    won = next(s for s in stages if s.stage_id == "closedwon")
    assert won.is_closed and won.probability == 1.0 and won.pipeline_id == "default"


@pytest.mark.parametrize("token", ["wrong-token"])
def test_unauthorised_token_fails_with_a_fix(token):
    clock = FakeClock()
    app = HubSpotEmulator({}, access_token="right-token", clock=clock)
    with serve_in_thread(app) as server:
        hubspot = _resource(server.base_url, clock).model_copy(update={"access_token": token})
        with pytest.raises(Exception, match="HUBSPOT_ACCESS_TOKEN") as caught:
            list(hubspot.list_pages("contacts", ["createdate"]))
    assert token not in str(caught.value)


@pytest.mark.parametrize(
    ("plan", "expected_requests", "expected_sleeps"),
    [
        pytest.param([status(429, retry_after="10")], 2, [10.0], id="429-with-retry-after"),
        pytest.param(
            [status(429, body={"status": "error", "policyName": "TEN_SECONDLY_ROLLING"})],
            2,
            None,
            id="429-without-retry-after",
        ),
        pytest.param([status(502), status(503), status(504)], 4, None, id="5xx-burst"),
        pytest.param([reset()], 2, None, id="connection-reset"),
    ],
)
def test_hubspot_flake_matrix(plan, expected_requests, expected_sleeps):
    clock = FakeClock()
    app = FaultyApp(HubSpotEmulator({"contacts": [contact(1, "2024-01-01T00:00:00Z")]}, clock=clock), plan)
    with serve_in_thread(app) as server:
        pages = list(_resource(server.base_url, clock).list_pages("contacts", ["createdate"]))
    assert [r["id"] for page in pages for r in page] == ["1"]
    assert app.requests == expected_requests
    retry_sleeps = [s for s in clock.sleeps if s > 0]
    assert len(retry_sleeps) == expected_requests - 1
    if expected_sleeps is not None:
        assert retry_sleeps == expected_sleeps


def test_hubspot_read_timeout_is_retried_without_waiting():
    clock = FakeClock()
    app = HubSpotEmulator({"contacts": [contact(1, "2024-01-01T00:00:00Z")]}, clock=clock)
    with serve_in_thread(app) as server, read_timeouts(1) as raised:
        pages = list(_resource(server.base_url, clock).list_pages("contacts", ["createdate"]))
    assert len(raised) == 1 and len(pages[0]) == 1
    assert app.request_counts["contacts.list"] == 1
