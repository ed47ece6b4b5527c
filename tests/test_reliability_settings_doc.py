"""Every setting given a wrong type or value fails naming it; docs/settings-errors.md holds exactly the
messages the code gives (regenerate: ``FUNNEL_LEDGER_UPDATE_DOCS=1 pytest <this file>``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from settings import RuntimeEnv, SettingsError, parse_settings

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings-errors.md"
BEGIN, END = "<!-- BEGIN GENERATED: tests/test_reliability_settings_doc.py -->", "<!-- END GENERATED -->"

# (setting as named in the message, the YAML mapping given)
CASES: list[tuple[str, dict[str, Any]]] = [
    ("timezone", {"timezone": "Mars/Olympus"}),
    ("timezone", {"timezone": 5}),
    ("week_start", {"week_start": "friday"}),
    ("start_date", {"start_date": "2024-13-01"}),
    ("start_date", {"start_date": "last monday"}),
    ("currency", {"currency": "dollars"}),
    ("currency", {"currency": 12}),
    ("refresh_weeks", {"refresh_weeks": 0}),
    ("refresh_weeks", {"refresh_weeks": 521}),
    ("refresh_weeks", {"refresh_weeks": "twelve"}),
    ("schedule_cron", {"schedule_cron": "every monday"}),
    ("channels", {"channels": []}),
    ("channels", {"channels": ["Paid Social", "Paid Social"]}),
    ("channels", {"channels": "Paid Social"}),
    ("channel_groups", {"channel_groups": {"Inbound": "Organic Search"}}),
    ("channel_map", {"channel_map": ["PAID_SOCIAL"]}),
    ("channel_map", {"channel_map": {"PAID_SOCIAL": "Nowhere"}}),
    ("channel_refinements", {"channel_refinements": [{"source": "PAID_SOCIAL"}]}),
    ("stages", {"stages": ["lead", "lead"]}),
    ("pipelines", {"pipelines": []}),
    ("deal_amount_basis", {"deal_amount_basis": "weekly"}),
    ("tracker_channels", {"tracker_channels": ["Nowhere"]}),
    ("scorecard", {"scorecard": []}),
    ("scorecard", {"scorecard": ["new_mqls", "new_mqls"]}),
    ("gross_margin", {"gross_margin": 0}),
    ("gross_margin", {"gross_margin": 1.5}),
    ("gross_margin", {"gross_margin": "high"}),
    ("monthly_churn_rate", {"monthly_churn_rate": -0.1}),
    ("hubspot", {"hubspot": "fast"}),
    ("hubspot.reconcile_every_days", {"hubspot": {"reconcile_every_days": 0}}),
    ("hubspot.requests_per_10s", {"hubspot": {"requests_per_10s": "fast"}}),
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
    ("colour", {"colour": "blue"}),
]
# Environment settings read when a run starts.
ENV_CASES: list[tuple[str, dict[str, str]]] = [
    ("FUNNEL_LEDGER_MODE", {"FUNNEL_LEDGER_MODE": "production"}),
]


def _message(raw: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, source="funnel-ledger.yaml")
    return str(caught.value)


def _env_message(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        RuntimeEnv.from_environ(environ)
    return str(caught.value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_table() -> str:
    lines = ["| Setting | Given | Message |", "| --- | --- | --- |"]
    for setting, raw in CASES:
        given = json.dumps(raw, ensure_ascii=False)
        # The first line ("funnel-ledger.yaml: invalid settings, nothing was run:") is the same for all.
        detail = "\n".join(_message(raw).splitlines()[1:]).strip()
        lines.append(f"| `{setting}` | `{_cell(given)}` | {_cell(detail)} |")
    for name, environ in ENV_CASES:
        lines.append(f"| `{name}` (env) | `{_cell(json.dumps(environ))}` | {_cell(_env_message(environ))} |")
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


def test_the_settings_errors_doc_matches_the_code():
    table = render_table()
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    expected = f"{head}{BEGIN}\n{table}\n{END}{tail}"
    if os.environ.get("FUNNEL_LEDGER_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
    assert text == expected, "docs/settings-errors.md is stale: rerun with FUNNEL_LEDGER_UPDATE_DOCS=1"
