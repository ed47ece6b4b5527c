"""Nothing moves before a settings error: a bad setting stops ``funnel-ledger run`` with one line naming it,
before any source is read or any row written (warehouse, sheet and workbook untouched), and ``check`` names
it too. The settings the portal must confirm (stages, pipelines) are checked against the HubSpot emulator."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.check import check_command
from pipelines.definitions import definitions_for_environment
from settings import SettingsError
from tests.test_reliability_support import LiveRun, sheet_tabs

STAGES = "[subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer"
# (id, settings file bytes, what the one-line message says, whether the portal was asked)
CASES: list[tuple[str, bytes, str, bool]] = [
    (
        "stage-typo",
        f"stages: {STAGES}, evangelst]\n".encode(),
        "setting 'stages': evangelst is not a lifecycle stage of this HubSpot portal",
        True,
    ),
    (
        "unknown-pipeline",
        b"pipelines: [no-such-pipeline]\n",
        "setting 'pipelines': no-such-pipeline is not a deal pipeline id of this HubSpot portal; its pipelines "
        "are: default (Sales Pipeline)",
        True,
    ),
    ("cron-out-of-range", b"schedule_cron: '61 25 * * 1'\n", "setting 'schedule_cron': '61 25 * * 1' is not", False),
    ("cron-zero-step", b"schedule_cron: '*/0 * * * *'\n", "setting 'schedule_cron': '*/0 * * * *' is not", False),
    ("cron-february-31", b"schedule_cron: '0 6 31 2 *'\n", "setting 'schedule_cron': '0 6 31 2 *' never fires", False),
    ("start-date-year-1", b"start_date: 0001-01-01\n", "setting 'start_date': 0001-01-01 is outside the weeks", False),
    ("refresh-weeks-true", b"refresh_weeks: true\n", "setting 'refresh_weeks': Input should be a valid integer", False),
    (
        "infinite-rate",
        b"currency_rates: {EUR: .inf}\n",
        "setting 'currency_rates.EUR': Input should be a finite",
        False,
    ),
    ("empty-tracker-channels", b"tracker_channels: []\n", "setting 'tracker_channels': leave it out", False),
    ("not-utf8", "timezone: Europe/Zürich\n".encode("latin-1"), "is not UTF-8 text", False),
]


def _written_rows(live: LiveRun) -> dict[str, int]:
    """Rows per warehouse table (none when the run never created the warehouse).

    The schema's version row is not data: the run lease brings the warehouse to its schema before the
    preflight, so a stopped run may leave an empty, migrated warehouse behind.
    """
    path = live.data_dir / "warehouse.db"
    if not path.exists():
        return {}
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            counts = {
                t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in meta.sorted_tables
            }
        return {name: count for name, count in counts.items() if count and name != "alembic_version"}
    finally:
        engine.dispose()


def _start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, target: str = "sheet") -> LiveRun:
    live = LiveRun(tmp_path, monkeypatch, target=target).start()
    config = tmp_path / "funnel-ledger.yaml"
    config.write_bytes(content)
    monkeypatch.setenv("FUNNEL_LEDGER_CONFIG", str(config))
    return live


@pytest.mark.slow
@pytest.mark.parametrize(("case", "content", "says", "asks_portal"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_setting_stops_the_run_before_anything_moves(
    case: str, content: bytes, says: str, asks_portal: bool, tmp_path: Path, monkeypatch, capsys
):
    live = _start(tmp_path, monkeypatch, content)
    try:
        code, err = live.run(capsys)
        assert live.suite is not None
        requests = {name: injector.requests for name, injector in live.suite.faults.items()}
        sheet = sheet_tabs(live.suite)
    finally:
        live.stop()
    assert code == 2, err
    # The message closes stderr: one line (a settings file's errors: a heading and one line per setting).
    message = err[err.rindex("funnel-ledger: ") :].strip()
    assert says in message.splitlines()[-1] and len(message.splitlines()) <= 2, err
    assert "Traceback" not in err and "Stack Trace" not in err
    # Only the portal was asked (its lifecycle stages and deal pipelines), and only when the settings file
    # itself was valid; no source was read, nothing was written anywhere.
    assert requests == {
        "hubspot": 2 if asks_portal else 0,
        "linkedin": 0,
        "google_ads": 0,
        "ga4": 0,
        "sheets": 0,
        "oauth": 0,
    }
    assert _written_rows(live) == {}
    assert all(rows == [] for rows in sheet.values()), sheet


@pytest.mark.slow
@pytest.mark.parametrize(("case", "content", "says", "asks_portal"), CASES, ids=[c[0] for c in CASES])
def test_check_names_the_bad_setting(case: str, content: bytes, says: str, asks_portal: bool, tmp_path, monkeypatch):
    live = _start(tmp_path, monkeypatch, content)
    out = io.StringIO()
    try:
        code = check_command(None, out=out, sleeper=lambda _: None)
    finally:
        live.stop()
    text = out.getvalue()
    assert code == 1, text
    assert says.split(": ", 1)[-1] in text, text
    failed = {line.split()[0] for line in text.splitlines() if "FAILED" in line}
    assert failed == ({"HubSpot"} if asks_portal else {"Settings"}), text


@pytest.mark.slow
def test_an_empty_workbook_stops_the_run_before_any_source_is_read(tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch, target="xlsx").start()
    live.workbook.write_bytes(b"")
    try:
        code, err = live.run(capsys)
        assert live.suite is not None
        requests = {name: injector.requests for name, injector in live.suite.faults.items() if injector.requests}
    finally:
        live.stop()
    assert code == 1, err
    assert err.strip().splitlines()[-1] == (
        f"funnel-ledger: the tracker workbook {live.workbook} is empty (0 bytes), not an .xlsx file: restore it "
        "from a backup, or move it away and rerun to create a new tracker there (TRACKER_WORKBOOK sets where it "
        "lives)"
    )
    assert "Traceback" not in err
    assert live.workbook.read_bytes() == b""  # never overwritten
    assert requests == {"hubspot": 2}  # the portal preflight only: no source was read
    assert _written_rows(live) == {}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("content", "setting"),
    [(b"schedule_cron: '61 25 * * 1'\n", "schedule_cron"), (b"start_date: 0001-01-01\n", "start_date")],
    ids=["cron", "start-date"],
)
def test_the_dagster_definitions_refuse_what_dagster_would_choke_on(content: bytes, setting: str, tmp_path: Path):
    config = tmp_path / "funnel-ledger.yaml"
    config.write_bytes(content)
    environ = {"FUNNEL_LEDGER_CONFIG": str(config), "FUNNEL_LEDGER_DATA_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match=f"setting '{setting}'"):
        definitions_for_environment(environ)


@pytest.mark.unit
def test_every_step_of_the_weekly_job_waits_for_the_preflight():
    """Each step requires the settings resource, whose setup is the preflight: Dagster sets it up before the
    step runs, in-process (once, before the first step) or in a process of its own (before that step)."""
    from pipelines.definitions import WEEKLY_JOB, build_definitions
    from settings import RuntimeEnv, parse_settings

    defs = build_definitions(parse_settings({}), RuntimeEnv.from_environ({"FUNNEL_LEDGER_DATA_DIR": "/tmp/unused"}))
    steps = {node.name: node.required_resource_keys for node in defs.resolve_job_def(WEEKLY_JOB).graph.node_defs}
    assert len(steps) == 7
    assert [name for name, keys in steps.items() if "settings" not in keys] == []
    assert defs.resources["settings"].portal is defs.resources["hubspot"]
