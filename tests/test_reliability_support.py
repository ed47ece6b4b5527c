"""Shared harness of the reliability tests: a live run (``funnel-ledger run``) against the emulators with
faults, and a comparable snapshot of everything a run leaves behind (warehouse tables, tracker tabs)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest
import sqlalchemy as sa

from emulators.faults import Rule
from emulators.suite import EmulatorSuite, start_emulators
from pipelines.cli import main
from resources.http import PacedRetry
from resources.sheets import RedirectingSession
from tests.google_keys import service_account_info
from tests.test_demo_end_to_end import _fixture

SHEET = "reliability-tracker"
FIRST, LAST, AS_OF = "2024-01-01", "2024-01-08", "2024-02-01T00:00:00Z"
RUN_ARGS = ["run", "--from", FIRST, "--to", LAST, "--as-of", AS_OF]
SECRETS = {
    "HUBSPOT_ACCESS_TOKEN": "pat-na1-00000000-SENTINEL-HUBSPOT",
    "LINKEDIN_ACCESS_TOKEN": "SENTINEL-LINKEDIN-TOKEN",
    "GOOGLE_ADS_DEVELOPER_TOKEN": "SENTINEL-DEVELOPER-TOKEN",
    "GOOGLE_ADS_CLIENT_SECRET": "SENTINEL-CLIENT-SECRET",
    "GOOGLE_ADS_REFRESH_TOKEN": "SENTINEL-REFRESH-TOKEN",
}
# Columns that say when or by which run a row was written: they differ between two clean runs too.
VOLATILE = re.compile(r"(synced_at|computed_at|last_full_sync|run_id|checked_at|updated_at_run|_at_ms$)")
TRACKER_TABS = ("Tracker", "Snapshots", "Insights")


def small_fixture() -> dict[str, Any]:
    """The hand-checked two-week fixture of the demo end-to-end test, with a sheet to write to."""
    fixture = _fixture()
    fixture["sheets"] = {"spreadsheets": [{"spreadsheetId": SHEET, "title": "Funnel Tracker"}]}
    return fixture


@dataclass
class LiveRun:
    """One live environment: emulators (with faults), env vars, a data dir; ``run()`` is the CLI."""

    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    target: str = "sheet"  # "sheet" (Google Sheet emulator) or "xlsx"
    fixture: dict[str, Any] = field(default_factory=small_fixture)
    suite: EmulatorSuite | None = None
    waits: list[float] = field(default_factory=list)
    private_key: str = ""

    def start(self, faults: Mapping[str, Iterable[Rule]] | None = None) -> LiveRun:
        self.suite = start_emulators(
            self.fixture,
            hubspot_token=SECRETS["HUBSPOT_ACCESS_TOKEN"],
            # Retries here wait no real time (see below), so real-time limits would turn one 429 into a
            # storm; rate limits have their own tests, these runs test faults.
            hubspot_burst_limit=0,
            hubspot_search_per_second=0,
            faults=faults,
        )
        for name, value in self.env().items():
            self.monkeypatch.setenv(name, value)
        for name in ("DAGSTER_HOME", "FUNNEL_LEDGER_MODE", "FUNNEL_LEDGER_CONFIG", "WAREHOUSE_URL"):
            self.monkeypatch.delenv(name, raising=False)
        if self.target == "xlsx":
            self.monkeypatch.delenv("TRACKER_SPREADSHEET_ID", raising=False)
        self.monkeypatch.chdir(self.tmp)
        # Retries wait through a recorder: a 429 storm costs no real time.
        waits = self.waits

        def backoff(retry: PacedRetry) -> None:
            waits.append(retry.get_backoff_time())

        def retry_after(retry: PacedRetry, response: Any) -> bool:
            seconds = retry.get_retry_after(response)
            if seconds:
                waits.append(seconds)
                return True
            return False

        self.monkeypatch.setattr(PacedRetry, "_sleep_backoff", backoff)
        self.monkeypatch.setattr(PacedRetry, "sleep_for_retry", retry_after)
        return self

    def env(self) -> dict[str, str]:
        assert self.suite is not None
        urls = self.suite.urls
        key = service_account_info(f"{urls['oauth']}/token")
        self.private_key = key["private_key"]
        env = {
            **SECRETS,
            "HUBSPOT_BASE_URL": urls["hubspot"],
            "LINKEDIN_BASE_URL": urls["linkedin"],
            "LINKEDIN_AD_ACCOUNT_ID": self.fixture["linkedin"]["account_id"],
            "GOOGLE_ADS_BASE_URL": urls["google_ads"],
            "GOOGLE_ADS_CUSTOMER_ID": self.fixture["google_ads"]["customer_id"],
            "GOOGLE_ADS_CLIENT_ID": "client-id",
            "GA4_BASE_URL": urls["ga4"],
            "GA4_PROPERTY_ID": self.fixture["ga4"]["property_id"],
            "GOOGLE_SERVICE_ACCOUNT_JSON_B64": base64.b64encode(json.dumps(key).encode()).decode(),
            "GOOGLE_OAUTH_TOKEN_URL": f"{urls['oauth']}/token",
            "GOOGLE_SHEETS_BASE_URL": urls["sheets"],
            "FUNNEL_LEDGER_DATA_DIR": str(self.data_dir),
        }
        if self.target == "sheet":
            env["TRACKER_SPREADSHEET_ID"] = SHEET
        else:
            env["TRACKER_WORKBOOK"] = str(self.workbook)
        return env

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    @property
    def workbook(self) -> Path:
        return self.tmp / "tracker.xlsx"

    def run(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
        """``funnel-ledger run`` in this process: (exit code, what it printed on stderr)."""
        capsys.readouterr()
        code = main(RUN_ARGS)
        return code, capsys.readouterr().err

    def rules(self, name: str) -> list[Rule]:
        assert self.suite is not None
        return self.suite.faults[name].rules

    def stop(self) -> None:
        if self.suite is not None:
            self.suite.stop()

    # What a run leaves behind -------------------------------------------------------------------------

    def warehouse(self) -> dict[str, list[tuple[Any, ...]]]:
        return dump_warehouse(f"sqlite:///{self.data_dir / 'warehouse.db'}")

    def tracker(self) -> dict[str, list[list[Any]]]:
        """Tracker, Snapshots (without snapshot_at and run_id) and Insights, as cell text."""
        if self.target == "xlsx":
            return workbook_tabs(self.workbook)
        assert self.suite is not None
        return sheet_tabs(self.suite)

    def state(self) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[list[Any]]]]:
        return self.warehouse(), self.tracker()


def dump_warehouse(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without the columns that say when or by which run they were written."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for table in meta.sorted_tables:
                columns = [c for c in table.columns if not VOLATILE.search(c.name)]
                rows = connection.execute(sa.select(*columns)).all()
                dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
        return dump
    finally:
        engine.dispose()


def _comparable(tab: str, rows: list[list[Any]]) -> list[list[Any]]:
    """The tab without its run-stamp columns (snapshot_at, run_id, any *_at) and without trailing blanks."""
    if not rows:
        return rows
    keep = [i for i, name in enumerate(rows[0]) if not re.fullmatch(r"run_id|.*_at", str(name or ""))]
    return [[row[i] if i < len(row) else None for i in keep] for row in rows]


def sheet_tabs(suite: EmulatorSuite) -> dict[str, list[list[Any]]]:
    sheets = suite.app("sheets")
    sheets.auth_required = False
    try:
        session = RedirectingSession(suite.urls["sheets"])
        book = gspread.Client(auth=None, session=session).open_by_key(SHEET)  # type: ignore[arg-type]
        titles = {ws.title for ws in book.worksheets()}
        return {tab: _comparable(tab, book.worksheet(tab).get_all_values()) for tab in TRACKER_TABS if tab in titles}
    finally:
        sheets.auth_required = True


def workbook_tabs(path: Path) -> dict[str, list[list[Any]]]:
    if not path.exists():
        return {}
    book = openpyxl.load_workbook(path)
    return {
        tab: _comparable(tab, [list(row) for row in book[tab].iter_rows(values_only=True)])
        for tab in TRACKER_TABS
        if tab in book.sheetnames
    }


def clean_states(factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Any]]:
    """What a clean in-process run leaves, for each tracker target (sheet, xlsx)."""
    states: dict[str, tuple[Any, Any]] = {}
    for target in ("sheet", "xlsx"):
        with pytest.MonkeyPatch.context() as mp:
            live = LiveRun(factory.mktemp(f"clean-{target}"), mp, target=target).start()
            try:
                assert main(RUN_ARGS) == 0
                states[target] = live.state()
            finally:
                live.stop()
    return states
