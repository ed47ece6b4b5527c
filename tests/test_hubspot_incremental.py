"""The weekly HubSpot run: incremental by watermark, deletions from the archived listing and merges, and the
full pass on its own cadence of the data's time (or forced). Calls are counted at the emulator; no test sleeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa

from assets.hubspot_mirror import HubSpotMirror, SyncReport
from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from pipelines.cli import build_parser
from resources.hubspot import HubSpotResource
from resources.warehouse import WarehouseResource, hubspot_contacts, hubspot_deal_contacts, hubspot_deals
from settings import DEFAULT_STAGES
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal

# The full sync runs on Monday 2024-03-04 06:00; the portal's last change before it was a day earlier.
T0 = datetime(2024, 3, 4, 6, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _portal() -> dict[str, Any]:
    """100 contacts and 20 deals (deal n linked to contact n); record n last modified n days and an hour before T0."""
    contacts = [
        contact(n, "2024-01-01T00:00:00Z", stage="lead", modified=_iso(T0 - timedelta(hours=1, days=n)))
        for n in range(1, 101)
    ]
    deals = [
        deal(1000 + n, "2024-01-02T00:00:00Z", contacts=[str(n)], modified=_iso(T0 - timedelta(hours=1, days=n)))
        for n in range(1, 21)
    ]
    return {"contacts": contacts, "deals": deals, "pipelines": PIPELINES}


class Recorder:
    """WSGI wrapper that records each request as (method, path, archived flag) before the emulator serves it."""

    def __init__(self, app: HubSpotEmulator) -> None:
        self.app = app
        self.requests: list[tuple[str, str, bool]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        archived = parse_qs(environ.get("QUERY_STRING", "")).get("archived") == ["true"]
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], archived))
        return self.app(environ, start_response)

    def since(self, mark: int) -> Counter[str]:
        """Requests after ``mark`` by kind: ``search``, ``list``, ``list.archived``, ``associations``, ..."""
        kinds: Counter[str] = Counter()
        for _method, path, archived in self.requests[mark:]:
            if path.endswith("/search"):
                kinds["search"] += 1
            elif path.startswith("/crm/v3/objects/"):
                kinds["list.archived" if archived else "list"] += 1
            elif "/associations/" in path:
                kinds["associations"] += 1
            else:
                kinds["metadata"] += 1  # properties, pipelines: two a run, whatever the portal's size
        return kinds


def _run(url: str, warehouse: WarehouseResource, now: datetime, *, every: int = 28, force: bool = False) -> SyncReport:
    clock = FakeClock()
    hubspot = HubSpotResource(access_token="t", base_url=url).with_clock(clock=clock, sleeper=clock.sleep)
    mirror = HubSpotMirror(
        hubspot, warehouse, stages=DEFAULT_STAGES, now_ms=_ms(now), full_sync_every_days=every, log=lambda _: None
    )
    return mirror.run(force_full=force)


def _modes(report: SyncReport) -> dict[str, str]:
    return {name: stream.mode for name, stream in report.streams.items()}


def _rows(warehouse: WarehouseResource, table: sa.Table, key: str) -> dict[str, dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        return {row[key]: dict(row) for row in conn.execute(sa.select(table)).mappings()}


def _edit(app: HubSpotEmulator, object_type: str, object_id: str, at: datetime) -> None:
    record = app.get_record(object_type, object_id)
    assert record is not None
    prop = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
    record["properties"] = {**record["properties"], prop: _iso(at), "dealname": "edited"}
    record["updatedAt"] = _iso(at)
    app.upsert_record(object_type, record)


def test_the_weekly_run_after_one_percent_changed_makes_only_search_association_and_archived_calls(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0 + WEEK)
    recorder = Recorder(app)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(recorder) as server:
        full = _run(server.base_url, warehouse, T0)
        assert set(_modes(full).values()) == {"full"}
        # 1% of the contacts and a deal change during the week.
        _edit(app, "contacts", "42", T0 + timedelta(days=3))
        _edit(app, "deals", "1007", T0 + timedelta(days=4))
        mark = len(recorder.requests)
        weekly = _run(server.base_url, warehouse, T0 + WEEK)
        kinds = recorder.since(mark)
    assert set(_modes(weekly).values()) == {"incremental"}
    # Per stream one search page and one (empty) page of the archived listing; one association batch for
    # the changed deal; properties and pipelines. No live listing at all.
    assert kinds == Counter({"search": 3, "list.archived": 3, "associations": 1, "metadata": 2})
    # The changed record, and the latest one before the full sync again (within the watermark's overlap).
    assert (weekly.streams["contacts"].fetched, weekly.streams["deals"].fetched) == (2, 2)
    links = {(r["deal_id"], r["contact_id"]) for r in _link_rows(warehouse)}
    assert ("1007", "7") in links and len(links) == 20
    warehouse.dispose()


def _link_rows(warehouse: WarehouseResource) -> list[dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        return [dict(row) for row in conn.execute(sa.select(hubspot_deal_contacts)).mappings()]


def test_archived_contact_and_deal_leave_the_mirror_at_the_next_weekly_run(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0 + WEEK)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(app) as server:
        _run(server.base_url, warehouse, T0)
        app.archive("contacts", "5", at=T0 + timedelta(days=2))
        app.archive("deals", "1003", at=T0 + timedelta(days=2))
        weekly = _run(server.base_url, warehouse, T0 + WEEK)
    assert set(_modes(weekly).values()) == {"incremental"}
    contacts = _rows(warehouse, hubspot_contacts, "contact_id")
    deals = _rows(warehouse, hubspot_deals, "deal_id")
    assert contacts["5"]["archived"] is True and contacts["6"]["archived"] is False
    assert deals["1003"]["archived"] is True and deals["1004"]["archived"] is False
    assert ("1003", "3") not in {(r["deal_id"], r["contact_id"]) for r in _link_rows(warehouse)}
    warehouse.dispose()


def test_a_merged_contact_leaves_the_mirror_and_the_record_it_became_stays(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0 + WEEK)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(app) as server:
        _run(server.base_url, warehouse, T0)
        # Contact 8 (deal 1008's) is merged into contact 7: HubSpot makes a new record of the two.
        survivor = app.merge("contacts", "7", "8", at=T0 + timedelta(days=2))
        merged_deal = app.merge("deals", "1011", "1012", at=T0 + timedelta(days=2))
        weekly = _run(server.base_url, warehouse, T0 + WEEK)
    assert set(_modes(weekly).values()) == {"incremental"}
    assert (survivor, merged_deal) == ("101", "1021")  # the next ids of each type
    contacts = _rows(warehouse, hubspot_contacts, "contact_id")
    assert contacts["7"]["deleted"] is True and contacts["8"]["deleted"] is True
    assert contacts["101"]["deleted"] is False and contacts["101"]["archived"] is False
    assert contacts["9"]["deleted"] is False
    deals = _rows(warehouse, hubspot_deals, "deal_id")
    assert deals["1011"]["deleted"] is True and deals["1012"]["deleted"] is True and deals["1021"]["deleted"] is False
    assert weekly.streams["contacts"].marked_deleted == 2 and weekly.streams["deals"].marked_deleted == 2
    links = {(r["deal_id"], r["contact_id"]) for r in _link_rows(warehouse)}
    # Deal 1008 was not modified: its link follows contact 8 to the record it became. The merged deal
    # carries both deals' contacts.
    assert ("1008", "101") in links and ("1007", "101") in links
    assert not {link for link in links if link[1] in ("7", "8")}
    assert {c for d, c in links if d == "1021"} == {"11", "12"}
    warehouse.dispose()


def test_the_full_pass_comes_after_full_sync_every_days_of_the_data_s_time(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    modes = []
    with serve_in_thread(app) as server:
        _run(server.base_url, warehouse, T0)
        for week in range(1, 6):
            # Something changes a few hours before each Monday's run (a different time each week).
            _edit(app, "contacts", str(week), T0 + week * WEEK - timedelta(hours=1 + week))
            modes.append(_modes(_run(server.base_url, warehouse, T0 + week * WEEK))["contacts"])
    # Last full sync stamped at T0-1d-2h (its data, less the overlap); the fourth week's change is 28 days
    # of data time later (give or take hours): full. The fifth counts from the fourth.
    assert modes == ["incremental", "incremental", "incremental", "full", "incremental"]
    warehouse.dispose()


def test_the_cadence_reads_the_data_s_clock_not_the_run_s(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(app) as server:
        _run(server.base_url, warehouse, T0)
        _edit(app, "contacts", "3", T0 + timedelta(days=6))
        # The run's own clock is 100 days on (a wrong host clock, a paused schedule): the data moved 6 days.
        late = _run(server.base_url, warehouse, T0 + timedelta(days=100))
        # Nothing changed at all: there is no data time to count, and nothing to reconcile by cadence.
        quiet = _run(server.base_url, warehouse, T0 + timedelta(days=200))
    assert _modes(late)["contacts"] == "incremental" and _modes(quiet)["contacts"] == "incremental"
    warehouse.dispose()


def test_full_sync_forced_lists_everything_whatever_the_cadence(tmp_path):
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0)
    recorder = Recorder(app)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(recorder) as server:
        _run(server.base_url, warehouse, T0)
        app.remove_record("contacts", "9")  # a hard delete: no trace but its absence
        mark = len(recorder.requests)
        forced = _run(server.base_url, warehouse, T0 + timedelta(days=1), force=True)
        kinds = recorder.since(mark)
    assert set(_modes(forced).values()) == {"full"}
    assert kinds["list"] == 1 + 1 + 1 and kinds["search"] == 0  # 99 contacts, 20 deals, no meetings
    assert _rows(warehouse, hubspot_contacts, "contact_id")["9"]["deleted"] is True
    warehouse.dispose()


def test_the_cli_s_full_sync_flag_reaches_the_mirror_as_run_config():
    for command in (["run"], ["demo"], ["backfill", "--from", "2024-01-01", "--to", "2024-02-05"]):
        assert build_parser().parse_args([*command, "--full-sync"]).full_sync is True
        assert build_parser().parse_args(command).full_sync is False


def test_the_dagster_config_flag_forces_the_full_pass(tmp_path):
    from dagster import materialize

    from assets.hubspot import MIRROR_OP, hubspot_mirror
    from resources.settings import SettingsResource

    settings_file = tmp_path / "funnel-ledger.yaml"
    settings_file.write_text("hubspot:\n  full_sync_every_days: 28\n")
    app = HubSpotEmulator(_portal(), burst_limit=0, search_per_second=0, wall_clock=lambda: T0)
    warehouse = WarehouseResource(url=f"sqlite:///{tmp_path / 'w.db'}")
    with serve_in_thread(app) as server:
        resources = {
            "hubspot": HubSpotResource(access_token="t", base_url=server.base_url),
            "warehouse": warehouse,
            "settings": SettingsResource(config_path=str(settings_file)),
        }
        modes = []
        for full_sync in (False, False, True):
            result = materialize(
                [hubspot_mirror],
                resources=resources,
                run_config={"ops": {MIRROR_OP: {"config": {"full_sync": full_sync}}}},
            )
            (materialization,) = result.asset_materializations_for_node(MIRROR_OP)
            modes.append(materialization.metadata["contacts_sync_mode"].value)
    # The first run is full (an empty mirror), the second incremental, the third forced.
    assert modes == ["full", "incremental", "full"]
    warehouse.dispose()
