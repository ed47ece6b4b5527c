"""Settings: defaults, every invalid value named in the error, file and environment resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import RuntimeEnv, SettingsError, load_settings, parse_settings, require_live_secrets

pytestmark = pytest.mark.unit


def test_defaults_match_the_catalog_conventions():
    settings = parse_settings({})
    assert settings.timezone == "UTC" and settings.week_start == "monday" and settings.currency == "USD"
    assert settings.refresh_weeks == 12 and settings.deal_amount_basis == "arr"
    groups = settings.resolved_channel_groups()
    assert groups["Outbound"] == ("Offline",)
    assert "Offline" not in groups["Inbound"] and len(groups["Inbound"]) == 8
    assert settings.channel_map["AI_REFERRALS"] == "Referral"
    assert settings.slice_order()[:4] == ["All", "Inbound", "Outbound", "Organic Search"]


@pytest.mark.parametrize(
    ("raw", "named", "says"),
    [
        ({"week_start": "tuesday"}, "week_start", "'monday' or 'sunday'"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
        ({"currency": "usd"}, "currency", "3-letter ISO 4217"),
        ({"refresh_weeks": 0}, "refresh_weeks", "greater than or equal to 1"),
        ({"refresh_weeks": "twelve"}, "refresh_weeks", "valid integer"),
        ({"start_date": "2024-13-01"}, "start_date", "date"),
        ({"deal_amount_basis": "tcv"}, "deal_amount_basis", "'arr', 'mrr' or 'one_time'"),
        ({"stages": ["lead", "customer"]}, "stages", "must include marketingqualifiedlead"),
        ({"channels": ["Paid Search", "Paid Search", "Other"]}, "channels", "more than once"),
        ({"channels": ["Paid Search"]}, "channels", "must contain 'Other'"),
        ({"channel_map": {"PAID_SEARCH": "Search Ads"}}, "channel_map.PAID_SEARCH", "not one of channels"),
        (
            {"channel_groups": {"Inbound": ["Other"], "Outbound": ["Offline"]}},
            "channel_groups",
            "belong to no group",
        ),
        (
            {"channel_groups": {"Marketing": ["Other"]}},
            "channel_groups",
            "exactly the groups Inbound and Outbound",
        ),
        ({"tracker_channels": ["Everything"]}, "tracker_channels", "not All, a group or a channel"),
        ({"gross_margin": 1.5}, "gross_margin", "less than or equal to 1"),
        ({"hubspot": {"search_requests_per_second": 9}}, "hubspot.search_requests_per_second", "less than"),
        ({"pipelines": []}, "pipelines", "at least one pipeline id"),
        ({"colour": "blue"}, "colour", "not a known setting"),
        ({"schedule_cron": "every monday"}, "schedule_cron", "not a cron expression"),
    ],
)
def test_each_invalid_setting_is_named(raw, named, says):
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, source="team.yaml")
    message = str(caught.value)
    assert message.startswith("team.yaml: invalid settings")
    assert f"setting '{named}" in message
    assert says in message


def test_file_resolution_and_yaml_errors(tmp_path: Path):
    good = tmp_path / "ok.yaml"
    good.write_text("week_start: sunday\ntimezone: Europe/Warsaw\n")
    assert load_settings(good).week_start == "sunday"
    assert load_settings(None, {"FUNNEL_LEDGER_CONFIG": str(good)}).timezone == "Europe/Warsaw"
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("week_start: [monday\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- monday\n")
    with pytest.raises(SettingsError, match="must be a YAML mapping"):
        load_settings(listed)


def test_runtime_environment_and_live_secrets():
    runtime = RuntimeEnv.from_environ({"FUNNEL_LEDGER_DATA_DIR": "/tmp/fl", "HUBSPOT_BASE_URL": "http://h/"})
    assert runtime.mode == "live"
    assert runtime.warehouse_url == "sqlite:////tmp/fl/warehouse.db"
    assert str(runtime.workbook_path) == "/tmp/fl/tracker.xlsx"
    assert runtime.hubspot_base_url == "http://h"
    with pytest.raises(SettingsError, match="FUNNEL_LEDGER_MODE"):
        RuntimeEnv.from_environ({"FUNNEL_LEDGER_MODE": "staging"})
    with pytest.raises(SettingsError, match="HUBSPOT_ACCESS_TOKEN is not set"):
        require_live_secrets({})
    require_live_secrets({"HUBSPOT_ACCESS_TOKEN": "x"})


def test_the_annotated_example_file_is_valid():
    example = Path(__file__).resolve().parents[1] / "funnel-ledger.example.yaml"
    settings = load_settings(example)
    assert settings.week_start == "monday" and settings.resolved_schedule_cron() == "0 6 * * 1"
