"""Shared fixture data and HTTP helpers for the HubSpot emulator tests (``tests/test_hubspot_emulator*.py``)."""

from __future__ import annotations

from typing import Any

import requests

from emulators.server import RunningServer

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


def get(srv: RunningServer, path: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
    return requests.get(srv.base_url + path, params=params, headers=AUTH if headers is None else headers, timeout=5)


def search(srv: RunningServer, body: dict[str, Any], object_type: str = "contacts") -> requests.Response:
    return requests.post(f"{srv.base_url}/crm/v3/objects/{object_type}/search", json=body, headers=AUTH, timeout=5)


def search_ids(srv: RunningServer, *filters: dict[str, Any], **extra: Any) -> list[str]:
    body = {"filterGroups": [{"filters": list(filters)}], "limit": 100, **extra}
    response = search(srv, body)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["results"]]
