"""Sentinel secrets never leave the process: not in printed output, Python logging, Dagster's event log
(a real instance on a temp DAGSTER_HOME), failure messages, the Google Sheet, the workbook or the
warehouse."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import zipfile
import zlib
from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest
from dagster import DagsterInstance
from dagster._serdes import serialize_value

from emulators import faults as f
from resources.sheets import RedirectingSession
from tests.test_reliability_support import SECRETS, SHEET, LiveRun

pytestmark = pytest.mark.slow


def _sentinels(live: LiveRun) -> list[str]:
    """Every secret value, plus each line of the service-account private key and its base64 envelope."""
    key_lines = [line for line in live.private_key.splitlines() if line and not line.startswith("-----")]
    import os

    return [*SECRETS.values(), *key_lines, os.environ["GOOGLE_SERVICE_ACCOUNT_JSON_B64"]]


class _Everything(logging.Handler):
    """Keeps every record of every logger, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


def _sheet_text(live: LiveRun) -> str:
    assert live.suite is not None
    sheets = live.suite.app("sheets")
    sheets.auth_required = False
    book = gspread.Client(auth=None, session=RedirectingSession(live.suite.urls["sheets"])).open_by_key(SHEET)  # type: ignore[arg-type]
    return repr([(ws.title, ws.get_all_values()) for ws in book.worksheets()])


def _workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    cells = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]
    with zipfile.ZipFile(path) as archive:
        raw = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return repr(cells) + "".join(raw)


def _files_text(root: Path) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file())


def storage_text(home: Path) -> str:
    """Every file under a Dagster home, plus every compressed value of its SQLite storage, as text.

    Dagster keeps job snapshots (which hold resource config) zlib-compressed in the run storage, where a
    plain search of the file would not see a secret.
    """
    texts = [_files_text(home)]
    for database in home.rglob("*.db"):
        connection = sqlite3.connect(database)
        try:
            tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the schema
                    for value in row:
                        if isinstance(value, bytes):
                            with contextlib.suppress(zlib.error):
                                value = zlib.decompress(value)
                            texts.append(value.decode("utf-8", "replace"))
                        elif isinstance(value, str):
                            texts.append(value)
        finally:
            connection.close()
    return "\n".join(texts)


@pytest.mark.parametrize("target", ["sheet", "xlsx"])
def test_no_sentinel_secret_reaches_any_output(target: str, tmp_path: Path, monkeypatch, capsys):
    home = tmp_path / "dagster_home"
    home.mkdir()
    live = LiveRun(tmp_path, monkeypatch, target=target).start()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    everything = _Everything()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(everything)
    root.setLevel(logging.DEBUG)  # urllib3 and google-auth log request lines at DEBUG
    outputs: list[str] = []
    try:
        code, err = live.run(capsys)
        assert code == 0, err
        outputs.append(err)
        # A refused token (401) and a server that keeps failing (500 after every retry).
        live.rules("hubspot").append(f.rule(r"^/crm/v3/objects/deals", f.status(401)))
        code, err = live.run(capsys)
        assert code == 1 and "check HUBSPOT_ACCESS_TOKEN" in err
        outputs.append(err)
        live.rules("linkedin").append(f.rule(r"^/rest/adAnalytics", f.burst(500, 6)))
        code, err = live.run(capsys)
        assert code == 1 and "LinkedIn" in err
        outputs.append(err)
        live.rules("google_ads").append(f.rule(r"googleAds:search", f.status(401), f.status(401)))
        code, err = live.run(capsys)
        assert code == 1 and "Google Ads" in err
        outputs.append(err)
        outputs.append(capsys.readouterr().out)

        instance = DagsterInstance.get()
        runs = instance.get_runs()
        assert len(runs) == 4
        events = [serialize_value(entry) for run in runs for entry in instance.all_logs(run.run_id)]
        assert any("STEP_FAILURE" in e for e in events)  # the failures' messages are in there too
        assert any("HubSpot" in e and "401" in e for e in events)
        outputs.extend(events)
        outputs.append(storage_text(home))  # event log storage, compute logs, run storage (decompressed)
        outputs.extend(everything.texts)
        outputs.append(repr(dump_warehouse_all(live)))
        outputs.append(_sheet_text(live) if target == "sheet" else _workbook_text(live.workbook))
    finally:
        root.removeHandler(everything)
        root.setLevel(previous)
        live.stop()

    text = "\n".join(outputs)
    assert len(text) > 10_000  # the outputs were really collected
    assert "New leads" in text or "new_leads" in text
    for sentinel in _sentinels(live):
        assert sentinel not in text, f"a secret leaked: {sentinel[:12]}..."


def dump_warehouse_all(live: LiveRun) -> dict[str, list[Any]]:
    """Every table, every column (the run-stamp columns too)."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{live.data_dir / 'warehouse.db'}")
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            return {t.name: [tuple(r) for r in connection.execute(sa.select(t))] for t in meta.sorted_tables}
    finally:
        engine.dispose()
