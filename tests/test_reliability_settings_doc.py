"""Every setting given a wrong type or value fails naming it; docs/settings-errors.md holds exactly the
messages the code gives (regenerate: ``FUNNEL_LEDGER_UPDATE_DOCS=1 pytest <this file>``).

Four tables: values in the file, the file itself (encoding, YAML), the environment, and the settings only
the HubSpot portal can confirm (the run's preflight and ``funnel-ledger check`` give these messages).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from resources.hubspot import PipelineStage, PropertyDef
from resources.preflight import pipeline_problem, stage_problem
from settings import DEFAULT_STAGES, RuntimeEnv, SettingsError, load_settings, parse_settings

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings-errors.md"
# Each generated table sits between "<!-- BEGIN GENERATED: <this file>[ <name>] -->" and END.
BEGIN, END = "<!-- BEGIN GENERATED: tests/test_reliability_settings_doc.py", "<!-- END GENERATED -->"

# (setting as named in the message, the YAML mapping given)
CASES: list[tuple[str, dict[str, Any]]] = [
    ("timezone", {"timezone": "Mars/Olympus"}),
    ("timezone", {"timezone": 5}),
    ("week_start", {"week_start": "friday"}),
    ("start_date", {"start_date": "2024-13-01"}),
    ("start_date", {"start_date": "last monday"}),
    ("start_date", {"start_date": "0001-01-01"}),
    ("start_date", {"start_date": "9999-12-27"}),
    ("currency", {"currency": "dollars"}),
    ("currency", {"currency": 12}),
    ("refresh_weeks", {"refresh_weeks": 0}),
    ("refresh_weeks", {"refresh_weeks": 521}),
    ("refresh_weeks", {"refresh_weeks": "twelve"}),
    ("refresh_weeks", {"refresh_weeks": True}),
    ("refresh_weeks", {"refresh_weeks": 12.5}),
    ("schedule_cron", {"schedule_cron": "every monday"}),
    ("schedule_cron", {"schedule_cron": "61 25 * * 1"}),
    ("schedule_cron", {"schedule_cron": "*/0 * * * *"}),
    ("schedule_cron", {"schedule_cron": "0 6 31 2 *"}),
    ("schedule_cron", {"schedule_cron": "0 6 31 4 *"}),
    ("schedule_cron", {"schedule_cron": "0 6 * * 1 5"}),
    ("schedule_cron", {"schedule_cron": "*/90 * * * *"}),
    ("channels", {"channels": []}),
    ("channels", {"channels": ["Paid Social", "Paid Social"]}),
    ("channels", {"channels": "Paid Social"}),
    ("channel_groups", {"channel_groups": {"Inbound": "Organic Search"}}),
    ("channel_map", {"channel_map": ["PAID_SOCIAL"]}),
    ("channel_map", {"channel_map": {"PAID_SOCIAL": "Nowhere"}}),
    ("channel_refinements", {"channel_refinements": [{"source": "PAID_SOCIAL"}]}),
    ("stages", {"stages": ["lead", "lead"]}),
    ("pipelines", {"pipelines": []}),
    ("pipelines", {"pipelines": ["default", "default"]}),
    ("deal_amount_basis", {"deal_amount_basis": "weekly"}),
    ("tracker_channels", {"tracker_channels": ["Nowhere"]}),
    ("tracker_channels", {"tracker_channels": []}),
    ("tracker_channels", {"tracker_channels": ["All", "All"]}),
    ("scorecard", {"scorecard": []}),
    ("scorecard", {"scorecard": ["new_mqls", "new_mqls"]}),
    ("gross_margin", {"gross_margin": 0}),
    ("gross_margin", {"gross_margin": 1.5}),
    ("gross_margin", {"gross_margin": "high"}),
    ("gross_margin", {"gross_margin": True}),
    ("gross_margin", {"gross_margin": float("nan")}),
    ("monthly_churn_rate", {"monthly_churn_rate": -0.1}),
    ("hubspot", {"hubspot": "fast"}),
    ("hubspot.full_sync_every_days", {"hubspot": {"full_sync_every_days": 0}}),
    ("hubspot.requests_per_10s", {"hubspot": {"requests_per_10s": "fast"}}),
    ("hubspot.requests_per_10s", {"hubspot": {"requests_per_10s": False}}),
    ("hubspot.search_requests_per_second", {"hubspot": {"search_requests_per_second": 6}}),
    ("hubspot.burst", {"hubspot": {"burst": 10}}),
    ("ads.lookback_days", {"ads": {"lookback_days": 91}}),
    ("ads.lookback_days", {"ads": {"lookback_days": -1}}),
    ("ads.linkedin_channel", {"ads": {"linkedin_channel": 5}}),
    ("ads.linkedin_api_version", {"ads": {"linkedin_api_version": "2026-01"}}),
    ("ads.google_ads_api_version", {"ads": {"google_ads_api_version": "22"}}),
    ("ga4.lookback_days", {"ga4": {"lookback_days": 31}}),
    ("ga4.channel_map", {"ga4": {"channel_map": "Organic Search"}}),
    ("ga4.scroll_depth_events", {"ga4": {"scroll_depth_events": {33: "scroll"}}}),
    ("currency_rates", {"currency_rates": {"EUR": "abc"}}),
    ("currency_rates", {"currency_rates": {"EUR": float("inf")}}),
    ("currency_rates", {"currency_rates": {"EUR": 0}}),
    ("bad_records", {"bad_records": "skip"}),
    ("bad_records", {"bad_records": True}),
    ("colour", {"colour": "blue"}),
]
# The settings file itself: (what is wrong, its bytes). Messages name the file and what to do.
FILE_CASES: list[tuple[str, bytes]] = [
    ("not UTF-8 (Latin-1)", "timezone: Europe/Zürich\n".encode("latin-1")),
    ("not UTF-8 (UTF-16, as Notepad's 'Unicode')", "timezone: UTC\n".encode("utf-16")),
    ("not YAML", b"timezone: UTC\n  week_start: [monday\n"),
    ("a setting given twice", b"timezone: UTC\ntimezone: Europe/Warsaw\n"),
    ("a list, not a mapping", b"- timezone\n"),
]
# Environment settings read when a run starts.
ENV_CASES: list[tuple[str, dict[str, str]]] = [
    ("FUNNEL_LEDGER_MODE", {"FUNNEL_LEDGER_MODE": "production"}),
    ("HUBSPOT_BASE_URL", {"HUBSPOT_BASE_URL": "https://user:secret@gateway.example.com/hubspot"}),
    ("HUBSPOT_BASE_URL", {"HUBSPOT_BASE_URL": "https://gateway.example.com/hubspot?key=secret"}),
    ("LINKEDIN_BASE_URL", {"LINKEDIN_BASE_URL": "gateway.example.com/linkedin"}),
    ("GOOGLE_OAUTH_TOKEN_URL", {"GOOGLE_OAUTH_TOKEN_URL": "https://oauth2.googleapis.com:443x/token"}),
]
# An example portal: HubSpot's default lifecycle stages and two deal pipelines.
LIFECYCLE_LABELS = (
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
)
LIFECYCLE_OPTIONS = (*zip(DEFAULT_STAGES, LIFECYCLE_LABELS, strict=True), ("other", "Other"))
PORTAL_STAGES = [PropertyDef("lifecyclestage", "enumeration", LIFECYCLE_OPTIONS)]
PORTAL_PIPELINES = [
    PipelineStage("default", "Sales Pipeline", "appointmentscheduled", "Appointment Scheduled", 0, False, 0.2),
    PipelineStage("51997770", "Partner Pipeline", "closedwon", "Closed Won", 0, True, 1.0),
]
# Settings only the portal can confirm: checked when a run starts, before anything is written.
PORTAL_CASES: list[tuple[str, dict[str, Any]]] = [
    ("stages", {"stages": [*DEFAULT_STAGES[:-1], "evangelst"]}),
    ("stages", {"stages": [*DEFAULT_STAGES[:-1], "Evangelist"]}),
    ("pipelines", {"pipelines": ["no-such-pipeline"]}),
    ("pipelines", {"pipelines": ["Sales Pipeline"]}),
]


def _message(raw: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, source="funnel-ledger.yaml")
    return str(caught.value)


def _env_message(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        RuntimeEnv.from_environ(environ)
    return str(caught.value)


def _file_message(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "funnel-ledger.yaml"
        path.write_bytes(content)
        with pytest.raises(SettingsError) as caught:
            load_settings(path)
    return str(caught.value).replace(f"{folder}{os.sep}", "")


def _portal_message(raw: dict[str, Any]) -> str:
    settings = parse_settings(raw)
    problem = stage_problem(settings.stages, PORTAL_STAGES) or pipeline_problem(settings.pipelines, PORTAL_PIPELINES)
    assert problem is not None
    return problem


def _given(raw: dict[str, Any]) -> str:
    return json.dumps(raw, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_table() -> str:
    lines = ["| Setting | Given | Message |", "| --- | --- | --- |"]
    for setting, raw in CASES:
        # The first line ("funnel-ledger.yaml: invalid settings, nothing was run:") is the same for all.
        detail = "\n".join(_message(raw).splitlines()[1:]).strip()
        lines.append(f"| `{setting}` | `{_cell(_given(raw))}` | {_cell(detail)} |")
    for name, environ in ENV_CASES:
        lines.append(f"| `{name}` (env) | `{_cell(json.dumps(environ))}` | {_cell(_env_message(environ))} |")
    return "\n".join(lines)


def render_file_table() -> str:
    lines = ["| The settings file | Message |", "| --- | --- |"]
    lines += [f"| {what} | {_cell(_file_message(content))} |" for what, content in FILE_CASES]
    return "\n".join(lines)


def render_portal_table() -> str:
    lines = ["| Setting | Given | Message |", "| --- | --- | --- |"]
    for setting, raw in PORTAL_CASES:
        lines.append(f"| `{setting}` | `{_cell(_given(raw))}` | {_cell(_portal_message(raw))} |")
    return "\n".join(lines)


@pytest.mark.parametrize(("setting", "raw"), CASES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(CASES)])
def test_a_wrong_setting_fails_naming_it(setting: str, raw: dict[str, Any]):
    message = _message(raw)
    assert message.startswith("funnel-ledger.yaml: invalid settings, nothing was run:")
    assert f"setting '{setting}" in message, message


def test_a_wrong_mode_fails_naming_it():
    assert _env_message({"FUNNEL_LEDGER_MODE": "production"}) == (
        "FUNNEL_LEDGER_MODE='production': must be 'demo' or 'live'"
    )


@pytest.mark.parametrize(("name", "environ"), ENV_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ENV_CASES)])
def test_a_wrong_environment_value_fails_in_one_line_naming_it(name: str, environ: dict[str, str]):
    message = _env_message(environ)
    assert message.startswith(name) and "\n" not in message
    if name.endswith("_URL"):  # a URL may hold a secret: the message never repeats it
        assert environ[name] not in message and "secret" not in message


@pytest.mark.parametrize(("what", "content"), FILE_CASES, ids=[what for what, _ in FILE_CASES])
def test_a_settings_file_that_cannot_be_read_fails_in_one_line_naming_it(what: str, content: bytes):
    message = _file_message(content)
    assert "funnel-ledger.yaml" in message and "\n" not in message, message


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path):
    path = tmp_path / "funnel-ledger.yaml"
    path.write_bytes(b"\xef\xbb\xbftimezone: Europe/Warsaw\n")
    assert load_settings(path).timezone == "Europe/Warsaw"


@pytest.mark.parametrize(("setting", "raw"), PORTAL_CASES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(PORTAL_CASES)])
def test_a_setting_the_portal_does_not_have_fails_naming_what_it_has(setting: str, raw: dict[str, Any]):
    message = _portal_message(raw)
    assert message.startswith(f"setting '{setting}': ") and "\n" not in message
    if setting == "pipelines":
        assert "default (Sales Pipeline)" in message and "51997770 (Partner Pipeline)" in message
    else:
        assert "evangelist (Evangelist)" in message


def _replace_block(text: str, name: str, table: str) -> str:
    begin = f"{BEGIN} {name} -->" if name else f"{BEGIN} -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{begin}\n{table}\n{END}{tail}"


def test_the_settings_errors_doc_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    expected = _replace_block(text, "", render_table())
    expected = _replace_block(expected, "file", render_file_table())
    expected = _replace_block(expected, "portal", render_portal_table())
    if os.environ.get("FUNNEL_LEDGER_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
    assert text == expected, "docs/settings-errors.md is stale: rerun with FUNNEL_LEDGER_UPDATE_DOCS=1"
