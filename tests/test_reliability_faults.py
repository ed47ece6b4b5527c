"""Every fault × source: the run either ends with exactly what a clean run leaves (warehouse row for row,
tracker tabs cell for cell) or stops with a clear message and no sheet write; a rerun then matches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulators import faults as f
from tests.test_reliability_support import LiveRun

pytestmark = pytest.mark.slow

State = tuple[dict[str, list[tuple[Any, ...]]], dict[str, list[list[Any]]]]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, State]:
    """What a clean run leaves, for each tracker target."""
    from pipelines.cli import main
    from tests.test_reliability_support import RUN_ARGS

    states: dict[str, State] = {}
    for target in ("sheet", "xlsx"):
        with pytest.MonkeyPatch.context() as mp:
            live = LiveRun(tmp_path_factory.mktemp(f"clean-{target}"), mp, target=target).start()
            try:
                assert main(RUN_ARGS) == 0
                states[target] = live.state()
            finally:
                live.stop()
    return states


def test_clean_runs_are_reproducible(clean, tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch).start()
    try:
        assert live.run(capsys)[0] == 0
        warehouse, tracker = live.state()
        assert warehouse == clean["sheet"][0]
        assert tracker == clean["sheet"][1]
        assert set(tracker) == {"Tracker", "Snapshots", "Insights"}
        assert len(tracker["Snapshots"]) > 1
    finally:
        live.stop()


HS_LIST = r"^/crm/v3/objects/contacts(\?|$)"
HS_DEALS = r"^/crm/v3/objects/deals(\?|$)"
LI = r"^/rest/adAnalytics"
GADS = r"googleAds:search"
GA4 = r":(runReport|batchRunReports)"
SHEETS_WRITE = r":batchUpdate$"
TOKEN = r"^/token$"

SAME = "same"
STOPS = "stops"


def _pad_linkedin(answer: dict[str, Any]) -> dict[str, Any]:
    """Exactly 15,000 elements: the real ones plus filler LinkedIn would have cut off."""
    elements = list(answer.get("elements", []))
    filler = {
        "dateRange": {"start": {"year": 2024, "month": 1, "day": 3}, "end": {"year": 2024, "month": 1, "day": 3}},
        "pivotValues": ["urn:li:sponsoredCampaign:999"],
        "impressions": 1,
        "clicks": 0,
        "costInLocalCurrency": "1",
        "externalWebsiteConversions": 0,
        "oneClickLeads": 0,
    }
    return {**answer, "elements": elements + [filler] * (15_000 - len(elements))}


def _ads_numbers_as_json_numbers(answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Google Ads sends int64 metrics as strings; drift: send them as JSON numbers."""
    for batch in answer:
        for row in batch.get("results", []):
            metrics = row["metrics"]
            for name in ("impressions", "clicks", "costMicros"):
                if name in metrics:
                    metrics[name] = int(metrics[name])
    return answer


def _linkedin_numbers_as_strings(answer: dict[str, Any]) -> dict[str, Any]:
    """LinkedIn sends counts as numbers; drift: send them as strings."""
    for element in answer.get("elements", []):
        for name in ("impressions", "clicks", "externalWebsiteConversions", "oneClickLeads"):
            if name in element:
                element[name] = str(element[name])
    return answer


def _hubspot_amount_as_number(answer: dict[str, Any]) -> dict[str, Any]:
    """HubSpot sends every property as a string; drift: a deal amount as a JSON number."""
    for item in answer.get("results", []):
        amount = item["properties"].get("amount")
        if amount is not None:
            item["properties"]["amount"] = int(amount)
    return answer


def _hubspot_unknown_property(answer: dict[str, Any]) -> dict[str, Any]:
    """Drift: a property nobody asked for and an unknown top-level key appear."""
    for item in answer.get("results", []):
        item["properties"]["hs_brand_new_property"] = "surprise"
        item["newTopLevelField"] = {"nested": [1, 2]}
    return answer


# (id, emulator, rules, outcome, message fragment for a stop)
CASES: list[tuple[str, str, list[f.Rule], str, str]] = [
    ("hubspot-429-retry-after", "hubspot", [f.rule(HS_LIST, f.burst(429, 3, retry_after="1"))], SAME, ""),
    ("hubspot-429-no-retry-after", "hubspot", [f.rule(HS_LIST, f.burst(429, 3))], SAME, ""),
    ("hubspot-5xx-burst", "hubspot", [f.rule(HS_DEALS, f.burst(502, 2), f.status(503), f.status(504))], SAME, ""),
    ("hubspot-reset", "hubspot", [f.rule(HS_LIST, f.reset(), f.reset())], SAME, ""),
    (
        "hubspot-truncated-json",
        "hubspot",
        [f.rule(HS_LIST, f.truncated())],
        STOPS,
        "HubSpot contacts.list answered HTTP 200 with a body that is not a JSON object",
    ),
    (
        "hubspot-malformed-json",
        "hubspot",
        [f.rule(HS_DEALS, f.malformed())],
        STOPS,
        "HubSpot deals.list answered HTTP 200 with a body that is not a JSON object",
    ),
    (
        "hubspot-200-error-body",
        "hubspot",
        [f.rule(HS_LIST, f.error_body({"status": "error", "message": "x"}))],
        STOPS,
        "answered HTTP 200 with an error",
    ),
    (
        "hubspot-500-after-retries",
        "hubspot",
        [f.rule(HS_DEALS, f.burst(500, 6))],
        STOPS,
        "HubSpot kept failing after retries",
    ),
    ("hubspot-token-expired", "hubspot", [f.rule(HS_DEALS, f.status(401))], STOPS, "check HUBSPOT_ACCESS_TOKEN"),
    ("hubspot-amount-as-number", "hubspot", [f.rule(HS_DEALS, f.rewrite(_hubspot_amount_as_number))], SAME, ""),
    ("hubspot-new-property", "hubspot", [f.rule(HS_LIST, f.rewrite(_hubspot_unknown_property))], SAME, ""),
    ("linkedin-429", "linkedin", [f.rule(LI, f.burst(429, 3, retry_after="2"))], SAME, ""),
    ("linkedin-5xx-burst", "linkedin", [f.rule(LI, f.burst(503, 3))], SAME, ""),
    ("linkedin-reset", "linkedin", [f.rule(LI, f.reset())], SAME, ""),
    (
        "linkedin-truncated-json",
        "linkedin",
        [f.rule(LI, f.truncated())],
        STOPS,
        "answered with a body that is not JSON",
    ),
    ("linkedin-15000-elements", "linkedin", [f.rule(LI, f.rewrite(_pad_linkedin))], SAME, ""),
    (
        "linkedin-token-expired",
        "linkedin",
        [f.rule(LI, f.status(401))],
        STOPS,
        "HTTP 401 :  -- check LINKEDIN_ACCESS_TOKEN",
    ),
    ("linkedin-numbers-as-strings", "linkedin", [f.rule(LI, f.rewrite(_linkedin_numbers_as_strings))], SAME, ""),
    ("google-ads-429", "google_ads", [f.rule(GADS, f.burst(429, 2))], SAME, ""),
    ("google-ads-5xx-burst", "google_ads", [f.rule(GADS, f.burst(500, 3))], SAME, ""),
    ("google-ads-reset", "google_ads", [f.rule(GADS, f.reset())], SAME, ""),
    (
        "google-ads-truncated-json",
        "google_ads",
        [f.rule(GADS, f.truncated())],
        STOPS,
        "Google Ads searchStream answered HTTP 200 with a body that is not JSON",
    ),
    ("google-ads-token-expired", "google_ads", [f.rule(GADS, f.status(401))], SAME, ""),
    ("google-ads-numbers-as-numbers", "google_ads", [f.rule(GADS, f.rewrite(_ads_numbers_as_json_numbers))], SAME, ""),
    ("ga4-429", "ga4", [f.rule(GA4, f.burst(429, 2, retry_after="1"))], SAME, ""),
    ("ga4-5xx-burst", "ga4", [f.rule(GA4, f.burst(503, 3))], SAME, ""),
    ("ga4-reset", "ga4", [f.rule(GA4, f.reset())], SAME, ""),
    (
        "ga4-truncated-json",
        "ga4",
        [f.rule(GA4, f.truncated())],
        STOPS,
        "GA4 answered HTTP 200 with a body that is not JSON",
    ),
    ("ga4-quota-exhausted", "ga4", [f.rule(GA4, f.burst(429, 6), after=1)], STOPS, "GA4 token quota is spent"),
    ("ga4-token-expired", "ga4", [f.rule(GA4, f.status(401))], SAME, ""),
    ("oauth-5xx-burst", "oauth", [f.rule(TOKEN, f.burst(503, 2))], SAME, ""),
    ("sheets-429-mid-write", "sheets", [f.rule(SHEETS_WRITE, f.burst(429, 2))], SAME, ""),
    ("sheets-500-mid-write", "sheets", [f.rule(SHEETS_WRITE, f.burst(500, 2))], SAME, ""),
    (
        "sheets-500-after-retries",
        "sheets",
        [f.rule(SHEETS_WRITE, f.burst(500, 8))],
        STOPS,
        "Google Sheets answered HTTP 500",
    ),
    (
        "sheets-token-expired",
        "sheets",
        [f.rule(SHEETS_WRITE, f.status(401))],
        STOPS,
        "service account's token was refused",
    ),
]


@pytest.mark.parametrize(("case", "emulator", "rules", "outcome", "message"), CASES, ids=[c[0] for c in CASES])
def test_fault(case, emulator, rules, outcome, message, clean, tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch).start({emulator: rules})
    try:
        code, err = live.run(capsys)
        served = live.suite.faults[emulator].faults_served  # type: ignore[union-attr]
        assert served >= 1
        if outcome == SAME:
            assert code == 0, err
            assert live.state() == clean["sheet"]
        else:
            assert code == 1
            assert message in err
            assert live.tracker() == {}
            for rule in live.rules(emulator):
                rule.faults.clear()
            assert live.run(capsys)[0] == 0
            assert live.state() == clean["sheet"]
    finally:
        live.stop()


TIMEOUT_PATHS = {
    "hubspot": r"/crm/v3/objects/contacts\?",
    "linkedin": r"/rest/adAnalytics",
    "google_ads": r"googleAds:search",
    "ga4": r":runReport",
    "sheets": r":batchUpdate",
}


@pytest.mark.parametrize("emulator", sorted(TIMEOUT_PATHS))
def test_a_response_slower_than_the_read_timeout_is_retried(emulator: str, clean, tmp_path: Path, monkeypatch, capsys):
    live = LiveRun(tmp_path, monkeypatch).start()
    try:
        with f.read_timeouts(2, path=TIMEOUT_PATHS[emulator]) as timed_out:
            code, err = live.run(capsys)
        assert len(timed_out) == 2, timed_out
        assert code == 0, err
        assert live.state() == clean["sheet"]
    finally:
        live.stop()
