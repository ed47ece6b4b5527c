"""Source identity: what each resource names as its account, the warehouse's record of it, the guard's
message, ``reset-source``, the HubSpot emulator's account-info answer and the demo's per-fixture folder."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from emulators.fixture import FixtureError, validate_fixture
from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from pipelines.cli import main
from pipelines.demo import demo_runtime, demo_runtime_environ, fixture_data_dir
from resources.ga4 import GA4Resource
from resources.google_ads import GoogleAdsResource
from resources.hubspot import HubSpotResource
from resources.source_identity import (
    SourceIdentity,
    SourceIdentityError,
    ensure_source_identity,
    recorded_identities,
    reset_source,
    shown_url,
)
from resources.tracker import TrackerResource
from resources.warehouse import (
    WarehouseResource,
    ad_daily,
    hubspot_contacts,
    source_identity,
    sync_state,
    weekly_kpis,
)
from settings import SettingsError
from tests.conftest import FakeClock
from tests.factories import contact

PORTAL_A = SourceIdentity("hubspot", "111", "HubSpot portal 111", "HUBSPOT_ACCESS_TOKEN")
PORTAL_B = SourceIdentity("hubspot", "222", "HubSpot portal 222", "HUBSPOT_ACCESS_TOKEN")


# ------------------------------------------------------------------------------------------ the warehouse


def test_the_first_run_records_the_source_and_another_account_stops(warehouse_url: str) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    assert ensure_source_identity(warehouse, PORTAL_A, now_ms=1_000) is True
    assert ensure_source_identity(warehouse, PORTAL_A, now_ms=2_000) is False
    with pytest.raises(SourceIdentityError) as caught:
        ensure_source_identity(warehouse, PORTAL_B, now_ms=3_000)
    message = str(caught.value)
    assert message.startswith(
        "HUBSPOT_ACCESS_TOKEN now points at HubSpot portal 222, but this warehouse "
        f"({shown_url(warehouse_url)}) mirrors HubSpot portal 111: nothing was written."
    )
    assert "`funnel-ledger reset-source hubspot --yes`" in message and "WAREHOUSE_URL" in message
    assert isinstance(caught.value, SettingsError)  # the CLI prints it as one line, exit status 2
    with warehouse.engine.connect() as conn:
        row = conn.execute(sa.select(source_identity)).mappings().one()
    assert (row["identity"], row["first_seen_at_ms"], row["last_seen_at_ms"]) == ("111", 1_000, 2_000)
    assert recorded_identities(warehouse) == {"hubspot": PORTAL_A}
    warehouse.dispose()


@pytest.mark.unit
def test_a_warehouse_password_never_reaches_the_message() -> None:
    url = "postgresql+psycopg://ledger:s3cret-pw@db.internal:5432/marketing"
    assert shown_url(url) == "postgresql+psycopg://ledger:***@db.internal:5432/marketing"
    assert shown_url("not a url") == "<WAREHOUSE_URL>"


def _fill(warehouse: WarehouseResource) -> None:
    with warehouse.engine.begin() as conn:
        conn.execute(
            sa.insert(hubspot_contacts),
            [{"contact_id": str(i), "archived": False, "deleted": False, "synced_at_ms": 1} for i in range(3)],
        )
        conn.execute(sa.insert(sync_state), [{"stream": "contacts", "watermark_ms": 5}])
        conn.execute(
            sa.insert(ad_daily),
            [
                {
                    "platform": platform,
                    "campaign_id": "1",
                    "date": date(2024, 1, 1),
                    "impressions": 1,
                    "clicks": 1,
                    "cost": "1.5",
                    "conversions": 0.0,
                    "platform_leads": 0,
                    "synced_at_ms": 1,
                }
                for platform in ("linkedin", "google_ads")
            ],
        )
        conn.execute(
            sa.insert(weekly_kpis),
            [{"week_start": date(2024, 1, 1), "kpi_id": "new_leads", "kpi_version": "1.x", "channel": "All"}],
        )


def test_reset_source_counts_then_deletes_only_that_source_and_the_derived_kpis(warehouse_url: str) -> None:
    warehouse = WarehouseResource(url=warehouse_url)
    _fill(warehouse)
    ensure_source_identity(warehouse, PORTAL_A, now_ms=1)
    linkedin = SourceIdentity("linkedin", "42", "LinkedIn ad account 42", "LINKEDIN_AD_ACCOUNT_ID")
    ensure_source_identity(warehouse, linkedin, now_ms=1)

    counted = reset_source(warehouse, "linkedin", apply=False)
    assert counted == {
        "ad_daily": 1,
        "ad_silent_days": 0,
        "source_status": 0,
        "quarantined_records": 0,
        "weekly_kpis": 1,
        "weekly_insights": 0,
        "source_identity": 1,
    }
    assert set(recorded_identities(warehouse)) == {"hubspot", "linkedin"}  # counting deletes nothing

    assert reset_source(warehouse, "linkedin", apply=True) == counted
    with warehouse.engine.connect() as conn:
        platforms = conn.execute(sa.select(ad_daily.c.platform)).scalars().all()
        contacts = conn.execute(sa.select(sa.func.count()).select_from(hubspot_contacts)).scalar_one()
    assert platforms == ["google_ads"] and contacts == 3
    assert set(recorded_identities(warehouse)) == {"hubspot"}
    # The next run may record another ad account.
    ensure_source_identity(warehouse, SourceIdentity("linkedin", "43", "LinkedIn ad account 43", "X"), now_ms=2)

    hubspot = reset_source(warehouse, "hubspot", apply=True)
    assert (hubspot["hubspot_contacts"], hubspot["sync_state"], hubspot["source_identity"]) == (3, 1, 1)
    with pytest.raises(SettingsError, match="unknown source 'salesforce'"):
        reset_source(warehouse, "salesforce", apply=False)
    warehouse.dispose()


def test_the_reset_source_command_reads_the_environments_warehouse(tmp_path: Path, monkeypatch, capsys) -> None:
    for name in ("WAREHOUSE_URL", "FUNNEL_LEDGER_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(tmp_path))
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'warehouse.db'}")
    _fill(warehouse)
    ensure_source_identity(warehouse, PORTAL_A, now_ms=1)
    assert main(["reset-source", "hubspot"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"funnel-ledger reset-source hubspot: sqlite:///{tmp_path / 'warehouse.db'} mirrors HubSpot portal 111.",
        "  would delete: 3 hubspot_contacts, 1 sync_state, 1 weekly_kpis.",
        "  Nothing was deleted: rerun with --yes to delete it.",
    ]
    assert main(["reset-source", "hubspot", "--yes"]) == 0
    assert "deleted: 3 hubspot_contacts, 1 sync_state, 1 weekly_kpis" in capsys.readouterr().out
    assert recorded_identities(warehouse) == {}
    warehouse.dispose()


# ------------------------------------------------------------------------------------------ each source's identity


@pytest.mark.unit
def test_each_resource_names_its_account_and_the_variable_that_chooses_it(monkeypatch) -> None:
    ads = GoogleAdsResource(credentials={"customer_id": "123-456-7890"})
    assert ads.source_identity() == SourceIdentity(
        "google_ads", "1234567890", "Google Ads customer 1234567890", "GOOGLE_ADS_CUSTOMER_ID"
    )
    ga4 = GA4Resource(property_id="properties/987", read_environment=False)
    assert ga4.source_identity() == SourceIdentity("ga4", "987", "GA4 property 987", "GA4_PROPERTY_ID")
    monkeypatch.delenv("TRACKER_SPREADSHEET_ID", raising=False)
    assert TrackerResource(workbook_path="x.xlsx").source_identity() is None  # a local file moves at will
    sheet = TrackerResource(spreadsheet_id="1AbC")
    assert sheet.source_identity() == SourceIdentity("tracker", "1AbC", "Google Sheet 1AbC", "TRACKER_SPREADSHEET_ID")


def test_the_hubspot_portal_comes_from_account_info() -> None:
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    app = HubSpotEmulator(
        {"account": {"portalId": 12345678, "timeZone": "US/Eastern", "uiDomain": "app-eu1.hubspot.com"}},
        wall_clock=lambda: winter,
    )
    with serve_in_thread(app) as server:
        body = requests.get(
            f"{server.base_url}/account-info/v3/details", headers={"Authorization": "Bearer t"}, timeout=5
        ).json()
        clock = FakeClock()
        client = HubSpotResource(access_token="t", base_url=server.base_url).with_clock(
            clock=clock, sleeper=clock.sleep
        )
        identity = client.source_identity()
    assert body == {
        "portalId": 12345678,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "uiDomain": "app-eu1.hubspot.com",
        "dataHostingLocation": "na1",
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
    }
    assert identity == SourceIdentity(
        "hubspot", "12345678", "HubSpot portal 12345678 (app-eu1.hubspot.com)", "HUBSPOT_ACCESS_TOKEN"
    )
    summer = HubSpotEmulator(
        {"account": {"timeZone": "US/Eastern"}}, wall_clock=lambda: datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert summer.account_details()["utcOffset"] == "-04:00"


def test_a_fixture_without_a_portal_id_gets_one_from_its_records() -> None:
    one = {"contacts": [contact(1, "2024-01-01T00:00:00Z")]}
    two = {"contacts": [contact(2, "2024-01-01T00:00:00Z")]}
    first = HubSpotEmulator(one).account_details()["portalId"]
    assert HubSpotEmulator(json.loads(json.dumps(one))).account_details()["portalId"] == first  # same data, same portal
    assert HubSpotEmulator(two).account_details()["portalId"] != first
    assert 10_000_000 <= first < 100_000_000


@pytest.mark.unit
@pytest.mark.parametrize(
    ("account", "message"),
    [
        ([], "hubspot.account must be a JSON object"),
        ({"portalId": "123"}, 'hubspot.account.portalId must be a positive integer, got "123"'),
        ({"portalId": 0}, "hubspot.account.portalId must be a positive integer, got 0"),
        ({"timeZone": 5}, "hubspot.account.timeZone must be a string"),
    ],
)
def test_the_fixture_account_is_checked(account: object, message: str) -> None:
    with pytest.raises(FixtureError, match=message.replace("(", r"\(")):
        validate_fixture({"hubspot": {"account": account}}, source="f.json")
    validate_fixture({"hubspot": {"account": {"portalId": 42, "timeZone": "UTC"}}}, source="f.json")


# ------------------------------------------------------------------------------------------ the demo's folders


@pytest.mark.unit
def test_a_fixture_demo_gets_its_own_folder_keyed_by_content(tmp_path: Path) -> None:
    fixture = tmp_path / "Other data set!.json"
    fixture.write_text('{"hubspot": {}}')
    folder = fixture_data_dir(Path(".data"), fixture)
    assert folder.parent == Path(".data") and folder.name.startswith("demo-Other-data-set-")
    assert len(folder.name.rsplit("-", 1)[1]) == 12
    assert fixture_data_dir(Path(".data"), fixture) == folder  # the same file, the same folder
    fixture.write_text('{"hubspot": {"contacts": []}}')
    assert fixture_data_dir(Path(".data"), fixture) != folder  # edited: a fresh folder

    runtime = demo_runtime({}, fixture)
    assert runtime.mode == "demo" and runtime.data_dir.parent == Path(".data")
    assert runtime.warehouse_url == f"sqlite:///{runtime.data_dir / 'warehouse.db'}"
    assert runtime.workbook_path == runtime.data_dir / "tracker.xlsx"
    # The synthetic demo keeps .data; explicit locations win over the per-fixture folder.
    assert demo_runtime({}, None).warehouse_url == "sqlite:///.data/warehouse.db"
    explicit = demo_runtime({"WAREHOUSE_URL": "sqlite:///mine.db", "TRACKER_WORKBOOK": "t.xlsx"}, fixture)
    assert (explicit.warehouse_url, explicit.workbook_path) == ("sqlite:///mine.db", Path("t.xlsx"))
    by_env = demo_runtime_environ({"FUNNEL_LEDGER_FIXTURE": str(fixture), "FUNNEL_LEDGER_DATA_DIR": "/srv"}, None)
    assert Path(by_env["FUNNEL_LEDGER_DATA_DIR"]).parent == Path("/srv")
    with pytest.raises(FixtureError, match=r"missing\.json: fixture file not found"):
        fixture_data_dir(Path(".data"), tmp_path / "missing.json")
    with pytest.raises(FixtureError, match="cannot read fixture file"):
        fixture_data_dir(Path(".data"), tmp_path)  # a folder
