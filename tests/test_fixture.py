"""The fixture loader: structure checks with messages that name the record, and the dump/load round trip."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from emulators.fixture import FixtureError, dump_fixture, load_fixture
from emulators.synthetic import generate_demo_fixture

Fixture = dict[str, Any]


def contact(cid: str, **props: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "properties": {
            "createdate": "2024-01-15T10:22:31.123Z",
            "hs_object_id": cid,
            "lifecyclestage": "lead",
            **props,
        },
        "createdAt": "2024-01-15T10:22:31.123Z",
        "updatedAt": "2024-02-01T08:00:00Z",
        "archived": False,
    }


def sample() -> Fixture:
    """A small fixture with every part, shaped like DESIGN.md §4."""
    return {
        "hubspot": {
            "contacts": [contact(str(50 + i)) for i in range(13)],
            "deals": [
                {
                    "id": "9001",
                    "properties": {
                        "amount": "12000",
                        "dealstage": "closedwon",
                        "pipeline": "default",
                        "hs_mrr": None,
                    },
                    "createdAt": "2024-01-20T09:00:00.000Z",
                    "updatedAt": "2024-03-01T09:00:00.000Z",
                    "archived": False,
                    "associations": {"contacts": ["51", "52"]},
                }
            ],
            "meetings": [
                {
                    "id": "7",
                    "properties": {
                        "hs_createdate": "2024-01-16T11:00:00.000Z",
                        "hs_meeting_outcome": "SCHEDULED",
                    },
                    "createdAt": "2024-01-16T11:00:00.000Z",
                    "updatedAt": "2024-01-16T11:00:00.000Z",
                    "archived": True,
                    "archivedAt": "2024-02-16T11:00:00.000Z",
                }
            ],
            "pipelines": {
                "deals": [
                    {
                        "id": "default",
                        "label": "Sales Pipeline",
                        "stages": [{"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}}],
                    }
                ]
            },
        },
        "linkedin": {"account_id": "512388408", "campaigns": [{"id": 111}], "analytics": []},
        "google_ads": {"customer_id": "1234567890", "rows": []},
        "ga4": {"property_id": "123456", "sessions": [{"date": "2024-01-02", "user": "u1"}]},
        "sheets": {"spreadsheets": [{"spreadsheetId": "demo-tracker", "title": "Funnel Tracker"}]},
    }


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_returns_the_fixture_unchanged(tmp_path: Path) -> None:
    data = sample()
    assert load_fixture(write(tmp_path, data)) == data
    assert load_fixture(write(tmp_path, {})) == {}
    assert load_fixture(write(tmp_path, {"hubspot": {}})) == {"hubspot": {}}


def test_the_example_message_names_file_part_record_and_value(tmp_path: Path) -> None:
    data = sample()
    data["hubspot"]["contacts"][12] = contact("57", createdate=1705312951000)
    path = write(tmp_path, data)
    with pytest.raises(FixtureError) as info:
        load_fixture(path)
    assert str(info.value) == (
        f"{path}: hubspot.contacts[12] (id '57'): property 'createdate' must be a string, got 1705312951000"
    )
    assert isinstance(info.value, ValueError)


def _set(part: str, index: int, key: str, value: Any) -> Callable[[Fixture], None]:
    def mutate(data: Fixture) -> None:
        data["hubspot"][part][index][key] = value

    return mutate


def _delete(part: str, index: int, key: str) -> Callable[[Fixture], None]:
    def mutate(data: Fixture) -> None:
        del data["hubspot"][part][index][key]

    return mutate


def _unknown_part(data: Fixture) -> None:
    data["hubspot_v2"] = {}


def _unknown_hubspot_member(data: Fixture) -> None:
    data["hubspot"]["contact"] = []


def _duplicate_id(data: Fixture) -> None:
    data["hubspot"]["contacts"][3]["id"] = "51"


def _bool_property(data: Fixture) -> None:
    data["hubspot"]["deals"][0]["properties"]["hs_is_closed_won"] = True


def _numeric_stage_probability(data: Fixture) -> None:
    data["hubspot"]["pipelines"]["deals"][0]["stages"][0]["metadata"]["probability"] = 1.0


def _pipelines_as_list(data: Fixture) -> None:
    data["hubspot"]["pipelines"] = []


def _association_ids_as_numbers(data: Fixture) -> None:
    data["hubspot"]["deals"][0]["associations"] = {"contacts": [51]}


def _api_form_association_without_id(data: Fixture) -> None:
    data["hubspot"]["contacts"][2]["associations"] = {"deals": {"results": [{"type": "contact_to_deal"}]}}


def _property_definition_without_name(data: Fixture) -> None:
    data["hubspot"]["properties"] = {"contacts": [{"label": "Lifecycle stage"}]}


def _contacts_not_a_list(data: Fixture) -> None:
    data["hubspot"]["contacts"] = {"51": {}}


def _part_not_an_object(data: Fixture) -> None:
    data["ga4"] = []


def _linkedin_campaign_not_object(data: Fixture) -> None:
    data["linkedin"]["campaigns"] = [111]


CASES: list[tuple[str, Callable[[Fixture], None], str]] = [
    (
        "unknown part",
        _unknown_part,
        "unknown part(s) 'hubspot_v2'; allowed parts are hubspot, linkedin, google_ads, ga4, sheets",
    ),
    (
        "unknown hubspot member",
        _unknown_hubspot_member,
        "hubspot: unknown member(s) 'contact'; allowed members are contacts, deals, meetings, companies, "
        "pipelines, properties",
    ),
    ("part not an object", _part_not_an_object, "ga4 must be a JSON object, got a list"),
    (
        "contacts not a list",
        _contacts_not_a_list,
        "hubspot.contacts must be a list of records, got an object",
    ),
    (
        "id is a number",
        _set("contacts", 4, "id", 54),
        "hubspot.contacts[4]: 'id' must be a non-empty string, got 54",
    ),
    ("id missing", _delete("deals", 0, "id"), "hubspot.deals[0]: 'id' must be a non-empty string, got null"),
    (
        "duplicate id",
        _duplicate_id,
        "hubspot.contacts[3] (id '51'): duplicate id, already used by hubspot.contacts[1]",
    ),
    (
        "properties not an object",
        _set("contacts", 5, "properties", ["lead"]),
        "hubspot.contacts[5] (id '55'): 'properties' must be a JSON object, got [\"lead\"]",
    ),
    (
        "boolean property",
        _bool_property,
        "hubspot.deals[0] (id '9001'): property 'hs_is_closed_won' must be a string, got true",
    ),
    (
        "createdAt missing",
        _delete("meetings", 0, "createdAt"),
        "hubspot.meetings[0] (id '7'): missing 'createdAt'",
    ),
    (
        "updatedAt as epoch ms",
        _set("contacts", 0, "updatedAt", 1706774400000),
        "hubspot.contacts[0] (id '50'): 'updatedAt' must be an ISO-8601 date-time string, got 1706774400000",
    ),
    (
        "updatedAt not a date",
        _set("contacts", 0, "updatedAt", "last tuesday"),
        "hubspot.contacts[0] (id '50'): 'updatedAt' must be an ISO-8601 date-time string, got 'last tuesday'",
    ),
    (
        "naive timestamp",
        _set("deals", 0, "createdAt", "2024-01-20T09:00:00"),
        "hubspot.deals[0] (id '9001'): 'createdAt' must carry a time zone (e.g. 'Z'), got '2024-01-20T09:00:00'",
    ),
    (
        "archived missing",
        _delete("contacts", 7, "archived"),
        "hubspot.contacts[7] (id '57'): missing 'archived'",
    ),
    (
        "archived as text",
        _set("contacts", 7, "archived", "false"),
        "hubspot.contacts[7] (id '57'): 'archived' must be true or false, got \"false\"",
    ),
    (
        "association ids as numbers",
        _association_ids_as_numbers,
        "hubspot.deals[0] (id '9001'): associations.contacts must be a list of id strings, got [51]",
    ),
    (
        "API-form association without id",
        _api_form_association_without_id,
        "hubspot.contacts[2] (id '52'): associations.deals must be a list of id strings, "
        + 'got {"results": [{"type": "contact_to_deal"}]}',
    ),
    (
        "property definition without name",
        _property_definition_without_name,
        "hubspot.properties.contacts[0]: must be an object with a non-empty 'name' string",
    ),
    (
        "numeric stage probability",
        _numeric_stage_probability,
        "hubspot.pipelines.deals[0] (id 'default'): stages[0] (id 'closedwon'): "
        "metadata 'probability' must be a string, got 1.0",
    ),
    ("pipelines as a list", _pipelines_as_list, 'hubspot.pipelines must be an object like {"deals": [...]}'),
    (
        "linkedin campaign not an object",
        _linkedin_campaign_not_object,
        "linkedin.campaigns[0]: must be a JSON object, got a number",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_structure_errors_name_the_record(tmp_path: Path, mutate: Callable[[Fixture], None], expected: str) -> None:
    data = sample()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(FixtureError) as info:
        load_fixture(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(FixtureError, match=r"nope\.json: fixture file not found"):
        load_fixture(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"hubspot": {\n  "contacts": [,]\n}}', encoding="utf-8")
    with pytest.raises(FixtureError, match=r"broken\.json: not valid JSON \(line 2, column 16\)"):
        load_fixture(broken)
    listed = write(tmp_path, [1, 2])
    with pytest.raises(FixtureError, match="the fixture must be a JSON object, got a list"):
        load_fixture(listed)


def test_api_form_associations_companies_and_property_definitions_are_accepted(tmp_path: Path) -> None:
    data = sample()
    data["hubspot"]["contacts"][1]["associations"] = {"deals": {"results": [{"id": "9001", "type": "contact_to_deal"}]}}
    data["hubspot"]["companies"] = [contact("800")]
    data["hubspot"]["properties"] = {"contacts": [{"name": "lifecyclestage", "type": "enumeration"}]}
    loaded = load_fixture(write(tmp_path, data))
    assert loaded["hubspot"]["contacts"][1]["associations"]["deals"]["results"][0]["id"] == "9001"
    assert loaded["hubspot"]["companies"][0]["id"] == "800"
    assert loaded["hubspot"]["properties"]["contacts"][0]["name"] == "lifecyclestage"


def test_null_property_values_are_allowed(tmp_path: Path) -> None:
    data = {"hubspot": {"contacts": [contact("1", hs_analytics_source=None, lifecyclestage=None)]}}
    props = load_fixture(write(tmp_path, data))["hubspot"]["contacts"][0]["properties"]
    assert props["hs_analytics_source"] is None
    assert props["lifecyclestage"] is None
    assert props["hs_object_id"] == "1"


def test_dump_then_load_round_trips(tmp_path: Path) -> None:
    data = sample()
    path = tmp_path / "nested" / "dir" / "fx.json"
    dump_fixture(data, path)
    loaded = load_fixture(path)
    assert loaded == data
    assert loaded["hubspot"]["deals"][0]["properties"]["hs_mrr"] is None
    assert loaded["hubspot"]["meetings"][0]["archived"] is True
    assert [p.name for p in path.parent.iterdir()] == ["fx.json"]  # no temporary file left behind


def test_dump_round_trips_the_synthetic_fixture(tmp_path: Path) -> None:
    data = generate_demo_fixture(today=date(2025, 6, 2), weeks=8)
    path = tmp_path / "demo.json"
    dump_fixture(data, path)
    assert load_fixture(path) == data
    # Non-ASCII text (the en dash in deal names) is written as is, not escaped.
    assert "–" in path.read_text(encoding="utf-8")


def test_dump_refuses_an_invalid_fixture_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "fx.json"
    dump_fixture(sample(), path)
    before = path.read_bytes()
    bad = copy.deepcopy(sample())
    bad["hubspot"]["contacts"][0]["properties"]["createdate"] = 1705312951000
    with pytest.raises(FixtureError, match=r"hubspot\.contacts\[0\] \(id '50'\): property 'createdate'"):
        dump_fixture(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["fx.json"]
