"""What the HubSpot emulator serves for an incremental sync: the indexed search, merges, the recycle bin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from tests.factories import contact

NOW = datetime(2024, 6, 1, tzinfo=UTC)
AUTH = {"Authorization": "Bearer t"}


def _portal() -> dict[str, Any]:
    # Contact n was last modified n hours before NOW; every third one is a lead.
    return {
        "contacts": [
            contact(
                n,
                "2024-01-01T00:00:00Z",
                stage="lead" if n % 3 == 0 else "subscriber",
                modified=(NOW - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            for n in range(1, 61)
        ]
    }


def _search(url: str, groups: list[dict[str, Any]], after: int = 0, limit: int = 10) -> dict[str, Any]:
    body = {
        "filterGroups": groups,
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["lifecyclestage"],
        "limit": limit,
        "after": str(after),
    }
    response = requests.post(f"{url}/crm/v3/objects/contacts/search", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(payload: dict[str, Any]) -> list[str]:
    return [record["id"] for record in payload["results"]]


def test_the_indexed_search_answers_what_a_scan_answers_and_sees_changes():
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: NOW)
    since = {
        "propertyName": "lastmodifieddate",
        "operator": "GTE",
        "value": str(int((NOW - timedelta(hours=20)).timestamp() * 1000)),
    }
    lead = {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}
    with serve_in_thread(app) as server:
        # Bounded on the last-modified date (the index) and, with a group of leads, unbounded (a scan).
        indexed = _search(server.base_url, [{"filters": [since]}], limit=100)
        assert _ids(indexed) == [str(n) for n in range(1, 21)] and indexed["total"] == 20
        both = _search(server.base_url, [{"filters": [since]}, {"filters": [lead]}], limit=100)
        assert _ids(both) == sorted({*map(str, range(1, 21)), *(str(n) for n in range(3, 61, 3))}, key=int)
        # Paging slices the same answer; a change in between is seen by the next page.
        first = _search(server.base_url, [{"filters": [since]}], limit=10)
        assert _ids(first) == [str(n) for n in range(1, 11)] and first["paging"]["next"]["after"] == "10"
        app.upsert_record("contacts", contact(55, "2024-01-01T00:00:00Z", modified="2024-06-01T00:00:00Z"))
        second = _search(server.base_url, [{"filters": [since]}], after=10, limit=10)
        assert second["total"] == 21 and _ids(second) == [str(n) for n in range(11, 21)]
        third = _search(server.base_url, [{"filters": [since]}], after=20, limit=10)
        assert _ids(third) == ["55"]


def test_a_merge_makes_a_new_record_named_by_both_old_ids():
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: NOW)
    with serve_in_thread(app) as server:
        url = server.base_url
        merged = requests.post(
            f"{url}/crm/v3/objects/contacts/merge",
            json={"primaryObjectId": "3", "objectIdToMerge": "4"},
            headers=AUTH,
            timeout=10,
        ).json()
        assert merged["id"] == "61" and merged["properties"]["hs_merged_object_ids"] == "3;4"
        # Either old id answers with the new record; neither is listed, live or archived.
        assert requests.get(f"{url}/crm/v3/objects/contacts/4", headers=AUTH, timeout=10).json()["id"] == "61"
        live = requests.get(f"{url}/crm/v3/objects/contacts", params={"limit": 100}, headers=AUTH, timeout=10)
        archived = requests.get(
            f"{url}/crm/v3/objects/contacts", params={"limit": 100, "archived": "true"}, headers=AUTH, timeout=10
        )
        assert {"3", "4"}.isdisjoint(_ids(live.json())) and "61" in _ids(live.json())
        assert _ids(archived.json()) == []
        # The merged record is the latest change: a search since the merge finds it, with what it absorbed.
        recent = _search(
            url, [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "2024-06-01"}]}]
        )
        assert _ids(recent) == ["61"]
        refused = requests.post(
            f"{url}/crm/v3/objects/contacts/merge",
            json={"primaryObjectId": "3", "objectIdToMerge": "5"},
            headers=AUTH,
            timeout=10,
        )
        assert refused.status_code == 400


def test_the_recycle_bin_keeps_archived_records_ninety_days():
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: NOW, recycle_bin_days=90)
    app.archive("contacts", "1", at=NOW - timedelta(days=89))
    app.archive("contacts", "2", at=NOW - timedelta(days=91))
    with serve_in_thread(app) as server:
        url = server.base_url
        archived = requests.get(
            f"{url}/crm/v3/objects/contacts", params={"limit": 100, "archived": "true"}, headers=AUTH, timeout=10
        )
        assert _ids(archived.json()) == ["1"]
        purged = requests.get(f"{url}/crm/v3/objects/contacts/2", params={"archived": "true"}, headers=AUTH, timeout=10)
        assert purged.status_code == 404
